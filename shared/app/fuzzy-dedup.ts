// Use case: record arriving citations with exact AND fuzzy deduplication against the review's stored
// citations. It wraps the store's recordCitation (exact key claims: PMID, DOI, PMCID, title key) and adds the
// fuzzy engine (shared/domain/dedup) for what exact keys cannot see: a record with no identifier, or another
// database's copy of a work whose identifiers differ (an Embase export without the PMID, a PubMed record
// whose DOI the stored Scopus record lacked). runSearch and the imports call it (see run-recording.ts).
//
// Records arrive in batches (recordBatch; record is a batch of one). The reads a batch needs are made for the
// whole batch at once: the claims of every key (BatchGetItem), the slots of the citations those keys name and
// of the records' own ids (BatchGetItem), the markers saying which blocking keys hold entries (BatchGetItem),
// one Query per occupied blocking key (in parallel), and whether records already stored are indexed. Then
// each record, in batch order:
//   1. Which of its keys are claimed?
//      - a PMID or PMCID is claimed: an exact duplicate (or the same record again). recordCitation decides.
//      - only its DOI is claimed: a DOI alone does not make two works one (the abstracts of one meeting share
//        the supplement's DOI). The owner's record is compared with this one; only a certain duplicate (a
//        close title the DOI confirms) goes to recordCitation. Otherwise the record is stored WITHOUT the DOI
//        as its own citation (so the store cannot merge on it), the DOI kept in its links as
//        { type: 'SharedDoi', refSource: 'doi:<doi>' }; the pair goes to the possible-duplicate queue when the
//        records leave it open (not when they say they are two works: other pages, other authors).
//      - its title key is claimed (an id-less record whose title, year, first author, volume and page match
//        another's): the same check. A record the owner is not a certain duplicate of (a correction with its
//        article's title, a column without pages) gets a title key of its own (a TITLE_TWIN_LINK link), so it
//        is stored as its own citation; a possible pair is queued.
//   2. No key claimed: the record's blocking keys (domain/dedup/blocking.ts) name its candidates: the entries
//      the batch read under them, and the records this process recorded since (earlier in the batch, or in a
//      batch running beside it). Every candidate is scored (domain/dedup/pair-score.ts) over all of its
//      variants, as the in-memory index does.
//      - a certain duplicate: the record joins that citation. Its strongest key is claimed for the citation
//        first, then recordCitation finds the claim and adds the record's source to the citation's
//        sourceRecords (provenance kept, nothing new queued). With several certain matches the best one wins
//        and the others are queued as possible duplicates of it (the store never merges two stored works).
//      - possible duplicates only: the record is stored as a new citation, and each pair (at most
//        maxPossiblePerRecord, best first) goes to the possible-duplicate queue for a person.
//      - nothing: a new citation.
//   3. Once every record of the batch is recorded, the batch is indexed: the records go into the blocking
//      index under the citations they ended in (their own, or the ones they joined), so later arrivals are
//      compared with every variant of a work (BatchWriteItem, the records' last entries last).
//
// Crashes: every step is idempotent, and a record whose claims exist but whose index entries are not complete
// is finished on its next arrival (its possible duplicates are searched again, then it is indexed), so a
// re-run repairs what a crash left half done. Concurrency: records of one process that share a key or a
// blocking key are recorded one after another (an in-process lock per key, taken for all of a record's keys
// at once), and each sees the others, whether they are in its batch or in another batch of this process. Two
// processes recording copies of one id-less work at the same moment can both store it; the exact title key
// still merges identical copies, and the next arrival of either is compared as usual.

import type { Citation } from '../domain/citation/citation.ts';
import { citationId as idOfKey } from '../domain/citation/citation-id.ts';
import { type CitationKey, citationKeys, TITLE_TWIN_LINK } from '../domain/citation/citation-keys.ts';
import { blockingKeys } from '../domain/dedup/blocking.ts';
import { type DedupRecord, dedupRecordFromCitation } from '../domain/dedup/dedup-record.ts';
import {
  cannotLink,
  compareRecords,
  conflictsOf,
  decidePair,
  type PairScore,
  type PreparedRecord,
  prepareRecord,
} from '../domain/dedup/pair-score.ts';
import type { BlockCandidate, FuzzyDedupPorts, IndexJob } from '../ports/blocking-index.ts';
import type { CitationStore, RecordOutcome } from '../ports/citation-store.ts';

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
  /** For a fuzzy merge: why (the fields that agreed and differed, the rule, the score). */
  merge?: { score: number; agreed: string[]; differed: string[]; why: string };
};

export interface FuzzyDedup {
  record(reviewId: string, citation: Citation, now: Date): Promise<FuzzyRecordOutcome>;
  /** Records a batch; outcomes in the batch's order. */
  recordBatch(reviewId: string, citations: readonly Citation[], now: Date): Promise<FuzzyRecordOutcome[]>;
}

/** Link type under which a withheld DOI is kept on the citation. */
export const SHARED_DOI_LINK = 'SharedDoi';

/** Records of a batch recorded at once (those sharing a key wait for each other). */
const RECORDS_IN_FLIGHT = 16;

interface CitationVerdict {
  citationId: string;
  decision: 'duplicate' | 'possible';
  verdict: PairScore;
}

/**
 * prepareRecord once per record object: a batch compares each candidate it read (and each record it recorded)
 * with many arrivals. Records are never changed once made, so the prepared form stays true.
 */
const preparedRecords = new WeakMap<DedupRecord, PreparedRecord>();
function prepared(record: DedupRecord): PreparedRecord {
  let found = preparedRecords.get(record);
  if (!found) {
    found = prepareRecord(record);
    preparedRecords.set(record, found);
  }
  return found;
}

/**
 * Each candidate citation judged over all of its variants: a certain duplicate when a variant is one and no
 * variant rules it out; a possible one when a variant says so and none is another work for certain.
 */
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
    let blocked = false;
    let ruledOut = false;
    for (const record of records) {
      const evidence = compareRecords(prepared(record), arriving);
      const verdict = decidePair(evidence);
      if (cannotLink(evidence)) blocked = true;
      if (conflictsOf(evidence).hard.length > 0) ruledOut = true;
      if (verdict.decision === 'duplicate') duplicate = true;
      if (verdict.decision !== 'distinct' && (best === null || verdict.score > best.score)) best = verdict;
    }
    if (best === null || ruledOut) continue;
    verdicts.push({ citationId, decision: duplicate && !blocked ? 'duplicate' : 'possible', verdict: best });
  }
  return verdicts.sort((x, y) => y.verdict.score - x.verdict.score || (x.citationId < y.citationId ? -1 : 1));
}

/** One lock per key, in process: holders of any shared key run one after another, in the order they asked. */
class KeyLocks {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(keys: readonly string[], work: () => Promise<T>): Promise<T> {
    // Every key is taken at once (nothing awaited in between), so waits always follow the order of asking
    // and can never form a cycle.
    const previous: Promise<void>[] = [];
    const releases: (() => void)[] = [];
    for (const key of new Set(keys)) {
      let release!: () => void;
      const mine = new Promise<void>((resolve) => {
        release = resolve;
      });
      const before = this.tails.get(key) ?? Promise.resolve();
      const tail = before.then(() => mine);
      previous.push(before);
      this.tails.set(key, tail);
      releases.push(() => {
        release();
        if (this.tails.get(key) === tail) this.tails.delete(key);
      });
    }
    try {
      await Promise.all(previous);
      return await work();
    } finally {
      for (const release of releases) release();
    }
  }
}

/**
 * What this process recorded lately and has not yet (for every batch that might need it) in the store's
 * blocking index: entries by blocking key, and key claims with the record that made them. A batch's reads
 * were made when it started; a record recorded since, by this batch or another one running beside it, is
 * found here. An entry is dropped once its batch is indexed and every batch that started before that has
 * ended (those that start later read it from the store).
 */
class RecentRecords {
  private sequence = 0;
  private readonly running = new Set<number>();
  private readonly entries = new Map<string, { candidate: BlockCandidate; batch: number }[]>();
  private readonly claims = new Map<string, { citationId: string; record: DedupRecord; batch: number }>();
  /** Batches indexed, with the newest batch running when they were: dropped once that one has ended. */
  private readonly indexed: { batch: number; until: number }[] = [];

  begin(): number {
    const batch = ++this.sequence;
    this.running.add(batch);
    return batch;
  }

  add(
    batch: number,
    blocks: readonly string[],
    keys: readonly CitationKey[],
    candidate: BlockCandidate,
  ): void {
    for (const key of blocks) {
      const list = this.entries.get(key) ?? [];
      list.push({ candidate, batch });
      this.entries.set(key, list);
    }
    for (const key of keys)
      this.claims.set(key, { citationId: candidate.citationId, record: candidate.record, batch });
  }

  candidates(blocks: readonly string[]): BlockCandidate[] {
    return blocks.flatMap((key) => (this.entries.get(key) ?? []).map((e) => e.candidate));
  }

  claim(key: CitationKey): { citationId: string; record: DedupRecord } | undefined {
    return this.claims.get(key);
  }

  /** The batch's records are in the store's index now. */
  indexed_(batch: number): void {
    this.indexed.push({ batch, until: this.sequence });
  }

  end(batch: number): void {
    this.running.delete(batch);
    const oldestRunning = Math.min(...this.running, Number.POSITIVE_INFINITY);
    const droppable = new Set(this.indexed.filter((i) => i.until < oldestRunning).map((i) => i.batch));
    if (this.running.size === 0) for (const i of this.indexed) droppable.add(i.batch);
    if (droppable.size === 0) return;
    for (let k = this.indexed.length - 1; k >= 0; k--)
      if (droppable.has(this.indexed[k]!.batch)) this.indexed.splice(k, 1);
    for (const [key, list] of this.entries) {
      const kept = list.filter((e) => !droppable.has(e.batch));
      if (kept.length === 0) this.entries.delete(key);
      else this.entries.set(key, kept);
    }
    for (const [key, claim] of this.claims) if (droppable.has(claim.batch)) this.claims.delete(key);
  }
}

function withoutDoi(citation: Citation, doi: string): Citation {
  return {
    ...citation,
    doi: null,
    links: [...citation.links, { type: SHARED_DOI_LINK, pmid: null, refSource: `doi:${doi}` }],
  };
}

/** The citation marked as not the work that holds its title key: its title key then names the record itself. */
function withTitleTwin(citation: Citation, owner: string): Citation {
  return {
    ...citation,
    links: [...citation.links, { type: TITLE_TWIN_LINK, pmid: null, refSource: `citation:${owner}` }],
  };
}

interface Pair {
  citationId: string;
  twinId: string;
  verdict: PairScore;
  lead?: string;
}

/** The reason line of a queued pair: what agreed, what differed, and the rule. */
function reasonLine(verdict: PairScore, lead?: string): string {
  return [lead, ...verdict.reasons].filter(Boolean).join(', ');
}

/** Per-batch state of one record. */
interface Item {
  original: Citation;
  /** The original's dedup record. */
  record: DedupRecord;
  /** Its keys as they are, without its DOI, and as its own title twin: all read in the batch's claims. */
  variantKeys: CitationKey[];
  blocks: string[];
}

export function createFuzzyDedup(store: CitationStore, ports: FuzzyDedupPorts): FuzzyDedup {
  const { index } = ports;
  const maxBlockSize = ports.maxBlockSize ?? 200;
  const maxPossible = ports.maxPossiblePerRecord ?? 3;
  const locks = new KeyLocks();
  const recent = new RecentRecords();

  const queuePossible = async (reviewId: string, pairs: readonly Pair[], now: Date) => {
    const found: PossibleDuplicateFound[] = [];
    const seen = new Set<string>();
    for (const pair of pairs) {
      if (pair.citationId === pair.twinId || seen.has(pair.twinId)) continue;
      seen.add(pair.twinId);
      const reason = reasonLine(pair.verdict, pair.lead);
      await ports.possibleDuplicates.recordPossibleDuplicate(reviewId, {
        citationId: pair.citationId,
        twinId: pair.twinId,
        reason,
        score: pair.verdict.score,
        foundAt: now.toISOString(),
        agreed: pair.verdict.agreed,
        differed: [...(pair.lead ? [pair.lead] : []), ...pair.verdict.differed],
      });
      found.push({ citationId: pair.citationId, twinId: pair.twinId, score: pair.verdict.score, reason });
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
      .map((v) => ({ citationId, twinId: v.citationId, verdict: v.verdict })),
  ];

  const recordBatch = async (
    reviewId: string,
    citations: readonly Citation[],
    now: Date,
  ): Promise<FuzzyRecordOutcome[]> => {
    const batch = recent.begin();
    try {
      return await recordBatchIn(batch, reviewId, citations, now);
    } finally {
      recent.end(batch);
    }
  };

  const recordBatchIn = async (
    batch: number,
    reviewId: string,
    citations: readonly Citation[],
    now: Date,
  ): Promise<FuzzyRecordOutcome[]> => {
    if (citations.length === 0) return [];
    // ------------------------------------------------------------------------------ batched reads
    const items: Item[] = citations.map((original) => {
      const keys = citationKeys(original);
      const base = original.doi ? withoutDoi(original, original.doi) : original;
      const noDoi = original.doi ? citationKeys(base) : [];
      const titled = [...keys, ...noDoi].some((key) => key.startsWith('title:'));
      const twin = titled ? citationKeys(withTitleTwin(base, '')) : [];
      const record = dedupRecordFromCitation(original);
      return {
        original,
        record,
        variantKeys: [...new Set([...keys, ...noDoi, ...twin])],
        blocks: blockingKeys(prepared(record)),
      };
    });
    const owners = await index.keyOwners(
      reviewId,
      items.flatMap((item) => item.variantKeys),
    );
    const slotIds = new Set<string>();
    for (const item of items) for (const key of item.variantKeys) slotIds.add(idOfKey(key));
    for (const owner of owners.values()) slotIds.add(owner);
    const slots = await store.getCitationSlots(reviewId, [...slotIds]);
    const allBlocks = [...new Set(items.flatMap((item) => item.blocks))];
    const { occupied, large } = await index.occupiedKeys(reviewId, allBlocks);
    // Candidates are read for the batch at once for records no key of which is claimed (the fuzzy path);
    // a record known by a claimed key needs them only if it turns out new (read then, see candidatesOf).
    const stored = new Map<string, BlockCandidate[]>();
    const newlyLarge: string[] = [];
    const readBlocks = async (keys: readonly string[]) => {
      const wanted = [...new Set(keys)].filter(
        (key) => occupied.has(key) && !large.has(key) && !stored.has(key),
      );
      await forEachLimited(wanted, 16, async (key) => {
        const { candidates, skipped } = await index.candidates(reviewId, [key], maxBlockSize);
        if (skipped.length > 0) newlyLarge.push(key);
        stored.set(key, skipped.length > 0 ? [] : candidates);
      });
    };
    await readBlocks(
      items
        .filter(
          (item) =>
            !item.variantKeys.some((key) => owners.has(key) && citationKeys(item.original).includes(key)),
        )
        .flatMap((item) => item.blocks),
    );
    // Records stored before (same keys, own citation): are they indexed already?
    const predicted = items.map((item): IndexJob | null => {
      const keys = citationKeys(item.original);
      const owner = keys.map((k) => owners.get(k)).find((o) => o !== undefined);
      return owner === undefined
        ? null
        : { citationId: owner, record: dedupRecordFromCitation(item.original), keys: item.blocks };
    });
    const predictedJobs = predicted.filter((job) => job !== null);
    const predictedIndexed = new Map<IndexJob, boolean>();
    if (predictedJobs.length > 0) {
      const flags = await index.indexedOf(reviewId, predictedJobs);
      for (const [i, job] of predictedJobs.entries()) predictedIndexed.set(job, flags[i]!);
    }

    // ------------------------------------------------------------------------------ record by record
    const outcomes: FuzzyRecordOutcome[] = new Array(items.length);
    const jobs: IndexJob[] = [];
    const hintOwners = new Map(owners);
    /** Ids of stored citations seen in blocking entries or recorded by this process: never redirects. */
    const knownCitations = new Set<string>();
    const hints = { slots, owners: hintOwners, citations: knownCitations };

    const recordOne = async (position: number): Promise<void> => {
      const item = items[position]!;
      let citation = item.original;
      let keys = citationKeys(citation);
      /** The owner of a key: as read for the batch, or as recorded by this process since. */
      const ownerOf = (key: CitationKey) => recent.claim(key)?.citationId ?? owners.get(key);
      const owned = (ks: readonly CitationKey[]) => ks.filter((k) => ownerOf(k) !== undefined);
      const extra: Pair[] = [];
      const sourceRecord = `${citation.source}:${citation.sourceRecordId}`;

      /** The owner's verdict on this record; null when the owner is this very record (or cannot be read). */
      const verdictOf = async (owner: string, key: CitationKey): Promise<PairScore | null> => {
        let ownerRecord: DedupRecord | null = null;
        const claim = recent.claim(key);
        if (claim && claim.citationId === owner) ownerRecord = claim.record;
        else {
          const slot = slots.get(owner) ?? (await store.getCitationSlots(reviewId, [owner])).get(owner);
          if (slot && !('redirectTo' in slot)) {
            if (slot.sourceRecords.includes(sourceRecord)) return null;
            ownerRecord = dedupRecordFromCitation(slot.citation);
          }
        }
        if (!ownerRecord || ownerRecord.id === sourceRecord) return null;
        return decidePair(
          compareRecords(
            prepared(ownerRecord),
            citation === item.original
              ? prepared(item.record)
              : prepareRecord(dedupRecordFromCitation(citation)),
          ),
        );
      };

      // 1. Only a DOI or a title key is claimed: the same work only if the records say so beyond it.
      const decisive = owned(keys).some((key) => key.startsWith('pmid:') || key.startsWith('pmcid:'));
      let doiWithheld = false;
      const doiKey = decisive ? undefined : owned(keys).find((key) => key.startsWith('doi:'));
      if (doiKey) {
        const owner = ownerOf(doiKey)!;
        const verdict = await verdictOf(owner, doiKey);
        if (verdict && verdict.decision !== 'duplicate') {
          doiWithheld = true;
          citation = withoutDoi(citation, doiKey.slice('doi:'.length));
          keys = citationKeys(citation);
          if (verdict.decision === 'possible')
            extra.push({ citationId: '', twinId: owner, verdict, lead: 'same DOI, different work?' });
        }
      }
      const titleKeyOwned = decisive ? undefined : owned(keys).find((key) => key.startsWith('title:'));
      if (titleKeyOwned) {
        const owner = ownerOf(titleKeyOwned)!;
        const verdict = await verdictOf(owner, titleKeyOwned);
        if (verdict && verdict.decision !== 'duplicate') {
          citation = withTitleTwin(citation, owner);
          keys = citationKeys(citation);
          if (verdict.decision === 'possible') extra.push({ citationId: '', twinId: owner, verdict });
        }
      }

      const record = citation === item.original ? item.record : dedupRecordFromCitation(citation);
      const preparedRecord = prepared(record);
      const blocks = doiWithheld ? blockingKeys(preparedRecord) : item.blocks;
      const candidatesOf = async () => {
        await readBlocks(blocks);
        for (const { citationId } of recent.candidates(blocks)) knownCitations.add(citationId);
        const found = [...blocks.flatMap((key) => stored.get(key) ?? []), ...recent.candidates(blocks)];
        for (const { citationId } of found) knownCitations.add(citationId);
        return found;
      };
      const finish = (
        outcome: RecordOutcome,
        via: 'exact' | 'fuzzy',
        found: PossibleDuplicateFound[],
        index: boolean,
        merge?: FuzzyRecordOutcome['merge'],
      ) => {
        const candidate = { citationId: outcome.citationId, record };
        recent.add(batch, blocks, keys, candidate);
        if (index) jobs.push({ citationId: outcome.citationId, record, keys: blocks });
        outcomes[position] = {
          ...outcome,
          via,
          possibleDuplicates: found,
          doiWithheld,
          ...(merge ? { merge } : {}),
        };
      };

      if (owned(keys).length > 0) {
        // An exact duplicate, or this record again. If a crash interrupted its indexing, finish it now: its
        // possible duplicates are searched again (queueing a pair twice is harmless), then it is indexed.
        for (const key of keys) {
          const owner = ownerOf(key);
          if (owner !== undefined) hintOwners.set(key, owner);
        }
        const outcome = await store.recordCitation(reviewId, citation, now, hints);
        const guess = predicted[position];
        const indexed =
          guess && guess.citationId === outcome.citationId && citation === item.original
            ? predictedIndexed.get(guess)!
            : (
                await index.indexedOf(reviewId, [{ citationId: outcome.citationId, record, keys: blocks }])
              )[0]!;
        if (indexed) return finish(outcome, 'exact', [], false);
        let found: PossibleDuplicateFound[] = [];
        if (outcome.kind !== 'duplicate') {
          const pairs = pairsFor(
            outcome.citationId,
            judge(preparedRecord, await candidatesOf(), outcome.citationId),
            extra,
          );
          found = await queuePossible(reviewId, pairs, now);
        }
        return finish(outcome, 'exact', found, true);
      }

      // 2. No key of this record is known: the fuzzy engine over the blocking index.
      const verdicts = judge(preparedRecord, await candidatesOf(), '');
      const target = verdicts.find((v) => v.decision === 'duplicate');
      if (target) {
        // Claim the record's strongest key for the work it duplicates; recordCitation then finds the claim
        // and adds the record's source to that citation. (A concurrent writer may have claimed it first:
        // recordCitation follows whoever owns it.)
        const owner = await index.claimKeyFor(reviewId, keys[0]!, target.citationId, now);
        hintOwners.set(keys[0]!, owner);
      }
      const outcome = await store.recordCitation(
        reviewId,
        citation,
        now,
        target
          ? {
              ...hints,
              mergeReason: `${target.verdict.why} (score ${target.verdict.score}; agreed: ${target.verdict.agreed.join(', ') || '-'}; differed: ${target.verdict.differed.join(', ') || '-'})`,
            }
          : hints,
      );
      const merged =
        target !== undefined && outcome.kind === 'duplicate' && outcome.citationId === target.citationId;
      const pairs = pairsFor(
        outcome.citationId,
        verdicts.filter((v) => v !== target),
        extra,
      ).map((pair) =>
        pair.verdict.decision === 'duplicate'
          ? { ...pair, lead: `a certain match of ${record.id} too` }
          : pair,
      );
      const found = await queuePossible(reviewId, pairs, now);
      finish(
        outcome,
        merged ? 'fuzzy' : 'exact',
        found,
        true,
        merged
          ? {
              score: target.verdict.score,
              agreed: target.verdict.agreed,
              differed: target.verdict.differed,
              why: target.verdict.why,
            }
          : undefined,
      );
    };

    const lockKeys = (item: Item) =>
      [...item.variantKeys, ...item.blocks].map((key) => `${reviewId}\u0000${key}`);
    // Records start in batch order (each takes all its locks as it starts), a few at a time.
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(RECORDS_IN_FLIGHT, items.length) }, async () => {
        while (next < items.length) {
          const position = next++;
          await locks.run(lockKeys(items[position]!), () => recordOne(position));
        }
      }),
    );

    // ------------------------------------------------------------------------------ batched index writes
    if (newlyLarge.length > 0) await index.markLarge(reviewId, newlyLarge);
    if (jobs.length > 0) {
      const known = new Set([...occupied]);
      await index.indexRecords(reviewId, jobs, { occupied: known });
    }
    recent.indexed_(batch);
    return outcomes;
  };

  const record = async (reviewId: string, citation: Citation, now: Date) =>
    (await recordBatch(reviewId, [citation], now))[0]!;

  return { record, recordBatch };
}

/** Runs `work` over `items` with at most `limit` in flight; the first failure is thrown. */
async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}
