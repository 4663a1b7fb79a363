// The living report on the embedded store: published locally with numbers equal to the statistics snapshot and
// PRISMA counts that add up, not published again when nothing changed, regenerated for a new snapshot with the
// update trigger it crossed; the publish-report Lambda on a stream batch.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublishReportHandler } from '../../../functions/publish-report/handler.ts';
import { type PublishReportDeps, updateLivingReview } from '../../../shared/app/publish-report.ts';
import { latestStatistics } from '../../../shared/app/recompute-statistics.ts';
import { nextOccurrence, parseCron } from '../../../shared/domain/protocol/schedule.ts';
import type { LivingReport } from '../../../shared/domain/report/report.ts';
import {
  decide,
  type Harness,
  include,
  openHarness,
  protocolFor,
  putPatients,
  recompute,
  recordCitations,
  saveRun,
  studyCitation,
} from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await openHarness('report');
});
afterAll(async () => {
  await h?.close();
});

function deps(): PublishReportDeps & { mailer: Harness['mailer']; from: string } {
  return {
    evidence: h.evidence,
    citations: h.citations,
    screening: h.screening,
    digests: h.digests,
    publisher: h.publisher,
    events: h.events,
    mailer: h.mailer,
    clock: h.clock,
    from: 'digest@example.org',
  };
}

function readReport(reviewId: string, path = 'report.json'): LivingReport {
  return JSON.parse(readFileSync(join(h.dataDir, 'reports', reviewId, path), 'utf8')) as LivingReport;
}

function eventLines(): Array<{ 'detail-type': string; detail: Record<string, unknown> }> {
  const path = join(h.dataDir, 'events.jsonl');
  return existsSync(path)
    ? readFileSync(path, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line))
    : [];
}

describe('Function: updateLivingReview (publishReport + evaluateTriggers)', () => {
  const protocol = protocolFor('report-a', { updateTriggers: [{ kind: 'new-patients', atLeast: 5 }] });
  let original: string[];
  let screened: string[];

  beforeAll(async () => {
    // The original review: five studies included by hand, 100 patients.
    original = await recordCitations(
      h,
      protocol.id,
      ['11', '12', '13', '14', '15'].map((p) => studyCitation(p)),
    );
    await include(h, protocol.id, original);
    // One weekly run brought four records (one of them found twice: a duplicate folded in by the store).
    const startedAt = h.clock().toISOString();
    screened = await recordCitations(h, protocol.id, [
      studyCitation('21'),
      studyCitation('22'),
      studyCitation('23'),
      studyCitation('24'),
      studyCitation('21', { source: 'europepmc', sourceRecordId: 'PMC21' }),
    ]);
    await saveRun(h, protocol.id, {
      startedAt,
      finishedAt: h.clock().toISOString(),
      counts: { found: 5, fetched: 5, new: 4, alreadyKnown: 0, duplicates: 1, queued: 4, deleted: 0 },
    });
    const [included, excludedTa, excludedFt] = screened as [string, string, string, string];
    await decide(h, protocol.id, included, [
      ['pp', 'screener', 'title-abstract', 'include', null],
      ['alc', 'screener', 'title-abstract', 'include', null],
      ['pp', 'screener', 'full-text', 'include', null],
      ['alc', 'screener', 'full-text', 'include', null],
    ]);
    await include(h, protocol.id, [included], 'screening');
    await decide(h, protocol.id, excludedTa, [
      ['pp', 'screener', 'title-abstract', 'exclude', 'not-iesm'],
      ['alc', 'screener', 'title-abstract', 'exclude', 'paediatric'],
    ]);
    await decide(h, protocol.id, excludedFt, [
      ['pp', 'screener', 'title-abstract', 'include', null],
      ['alc', 'screener', 'title-abstract', 'include', null],
      ['pp', 'screener', 'full-text', 'exclude', 'insufficient-data'],
      ['alc', 'screener', 'full-text', 'exclude', 'insufficient-data'],
    ]);
    await putPatients(h, protocol.id, original, 100);
    await recompute(h, protocol);
  });

  it('publishes version 1: every number is the snapshot’s, and the PRISMA counts add up', async () => {
    const outcome = await updateLivingReview({ protocol }, deps());
    expect(outcome.report).toMatchObject({ status: 'published', version: 1 });
    expect(outcome.triggers).toMatchObject({ version: 1, notification: 'none' });
    const stored = (await latestStatistics(protocol.id, h))!;
    const report = readReport(protocol.id);
    expect(report.version).toBe(stored.snapshot.version);
    expect(report.patients.count).toBe(stored.snapshot.patients.count);
    expect(report.tables).toEqual(stored.snapshot.tables);
    const curves = new Map(report.survival.curves.map((set) => [set.id, set]));
    expect([...curves.keys()]).toEqual(Object.keys(stored.snapshot.survival.curves));
    for (const [id, set] of curves) {
      expect(set.groups.map(({ label: _label, ...group }) => group)).toEqual(
        stored.snapshot.survival.curves[id]!.groups,
      );
      expect(set.plot?.map((curve) => curve.data.n)).toEqual(set.groups.map((group) => group.n));
      expect(set.plot?.map((curve) => curve.data.events)).toEqual(set.groups.map((group) => group.events));
    }
    expect(curves.get('os')!.followUp).toEqual(stored.snapshot.survival.followUp.os);
    expect(report.studies.reduce((sum, s) => sum + s.patients, 0)).toBe(stored.snapshot.patients.count);

    const prisma = report.prisma;
    expect(prisma.identities.filter((i) => !i.holds)).toEqual([]);
    // The original review's five studies, included by hand and never screened here, are outside the flow.
    expect(prisma.outsideFlow).toBe(5);
    expect(prisma.identification).toEqual({
      bySource: [
        { source: 'pubmed', records: 4 },
        { source: 'europepmc', records: 1 },
      ],
      otherMethods: { citationSearching: 0, bySource: [] },
      identified: 5,
      duplicatesRemoved: { automatic: 1, confirmedByReviewers: 0, total: 1 },
    });
    expect(prisma.screening).toMatchObject({
      recordsAfterDuplicates: 4,
      screened: 3,
      excluded: 1,
      awaiting: 1,
    });
    expect(prisma.screening.exclusionReasons.map((r) => [r.reasonId, r.count])).toEqual([
      ['paediatric', 1],
      ['not-iesm', 1],
    ]);
    expect(prisma.eligibility).toMatchObject({ sought: 2, assessed: 2, excluded: 1, awaiting: 0 });
    expect(prisma.eligibility.exclusionReasons.map((r) => [r.reasonId, r.count])).toEqual([
      ['insufficient-data', 1],
    ]);
    expect(prisma.included).toMatchObject({
      newFromScreening: 1,
      studiesFromScreening: 1,
      studiesOther: 5,
      studies: 6,
      patients: 100,
    });
    // The run's four records, in one update row.
    expect(
      prisma.updates.map((u) => [u.runId === null ? 'imported' : 'run', u.records, u.identified]),
    ).toEqual([['run', 4, 5]]);

    for (const file of [
      'index.html',
      'km-os.svg',
      'km-lc.svg',
      'km-os_by_resection.svg',
      'v1/index.html',
      'v1/report.json',
      'v1/km-os.svg',
      'v1/km-os_by_resection.svg',
    ]) {
      expect(existsSync(join(h.dataDir, 'reports', protocol.id, file))).toBe(true);
    }
    expect(readReport(protocol.id, 'v1/report.json')).toEqual(report);
    const html = readFileSync(join(h.dataDir, 'reports', protocol.id, 'index.html'), 'utf8');
    expect(html).toContain(`data-count="identified">5<`);
    expect(html).toContain(`data-km="os-median">${stored.snapshot.survival.curves.os!.groups[0]!.median}<`);
    const lcPlot = readFileSync(join(h.dataDir, 'reports', protocol.id, 'km-lc.svg'), 'utf8');
    expect(lcPlot).toMatch(/class="km-y-label"[^>]*>Local control</);
    expect(lcPlot).not.toContain('Survival probability');

    const events = eventLines().filter((e) => e.detail.reviewId === protocol.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      'detail-type': 'LivingReviewUpdated',
      detail: {
        reviewId: protocol.id,
        version: 1,
        key: join(h.dataDir, 'reports', protocol.id, 'index.html'),
      },
    });
  });

  it('publishes nothing and emits nothing when the report did not change', async () => {
    const outcome = await updateLivingReview({ protocol }, deps());
    expect(outcome.report).toMatchObject({ status: 'unchanged', version: 1 });
    expect(eventLines().filter((e) => e.detail.reviewId === protocol.id)).toHaveLength(1);
  });

  it('publishes version 2 with what changed and the update trigger it crossed, notified once', async () => {
    await putPatients(h, protocol.id, [screened[0]!], 30, 100);
    await recompute(h, protocol);
    const outbox = h.mailer.written.length;
    const outcome = await updateLivingReview({ protocol }, deps());
    expect(outcome.report).toMatchObject({ status: 'published', version: 2 });
    expect(outcome.triggers).toMatchObject({ version: 2, notification: 'sent' });
    expect(outcome.triggers.crossings).toEqual([
      expect.objectContaining({ triggerId: 'new-patients-5', version: 2, baselineVersion: 1, observed: 30 }),
    ]);
    const mail = await simpleParser(readFileSync(h.mailer.written[outbox]!));
    expect(mail.subject).toBe('[report-a] Update trigger crossed at statistics version 2');
    expect(mail.text).toContain('30 patients added since version 1 (version 2)');

    const report = readReport(protocol.id);
    expect(report.version).toBe(2);
    expect(report.patients.count).toBe(130);
    expect(report.changes.fromVersion).toBe(1);
    expect(report.changes.summary).toContain('30 patients added');
    // The study was included (without patients) in version 1 already: only its patients are new.
    expect(report.changes.summary.some((line) => line.includes('study added'))).toBe(false);
    expect(report.studies.find((s) => s.citationId === screened[0])).toMatchObject({
      patients: 30,
      source: 'screening',
    });
    expect(report.triggers).toEqual([expect.objectContaining({ triggerId: 'new-patients-5', version: 2 })]);
    expect(report.prisma.identities.every((i) => i.holds)).toBe(true);
    expect(existsSync(join(h.dataDir, 'reports', protocol.id, 'v1', 'index.html'))).toBe(true);
    expect(readReport(protocol.id, 'v1/report.json').version).toBe(1);
    const event = eventLines().filter((e) => e.detail.reviewId === protocol.id)[1]!;
    expect(event.detail).toMatchObject({
      version: 2,
      changes: { fromVersion: 1, patientsAdded: 30, studiesAdded: 0 },
    });

    // Again: the trigger is not crossed anew, nothing is sent or published twice.
    const again = await updateLivingReview({ protocol }, deps());
    expect(again.report.status).toBe('unchanged');
    expect(again.triggers.notification).toBe('already-sent');
    expect(h.mailer.written.length).toBe(outbox + 1);
    expect(await h.digests.listCrossings(protocol.id)).toHaveLength(1);
  });
});

describe('Lambda: publish-report', () => {
  it('updates each review a stream batch touches once and reports unreadable records by sequence number', async () => {
    const protocol = protocolFor('report-stream');
    const ids = await recordCitations(h, protocol.id, [studyCitation('31')]);
    await include(h, protocol.id, ids);
    await putPatients(h, protocol.id, ids, 20);
    await recompute(h, protocol);
    const logs: Record<string, unknown>[] = [];
    const handler = createPublishReportHandler({
      ...deps(),
      citations: h.citations,
      protocols: [protocol],
      log: (e) => logs.push(e),
    });
    const record = (sequence: string, sk: string, eventName = 'MODIFY') => ({
      eventID: `e${sequence}`,
      eventName,
      eventSource: 'aws:dynamodb',
      dynamodb: {
        Keys: { pk: { S: `REVIEW#${protocol.id}` }, sk: { S: sk } },
        SequenceNumber: sequence,
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    });
    const response = await handler({
      Records: [
        record('100', 'SNAPSHOT_LATEST'),
        record('101', 'NOTICE#c1#erratum:1', 'INSERT'),
        { eventID: 'bad', eventName: 'MODIFY', dynamodb: { SequenceNumber: '102' } },
      ],
    });
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: '102' }] });
    expect(logs.filter((l) => l.message === 'living report')).toEqual([
      expect.objectContaining({ reviewId: protocol.id, status: 'published', version: 1 }),
    ]);
    // A scheduled { reviewId } after that: the same report, unchanged.
    expect(await handler({ reviewId: protocol.id })).toMatchObject({
      status: 'unchanged',
      version: 1,
      triggers: 'none',
    });
    // The next week's, after a search: the search log changed the report (same statistics version).
    const run = await saveRun(h, protocol.id);
    expect(await handler({ reviewId: protocol.id })).toMatchObject({ status: 'published', version: 1 });
    // Beside it, the review's status: last search, next due, records waiting, the current version.
    const status = JSON.parse(readFileSync(join(h.dataDir, 'reports', protocol.id, 'status.json'), 'utf8'));
    expect(status).toEqual({
      reviewId: protocol.id,
      title: protocol.title,
      generatedAt: expect.any(String),
      lastSearch: [
        {
          source: 'pubmed',
          startedAt: run.startedAt,
          finishedAt: run.finishedAt,
          outcome: 'succeeded',
          window: run.window,
          found: 3,
          new: 3,
        },
      ],
      nextSearchDue: nextOccurrence(
        parseCron(protocol.schedule.cron),
        new Date(status.generatedAt),
      )?.toISOString(),
      recordsWaiting: (await h.citations.listQueue(protocol.id)).length,
      report: { version: 1, latest: 'index.html', thisVersion: 'v1/index.html' },
    });
    expect(Date.parse(status.nextSearchDue)).toBeGreaterThan(Date.parse(status.generatedAt));
  });
});
