// Port: what the citation watch and the trial registries keep between runs, beside the citations themselves:
// how each record found by chasing citations relates to the included studies (and through which sources), which
// newly included studies have had their one-off seed (reference list and every citing work), and the ongoing
// studies a registry reported. Implemented over the single DynamoDB table (shared/adapters/dynamodb/
// watch-store.ts), so the embedded store serves it as well. Every write is idempotent.
import type { RelationDirection } from '../domain/watch/study-relation.ts';
import type { TrialRegistration } from '../domain/watch/trial-registration.ts';

export interface StoredRelation {
  reviewId: string;
  /** The found record's citation (the one the store filed it under). */
  citationId: string;
  studyId: string;
  direction: RelationDirection;
  /** Every source that reported this relation, e.g. ["citations-europepmc", "citations-openalex"]. */
  sources: string[];
  firstFoundAt: string;
}

export interface CitationWatchStore {
  /** Records that `source` reported the relation; a relation seen before only gains the source. */
  recordRelation(relation: {
    reviewId: string;
    citationId: string;
    studyId: string;
    direction: RelationDirection;
    source: string;
    foundAt: string;
  }): Promise<void>;
  /** Every relation of the review. */
  listRelations(reviewId: string): Promise<StoredRelation[]>;
  /** The included studies `source` has seeded (their one-off reference list and citing works are stored). */
  seededStudies(reviewId: string, source: string): Promise<Set<string>>;
  /** Marks studies seeded by `source` (a marker per study; marking again changes nothing). */
  markSeeded(reviewId: string, source: string, studyIds: readonly string[], at: string): Promise<void>;
  /**
   * Records a preprint the preprints source stored: 'pending' while no published version is known (it is
   * looked up again each run), 'linked' once the published version's PMID is known (from Europe PMC's link,
   * or from Europe PMC's record of the DOI bioRxiv/medRxiv named). A pending one may already carry that DOI. A linked preprint stays linked.
   */
  recordPreprint(preprint: StoredPreprint): Promise<void>;
  /** The preprints still waiting for their published version. */
  pendingPreprints(reviewId: string): Promise<StoredPreprint[]>;
}

export interface StoredPreprint {
  reviewId: string;
  /** Europe PMC's id of the preprint, e.g. "PPR123456". */
  preprintId: string;
  /** The citation the preprint was stored as. */
  citationId: string;
  /** The published version's PMID once Europe PMC links it; null while pending. */
  publishedPmid: string | null;
  /** The published version's DOI once bioRxiv/medRxiv name it; null while pending. */
  publishedDoi: string | null;
  at: string;
}

export interface StoredRegistration {
  reviewId: string;
  registration: TrialRegistration;
  firstSeenAt: string;
  /** When a newer version of the registration (a later lastUpdatePosted) was last stored; null if never. */
  updatedAt: string | null;
}

export type RegistrationOutcome = 'new' | 'updated' | 'unchanged';

export interface OngoingStudyStore {
  /**
   * Stores a registration the first time it is seen ('new'), replaces it when the registry posted a later
   * update ('updated'), and leaves it otherwise ('unchanged'): reading a window again changes nothing.
   */
  recordRegistration(
    reviewId: string,
    registration: TrialRegistration,
    now: Date,
  ): Promise<RegistrationOutcome>;
  /** Every registration of the review, by registry id. */
  listRegistrations(reviewId: string): Promise<StoredRegistration[]>;
}
