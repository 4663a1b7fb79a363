// Citation watch over OpenAlex, as the run source "citations-openalex" (needs an api key: without one the
// composition root leaves it out, and Europe PMC's watch runs alone).
//
// 1. The included studies are found in OpenAlex by PMID (filter pmid:a|b|..., 50 a call), those without a
//    PMID by DOI; each answer carries the work's id and its referenced_works.
// 2. Forward, every run: the works citing any study (filter cites:W1|...|W50) created in the run's window
//    (from_created_date / to_created_date); each work's referenced_works say which of the studies it cites.
// 3. Once per newly included study (a seed): every work citing it, whatever its date, and its references
//    (its referenced_works, read 50 a call with filter openalex:W1|...). A 'seeded' event follows.
//
// Every list is paged with cursors to its end and reconciled with meta.count: a work twice, a cursor that
// repeats, or fewer works than counted fails the run. Cost: a weekly run for 50 included studies is about 3
// list calls ($0.0003 of the $1 daily budget); the run ends with the budget OpenAlex stated.
import {
  notWatchedWarning,
  type StudyRelation,
  type WatchedStudy,
  watchedStudies,
} from '../../domain/watch/study-relation.ts';
import type { SearchEvent, SearchWindow } from '../../ports/literature-source.ts';
import type { CitationWatchRequest, CitationWatchSource } from '../../ports/watch-sources.ts';
import { reconciledPages } from '../http/reconciled-pages.ts';
import { describeBudget, MAX_OPENALEX_PER_PAGE, type OpenAlexApi, OpenAlexError } from './openalex-client.ts';
import { citationFromOpenAlex, type OpenAlexWork, openAlexId } from './openalex-work.ts';

export const CITATIONS_OPENALEX = 'citations-openalex';
/** Values OR-ed in one filter (OpenAlex allows up to 100; 50 keeps URLs short). */
const IDS_PER_FILTER = 50;
const RESOLVE_FIELDS = ['id', 'ids', 'doi', 'referenced_works'];

interface Resolved {
  workId: string;
  references: string[];
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += size) out.push(items.slice(start, start + size));
  return out;
}

export class OpenAlexCitationWatch implements CitationWatchSource {
  readonly name = CITATIONS_OPENALEX;
  private readonly perPage: number;

  constructor(
    private readonly client: OpenAlexApi,
    options: { perPage?: number } = {},
  ) {
    this.perPage = options.perPage ?? MAX_OPENALEX_PER_PAGE;
  }

  requestCounts(): Record<string, number> {
    return this.client.requestCounts?.() ?? {};
  }

  async *watch(
    request: CitationWatchRequest,
    options: { signal?: AbortSignal } = {},
  ): AsyncGenerator<SearchEvent, void, undefined> {
    const { window, seeds } = request;
    const signal = options.signal;
    const all = watchedStudies(request);
    const resolved = await this.resolve(all, signal);
    const missing = all.filter((s) => !resolved.has(s.citationId));
    if (missing.length > 0) {
      yield { type: 'warning', message: notWatchedWarning('OpenAlex', 'no PMID or DOI it knows', missing) };
    }
    const studyOf = new Map([...resolved].map(([citationId, r]) => [r.workId, citationId] as const));
    const cited = (studies: readonly WatchedStudy[]) =>
      studies.flatMap((s) => {
        const r = resolved.get(s.citationId);
        return r ? [r.workId] : [];
      });

    // Forward: works created in the window citing any study.
    for (const chunk of chunks(cited(request.studies), IDS_PER_FILTER)) {
      const filter = `cites:${chunk.join('|')},from_created_date:${window.from},to_created_date:${window.to}`;
      yield* this.list(filter, window, signal, (work) => citesOf(work, chunk, studyOf));
    }
    // Seeds: every work citing them, and their references.
    const seeded = seeds.filter((s) => resolved.has(s.citationId));
    for (const chunk of chunks(cited(seeded), IDS_PER_FILTER)) {
      yield* this.list(`cites:${chunk.join('|')}`, window, signal, (work) => citesOf(work, chunk, studyOf));
    }
    for (const seed of seeded) {
      const references = [...new Set(resolved.get(seed.citationId)!.references.map(openAlexId))];
      const relation: StudyRelation = { studyId: seed.citationId, direction: 'cited-by' };
      for (const chunk of chunks(references, IDS_PER_FILTER)) {
        yield* this.list(`openalex:${chunk.join('|')}`, window, signal, () => [relation]);
      }
    }
    if (seeded.length > 0) yield { type: 'seeded', studyIds: seeded.map((s) => s.citationId) };
    const budget = this.client.budget;
    if (budget) yield { type: 'warning', message: `OpenAlex budget: ${describeBudget(budget)}` };
  }

  /** Each study's OpenAlex work (id and references), by PMID, else by DOI. */
  private async resolve(
    studies: readonly WatchedStudy[],
    signal?: AbortSignal,
  ): Promise<Map<string, Resolved>> {
    const found = new Map<string, Resolved>();
    const byPmid = new Map(studies.filter((s) => s.pmid).map((s) => [s.pmid!, s.citationId]));
    const byDoi = new Map(studies.filter((s) => !s.pmid && s.doi).map((s) => [s.doi!, s.citationId]));
    const lookups: [string, Map<string, string>, (work: OpenAlexWork) => string | null][] = [
      ['pmid', byPmid, (w) => (w.ids?.pmid ? openAlexId(w.ids.pmid) : null)],
      [
        'doi',
        byDoi,
        (w) => (w.doi ?? w.ids?.doi ?? '').replace(/^https?:\/\/doi\.org\//i, '').toLowerCase() || null,
      ],
    ];
    for (const [field, wanted, keyOf] of lookups) {
      for (const chunk of chunks([...wanted.keys()], IDS_PER_FILTER)) {
        for await (const page of this.pages(`${field}:${chunk.join('|')}`, signal, RESOLVE_FIELDS)) {
          for (const work of page.items) {
            const studyId = wanted.get(keyOf(work) ?? '');
            if (studyId && !found.has(studyId)) {
              found.set(studyId, { workId: openAlexId(work.id), references: work.referenced_works ?? [] });
            }
          }
        }
      }
    }
    return found;
  }

  /** The works of one filter as events: 'searched' with OpenAlex's count, then a batch per page. */
  private async *list(
    filter: string,
    window: SearchWindow,
    signal: AbortSignal | undefined,
    relationsOf: (work: OpenAlexWork) => StudyRelation[],
  ): AsyncGenerator<SearchEvent, void, undefined> {
    let first = true;
    for await (const page of this.pages(filter, signal)) {
      if (first) {
        first = false;
        yield {
          type: 'searched',
          window,
          count: page.count,
          queryTranslation: `filter=${filter}`,
          warnings: [],
        };
      }
      if (page.items.length > 0) {
        yield {
          type: 'batch',
          window,
          citations: page.items.map((work) => citationFromOpenAlex(work, this.name)),
          deletedIds: [],
          relations: page.items.map(relationsOf),
        };
      }
    }
  }

  /** Every page of one filter, reconciled with its count (../http/reconciled-pages.ts). */
  private pages(filter: string, signal: AbortSignal | undefined, select?: readonly string[]) {
    const label = `${this.name}: filter ${filter.length > 120 ? `${filter.slice(0, 120)}...` : filter}`;
    return reconciledPages<OpenAlexWork>({
      first: '*',
      fetch: async (cursor) => {
        try {
          const page = await this.client.listWorks(
            { filter, cursor: cursor ?? '*', perPage: this.perPage, ...(select ? { select } : {}) },
            signal ? { signal } : {},
          );
          return { count: page.count, next: page.nextCursor, items: page.results };
        } catch (error) {
          if (error instanceof OpenAlexError) {
            throw new OpenAlexError(`${label}: ${error.message}`, {
              cause: error,
              retryable: error.retryable,
            });
          }
          throw error;
        }
      },
      idOf: (work) => openAlexId(work.id),
      noun: { one: 'work', many: 'works' },
      service: 'OpenAlex',
      fail: (message) => new OpenAlexError(`${label}: ${message}`, { retryable: true }),
    });
  }
}

/** The studies of `chunk` a citing work lists among its references. */
function citesOf(
  work: OpenAlexWork,
  chunk: readonly string[],
  studyOf: Map<string, string>,
): StudyRelation[] {
  const references = new Set((work.referenced_works ?? []).map(openAlexId));
  return chunk
    .filter((id) => references.has(id))
    .map((id) => ({ studyId: studyOf.get(id)!, direction: 'cites' as const }));
}
