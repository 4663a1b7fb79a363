// Port: one-time claims, which make sends and publications idempotent: the work (scope, id) is done once even
// when invocations overlap or one dies half-way.
// Implemented over the single DynamoDB table by shared/adapters/dynamodb/digest-store.ts (one class serves
// every port the digest, report, triggers and retraction watch keep between runs), so the embedded store serves it too.

/** What a one-time claim is for; each scope has its own ids (digest: the period's start; report: version+hash). */
export type OnceScope = 'digest' | 'report' | 'trigger-notice';

export type OnceClaim =
  /** The caller holds the claim (attempt n) and must complete or release it. `payload` is the one stored. */
  | { state: 'claimed'; attempt: number; payload: Record<string, unknown> }
  /** The work was done before (by this or an earlier invocation): do not do it again. */
  | { state: 'done'; payload: Record<string, unknown>; result: Record<string, unknown> }
  /** Another invocation holds a claim younger than the lease: it is probably still working. */
  | { state: 'busy'; claimedAt: string };

export interface OnceClaims {
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
}
