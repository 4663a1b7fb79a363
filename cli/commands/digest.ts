// `living-review digest --review ID [--out DIR]`: the review's digest of everything since the last digest,
// written as an .eml file (multipart: text, HTML and the candidates as RIS) into DIR (default <data>/outbox).
// Nothing is written when nothing is new, unless the protocol's digest.sendWhenEmpty or --send-when-empty says
// so. The "last digest" marker moves only once the file is written, so running it twice writes one digest.
import { sendDigest } from '../../shared/app/send-digest.ts';
import { type Command, optionalString } from '../command.ts';
import { openStore, reviewOptions, selectReview } from '../context.ts';
import { livingReviewDeps } from './report.ts';

export const digestCommand: Command = {
  name: 'digest',
  store: true,
  summary: 'Write the digest since the last one as an .eml file (default: <data>/outbox)',
  usage:
    'digest --review ID [--out DIR] [--screening-url URL] [--from ADDRESS] [--send-when-empty] [--protocol FILE] [--data DIR]',
  options: {
    ...reviewOptions,
    out: { type: 'string' },
    'screening-url': { type: 'string' },
    from: { type: 'string' },
    'send-when-empty': { type: 'boolean' },
  },
  async run({ values }, io) {
    const protocol = await selectReview(values);
    const embedded = await openStore(values);
    try {
      const out = optionalString(values, 'out');
      const deps = livingReviewDeps(embedded, values, out ? { outbox: out } : {});
      const outcome = await sendDigest(
        { protocol, ...(values['send-when-empty'] === true ? { sendWhenEmpty: true } : {}) },
        {
          ...deps,
          screeningBaseUrl:
            optionalString(values, 'screening-url') ?? process.env.LIVING_REVIEW_SCREENING_URL ?? null,
        },
      );
      const period = `${outcome.period.from ?? 'the beginning'} to ${outcome.period.through}`;
      if (outcome.status === 'sent') {
        io.out(outcome.deliveryId);
        io.err(
          `digest of ${period}: ${outcome.candidates} new candidate${outcome.candidates === 1 ? '' : 's'}, ${outcome.notices} notice${outcome.notices === 1 ? '' : 's'}`,
        );
      } else if (outcome.status === 'already-sent') {
        io.err(`the digest of ${period} was sent before (${outcome.messageId}): nothing written`);
      } else {
        io.err(`nothing new since ${outcome.period.from ?? 'the beginning'}: no digest written`);
      }
      return 0;
    } finally {
      await embedded.close();
    }
  },
};
