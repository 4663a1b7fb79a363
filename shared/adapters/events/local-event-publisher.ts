// EventPublisher for local runs: each event is one JSON line appended to <dataDir>/events.jsonl, in the shape
// EventBridge would deliver to a subscriber ({ source, "detail-type", time, detail }), so a local subscriber
// (a script tailing the file) reads what a Lambda subscriber would.
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import {
  type EventPublisher,
  LIVING_REVIEW_EVENT_SOURCE,
  LIVING_REVIEW_UPDATED,
  type LivingReviewUpdatedDetail,
  livingReviewUpdatedDetailSchema,
} from '../../ports/event-publisher.ts';

export class LocalEventPublisher implements EventPublisher {
  /** <dataDir>/events.jsonl */
  readonly path: string;

  constructor(path: string) {
    this.path = resolve(path);
  }

  async livingReviewUpdated(detail: LivingReviewUpdatedDetail): Promise<void> {
    const checked = livingReviewUpdatedDetailSchema.parse(detail);
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const line = JSON.stringify({
      source: LIVING_REVIEW_EVENT_SOURCE,
      'detail-type': LIVING_REVIEW_UPDATED,
      time: new Date().toISOString(),
      detail: checked,
    });
    // One write of one line: appends of lines under PIPE_BUF from several processes do not interleave.
    await appendFile(this.path, `${line}\n`, { encoding: 'utf8', mode: 0o600 });
  }
}
