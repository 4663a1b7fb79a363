// How the evidence adapter stores snapshots in the embedded store: gzip in one item when small; split over
// several items when the gzip exceeds one part (DynamoDB refuses items over 400 KB); one version per writer,
// the loser's parts removed; the latest pointer moves one version at a time.
import { randomBytes } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SNAPSHOT_PART_BYTES,
  SNAPSHOT_PART_PREFIX,
} from '../../../shared/adapters/dynamodb/evidence-store.ts';
import { reviewPk } from '../../../shared/adapters/dynamodb/table-design.ts';
import {
  computeStatisticsSnapshot,
  diffSnapshots,
  type StatisticsSnapshot,
} from '../../../shared/domain/stats/snapshot.ts';
import { iesmPlan } from '../../support/protocols.ts';
import { loadSyntheticCohort, SYNTHETIC_STUDY_ID } from '../../unit/extraction/reference-fixtures.ts';
import { type EvidenceHarness, openEvidenceHarness } from './support.ts';

let h: EvidenceHarness;

beforeAll(async () => {
  h = await openEvidenceHarness('snapshots');
});

afterAll(async () => {
  await h?.close();
});

function smallSnapshot(reviewId: string, version: number): StatisticsSnapshot {
  return computeStatisticsSnapshot({
    plan: { ...iesmPlan(), reviewId },
    version,
    rows: loadSyntheticCohort(),
    includedStudies: [SYNTHETIC_STUDY_ID],
    generatedAt: `2026-01-0${version}T00:00:00.000Z`,
  });
}

/** A snapshot whose patient ids are random hex: about 1.4 MB of JSON that gzip cannot shrink below 2 parts. */
function largeSnapshot(reviewId: string, version: number): StatisticsSnapshot {
  const snapshot = smallSnapshot(reviewId, version);
  const ids = Array.from({ length: 60_000 }, () => randomBytes(10).toString('hex')).sort();
  return { ...snapshot, patients: { ...snapshot.patients, ids, count: ids.length } };
}

async function partCount(reviewId: string): Promise<number> {
  const page = await h.embedded.client.send(
    new QueryCommand({
      TableName: h.embedded.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': reviewPk(reviewId), ':prefix': SNAPSHOT_PART_PREFIX },
      ConsistentRead: true,
    }),
  );
  return page.Count ?? 0;
}

describe('Class: DynamoEvidenceStore (snapshots)', () => {
  it('stores a small snapshot gzip-compressed in one item and reads it back unchanged', async () => {
    const snapshot = smallSnapshot('small', 1);
    expect(await h.evidence.putSnapshot('small', snapshot, null)).toBe(true);
    const stored = await h.evidence.getSnapshot('small', 1);
    expect(stored?.snapshot).toEqual(snapshot);
    expect(stored?.diff).toBeNull();
    expect(stored?.storage.items).toBe(1);
    expect(stored!.storage.storedBytes).toBeLessThan(stored!.storage.jsonBytes / 4);
  });

  it('splits a snapshot larger than one part over several items and reads it back unchanged', async () => {
    const snapshot = largeSnapshot('large', 1);
    expect(await h.evidence.putSnapshot('large', snapshot, null)).toBe(true);
    const stored = await h.evidence.getSnapshot('large', 1);
    expect(stored?.snapshot).toEqual(snapshot);
    expect(stored!.storage.storedBytes).toBeGreaterThan(SNAPSHOT_PART_BYTES);
    expect(stored!.storage.items).toBe(Math.ceil(stored!.storage.storedBytes / SNAPSHOT_PART_BYTES));
    expect(await partCount('large')).toBe(stored!.storage.items - 1);
  });

  it('lets one writer have a version; the loser writes nothing and leaves no part behind', async () => {
    const first = largeSnapshot('race', 1);
    const second = largeSnapshot('race', 1);
    const results = await Promise.all([
      h.evidence.putSnapshot('race', first, null),
      h.evidence.putSnapshot('race', second, null),
    ]);
    expect([...results].sort()).toEqual([false, true]);
    const winner = results[0] ? first : second;
    const stored = await h.evidence.getSnapshot('race', 1);
    expect(stored?.snapshot.patients.ids).toEqual(winner.patients.ids);
    expect(await partCount('race')).toBe(stored!.storage.items - 1);
  });

  it('reads a snapshot stored in the layout before protocols declared the statistics (schema version 1)', async () => {
    // Prepare: version 1 as the fixed IESM layout stored it: km.os, km.lc and km.followUp, no variables
    const today = smallSnapshot('legacy', 2);
    const [os] = today.survival.curves.os!.groups;
    const [lc] = today.survival.curves.lc!.groups;
    const follow = today.survival.followUp.os!;
    const v1Summary = (g: typeof os, unknown: number) => ({
      n: g!.n,
      events: g!.events,
      unknown,
      median: g!.median,
      lcl: g!.lower,
      ucl: g!.upper,
      confType: 'log',
    });
    const { variables: _variables, survival: _survival, ...envelope } = smallSnapshot('legacy', 1);
    const legacy = {
      ...envelope,
      schemaVersion: 1,
      km: { os: v1Summary(os, 0), lc: v1Summary(lc, 0), followUp: v1Summary(follow, 0) },
    } as unknown as StatisticsSnapshot;
    expect(await h.evidence.putSnapshot('legacy', legacy, null)).toBe(true);

    // Act
    const stored = await h.evidence.getSnapshot('legacy', 1);

    // Assess: today's layout, the same numbers; diffing it against a recompute finds no curve moved
    expect(stored?.snapshot.schemaVersion).toBe(2);
    expect(stored?.snapshot.survival.curves.os?.groups).toEqual([os]);
    expect(stored?.snapshot.survival.curves.lc?.groups).toEqual([lc]);
    expect(stored?.snapshot.survival.followUp.os).toEqual(follow);
    const diff = diffSnapshots(stored!.snapshot, today);
    expect(diff.km.filter((change) => change.curve === 'os' || change.curve === 'lc')).toEqual([]);
    expect(diff.km.every((change) => change.before === null)).toBe(true);
    expect(diff.proportions).toEqual([]);
  });

  it('reads a snapshot stored before Cox models existed, and one with models unchanged', async () => {
    // Prepare: version 1 without models (as stored before survival.models), version 2 with one declared
    const before = smallSnapshot('cox-models', 1);
    const plan = iesmPlan();
    const withModel = {
      ...plan,
      reviewId: 'cox-models',
      survival: {
        ...plan.survival,
        models: [
          {
            id: 'os_sex',
            label: 'Overall survival by sex',
            endpoint: 'os',
            covariates: [{ variable: 'sex', reference: null }],
            ties: 'efron' as const,
          },
        ],
      },
    };
    const after = computeStatisticsSnapshot({
      plan: withModel,
      version: 2,
      rows: loadSyntheticCohort(),
      includedStudies: [SYNTHETIC_STUDY_ID],
      generatedAt: '2026-01-02T00:00:00.000Z',
    });
    expect('cox' in before).toBe(false);
    expect(after.cox?.os_sex).toMatchObject({ n: expect.any(Number), terms: [{ term: 'sexmale' }] });
    const diff = diffSnapshots(before, after);
    expect(await h.evidence.putSnapshot('cox-models', before, null)).toBe(true);
    expect(await h.evidence.putSnapshot('cox-models', after, diff)).toBe(true);

    // Act
    const v1 = await h.evidence.getSnapshot('cox-models', 1);
    const v2 = await h.evidence.getSnapshot('cox-models', 2);

    // Assess: v1 reads without a cox key; v2 with its model unchanged; the diff says the term is new
    expect(v1?.snapshot).toEqual(before);
    expect(v2?.snapshot).toEqual(after);
    expect(v2?.diff?.cox).toEqual([
      { model: 'os_sex', term: 'sexmale', before: null, after: expect.any(Object) },
    ]);
  });

  it('moves the latest pointer one version at a time, from nothing', async () => {
    expect(await h.evidence.latestSnapshotVersion('pointer')).toBe(0);
    expect(await h.evidence.advanceLatestSnapshot('pointer', 1, 2)).toBe(false);
    expect(await h.evidence.advanceLatestSnapshot('pointer', 0, 1)).toBe(true);
    expect(await h.evidence.advanceLatestSnapshot('pointer', 0, 1)).toBe(false);
    expect(await h.evidence.advanceLatestSnapshot('pointer', 1, 2)).toBe(true);
    expect(await h.evidence.latestSnapshotVersion('pointer')).toBe(2);
  });

  it('includes a study once: a second inclusion keeps the first', async () => {
    const study = {
      reviewId: 'inclusion',
      citationId: 'c0123456789abcdef0123',
      includedAt: '2026-01-05T06:00:00.000Z',
      includedBy: 'pp',
      source: 'screening' as const,
      title: 'A study',
      pmid: '1',
      doi: null,
      year: 2024,
      retracted: false,
      retractedAt: null,
      withdrawn: null,
    };
    expect(await h.evidence.includeStudy(study)).toEqual({ created: true, study });
    const again = await h.evidence.includeStudy({
      ...study,
      includedAt: '2026-02-01T00:00:00.000Z',
      includedBy: 'alc',
    });
    expect(again).toEqual({ created: false, study });
    expect(await h.evidence.listIncludedStudies('inclusion')).toEqual([study]);
  });
});
