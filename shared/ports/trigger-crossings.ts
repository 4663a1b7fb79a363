// Port: the update triggers a review crossed, one record per (trigger, statistics version).
// Implemented over the single DynamoDB table by shared/adapters/dynamodb/digest-store.ts (one class serves
// every port the digest, report, triggers and retraction watch keep between runs), so the embedded store serves it too.
import type { UpdateTrigger } from '../domain/protocol/protocol.ts';

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

export interface TriggerCrossingLog {
  /** Records a crossing unless (trigger, version) is recorded: true when new. */
  recordCrossing(crossing: TriggerCrossing): Promise<boolean>;
  /** Every crossing of the review, by trigger then version. */
  listCrossings(reviewId: string): Promise<TriggerCrossing[]>;
}
