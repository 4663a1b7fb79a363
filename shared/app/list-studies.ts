// Use case: a review's included studies as a team knows them: who wrote each, when, its PMID or DOI, how many
// patient rows it has, and where it stands (pooled, retracted, withdrawn). Read-only; `living-review studies`.
import { formatAuthors } from '../domain/digest/digest.ts';
import type { StoredCitation } from '../ports/citation-store.ts';
import type { EvidenceStore, IncludedStudy } from '../ports/evidence-store.ts';

/** Where an included study stands: a withdrawal outranks a retraction (it is the team's own decision). */
export type StudyState = 'included' | 'retracted' | 'withdrawn';

export interface StudyListing {
  study: IncludedStudy;
  /** "Smith J" (Vancouver style), or the collective name; null when the record names no author. */
  firstAuthor: string | null;
  /** Patient rows stored for the study (withdrawn or retracted ones too: they stay stored). */
  patients: number;
  state: StudyState;
}

export interface ListStudiesDeps {
  evidence: Pick<EvidenceStore, 'listIncludedStudies' | 'listPatientRows'>;
  citations: { getCitation(reviewId: string, citationId: string): Promise<StoredCitation | null> };
}

export function studyState(study: IncludedStudy): StudyState {
  if (study.withdrawn) return 'withdrawn';
  return study.retracted ? 'retracted' : 'included';
}

/** Every included study of the review, by first author, then year, then id. */
export async function listStudies(reviewId: string, deps: ListStudiesDeps): Promise<StudyListing[]> {
  const [studies, rows] = await Promise.all([
    deps.evidence.listIncludedStudies(reviewId),
    deps.evidence.listPatientRows(reviewId),
  ]);
  const patients = new Map<string, number>();
  for (const { row } of rows) patients.set(row.studyId, (patients.get(row.studyId) ?? 0) + 1);
  const listings = await Promise.all(
    studies.map(async (study): Promise<StudyListing> => {
      const stored = await deps.citations.getCitation(reviewId, study.citationId);
      const authors = stored?.citation.authors ?? [];
      return {
        study,
        firstAuthor: authors.length > 0 ? formatAuthors(authors.slice(0, 1)) : null,
        patients: patients.get(study.citationId) ?? 0,
        state: studyState(study),
      };
    }),
  );
  const text = (value: string | null) => (value ?? '').toLocaleLowerCase('en');
  return listings.sort(
    (a, b) =>
      text(a.firstAuthor).localeCompare(text(b.firstAuthor), 'en') ||
      (a.study.year ?? 0) - (b.study.year ?? 0) ||
      a.study.citationId.localeCompare(b.study.citationId),
  );
}
