// Fakes of the ports for unit tests of use cases only. Integration tests use the real store and a real
// loopback E-utilities server instead.

import type { Citation } from '../../shared/domain/citation/citation.ts';
import { citationKeys } from '../../shared/domain/citation/citation-keys.ts';
import type {
  CitationStore,
  QueueEntry,
  RecordOutcome,
  RunLog,
  StoredCitation,
  Watermark,
} from '../../shared/ports/citation-store.ts';
import type { LiteratureSource, SearchEvent, SearchWindow } from '../../shared/ports/literature-source.ts';

export class FakeCitationStore implements CitationStore {
  citations = new Map<string, StoredCitation>();
  owners = new Map<string, string>();
  watermarks = new Map<string, Watermark>();
  runs = new Map<string, RunLog>();
  failOnRecord: ((citation: Citation) => boolean) | null = null;

  async recordCitation(reviewId: string, citation: Citation, now: Date): Promise<RecordOutcome> {
    if (this.failOnRecord?.(citation)) throw new Error(`store unavailable while writing ${citation.pmid}`);
    const keys = citationKeys(citation);
    const id = `c-${keys[0]}`;
    for (const key of keys) {
      const owner = this.owners.get(`${reviewId}|${key}`);
      if (owner && owner !== id) return { kind: 'duplicate', citationId: owner, matchedKey: key };
    }
    for (const key of keys) this.owners.set(`${reviewId}|${key}`, id);
    if (this.citations.has(`${reviewId}|${id}`)) return { kind: 'already-known', citationId: id };
    this.citations.set(`${reviewId}|${id}`, {
      reviewId,
      citationId: id,
      citation,
      keys,
      sourceRecords: [`${citation.source}:${citation.sourceRecordId}`],
      queuedAt: now.toISOString(),
      screeningStatus: 'awaiting-screening',
    });
    return { kind: 'new', citationId: id };
  }

  async getCitation(reviewId: string, citationId: string) {
    return this.citations.get(`${reviewId}|${citationId}`) ?? null;
  }

  async getCitationSlots(reviewId: string, citationIds: readonly string[]) {
    return new Map(citationIds.map((id) => [id, this.citations.get(`${reviewId}|${id}`) ?? null]));
  }

  async listQueue(reviewId: string): Promise<QueueEntry[]> {
    return [...this.citations.values()]
      .filter((c) => c.reviewId === reviewId)
      .sort((a, b) => a.queuedAt.localeCompare(b.queuedAt))
      .map((c) => ({
        citationId: c.citationId,
        pmid: c.citation.pmid,
        doi: c.citation.doi,
        title: c.citation.title,
        year: c.citation.year,
        queuedAt: c.queuedAt,
      }));
  }

  async getWatermark(reviewId: string, source: string) {
    return this.watermarks.get(`${reviewId}|${source}`) ?? null;
  }

  async advanceWatermark(watermark: Watermark) {
    const key = `${watermark.reviewId}|${watermark.source}`;
    const current = this.watermarks.get(key);
    if (!current || current.completedThrough < watermark.completedThrough)
      this.watermarks.set(key, watermark);
  }

  async saveRunLog(run: RunLog) {
    this.runs.set(run.runId, structuredClone(run));
  }

  async listRunLogs(reviewId: string) {
    return [...this.runs.values()]
      .filter((r) => r.reviewId === reviewId)
      .sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  }
}

/** A source that replays scripted events, optionally failing after some of them. */
export class ScriptedSource implements LiteratureSource {
  readonly name = 'pubmed';
  windows: SearchWindow[] = [];
  constructor(
    private readonly script: (window: SearchWindow) => SearchEvent[],
    private readonly failAfter: number | null = null,
  ) {}

  async *search(_query: string, window: SearchWindow): AsyncIterable<SearchEvent> {
    this.windows.push(window);
    const events = this.script(window);
    for (const [index, event] of events.entries()) {
      if (this.failAfter !== null && index === this.failAfter) {
        throw new Error('fetched 2 of 3 records for the window');
      }
      yield event;
    }
  }
}

export function makeCitation(overrides: Partial<Citation> & { pmid: string }): Citation {
  return {
    source: 'pubmed',
    sourceRecordId: overrides.pmid,
    kind: 'journal-article',
    doi: null,
    pmcid: null,
    title: `Record ${overrides.pmid}`,
    vernacularTitle: null,
    abstract: [],
    authors: [{ family: 'Smith', given: 'Jane', initials: 'J', orcid: null }],
    journal: null,
    bookTitle: null,
    publicationDate: { year: 2024, month: null, day: null, medlineDate: null },
    year: 2024,
    languages: ['eng'],
    publicationTypes: ['Journal Article'],
    meshHeadings: [],
    keywords: [],
    pubmedStatus: 'Publisher',
    createdDate: '2024-01-02',
    links: [],
    isRetracted: false,
    ...overrides,
  };
}
