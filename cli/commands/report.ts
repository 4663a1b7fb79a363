// `living-review report --review ID [--recompute]`: publish the living report of the review's latest statistics
// snapshot to <dataDir>/reports/<reviewId>/ (index.html, report.json, the Kaplan-Meier SVGs, and the same under
// v<version>/), append a LivingReviewUpdated event to <dataDir>/events.jsonl, and evaluate the update triggers
// (a crossing writes a notification .eml into <dataDir>/outbox). Publishes nothing when the report has not
// changed since it was last published. --recompute brings the statistics up to date first.
//
// Also the local composition root of the digest, report and retraction commands (livingReviewDeps).
import { join } from 'node:path';
import { DynamoAppraisalStore } from '../../shared/adapters/dynamodb/appraisal-store.ts';
import { DynamoDigestStore } from '../../shared/adapters/dynamodb/digest-store.ts';
import { DynamoScreeningStore } from '../../shared/adapters/dynamodb/screening-store.ts';
import { DynamoWatchStore } from '../../shared/adapters/dynamodb/watch-store.ts';
import { LocalEventPublisher } from '../../shared/adapters/events/local-event-publisher.ts';
import { OutboxMailer } from '../../shared/adapters/mail/outbox-mailer.ts';
import { LocalReportPublisher } from '../../shared/adapters/report/local-publisher.ts';
import { updateLivingReview } from '../../shared/app/publish-report.ts';
import { recomputeStatistics } from '../../shared/app/recompute-statistics.ts';
import { publishReviewStatus } from '../../shared/app/review-status.ts';
import type { Protocol } from '../../shared/domain/protocol/protocol.ts';
import { type Command, type CommandOutput, optionalString } from '../command.ts';
import { dataDirectory, openStore, reviewOptions, type StoreConnection, selectReview } from '../context.ts';
import { whileReading } from '../progress.ts';
import { evidenceStoreOf } from './stats.ts';

/** The sender of local mail: --from, else LIVING_REVIEW_MAIL_FROM, else living-review@localhost. */
export function mailFrom(values: Record<string, unknown>): string {
  return optionalString(values, 'from') ?? process.env.LIVING_REVIEW_MAIL_FROM ?? 'living-review@localhost';
}

/** The stores and local adapters of the digest, report and retraction use cases over one open store. */
export function livingReviewDeps(
  embedded: StoreConnection,
  values: Record<string, unknown>,
  options: { outbox?: string } = {},
) {
  const dataDir = dataDirectory(values);
  const table = { client: embedded.client, tableName: embedded.tableName };
  // One store serves what the citation watch found and the ongoing studies.
  const watch = new DynamoWatchStore(table);
  return {
    dataDir,
    citations: embedded.store,
    evidence: evidenceStoreOf(embedded),
    screening: new DynamoScreeningStore(table),
    appraisals: new DynamoAppraisalStore(table),
    digests: new DynamoDigestStore(table),
    watch,
    ongoing: watch,
    publisher: new LocalReportPublisher(join(dataDir, 'reports')),
    events: new LocalEventPublisher(join(dataDir, 'events.jsonl')),
    mailer: new OutboxMailer(options.outbox ?? join(dataDir, 'outbox')),
    clock: () => new Date(),
    from: mailFrom(values),
  };
}

/** Publishes the report and evaluates the triggers, printing one line each. */
export async function refreshReport(
  protocol: Protocol,
  deps: ReturnType<typeof livingReviewDeps>,
  io: CommandOutput,
): Promise<void> {
  const outcome = await updateLivingReview({ protocol }, deps);
  await publishReviewStatus(protocol, deps);
  const report = outcome.report;
  if (report.status === 'no-snapshot') {
    io.out(
      `review "${protocol.id}" has no statistics snapshot yet: nothing to report (include studies and import patient rows first)`,
    );
  } else if (report.status === 'unchanged') {
    io.out(`report of version ${report.version} unchanged (revision ${report.revision}): nothing published`);
  } else {
    io.out(`published version ${report.version} (revision ${report.revision}): ${report.key}`);
  }
  for (const crossing of outcome.triggers.crossings) {
    io.out(
      `update trigger crossed at version ${crossing.version}: ${crossing.description} (${crossing.detail})`,
    );
  }
  if (outcome.triggers.notification === 'sent') {
    io.out(`trigger notification written to ${deps.mailer.written.join(', ')}`);
  }
}

export const reportCommand: Command = {
  name: 'report',
  store: true,
  summary: 'Publish the living report (HTML + JSON) of the latest statistics to <data>/reports/<review>/',
  usage: 'report --review ID [--recompute] [--from ADDRESS] [--protocol FILE] [--data DIR]',
  options: { ...reviewOptions, recompute: { type: 'boolean' }, from: { type: 'string' } },
  async run({ values }, io) {
    const protocol = await selectReview(values);
    const embedded = await openStore(values);
    try {
      const deps = livingReviewDeps(embedded, values);
      if (values.recompute === true) {
        const outcome = await whileReading(io, embedded, 'recomputing', () =>
          recomputeStatistics({ protocol }, { evidence: deps.evidence, clock: deps.clock }),
        );
        io.err(outcome.changed ? `stored statistics version ${outcome.version}` : 'statistics unchanged');
      }
      await whileReading(io, embedded, 'building the report', () => refreshReport(protocol, deps, io));
      return 0;
    } finally {
      await embedded.close();
    }
  },
};
