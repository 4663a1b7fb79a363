// Database exports imported into one review on the embedded store, in the order a team would: PubMed
// (.nbib), Embase (Ovid RIS), Scopus (RIS, then the same search as CSV), Web of Science (tab-delimited, then
// RIS). Each work is stored once whatever the database, by identifier or fuzzily; every database's record
// stays in provenance; a DOI shared by two meeting abstracts does not merge them; records without a title
// are imported (deduplicated on what they have) and named in a warning; every import is in the run log as a
// search (database, date, query). Then the
// `import` command itself: its summary, a broken file that writes nothing, PubMed XML as before.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importCommand } from '../../../cli/commands/import.ts';
import { dynamoFuzzyDedupPorts } from '../../../shared/adapters/dynamodb/blocking-key-store.ts';
import { DynamoScreeningStore } from '../../../shared/adapters/dynamodb/screening-store.ts';
import { type EmbeddedStore, openEmbeddedStore } from '../../../shared/adapters/embedded/embedded-store.ts';
import type { ExportFormat } from '../../../shared/adapters/exports/export-record.ts';
import { parseExportText } from '../../../shared/adapters/exports/parse-export.ts';
import { type ImportExportSummary, importExportFile } from '../../../shared/app/import-export-file.ts';
import { InputError } from '../../../shared/errors.ts';
import { countCitations, makeTempDataDir, REPO_ROOT, removeDataDir } from '../../support/store-fixtures.ts';
import { exportsDir, exportText } from '../../unit/exports/fixtures.ts';

let dataDir: string;
let embedded: EmbeddedStore;
let runs = 0;
const now = new Date('2026-03-02T09:00:00.000Z');

beforeAll(async () => {
  dataDir = makeTempDataDir('exports');
  embedded = await openEmbeddedStore({ dataDir });
});

afterAll(async () => {
  await embedded?.close();
  if (dataDir) await removeDataDir(dataDir);
});

async function importFile(
  reviewId: string,
  file: string,
  format: ExportFormat,
  database: string,
  query: string | null = `intradural AND metastas* (${database})`,
): Promise<ImportExportSummary> {
  return importText(reviewId, exportText(file), file, format, database, query);
}

/** Parses `text` as an export and imports it, as the import command does. */
async function importText(
  reviewId: string,
  text: string,
  origin: string,
  format: ExportFormat,
  database: string,
  query: string | null,
): Promise<ImportExportSummary> {
  const parsed = parseExportText(text, format, { origin, source: database });
  return importExportFile(
    {
      reviewId,
      database,
      searchedOn: '2026-03-01',
      query,
      origin,
      format,
      citations: parsed.records.map((r) => r.citation),
      rejected: parsed.rejected,
      warnings: parsed.warnings,
    },
    {
      store: embedded.store,
      clock: () => now,
      newRunId: () => `import-${++runs}`,
      dedup: dynamoFuzzyDedupPorts(embedded.client, embedded.tableName),
    },
  );
}

const counts = (s: ImportExportSummary) => ({
  read: s.read,
  imported: s.imported,
  duplicates: s.duplicates,
  alreadyKnown: s.alreadyKnown,
  rejected: s.rejected.map((r) => r.line),
});

describe('one review, five exports from four databases', () => {
  const reviewId = 'exports-1';
  const summaries: Record<string, ImportExportSummary> = {};

  beforeAll(async () => {
    summaries.nbib = await importFile(reviewId, 'pubmed.nbib', 'medline', 'pubmed-nbib');
    summaries.embase = await importFile(reviewId, 'embase-ovid.ris', 'ris', 'embase');
    summaries.scopusRis = await importFile(reviewId, 'scopus.ris', 'ris', 'scopus');
    summaries.scopusCsv = await importFile(reviewId, 'scopus.csv', 'scopus-csv', 'scopus');
    summaries.wosTab = await importFile(reviewId, 'wos-tab-win.txt', 'wos-tab', 'wos', null);
    summaries.wosRis = await importFile(reviewId, 'wos.ris', 'ris', 'wos');
  });

  it('counts each import: new works, duplicates of stored ones, the same records again', () => {
    // Three works and an untitled editorial (line 120, kept: it has authors, a year and a journal).
    expect(counts(summaries.nbib!)).toEqual({
      read: 4,
      imported: 4,
      duplicates: 0,
      alreadyKnown: 0,
      rejected: [],
    });
    // The review again (by DOI); the renal series (no DOI), two meeting abstracts, an untitled erratum.
    expect(counts(summaries.embase!)).toEqual({
      read: 5,
      imported: 4,
      duplicates: 1,
      alreadyKnown: 0,
      rejected: [],
    });
    // The review (by PMID), the renal series (fuzzily: its DOI is new, its title a little different), melanoma.
    expect(counts(summaries.scopusRis!)).toEqual({
      read: 3,
      imported: 1,
      duplicates: 2,
      alreadyKnown: 0,
      rejected: [],
    });
    // The same Scopus records as CSV: known by their EIDs (and the renal series by its title key), and an
    // untitled record the RIS export did not have.
    expect(counts(summaries.scopusCsv!)).toEqual({
      read: 4,
      imported: 1,
      duplicates: 0,
      alreadyKnown: 3,
      rejected: [],
    });
    expect(counts(summaries.wosTab!)).toEqual({
      read: 4,
      imported: 3,
      duplicates: 1,
      alreadyKnown: 0,
      rejected: [],
    });
    expect(counts(summaries.wosRis!)).toEqual({
      read: 2,
      imported: 0,
      duplicates: 0,
      alreadyKnown: 2,
      rejected: [],
    });
  });

  it('stores each work once and keeps every database record of it', async () => {
    expect(await countCitations(embedded.client, embedded.tableName, reviewId)).toBe(13);
    const queue = await embedded.store.listQueue(reviewId);
    expect(queue).toHaveLength(13);
    const review = queue.find((q) => q.pmid === '34567890')!;
    expect((await embedded.store.getCitation(reviewId, review.citationId))?.sourceRecords).toEqual([
      'embase:2013456789',
      'pubmed-nbib:34567890',
      'scopus:2-s2.0-85112345678',
      'wos:WOS:000687654300001',
    ]);
    const renal = queue.find((q) => q.title.startsWith('Leptomeningeal and intradural'))!;
    expect((await embedded.store.getCitation(reviewId, renal.citationId))?.sourceRecords).toEqual([
      'embase:2014998877',
      'scopus:2-s2.0-85084000001',
    ]);
  });

  it('keeps the two meeting abstracts that share a supplement DOI apart; queues the untitled erratum found twice', async () => {
    const screening = new DynamoScreeningStore({ client: embedded.client, tableName: embedded.tableName });
    const queue = await embedded.store.listQueue(reviewId);
    const abstracts = await Promise.all(
      queue
        .filter((q) => /^(Stereotactic radiosurgery|Leptomeningeal disease)/.test(q.title))
        .map((q) => embedded.store.getCitation(reviewId, q.citationId)),
    );
    // Two citations: the second kept its DOI only as a link (other pages, other authors: two works).
    expect(abstracts.map((a) => a?.citation.doi ?? a?.citation.links.map((l) => l.refSource).join())).toEqual(
      expect.arrayContaining(['10.1093/neuonc/noab196.001', 'doi:10.1093/neuonc/noab196.001']),
    );
    expect(summaries.embase!.possibleDuplicates).toBe(0);
    // The erratum without a title, from Scopus (CSV) and Web of Science: the same authors and place, for a person.
    const pairs = await screening.listPossibleDuplicates(reviewId);
    expect(pairs).toHaveLength(1);
    const [pair] = pairs;
    const sides = await Promise.all(
      [pair!.citationId, pair!.twinId].map((id) => embedded.store.getCitation(reviewId, id)),
    );
    expect(sides.map((c) => c?.sourceRecords).sort()).toEqual([
      ['scopus:2-s2.0-85120000003'],
      ['wos:WOS:000750000000012'],
    ]);
    expect(pair?.agreed).toEqual(expect.arrayContaining(['year same', 'volume same', 'pages same']));
    expect(pair?.reason).toMatch(/possible: no title to compare/);
  });

  it('logs every import as a search: database, date searched, query, counts and what the reader noticed', async () => {
    const logs = await embedded.store.listRunLogs(reviewId);
    expect(logs.map((l) => l.source).sort()).toEqual([
      'embase',
      'pubmed-nbib',
      'scopus',
      'scopus',
      'wos',
      'wos',
    ]);
    const embase = logs.find((l) => l.source === 'embase')!;
    expect(embase).toMatchObject({
      outcome: 'succeeded',
      query: 'intradural AND metastas* (embase)',
      window: { from: '2026-03-01', to: '2026-03-01' },
      counts: { found: 5, fetched: 5, new: 4, duplicates: 1, alreadyKnown: 0, queued: 4, deleted: 0 },
      error: null,
    });
    expect(embase.warnings).toEqual([
      'imported from embase-ovid.ris (ris)',
      'embase-ovid.ris: 1 of 5 record(s) have no title (the first on line 88); they are deduplicated on what they have',
    ]);
    const wosTab = logs.find((l) => l.source === 'wos' && l.counts.new === 3)!;
    expect(wosTab.query).toBe('');
    expect(wosTab.warnings).toContain('no query text was given for this search (--query)');
    // No watermark moves for an import.
    expect(await embedded.store.getWatermark(reviewId, 'embase')).toBeNull();
  });

  it('adds nothing when an export is imported again', async () => {
    const again = await importFile(reviewId, 'embase-ovid.ris', 'ris', 'embase');
    expect(counts(again)).toEqual({ read: 5, imported: 0, duplicates: 0, alreadyKnown: 5, rejected: [] });
    expect(await countCitations(embedded.client, embedded.tableName, reviewId)).toBe(13);
  });

  it("refuses a scheduled source's name as the database, before writing anything", async () => {
    await expect(importFile('exports-2', 'pubmed.nbib', 'medline', 'pubmed')).rejects.toThrow(InputError);
    await expect(importFile('exports-2', 'pubmed.nbib', 'medline', 'pubmed')).rejects.toThrow(
      /"pubmed" is the name of a scheduled source/,
    );
    expect(await embedded.store.listRunLogs('exports-2')).toEqual([]);
  });
});

describe('a Web of Science correction notice and its article (issue #16 item 12)', () => {
  it('are stored as two works, whichever comes first, through the stored blocking entries', async () => {
    const tags = ['PT', 'AU', 'TI', 'SO', 'DT', 'PY', 'VL', 'BP', 'EP', 'DI', 'UT'];
    const title = 'Survival after surgery for intradural extramedullary spinal metastases';
    const row = (cells: string[]) => cells.join('\t');
    const article = row([
      'J',
      'Moreau, C; Tanaka, H',
      title,
      'JOURNAL OF NEURO-ONCOLOGY',
      'Article',
      '2009',
      '39',
      '2',
      '9',
      '10.1000/jno.2009.2',
      'WOS:000260000000001',
    ]);
    // A correction titled as WoS titles them, and one titled as the article itself, told by its type alone.
    const correction = (titled: string, ut: string) =>
      row([
        'J',
        'Moreau, C; Tanaka, H',
        titled,
        'JOURNAL OF NEURO-ONCOLOGY',
        'Correction',
        '2009',
        '39',
        '',
        '',
        '',
        ut,
      ]);
    const byTitle = correction(`${title} (vol 39, pg 2, 2009)`, 'WOS:000260000000002');
    const byType = correction(title, 'WOS:000260000000003');
    for (const [reviewId, rows] of [
      ['wos-notice-1', [article, byTitle, byType]],
      ['wos-notice-2', [byType, byTitle, article]],
    ] as const) {
      for (const [i, line] of rows.entries()) {
        await importText(reviewId, `${row(tags)}\n${line}\n`, `wos-${i}.txt`, 'wos-tab', 'wos', null);
      }
      // The two notices are one notice (the same place, the same type); the article is a work of its own.
      const queue = await embedded.store.listQueue(reviewId);
      expect(queue, reviewId).toHaveLength(2);
      expect(queue.filter((entry) => entry.doi === '10.1000/jno.2009.2')).toHaveLength(1);
    }
  });
});

describe('the import command', () => {
  interface Result {
    code: number | undefined;
    stdout: string;
    stderr: string;
  }

  async function run(values: Record<string, string>, file: string): Promise<Result> {
    const result: Result = { code: undefined, stdout: '', stderr: '' };
    result.code = await importCommand.run(
      { values: { data: dataDir, review: 'iesm', ...values }, positionals: [file] },
      {
        out: (text) => {
          result.stdout += `${text}\n`;
        },
        err: (text) => {
          result.stderr += `${text}\n`;
        },
        interactive: false,
      },
    );
    return result;
  }

  it('imports an export with its format detected, and prints the summary and what the reader noticed', async () => {
    const result = await run(
      { source: 'Embase', 'searched-on': '2026-02-27', query: "'intradural'/exp AND metastas*:ti,ab" },
      join(exportsDir, 'embase-ovid.ris'),
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /embase-ovid\.ris \(ris, embase, searched 2026-02-27\): read 5, 5 new \(queued\), 0 duplicates, 0 already known, 0 rejected\n$/,
    );
    expect(result.stderr).toContain(
      `warning: ${join(exportsDir, 'embase-ovid.ris')}: 1 of 5 record(s) have no title (the first on line 88)`,
    );
    const [log] = await embedded.store.listRunLogs('iesm');
    expect(log).toMatchObject({ source: 'embase', query: "'intradural'/exp AND metastas*:ti,ab" });
  });

  it("imports Ovid's own RIS with or without --format, saying how many lines it skipped (issue #16, item 10)", async () => {
    for (const values of [{}, { format: 'ris' }] as Record<string, string>[]) {
      const result = await run(
        { source: 'embase', review: 'iesm', ...values },
        join(exportsDir, 'ovid-own.ris'),
      );
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/ovid-own\.ris \(ris, embase, searched \d{4}-\d{2}-\d{2}\): read 3, /);
      expect(result.stderr).toContain(
        `warning: ${join(exportsDir, 'ovid-own.ris')}: skipped 9 line(s) of text between records (the first on line 1: "1.")`,
      );
    }
  });

  it('imports an Embase CSV export as Embase CSV, with its authors and years (issue #16, item 11)', async () => {
    const result = await run({ source: 'embase' }, join(exportsDir, 'embase.csv'));
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/embase\.csv \(embase-csv, embase, searched [\d-]+\): read 3, /);
    const queue = await embedded.store.listQueue('iesm');
    const stored = await Promise.all(queue.map((q) => embedded.store.getCitation('iesm', q.citationId)));
    const bySource = (record: string) => stored.find((c) => c?.sourceRecords.includes(record))?.citation;
    expect(bySource('embase:636000111')).toMatchObject({
      year: 2021,
      publicationTypes: ['Conference Abstract'],
    });
    expect(bySource('embase:636000111')?.authors).toHaveLength(2);
    expect(bySource('embase:2014999888')).toMatchObject({ year: 2022, publicationTypes: ['Erratum'] });
  });

  it('needs --source for an export, and refuses an unknown --format', async () => {
    await expect(run({}, join(exportsDir, 'scopus.csv'))).rejects.toThrow(/--source NAME is required/);
    await expect(
      run({ source: 'scopus', format: 'endnote' }, join(exportsDir, 'scopus.csv')),
    ).rejects.toThrow(/unknown format "endnote"/);
  });

  it('as a user runs it: a broken file exits 1 naming the line, and writes nothing', async () => {
    const broken = join(REPO_ROOT, 'test/fixtures/exports/pubmed.nbib');
    const before = await countCitations(embedded.client, embedded.tableName, 'iesm');
    const logsBefore = (await embedded.store.listRunLogs('iesm')).length;
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [
          join(REPO_ROOT, 'cli/living-review.js'),
          'import',
          broken,
          '--review',
          'iesm',
          '--source',
          'scopus',
          '--format',
          'ris',
          '--data',
          dataDir,
        ],
        { cwd: REPO_ROOT },
        (error, _stdout, stderr) =>
          resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stderr }),
      );
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /pubmed\.nbib line \d+: tag [A-Z]{2} outside a record \(a record starts with TY\)/,
    );
    expect(await countCitations(embedded.client, embedded.tableName, 'iesm')).toBe(before);
    expect(await embedded.store.listRunLogs('iesm')).toHaveLength(logsBefore);
  });

  it('imports PubMed XML as before: no --source needed, no search-log entry', async () => {
    const xml = join(REPO_ROOT, 'test/fixtures/pubmed/pubmed_xml_publisher_aheadofprint_3records.xml');
    const logsBefore = (await embedded.store.listRunLogs('iesm')).length;
    const result = await run({}, xml);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/read 3, 3 new \(queued\), 0 already known, 0 duplicates/);
    expect(await embedded.store.listRunLogs('iesm')).toHaveLength(logsBefore);
  });
});
