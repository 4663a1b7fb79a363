import { describe, expect, it } from 'vitest';
import type { Vote } from '../../../shared/domain/screening/events.ts';
import {
  apply,
  decisionRoleFor,
  initialState,
  replay,
  ScreeningRuleError,
  stageState,
  statusOf,
} from '../../../shared/domain/screening/workflow.ts';
import { log, screeners } from './events-builder.ts';

function state(builder: ReturnType<typeof log>) {
  return replay(builder.citationId, builder.events);
}

function ruleCode(run: () => unknown): string | null {
  try {
    run();
    return null;
  } catch (error) {
    if (error instanceof ScreeningRuleError) return error.code;
    throw error;
  }
}

describe('Function: replay (transitions)', () => {
  it('starts every record awaiting its first title/abstract decision', () => {
    const s = initialState('c1');
    expect(statusOf(s)).toBe('awaiting-screening');
    expect(s.stage).toBe('title-abstract');
    expect(s.version).toBe(0);
    expect(statusOf(replay('c1', []))).toBe('awaiting-screening');
  });

  it('waits for a second screener after the first decision', () => {
    const s = state(log().screen('pp', 'include'));
    expect(statusOf(s)).toBe('title-abstract-awaiting-second');
    expect(stageState(s, 'title-abstract')?.phase).toBe('awaiting-second');
  });

  it('moves a record to full text on two includes, and includes it on two more', () => {
    const builder = log().screen('pp', 'include').screen('alc', 'include');
    let s = state(builder);
    expect(statusOf(s)).toBe('full-text-awaiting-first');
    expect(stageState(s, 'title-abstract')?.result).toMatchObject({
      decision: 'include',
      settledBy: 'agreement',
      settledSeq: 2,
    });
    builder.screen('alc', 'include', null, 'full-text');
    expect(statusOf(state(builder))).toBe('full-text-awaiting-second');
    builder.screen('pp', 'include', null, 'full-text');
    s = state(builder);
    expect(statusOf(s)).toBe('included');
    expect(s.outcome).toBe('included');
    expect(s.stage).toBeNull();
  });

  it('excludes on two excludes at title/abstract, keeping both reasons, first decider first', () => {
    const same = state(log().screen('pp', 'exclude', 'not-iesm').screen('alc', 'exclude', 'not-iesm'));
    expect(same.outcome).toBe('excluded');
    expect(stageState(same, 'title-abstract')?.result?.reasonIds).toEqual(['not-iesm']);
    const different = state(log().screen('alc', 'exclude', 'paediatric').screen('pp', 'exclude', 'not-iesm'));
    expect(statusOf(different)).toBe('excluded');
    expect(stageState(different, 'title-abstract')?.result?.reasonIds).toEqual(['paediatric', 'not-iesm']);
  });

  it('excludes on two full-text excludes with the same reason, and sends different reasons to the arbiter', () => {
    const toFullText = () => log().screen('pp', 'include').screen('alc', 'include');
    const same = state(
      toFullText()
        .screen('pp', 'exclude', 'insufficient-data', 'full-text')
        .screen('alc', 'exclude', 'insufficient-data', 'full-text'),
    );
    expect(statusOf(same)).toBe('excluded');
    expect(stageState(same, 'full-text')?.result?.reasonIds).toEqual(['insufficient-data']);

    const builder = toFullText()
      .screen('pp', 'exclude', 'insufficient-data', 'full-text')
      .screen('alc', 'exclude', 'paediatric', 'full-text');
    expect(statusOf(state(builder))).toBe('full-text-conflict');
    builder.arbitrate('ash', 'exclude', 'paediatric', 'full-text');
    const settled = state(builder);
    expect(statusOf(settled)).toBe('excluded');
    expect(stageState(settled, 'full-text')?.result).toMatchObject({
      decision: 'exclude',
      reasonIds: ['paediatric'],
      settledBy: 'arbiter',
    });
  });

  const conflicting: Array<[Vote, Vote]> = [
    ['include', 'exclude'],
    ['exclude', 'include'],
    ['include', 'maybe'],
    ['maybe', 'include'],
    ['maybe', 'exclude'],
    ['exclude', 'maybe'],
    ['maybe', 'maybe'],
  ];
  it.each(conflicting)('puts %s + %s in conflict', (a, b) => {
    const s = state(
      log()
        .screen('pp', a, a === 'exclude' ? 'not-iesm' : null)
        .screen('alc', b, b === 'exclude' ? 'not-iesm' : null),
    );
    expect(statusOf(s)).toBe('title-abstract-conflict');
    expect(s.outcome).toBeNull();
  });

  it('lets the arbiter settle a title/abstract conflict either way', () => {
    const conflict = () => log().screen('pp', 'include').screen('alc', 'exclude', 'not-iesm');
    const included = state(conflict().arbitrate('ash', 'include'));
    expect(statusOf(included)).toBe('full-text-awaiting-first');
    expect(stageState(included, 'title-abstract')?.result?.settledBy).toBe('arbiter');
    const excluded = state(conflict().arbitrate('ash', 'exclude', 'review-animal-autopsy'));
    expect(statusOf(excluded)).toBe('excluded');
    expect(stageState(excluded, 'title-abstract')?.result?.reasonIds).toEqual(['review-animal-autopsy']);
  });

  it('settles a full-text conflict by the arbiter to included', () => {
    const s = state(
      log()
        .screen('pp', 'include')
        .screen('alc', 'include')
        .screen('pp', 'maybe', null, 'full-text')
        .screen('alc', 'include', null, 'full-text')
        .arbitrate('ash', 'include', null, 'full-text'),
    );
    expect(statusOf(s)).toBe('included');
  });

  it('counts the latest decision of a screener who changes their mind', () => {
    const s = state(
      log()
        .screen('pp', 'include')
        .screen('pp', 'exclude', 'paediatric')
        .screen('alc', 'exclude', 'not-iesm'),
    );
    expect(statusOf(s)).toBe('excluded');
    const stage = stageState(s, 'title-abstract')!;
    expect(stage.history).toHaveLength(3);
    expect(stage.screenerDecisions.map((d) => [d.reviewerId, d.decision])).toEqual([
      ['pp', 'exclude'],
      ['alc', 'exclude'],
    ]);
    expect(stage.result?.reasonIds).toEqual(['paediatric', 'not-iesm']);
  });

  it('lets a screener change their mind during a conflict, which settles it by agreement', () => {
    const s = state(
      log().screen('pp', 'include').screen('alc', 'exclude', 'not-iesm').screen('pp', 'exclude', 'not-iesm'),
    );
    expect(statusOf(s)).toBe('excluded');
    expect(stageState(s, 'title-abstract')?.result?.settledBy).toBe('agreement');
  });

  it('takes a confirmed duplicate out of screening for good', () => {
    const s = state(log().screen('pp', 'include').duplicateOf('alc', 'c0'));
    expect(statusOf(s)).toBe('duplicate');
    expect(s.duplicateOf).toBe('c0');
    const next = log().screen('pp', 'include').duplicateOf('alc', 'c0');
    expect(ruleCode(() => apply(s, next.decision('alc', 'screener', 'title-abstract', 'include')))).toBe(
      'record-closed',
    );
    expect(ruleCode(() => state(log().duplicateOf('pp', 'c0').duplicateOf('alc', 'c9')))).toBe(
      'record-closed',
    );
    expect(ruleCode(() => state(log().duplicateOf('pp', 'c1')))).toBe('not-allowed');
  });
});

describe('Function: apply (rejected decisions)', () => {
  const conflict = () => log().screen('pp', 'include').screen('alc', 'exclude', 'not-iesm');

  it.each([
    ['an exclusion without a reason', () => state(log().screen('pp', 'exclude')), 'reason-required'],
    [
      'an include with a reason',
      () => state(log().screen('pp', 'include', 'not-iesm')),
      'reason-not-allowed',
    ],
    ['a maybe with a reason', () => state(log().screen('pp', 'maybe', 'not-iesm')), 'reason-not-allowed'],
    [
      'an arbiter before any conflict',
      () => state(log().screen('pp', 'include').arbitrate('ash', 'include')),
      'not-in-conflict',
    ],
    [
      'an arbiter who screened the record',
      () => state(conflict().arbitrate('pp', 'include')),
      'arbiter-was-screener',
    ],
    ['an arbiter saying maybe', () => state(conflict().arbitrate('ash', 'maybe')), 'arbiter-must-decide'],
    ['a third screener', () => state(conflict().screen('third', 'include')), 'stage-full'],
    [
      'a decision on a settled stage by someone who did not screen it',
      () =>
        state(log().screen('pp', 'include').screen('alc', 'include').screen('third', 'exclude', 'not-iesm')),
      'stage-settled',
    ],
    [
      'a decision on a stage not reached',
      () => state(log().screen('pp', 'include', null, 'full-text')),
      'wrong-stage',
    ],
    [
      'a full-text decision on a record excluded at title/abstract',
      () =>
        state(
          log()
            .screen('pp', 'exclude', 'not-iesm')
            .screen('alc', 'exclude', 'not-iesm')
            .screen('pp', 'include', null, 'full-text'),
        ),
      'wrong-stage',
    ],
    [
      'a second arbiter after the conflict is settled (nobody asked to change it)',
      () => state(conflict().arbitrate('ash', 'exclude', 'not-iesm').arbitrate('both', 'include')),
      'not-in-conflict',
    ],
    [
      'a decision on a confirmed duplicate',
      () => state(log().duplicateOf('pp', 'c0').screen('alc', 'include')),
      'record-closed',
    ],
  ])('rejects %s', (_name, run, code) => {
    expect(ruleCode(run)).toBe(code);
  });

  it('rejects an event that is not the next in the log, or that reuses an event id', () => {
    const builder = log().screen('pp', 'include');
    const s = state(builder);
    const event = builder.decision('alc', 'screener', 'title-abstract', 'include');
    expect(ruleCode(() => apply(s, { ...event, seq: 3 }))).toBe('out-of-order');
    expect(ruleCode(() => apply(s, { ...event, seq: 1 }))).toBe('out-of-order');
    expect(ruleCode(() => apply(s, { ...event, eventId: builder.events[0]!.eventId }))).toBe(
      'event-id-reused',
    );
  });

  it('leaves the state it was given unchanged, accepted or not', () => {
    const builder = log().screen('pp', 'include');
    const s = state(builder);
    const before = JSON.stringify(s);
    const next = apply(s, builder.decision('alc', 'screener', 'title-abstract', 'include'));
    expect(statusOf(next)).toBe('full-text-awaiting-first');
    expect(() => apply(s, builder.decision('alc', 'arbiter', 'title-abstract', 'include'))).toThrow(
      ScreeningRuleError,
    );
    expect(JSON.stringify(s)).toBe(before);
  });
});

describe('Function: replay (event logs)', () => {
  const builder = log()
    .screen('pp', 'maybe')
    .screen('alc', 'include')
    .screen('pp', 'exclude', 'paediatric')
    .arbitrate('ash', 'include')
    .screen('alc', 'include', null, 'full-text')
    .screen('pp', 'include', null, 'full-text');

  it('gives the same state as applying each event in turn', () => {
    let s = initialState('c1');
    const statuses: string[] = [];
    for (const event of builder.events) {
      s = apply(s, event);
      statuses.push(statusOf(s));
    }
    expect(statuses).toEqual([
      'title-abstract-awaiting-second',
      'title-abstract-conflict',
      'title-abstract-conflict',
      'full-text-awaiting-first',
      'full-text-awaiting-second',
      'included',
    ]);
    expect(replay('c1', builder.events)).toEqual(s);
  });

  it('orders a log by seq, whatever order the store returned it in', () => {
    const shuffled = [...builder.events].reverse();
    expect(statusOf(replay('c1', shuffled))).toBe('included');
    expect(replay('c1', shuffled).version).toBe(6);
  });

  it('refuses an event of another record in the log', () => {
    expect(ruleCode(() => replay('c2', builder.events))).toBe('not-allowed');
  });
});

describe('Function: decisionRoleFor', () => {
  it('names the role each reviewer decides in, or null', () => {
    const open = state(log());
    expect(decisionRoleFor(open, screeners.pp)).toBe('screener');
    expect(decisionRoleFor(open, screeners.ash)).toBeNull();
    expect(decisionRoleFor(open, screeners.both)).toBe('screener');

    const conflict = state(log().screen('pp', 'include').screen('alc', 'exclude', 'not-iesm'));
    expect(decisionRoleFor(conflict, screeners.pp)).toBe('screener');
    expect(decisionRoleFor(conflict, screeners.third)).toBeNull();
    expect(decisionRoleFor(conflict, screeners.ash)).toBe('arbiter');
    expect(decisionRoleFor(conflict, screeners.both)).toBe('arbiter');

    const bothScreened = state(log().screen('both', 'include').screen('alc', 'exclude', 'not-iesm'));
    expect(decisionRoleFor(bothScreened, screeners.both)).toBe('screener');

    const closed = state(log().screen('pp', 'exclude', 'not-iesm').screen('alc', 'exclude', 'not-iesm'));
    expect(decisionRoleFor(closed, screeners.pp)).toBeNull();
    expect(decisionRoleFor(closed, screeners.ash)).toBeNull();
    // On the settled stage itself: its screeners may ask for a change, nobody else may decide.
    expect(decisionRoleFor(closed, screeners.pp, 'title-abstract')).toBe('screener');
    expect(decisionRoleFor(closed, screeners.third, 'title-abstract')).toBeNull();
    expect(decisionRoleFor(closed, screeners.ash, 'title-abstract')).toBeNull();
  });
});
