// `living-review import FILE --review ID`: a database export or a PubMed XML file into the review, streamed.
// The file is read twice: once to check it (a broken file writes nothing; the records rejected and what the
// reader noticed are collected), then again to store its records batch by batch, so memory does not grow with
// the file.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { basename } from 'node:path';
import { DynamoReviewArchive } from '../../shared/adapters/dynamodb/review-archive.ts';
import type { ExportFormat, RejectedExportRecord } from '../../shared/adapters/exports/export-record.ts';
import { fileEncoding } from '../../shared/adapters/exports/export-text.ts';
import {
  type DetectedFormat,
  decodeExportBytes,
  detectExportFormat,
  formatFromName,
  readExportFile,
} from '../../shared/adapters/exports/parse-export.ts';
import { currentProcess } from '../../shared/adapters/process/process-identity.ts';
import { newRunId } from '../../shared/adapters/process/run-id.ts';
import { parsePubmedFile } from '../../shared/adapters/pubmed/parse-pubmed-xml.ts';
import { looksLikeReviewExport, parseReviewExport, restoreReview } from '../../shared/app/export-review.ts';
import { checkDatabaseName, importExportFile } from '../../shared/app/import-export-file.ts';
import { importCitations } from '../../shared/app/run-recording.ts';
import type { Citation } from '../../shared/domain/citation/citation.ts';
import { isoDay } from '../../shared/domain/monitor/search-window.ts';
import { InputError } from '../../shared/errors.ts';
import { type Command, optionalString, UsageError } from '../command.ts';
import { openStore, reviewOptions, selectReview, storeOptions } from '../context.ts';
import { startProgress } from '../progress.ts';
import { fuzzyDedupFor } from '../search-stores.ts';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export const importCommand: Command = {
  name: 'import',
  store: true,
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
    const protocol = await selectReview(values);
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
    // The format is told from the file's beginning; nothing is read whole. A `living-review export` (JSON) is
    // restored instead.
    const head = decodeExportBytes(readHead(file));
    if (formatName === undefined && looksLikeReviewExport(head))
      return restoreExport(file, protocol.id, values, io);
    const format: DetectedFormat = formatName ? formatFromName(formatName) : detectExportFormat(head, file);

    if (format === 'pubmed-xml' && source === undefined && searchedOn === undefined && query === undefined) {
      return importPubmedXml(file, protocol.id, values, io);
    }

    let citations: AsyncIterable<Citation>;
    let accepted = 0;
    const rejected: RejectedExportRecord[] = [];
    let warnings: string[] = [];
    let database: string;
    if (format === 'pubmed-xml') {
      database = checkDatabaseName(source ?? 'pubmed-xml');
      accepted = await countPubmedXml(file);
      citations = pubmedXmlCitations(file);
    } else {
      if (source === undefined) {
        throw new UsageError(
          '--source NAME is required for a database export: the database it came from (e.g. embase, scopus, wos)',
        );
      }
      database = checkDatabaseName(source);
      const exportFormat = format as ExportFormat;
      const encoding = await fileEncoding(file);
      const options = { origin: file, source: database };
      // 1. Check: the whole file read once, nothing kept but counts, rejections and warnings.
      const items = readExportFile(file, exportFormat, encoding, options);
      for (;;) {
        const next = await items.next();
        if (next.done) {
          warnings = next.value;
          break;
        }
        if (next.value.kind === 'record') accepted++;
        else
          rejected.push({ line: next.value.line, recordId: next.value.recordId, reason: next.value.reason });
      }
      // 2. Store: the file read again, its records taken as they come.
      citations = (async function* () {
        for await (const item of readExportFile(file, exportFormat, encoding, options)) {
          if (item.kind === 'record') yield item.citation;
        }
      })();
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
          accepted,
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
      for (const warning of warnings) io.err(`warning: ${warning}`);
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

/** Checks a PubMed XML file by reading it through: its citations, counted (a broken file throws). */
async function countPubmedXml(file: string): Promise<number> {
  let count = 0;
  for await (const item of parsePubmedFile(file)) if ('citation' in item) count++;
  return count;
}

async function* pubmedXmlCitations(file: string): AsyncGenerator<Citation> {
  for await (const item of parsePubmedFile(file)) if ('citation' in item) yield item.citation;
}

/** `import FILE --review ID` on a PubMed XML file, as before exports existed: no search-log entry. */
async function importPubmedXml(
  file: string,
  reviewId: string,
  values: Record<string, unknown>,
  io: Parameters<Command['run']>[1],
): Promise<number> {
  // 1. Check the whole file and count; 2. store it, read again as a stream.
  let total = 0;
  let deleted = 0;
  for await (const item of parsePubmedFile(file)) {
    if ('citation' in item) total++;
    else deleted += item.deletedPmids.length;
  }
  const embedded = await openStore(values);
  const progress = startProgress(io, `importing ${basename(file)}`);
  try {
    const summary = await importCitations(
      { reviewId, citations: pubmedXmlCitations(file) },
      {
        store: embedded.store,
        clock: () => new Date(),
        dedup: fuzzyDedupFor(embedded),
        onProgress: (done) => progress.update(done, total),
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
