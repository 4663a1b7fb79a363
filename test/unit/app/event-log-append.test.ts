// appendToEventLog over an in-memory log whose append is conditional on the position, as the stores' are: the
// loop the appraisal and verification use cases share (their stores are tested on dynalite elsewhere).
import { describe, expect, it } from 'vitest';
import { appendToEventLog } from '../../../shared/app/event-log-append.ts';
import { DecisionRejectedError } from '../../../shared/app/screening.ts';
import { LivingReviewError } from '../../../shared/errors.ts';

interface Note {
  seq: number;
  eventId: string;
  studyId: string;
  reviewerId: string;
  at: string;
  text: string;
}
interface Log {
  version: number;
  events: Note[];
}

class RuleError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Another writer's note at `seq`. */
const theirs = (seq: number, eventId: string): Note => ({
  seq,
  eventId,
  studyId: 's1',
  reviewerId: 'alc',
  at: '2026-12-07T11:00:00.000Z',
  text: 'theirs',
});

/** A log that refuses an append at a taken position; `before` runs before each append (a racing writer). */
function memoryLog(before: (log: Note[]) => void = () => {}) {
  const events: Note[] = [];
  let appends = 0;
  return {
    events,
    appends: () => appends,
    spec: (eventId: string, text: string | null, attempts = 5) => ({
      what: 'the note of s1',
      attempts,
      replay: async (): Promise<Log> => ({ version: events.length, events: [...events] }),
      eventId: () => eventId,
      build: () => (text === null ? null : { text }),
      studyId: 's1',
      reviewerId: 'pp',
      clock: () => new Date('2026-12-07T12:00:00.000Z'),
      apply: (state: Log, event: Note): Log => {
        if (event.text === '') throw new RuleError('empty-note', 'a note needs text');
        return { version: event.seq, events: [...state.events, event] };
      },
      isRuleError: (error: unknown): error is RuleError => error instanceof RuleError,
      append: async (event: Note) => {
        appends++;
        before(events);
        if (events.length + 1 !== event.seq) return false;
        events.push(event);
        return true;
      },
    }),
  };
}

describe('Function: appendToEventLog', () => {
  it('appends at the next position, stamped with study, author and time, and returns the state after it', async () => {
    const log = memoryLog();
    const first = await appendToEventLog(log.spec('e1', 'one'));
    const second = await appendToEventLog(log.spec('e2', 'two'));
    expect(first.event).toEqual({
      text: 'one',
      seq: 1,
      eventId: 'e1',
      studyId: 's1',
      reviewerId: 'pp',
      at: '2026-12-07T12:00:00.000Z',
    });
    expect(second.state.version).toBe(2);
    expect(log.events.map((e) => e.text)).toEqual(['one', 'two']);
  });

  it('replays and tries again after losing the position to another writer', async () => {
    let raced = false;
    const log = memoryLog((events) => {
      if (raced) return;
      raced = true;
      events.push(theirs(events.length + 1, 'other'));
    });
    const outcome = await appendToEventLog(log.spec('e1', 'mine'));
    expect(log.appends()).toBe(2);
    expect(outcome.event?.seq).toBe(2);
    expect(log.events.map((e) => e.eventId)).toEqual(['other', 'e1']);
  });

  it('writes nothing for an event id already in the log, and names the earlier event', async () => {
    const log = memoryLog();
    await appendToEventLog(log.spec('e1', 'one'));
    const again = await appendToEventLog(log.spec('e1', 'one, retried'));
    expect(again.event).toBeNull();
    expect(again.earlier?.text).toBe('one');
    expect(log.events).toHaveLength(1);
  });

  it('writes nothing when there is nothing to record', async () => {
    const log = memoryLog();
    const outcome = await appendToEventLog(log.spec('e1', null));
    expect(outcome).toMatchObject({ event: null, earlier: null });
    expect(log.appends()).toBe(0);
  });

  it("refuses an event the domain's rule refuses, with the rule's code, writing nothing", async () => {
    const log = memoryLog();
    const refused = appendToEventLog(log.spec('e1', ''));
    await expect(refused).rejects.toBeInstanceOf(DecisionRejectedError);
    await expect(refused).rejects.toMatchObject({ code: 'empty-note' });
    expect(log.appends()).toBe(0);
  });

  it('gives up with a retryable error naming what it recorded when every attempt loses its race', async () => {
    const log = memoryLog((events) => {
      events.push(theirs(events.length + 1, `other-${events.length}`));
    });
    const outcome = appendToEventLog(log.spec('e1', 'mine', 3));
    await expect(outcome).rejects.toThrow('could not record the note of s1: too many concurrent writers');
    await expect(outcome).rejects.toMatchObject({ retryable: true });
    await expect(outcome).rejects.toBeInstanceOf(LivingReviewError);
    expect(log.appends()).toBe(3);
    expect(log.events.some((e) => e.eventId === 'e1')).toBe(false);
  });
});
