// Use case: import extracted patient rows (individual patient data) from a CSV or JSON file, then bring the
// statistics up to date.
//
// Primary course:
//   1. Parse and validate EVERY row first (parsePatientRowsCsv/Json). Any invalid row -> one InputError naming
//      each bad row and column; nothing is written.
//   2. Check every row's study is an included study of the review. Any that is not -> InputError naming the
//      rows; nothing is written.
//   3. Compare with the stored rows (by patient id, unique in the review): identical rows are not written
//      again (so re-importing a file writes nothing and wakes no stream); new and changed rows are put; a row
//      whose study changed is put under its new study and then its old item is deleted.
//   4. Once every write has committed, recompute the statistics (locally there are no streams; on AWS the
//      stream would do it too, harmlessly: recomputeStatistics is idempotent).
//
// The writes are idempotent puts of deterministic keys, not a transaction: a crash in step 3 leaves some rows
// written, and running the same import again completes it.
import { parsePatientRowsCsv, parsePatientRowsJson } from '../domain/extraction/import-rows.ts';
import type { PatientRow } from '../domain/extraction/patient-row.ts';
import { InputError } from '../errors.ts';
import type { EvidenceStore, StoredPatientRow } from '../ports/evidence-store.ts';
import { type RecomputeOutcome, type RetractionPolicy, recomputeStatistics } from './recompute-statistics.ts';

export type PatientRowFormat = 'csv' | 'json';

export interface ImportPatientRowsRequest {
  reviewId: string;
  /** The file's text. */
  text: string;
  format: PatientRowFormat;
  /** Names the file in errors and on every stored row. */
  origin: string;
  /** The study given to rows without one (a file of one study's patients). */
  defaultStudyId?: string;
  /** The protocol's onRetraction, for the recompute. */
  onRetraction?: RetractionPolicy;
}

export interface ImportPatientRowsDeps {
  evidence: EvidenceStore;
  clock: () => Date;
}

export interface ImportPatientRowsSummary {
  read: number;
  added: number;
  updated: number;
  /** Rows whose study changed (written under the new study, removed from the old one). */
  moved: number;
  unchanged: number;
  statistics: RecomputeOutcome;
}

/** A row as canonical JSON (keys sorted, undefined left out), to tell an unchanged row from a changed one. */
function canonical(row: PatientRow): string {
  const entries = Object.entries(row)
    .filter(([, value]) => value !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify(entries);
}

export async function importPatientRows(
  request: ImportPatientRowsRequest,
  deps: ImportPatientRowsDeps,
): Promise<ImportPatientRowsSummary> {
  const { reviewId, origin } = request;
  const options = request.defaultStudyId === undefined ? {} : { defaultStudyId: request.defaultStudyId };
  // 1. All rows valid, or nothing happens.
  const rows =
    request.format === 'csv'
      ? parsePatientRowsCsv(request.text, origin, options)
      : parsePatientRowsJson(request.text, origin, options);
  if (rows.length === 0) throw new InputError(`${origin}: no patient rows; nothing was imported`);

  // 2. Every row belongs to an included study.
  const included = new Set((await deps.evidence.listIncludedStudies(reviewId)).map((s) => s.citationId));
  const strays = rows.flatMap((row, index) =>
    included.has(row.studyId)
      ? []
      : [
          `  ${origin} row ${index + 1} (patient ${row.patientId}), column studyId: "${row.studyId}" is not an included study`,
        ],
  );
  if (strays.length > 0) {
    const shown = strays.slice(0, 50);
    if (strays.length > shown.length) shown.push(`  ... and ${strays.length - shown.length} more`);
    throw new InputError(
      `${origin}: ${strays.length} row${strays.length === 1 ? '' : 's'} of studies that are not included in review "${reviewId}"; no patient rows were imported (include the study first: living-review include)\n${shown.join('\n')}`,
    );
  }

  // 3. Write what is new or different.
  const existing = new Map<string, StoredPatientRow>();
  for (const stored of await deps.evidence.listPatientRows(reviewId))
    existing.set(stored.row.patientId, stored);
  const importedAt = deps.clock().toISOString();
  const writes: StoredPatientRow[] = [];
  const stale: { studyId: string; patientId: string }[] = [];
  let added = 0;
  let updated = 0;
  let moved = 0;
  for (const row of rows) {
    const before = existing.get(row.patientId);
    if (before && canonical(before.row) === canonical(row)) continue;
    writes.push({ row, origin, importedAt });
    if (!before) added++;
    else if (before.row.studyId === row.studyId) updated++;
    else {
      moved++;
      stale.push({ studyId: before.row.studyId, patientId: row.patientId });
    }
  }
  await deps.evidence.putPatientRows(reviewId, writes);
  await deps.evidence.deletePatientRows(reviewId, stale);

  // 4. The import has committed: the statistics follow.
  const statistics = await recomputeStatistics(
    { reviewId, ...(request.onRetraction ? { onRetraction: request.onRetraction } : {}) },
    deps,
  );
  return { read: rows.length, added, updated, moved, unchanged: rows.length - writes.length, statistics };
}
