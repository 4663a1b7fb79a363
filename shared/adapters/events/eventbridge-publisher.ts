// EventPublisher over Amazon EventBridge: one PutEvents entry per update, source "living-review", detail-type
// "LivingReviewUpdated", detail as the port's schema says. PutEvents answers 200 even when an entry failed, so
// FailedEntryCount is checked and a failed entry is an error (retryable: EventBridge's codes for it are
// throttling and internal failures).
//
// @aws-sdk/client-eventbridge is loaded on the first event (a dynamic import, once per process), not with this
// module: publish-report imports it at init but emits an event only when it published a new report version.
import type {
  EventBridgeClient,
  EventBridgeClientConfig,
  PutEventsCommandOutput,
} from '@aws-sdk/client-eventbridge';
import { errorMessage, LivingReviewError } from '../../errors.ts';
import {
  type EventPublisher,
  LIVING_REVIEW_EVENT_SOURCE,
  LIVING_REVIEW_UPDATED,
  type LivingReviewUpdatedDetail,
  livingReviewUpdatedDetailSchema,
} from '../../ports/event-publisher.ts';
import { loadOnce } from '../load-once.ts';

/** @aws-sdk/client-eventbridge, imported on first use. */
const loadEventBridgeSdk = loadOnce(() => import('@aws-sdk/client-eventbridge'));

export class EventPublishError extends LivingReviewError {}

export interface EventBridgePublisherOptions {
  /** The bus name or ARN (default: the account's "default" bus). */
  eventBusName?: string;
  client?: EventBridgeClient;
  clientConfig?: EventBridgeClientConfig;
}

export class EventBridgePublisher implements EventPublisher {
  /** The client given, or the one built from `clientConfig` on the first event. */
  private client: EventBridgeClient | undefined;
  private readonly clientConfig: EventBridgeClientConfig;
  private readonly eventBusName: string | undefined;

  constructor(options: EventBridgePublisherOptions = {}) {
    this.client = options.client;
    this.clientConfig = options.clientConfig ?? {};
    this.eventBusName = options.eventBusName;
  }

  async livingReviewUpdated(detail: LivingReviewUpdatedDetail): Promise<void> {
    const checked = livingReviewUpdatedDetailSchema.parse(detail);
    const { EventBridgeClient, PutEventsCommand } = await loadEventBridgeSdk();
    this.client ??= new EventBridgeClient(this.clientConfig);
    let output: PutEventsCommandOutput;
    try {
      output = await this.client.send(
        new PutEventsCommand({
          Entries: [
            {
              Source: LIVING_REVIEW_EVENT_SOURCE,
              DetailType: LIVING_REVIEW_UPDATED,
              Detail: JSON.stringify(checked),
              Resources: [],
              ...(this.eventBusName ? { EventBusName: this.eventBusName } : {}),
            },
          ],
        }),
      );
    } catch (error) {
      throw new EventPublishError(
        `EventBridge PutEvents (${LIVING_REVIEW_UPDATED}) failed: ${errorMessage(error)}`,
        {
          cause: error,
          retryable: true,
        },
      );
    }
    if ((output.FailedEntryCount ?? 0) > 0) {
      const entry = output.Entries?.[0];
      throw new EventPublishError(
        `EventBridge refused the ${LIVING_REVIEW_UPDATED} event of review "${checked.reviewId}": ${entry?.ErrorCode ?? 'unknown'} ${entry?.ErrorMessage ?? ''}`.trim(),
        { retryable: true },
      );
    }
  }
}
