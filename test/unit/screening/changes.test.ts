// Changing a decision (before and after a stage settles), the arbiter who sees the change, and inclusions
// recorded outside screening ("included directly"): the rules in shared/domain/screening/workflow.ts.
import { describe, expect, it } from 'vitest';
import { viewFor } from '../../../shared/domain/screening/blinding.ts';
import type { ScreeningEvent } from '../../../shared/domain/screening/events.ts';
import {
  decisionRoleFor,
  directInclusionStage,
  replay,
  ScreeningRuleError,
  stageState,
  statusOf,
} from '../../../shared/domain/screening/workflow.ts';
import { log, screeners } from './events-builder.ts';

const state = (b: ReturnType<typeof log>) => replay(b.citationId, b.events);

function ruleCode(run: () => unknown): string | null {
  try {
    run();
    return null;
  } catch (error) {
    if (error instanceof ScreeningRuleError) return error.code;
    throw error;
  }
}

function direct(b: ReturnType<typeof log>, by = 'operator') {
  const stage = directInclusionStage(state(b)) ?? 'title-abstract';
  b.events.push({ ...b.decision(by, 'direct', stage, 'include', null, 'included directly') });
  return b;
}

describe('changing a decision after its stage settled', () => {
  const settledInclude = () => log().screen('pp', 'include').screen('alc', 'include');

  it('keeps the result in force and sends the change to the arbiter, who sees it', () => {
    const b = settledInclude().screen('pp', 'exclude', 'not-iesm');
    const s = state(b);
    const ta = stageState(s, 'title-abstract')!;
    expect(ta.phase).toBe('reopened');
    expect(ta.result).toMatchObject({ decision: 'include', settledBy: 'agreement' });
    expect(statusOf(s)).toBe('title-abstract-conflict');
    expect(s.stage).toBe('title-abstract');
    // The arbiter sees the stage's history: both first decisions and pp's change.
    const arbiter = viewFor(s, screeners.ash);
    expect(arbiter.decideAs).toBe('arbiter');
    const view = arbiter.stages[0]!;
    expect(view.reopened).toBe(true);
    expect(view.history?.map((d) => [d.reviewerId, d.decision])).toEqual([
      ['pp', 'include'],
      ['alc', 'include'],
      ['pp', 'exclude'],
    ]);
    expect(view.decisions?.map((d) => [d.reviewerId, d.decision])).toEqual([
      ['pp', 'exclude'],
      ['alc', 'include'],
    ]);
  });

  it('withdraws the question when the screener changes back before the arbiter acts', () => {
    const s = state(settledInclude().screen('pp', 'exclude', 'not-iesm').screen('pp', 'include'));
    expect(stageState(s, 'title-abstract')!.phase).toBe('settled');
    expect(statusOf(s)).toBe('full-text-awaiting-first');
  });

  it('pauses the later stage while the earlier one is reopened, and resumes it when the result holds', () => {
    const b = settledInclude()
      .screen('alc', 'include', null, 'full-text')
      .screen('pp', 'exclude', 'not-iesm');
    const paused = () => state(b).stages.find((x) => x.stage === 'full-text')!;
    expect(paused().phase).toBe('awaiting-second');
    expect(ruleCode(() => state(b.screen('pp', 'include', null, 'full-text')))).toBe('wrong-stage');
    b.events.pop();
    b.arbitrate('ash', 'include');
    const resumed = state(b);
    expect(statusOf(resumed)).toBe('full-text-awaiting-second');
    expect(stageState(resumed, 'full-text')!.screenerDecisions.map((d) => d.reviewerId)).toEqual(['alc']);
  });

  it('excludes the record when the arbiter changes the result, and the later stage no longer counts', () => {
    const b = settledInclude()
      .screen('alc', 'include', null, 'full-text')
      .screen('pp', 'include', null, 'full-text');
    expect(state(b).outcome).toBe('included');
    b.screen('pp', 'exclude', 'not-iesm').arbitrate('ash', 'exclude', 'not-iesm');
    const s = state(b);
    expect(s.outcome).toBe('excluded');
    expect(s.stages.map((x) => x.stage)).toEqual(['title-abstract']);
    expect(stageState(s, 'title-abstract')!.result).toMatchObject({
      decision: 'exclude',
      reasonIds: ['not-iesm'],
      settledBy: 'arbiter',
      settler: 'ash',
    });
    // The full-text decisions stay in the log: the audit keeps everything.
    expect(s.events.filter((e) => e.type === 'decision' && e.stage === 'full-text')).toHaveLength(2);
  });

  it('opens full text when the arbiter includes a record the screeners had excluded', () => {
    const b = log()
      .screen('pp', 'exclude', 'not-iesm')
      .screen('alc', 'exclude', 'not-iesm')
      .screen('alc', 'include')
      .arbitrate('ash', 'include');
    expect(statusOf(state(b))).toBe('full-text-awaiting-first');
  });

  it("lets an arbiter change their own settlement, but not another arbiter's unasked", () => {
    const b = log().screen('pp', 'include').screen('alc', 'exclude', 'not-iesm').arbitrate('ash', 'include');
    expect(decisionRoleFor(state(b), screeners.ash, 'title-abstract')).toBe('arbiter');
    expect(decisionRoleFor(state(b), screeners.both, 'title-abstract')).toBeNull();
    b.arbitrate('ash', 'exclude', 'paediatric');
    expect(state(b).outcome).toBe('excluded');
    expect(ruleCode(() => state(b.arbitrate('both', 'include')))).toBe('not-in-conflict');
  });

  it('never lets an arbiter answer maybe, before or after settlement', () => {
    const b = log().screen('pp', 'include').screen('alc', 'include').screen('pp', 'exclude', 'not-iesm');
    expect(ruleCode(() => state(b.arbitrate('ash', 'maybe')))).toBe('arbiter-must-decide');
  });
});

describe('included directly', () => {
  it('settles every open stage of a queued record on include', () => {
    const s = state(direct(log()));
    expect(s.outcome).toBe('included');
    expect(s.stages.map((x) => [x.stage, x.result?.settledBy, x.result?.settler])).toEqual([
      ['title-abstract', 'direct', 'operator'],
      ['full-text', 'direct', 'operator'],
    ]);
    expect(s.includedDirectly?.note).toBe('included directly');
  });

  it('settles the open full-text stage of a record past title/abstract, keeping how title/abstract settled', () => {
    const s = state(
      direct(
        log().screen('pp', 'include').screen('alc', 'include').screen('pp', 'include', null, 'full-text'),
      ),
    );
    expect(s.outcome).toBe('included');
    expect(stageState(s, 'title-abstract')!.result?.settledBy).toBe('agreement');
    expect(stageState(s, 'full-text')!.result?.settledBy).toBe('direct');
  });

  it('makes both screeners excluding afterwards a conflict for the arbiter, not a silent contradiction', () => {
    const b = direct(log()).screen('pp', 'exclude', 'not-iesm');
    expect(state(b).outcome).toBe('included');
    b.screen('alc', 'exclude', 'paediatric');
    const s = state(b);
    expect(s.outcome).toBeNull();
    expect(statusOf(s)).toBe('title-abstract-conflict');
    expect(stageState(s, 'title-abstract')!.questionedBy.map((d) => d.reviewerId)).toEqual(['pp', 'alc']);
    b.arbitrate('ash', 'exclude', 'not-iesm');
    expect(state(b).outcome).toBe('excluded');
  });

  it('is no conflict when the screeners agree with it, or only one disagrees', () => {
    expect(state(direct(log()).screen('pp', 'include').screen('alc', 'include')).outcome).toBe('included');
    expect(state(direct(log()).screen('pp', 'include').screen('alc', 'exclude', 'not-iesm')).outcome).toBe(
      'included',
    );
  });

  it('reopens a stage the screeners excluded instead of overriding them', () => {
    const b = direct(log().screen('pp', 'exclude', 'not-iesm').screen('alc', 'exclude', 'not-iesm'));
    const s = state(b);
    expect(statusOf(s)).toBe('title-abstract-conflict');
    expect(stageState(s, 'title-abstract')!.result?.decision).toBe('exclude');
    b.arbitrate('ash', 'include');
    // The arbiter agreed with the inclusion: full text is settled by it as it opens.
    const included = state(b);
    expect(included.outcome).toBe('included');
    expect(stageState(included, 'full-text')!.result?.settledBy).toBe('direct');
  });

  it('is refused on a record already included, and on a duplicate', () => {
    const included = direct(log());
    expect(directInclusionStage(state(included))).toBeNull();
    const again = included.decision('operator', 'direct', 'full-text', 'include', null, 'included directly');
    expect(ruleCode(() => replay('c1', [...included.events, again as ScreeningEvent]))).toBe(
      'already-included',
    );
    const duplicate = log().duplicateOf('pp', 'c9');
    expect(directInclusionStage(state(duplicate))).toBeNull();
  });
});
