// Use case: store the records of a database export (Embase, Scopus, Web of Science, a PubMed file) as if a
// search had found them, and log the search it came from in the review's run log, so the report's search log
// lists it beside the scheduled searches (database, date searched, query as the user gives it).
//
// The caller reads the whole file once first (shared/adapters/exports) to check it: a file whose structure is
// broken never gets here, so nothing of it is written; records rejected on their own (nothing to screen or
// deduplicate on) arrive as `rejected`, with the line each starts on, and what the reader noticed about the
// file (lines skipped, fields many records lack) as `warnings`; both are listed in the summary and the run
// log. The records themselves may then arrive as a stream (the file read a second time), taken in batches, so
// an import of any size holds one batch at a time. Every record goes through the same recording as a search:
// exact key claims, and fuzzy deduplication when `dedup` is given. Importing the same export again adds nothing (records without a database id get a stable one from
// their content). A store failure part way fails the logged run with its error; importing again completes
// it, since every recorded record is complete and recording it again is harmless.
//
// The search-log entry is a RunLog: source = the database name, query = the query text given (empty when
// none, with a warning), window = the day searched on both ends, counts as a search's (found = records in the
// file, fetched = records accepted). It never moves a watermark. The names of scheduled sources ("pubmed",
// "europepmc") are refused as database names: a run logged under them would count as that source's scheduled
// run and make it look not due.
import type { Citation } from '../domain/citation/citation.ts';
import type { RunOwnerRef } from '../domain/monitor/run-liveness.ts';
import { errorMessage, InputError, LivingReviewError } from '../errors.ts';
import type { FuzzyDedupPorts } from '../ports/blocking-index.ts';
import type { CitationStore, RunCounts, RunLog } from '../ports/citation-store.ts';
import { batchesOf, citationRecorder, PROGRESS_SAVE_MS, startRunLog } from './run-recording.ts';

export const SCHEDULED_SOURCE_NAMES = ['pubmed', 'europepmc'] as const;
const DATABASE_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
/** Rejected records listed one by one in the run log; the rest are counted. */
export const MAX_LISTED_REJECTIONS = 50;

export interface RejectedRecord {
  /** The 1-based line the record starts on. */
  line: number;
  recordId: string | null;
  reason: string;
}

export interface ImportExportRequest {
  reviewId: string;
  /** The database searched, e.g. "embase", "scopus", "wos": the records' provenance and the log's source. */
  database: string;
  /** The day the database was searched, YYYY-MM-DD. */
  searchedOn: string;
  /** The search as run in the database; null when the user gave none. */
  query: string | null;
  /** The file, as named in messages. */
  origin: string;
  /** The file's format, as named in the log. */
  format: string;
  /** The records accepted, as an array or a stream (then `accepted` says how many there are). */
  citations: readonly Citation[] | AsyncIterable<Citation>;
  /** How many records `citations` holds (required for a stream). */
  accepted?: number;
  rejected: readonly RejectedRecord[];
  /** Notes on the file as a whole (lines skipped, fields many records lack). */
  warnings?: readonly string[];
}

export interface ImportExportSummary {
  /** Records in the file (accepted and rejected). */
  read: number;
  /** New works, stored and queued for screening. */
  imported: number;
  /** Works stored before from another record (this record's source was added to them). */
  duplicates: number;
  /** This very record stored before (the export imported again). */
  alreadyKnown: number;
  rejected: RejectedRecord[];
  /** Pairs queued for a person to confirm or split. */
  possibleDuplicates: number;
  run: RunLog;
}

export interface ImportExportDeps {
  store: CitationStore;
  clock: () => Date;
  newRunId: () => string;
  dedup?: FuzzyDedupPorts;
  /** Records recorded as one batch (default 100). */
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
  /** The process running the import, named in its run log so a reader can tell when it is gone. */
  owner?: RunOwnerRef | null;
}

export class ImportFailedError extends LivingReviewError {
  constructor(
    readonly run: RunLog,
    cause: unknown,
  ) {
    super(
      `import into review "${run.reviewId}" (${run.source}, searched ${run.window.from}) failed: ${errorMessage(cause)}`,
      {
        cause,
        retryable: cause instanceof LivingReviewError ? cause.retryable : true,
      },
    );
  }
}

/** Throws InputError when `name` cannot be a database name of an import. */
export function checkDatabaseName(name: string): string {
  const database = name.trim().toLowerCase();
  if (!DATABASE_NAME.test(database)) {
    throw new InputError(
      `"${name}" cannot name a database: use lower-case letters, digits, ".", "_" and "-" (e.g. embase, scopus, wos)`,
    );
  }
  if ((SCHEDULED_SOURCE_NAMES as readonly string[]).includes(database)) {
    throw new InputError(
      `"${database}" is the name of a scheduled source; name the export's database otherwise (e.g. ${database}-export), so its search log entry is not taken for a scheduled run`,
    );
  }
  return database;
}

function rejectionWarnings(origin: string, rejected: readonly RejectedRecord[]): string[] {
  const listed = rejected
    .slice(0, MAX_LISTED_REJECTIONS)
    .map(
      (r) => `${origin} line ${r.line}: record rejected${r.recordId ? ` (${r.recordId})` : ''}: ${r.reason}`,
    );
  if (rejected.length > MAX_LISTED_REJECTIONS) {
    listed.push(`... and ${rejected.length - MAX_LISTED_REJECTIONS} more rejected records`);
  }
  return listed;
}

export async function importExportFile(
  request: ImportExportRequest,
  deps: ImportExportDeps,
): Promise<ImportExportSummary> {
  const database = checkDatabaseName(request.database);
  if (!DAY.test(request.searchedOn) || Number.isNaN(Date.parse(`${request.searchedOn}T00:00:00Z`))) {
    throw new InputError(`the date searched must be a day as YYYY-MM-DD, not "${request.searchedOn}"`);
  }
  const { store, clock } = deps;
  const started = clock();
  const query = request.query?.trim() ?? '';
  const accepted = Array.isArray(request.citations) ? request.citations.length : request.accepted;
  if (accepted === undefined) throw new Error('importExportFile: a stream of citations needs `accepted`');
  const counts: RunCounts = {
    found: accepted + request.rejected.length,
    fetched: accepted,
    new: 0,
    alreadyKnown: 0,
    duplicates: 0,
    queued: 0,
    deleted: 0,
  };
  const run: RunLog = {
    runId: deps.newRunId(),
    reviewId: request.reviewId,
    source: database,
    query,
    window: { from: request.searchedOn, to: request.searchedOn },
    startedAt: started.toISOString(),
    finishedAt: null,
    durationMs: null,
    outcome: 'running',
    counts,
    warnings: [
      `imported from ${request.origin} (${request.format})`,
      ...(query ? [] : ['no query text was given for this search (--query)']),
      ...(request.warnings ?? []),
      ...rejectionWarnings(request.origin, request.rejected),
    ],
    error: null,
  };
  const log = await startRunLog(store, run, clock, deps.owner ?? null);

  const recorder = citationRecorder(store, deps.dedup, request.reviewId, clock);
  const finish = (outcome: 'succeeded' | 'failed', error: unknown) => log.finish(outcome, error);

  const batchSize = Math.max(1, deps.batchSize ?? 100);
  let done = 0;
  const recordBatch = async (batch: Citation[]) => {
    const outcomes = await recorder.recordBatch(batch);
    for (const outcome of outcomes) {
      if (outcome.kind === 'new') {
        counts.new++;
        counts.queued++;
      } else if (outcome.kind === 'already-known') counts.alreadyKnown++;
      else counts.duplicates++;
    }
    done += batch.length;
    deps.onProgress?.(done, accepted);
    log.progress(PROGRESS_SAVE_MS);
  };
  try {
    for await (const batch of batchesOf(request.citations, batchSize)) await recordBatch(batch);
  } catch (failure) {
    try {
      await finish('failed', failure);
    } catch (logError) {
      run.warnings.push(`could not save the failed run log: ${errorMessage(logError)}`);
    }
    throw new ImportFailedError(run, failure);
  }
  if (recorder.possibleDuplicates > 0) {
    run.warnings.push(
      `${recorder.possibleDuplicates} possible duplicate pair(s) queued for a person to confirm or split`,
    );
  }
  await finish('succeeded', null);
  return {
    read: counts.found,
    imported: counts.new,
    duplicates: counts.duplicates,
    alreadyKnown: counts.alreadyKnown,
    rejected: [...request.rejected],
    possibleDuplicates: recorder.possibleDuplicates,
    run,
  };
}
