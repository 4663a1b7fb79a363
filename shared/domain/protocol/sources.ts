// What each source a protocol lists becomes when the review is searched (shared/app/search-review.ts): one run
// per run source, each with its own run log and watermark, so one failing never holds up another.
//
// | protocol entry | runs | kind |
// |---|---|---|
// | pubmed, europepmc, preprints | one, named as the entry | literature: windowed searches, records screened (preprints: with bioRxiv/medRxiv's published-version links unless `biorxiv: false`) |
// | citations (via europepmc, openalex) | citations-europepmc, citations-openalex | citation watch: records screened, with the included study each relates to |
// | clinicaltrials | clinicaltrials | registry: ongoing studies, listed apart, not screened |
// | crossref | none: the retraction watch reads it | |
import type { Protocol, SourceEntry } from './protocol.ts';

export type RunKind = 'literature' | 'citation-watch' | 'registry';

export interface PlannedRun {
  /** The run log's and the watermark's source name. */
  source: string;
  kind: RunKind;
  entry: SourceEntry;
}

/** Run sources of the citation watch start with this: PRISMA counts them as "other methods". */
export const CITATION_WATCH_PREFIX = 'citations-';

export function plannedRuns(protocol: Pick<Protocol, 'sources'>): PlannedRun[] {
  return protocol.sources.flatMap((entry): PlannedRun[] => {
    if (entry.name === 'citations') {
      return [...new Set(entry.via)].map((via) => ({
        source: `${CITATION_WATCH_PREFIX}${via}`,
        kind: 'citation-watch' as const,
        entry,
      }));
    }
    if (entry.name === 'clinicaltrials') return [{ source: entry.name, kind: 'registry', entry }];
    if (entry.name === 'crossref') return [];
    return [{ source: entry.name, kind: 'literature', entry }];
  });
}

/** Records found by chasing citations: PRISMA 2020's "identified from other methods (citation searching)". */
export function isCitationSearching(source: string): boolean {
  return source.startsWith(CITATION_WATCH_PREFIX);
}

/** Runs whose results are registrations, not records to screen (left out of PRISMA and the search counts). */
export function isRegistrySource(source: string): boolean {
  return source === 'clinicaltrials';
}

/** Whether the retraction watch also asks Crossref about the included studies' DOIs. */
export function watchesCrossref(protocol: Pick<Protocol, 'sources'>): boolean {
  return protocol.sources.some((entry) => entry.name === 'crossref');
}

/** Whether some protocol's preprints source asks bioRxiv/medRxiv for published versions (on unless false). */
export function wantsBiorxiv(protocols: readonly Pick<Protocol, 'sources'>[]): boolean {
  return protocols.some((p) =>
    p.sources.some((entry) => entry.name === 'preprints' && entry.biorxiv !== false),
  );
}
