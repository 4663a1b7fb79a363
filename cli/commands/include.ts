// `living-review include --review ID --citation ID|PMID|DOI [--by NAME]`: record that a stored citation is an included
// study, for a team that screens outside this tool (the screening workflow records its own inclusions). Its
// patients can then be imported with `living-review extract import`. Idempotent: including a study twice keeps
// the first inclusion. The statistics are brought up to date afterwards (no stream does it locally). A study
// whose inclusion was withdrawn (`living-review withdraw`) is not included again: that fails, saying when, by
// whom and why it was withdrawn.
import { userInfo } from 'node:os';
import { includeStudy } from '../../shared/app/include-study.ts';
import { recomputeStatistics } from '../../shared/app/recompute-statistics.ts';
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
import { evidenceStoreOf } from './stats.ts';

/** The operator's login name (who recorded an inclusion or a withdrawal when --by is not given). */
export function operator(): string {
  try {
    return userInfo().username || 'operator';
  } catch {
    return 'operator';
  }
}

export const includeCommand: Command = {
  name: 'include',
  summary: 'Record a stored citation as an included study (for a team that screens elsewhere)',
  usage:
    'include --review ID --citation ID|PMID|DOI [--by NAME] [--protocol FILE] [--data DIR | --aws-table NAME]',
  help: CITATION_HELP,
  options: { ...reviewOptions, ...storeOptions, ...citationOption, by: { type: 'string' } },
  async run({ values }, io) {
    requireOption(values, 'citation');
    const protocol = selectReview(values);
    const embedded = await openStore(values);
    try {
      const citationId = await citationFromOption(values, protocol.id, embedded);
      const evidence = evidenceStoreOf(embedded);
      const clock = () => new Date();
      const outcome = await includeStudy(
        {
          reviewId: protocol.id,
          citationId,
          includedBy: optionalString(values, 'by') ?? operator(),
          source: 'manual',
        },
        {
          citations: embedded.store,
          evidence,
          clock,
          afterInclusion: () => recomputeStatistics({ protocol }, { evidence, clock }),
        },
      );
      const { study } = outcome;
      io.out(
        outcome.created
          ? `included ${study.citationId} in review "${protocol.id}": ${study.title}`
          : `${study.citationId} was already included in review "${protocol.id}" (${study.includedAt} by ${study.includedBy}); nothing changed`,
      );
      return 0;
    } finally {
      await embedded.close();
    }
  },
};
