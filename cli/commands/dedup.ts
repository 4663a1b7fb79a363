// `living-review dedup FILE.jsonl`: fuzzy deduplication of a file of records in the benchmark layout (one JSON
// object per line: id, title, authors, year, journal, volume, issue, pages, doi, pmid, ...). Prints one line per
// record, in input order: {"id": ..., "cluster": ...}; records in one cluster are the same work. Nothing is
// stored. A summary (clusters, possible duplicates for a person to check, comparisons) goes to stderr.
import { readFile } from 'node:fs/promises';
import { dedupRecordFromBenchmark, parseBenchmarkJsonl } from '../../shared/domain/dedup/benchmark-record.ts';
import { deduplicate } from '../../shared/domain/dedup/cluster.ts';
import { errorMessage, InputError } from '../../shared/errors.ts';
import { type Command, UsageError } from '../command.ts';
import { jsonText } from '../format.ts';

export const dedupCommand: Command = {
  name: 'dedup',
  summary: 'Cluster duplicate records of a JSONL file (fuzzy matching); prints {"id", "cluster"} per record',
  usage: 'dedup FILE.jsonl',
  help: [
    'FILE.jsonl holds one JSON object per line (the layout of the labelled benchmarks in test/fixtures/dedup):',
    '  {"id": "r1", "title": "...", "authors": "Smith J; Jones K", "year": 2021, "journal": "...",',
    '   "volume": "12", "issue": "3", "pages": "45-52", "doi": "10.1000/x", "pmid": "31415926"}',
    'id and title are required; every other field may be null; abstract, source_db and label_group are read',
    'when present. Output: {"id": ..., "cluster": ...} per input line, in input order; records sharing a',
    'cluster are one work. A summary (clusters, possible duplicates to check, comparisons) goes to stderr.',
  ].join('\n'),
  options: {},
  positionals: true,
  async run({ positionals }, io) {
    if (positionals.length !== 1) throw new UsageError('give exactly one FILE.jsonl');
    const file = positionals[0]!;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new InputError(`${file}: cannot read (${errorMessage(error)})`, { cause: error });
    }
    const records = parseBenchmarkJsonl(text, file).map(dedupRecordFromBenchmark);
    const result = deduplicate(records);
    const clusterOf = new Map<string, string>();
    for (const cluster of result.clusters) {
      for (const id of cluster.recordIds) clusterOf.set(id, cluster.clusterId);
    }
    const lines = records.map(
      (r) => `{"id": ${jsonText(r.id)}, "cluster": ${jsonText(clusterOf.get(r.id))}}`,
    );
    if (lines.length > 0) io.out(lines.join('\n'));
    io.err(
      `${records.length} records, ${result.clusters.length} clusters, ` +
        `${result.possibleDuplicates.length} possible duplicates to check, ${result.comparisons} comparisons`,
    );
    return 0;
  },
};
