// The cox-hr-crosses trigger on snapshot diffs: a hazard ratio moving to the other side of the threshold, a CI
// starting or stopping to exclude it, and nothing when the term did not move or was not estimated.
import { describe, expect, it } from 'vitest';
import type { UpdateTrigger } from '../../../shared/domain/protocol/protocol.ts';
import type { CoxTermState } from '../../../shared/domain/stats/cox-models.ts';
import type { SnapshotDiff } from '../../../shared/domain/stats/snapshot.ts';
import { describeTrigger, evaluateTrigger, triggerId } from '../../../shared/domain/triggers/evaluate.ts';

function diffWith(before: CoxTermState | null, after: CoxTermState | null): SnapshotDiff {
  return {
    reviewId: 'r',
    fromVersion: 2,
    toVersion: 5,
    changed: true,
    patientsAdded: [],
    patientsRemoved: [],
    studiesAdded: [],
    studiesRemoved: [],
    proportions: [],
    medians: [],
    km: [],
    logrank: [],
    variables: [],
    cox: [{ model: 'adjusted', term: 'armyes', before, after }],
  };
}

const estimate = (hr: number, lower: number, upper: number, n = 100): CoxTermState => ({
  n,
  events: 60,
  hr,
  lower,
  upper,
  p: 0.01,
});

const trigger = (extra: Partial<Extract<UpdateTrigger, { kind: 'cox-hr-crosses' }>> = {}) =>
  ({
    kind: 'cox-hr-crosses',
    model: 'adjusted',
    term: 'armyes',
    threshold: 1,
    measure: 'hr',
    ...extra,
  }) as const;

describe('cox-hr-crosses', () => {
  it('crosses when the hazard ratio moves to the other side of the threshold, either way', () => {
    const down = evaluateTrigger(trigger(), diffWith(estimate(1.2, 0.9, 1.6), estimate(0.8, 0.6, 1.05, 140)));
    expect(down).toMatchObject({
      crossed: true,
      observed: 0.8,
      detail:
        'armyes in adjusted: HR 1.20 (0.900–1.60), n 100 -> HR 0.800 (0.600–1.05), n 140 since version 2 (version 5)',
    });
    expect(
      evaluateTrigger(trigger(), diffWith(estimate(0.8, 0.6, 1.05), estimate(1.2, 0.9, 1.6))).crossed,
    ).toBe(true);
    // Moving on one side only.
    expect(
      evaluateTrigger(trigger(), diffWith(estimate(1.2, 0.9, 1.6), estimate(1.01, 0.8, 1.3))).crossed,
    ).toBe(false);
    // Another threshold: HR 0.8 is below 0.9 -> crossing 0.9 from 1.2.
    expect(
      evaluateTrigger(
        trigger({ threshold: 0.9 }),
        diffWith(estimate(1.2, 0.9, 1.6), estimate(0.85, 0.6, 1.1)),
      ).crossed,
    ).toBe(true);
    expect(
      evaluateTrigger(
        trigger({ threshold: 0.8 }),
        diffWith(estimate(1.2, 0.9, 1.6), estimate(0.85, 0.6, 1.1)),
      ).crossed,
    ).toBe(false);
  });

  it('measure ci: crosses when the CI starts (or stops) excluding the threshold, not when the HR moves within', () => {
    const ci = trigger({ measure: 'ci' });
    const significant = evaluateTrigger(ci, diffWith(estimate(0.85, 0.7, 1.03), estimate(0.86, 0.75, 0.98)));
    expect(significant.crossed).toBe(true);
    expect(significant.detail).toContain('the CI excludes 1 now');
    expect(evaluateTrigger(ci, diffWith(estimate(0.86, 0.75, 0.98), estimate(0.9, 0.78, 1.04))).crossed).toBe(
      true,
    );
    // The HR crosses 1 but the CI includes 1 before and after.
    expect(evaluateTrigger(ci, diffWith(estimate(1.05, 0.8, 1.3), estimate(0.95, 0.7, 1.2))).crossed).toBe(
      false,
    );
  });

  it('does not cross when the term did not move, is new, or could not be estimated', () => {
    const unchanged = evaluateTrigger(trigger(), { ...diffWith(null, null), cox: [] });
    expect(unchanged).toMatchObject({
      crossed: false,
      observed: null,
      detail: 'armyes in adjusted: hazard ratio unchanged since version 2',
    });
    const { cox: _cox, ...older } = diffWith(null, null);
    expect(evaluateTrigger(trigger(), older).crossed).toBe(false);
    expect(evaluateTrigger(trigger(), diffWith(null, estimate(0.5, 0.3, 0.8))).crossed).toBe(false);
    expect(
      evaluateTrigger(trigger(), diffWith(estimate(1.5, 1.1, 2), { error: 'covariate "arm" has one level' })),
    ).toMatchObject({ crossed: false, detail: 'armyes in adjusted: not estimated now (since version 2)' });
    expect(
      evaluateTrigger(
        trigger(),
        diffWith(estimate(1.5, 1.1, 2), { n: 10, events: 0, hr: null, lower: null, upper: null, p: null }),
      ).crossed,
    ).toBe(false);
  });

  it('has a stable id and a description naming the model by its label', () => {
    expect(triggerId(trigger())).toBe('cox-hr-crosses-adjusted-armyes-hr-1');
    expect(triggerId(trigger({ measure: 'ci', threshold: 0.8 }))).toBe(
      'cox-hr-crosses-adjusted-armyes-ci-0.8',
    );
    const context = { endpoints: new Map(), models: new Map([['adjusted', 'Hormone therapy, adjusted']]) };
    expect(describeTrigger(trigger(), context)).toBe(
      'The hazard ratio of armyes (Cox model "Hormone therapy, adjusted") crosses 1',
    );
    expect(describeTrigger(trigger({ measure: 'ci' }), context)).toBe(
      'The 95% CI of the hazard ratio of armyes (Cox model "Hormone therapy, adjusted") starts or stops excluding 1',
    );
  });
});
