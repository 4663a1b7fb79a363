// `living-review dedup FILE`: fuzzy deduplication of a file of records, nothing stored. The file may be the
// benchmark JSONL (one record a line: id, title, authors, ...), the output of `parse` (one Citation a line), a
// database export (RIS, MEDLINE/.nbib, Scopus or Embase CSV, Web of Science tab-delimited) or PubMed XML: the
// format is told from the content, or given with --format.
//
// stdout: one line per record, in input order: {"id": ..., "cluster": ...}; records in one cluster are the same
// work. With --explain, a report instead: each cluster of two or more records with the reason of each merge
// (the fields that agreed and differed, the rule, the score), then each pair queued for a person with its
// reasons. stderr: a summary (records, clusters, merges, queued pairs with their reasons, comparisons), and
// what the reader noticed about an export.
import { readFile } from 'node:fs/promises';
import type { ExportFormat } from '../../shared/adapters/exports/export-record.ts';
import { decodeExportBytes } from '../../shared/adapters/exports/export-text.ts';
import {
  type DetectedFormat,
  detectExportFormat,
  formatFromName,
  parseExportText,
} from '../../shared/adapters/exports/parse-export.ts';
import { parsePubmedFile } from '../../shared/adapters/pubmed/parse-pubmed-xml.ts';
import type { Citation } from '../../shared/domain/citation/citation.ts';
import { citationSchema } from '../../shared/domain/citation/citation.ts';
import {
  BENCHMARK_FIELDS,
  dedupRecordFromBenchmark,
  parseBenchmarkJsonl,
} from '../../shared/domain/dedup/benchmark-record.ts';
import { type DedupResult, deduplicate } from '../../shared/domain/dedup/cluster.ts';
import { type DedupRecord, dedupRecordFromCitation } from '../../shared/domain/dedup/dedup-record.ts';
import { formatIssues } from '../../shared/domain/zod-issues.ts';
import { errorMessage, InputError } from '../../shared/errors.ts';
import { type Command, optionalString, UsageError } from '../command.ts';

const HELP = [
  'FILE is read whole and deduplicated in memory; nothing is stored.',
  '',
  '--format F   jsonl (the benchmark layout below), parse (the output of `living-review parse`: one Citation',
  '             JSON object a line), ris, nbib, scopus-csv, embase-csv, wos, pubmed-xml; default: told from',
  '             the content.',
  '--explain    print, instead of the {"id", "cluster"} lines, every merge and every queued pair with why:',
  '             the fields that agreed and differed, the rule that decided, the score.',
  '',
  'The benchmark JSONL: one JSON object a line. Only id is required; a missing field (no title, no',
  'authors, no year) is compared on what the record has, never refused. Other fields are ignored.',
  ...BENCHMARK_FIELDS.map(([field, what]) => `  ${field.padEnd(22)} ${what}`),
  '',
  'Exports: the record id is the database id (accession number, EID, PMID) or, without one, a hash of the',
  "record's content; the same id twice gets @<line> appended.",
].join('\n');

export const dedupCommand: Command = {
  name: 'dedup',
  summary:
    'Cluster duplicate records of a file (benchmark JSONL, `parse` output, RIS, MEDLINE, Scopus/Embase CSV, WoS, PubMed XML); prints {"id", "cluster"} per record, or why with --explain; stores nothing',
  usage: 'dedup FILE [--format jsonl|parse|ris|nbib|scopus-csv|embase-csv|wos|pubmed-xml] [--explain]',
  help: HELP,
  options: { format: { type: 'string' }, explain: { type: 'boolean', default: false } },
  positionals: true,
  async run({ values, positionals }, io) {
    if (positionals.length !== 1) throw new UsageError('give exactly one FILE');
    const file = positionals[0]!;
    const formatName = optionalString(values, 'format');
    const { records, notes } = await readRecords(file, formatName);
    const result = deduplicate(records);
    if (values.explain) io.out(explanation(records, result));
    else {
      const clusterOf = new Map<string, string>();
      for (const cluster of result.clusters) {
        for (const id of cluster.recordIds) clusterOf.set(id, cluster.clusterId);
      }
      const lines = records.map(
        (r) => `{"id": ${JSON.stringify(r.id)}, "cluster": ${JSON.stringify(clusterOf.get(r.id))}}`,
      );
      if (lines.length > 0) io.out(lines.join('\n'));
    }
    for (const note of notes) io.err(`note: ${note}`);
    io.err(summary(records, result));
    return 0;
  },
};

async function readBytes(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    throw new InputError(`${file}: cannot read (${errorMessage(error)})`, { cause: error });
  }
}

/** The records of FILE as dedup records, and what its reader noticed. */
async function readRecords(
  file: string,
  formatName: string | undefined,
): Promise<{ records: DedupRecord[]; notes: string[] }> {
  const bytes = await readBytes(file);
  const text = decodeExportBytes(bytes);
  const jsonl = formatName === 'jsonl' || formatName === 'parse';
  const format: DetectedFormat | 'jsonl' | 'parse' = jsonl
    ? (formatName as 'jsonl' | 'parse')
    : formatName
      ? formatFromName(formatName)
      : text.trimStart().startsWith('{')
        ? 'jsonl'
        : detectExportFormat(text, file);
  if (format === 'jsonl' || format === 'parse') {
    const first = text.split(/\r?\n/).find((line) => line.trim() !== '');
    const citations = format === 'parse' || (first !== undefined && looksLikeCitation(first));
    if (citations) return { records: uniqueIds(parseCitationJsonl(text, file)), notes: [] };
    return { records: parseBenchmarkJsonl(text, file).map(dedupRecordFromBenchmark), notes: [] };
  }
  if (format === 'pubmed-xml') {
    const citations: { line: number; citation: Citation }[] = [];
    for await (const item of parsePubmedFile(file)) {
      if ('citation' in item) citations.push({ line: citations.length + 1, citation: item.citation });
    }
    return { records: uniqueIds(citations), notes: [] };
  }
  const parsed = parseExportText(text, format as ExportFormat, { origin: file, source: format });
  const notes = [
    ...parsed.warnings,
    ...parsed.rejected.map((r) => `${file} line ${r.line}: record left out: ${r.reason}`),
  ];
  return { records: uniqueIds(parsed.records), notes };
}

function looksLikeCitation(line: string): boolean {
  try {
    const value = JSON.parse(line) as Record<string, unknown>;
    return typeof value.sourceRecordId === 'string' && typeof value.source === 'string';
  } catch {
    return false;
  }
}

/** `parse` output: one Citation a line, validated; the first bad line throws naming it. */
function parseCitationJsonl(text: string, origin: string): { line: number; citation: Citation }[] {
  const citations: { line: number; citation: Citation }[] = [];
  for (const [index, line] of text.split(/\r?\n/).entries()) {
    if (line.trim() === '') continue;
    const where = `${origin}:${index + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new InputError(`${where}: not JSON (${errorMessage(error)})`);
    }
    const parsed = citationSchema.safeParse(value);
    if (!parsed.success) {
      throw new InputError(
        `${where}: not a citation as \`parse\` prints it (${formatIssues(parsed.error, '(record)')})`,
      );
    }
    citations.push({ line: index + 1, citation: parsed.data });
  }
  return citations;
}

/** Dedup records named by their database id; an id met again gets "@<line>". */
function uniqueIds(citations: readonly { line: number; citation: Citation }[]): DedupRecord[] {
  const seen = new Set<string>();
  return citations.map(({ line, citation }) => {
    let id = citation.sourceRecordId;
    if (seen.has(id)) id = `${id}@${line}`;
    seen.add(id);
    return dedupRecordFromCitation(citation, id);
  });
}

function summary(records: readonly DedupRecord[], result: DedupResult): string {
  const clustered = result.clusters.filter((c) => c.recordIds.length > 1);
  const lines = [
    `${records.length} records, ${result.clusters.length} clusters (${clustered.length} of two or more records, ${result.merges.length} merges), ` +
      `${result.possibleDuplicates.length} possible duplicates to check, ${result.comparisons} comparisons`,
  ];
  for (const pair of result.possibleDuplicates) {
    lines.push(`  possible: ${pair.a} ~ ${pair.b} (score ${pair.score}): ${pair.reasons.join(', ')}`);
  }
  return lines.join('\n');
}

/** Every cluster of two or more records with why each merge happened, then every queued pair with why. */
function explanation(records: readonly DedupRecord[], result: DedupResult): string {
  const titleOf = new Map(records.map((r) => [r.id, r.title ?? '']));
  const short = (id: string) => {
    const title = titleOf.get(id) ?? '';
    return `${id} "${title.length > 70 ? `${title.slice(0, 67)}...` : title}"`;
  };
  const out: string[] = [];
  const clustered = result.clusters.filter((c) => c.recordIds.length > 1);
  out.push(`# ${clustered.length} clusters of two or more records (${result.merges.length} merges)`);
  const mergesBy = new Map<string, typeof result.merges>();
  const clusterOf = new Map<string, string>();
  for (const cluster of result.clusters)
    for (const id of cluster.recordIds) clusterOf.set(id, cluster.clusterId);
  for (const merge of result.merges) {
    const cluster = clusterOf.get(merge.a)!;
    mergesBy.set(cluster, [...(mergesBy.get(cluster) ?? []), merge]);
  }
  for (const cluster of clustered) {
    out.push('', `cluster ${cluster.clusterId}: ${cluster.recordIds.length} records`);
    for (const id of cluster.recordIds) out.push(`  ${short(id)}`);
    for (const merge of mergesBy.get(cluster.clusterId) ?? []) {
      out.push(`  merged ${merge.a} + ${merge.b} (score ${merge.score}): ${merge.why}`);
      out.push(`    agreed: ${merge.agreed.join(', ') || '-'}`);
      out.push(`    differed: ${merge.differed.join(', ') || '-'}`);
    }
  }
  out.push('', `# ${result.possibleDuplicates.length} pairs for a person to confirm or split`);
  for (const pair of result.possibleDuplicates) {
    out.push(
      '',
      `possible ${short(pair.a)}`,
      `       ~ ${short(pair.b)}`,
      `  score ${pair.score}: ${pair.why}`,
    );
    out.push(`    agreed: ${pair.agreed.join(', ') || '-'}`);
    out.push(`    differed: ${pair.differed.join(', ') || '-'}`);
  }
  return out.join('\n');
}
