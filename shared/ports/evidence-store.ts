// Port: a review's evidence, i.e. what the statistics are computed from and what they were: the included
// studies, the extracted patient rows (individual patient data) and the versioned statistics snapshots.
// Implemented over the single DynamoDB table (shared/adapters/dynamodb/evidence-store.ts), so the embedded
// store serves it as well.
//
// Every write is a conditional or an idempotent single-item write with a deterministic key: writing the same
// thing twice, or after a crash, never doubles anything.
import type { PatientRow } from '../domain/extraction/patient-row.ts';
import type { SnapshotDiff, StatisticsSnapshot } from '../domain/stats/snapshot.ts';
import type { VerificationStore } from './verification-store.ts';

/** How a study came to be included. */
export type InclusionSource = 'screening' | 'manual';

export interface IncludedStudy {
  reviewId: string;
  /** The study's citation id; patient rows name it as their studyId. */
  citationId: string;
  includedAt: string;
  /** The reviewer (or operator) who settled or recorded the inclusion. */
  includedBy: string;
  source: InclusionSource;
  title: string;
  pmid: string | null;
  doi: string | null;
  year: number | null;
  /** A retracted study stays included (the record of it is kept); the protocol decides its patients' fate. */
  retracted: boolean;
  retractedAt: string | null;
  /**
   * Set when the inclusion was withdrawn (included by mistake, found ineligible at a full-text re-check, a
   * duplicate publication): the study stays recorded, with its patient rows, but is pooled no more. Null while
   * included (items written before withdrawals existed read as null).
   */
  withdrawn: StudyWithdrawal | null;
}

/** Who withdrew an inclusion, when, and why (a protocol exclusion reason id, or free text). */
export interface StudyWithdrawal {
  at: string;
  by: string;
  reason: string;
}

export interface StoredPatientRow {
  row: PatientRow;
  /** Where the row came from (the imported file's name). */
  origin: string;
  importedAt: string;
}

export interface StoredSnapshot {
  snapshot: StatisticsSnapshot;
  /** What changed since the previous version; null for version 1. */
  diff: SnapshotDiff | null;
  /** How the adapter stored it (for the benchmark and the README): JSON size, stored size, items used. */
  storage: { jsonBytes: number; storedBytes: number; items: number };
}

export interface EvidenceStore {
  /**
   * The logs of the rows' extraction verification (who extracted, confirmed, flagged and resolved what): the
   * statistics read them whenever the protocol declares verification.
   */
  readonly verification: VerificationStore;
  /**
   * Records an inclusion unless the study is already included (a conditional put): `created` is false when it
   * was, and `study` is then the inclusion as first recorded.
   */
  includeStudy(study: IncludedStudy): Promise<{ created: boolean; study: IncludedStudy }>;
  getIncludedStudy(reviewId: string, citationId: string): Promise<IncludedStudy | null>;
  /** Every included study of the review, retracted ones too, by citation id. */
  listIncludedStudies(reviewId: string): Promise<IncludedStudy[]>;
  /** Flags an included study as retracted; false (nothing written) when it was already flagged. */
  markStudyRetracted(reviewId: string, citationId: string, retractedAt: string): Promise<boolean>;
  /**
   * Sets the study's withdrawal unless one is set already (a conditional update): `changed` is false when it
   * was, and `study` then holds the first withdrawal. Null when the study is not included (nothing written).
   */
  withdrawStudy(
    reviewId: string,
    citationId: string,
    withdrawal: StudyWithdrawal,
  ): Promise<{ changed: boolean; study: IncludedStudy } | null>;

  /** Every patient row of the review (strongly consistent). */
  listPatientRows(reviewId: string): Promise<StoredPatientRow[]>;
  /** Writes rows; a row with the same study and patient id is replaced (so a repeated write is harmless). */
  putPatientRows(reviewId: string, rows: readonly StoredPatientRow[]): Promise<void>;
  /** Deletes rows by study and patient id (absent rows are fine). */
  deletePatientRows(reviewId: string, keys: readonly { studyId: string; patientId: string }[]): Promise<void>;

  /** The version the "latest" pointer names; 0 when no snapshot was stored yet. */
  latestSnapshotVersion(reviewId: string): Promise<number>;
  getSnapshot(reviewId: string, version: number): Promise<StoredSnapshot | null>;
  /**
   * Stores `snapshot` at snapshot.version if no snapshot holds that version yet (a conditional put). Returns
   * false, writing nothing visible, when another writer stored that version first.
   */
  putSnapshot(reviewId: string, snapshot: StatisticsSnapshot, diff: SnapshotDiff | null): Promise<boolean>;
  /**
   * Moves the "latest" pointer from `from` to `to` (a conditional update on version = from; from = 0 means
   * "no pointer yet"). False when the pointer was not at `from` (someone moved it already).
   */
  advanceLatestSnapshot(reviewId: string, from: number, to: number): Promise<boolean>;
  /** The stored versions, oldest first (without their bodies). */
  listSnapshotVersions(reviewId: string): Promise<{ version: number; generatedAt: string }[]>;
}
