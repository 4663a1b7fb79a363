// `living-review withdraw --review ID --citation ID|PMID|DOI --reason TEXT [--by NAME]`: withdraw a study's inclusion
// (included by mistake, ineligible at a full-text re-check, a duplicate publication), keeping who, when and why.
// The reason is a protocol exclusion reason (its id or label, stored as the id) or free text. The study and its
// patient rows stay stored; the statistics leave them out from the version recomputed right after (no stream
// does it locally). Idempotent: withdrawing twice keeps the first withdrawal. A withdrawn study cannot be
// included again.
import { recomputeStatistics } from '../../shared/app/recompute-statistics.ts';
import { withdrawStudy } from '../../shared/app/withdraw-study.ts';
import { type Command, optionalString, requireOption } from '../command.ts';
import {
  CITATION_HELP,
  citationFromOption,
  citationOption,
  openStore,
  reviewOptions,
  selectReview,
  storeOptions,
} from '../context.ts';
import { operator } from './include.ts';
import { evidenceStoreOf } from './stats.ts';

export const withdrawCommand: Command = {
  name: 'withdraw',
  store: true,
  summary: "Withdraw an included study's inclusion, with its reason (its patients leave the statistics)",
  usage:
    'withdraw --review ID --citation ID|PMID|DOI --reason TEXT [--by NAME] [--protocol FILE] [--data DIR | --aws-table NAME]',
  help: CITATION_HELP,
  options: {
    ...reviewOptions,
    ...storeOptions,
    ...citationOption,
    reason: { type: 'string' },
    by: { type: 'string' },
  },
  async run({ values }, io) {
    requireOption(values, 'citation');
    const reason = requireOption(values, 'reason');
    const protocol = await selectReview(values);
    const embedded = await openStore(values);
    try {
      const citationId = await citationFromOption(values, protocol.id, embedded);
      const evidence = evidenceStoreOf(embedded);
      const clock = () => new Date();
      const outcome = await withdrawStudy(
        {
          reviewId: protocol.id,
          citationId,
          withdrawnBy: optionalString(values, 'by') ?? operator(),
          reason,
          exclusionReasons: protocol.exclusionReasons,
        },
        {
          evidence,
          clock,
          afterWithdrawal: () => recomputeStatistics({ protocol }, { evidence, clock }),
        },
      );
      const { study } = outcome;
      const { at, by } = study.withdrawn;
      const label =
        protocol.exclusionReasons.find((r) => r.id === study.withdrawn.reason)?.label ??
        study.withdrawn.reason;
      io.out(
        outcome.changed
          ? `withdrew ${study.citationId} from review "${protocol.id}" (reason: ${label}): ${study.title}`
          : `${study.citationId} was already withdrawn from review "${protocol.id}" (${at} by ${by}, reason: ${label}); nothing changed`,
      );
      return 0;
    } finally {
      await embedded.close();
    }
  },
};
