// The layout of the labelled deduplication benchmarks (test/fixtures/dedup/*.jsonl, from the SRA study as
// curated by CoLRev bib-dedupe): one JSON object per line; empty values are null; two records are the same
// work exactly when their `label_group` is equal. The CLI reads the same layout without needing the label.
import { z } from 'zod';
import { errorMessage, InputError } from '../../errors.ts';
import type { DedupRecord } from './dedup-record.ts';

const text = z.string().nullable();

export const benchmarkRecordSchema = z.object({
  id: z.string().min(1),
  title: z.string(),
  authors: text,
  year: z.number().int().nullable(),
  journal: text,
  volume: text,
  issue: text,
  pages: text,
  doi: text,
  pmid: text,
  abstract: text.optional(),
  source_db: text.optional(),
  /** The human label: records with the same group are one work. Absent in unlabelled input. */
  label_group: z.string().min(1).nullable().optional(),
});

export type BenchmarkRecord = z.infer<typeof benchmarkRecordSchema>;

export function dedupRecordFromBenchmark(row: BenchmarkRecord): DedupRecord {
  return {
    id: row.id,
    title: row.title,
    authors: row.authors,
    year: row.year,
    journal: row.journal,
    volume: row.volume,
    issue: row.issue,
    pages: row.pages,
    doi: row.doi,
    pmid: row.pmid,
  };
}

/**
 * Every non-blank line of a JSONL text validated; the first bad one throws an InputError naming
 * `source:line`.
 */
export function parseBenchmarkJsonl(text: string, source: string): BenchmarkRecord[] {
  const rows: BenchmarkRecord[] = [];
  for (const [index, line] of text.split(/\r?\n/).entries()) {
    if (line.trim().length === 0) continue;
    const where = `${source}:${index + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new InputError(`${where}: not JSON (${errorMessage(error)})`);
    }
    const parsed = benchmarkRecordSchema.safeParse(value);
    if (!parsed.success) {
      const problems = parsed.error.issues
        .map((i) => `${i.path.join('.') || '(record)'}: ${i.message}`)
        .join('; ');
      throw new InputError(`${where}: not a dedup record (${problems})`);
    }
    rows.push(parsed.data);
  }
  return rows;
}

/** Record id -> label group, for scoreClusters; throws when a row has no label. */
export function benchmarkLabels(rows: readonly BenchmarkRecord[]): Map<string, string> {
  const labels = new Map<string, string>();
  for (const row of rows) {
    if (!row.label_group) throw new InputError(`record "${row.id}" has no label_group`);
    labels.set(row.id, row.label_group);
  }
  return labels;
}
