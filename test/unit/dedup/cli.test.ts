import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { benchmarkLabels, parseBenchmarkJsonl } from '../../../shared/domain/dedup/benchmark-record.ts';
import { scoreClusters } from '../../../shared/domain/dedup/score-clusters.ts';
import { fixtureDirectory } from './benchmark-sets.ts';

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

  it('says how to use it without a file, and fails on a missing file', () => {
    expect(run().status).toBe(2);
    const missing = run(join(tmpdir(), 'no-such-dedup-file.jsonl'));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('cannot read');
  });
});
