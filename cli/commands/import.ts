import { currentProcess } from '../../shared/adapters/process/process-identity.ts';
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { basename } from 'node:path';
import type { ExportFormat } from '../../shared/adapters/exports/export-record.ts';
import {
  decodeExportBytes,
  type DetectedFormat,
  detectExportFormat,
  formatFromName,
  parseExportText,
} from '../../shared/adapters/exports/parse-export.ts';
import { DynamoReviewArchive } from '../../shared/adapters/dynamodb/review-archive.ts';
import { parsePubmedFile } from '../../shared/adapters/pubmed/parse-pubmed-xml.ts';
import { looksLikeReviewExport, parseReviewExport, restoreReview } from '../../shared/app/export-review.ts';
import { importCitations } from '../../shared/app/run-recording.ts';
import { checkDatabaseName, importExportFile } from '../../shared/app/import-export-file.ts';
import type { Citation } from '../../shared/domain/citation/citation.ts';
import { isoDay } from '../../shared/domain/monitor/search-window.ts';
import { InputError } from '../../shared/errors.ts';
import { type Command, optionalString, UsageError } from '../command.ts';
import { fuzzyDedupFor, newRunId, openStore, reviewOptions, selectReview, storeOptions } from '../context.ts';
import { startProgress } from '../progress.ts';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export const importCommand: Command = {
  name: 'import',
  summary:
    'Store the records of a PubMed XML file or a database export (RIS, MEDLINE/.nbib, Scopus CSV, Embase CSV, Web of Science tab-delimited), deduplicated and queued like search results',
  usage:
    'import FILE --review ID [--source NAME] [--format ris|nbib|scopus-csv|embase-csv|wos|pubmed-xml] [--searched-on YYYY-MM-DD] [--query TEXT] [--protocol FILE] [--data DIR | --aws-table NAME]',
  help:
    'FILE may also be a `living-review export` (JSON): it is restored into the review, which must be empty.\n' +
    "Without --format the file's format is told from its beginning.",
  options: {
    ...reviewOptions,
    ...storeOptions,
    source: { type: 'string' },
    format: { type: 'string' },
    'searched-on': { type: 'string' },
    query: { type: 'string' },
  },
  positionals: true,
  async run({ values, positionals }, io) {
    if (positionals.length !== 1) throw new UsageError('give exactly one FILE');
    const file = positionals[0]!;
    const protocol = selectReview(values);
    const source = optionalString(values, 'source');
    const searchedOn = optionalString(values, 'searched-on');
    const query = optionalString(values, 'query');
    if (
      searchedOn !== undefined &&
      (!DAY.test(searchedOn) || Number.isNaN(Date.parse(`${searchedOn}T00:00:00Z`)))
    ) {
      throw new UsageError(`--searched-on must be a date as YYYY-MM-DD, not "${searchedOn}"`);
    }
    const formatName = optionalString(values, 'format');
    // Read and parse everything before writing anything: a broken file must leave the store untouched. The
    // format is told from the file's beginning, so a large PubMed XML file is still streamed, never read whole.
    const head = decodeExportBytes(readHead(file));
    if (formatName === undefined && looksLikeReviewExport(head))
      return restoreExport(file, protocol.id, values, io);
    const format: DetectedFormat = formatName ? formatFromName(formatName) : detectExportFormat(head, file);

    if (format === 'pubmed-xml' && source === undefined && searchedOn === undefined && query === undefined) {
      return importPubmedXml(file, protocol.id, values, io);
    }

    let citations: Citation[];
    let rejected: { line: number; recordId: string | null; reason: string }[] = [];
    let warnings: string[] = [];
    let database: string;
    if (format === 'pubmed-xml') {
      citations = await readPubmedXml(file);
      database = checkDatabaseName(source ?? 'pubmed-xml');
    } else {
      if (source === undefined) {
        throw new UsageError(
          '--source NAME is required for a database export: the database it came from (e.g. embase, scopus, wos)',
        );
      }
      database = checkDatabaseName(source);
      const text = decodeExportBytes(readWhole(file));
      const parsed = parseExportText(text, format as ExportFormat, { origin: file, source: database });
      citations = parsed.records.map((r) => r.citation);
      rejected = parsed.rejected;
      warnings = parsed.warnings;
    }
    const embedded = await openStore(values);
    const progress = startProgress(io, `importing ${basename(file)}`);
    try {
      const summary = await importExportFile(
        {
          reviewId: protocol.id,
          database,
          searchedOn: searchedOn ?? isoDay(new Date()),
          query: query ?? null,
          origin: basename(file),
          format,
          citations,
          rejected,
          warnings,
        },
        {
          store: embedded.store,
          clock: () => new Date(),
          newRunId,
          owner: currentProcess(),
          dedup: fuzzyDedupFor(embedded),
          onProgress: (done, total) => progress.update(done, total),
        },
      );
      progress.clear();
      io.out(
        `${file} (${format}, ${database}, searched ${summary.run.window.from}): read ${summary.read}, ${summary.imported} new (queued), ${summary.duplicates} duplicates, ${summary.alreadyKnown} already known, ${summary.rejected.length} rejected${
          summary.possibleDuplicates
            ? `; ${summary.possibleDuplicates} possible duplicates to confirm or split`
            : ''
        }`,
      );
      for (const r of summary.rejected) {
        io.out(`  rejected: line ${r.line}${r.recordId ? ` (${r.recordId})` : ''}: ${r.reason}`);
      }
      for (const warning of warnings) io.out(`  warning: ${warning}`);
      if (searchedOn === undefined)
        io.err('note: --searched-on not given: today is recorded as the date searched');
      if (query === undefined)
        io.err('note: --query not given: the search log has no query text for this search');
      return 0;
    } finally {
      progress.clear();
      await embedded.close();
    }
  },
};

/** `import EXPORT.json --review ID`: a review's `living-review export` restored into an empty review. */
async function restoreExport(
  file: string,
  reviewId: string,
  values: Record<string, unknown>,
  io: Parameters<Command['run']>[1],
): Promise<number> {
  const exported = parseReviewExport(decodeExportBytes(readWhole(file)), file);
  const connection = await openStore(values);
  try {
    const table = { client: connection.client, tableName: connection.tableName };
    const outcome = await restoreReview(reviewId, exported, file, {
      archive: new DynamoReviewArchive(table),
    });
    io.out(
      `${file}: restored review "${reviewId}" as exported ${exported.exportedAt}: ${outcome.written} items written${
        outcome.present ? `, ${outcome.present} already there from an earlier restore` : ''
      }`,
    );
    return 0;
  } finally {
    await connection.close();
  }
}

function readWhole(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new InputError(`cannot read ${file}: ${(error as Error).message}`);
  }
}

/** The first 64 KiB of the file (an even number of bytes, so UTF-16 text decodes whole). */
function readHead(file: string): Buffer {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    throw new InputError(`cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    const head = Buffer.alloc(64 * 1024);
    const length = readSync(fd, head, 0, head.length, 0);
    return head.subarray(0, length - (length % 2));
  } finally {
    closeSync(fd);
  }
}

async function readPubmedXml(file: string): Promise<Citation[]> {
  const citations: Citation[] = [];
  for await (const item of parsePubmedFile(file)) {
    if ('citation' in item) citations.push(item.citation);
  }
  return citations;
}

/** `import FILE --review ID` on a PubMed XML file, as before exports existed: no search-log entry. */
async function importPubmedXml(
  file: string,
  reviewId: string,
  values: Record<string, unknown>,
  io: Parameters<Command['run']>[1],
): Promise<number> {
  const citations: Citation[] = [];
  let deleted = 0;
  for await (const item of parsePubmedFile(file)) {
    if ('citation' in item) citations.push(item.citation);
    else deleted += item.deletedPmids.length;
  }
  const embedded = await openStore(values);
  const progress = startProgress(io, `importing ${basename(file)}`);
  try {
    const summary = await importCitations(
      { reviewId, citations },
      {
        store: embedded.store,
        clock: () => new Date(),
        dedup: fuzzyDedupFor(embedded),
        onProgress: (done) => progress.update(done, citations.length),
      },
    );
    progress.clear();
    io.out(
      `${file}: read ${summary.read}, ${summary.new} new (queued), ${summary.alreadyKnown} already known, ${summary.duplicates} duplicates${
        deleted ? `; ${deleted} deletions listed (not applied)` : ''
      }`,
    );
    return 0;
  } finally {
    progress.clear();
    await embedded.close();
  }
}
