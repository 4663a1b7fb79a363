// `living-review export` and its restore, as a user runs them (the real binary, the embedded store on real
// dynalite): a review with citations from two sources (one merged duplicate, one DOI-only record), screening
// decisions with reasons through both stages, a possible-duplicate pair, inclusions by screening and by hand,
// a retraction with its notice, a withdrawal, 130 patient rows, a statistics snapshot, a run log and a
// watermark is exported as JSON, restored into an empty store, and exported again: the same record and items.
// The restored review answers as the original (queue, statistics, studies). A restore into a review holding
// other data, or from a damaged file, writes nothing; one that stopped part-way completes when run again.
// RIS and CSV carry every citation with its sources, decisions and inclusion.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandOutput } from '../../../cli/command.ts';
import { commands } from '../../../cli/commands/index.ts';
import { loadedCatalog, main } from '../../../cli/main.ts';
import { openEmbeddedScreening } from '../../../cli/serve/wiring.ts';
import { DynamoDigestStore } from '../../../shared/adapters/dynamodb/digest-store.ts';
import { DynamoReviewArchive } from '../../../shared/adapters/dynamodb/review-archive.ts';
import { DynamoScreeningStore } from '../../../shared/adapters/dynamodb/screening-store.ts';
import { openEmbeddedStore } from '../../../shared/adapters/embedded/embedded-store.ts';
import { includeStudy } from '../../../shared/app/include-study.ts';
import { recomputeStatistics } from '../../../shared/app/recompute-statistics.ts';
import { recordDecision } from '../../../shared/app/screening.ts';
import {
  confirmRows,
  flagRow,
  recordExtraction,
  resolveField,
} from '../../../shared/app/verify-extraction.ts';
import { withdrawStudy } from '../../../shared/app/withdraw-study.ts';
import type { Citation } from '../../../shared/domain/citation/citation.ts';
import { runLivingReview } from '../../support/cli-binary.ts';
import { makeTempDataDir, removeDataDir } from '../../support/store-fixtures.ts';
import { cohortInStudies } from '../evidence/support.ts';
import { citation, iesm } from '../screening/support.ts';

const dirs: string[] = [];
const tempDir = (label: string) => {
  const dir = makeTempDataDir(label);
  dirs.push(dir);
  return dir;
};
let source: string;
let exportFile: string;
const ids = new Map<string, string>();

const cli = (args: string[]) => runLivingReview(args);

/** The command line in this process. */
async function inProcess(args: string[]) {
  let stdout = '';
  const io: CommandOutput = {
    out: (text) => {
      stdout += `${text}\n`;
    },
    err: () => {},
    interactive: false,
  };
  const code = await main(args, io, loadedCatalog(commands));
  return { code, stdout };
}

/** The review exported as JSON through --out, by the binary or (`inProcess`) by the commands in this process. */
async function exportJson(dataDir: string, file: string, how: 'binary' | 'in-process' = 'binary') {
  const args = ['export', '--review', 'iesm', '--format', 'json', '--out', file, '--data', dataDir];
  const result = how === 'binary' ? await cli(args) : await inProcess(args);
  expect(result.code).toBe(0);
  return JSON.parse(readFileSync(file, 'utf8')) as {
    exportedAt: string;
    record: Record<string, unknown>;
    items: unknown[];
  };
}

function withoutTime(exported: { exportedAt: string }) {
  return { ...exported, exportedAt: '(time)' };
}

beforeAll(async () => {
  source = tempDir('export-source');
  const screening = await openEmbeddedScreening(source, [iesm]);
  const { embedded, evidence } = screening;
  const clock = () => new Date('2026-03-02T06:00:00.000Z');
  const seeds: [string, Citation][] = [
    ['a', citation('39300001')],
    ['b', citation('39300002')],
    ['c', citation('39300003')],
    // An Embase record of the first work (same DOI): merged into it, its source added.
    ['a-embase', { ...citation('39300001'), source: 'embase', sourceRecordId: 'E1', pmid: null }],
    // A record with a DOI only.
    [
      'doi-only',
      { ...citation('x'), source: 'embase', sourceRecordId: 'E2', pmid: null, doi: '10.5555/only' },
    ],
  ];
  for (const [name, record] of seeds) {
    ids.set(name, (await embedded.store.recordCitation('iesm', record, clock())).citationId);
  }
  const decide = (
    reviewer: string,
    name: string,
    stage: 'title-abstract' | 'full-text',
    decision: 'include' | 'exclude',
    reasonId: string | null = null,
  ) =>
    recordDecision(screening.deps, iesm, { reviewerId: reviewer }, ids.get(name)!, {
      stage,
      decision,
      reasonId,
      note: decision === 'exclude' ? 'no histology' : null,
    });
  for (const name of ['a', 'b']) {
    for (const stage of ['title-abstract', 'full-text'] as const) {
      await decide('pp', name, stage, 'include');
      await decide('alc', name, stage, 'include');
    }
  }
  await decide('pp', 'c', 'title-abstract', 'exclude', 'not-histological');
  await decide('alc', 'c', 'title-abstract', 'exclude', 'not-histological');
  await screening.screening.recordPossibleDuplicate('iesm', {
    citationId: ids.get('doi-only')!,
    twinId: ids.get('b')!,
    reason: 'title similarity 0.93',
    score: 0.93,
    foundAt: clock().toISOString(),
  });
  await includeStudy(
    { reviewId: 'iesm', citationId: ids.get('doi-only')!, includedBy: 'pp', source: 'manual' },
    { citations: embedded.store, evidence, clock },
  );
  await evidence.markStudyRetracted('iesm', ids.get('b')!, '2026-03-01T00:00:00.000Z');
  const digests = new DynamoDigestStore({ client: embedded.client, tableName: embedded.tableName });
  await digests.recordNotice({
    reviewId: 'iesm',
    citationId: ids.get('b')!,
    studyTitle: 'case 39300002',
    studyPmid: '39300002',
    detectedAt: '2026-03-01T00:00:00.000Z',
    kind: 'retraction',
    noticePmid: '39399999',
    refSource: 'J Spine Oncol. 2026;4:1',
    key: 'retraction-39399999',
  });
  await withdrawStudy(
    {
      reviewId: 'iesm',
      citationId: ids.get('doi-only')!,
      withdrawnBy: 'pp',
      reason: 'duplicate publication',
      exclusionReasons: iesm.exclusionReasons,
    },
    { evidence, clock },
  );
  await evidence.putPatientRows(
    'iesm',
    cohortInStudies([ids.get('a')!, ids.get('b')!]).map((row) => ({
      row,
      origin: 'cohort.csv',
      importedAt: clock().toISOString(),
    })),
  );
  // Extraction verification of study a's rows: pp extracted them, alc confirms them, ash flags one, pp
  // accepts the correction.
  const studyA = ids.get('a')!;
  const rowsOfA = cohortInStudies([ids.get('a')!, ids.get('b')!]).filter((row) => row.studyId === studyA);
  await recordExtraction({ evidence, clock }, iesm, 'pp', rowsOfA);
  const verification = { ...screening.verification, afterChange: undefined };
  await confirmRows(verification, iesm, { reviewerId: 'alc' }, studyA, {});
  const flaggedId = rowsOfA[0]!.patientId;
  await flagRow(verification, iesm, { reviewerId: 'ash' }, studyA, flaggedId, {
    fields: [{ field: 'age_years', value: 99, note: 'the case report says 99' }],
  });
  await resolveField(verification, iesm, { reviewerId: 'pp' }, studyA, flaggedId, {
    field: 'age_years',
    decision: 'accept',
    note: null,
  });
  await recomputeStatistics({ protocol: iesm }, { evidence, clock });
  await embedded.store.saveRunLog({
    runId: 'r1',
    reviewId: 'iesm',
    source: 'pubmed',
    query: iesm.query,
    window: { from: '2022-05-27', to: '2026-03-01' },
    startedAt: '2026-03-02T05:00:00.000Z',
    finishedAt: '2026-03-02T05:01:00.000Z',
    durationMs: 60_000,
    outcome: 'succeeded',
    counts: { found: 3, fetched: 3, new: 3, alreadyKnown: 0, duplicates: 0, queued: 3, deleted: 0 },
    warnings: [],
    error: null,
  });
  await embedded.store.advanceWatermark({
    reviewId: 'iesm',
    source: 'pubmed',
    completedThrough: '2026-03-01',
    runId: 'r1',
    updatedAt: '2026-03-02T05:01:00.000Z',
  });
  await screening.close();
  exportFile = join(tempDir('export-files'), 'iesm.json');
}, 120_000);

afterAll(async () => {
  for (const dir of dirs) await removeDataDir(dir);
});

describe('living-review export --format json, then import into an empty store', () => {
  it('exports the whole record, restores it, and exports it again the same', async () => {
    const first = await exportJson(source, exportFile);
    const record = first.record as {
      citations: { citationId: string; sourceRecords: string[]; keys: string[] }[];
      duplicates: unknown[];
      screeningEvents: unknown[];
      possibleDuplicates: unknown[];
      studies: { citationId: string; retracted: boolean; withdrawn: unknown }[];
      notices: unknown[];
      patientRows: unknown[];
      searches: unknown[];
      extensions: Record<string, unknown>;
    };
    expect(record.citations).toHaveLength(4);
    const merged = record.citations.find((c) => c.citationId === ids.get('a'))!;
    expect(merged.sourceRecords).toEqual(['embase:E1', 'pubmed:39300001']);
    expect(record.screeningEvents).toHaveLength(10);
    expect(record.possibleDuplicates).toHaveLength(1);
    expect(record.studies.map((s) => [s.citationId, s.retracted, s.withdrawn !== null]).sort()).toEqual(
      [
        [ids.get('a'), false, false],
        [ids.get('b'), true, false],
        [ids.get('doi-only'), false, true],
      ].sort(),
    );
    expect(record.notices).toHaveLength(1);
    expect(record.patientRows).toHaveLength(130);
    expect(record.searches).toHaveLength(1);
    // This review has no appraisal yet: the section is there, empty. Its verification log is there in order.
    expect(record.extensions.appraisals).toEqual([]);
    const verificationLog = record.extensions.verification as { type: string; reviewerId: string }[];
    expect(verificationLog.map((e) => [e.type, e.reviewerId])).toEqual([
      ['extracted', 'pp'],
      ['confirmed', 'alc'],
      ['flagged', 'ash'],
      ['resolved', 'pp'],
    ]);

    const target = tempDir('export-target');
    const restored = await cli(['import', exportFile, '--review', 'iesm', '--data', target]);
    expect(restored.stderr).toBe('');
    expect(restored.stdout.trim()).toBe(
      `${exportFile}: restored review "iesm" as exported ${first.exportedAt}: ${first.items.length} items written`,
    );
    const second = await exportJson(target, join(tempDir('export-again'), 'iesm.json'));
    expect(withoutTime(second)).toEqual(withoutTime(first));

    // The restored review answers as the original did (the commands in this process: the binary's own start
    // is covered above).
    for (const args of [
      ['queue', '--review', 'iesm', '--format', 'json'],
      ['stats', '--review', 'iesm', '--format', 'json'],
      ['studies', '--review', 'iesm', '--format', 'json'],
      ['status', '--review', 'iesm', '--format', 'json'],
    ]) {
      const before = await inProcess([...args, '--data', source]);
      const after = await inProcess([...args, '--data', target]);
      expect(after.code, args.join(' ')).toBe(0);
      expect(after.stdout, args.join(' ')).toBe(before.stdout);
    }

    // The same export again: everything is there already; nothing is written.
    const again = await cli(['import', exportFile, '--review', 'iesm', '--data', target]);
    expect(again.stdout).toContain(
      `0 items written, ${first.items.length} already there from an earlier restore`,
    );

    // Still so once reads have rolled the restored review's tallies up (which re-keys its events and deltas
    // in the delta index): what a read changes is not the review's record.
    const restoredStore = await openEmbeddedStore({ dataDir: target, serverIdleMs: 10_000 });
    try {
      const screening = new DynamoScreeningStore({
        client: restoredStore.client,
        tableName: restoredStore.tableName,
      });
      expect((await screening.rollUpTallies('iesm')).rolled).toBeGreaterThan(0);
    } finally {
      await restoredStore.close();
    }
    const afterReads = await cli(['import', exportFile, '--review', 'iesm', '--data', target]);
    expect(afterReads.stderr).toBe('');
    expect(afterReads.stdout).toContain(
      `0 items written, ${first.items.length} already there from an earlier restore`,
    );
  });

  it('completes a restore that stopped part-way', async () => {
    const exported = JSON.parse(readFileSync(exportFile, 'utf8')) as { items: Record<string, unknown>[] };
    const target = tempDir('export-partial');
    const embedded = await openEmbeddedStore({ dataDir: target, serverIdleMs: 10_000 });
    try {
      const half = exported.items.slice(0, Math.floor(exported.items.length / 2));
      await new DynamoReviewArchive(embedded).restoreItems('iesm', half);
    } finally {
      await embedded.close();
    }
    const completed = await cli(['import', exportFile, '--review', 'iesm', '--data', target]);
    const half = Math.floor(exported.items.length / 2);
    expect(completed.stdout).toContain(
      `${exported.items.length - half} items written, ${half} already there from an earlier restore`,
    );
    const after = await exportJson(target, join(tempDir('export-partial-out'), 'iesm.json'), 'in-process');
    expect(after.items).toEqual(exported.items);
  });

  it('refuses a review that holds other data, and a damaged file, writing nothing', async () => {
    const busy = tempDir('export-busy');
    const embedded = await openEmbeddedStore({ dataDir: busy, serverIdleMs: 10_000 });
    try {
      await embedded.store.recordCitation('iesm', citation('39399001'), new Date());
    } finally {
      await embedded.close();
    }
    const before = await exportJson(busy, join(tempDir('export-busy-before'), 'iesm.json'), 'in-process');
    const refused = await cli(['import', exportFile, '--review', 'iesm', '--data', busy]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^living-review import: .*iesm\.json: review "iesm" already holds data \(item .* is not in the export\): a restore needs an empty review\n$/,
    );

    const exported = JSON.parse(readFileSync(exportFile, 'utf8')) as { items: Record<string, unknown>[] };
    const damaged = join(tempDir('export-damaged'), 'damaged.json');
    const items = [...exported.items];
    items[7] = { ...items[7], pk: { S: 'REVIEW#other' } };
    writeFileSync(damaged, JSON.stringify({ ...exported, items }));
    const empty = tempDir('export-empty');
    const bad = await cli(['import', damaged, '--review', 'iesm', '--data', empty]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(
      `damaged.json: items[7].pk: "REVIEW#other" is not review "iesm"'s partition`,
    );
    const after = await exportJson(busy, join(tempDir('export-busy-after'), 'iesm.json'), 'in-process');
    expect(after.items).toEqual(before.items);
    const emptyAfter = await exportJson(
      empty,
      join(tempDir('export-empty-after'), 'iesm.json'),
      'in-process',
    );
    expect(emptyAfter.items).toEqual([]);
  });
});

describe('living-review export --format ris and csv', () => {
  it('writes every citation with its id, sources, decisions and inclusion', async () => {
    const [ris, csv] = await Promise.all([
      cli(['export', '--review', 'iesm', '--format', 'ris', '--data', source]),
      cli(['export', '--review', 'iesm', '--format', 'csv', '--data', source]),
    ]);
    expect(ris.code).toBe(0);
    const records = ris.stdout.split(/\nER {2}- *\n?/).filter((r) => r.trim() !== '');
    expect(records).toHaveLength(4);
    const a = records.find((r) => r.includes(`ID  - ${ids.get('a')}`))!;
    expect(a).toContain('N1  - sources: embase:E1; pubmed:39300001');
    expect(a).toContain('N1  - title/abstract: pp: include; alc: include');
    expect(a).toMatch(/N1 {2}- included .* by alc \(screening\)/);
    expect(a).toContain('N1  - patients: 65, included');
    const c = records.find((r) => r.includes(`ID  - ${ids.get('c')}`))!;
    expect(c).toContain(
      'N1  - title/abstract: pp: exclude (No histological confirmation); alc: exclude (No histological confirmation)',
    );
    const withdrawn = records.find((r) => r.includes(`ID  - ${ids.get('doi-only')}`))!;
    expect(withdrawn).toMatch(
      /N1 {2}- included .* by pp \(manual\); withdrawn .* by pp: duplicate publication/,
    );

    expect(csv.code).toBe(0);
    const lines = csv.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(
      'citation_id,pmid,doi,pmcid,title,authors,year,journal,sources,queued_at,screening_status,title_abstract_decisions,full_text_decisions,other_decisions,included_at,included_by,inclusion_source,state,retracted_at,withdrawn_at,withdrawn_by,withdrawal_reason,patients,notices',
    );
    expect(lines).toHaveLength(5);
    const b = lines.find((line) => line.startsWith(`${ids.get('b')},`))!;
    expect(b).toContain(',retracted,2026-03-01T00:00:00.000Z,');
    expect(b).toContain(',65,retraction (PMID 39399999)');
  });
});
