// The layout of the labelled deduplication benchmarks (test/fixtures/dedup/*.jsonl, from the SRA study as
// curated by CoLRev bib-dedupe): one JSON object per line; empty values are null; two records are the same
// work exactly when their `label_group` is equal. The CLI reads the same layout without needing the label.
// Only `id` is required: a record missing any other field (no title, no authors, no year) is deduplicated on
// what it has, never refused. Fields not listed are ignored; a year may be given as text ("2019").
import { z } from 'zod';
import { errorMessage, InputError } from '../../errors.ts';
import { formatIssues } from '../zod-issues.ts';
import type { DedupRecord } from './dedup-record.ts';

/** Text, or a number written as one (a volume 12, a PMID 123); absent, null and "" are null. */
const text = z
  .union([z.string(), z.number()])
  .nullable()
  .optional()
  .transform((value) => {
    if (value === null || value === undefined) return null;
    const string = String(value).trim();
    return string === '' ? null : string;
  });

/** A year as a number or as text with a year in it ("2019", "2019 Sep"); anything else is null. */
const year = z
  .union([z.number(), z.string()])
  .nullable()
  .optional()
  .transform((value) => {
    if (typeof value === 'number') return Number.isInteger(value) ? value : null;
    const match = /(?:^|\D)([12]\d{3})(?!\d)/.exec(value ?? '');
    return match ? Number(match[1]) : null;
  });

/** An author list as one string, or as a list of names (joined with "; "). */
const authors = z
  .union([z.string(), z.array(z.string())])
  .nullable()
  .optional()
  .transform((value) => {
    if (value === null || value === undefined) return null;
    const string = Array.isArray(value) ? value.join('; ') : value;
    return string.trim() === '' ? null : string;
  });

export const benchmarkRecordSchema = z.object({
  id: z.union([z.string().min(1), z.number()]).transform(String),
  title: text,
  authors,
  year,
  journal: text,
  volume: text,
  issue: text,
  pages: text,
  doi: text,
  pmid: text,
  abstract: text,
  /** The publication or document type ("Journal Article", "Erratum", "Conference Abstract"). */
  type: text,
  source_db: text,
  /** The human label: records with the same group are one work. Absent in unlabelled input. */
  label_group: z.string().min(1).nullable().optional(),
});

/** The fields `dedup` reads from a JSONL line, for --help. */
export const BENCHMARK_FIELDS: readonly [string, string][] = [
  ['id', 'required: unique record id (text or number)'],
  ['title', 'the title'],
  [
    'authors',
    'one string ("Zhai, Q. J. and Yue, X. Y.", "Zhai QJ, Yue XY", "Zhai, Q.; Yue, X.") or a list of names',
  ],
  ['year', 'a number or text holding a year'],
  ['journal', 'journal, book or proceedings title'],
  ['volume, issue, pages', 'as exported ("35 Suppl 1", "149-55", "S354", "e0123")'],
  ['doi, pmid', 'identifiers (a DOI URL is accepted)'],
  ['abstract', 'the abstract (its beginning is compared)'],
  ['type', 'publication or document type ("Erratum", "Conference Abstract", "Journal Article; Comment")'],
  [
    'label_group',
    'optional human label: records with equal labels are one work (scored when every record has one)',
  ],
];

export type BenchmarkRecord = z.infer<typeof benchmarkRecordSchema>;

export function dedupRecordFromBenchmark(row: BenchmarkRecord): DedupRecord {
  return {
    id: row.id,
    title: row.title,
    abstract: row.abstract,
    type: row.type,
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
      throw new InputError(`${where}: not a dedup record (${formatIssues(parsed.error, '(record)')})`);
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
