// Citation watch over Europe PMC's citation network (free, no key), as the run source "citations-europepmc".
//
// 1. Each included study is found in Europe PMC: MED/<PMID> when it has a PMID, else by its DOI (one search
//    for up to 20 DOIs). A study found neither way is named in a warning and not watched here.
// 2. Forward, every run: for each study, the works citing it (search's CITES:<id>_<SRC>, the citation network
//    the /citations endpoint lists, as full core records) first indexed in the run's window (FIRST_IDATE). One
//    query per study, so each record is known to cite that study.
// 3. Once per newly included study (a seed): every work citing it, whatever its date, and its reference list
//    (the /references endpoint, paged). References Europe PMC matched to a record it holds are read in full
//    (one search per 50 ids of a source); the others are kept as what the reference says (title, authors,
//    journal, year, DOI). A 'seeded' event follows the seed's last batch.
//
// Every query is paged to its end and reconciled (europePmcQueryPages): a page missing, a record twice or a
// cursor that stops advancing fails the run; the reference list is reconciled with its hitCount the same way.
// Requests are the client's, so Europe PMC's polite rate (5/s by default) holds across the run.
import type { Citation } from '../../domain/citation/citation.ts';
import { normaliseDoi } from '../../domain/citation/citation-keys.ts';
import {
  notWatchedWarning,
  type StudyRelation,
  type WatchedStudy,
  watchedStudies,
} from '../../domain/watch/study-relation.ts';
import type { SearchEvent, SearchWindow } from '../../ports/literature-source.ts';
import type { CitationWatchRequest, CitationWatchSource } from '../../ports/watch-sources.ts';
import { type EuropePmcApi, EuropePmcError, MAX_EUROPEPMC_PAGE_SIZE } from './europepmc-client.ts';
import { citationFromEuropePmc, citationFromReference, type EuropePmcReference } from './europepmc-record.ts';
import { checkPageSize, europePmcQueryPages, windowedQuery } from './europepmc-source.ts';

export const CITATIONS_EUROPEPMC = 'citations-europepmc';
/** DOIs looked up per search, and records read per lookup. */
const DOIS_PER_LOOKUP = 20;
const IDS_PER_LOOKUP = 50;

interface EuropePmcId {
  source: string;
  id: string;
}

type Api = EuropePmcApi & Required<Pick<EuropePmcApi, 'references'>>;

export class EuropePmcCitationWatch implements CitationWatchSource {
  readonly name = CITATIONS_EUROPEPMC;
  private readonly pageSize: number;

  constructor(
    private readonly client: Api,
    options: { pageSize?: number } = {},
  ) {
    this.pageSize = checkPageSize(options.pageSize ?? MAX_EUROPEPMC_PAGE_SIZE);
  }

  requestCounts(): Record<string, number> {
    return this.client.requestCounts?.() ?? {};
  }

  async *watch(
    request: CitationWatchRequest,
    options: { signal?: AbortSignal } = {},
  ): AsyncGenerator<SearchEvent, void, undefined> {
    const { window } = request;
    const all = watchedStudies(request);
    const ids = await this.resolve(all, options.signal);
    const missing = all.filter((s) => !ids.has(s.citationId));
    if (missing.length > 0) {
      yield {
        type: 'warning',
        message: notWatchedWarning('Europe PMC', 'no PMID, or a DOI it does not know', missing),
      };
    }
    for (const study of request.studies) {
      const id = ids.get(study.citationId);
      if (!id) continue;
      yield* this.citing(study, id, window, true, options.signal);
    }
    for (const seed of request.seeds) {
      const id = ids.get(seed.citationId);
      if (!id) continue;
      yield* this.citing(seed, id, window, false, options.signal);
      yield* this.references(seed, id, window, options.signal);
      yield { type: 'seeded', studyIds: [seed.citationId] };
    }
  }

  private citation(result: Parameters<typeof citationFromEuropePmc>[0]): Citation {
    return { ...citationFromEuropePmc(result), source: this.name };
  }

  /** Each study's Europe PMC record: MED/<PMID>, else found by DOI. */
  private async resolve(studies: WatchedStudy[], signal?: AbortSignal): Promise<Map<string, EuropePmcId>> {
    const ids = new Map<string, EuropePmcId>();
    const byDoi = new Map<string, WatchedStudy[]>();
    for (const study of studies) {
      if (study.pmid) ids.set(study.citationId, { source: 'MED', id: study.pmid });
      else if (study.doi) byDoi.set(study.doi, [...(byDoi.get(study.doi) ?? []), study]);
    }
    const dois = [...byDoi.keys()];
    for (let start = 0; start < dois.length; start += DOIS_PER_LOOKUP) {
      const chunk = dois.slice(start, start + DOIS_PER_LOOKUP);
      const query = chunk.map((doi) => `DOI:"${doi}"`).join(' OR ');
      for await (const page of europePmcQueryPages(this.client, query, {
        pageSize: this.pageSize,
        label: `${this.name}: looking up ${chunk.length} DOIs`,
        signal,
      })) {
        for (const result of page.results) {
          for (const study of byDoi.get(normaliseDoi(result.doi) ?? '') ?? []) {
            if (!ids.has(study.citationId))
              ids.set(study.citationId, { source: result.source, id: result.id });
          }
        }
      }
    }
    return ids;
  }

  /** The works citing `study`: first indexed in the window (forward), or all of them (a seed). */
  private async *citing(
    study: WatchedStudy,
    id: EuropePmcId,
    window: SearchWindow,
    windowed: boolean,
    signal?: AbortSignal,
  ): AsyncGenerator<SearchEvent, void, undefined> {
    const cites = `CITES:${id.id}_${id.source}`;
    const query = windowed ? windowedQuery(cites, window) : cites;
    const relation: StudyRelation = { studyId: study.citationId, direction: 'cites' };
    let first = true;
    for await (const page of europePmcQueryPages(this.client, query, {
      pageSize: this.pageSize,
      label: `${this.name}: works citing ${id.source}/${id.id}${windowed ? ` (${window.from}..${window.to})` : ''}`,
      signal,
    })) {
      if (first) {
        first = false;
        yield { type: 'searched', window, count: page.hitCount, queryTranslation: query, warnings: [] };
      }
      if (page.results.length > 0) {
        yield {
          type: 'batch',
          window,
          citations: page.results.map((r) => this.citation(r)),
          deletedIds: [],
          relations: page.results.map(() => [relation]),
        };
      }
    }
  }

  /** A seed's reference list: matched references read in full, the others as the reference says. */
  private async *references(
    study: WatchedStudy,
    id: EuropePmcId,
    window: SearchWindow,
    signal?: AbortSignal,
  ): AsyncGenerator<SearchEvent, void, undefined> {
    const label = `${this.name}: references of ${id.source}/${id.id}`;
    const references: EuropePmcReference[] = [];
    let hitCount: number | null = null;
    for (let page = 1; ; page++) {
      let answer: Awaited<ReturnType<Api['references']>>;
      try {
        answer = await this.client.references(
          { source: id.source, id: id.id, page, pageSize: this.pageSize },
          signal ? { signal } : {},
        );
      } catch (error) {
        if (error instanceof EuropePmcError) {
          throw new EuropePmcError(`${label}: ${error.message}`, {
            cause: error,
            retryable: error.retryable,
          });
        }
        throw error;
      }
      if (hitCount === null) hitCount = answer.hitCount;
      else if (answer.hitCount !== hitCount) {
        throw new EuropePmcError(
          `${label}: page ${page} counts ${answer.hitCount} references where the first counted ${hitCount}`,
          { retryable: true },
        );
      }
      references.push(...answer.references);
      if (references.length >= hitCount) break;
      if (answer.references.length < this.pageSize) {
        throw new EuropePmcError(
          `${label}: received ${references.length} of ${hitCount} references (page ${page} was short); the run stops here rather than keep a partial list`,
          { retryable: true },
        );
      }
    }
    if (references.length > (hitCount ?? 0)) {
      throw new EuropePmcError(
        `${label}: received ${references.length} references, more than the ${hitCount} counted`,
        {
          retryable: true,
        },
      );
    }
    yield { type: 'searched', window, count: references.length, queryTranslation: label, warnings: [] };
    const relation: StudyRelation = { studyId: study.citationId, direction: 'cited-by' };
    const matched = new Map<string, EuropePmcReference[]>();
    const citations: Citation[] = [];
    references.forEach((reference, index) => {
      if (reference.match?.toUpperCase() === 'Y' && reference.id && reference.source) {
        const source = reference.source.toUpperCase();
        matched.set(source, [...(matched.get(source) ?? []), reference]);
        return;
      }
      const thin = citationFromReference(
        reference,
        `ref:${id.source}/${id.id}#${reference.citedOrder ?? index + 1}`,
      );
      if (thin) citations.push({ ...thin, source: this.name });
    });
    for (const [source, refs] of matched) {
      for (let start = 0; start < refs.length; start += IDS_PER_LOOKUP) {
        const chunk = refs.slice(start, start + IDS_PER_LOOKUP);
        const query = `SRC:${source} AND (${chunk.map((r) => `EXT_ID:${r.id}`).join(' OR ')})`;
        const found = new Set<string>();
        for await (const page of europePmcQueryPages(this.client, query, {
          pageSize: this.pageSize,
          label: `${label}: reading ${chunk.length} ${source} records`,
          signal,
        })) {
          for (const result of page.results) {
            found.add(result.id);
            citations.push(this.citation(result));
          }
        }
        // A matched reference whose record the search does not return is kept as the reference says.
        for (const reference of chunk) {
          if (found.has(reference.id!)) continue;
          const thin = citationFromReference(reference, `${source}/${reference.id}`);
          if (thin) citations.push({ ...thin, source: this.name });
        }
      }
    }
    if (citations.length > 0) {
      yield {
        type: 'batch',
        window,
        citations,
        deletedIds: [],
        relations: citations.map(() => [relation]),
      };
    }
  }
}
