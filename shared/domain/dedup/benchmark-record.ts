// The layout of the labelled deduplication benchmarks (test/fixtures/dedup/*.jsonl, from the SRA study as
// curated by CoLRev bib-dedupe): one JSON object per line; empty values are null; two records are the same
// work exactly when their `label_group` is equal. The CLI reads the same layout without needing the label.
import { z } from 'zod';
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
