// Citation watch: how a found record relates to the review's included studies. A record found by chasing
// citations is screened like any other; what it is kept with is the provenance of how it was found: which
// included study it cites (forward: a newer work citing the study) or which study cites it (backward: one of
// the study's references), and through which source.
export type RelationDirection = 'cites' | 'cited-by';

/** One link between a found record and an included study, as a source reported it. */
export interface StudyRelation {
  /** The included study's citation id. */
  studyId: string;
  /** 'cites': the found record cites the study; 'cited-by': the study cites the found record. */
  direction: RelationDirection;
}

/** An included study as the citation watch reads it: its identifiers, to find it in each source. */
export interface WatchedStudy {
  citationId: string;
  title: string;
  pmid: string | null;
  doi: string | null;
}

/** "cites <title>" / "in the references of <title>", for the digest and the report. */
export function describeRelation(direction: RelationDirection, studyTitle: string): string {
  return direction === 'cites' ? `cites ${studyTitle}` : `in the references of ${studyTitle}`;
}

/** Every study the citation watch follows this run: the included ones, and the new ones to seed, each once. */
export function watchedStudies(request: {
  studies: readonly WatchedStudy[];
  seeds: readonly WatchedStudy[];
}): WatchedStudy[] {
  return [...new Map([...request.studies, ...request.seeds].map((s) => [s.citationId, s])).values()];
}

/** The run log's line naming the included studies a service could not find (so they are not watched there). */
export function notWatchedWarning(service: string, why: string, missing: readonly WatchedStudy[]): string {
  return `${missing.length} included ${missing.length === 1 ? 'study is' : 'studies are'} not in ${service} (${why}), not watched there: ${missing
    .map((s) => s.title.slice(0, 60))
    .join('; ')}`;
}
