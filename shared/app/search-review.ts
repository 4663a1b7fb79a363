// Use case: search every source of one review: the `search` command, the `run` command (through runMonitor)
// and the search function all call this.
//
// Primary course, for each run the protocol's sources plan (domain/protocol/sources.ts), in order:
//   1. A source the composition root could not build (OpenAlex without an api key) is skipped, saying why.
//   2. Unless an explicit window or `force` is given, a run that succeeded since the schedule's latest time is
//      not due (a second delivery of the same schedule searches nothing twice).
//   3. The run itself (run-search.ts): a literature source searches the window; the citation watch reads the
//      included studies (withdrawn ones left out) and its seed markers, and watches those studies; a registry
//      searches its conditions. Each run has its own run log and watermark.
//   4. The preprints source also looks up again the preprints it stored while no published version was known:
//      one Europe PMC now links (PMID), or bioRxiv/medRxiv's published-article data now names (DOI), is
//      recorded again under the published version's keys, so the published version, whenever it arrives, joins
//      it as a duplicate. If the published version was stored first as a citation of its own (the store never
//      merges two stored citations), the pair goes to the possible-duplicate queue. A failing bioRxiv/medRxiv
//      only leaves its preprints pending (a warning in the run log); Europe PMC's run goes on.
// One source failing never stops the next: its result says why, its run log holds the error, its watermark
// stays. A source whose allowance for today is used up (AllowanceExhaustedError) is 'deferred', not failed:
// the next scheduled run reads the window again.

import type { Citation } from '../domain/citation/citation.ts';
import {
  linksPublishedVersion,
  PUBLISHED_VERSION_LINK,
  publishedVersionDoi,
  publishedVersionPmid,
} from '../domain/citation/citation-keys.ts';
import type { Protocol } from '../domain/protocol/protocol.ts';
import { nextOccurrence, parseCron, previousOccurrence } from '../domain/protocol/schedule.ts';
import { type PlannedRun, plannedRuns } from '../domain/protocol/sources.ts';
import type { WatchedStudy } from '../domain/watch/study-relation.ts';
import { AllowanceExhaustedError, errorMessage, hasCause } from '../errors.ts';
import type { CitationStore, RunLog } from '../ports/citation-store.ts';
import type { EvidenceStore } from '../ports/evidence-store.ts';
import type { LiteratureSource, SearchEvent, SearchWindow } from '../ports/literature-source.ts';
import type { PublishedVersion, PublishedVersionLookup } from '../ports/published-versions.ts';
import type { CitationWatchSource, TrialRegistry, UnavailableSource } from '../ports/watch-sources.ts';
import { RunFailedError, type RunSearchDeps, runSearch } from './run-search.ts';

/** Whatever a run source is built as (the composition root decides which it can build). */
export type ReviewSource = LiteratureSource | CitationWatchSource | TrialRegistry | UnavailableSource;

export type SourceRunResult =
  | { reviewId: string; source: string; status: 'succeeded'; run: RunLog }
  | { reviewId: string; source: string; status: 'failed'; error: string; run: RunLog | null }
  /** The source's allowance for today is used up: the run log says so, the window is read again next time. */
  | { reviewId: string; source: string; status: 'deferred'; error: string; run: RunLog | null }
  | { reviewId: string; source: string; status: 'not-due'; lastRunAt: string; nextDueAt: string | null }
  | { reviewId: string; source: string; status: 'skipped'; reason: string };

export interface SearchReviewDeps extends Omit<RunSearchDeps, 'source'> {
  /** The run sources by name (pubmed, europepmc, preprints, citations-europepmc, citations-openalex, ...). */
  sources: Readonly<Record<string, ReviewSource>>;
  /** The included studies the citation watch follows (needed when the protocol lists `citations`). */
  evidence?: Pick<EvidenceStore, 'listIncludedStudies'>;
}

export interface SearchReviewRequest {
  protocol: Protocol;
  /** An explicit window: every source searches it now, due or not. */
  window?: SearchWindow;
  /** Search every source now, over its scheduled window. */
  force?: boolean;
}

/**
 * The last successful run of a review's source. A review is due for a source when no successful run has
 * started since the latest scheduled time; one that has never run is due at once, so a fresh install catches
 * up from the protocol's monitoring start.
 */
async function lastSuccessfulRun(
  store: Pick<CitationStore, 'listRunLogs'>,
  reviewId: string,
  source: string,
): Promise<RunLog | null> {
  const runs = await store.listRunLogs(reviewId, { limit: 50 });
  return runs.find((run) => run.source === source && run.outcome === 'succeeded') ?? null;
}

function isUnavailable(source: ReviewSource): source is UnavailableSource {
  return 'unavailable' in source;
}

/** The preprints source: it can look its stored preprints up again, and may carry bioRxiv/medRxiv's links. */
interface PreprintSource extends LiteratureSource {
  /** The current records of these stored preprints (Europe PMC ids), linked or not. */
  recheckPreprints(
    preprintIds: readonly string[],
    window: SearchWindow,
    options?: { signal?: AbortSignal },
  ): AsyncIterable<SearchEvent>;
  /** The PMIDs of published articles by DOI, where the source knows them. */
  publishedPmids?(dois: readonly string[], options?: { signal?: AbortSignal }): Promise<Map<string, string>>;
  /** bioRxiv/medRxiv's published-article data, when the composition root built it. */
  readonly publishedVersions?: PublishedVersionLookup | undefined;
}

const PREPRINT_RECORD = 'PPR/';
/** The run log's endpoint names for the published-version lookups ("biorxiv:details"). */
const LOOKUP_ENDPOINT_PREFIX = 'biorxiv:';

const preprintIdOf = (citation: Citation) =>
  citation.sourceRecordId.startsWith(PREPRINT_RECORD)
    ? citation.sourceRecordId.slice(PREPRINT_RECORD.length)
    : null;

/**
 * Adds bioRxiv/medRxiv's published version to the preprints Europe PMC has not linked: a PreprintOf link naming
 * the journal article's DOI, and its PMID when Europe PMC holds the article with one (citation-keys.ts keys the
 * preprint by both). A DOI named in an earlier run (`known`, by preprint id) is not asked for again; only its
 * PMID is looked up, until Europe PMC has it. The first bioRxiv/medRxiv failure stops its lookups for the rest
 * of the run: the preprints not asked stay pending and are asked again next run, and `failure()` says so for
 * the run log. One lookup at a time (the client keeps to the server's rate).
 */
function publishedVersionLinker(
  lookup: PublishedVersionLookup,
  source: PreprintSource,
  known: ReadonlyMap<string, string>,
) {
  let failed: { error: unknown; skipped: Set<string> } | null = null;
  // A preprint in both the window (its overlap days) and the pending list is asked about once a run.
  const answers = new Map<string, PublishedVersion | null>();
  const publishedDoiOf = async (citation: Citation, signal?: AbortSignal) => {
    const named = known.get(preprintIdOf(citation)!);
    if (named) return { doi: named, by: lookup.name };
    const doi = citation.doi!;
    if (!answers.has(doi)) {
      if (failed) {
        failed.skipped.add(doi);
        return null;
      }
      try {
        answers.set(doi, await lookup.publishedVersion(doi, signal ? { signal } : {}));
      } catch (error) {
        if (signal?.aborted) throw error;
        failed = { error, skipped: new Set([doi]) };
        return null;
      }
    }
    const answer = answers.get(doi);
    return answer ? { doi: answer.publishedDoi, by: `${answer.server} published-article data` } : null;
  };
  return {
    async link(citations: readonly Citation[], signal?: AbortSignal): Promise<Citation[]> {
      const found = new Map<number, { doi: string; by: string }>();
      for (const [index, citation] of citations.entries()) {
        const asked =
          preprintIdOf(citation) !== null &&
          !linksPublishedVersion(citation) &&
          citation.doi !== null &&
          lookup.holds(citation.doi);
        const published = asked ? await publishedDoiOf(citation, signal) : null;
        if (published) found.set(index, published);
      }
      if (found.size === 0) return [...citations];
      const dois = [...new Set([...found.values()].map((f) => f.doi))];
      const pmids = (await source.publishedPmids?.(dois, signal ? { signal } : {})) ?? new Map();
      return citations.map((citation, index) => {
        const published = found.get(index);
        if (!published) return citation;
        const link = {
          type: PUBLISHED_VERSION_LINK,
          pmid: pmids.get(published.doi) ?? null,
          doi: published.doi,
          refSource: published.by,
        };
        return { ...citation, links: [...citation.links, link] };
      });
    },
    failure(): string | null {
      if (!failed) return null;
      const skipped = failed.skipped.size;
      return `${lookup.name} failed, so ${skipped} preprint${skipped === 1 ? ' was' : 's were'} not looked up for a published version (they stay pending and are asked again next run): ${errorMessage(failed.error)}`;
    },
  };
}

/** `counts` with each endpoint named as the lookup's ("details" -> "biorxiv:details"). */
function lookupCounts(lookup: PublishedVersionLookup | null): Record<string, number> {
  const counts = lookup?.requestCounts?.() ?? {};
  return Object.fromEntries(Object.entries(counts).map(([k, n]) => [`${LOOKUP_ENDPOINT_PREFIX}${k}`, n]));
}

/**
 * The preprints source's run: the window, then the pending preprints looked up again; each preprint stored is
 * remembered as pending or linked (and a published version already stored apart is queued as a possible
 * duplicate of it). With bioRxiv/medRxiv (the protocol's `biorxiv`, on unless false), the preprints Europe PMC
 * has not linked are asked about there too, in the window and among the pending ones.
 */
async function preprintsRun(
  protocol: Protocol,
  source: PreprintSource,
  entry: PlannedRun['entry'],
  deps: SearchReviewDeps,
): Promise<{ source: LiteratureSource; afterRecord: NonNullable<RunSearchDeps['afterRecord']> }> {
  const watch = deps.watch!;
  const pending = new Map((await watch.pendingPreprints(protocol.id)).map((p) => [p.preprintId, p]));
  const lookup =
    entry.name === 'preprints' && entry.biorxiv !== false ? (source.publishedVersions ?? null) : null;
  const named = new Map(
    [...pending.values()].flatMap((p) => (p.publishedDoi ? [[p.preprintId, p.publishedDoi] as const] : [])),
  );
  return {
    source: {
      name: source.name,
      search: async function* (query, window, options) {
        const linker = lookup ? publishedVersionLinker(lookup, source, named) : null;
        const withLinks = async (event: SearchEvent): Promise<SearchEvent> =>
          linker && event.type === 'batch'
            ? { ...event, citations: await linker.link(event.citations, options?.signal) }
            : event;
        for await (const event of source.search(query, window, options)) yield await withLinks(event);
        if (pending.size > 0) {
          for await (const event of source.recheckPreprints([...pending.keys()], window, options)) {
            const current = await withLinks(event);
            if (current.type !== 'batch') {
              yield current;
              continue;
            }
            // Only a preprint now linked is recorded again (under its published version's keys).
            const linked = current.citations.filter(linksPublishedVersion);
            if (linked.length > 0) yield { ...current, citations: linked };
          }
        }
        const failure = linker?.failure();
        if (failure) yield { type: 'warning', message: failure };
      },
      requestCounts: () => ({ ...(source.requestCounts?.() ?? {}), ...lookupCounts(lookup) }),
    },
    afterRecord: async (citation, outcome) => {
      const preprintId = preprintIdOf(citation);
      if (preprintId === null) return;
      const publishedPmid = publishedVersionPmid(citation);
      const publishedDoi = publishedVersionDoi(citation);
      const stored = pending.get(preprintId);
      const at = deps.clock().toISOString();
      if ((publishedPmid || publishedDoi) && stored && outcome.citationId !== stored.citationId) {
        const by = citation.links.find((l) => l.type === PUBLISHED_VERSION_LINK && l.doi)
          ? 'bioRxiv/medRxiv link'
          : 'Europe PMC links';
        const ids = [publishedPmid && `PMID ${publishedPmid}`, publishedDoi && `DOI ${publishedDoi}`];
        await deps.dedup?.possibleDuplicates.recordPossibleDuplicate(protocol.id, {
          citationId: outcome.citationId,
          twinId: stored.citationId,
          reason: `${by} preprint ${preprintId} to its published version, ${ids.filter(Boolean).join(', ')}`,
          score: 1,
          foundAt: at,
        });
      }
      await watch.recordPreprint({
        reviewId: protocol.id,
        preprintId,
        citationId: stored?.citationId ?? outcome.citationId,
        publishedPmid,
        publishedDoi,
        at,
      });
    },
  };
}

/** The run source as something runSearch can stream (a literature source, or a watch/registry adapted). */
async function runnable(
  protocol: Protocol,
  planned: PlannedRun,
  source: Exclude<ReviewSource, UnavailableSource>,
  deps: SearchReviewDeps,
): Promise<{ source: LiteratureSource; query?: string; afterRecord?: RunSearchDeps['afterRecord'] }> {
  if (planned.source === 'preprints' && 'recheckPreprints' in source && deps.watch) {
    return preprintsRun(protocol, source as PreprintSource, planned.entry, deps);
  }
  if (planned.kind === 'literature' && 'search' in source) return { source };
  if (planned.kind === 'registry' && 'registrations' in source && planned.entry.name === 'clinicaltrials') {
    const query = { conditions: planned.entry.conditions, term: planned.entry.query ?? null };
    return {
      source: {
        name: source.name,
        search: (_query, window, options) => source.registrations(query, window, options),
        ...(source.requestCounts ? { requestCounts: () => source.requestCounts!() } : {}),
      },
      query: `conditions: ${query.conditions.join(' OR ')}${query.term ? `; term: ${query.term}` : ''}`,
    };
  }
  if (planned.kind === 'citation-watch' && 'watch' in source && planned.entry.name === 'citations') {
    if (!deps.evidence || !deps.watch) {
      throw new RunSetupError(`${planned.source} needs the evidence and citation watch stores`);
    }
    const included = (await deps.evidence.listIncludedStudies(protocol.id)).filter((s) => !s.withdrawn);
    const seeded = await deps.watch.seededStudies(protocol.id, planned.source);
    const watched = (s: (typeof included)[number]): WatchedStudy => ({
      citationId: s.citationId,
      title: s.title,
      pmid: s.pmid,
      doi: s.doi,
    });
    const seedAll = planned.entry.seed === 'all';
    const studies = included.map(watched);
    const seeds = included
      .filter((s) => (seedAll || s.source === 'screening') && !seeded.has(s.citationId))
      .map(watched);
    return {
      source: {
        name: source.name,
        search: (_query, window, options) => source.watch({ studies, seeds, window }, options),
        ...(source.requestCounts ? { requestCounts: () => source.requestCounts!() } : {}),
      },
      query: `works citing ${studies.length} included ${studies.length === 1 ? 'study' : 'studies'}${
        seeds.length ? `; references and all citing works of ${seeds.length} newly included` : ''
      }`,
    };
  }
  throw new RunSetupError(`"${planned.source}" is not built as a ${planned.kind} source`);
}

/** The run could not be set up (a source wired as the wrong kind, a store missing): a programming error. */
class RunSetupError extends Error {}

export async function searchReview(
  request: SearchReviewRequest,
  deps: SearchReviewDeps,
): Promise<SourceRunResult[]> {
  const { protocol } = request;
  const results: SourceRunResult[] = [];
  const now = deps.clock();
  for (const planned of plannedRuns(protocol)) {
    const name = planned.source;
    const source = deps.sources[name];
    if (!source) {
      results.push({ reviewId: protocol.id, source: name, status: 'skipped', reason: `no "${name}" source` });
      continue;
    }
    if (isUnavailable(source)) {
      results.push({ reviewId: protocol.id, source: name, status: 'skipped', reason: source.unavailable });
      continue;
    }
    if (!request.window && !request.force) {
      const last = await lastSuccessfulRun(deps.store, protocol.id, name);
      const schedule = parseCron(protocol.schedule.cron);
      const scheduled = previousOccurrence(schedule, now);
      if (last && scheduled && new Date(last.startedAt) >= scheduled) {
        results.push({
          reviewId: protocol.id,
          source: name,
          status: 'not-due',
          lastRunAt: last.startedAt,
          nextDueAt: nextOccurrence(schedule, now)?.toISOString() ?? null,
        });
        continue;
      }
    }
    try {
      const run = await runnable(protocol, planned, source, deps);
      const done = await runSearch(
        {
          protocol,
          ...(request.window ? { window: request.window } : {}),
          ...(run.query ? { query: run.query } : {}),
          ...(planned.kind === 'registry' ? { registry: true } : {}),
        },
        { ...deps, source: run.source, ...(run.afterRecord ? { afterRecord: run.afterRecord } : {}) },
      );
      results.push({ reviewId: protocol.id, source: name, status: 'succeeded', run: done });
    } catch (error) {
      if (error instanceof RunSetupError) throw error;
      // One source's failure must not stop the others; the caller reports every failure.
      const run = error instanceof RunFailedError ? error.run : null;
      results.push({
        reviewId: protocol.id,
        source: name,
        status: hasCause(error, AllowanceExhaustedError) ? 'deferred' : 'failed',
        error: errorMessage(error),
        run,
      });
    }
  }
  return results;
}
