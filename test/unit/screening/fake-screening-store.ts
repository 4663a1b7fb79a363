// An in-memory ScreeningStore for unit tests of the use cases, with a hook that runs just before an append so
// a test can play a concurrent writer winning the position.
import type { ScreeningEvent } from '../../../shared/domain/screening/events.ts';
import type { ScreeningStatus } from '../../../shared/domain/screening/workflow.ts';
import {
  type PossibleDuplicate,
  possibleDuplicatePairId,
  type ScreeningQueueEntry,
  type ScreeningStore,
} from '../../../shared/ports/screening-store.ts';
import type { Citation } from '../../../shared/domain/citation/citation.ts';

export class FakeScreeningStore implements ScreeningStore {
  events: ScreeningEvent[] = [];
  statuses = new Map<string, { version: number; status: ScreeningStatus }>();
  citations = new Map<string, { citation: Citation; queuedAt: string }>();
  pairs = new Map<string, PossibleDuplicate>();
  statusWrites = 0;
  beforeAppend: ((event: ScreeningEvent) => void) | null = null;

  addCitation(citationId: string, citation: Citation, queuedAt: string) {
    this.citations.set(citationId, { citation, queuedAt });
  }

  async getCitation(_reviewId: string, citationId: string) {
    const found = this.citations.get(citationId);
    return found ? { citation: found.citation } : null;
  }

  async listEvents(_reviewId: string, citationId: string) {
    return this.events.filter((e) => e.citationId === citationId).sort((a, b) => a.seq - b.seq);
  }

  async listReviewEvents() {
    return [...this.events];
  }

  async appendEvent(_reviewId: string, event: ScreeningEvent) {
    const hook = this.beforeAppend;
    this.beforeAppend = null;
    hook?.(event);
    if (this.events.some((e) => e.citationId === event.citationId && e.seq === event.seq)) return false;
    this.events.push(event);
    return true;
  }

  async saveStatus(_reviewId: string, citationId: string, version: number, status: ScreeningStatus) {
    this.statusWrites++;
    const current = this.statuses.get(citationId);
    if (!current || current.version < version) this.statuses.set(citationId, { version, status });
  }

  async listCitations(): Promise<ScreeningQueueEntry[]> {
    return [...this.citations.entries()]
      .map(([citationId, c]) => ({
        citationId,
        title: c.citation.title,
        year: c.citation.year,
        queuedAt: c.queuedAt,
        status: this.statuses.get(citationId)?.status ?? 'awaiting-screening',
      }))
      .sort((a, b) => a.queuedAt.localeCompare(b.queuedAt));
  }

  async recordPossibleDuplicate(
    _reviewId: string,
    pair: Pick<PossibleDuplicate, 'citationId' | 'twinId' | 'reason' | 'score' | 'foundAt'>,
  ) {
    const pairId = possibleDuplicatePairId(pair.citationId, pair.twinId);
    const existing = this.pairs.get(pairId);
    if (existing) return existing;
    const created: PossibleDuplicate = {
      pairId,
      ...pair,
      status: 'pending',
      resolvedBy: null,
      resolvedAt: null,
    };
    this.pairs.set(pairId, created);
    return created;
  }

  async getPossibleDuplicate(_reviewId: string, pairId: string) {
    return this.pairs.get(pairId) ?? null;
  }

  async listPossibleDuplicates() {
    return [...this.pairs.values()];
  }

  async resolvePossibleDuplicate(
    _reviewId: string,
    pairId: string,
    resolution: { status: 'confirmed' | 'split'; resolvedBy: string; resolvedAt: string },
  ) {
    const pair = this.pairs.get(pairId)!;
    if (pair.status !== 'pending') return { resolved: false, pair };
    const resolved = { ...pair, ...resolution };
    this.pairs.set(pairId, resolved);
    return { resolved: true, pair: resolved };
  }
}
