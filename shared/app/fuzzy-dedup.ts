// Use case: record an arriving citation with exact AND fuzzy deduplication against the review's stored
// citations. It wraps the store's recordCitation (exact key claims: PMID, DOI, PMCID, title key) and adds the
// fuzzy engine (shared/domain/dedup) for what exact keys cannot see: a record with no identifier, or another
// database's copy of a work whose identifiers differ (an Embase export without the PMID, a PubMed record
// whose DOI the stored Scopus record lacked). runSearch and the imports call it (see RunSearchDeps.dedup).
//
// For each record:
//   1. Which of its keys are claimed already (one batched read of the claim items)?
//      - a PMID or PMCID is claimed: an exact duplicate (or the same record again). recordCitation decides.
//      - only its DOI is claimed: a DOI alone does not make two works one (the abstracts of one meeting share
//        the supplement's DOI). The owner's record is compared with this one; only a certain duplicate (a
//        close title the DOI confirms) goes to recordCitation. Otherwise the record is stored WITHOUT the DOI
//        as its own citation (so the store cannot merge on it), the DOI kept in its links as
//        { type: 'SharedDoi', refSource: 'doi:<doi>' }, and the pair goes to the possible-duplicate queue.
//      - its title key is claimed (an id-less record whose title, year, first author, volume and page match
//        another's): the same check. A record the owner is not a certain duplicate of (a correction with its
//        article's title, a column without pages) gets a title key of its own (a TITLE_TWIN_LINK link), so it
//        is stored as its own citation; a possible pair is queued.
//   2. No key claimed: the record's blocking keys (domain/dedup/blocking.ts) are looked up in the blocking
//      index (items per citation and key, queried by key: no Scan) and every candidate is scored
//      (domain/dedup/pair-score.ts), stored record first, as the in-memory index does.
//      - a certain duplicate: the record joins that citation. Its strongest key is claimed for the citation
//        first, then recordCitation finds the claim and adds the record's source to the citation's
//        sourceRecords (provenance kept, nothing new queued). With several certain matches the best one wins
//        and the others are queued as possible duplicates of it (the store never merges two stored works).
//      - possible duplicates only: the record is stored as a new citation, and each pair (at most
//        maxPossiblePerRecord, best first) goes to the possible-duplicate queue for a person.
//      - nothing: a new citation.
//   3. The record is added to the blocking index under the citation it ended in (its own, or the one it
//      joined), so later arrivals are compared with every variant of a work. The index entry of its last
//      blocking key is written last: it marks the record as indexed.
//
// Crashes: every step is idempotent, and a record whose claims exist but whose index entries are not complete
// is finished on its next arrival (its possible duplicates are searched again, then it is indexed), so a
// re-run repairs what a crash left half done. Concurrency: records of one process that share a blocking key
// are compared one after another (an in-process lock per key), so two copies of one work arriving in the same
// batch meet. Two processes recording copies of one id-less work at the same moment can both store it; the
// exact title key still merges identical copies, and the next arrival of either is compared as usual.
import { type CitationKey, citationKeys, TITLE_TWIN_LINK } from '../domain/citation/citation-keys.ts';
import type { Citation } from '../domain/citation/citation.ts';
import { blockingKeys } from '../domain/dedup/blocking.ts';
import { type DedupRecord, dedupRecordFromCitation } from '../domain/dedup/dedup-record.ts';
import {
  compareRecords,
  decidePair,
  type PairEvidence,
  type PairScore,
  type PreparedRecord,
  prepareRecord,
} from '../domain/dedup/pair-score.ts';
import type { CitationStore, RecordOutcome } from '../ports/citation-store.ts';
import type { ScreeningStore } from '../ports/screening-store.ts';

/** One entry of the blocking index: a record (a citation's own, or one merged into it) under a key. */
export interface BlockCandidate {
  citationId: string;
  record: DedupRecord;
}

/** Where the blocking index lives and how claims are read (over DynamoDB: blocking-key-store.ts). */
export interface BlockingIndex {
  /** The citation that owns each claimed key; unclaimed keys are absent. Strongly consistent. */
  keyOwners(reviewId: string, keys: readonly CitationKey[]): Promise<Map<CitationKey, string>>;
  /**
   * The entries under `keys`. A key holding more than `maxBlockSize` entries is left out (a title beginning
   * such as "a randomised controlled trial" would compare every such record with every other) and named in
   * `skipped`.
   */
  candidates(
    reviewId: string,
    keys: readonly string[],
    maxBlockSize: number,
  ): Promise<{ candidates: BlockCandidate[]; skipped: string[] }>;
  /** Adds `record` under each of `keys` for `citationId`, the last key's entry last. Idempotent. */
  indexRecord(
    reviewId: string,
    citationId: string,
    record: DedupRecord,
    keys: readonly string[],
  ): Promise<void>;
  /** Whether indexRecord completed for this record and citation (its last key's entry exists). */
  isIndexed(
    reviewId: string,
    citationId: string,
    record: DedupRecord,
    keys: readonly string[],
  ): Promise<boolean>;
  /** Claims `key` for citation `owner` unless someone holds it; returns the owner it has now. */
  claimKeyFor(reviewId: string, key: CitationKey, owner: string, now: Date): Promise<string>;
}

export interface FuzzyDedupPorts {
  index: BlockingIndex;
  /** The screening store's queue of pairs for a person to confirm or split. */
  possibleDuplicates: Pick<ScreeningStore, 'recordPossibleDuplicate'>;
  /** Default 200, as the in-memory engine. */
  maxBlockSize?: number;
  /** Pairs queued per arriving record, best first. Default 5. */
  maxPossiblePerRecord?: number;
}

export interface PossibleDuplicateFound {
  /** The citation the pair flags (it arrived second). */
  citationId: string;
  /** The stored citation it may duplicate. */
  twinId: string;
  score: number;
  reason: string;
}

export type FuzzyRecordOutcome = RecordOutcome & {
  /** 'exact': decided by key claims; 'fuzzy': the record joined a citation it shares no key with. */
  via: 'exact' | 'fuzzy';
  possibleDuplicates: PossibleDuplicateFound[];
  /** The record's DOI belonged to a different work and was kept out of its keys (see step 1). */
  doiWithheld: boolean;
};

export interface FuzzyDedup {
  record(reviewId: string, citation: Citation, now: Date): Promise<FuzzyRecordOutcome>;
  /** Records a batch; outcomes in the batch's order. */
  recordBatch(reviewId: string, citations: readonly Citation[], now: Date): Promise<FuzzyRecordOutcome[]>;
}

/** Link type under which a withheld DOI is kept on the citation. */
export const SHARED_DOI_LINK = 'SharedDoi';

/**
 * A pair that must not be merged whatever else agrees (the same rule the in-memory engine applies inside a
 * cluster): different identifiers, different authors, or two of year, volume and first page different.
 */
function conflicts(e: PairEvidence): boolean {
  if (e.doi === 'different' || e.pmid === 'different' || e.authors === 'different') return true;
  return [e.year, e.volume, e.pages].filter((d) => d === 'different').length >= 2;
}

interface CitationVerdict {
  citationId: string;
  decision: 'duplicate' | 'possible';
  score: number;
  reasons: string[];
}

/** Each candidate citation judged over all of its indexed variants. */
function judge(
  arriving: PreparedRecord,
  candidates: readonly BlockCandidate[],
  exclude: string,
): CitationVerdict[] {
  const byCitation = new Map<string, DedupRecord[]>();
  const seen = new Set<string>();
  for (const { citationId, record } of candidates) {
    if (citationId === exclude) continue;
    const id = `${citationId}\u0000${record.id}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const list = byCitation.get(citationId) ?? [];
    list.push(record);
    byCitation.set(citationId, list);
  }
  const verdicts: CitationVerdict[] = [];
  for (const [citationId, records] of byCitation) {
    let best: PairScore | null = null;
    let duplicate = false;
    let conflict = false;
    for (const record of records) {
      const evidence = compareRecords(prepareRecord(record), arriving);
      const score = decidePair(evidence);
      if (conflicts(evidence)) conflict = true;
      if (score.decision === 'duplicate') duplicate = true;
      if (score.decision !== 'distinct' && (best === null || score.score > best.score)) best = score;
    }
    if (best === null) continue;
    verdicts.push({
      citationId,
      decision: duplicate && !conflict ? 'duplicate' : 'possible',
      score: best.score,
      reasons: best.reasons,
    });
  }
  return verdicts.sort((x, y) => y.score - x.score || (x.citationId < y.citationId ? -1 : 1));
}

/** One lock per key, in process: holders of any shared key run one after another. */
class KeyLocks {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(keys: readonly string[], work: () => Promise<T>): Promise<T> {
    const sorted = [...new Set(keys)].sort();
    const releases: (() => void)[] = [];
    try {
      for (const key of sorted) {
        const previous = this.tails.get(key) ?? Promise.resolve();
        let release!: () => void;
        const mine = new Promise<void>((resolve) => {
          release = resolve;
        });
        const tail = previous.then(() => mine);
        this.tails.set(key, tail);
        releases.push(() => {
          release();
          if (this.tails.get(key) === tail) this.tails.delete(key);
        });
        await previous;
      }
      return await work();
    } finally {
      for (const release of releases) release();
    }
  }
}

/** The citation marked as not the work that holds its title key: its title key then names the record itself. */
function withTitleTwin(citation: Citation, owner: string): Citation {
  return {
    ...citation,
    links: [...citation.links, { type: TITLE_TWIN_LINK, pmid: null, refSource: `citation:${owner}` }],
  };
}

function withoutDoi(citation: Citation, doi: string): Citation {
  return {
    ...citation,
    doi: null,
    links: [...citation.links, { type: SHARED_DOI_LINK, pmid: null, refSource: `doi:${doi}` }],
  };
}

interface Pair {
  citationId: string;
  twinId: string;
  score: number;
  reasons: string[];
}

export function createFuzzyDedup(store: CitationStore, ports: FuzzyDedupPorts): FuzzyDedup {
  const { index } = ports;
  const maxBlockSize = ports.maxBlockSize ?? 200;
  const maxPossible = ports.maxPossiblePerRecord ?? 5;
  const locks = new KeyLocks();

  const queuePossible = async (reviewId: string, pairs: readonly Pair[], now: Date) => {
    const found: PossibleDuplicateFound[] = [];
    const seen = new Set<string>();
    for (const pair of pairs) {
      if (pair.citationId === pair.twinId || seen.has(pair.twinId)) continue;
      seen.add(pair.twinId);
      const reason = pair.reasons.join(', ');
      await ports.possibleDuplicates.recordPossibleDuplicate(reviewId, {
        citationId: pair.citationId,
        twinId: pair.twinId,
        reason,
        score: pair.score,
        foundAt: now.toISOString(),
      });
      found.push({ citationId: pair.citationId, twinId: pair.twinId, score: pair.score, reason });
    }
    return found;
  };

  const pairsFor = (
    citationId: string,
    verdicts: readonly CitationVerdict[],
    extra: readonly Pair[],
  ): Pair[] => [
    ...extra.map((pair) => ({ ...pair, citationId })),
    ...verdicts
      .filter((v) => v.citationId !== citationId)
      .slice(0, maxPossible)
      .map((v) => ({ citationId, twinId: v.citationId, score: v.score, reasons: v.reasons })),
  ];

  const record = async (reviewId: string, original: Citation, now: Date): Promise<FuzzyRecordOutcome> => {
    const originalKeys = citationKeys(original);
    const originalBlocks = blockingKeys(prepareRecord(dedupRecordFromCitation(original)));
    const lockKeys = [...originalBlocks, ...originalKeys].map((key) => `${reviewId}\u0000${key}`);
    return locks.run(lockKeys, async (): Promise<FuzzyRecordOutcome> => {
      let citation = original;
      let keys = originalKeys;
      let owners = await index.keyOwners(reviewId, keys);
      const extra: Pair[] = [];

      // 1. Only a DOI or a title key is claimed (no PMID or PMCID): the same work only if the records say so
      //    beyond it. A DOI that is not enough is withheld (conference abstracts share a supplement's DOI); a
      //    title key that is not enough is replaced by the record's own (an erratum or a column repeats a title).
      const decisive = keys.some(
        (key) => owners.has(key) && (key.startsWith('pmid:') || key.startsWith('pmcid:')),
      );
      const sourceRecord = `${citation.source}:${citation.sourceRecordId}`;
      /** The owner's verdict on this record, or null when the owner is this record itself (or unreadable). */
      const verdictOf = async (owner: string) => {
        const stored = await store.getCitation(reviewId, owner);
        if (!stored || stored.sourceRecords.includes(sourceRecord)) return null;
        return decidePair(
          compareRecords(
            prepareRecord(dedupRecordFromCitation(stored.citation)),
            prepareRecord(dedupRecordFromCitation(citation)),
          ),
        );
      };
      const doiKey = keys.find((key) => key.startsWith('doi:') && owners.has(key));
      let doiWithheld = false;
      if (!decisive && doiKey) {
        const owner = owners.get(doiKey)!;
        const verdict = await verdictOf(owner);
        if (verdict && verdict.decision !== 'duplicate') {
          doiWithheld = true;
          citation = withoutDoi(citation, doiKey.slice('doi:'.length));
          keys = citationKeys(citation);
          owners = await index.keyOwners(reviewId, keys);
          extra.push({
            citationId: '',
            twinId: owner,
            score: verdict.score,
            reasons: ['same DOI, different work', ...verdict.reasons],
          });
        }
      }
      const titleKeyOwned = decisive
        ? undefined
        : keys.find((key) => key.startsWith('title:') && owners.has(key));
      if (titleKeyOwned) {
        const owner = owners.get(titleKeyOwned)!;
        const verdict = await verdictOf(owner);
        if (verdict && verdict.decision !== 'duplicate') {
          citation = withTitleTwin(citation, owner);
          keys = citationKeys(citation);
          owners = await index.keyOwners(reviewId, keys);
          if (verdict.decision === 'possible')
            extra.push({ citationId: '', twinId: owner, score: verdict.score, reasons: verdict.reasons });
        }
      }

      const record = dedupRecordFromCitation(citation);
      const prepared = prepareRecord(record);
      const blocks = blockingKeys(prepared);
      const result = (outcome: RecordOutcome, via: 'exact' | 'fuzzy', found: PossibleDuplicateFound[]) => ({
        ...outcome,
        via,
        possibleDuplicates: found,
        doiWithheld,
      });

      if (owners.size > 0) {
        // An exact duplicate, or this record again. If a crash interrupted its indexing, finish it now: its
        // possible duplicates are searched again (queueing a pair twice is harmless), then it is indexed.
        const outcome = await store.recordCitation(reviewId, citation, now);
        if (await index.isIndexed(reviewId, outcome.citationId, record, blocks))
          return result(outcome, 'exact', []);
        let found: PossibleDuplicateFound[] = [];
        if (outcome.kind !== 'duplicate') {
          const { candidates } = await index.candidates(reviewId, blocks, maxBlockSize);
          const pairs = pairsFor(outcome.citationId, judge(prepared, candidates, outcome.citationId), extra);
          found = await queuePossible(reviewId, pairs, now);
        }
        await index.indexRecord(reviewId, outcome.citationId, record, blocks);
        return result(outcome, 'exact', found);
      }

      // 2. No key of this record is known: the fuzzy engine over the blocking index.
      const { candidates } = await index.candidates(reviewId, blocks, maxBlockSize);
      const verdicts = judge(prepared, candidates, '');
      const target = verdicts.find((v) => v.decision === 'duplicate');
      if (target) {
        // Claim the record's strongest key for the work it duplicates; recordCitation then finds the claim
        // and adds the record's source to that citation. (A concurrent writer may have claimed it first:
        // recordCitation follows whoever owns it.)
        await index.claimKeyFor(reviewId, keys[0]!, target.citationId, now);
      }
      const outcome = await store.recordCitation(reviewId, citation, now);
      const merged =
        target !== undefined && outcome.kind === 'duplicate' && outcome.citationId === target.citationId;
      const pairs = pairsFor(
        outcome.citationId,
        verdicts.map((v) =>
          v.decision === 'duplicate' && v !== target
            ? { ...v, reasons: [`a certain match of ${record.id} too`, ...v.reasons] }
            : v,
        ),
        extra,
      );
      const found = await queuePossible(reviewId, pairs, now);
      await index.indexRecord(reviewId, outcome.citationId, record, blocks);
      return result(outcome, merged ? 'fuzzy' : 'exact', found);
    });
  };

  const recordBatch = async (reviewId: string, citations: readonly Citation[], now: Date) => {
    const outcomes: FuzzyRecordOutcome[] = new Array(citations.length);
    let next = 0;
    const worker = async () => {
      while (next < citations.length) {
        const index = next++;
        outcomes[index] = await record(reviewId, citations[index]!, now);
      }
    };
    await Promise.all(Array.from({ length: Math.min(4, citations.length) }, worker));
    return outcomes;
  };

  return { record, recordBatch };
}
