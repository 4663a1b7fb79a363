// Europe PMC as a LiteratureSource: every record first indexed in a window, paged with cursorMark.
//
// The window is cut on FIRST_IDATE, the date a record was first indexed in Europe PMC. It is Europe PMC's
// counterpart of PubMed's Create Date: set once when the record arrives and never moved by later revisions,
// so "first indexed since the watermark" is exactly "new since the last run" (CREATION_DATE is the older
// field for the same date; FIRST_IDATE is the one Europe PMC's search syntax offers for sorting and
// filtering on first indexing, and the core results carry it as firstIndexDate).
//
// 1. Search `(<query>) AND FIRST_IDATE:[<from> TO <to>]` with cursorMark=* and pageSize (at most 1000); the
//    first page's hitCount is the window's count ('searched').
// 2. Follow nextCursorMark, one page after another (each page depends on the previous cursor), yielding each
//    page's records as a 'batch'. Paging ends when every counted record has arrived, or when Europe PMC says
//    there is nothing more (no nextCursorMark, or the cursor sent back unchanged).
// 3. Reconcile: a record that comes back twice, a later page counting a different hitCount (the window
//    changed while it was paged), a cursor that stops advancing early, or an end reached with fewer records
//    than counted all fail the search with EuropePmcError. A smaller answer is never returned as complete.
import type { Citation } from '../../domain/citation/citation.ts';
import { normaliseDoi } from '../../domain/citation/citation-keys.ts';
import type { LiteratureSource, SearchEvent, SearchWindow } from '../../ports/literature-source.ts';
import type { PublishedVersionLookup } from '../../ports/published-versions.ts';
import { reconciledPages } from '../http/reconciled-pages.ts';
import { type EuropePmcApi, EuropePmcError, MAX_EUROPEPMC_PAGE_SIZE } from './europepmc-client.ts';
import { citationFromEuropePmc, type EuropePmcResult, europePmcRecordId } from './europepmc-record.ts';

export interface EuropePmcSourceOptions {
  /** Results per page, 1 to 1000 (default 1000). */
  pageSize?: number;
  /**
   * The source's name (run logs, watermark, provenance): "europepmc" by default; "preprints" searches the
   * preprints only (SRC:PPR).
   */
  name?: 'europepmc' | 'preprints';
  /**
   * The preprints source only: bioRxiv/medRxiv's published-article data, for the preprints Europe PMC has not
   * linked (the preprints run asks it when the protocol wants it).
   */
  publishedVersions?: PublishedVersionLookup | undefined;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The query Europe PMC is sent for `query` over `window` (preprints only when `restrict` says so). */
export function windowedQuery(query: string, window: SearchWindow, restrict = ''): string {
  return `(${query})${restrict} AND FIRST_IDATE:[${window.from} TO ${window.to}]`;
}

export function checkPageSize(pageSize: number): number {
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_EUROPEPMC_PAGE_SIZE) {
    throw new RangeError(`pageSize must be a whole number from 1 to 1000, not ${pageSize}`);
  }
  return pageSize;
}

/** One page of a query's answer: the hit count (of the first page) and the page's records. */
export interface EuropePmcQueryPage {
  hitCount: number;
  results: EuropePmcResult[];
}

/**
 * Every record of one query, page by page (cursorMark), reconciled with its hitCount (../http/reconciled-pages.ts):
 * fails with EuropePmcError, prefixed with `label`, rather than return fewer records than counted, a record
 * twice, or pages counted differently.
 */
export async function* europePmcQueryPages(
  client: EuropePmcApi,
  fullQuery: string,
  options: { pageSize: number; label: string; signal?: AbortSignal | undefined },
): AsyncGenerator<EuropePmcQueryPage, void, undefined> {
  const pages = reconciledPages<EuropePmcResult>({
    first: '*',
    fetch: async (cursorMark) => {
      try {
        const page = await client.search(
          { query: fullQuery, cursorMark: cursorMark ?? '*', pageSize: options.pageSize },
          options.signal ? { signal: options.signal } : {},
        );
        return { count: page.hitCount, next: page.nextCursorMark, items: page.results };
      } catch (error) {
        if (error instanceof EuropePmcError) {
          throw new EuropePmcError(`${options.label}: ${error.message}`, {
            cause: error,
            retryable: error.retryable,
          });
        }
        throw error;
      }
    },
    idOf: europePmcRecordId,
    noun: { one: 'record', many: 'records' },
    service: 'Europe PMC',
    fail: (message) => new EuropePmcError(`${options.label}: ${message}`, { retryable: true }),
  });
  for await (const page of pages) yield { hitCount: page.count, results: page.items };
}

export class EuropePmcSource implements LiteratureSource {
  readonly name: 'europepmc' | 'preprints';
  readonly publishedVersions: PublishedVersionLookup | undefined;
  private readonly pageSize: number;

  constructor(
    private readonly client: EuropePmcApi,
    options: EuropePmcSourceOptions = {},
  ) {
    this.pageSize = checkPageSize(options.pageSize ?? MAX_EUROPEPMC_PAGE_SIZE);
    this.name = options.name ?? 'europepmc';
    this.publishedVersions = options.publishedVersions;
  }

  requestCounts(): Record<string, number> {
    return this.client.requestCounts?.() ?? {};
  }

  /** The record as this source provides it (its name is the provenance). */
  citation(result: EuropePmcResult): Citation {
    return { ...citationFromEuropePmc(result), source: this.name };
  }

  /**
   * The current records of stored preprints still waiting for their published version (Europe PMC ids,
   * "PPR..."), 50 a search, as batches: the preprints run (app/search-review.ts) records again those now
   * linked to a published version (by Europe PMC, or by bioRxiv/medRxiv's data), under its keys.
   */
  async *recheckPreprints(
    preprintIds: readonly string[],
    window: SearchWindow,
    options: { signal?: AbortSignal } = {},
  ): AsyncGenerator<SearchEvent, void, undefined> {
    for (let start = 0; start < preprintIds.length; start += 50) {
      const chunk = preprintIds.slice(start, start + 50);
      const query = `SRC:PPR AND (${chunk.map((id) => `EXT_ID:${id}`).join(' OR ')})`;
      for await (const page of europePmcQueryPages(this.client, query, {
        pageSize: this.pageSize,
        label: `${this.name}: looking up ${chunk.length} preprints for their published version`,
        signal: options.signal,
      })) {
        const current = page.results.map((r) => this.citation(r));
        if (current.length > 0) yield { type: 'batch', window, citations: current, deletedIds: [] };
      }
    }
  }

  /**
   * The PMIDs of published articles by DOI (Europe PMC's MEDLINE records), 50 DOIs a search: a preprint linked
   * by DOI alone (bioRxiv/medRxiv's data) is then linked by its published version's PMID too. DOIs Europe PMC
   * does not hold (yet), or holds without a PMID, are left out.
   */
  async publishedPmids(
    dois: readonly string[],
    options: { signal?: AbortSignal } = {},
  ): Promise<Map<string, string>> {
    const pmids = new Map<string, string>();
    const wanted = [...new Set(dois.map((d) => normaliseDoi(d)).filter((d): d is string => d !== null))];
    for (let start = 0; start < wanted.length; start += 50) {
      const chunk = wanted.slice(start, start + 50);
      const query = `SRC:MED AND (${chunk.map((doi) => `DOI:"${doi}"`).join(' OR ')})`;
      for await (const page of europePmcQueryPages(this.client, query, {
        pageSize: this.pageSize,
        label: `${this.name}: looking up the PMIDs of ${chunk.length} published versions`,
        signal: options.signal,
      })) {
        for (const result of page.results) {
          const citation = citationFromEuropePmc(result);
          if (citation.doi && citation.pmid && !pmids.has(citation.doi))
            pmids.set(citation.doi, citation.pmid);
        }
      }
    }
    return pmids;
  }

  async *search(
    query: string,
    window: SearchWindow,
    options: { signal?: AbortSignal } = {},
  ): AsyncGenerator<SearchEvent, void, undefined> {
    const label = `${window.from}..${window.to}`;
    if (!DAY.test(window.from) || !DAY.test(window.to) || window.from > window.to) {
      throw new EuropePmcError(`not a search window: ${label} (expected YYYY-MM-DD..YYYY-MM-DD, from <= to)`);
    }
    const fullQuery = windowedQuery(query, window, this.name === 'preprints' ? ' AND SRC:PPR' : '');
    let first = true;
    for await (const page of europePmcQueryPages(this.client, fullQuery, {
      pageSize: this.pageSize,
      label: `${this.name} window ${label}`,
      signal: options.signal,
    })) {
      if (first) {
        first = false;
        yield { type: 'searched', window, count: page.hitCount, queryTranslation: fullQuery, warnings: [] };
      }
      if (page.results.length > 0) {
        yield { type: 'batch', window, citations: page.results.map((r) => this.citation(r)), deletedIds: [] };
      }
    }
  }
}
