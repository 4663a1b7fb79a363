// Port: what the digest, the living report, the update triggers and the retraction watch keep between runs:
// the digest marker ("the last digest covered everything up to T"), one-time claims that make sends and
// publications idempotent, the notices found on included studies, and the update triggers crossed. Implemented
// over the single DynamoDB table (shared/adapters/dynamodb/digest-store.ts), so the embedded store serves it too.
import type { UpdateTrigger } from '../domain/protocol/protocol.ts';
import type { PublicationNotice } from '../domain/retraction/notices.ts';

export interface DigestMarker {
  reviewId: string;
  /** Every candidate queued and run started up to this instant (ISO) was in a digest that was sent. */
  through: string;
  /** The Message-ID of the digest that moved the marker here. */
  messageId: string | null;
  sentAt: string;
}

/** What a one-time claim is for; each scope has its own ids (digest: the period's start; report: version+hash). */
export type OnceScope = 'digest' | 'report' | 'trigger-notice';

export type OnceClaim =
  /** The caller holds the claim (attempt n) and must complete or release it. `payload` is the one stored. */
  | { state: 'claimed'; attempt: number; payload: Record<string, unknown> }
  /** The work was done before (by this or an earlier invocation): do not do it again. */
  | { state: 'done'; payload: Record<string, unknown>; result: Record<string, unknown> }
  /** Another invocation holds a claim younger than the lease: it is probably still working. */
  | { state: 'busy'; claimedAt: string };

export interface StoredNotice extends PublicationNotice {
  reviewId: string;
  citationId: string;
  studyTitle: string;
  studyPmid: string | null;
  detectedAt: string;
}

export interface TriggerCrossing {
  reviewId: string;
  /** triggerId(trigger): the trigger's kind and parameters, e.g. "new-patients-5". */
  triggerId: string;
  trigger: UpdateTrigger;
  /** The statistics version at which the trigger was found crossed. */
  version: number;
  /** The version it was measured from (its previous crossing, or version 1). */
  baselineVersion: number;
  description: string;
  detail: string;
  observed: number | null;
  recordedAt: string;
}

/** The store's view of one citation for the PRISMA counts: which source records turned out to be this work. */
export interface CitationSources {
  citationId: string;
  /** "<source>:<sourceRecordId>", e.g. "pubmed:123"; more than one = duplicates removed by the store. */
  sourceRecords: string[];
  queuedAt: string;
}

export interface DigestStore {
  getDigestMarker(reviewId: string): Promise<DigestMarker | null>;
  /**
   * Moves the marker from `from` (null: no marker yet) to `marker.through`, a conditional write: false (nothing
   * written) when the marker was not at `from` any more.
   */
  advanceDigestMarker(reviewId: string, from: string | null, marker: DigestMarker): Promise<boolean>;

  /**
   * Claims the work (scope, id) once: the first caller gets attempt 1. A later caller finds it done, busy
   * (claimed less than `leaseMs` ago and not finished), or takes it over (released, or its holder's lease ran
   * out) as attempt n+1 with `payload` stored anew.
   */
  claimOnce(
    reviewId: string,
    scope: OnceScope,
    id: string,
    payload: Record<string, unknown>,
    now: Date,
    leaseMs: number,
  ): Promise<OnceClaim>;
  /** Marks attempt `attempt` done with its result; false when another attempt has taken the claim over. */
  completeOnce(
    reviewId: string,
    scope: OnceScope,
    id: string,
    attempt: number,
    result: Record<string, unknown>,
  ): Promise<boolean>;
  /** Gives the claim up (nothing was done, or it failed): the next caller takes it at once. */
  releaseOnce(reviewId: string, scope: OnceScope, id: string, attempt: number, reason: string): Promise<void>;

  /** Records a notice on an included study unless that study's notice (same key) is known: true when new. */
  recordNotice(notice: StoredNotice): Promise<boolean>;
  /** Every notice of the review, oldest first. */
  listNotices(reviewId: string): Promise<StoredNotice[]>;

  /** Records a crossing unless (trigger, version) is recorded: true when new. */
  recordCrossing(crossing: TriggerCrossing): Promise<boolean>;
  /** Every crossing of the review, by trigger then version. */
  listCrossings(reviewId: string): Promise<TriggerCrossing[]>;

  /** Every citation of the review with its source records (read-only; citation-store.ts writes them). */
  listCitationSources(reviewId: string): Promise<CitationSources[]>;
}
