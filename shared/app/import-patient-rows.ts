// Use case: import extracted patient rows (individual patient data) from a CSV or JSON file, then bring the
// statistics up to date.
//
// Primary course:
//   1. Parse and validate EVERY row first against the protocol's variables and rules (parsePatientRowsCsv/Json).
//      Any invalid row -> one InputError naming each bad row and column; nothing is written.
//   2. Check every row's study is an included study of the review. With `createStudies`, a study the file names
//      that is not included yet is included now (a citation stored under that id gives its title; otherwise the
//      study is known by its id alone: a pack of patient data without citations). Without it, any unknown study
//      -> InputError naming the rows; nothing is written.
//   3. Compare with the stored rows, by patient id (unique in the review): identical rows are not written again
//      (so re-importing a file writes nothing and wakes no stream); new and changed rows are put; then every
//      stored copy of an imported patient under another study is deleted (a row that moved study).
//      When the protocol declares verification, record the importer as extractor of the new and changed rows
//      (verify-extraction.ts: each starts a new round of verification).
//   4. Once every write has committed, recompute the statistics (locally there are no streams; on AWS the
//      stream would do it too, harmlessly: recomputeStatistics is idempotent).
//
// The writes are idempotent puts of deterministic keys, not a transaction: a crash in step 3 leaves some rows
// written, and running the same import again completes it. Stale copies are found by patient id among ALL
// stored rows, so a crash between putting a moved row under its new study and deleting the old copy leaves two
// copies that the re-run recognises (the new one as unchanged, the old one as stale) and repairs.

import type { Citation } from '../domain/citation/citation.ts';
import { parsePatientRowsCsv, parsePatientRowsJson } from '../domain/extraction/import-rows.ts';
import { canonicalRow, type PatientRow, rowSchemaOf } from '../domain/extraction/patient-row.ts';
import type { Protocol } from '../domain/protocol/protocol.ts';
import { InputError } from '../errors.ts';
import type { EvidenceStore, IncludedStudy, StoredPatientRow } from '../ports/evidence-store.ts';
import { includeStudy } from './include-study.ts';
import { type RecomputeOutcome, recomputeStatistics } from './recompute-statistics.ts';
import { extractorOf, recordExtraction } from './verify-extraction.ts';

export type PatientRowFormat = 'csv' | 'json';

/** A study id `--create-studies` may create: it becomes a key and a URL segment. */
const STUDY_ID = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;

export interface ImportPatientRowsRequest {
  protocol: Protocol;
  /** The file's text. */
  text: string;
  format: PatientRowFormat;
  /** Names the file in errors and on every stored row. */
  origin: string;
  /** The study given to rows without one (a file of one study's patients). */
  defaultStudyId?: string;
  /** Include the studies the file names that are not included yet, recorded as included by `by`. */
  createStudies?: { by: string };
  /**
   * The reviewer recorded as extractor of the new and changed rows (protocols that declare verification:
   * verify-extraction.ts). Without one, such rows are stored but wait for an import that names their extractor.
   */
  extractor?: string;
}

export interface ImportPatientRowsDeps {
  evidence: EvidenceStore;
  /** Where a created study's citation is looked up (its title, PMID, DOI); absent: studies by id alone. */
  citations?: { getCitation(reviewId: string, citationId: string): Promise<{ citation: Citation } | null> };
  clock: () => Date;
}

export interface ImportPatientRowsSummary {
  read: number;
  added: number;
  updated: number;
  /** Rows whose study changed (written under the new study, removed from the old one). */
  moved: number;
  unchanged: number;
  /** Studies included by this import (createStudies). */
  studiesCreated: string[];
  /** What the team should know: rows stored but left out of the statistics, and why. */
  warnings: string[];
  /** Rows recorded as extracted by `extractor` (new rounds of verification); null without verification. */
  extraction: { extractor: string | null; recorded: number } | null;
  statistics: RecomputeOutcome;
}

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** Why the rows of some studies will be stored but not pooled. */
function leftOutWarnings(
  rows: readonly PatientRow[],
  studies: ReadonlyMap<string, IncludedStudy>,
  protocol: Protocol,
) {
  const perStudy = new Map<string, number>();
  for (const row of rows) perStudy.set(row.studyId, (perStudy.get(row.studyId) ?? 0) + 1);
  const warnings: string[] = [];
  for (const [studyId, count] of perStudy) {
    const study = studies.get(studyId);
    if (study?.withdrawn) {
      warnings.push(
        `${plural(count, 'row', 'rows')} of study ${studyId} are stored but left out of the statistics: its inclusion was withdrawn on ${study.withdrawn.at.slice(0, 10)} (${study.withdrawn.reason})`,
      );
    } else if (study?.retracted && protocol.onRetraction === 'exclude-patients') {
      warnings.push(
        `${plural(count, 'row', 'rows')} of study ${studyId} are stored but left out of the statistics: the study is retracted${study.retractedAt ? ` (${study.retractedAt.slice(0, 10)})` : ''} and the protocol says onRetraction: exclude-patients`,
      );
    }
  }
  return warnings;
}

export async function importPatientRows(
  request: ImportPatientRowsRequest,
  deps: ImportPatientRowsDeps,
): Promise<ImportPatientRowsSummary> {
  const { protocol, origin } = request;
  const reviewId = protocol.id;
  if (!protocol.extraction) {
    throw new InputError(
      `review "${reviewId}" declares no extraction variables: add an extraction section to its protocol before importing patient rows`,
    );
  }
  const schema = rowSchemaOf(protocol.extraction);
  const extractor =
    protocol.verification && request.extractor !== undefined
      ? extractorOf(protocol, request.extractor)
      : null;
  const options = request.defaultStudyId === undefined ? {} : { defaultStudyId: request.defaultStudyId };
  // 1. All rows valid, or nothing happens.
  const rows =
    request.format === 'csv'
      ? parsePatientRowsCsv(request.text, origin, schema, options)
      : parsePatientRowsJson(request.text, origin, schema, options);
  if (rows.length === 0) throw new InputError(`${origin}: no patient rows; nothing was imported`);

  // 2. Every row belongs to an included study (or one this import may include).
  const studies = new Map((await deps.evidence.listIncludedStudies(reviewId)).map((s) => [s.citationId, s]));
  const unknown = [...new Set(rows.map((row) => row.studyId).filter((id) => !studies.has(id)))];
  if (unknown.length > 0 && !request.createStudies) {
    const lines = unknown.slice(0, 20).map((studyId) => {
      const at = rows.flatMap((row, index) => (row.studyId === studyId ? [index + 1] : []));
      return `  ${origin} column studyId: "${studyId}" is not an included study (${plural(at.length, 'row', 'rows')}, first row ${at[0]})`;
    });
    if (unknown.length > lines.length) lines.push(`  ... and ${unknown.length - lines.length} more studies`);
    throw new InputError(
      `${origin}: rows of ${plural(unknown.length, 'study', 'studies')} that ${unknown.length === 1 ? 'is' : 'are'} not included in review "${reviewId}"; no patient rows were imported (include the study first: living-review include, or import with --create-studies)\n${lines.join('\n')}`,
    );
  }
  const badIds = unknown.filter((id) => !STUDY_ID.test(id) || id.includes('#'));
  if (badIds.length > 0) {
    throw new InputError(
      `${origin}: cannot create studies with these ids (letters, digits and . _ : / - only, at most 128): ${badIds.map((id) => JSON.stringify(id)).join(', ')}; no patient rows were imported`,
    );
  }
  const studiesCreated: string[] = [];
  for (const studyId of unknown) {
    const by = request.createStudies!.by;
    const stored = deps.citations ? await deps.citations.getCitation(reviewId, studyId) : null;
    const outcome = stored
      ? await includeStudy(
          { reviewId, citationId: studyId, includedBy: by, source: 'manual' },
          { citations: deps.citations!, evidence: deps.evidence, clock: deps.clock },
        )
      : await deps.evidence.includeStudy({
          reviewId,
          citationId: studyId,
          includedAt: deps.clock().toISOString(),
          includedBy: by,
          source: 'manual',
          // No citation: the study is known by the id its patient rows give.
          title: studyId,
          pmid: null,
          doi: null,
          year: null,
          retracted: false,
          retractedAt: null,
          withdrawn: null,
        });
    if (outcome.created) studiesCreated.push(studyId);
    studies.set(studyId, outcome.study);
  }

  // 3. Write what is new or different; then remove copies of these patients under other studies.
  const existing = new Map<string, StoredPatientRow[]>();
  for (const stored of await deps.evidence.listPatientRows(reviewId)) {
    const copies = existing.get(stored.row.patientId);
    if (copies) copies.push(stored);
    else existing.set(stored.row.patientId, [stored]);
  }
  const importedAt = deps.clock().toISOString();
  const writes: StoredPatientRow[] = [];
  const stale: { studyId: string; patientId: string }[] = [];
  let added = 0;
  let updated = 0;
  let moved = 0;
  for (const row of rows) {
    const copies = existing.get(row.patientId) ?? [];
    const same = copies.find((copy) => copy.row.studyId === row.studyId);
    for (const copy of copies) {
      if (copy.row.studyId !== row.studyId)
        stale.push({ studyId: copy.row.studyId, patientId: row.patientId });
    }
    if (same && canonicalRow(same.row) === canonicalRow(row)) continue;
    writes.push({ row, origin, importedAt });
    if (copies.length === 0) added++;
    else if (same) updated++;
    else moved++;
  }
  await deps.evidence.putPatientRows(reviewId, writes);
  await deps.evidence.deletePatientRows(reviewId, stale);
  // The rows are stored: their extractor is recorded after them, so a crash in between is repaired by running
  // the import again (recordExtraction compares each row with its log, not with the stored row).
  const recorded = extractor ? await recordExtraction(deps, protocol, extractor, rows) : 0;
  const warnings = leftOutWarnings(rows, studies, protocol);
  if (protocol.verification?.statistics === 'verified-only' && !extractor) {
    warnings.push(
      `no extractor was named: the rows wait for verification until they are imported again with the extractor (--reviewer NAME), and the statistics leave them out until verified`,
    );
  }

  // 4. The import has committed: the statistics follow.
  const statistics = await recomputeStatistics({ protocol }, deps);
  return {
    read: rows.length,
    added,
    updated,
    moved,
    unchanged: rows.length - writes.length,
    studiesCreated,
    warnings,
    extraction: protocol.verification ? { extractor, recorded } : null,
    statistics,
  };
}
