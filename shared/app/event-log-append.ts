// One optimistic append to a per-study event log (appraisal, extraction verification): replay the log, build the
// next event at version + 1, check it with the domain's rules, and append it on the condition that the position
// is still free. A lost race replays and tries again. An event id already in the log is a retry of a recorded
// request: nothing is written and the caller is told which event it was.
import { StoreError } from '../errors.ts';
import { DecisionRejectedError } from './screening.ts';

/** What every event of a per-study log carries, besides its own fields. */
interface LoggedEvent {
  seq: number;
  eventId: string;
  studyId: string;
  reviewerId: string;
  at: string;
}

interface LogState<E extends LoggedEvent> {
  version: number;
  events: readonly E[];
}

export interface EventLogAppend<E extends LoggedEvent, S extends LogState<E>, Body> {
  /** What is recorded, for the error after too many lost races: "the appraisal of c123". */
  what: string;
  attempts: number;
  replay: () => Promise<S>;
  eventId: (state: S) => string;
  /** Runs after each replay, before anything else (verification writes interrupted corrections here). */
  prepare?: (state: S) => Promise<void>;
  /** The event's own fields, or null when there is nothing to record. */
  build: (state: S) => Promise<Body | null> | Body | null;
  /** The event's study and author; its position, id and time (from `clock`) are added here. */
  studyId: string;
  reviewerId: string;
  clock: () => Date;
  /** The domain's rule: the state after the event, or a rule error that refuses the request. */
  apply: (state: S, event: E) => S;
  isRuleError: (error: unknown) => error is Error & { code: string };
  /** The conditional append: false when another writer took the position first. */
  append: (event: E) => Promise<boolean>;
}

export type EventLogAppendOutcome<E, S> =
  /** Recorded: the state after the event. */
  | { state: S; event: E; earlier: null }
  /** Nothing recorded: `earlier` is the event with the same id, null when `build` had nothing to record. */
  | { state: S; event: null; earlier: E | null };

export async function appendToEventLog<E extends LoggedEvent, S extends LogState<E>, Body>(
  spec: EventLogAppend<E, S, Body>,
): Promise<EventLogAppendOutcome<E, S>> {
  for (let attempt = 1; attempt <= spec.attempts; attempt++) {
    const state = await spec.replay();
    await spec.prepare?.(state);
    const eventId = spec.eventId(state);
    const earlier = state.events.find((e) => e.eventId === eventId);
    if (earlier) return { state, event: null, earlier };
    const body = await spec.build(state);
    if (body === null) return { state, event: null, earlier: null };
    // The body is E without the fields of LoggedEvent, which this adds: E again (not provable to the compiler
    // for a union of event types).
    const event = {
      ...body,
      seq: state.version + 1,
      eventId,
      studyId: spec.studyId,
      reviewerId: spec.reviewerId,
      at: spec.clock().toISOString(),
    } as unknown as E;
    let next: S;
    try {
      next = spec.apply(state, event);
    } catch (error) {
      if (spec.isRuleError(error)) throw new DecisionRejectedError(error.code, error.message);
      throw error;
    }
    if (await spec.append(event)) return { state: next, event, earlier: null };
  }
  throw new StoreError(`could not record ${spec.what}: too many concurrent writers`, { retryable: true });
}
