import { describe, expect, it } from 'vitest';
import { viewFor } from '../../../shared/domain/screening/blinding.ts';
import { replay } from '../../../shared/domain/screening/workflow.ts';
import { log, screeners } from './events-builder.ts';

function withNotes() {
  const builder = log();
  builder.events.push(
    builder.decision('pp', 'screener', 'title-abstract', 'include', null, 'PP-SECRET-NOTE'),
  );
  return builder;
}

describe('Function: viewFor (blinding)', () => {
  it("shows the second screener nothing of the first screener's decision", () => {
    const s = replay('c1', withNotes().events);
    const view = viewFor(s, screeners.alc);
    expect(view.stages[0]).toEqual({
      stage: 'title-abstract',
      settled: false,
      result: null,
      decisions: null,
      history: null,
      mine: null,
      inConflict: null,
      reopened: null,
      decideAs: 'screener',
    });
    expect(view.decideAs).toBe('screener');
    expect(JSON.stringify(view)).not.toContain('PP-SECRET-NOTE');
    expect(JSON.stringify(view)).not.toContain('"pp"');
  });

  it('shows a screener their own decision only', () => {
    const builder = withNotes();
    builder.screen('alc', 'exclude', 'not-iesm');
    const s = replay('c1', builder.events);
    const own = viewFor(s, screeners.pp);
    expect(own.stages[0]?.mine).toMatchObject({
      reviewerId: 'pp',
      decision: 'include',
      note: 'PP-SECRET-NOTE',
    });
    expect(own.stages[0]?.decisions).toBeNull();
    const other = viewFor(s, screeners.alc);
    expect(other.stages[0]?.mine).toMatchObject({ reviewerId: 'alc', decision: 'exclude' });
    expect(JSON.stringify(other)).not.toContain('PP-SECRET-NOTE');
  });

  it('does not tell a screener that their record is in conflict', () => {
    const s = replay('c1', log().screen('pp', 'include').screen('alc', 'exclude', 'not-iesm').events);
    const awaitingSecond = replay('c1', log().screen('pp', 'include').events);
    const inConflict = viewFor(s, screeners.pp);
    const waiting = viewFor(awaitingSecond, screeners.pp);
    expect(inConflict.stages[0]?.inConflict).toBeNull();
    // Everything the screener sees is the same as while the record only awaited the other screener.
    expect({ ...inConflict.stages[0], mine: null }).toEqual({ ...waiting.stages[0], mine: null });
    expect(inConflict.decideAs).toBe(waiting.decideAs);
  });

  it('shows the arbiter both decisions of a conflict, and nothing before there is one', () => {
    const before = replay('c1', withNotes().events);
    expect(viewFor(before, screeners.ash).stages[0]?.decisions).toBeNull();
    expect(JSON.stringify(viewFor(before, screeners.ash))).not.toContain('PP-SECRET-NOTE');

    const builder = withNotes();
    builder.screen('alc', 'exclude', 'not-iesm');
    const view = viewFor(replay('c1', builder.events), screeners.ash);
    expect(view.decideAs).toBe('arbiter');
    expect(view.stages[0]?.inConflict).toBe(true);
    expect(view.stages[0]?.decisions?.map((d) => [d.reviewerId, d.decision, d.reasonId, d.note])).toEqual([
      ['pp', 'include', null, 'PP-SECRET-NOTE'],
      ['alc', 'exclude', 'not-iesm', null],
    ]);
  });

  it('keeps a reviewer who is screener and arbiter blind on the records they screened', () => {
    const s = replay('c1', log().screen('both', 'include').screen('alc', 'exclude', 'not-iesm').events);
    const view = viewFor(s, screeners.both);
    expect(view.decideAs).toBe('screener');
    expect(view.stages[0]?.decisions).toBeNull();
    expect(view.stages[0]?.inConflict).toBeNull();
  });

  it('shows everyone the decisions and result of a settled stage, but not of the open one', () => {
    const builder = withNotes();
    builder.screen('alc', 'include').screen('pp', 'exclude', 'insufficient-data', 'full-text');
    const view = viewFor(replay('c1', builder.events), screeners.alc);
    expect(view.stage).toBe('full-text');
    expect(view.stages[0]?.settled).toBe(true);
    expect(view.stages[0]?.result?.decision).toBe('include');
    expect(view.stages[0]?.decisions?.map((d) => d.reviewerId)).toEqual(['pp', 'alc']);
    expect(view.stages[1]?.decisions).toBeNull();
    expect(view.stages[1]?.mine).toBeNull();
    expect(JSON.stringify(view.stages[1])).not.toContain('insufficient-data');
  });

  it('shows the outcome once the record is excluded', () => {
    const s = replay(
      'c1',
      log().screen('pp', 'exclude', 'not-iesm').screen('alc', 'exclude', 'not-iesm').events,
    );
    const view = viewFor(s, screeners.ash);
    expect(view.outcome).toBe('excluded');
    expect(view.decideAs).toBeNull();
    expect(view.stages[0]?.result?.reasonIds).toEqual(['not-iesm']);
  });
});
