// `living-review include --review ID --citation ID|PMID|DOI [--by NAME]`: record that a stored citation is an
// included study, for a team that screens outside this tool. Its patients can then be imported with
// `living-review extract import`. Idempotent: including a study twice keeps the first inclusion. The statistics
// are brought up to date afterwards (no stream does it locally).
//
// One story with screening: a citation still in the screening queue is settled there by a decision of the
// person including it ("included directly"), so `status` and `stats` agree. A citation the screeners excluded
// is not included over their heads: the inclusion is recorded and the stage goes to the arbiter, who decides.
// A study whose inclusion was withdrawn (`living-review withdraw`) is not included again: that fails, saying
// when, by whom and why it was withdrawn.
import { userInfo } from 'node:os';
import { CitationNotFoundError, includeStudy, StudyWithdrawnError } from '../../shared/app/include-study.ts';
import { recomputeStatistics } from '../../shared/app/recompute-statistics.ts';
import { includeDirectly, NotFoundError } from '../../shared/app/screening.ts';
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
import { STAGE_NAMES } from '../format.ts';
import { screeningOver } from '../serve/wiring.ts';

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
  store: true,
  summary: 'Record a stored citation as an included study (settles it in screening as "included directly")',
  usage:
    'include --review ID --citation ID|PMID|DOI [--by NAME] [--protocol FILE] [--data DIR | --aws-table NAME]',
  help: CITATION_HELP,
  options: { ...reviewOptions, ...storeOptions, ...citationOption, by: { type: 'string' } },
  async run({ values }, io) {
    requireOption(values, 'citation');
    const protocol = await selectReview(values);
    const by = optionalString(values, 'by') ?? operator();
    const table = await openStore(values);
    try {
      const citationId = await citationFromOption(values, protocol.id, table);
      const { evidence, deps } = screeningOver(table, [protocol]);
      const clock = () => new Date();
      const known = await evidence.getIncludedStudy(protocol.id, citationId);
      if (known?.withdrawn) {
        const { at, by: who, reason } = known.withdrawn;
        throw new StudyWithdrawnError(
          `${citationId} was withdrawn from review "${protocol.id}" on ${at} by ${who} (reason: ${reason}); a withdrawn inclusion is not included again`,
        );
      }
      const settled = await includeDirectly(deps, protocol, citationId, by).catch((error: unknown) => {
        if (error instanceof NotFoundError) {
          throw new CitationNotFoundError(
            `no citation ${citationId} in review "${protocol.id}": import or search it before including it`,
          );
        }
        throw error;
      });
      if (settled.kind === 'duplicate') {
        throw new CitationNotFoundError(
          `${citationId} was confirmed a duplicate of ${settled.state.duplicateOf} in screening: include ${settled.state.duplicateOf} instead`,
        );
      }
      if (settled.kind === 'contested' || settled.kind === 'excluded') {
        const stage =
          settled.kind === 'contested'
            ? settled.stage
            : (settled.state.stages.at(-1)?.stage ?? 'title-abstract');
        const result = settled.state.stages.find((s) => s.stage === stage)?.result;
        const reasons = result?.reasonIds.length ? ` (${result.reasonIds.join(', ')})` : '';
        io.out(
          settled.kind === 'contested'
            ? `${citationId} was excluded at ${STAGE_NAMES[stage]}${reasons}: your inclusion is recorded and waits for the arbiter; it is not an included study until the arbiter includes it`
            : `${citationId} stays excluded at ${STAGE_NAMES[stage]}${reasons}: the arbiter kept the exclusion after an earlier inclusion; nothing changed`,
        );
        return 0;
      }
      // Included in screening (now or before): the study, as first recorded.
      const outcome = await includeStudy(
        { reviewId: protocol.id, citationId, includedBy: by, source: 'manual' },
        {
          citations: deps.citations,
          evidence,
          clock,
          afterInclusion: () => recomputeStatistics({ protocol }, { evidence, clock }),
        },
      );
      const { study } = outcome;
      io.out(
        settled.kind === 'included' && !known
          ? `included ${study.citationId} in review "${protocol.id}": ${study.title}`
          : `${study.citationId} was already included in review "${protocol.id}" (${study.includedAt} by ${study.includedBy}); nothing changed`,
      );
      return 0;
    } finally {
      await table.close();
    }
  },
};
