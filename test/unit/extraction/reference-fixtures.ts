// Reads the R reference files copied into test/fixtures/reference (see PROVENANCE.md there).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePatientRowsJson } from '../../../shared/domain/extraction/import-rows.ts';
import type { PatientRow } from '../../../shared/domain/extraction/patient-row.ts';
import { iesmSchema } from '../../support/protocols.ts';

export const REFERENCE_DIRECTORY = join(import.meta.dirname, '..', '..', 'fixtures', 'reference');

/**
 * The synthetic cohort has no studies; its rows are placed in this one placeholder study. It is not a
 * citation id, so it can never be confused with a real included study.
 */
export const SYNTHETIC_STUDY_ID = 'synthetic-iesm-cohort';

export function readReferenceText(name: string): string {
  return readFileSync(join(REFERENCE_DIRECTORY, name), 'utf8');
}

export function readReferenceJson<T>(name: string): T {
  return JSON.parse(readReferenceText(name)) as T;
}

/** The 130 synthetic IESM patients as patient rows (id -> patientId, placeholder study). */
export function loadSyntheticCohort(): PatientRow[] {
  return parsePatientRowsJson(
    readReferenceText('iesm-synthetic-cohort.json'),
    'iesm-synthetic-cohort.json',
    iesmSchema(),
    { defaultStudyId: SYNTHETIC_STUDY_ID },
  );
}

/** The cohort file's records as they are (the `id` field, no studyId). */
export function rawSyntheticCohort(): Record<string, unknown>[] {
  return readReferenceJson<Record<string, unknown>[]>('iesm-synthetic-cohort.json');
}
