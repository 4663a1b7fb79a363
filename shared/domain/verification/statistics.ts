// Which patient rows the statistics pool, by the protocol's verification section, and how many rows are
// unverified or disputed (the report prints both with their denominator).
//
// A stored row counts as verified only when its log says verified AND the stored content is the version the
// log verified: a row changed outside the workflow (or a correction whose row write was interrupted) is
// unverified until the log and the row agree again.

import { type PatientRow, rowVersion } from '../extraction/patient-row.ts';
import type { VerificationStatistics } from '../protocol/verification.ts';
import type { RowPhase, StudyVerificationState } from './workflow.ts';

export interface VerificationCounts {
  /** Verifiers each row needs. */
  required: number;
  statistics: VerificationStatistics;
  /** Rows of pooled studies (the denominator). */
  rows: number;
  verified: number;
  /** Awaiting their verifiers (or changed since they were verified). */
  unverified: number;
  /** All verdicts in, a flagged field unresolved. */
  disputed: number;
  /** Rows the statistics pooled. */
  pooled: number;
}

/** The phase of a stored row, out of step with its log meaning unverified. */
export function storedRowPhase(
  row: PatientRow,
  states: ReadonlyMap<string, StudyVerificationState>,
): RowPhase {
  const logged = states.get(row.studyId)?.rows.get(row.patientId);
  if (!logged || logged.version !== rowVersion(row)) return 'awaiting-verification';
  return logged.phase;
}

/** The counts as one sentence, with their denominator (the stats output and the report print it). */
export function verificationSentence(counts: VerificationCounts): string {
  const rule =
    counts.statistics === 'verified-only'
      ? `the statistics pool verified rows only (${counts.pooled} of ${counts.rows})`
      : `the statistics pool all ${counts.pooled} rows, unverified ones included`;
  return `Extraction verification (${counts.required} verifier${counts.required === 1 ? '' : 's'} per row): ${counts.verified} of ${counts.rows} rows verified, ${counts.unverified} of ${counts.rows} unverified, ${counts.disputed} of ${counts.rows} disputed; ${rule}.`;
}

export function selectVerifiedRows<Row extends PatientRow>(
  rows: readonly Row[],
  states: ReadonlyMap<string, StudyVerificationState>,
  verification: { verifiers: number; statistics: VerificationStatistics },
): { rows: Row[]; counts: VerificationCounts } {
  const counts: VerificationCounts = {
    required: verification.verifiers,
    statistics: verification.statistics,
    rows: rows.length,
    verified: 0,
    unverified: 0,
    disputed: 0,
    pooled: 0,
  };
  const pooled: Row[] = [];
  for (const row of rows) {
    const phase = storedRowPhase(row, states);
    if (phase === 'verified') counts.verified++;
    else if (phase === 'disputed') counts.disputed++;
    else counts.unverified++;
    if (phase === 'verified' || verification.statistics === 'all-rows-flag-unverified') pooled.push(row);
  }
  counts.pooled = pooled.length;
  return { rows: pooled, counts };
}
