import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { benchmarkLabels, parseBenchmarkJsonl } from '../../../shared/domain/dedup/benchmark-record.ts';
import { scoreClusters } from '../../../shared/domain/dedup/score-clusters.ts';
import { fixtureDirectory } from '../../unit/dedup/benchmark-sets.ts';

const cli = join(import.meta.dirname, '..', '..', '..', 'cli', 'living-review.js');

function run(...args: string[]) {
  const result = spawnSync(process.execPath, [cli, 'dedup', ...args], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('living-review dedup FILE.jsonl', () => {
  it('prints {"id", "cluster"} for every record in input order', () => {
    const file = join(fixtureDirectory, 'sra_stroke.jsonl');
    const { status, stdout, stderr } = run(file);
    expect(status).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    const rows = parseBenchmarkJsonl(readFileSync(file, 'utf8'), file);
    expect(lines).toHaveLength(rows.length);
    expect(lines[0]).toBe('{"id": "sra_stroke:id_0000001", "cluster": "sra_stroke:id_0000001"}');
    expect(lines[1]).toBe('{"id": "sra_stroke:id_0000002", "cluster": "sra_stroke:id_0000001"}');
    const printed = lines.map((line) => JSON.parse(line) as { id: string; cluster: string });
    expect(printed.map((p) => p.id)).toEqual(rows.map((r) => r.id));
    const clusters = new Map<string, string[]>();
    for (const p of printed) clusters.set(p.cluster, [...(clusters.get(p.cluster) ?? []), p.id]);
    expect(scoreClusters([...clusters.values()], benchmarkLabels(rows)).falseMerges).toBe(0);
    expect(stderr).toMatch(/1292 records, \d+ clusters/);
  });

  it('names the line of a record that does not validate, and prints nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dedup-cli-'));
    const good = {
      id: 'a',
      title: 'T',
      authors: null,
      year: 2020,
      journal: null,
      volume: null,
      issue: null,
      pages: null,
      doi: null,
      pmid: null,
    };
    const file = join(dir, 'bad.jsonl');
    writeFileSync(
      file,
      `${JSON.stringify(good)}\n\n${JSON.stringify({ ...good, id: '', year: 'two thousand' })}\n`,
    );
    const bad = run(file);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain(`${file}:3: not a dedup record (id:`);

    writeFileSync(file, `${JSON.stringify(good)}\n{"id": "c", \n`);
    expect(run(file).stderr).toContain(`${file}:2: not JSON`);
  });

  it('deduplicates records without a title, authors or year instead of refusing the file (issue #12)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dedup-cli-'));
    const file = join(dir, 'sparse.jsonl');
    writeFileSync(
      file,
      [
        { id: 'a', title: null, authors: 'Garcia, M.', year: 2017, journal: 'Arch Bronconeumol' },
        { id: 'b', title: 'Pulmonary hypertension in interstitial lung disease', authors: null, year: null },
        { id: 3, title: 'Pulmonary hypertension in interstitial lung disease', year: '2017' },
        { id: 'd' },
      ]
        .map((r) => JSON.stringify(r))
        .join('\n'),
    );
    const { status, stdout, stderr } = run(file);
    expect(status).toBe(0);
    expect(stdout.trimEnd().split('\n')).toHaveLength(4);
    expect(stderr).toMatch(/^4 records, 4 clusters/m);
  });

  // One process start per format and check: each start takes seconds on a loaded machine, so the formats are
  // separate tests.
  const exports = join(fixtureDirectory, '..', 'exports');

  it('reads a RIS export directly, told from its content or given --format ris', () => {
    const ris = run(join(exports, 'ovid-own.ris'));
    expect(ris.status).toBe(0);
    expect(
      ris.stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l).id),
    ).toEqual(['2013456789', '35011122', '2016222333']);
    expect(ris.stderr).toContain('skipped 9 line(s) of text between records');
    expect(run(join(exports, 'ovid-own.ris'), '--format', 'ris').stdout).toBe(ris.stdout);
  });

  it('reads Embase CSV and MEDLINE (.nbib) exports', () => {
    expect(run(join(exports, 'embase.csv')).status).toBe(0);
    expect(run(join(exports, 'pubmed.nbib'), '--format', 'nbib').status).toBe(0);
  });

  it('reads `parse` output: one Citation a line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dedup-cli-'));
    const parsed = join(dir, 'parsed.jsonl');
    const xml = join(fixtureDirectory, '..', 'pubmed', 'pubmed_xml_publisher_aheadofprint_3records.xml');
    const printed = spawnSync(process.execPath, [cli, 'parse', xml], { encoding: 'utf8' });
    expect(printed.status).toBe(0);
    writeFileSync(parsed, `${printed.stdout}${printed.stdout}`);
    const fromParse = run(parsed);
    expect(fromParse.status).toBe(0);
    // The same three records twice: three clusters of two (the second copies' ids get "@line").
    const rows = fromParse.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; cluster: string });
    expect(rows).toHaveLength(6);
    expect(new Set(rows.map((r) => r.cluster)).size).toBe(3);
    expect(rows[3]!.id).toMatch(/@4$/);
  });

  it('explains every merge and queued pair with the fields that agreed and differed (--explain)', () => {
    const file = join(fixtureDirectory, 'traps', 'missing-fields.jsonl');
    const { status, stdout, stderr } = run(file, '--explain');
    expect(status).toBe(0);
    expect(stdout).toContain('cluster mis:6: 3 records');
    expect(stdout).toMatch(
      /merged mis:6 \+ mis:7 \(score [\d.]+\): duplicate: the same title, authors and year/,
    );
    expect(stdout).toMatch(/ {4}agreed: title exact, authors same \(3 matched\), year same/);
    expect(stdout).toContain('# 1 pairs for a person to confirm or split');
    expect(stdout).toMatch(/possible mis:1 "".*\n {7}~ mis:2 "Pulmonary hypertension/);
    expect(stderr).toMatch(/possible: mis:1 ~ mis:2 \(score [\d.]+\): authors same/);
  });

  it('documents the JSONL fields in --help', () => {
    const help = spawnSync(process.execPath, [cli, 'dedup', '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    for (const field of [
      'id',
      'title',
      'authors',
      'year',
      'journal',
      'doi, pmid',
      'abstract',
      'type',
      'label_group',
    ])
      expect(help.stdout).toMatch(new RegExp(`^  ${field} `, 'm'));
  });

  it('says how to use it without a file, and fails on a missing file', () => {
    expect(run().status).toBe(2);
    const missing = run(join(tmpdir(), 'no-such-dedup-file.jsonl'));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('cannot read');
  });
});
