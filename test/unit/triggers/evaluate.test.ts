// Update triggers measured on snapshot diffs computed from the synthetic IESM cohort.
import { describe, expect, it } from 'vitest';
import type { UpdateTrigger } from '../../../shared/domain/protocol/protocol.ts';
import { computeStatisticsSnapshot, diffSnapshots } from '../../../shared/domain/stats/snapshot.ts';
import {
  describeTrigger,
  evaluateTrigger,
  type TriggerContext,
  triggerId,
} from '../../../shared/domain/triggers/evaluate.ts';
import { renderTriggerNotification } from '../../../shared/domain/triggers/notification.ts';
import { iesmPlan } from '../../support/protocols.ts';
import { loadSyntheticCohort } from '../extraction/reference-fixtures.ts';

const cohort = loadSyntheticCohort();
const plan = iesmPlan();
/** How the IESM protocol names its endpoints. */
const context: TriggerContext = {
  endpoints: new Map([
    ['os', { label: 'Overall survival', unit: 'months' }],
    ['lc', { label: 'Local control', unit: 'months' }],
  ]),
};
const studies = [...new Set(cohort.map((row) => row.studyId))];

function snapshot(version: number, count: number) {
  const rows = cohort.slice(0, count);
  return computeStatisticsSnapshot({
    plan,
    version,
    rows,
    includedStudies: studies,
    generatedAt: `2026-01-0${version}T00:00:00.000Z`,
  });
}

const v1 = snapshot(1, 100);
const v2 = snapshot(2, 106);
const v3 = snapshot(3, 130);

describe('Function: evaluateTrigger', () => {
  it('new-patients: crossed at N added, not at N-1', () => {
    const diff = diffSnapshots(v1, v2);
    expect(evaluateTrigger({ kind: 'new-patients', atLeast: 6 }, diff)).toMatchObject({
      crossed: true,
      observed: 6,
      detail: '6 patients added since version 1 (version 2)',
    });
    expect(evaluateTrigger({ kind: 'new-patients', atLeast: 7 }, diff).crossed).toBe(false);
  });

  it('new-studies counts studies added', () => {
    const a = computeStatisticsSnapshot({
      plan,
      version: 1,
      rows: [],
      includedStudies: ['s1'],
      generatedAt: 't',
    });
    const b = computeStatisticsSnapshot({
      plan,
      version: 2,
      rows: [],
      includedStudies: ['s1', 's2', 's3'],
      generatedAt: 't',
    });
    expect(evaluateTrigger({ kind: 'new-studies', atLeast: 2 }, diffSnapshots(a, b))).toMatchObject({
      crossed: true,
      observed: 2,
    });
    expect(evaluateTrigger({ kind: 'new-studies', atLeast: 3 }, diffSnapshots(a, b)).crossed).toBe(false);
  });

  it('km-median-shift compares the absolute shift of the median with the threshold', () => {
    // Median follow-up (reverse KM): 22.7 months with 100 patients, 20.6 with all 130.
    const diff = diffSnapshots(v1, v3);
    const followUp = (moreThan: number): UpdateTrigger => ({
      kind: 'km-median-shift',
      endpoint: 'os',
      followUp: true,
      moreThan,
    });
    expect(evaluateTrigger(followUp(2), diff, context)).toMatchObject({
      crossed: true,
      observed: -2.1,
      detail:
        'median follow-up of overall survival (reverse Kaplan-Meier): 22.7 months -> 20.6 months since version 1 (version 3)',
    });
    expect(evaluateTrigger(followUp(2.5), diff, context).crossed).toBe(false);
    expect(
      evaluateTrigger(
        { kind: 'km-median-shift', endpoint: 'os', followUp: false, moreThan: 0.01 },
        diffSnapshots(v1, v1),
      ).crossed,
    ).toBe(false);
  });

  it('km-median-shift: a median that becomes reached (60 -> 80 patients: NA -> 6.7) is always crossed', () => {
    const evaluation = evaluateTrigger(
      { kind: 'km-median-shift', endpoint: 'os', followUp: false, moreThan: 100 },
      diffSnapshots(snapshot(1, 60), snapshot(2, 80)),
      context,
    );
    expect(evaluation).toMatchObject({ crossed: true, observed: null });
    expect(evaluation.detail).toContain('not reached -> 6.7 months');
  });

  it('proportion-shift reads the row of the variable and level, without a subset first', () => {
    const diff = diffSnapshots(v1, v3);
    const row = diff.proportions.find(
      (p) => p.subset === null && p.percentagePoints !== null && p.percentagePoints !== 0,
    )!;
    expect(row).toBeDefined();
    const points = Math.abs(row.percentagePoints!);
    const at = (percentagePoints: number): UpdateTrigger => ({
      kind: 'proportion-shift',
      variable: row.variable,
      level: row.level,
      percentagePoints,
    });
    const crossed = evaluateTrigger(at(points - 0.05), diff);
    expect(crossed.crossed).toBe(true);
    expect(crossed.observed).toBe(row.percentagePoints);
    expect(evaluateTrigger(at(points), diff).crossed).toBe(false);
    expect(
      evaluateTrigger(
        { kind: 'proportion-shift', variable: row.variable, level: 'no-such-level', percentagePoints: 1 },
        diff,
      ),
    ).toMatchObject({
      crossed: false,
      observed: null,
    });
  });

  it('gives every trigger a stable id without "#" and a description', () => {
    const triggers: UpdateTrigger[] = [
      { kind: 'new-patients', atLeast: 5 },
      { kind: 'km-median-shift', endpoint: 'os', followUp: false, moreThan: 2 },
      { kind: 'km-median-shift', endpoint: 'rfs_overall', followUp: true, moreThan: 3 },
      {
        kind: 'proportion-shift',
        variable: 'systemic_metastasis_sites',
        level: 'lymph nodes',
        percentagePoints: 5,
      },
    ];
    expect(triggers.map(triggerId)).toEqual([
      'new-patients-5',
      'km-median-shift-os-2',
      'km-median-shift-rfs-overall-follow-up-3',
      'proportion-shift-systemic-metastasis-sites-lymph-nodes-5',
    ]);
    expect(describeTrigger(triggers[0]!)).toBe('At least 5 newly included patients');
    expect(describeTrigger(triggers[1]!, context)).toBe(
      'The Kaplan-Meier median of overall survival moves by more than 2 months',
    );
  });

  it('does not fire for an endpoint first reported since the baseline (nothing to compare)', () => {
    const { os: _os, ...withoutOs } = v1.survival.curves;
    const before = { ...v1, survival: { ...v1.survival, curves: withoutOs } };
    const evaluation = evaluateTrigger(
      { kind: 'km-median-shift', endpoint: 'os', followUp: false, moreThan: 1 },
      diffSnapshots(before, v3),
      context,
    );
    expect(evaluation).toMatchObject({ crossed: false, observed: null });
    expect(evaluation.detail).toBe('median overall survival: first reported since version 1');
  });
});

describe('Function: renderTriggerNotification', () => {
  it('escapes the review title and details in the HTML and names the version', () => {
    const message = renderTriggerNotification({
      reviewId: 'iesm',
      reviewTitle: 'IESM <script>x</script>',
      version: 4,
      crossings: [
        {
          description: 'At least 5 newly included patients',
          detail: '7 patients <b>added</b>',
          baselineVersion: 1,
        },
      ],
      reportUrl: 'https://reports.example.org/iesm/index.html',
    });
    expect(message.subject).toBe('[iesm] Update trigger crossed at statistics version 4');
    expect(message.html).not.toContain('<script>');
    expect(message.html).toContain('7 patients &lt;b&gt;added&lt;/b&gt;');
    expect(message.text).toContain('* At least 5 newly included patients');
    expect(message.text).toContain('Living report: https://reports.example.org/iesm/index.html');
  });
});
