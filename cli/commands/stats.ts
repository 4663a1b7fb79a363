// `living-review stats --review ID [--format md|json|csv] [--recompute]`: the latest statistics snapshot of a
// review, as the protocol declares it (tables, Kaplan-Meier endpoints and comparisons with log-rank tests), and
// what changed since the previous version, in Markdown, JSON (a contract, see statistics-output.ts) or CSV; with
// the protocol's sensitivity analysis (leaving out studies by their appraisal) beside the main result.
// --recompute brings the snapshot up to date first (the local store has no stream doing it after every write).
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoAppraisalStore } from '../../shared/adapters/dynamodb/appraisal-store.ts';
import { DynamoEvidenceStore } from '../../shared/adapters/dynamodb/evidence-store.ts';
import { statisticsSensitivity } from '../../shared/app/appraisal.ts';
import { latestStatistics, recomputeStatistics } from '../../shared/app/recompute-statistics.ts';
import { analysisPlanOf } from '../../shared/domain/protocol/plan.ts';
import { describeChanges } from '../../shared/domain/stats/describe-changes.ts';
import { renderStatistics, type StatisticsFormat } from '../../shared/domain/stats/statistics-output.ts';
import { type Command, readFormat } from '../command.ts';
import { openStore, reviewOptions, selectReview, storeOptions } from '../context.ts';
import { whileReading } from '../progress.ts';

/** The evidence adapter over an open embedded store. */
export function evidenceStoreOf(embedded: { client: DynamoDBDocumentClient; tableName: string }) {
  return new DynamoEvidenceStore({ client: embedded.client, tableName: embedded.tableName });
}

export const statsCommand: Command = {
  name: 'stats',
  store: true,
  summary: "A review's latest statistics: its tables, Kaplan-Meier and log-rank results, and what changed",
  usage:
    'stats --review ID [--format md|text|json|csv] [--recompute] [--protocol FILE] [--data DIR | --aws-table NAME]',
  options: {
    ...reviewOptions,
    ...storeOptions,
    format: { type: 'string', default: 'md' },
    recompute: { type: 'boolean' },
  },
  async run({ values }, io) {
    // md is the issue's contract name for the readable output; text is every other command's.
    const format: StatisticsFormat = readFormat(values, ['md', 'json', 'csv'] as const, { text: 'md' });
    const protocol = await selectReview(values);
    const embedded = await openStore(values);
    try {
      const evidence = evidenceStoreOf(embedded);
      if (values.recompute === true) {
        const outcome = await whileReading(io, embedded, 'recomputing', () =>
          recomputeStatistics({ protocol }, { evidence, clock: () => new Date() }),
        );
        io.err(
          outcome.changed
            ? `stored version ${outcome.version}`
            : `nothing changed${outcome.version ? ` since version ${outcome.version}` : ''}`,
        );
      }
      const stored = await latestStatistics(protocol.id, { evidence });
      if (!stored) {
        const message = `review "${protocol.id}" has no statistics yet: no snapshot is stored (include studies with living-review include, import patient rows with living-review extract import)`;
        if (format === 'md') {
          io.out(message);
          return 0;
        }
        io.err(`living-review stats: ${message}`);
        return 1;
      }
      const { snapshot, diff } = stored;
      if (format !== 'md' && snapshot.patients.count === 0) {
        io.err(
          `living-review stats: review "${protocol.id}" has no patient rows yet (version ${snapshot.version})`,
        );
      }
      const studies = await evidence.listIncludedStudies(protocol.id);
      const names = new Map(studies.map((study) => [study.citationId, study.title]));
      const reasons = new Map(protocol.exclusionReasons.map((reason) => [reason.id, reason.label]));
      const plan = analysisPlanOf(protocol);
      const changes = diff ? describeChanges(diff, names, reasons, plan) : [];
      const sensitivity = await statisticsSensitivity(
        protocol,
        { appraisal: new DynamoAppraisalStore(embedded), evidence },
        snapshot,
      );
      io.out(renderStatistics({ snapshot, diff, plan, changes, sensitivity }, format).trimEnd());
      return 0;
    } finally {
      await embedded.close();
    }
  },
};
