// Update triggers: the protocol's rules for when the team must be told that the evidence changed. Each trigger
// is measured on the difference between two statistics snapshots: the version the trigger last fired at (its
// baseline; version 1, the review as first pooled, before it ever fired) and the version being evaluated.
//
// | kind | crossed when |
// |---|---|
// | new-patients (atLeast N) | patients added since the baseline >= N |
// | new-studies (atLeast N) | studies added since the baseline >= N |
// | proportion-shift (variable, level, percentagePoints X) | the "n (%)" row of that level moved by more than X points (the row without a subset; else the largest move among its subsets) |
// | km-median-shift (endpoint, moreThan X, followUp) | the Kaplan-Meier median of that endpoint (or its median follow-up) moved by more than X (its time unit), or went from reached to not reached (or back) |
// | cox-hr-crosses (model, term, threshold T, measure) | hr: that term's hazard ratio is now on the other side of T (or on it); ci: its 95% CI now excludes T and did not (or the reverse) |
//
// Pure: the caller reads the two snapshots and records the crossings (shared/app/evaluate-triggers.ts).
import type { UpdateTrigger } from '../protocol/protocol.ts';
import type { SnapshotDiff } from '../stats/snapshot.ts';
import { coxTriggerEvaluation, coxTriggerId, describeCoxTrigger } from './cox-trigger.ts';

export interface TriggerEvaluation {
  trigger: UpdateTrigger;
  triggerId: string;
  crossed: boolean;
  /** The measured change (patients, studies, points or months); null when there is nothing to measure. */
  observed: number | null;
  /** "At least 5 new patients", as the team reads it. */
  description: string;
  /** What was measured, e.g. "7 patients added since version 3". */
  detail: string;
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, '-')
    .replace(/^-|-$/g, '');
}

/**
 * A stable id made of the trigger's kind and parameters (no "#"), e.g. "km-median-shift-os-2"; crossings are
 * recorded under it, so it must not change for a trigger whose parameters did not.
 */
export function triggerId(trigger: UpdateTrigger): string {
  switch (trigger.kind) {
    case 'new-patients':
    case 'new-studies':
      return `${trigger.kind}-${trigger.atLeast}`;
    case 'proportion-shift':
      return `${trigger.kind}-${slug(trigger.variable)}-${slug(trigger.level)}-${trigger.percentagePoints}`;
    case 'km-median-shift':
      return `${trigger.kind}-${slug(trigger.endpoint)}${trigger.followUp ? '-follow-up' : ''}-${trigger.moreThan}`;
    case 'cox-hr-crosses':
      return coxTriggerId(trigger, slug);
  }
}

/** How triggers name the protocol's endpoints: their labels and time units. */
export interface TriggerContext {
  endpoints: ReadonlyMap<string, { label: string; unit: string | null }>;
  /** Cox model labels by id (optional: the id names the model without it). */
  models?: ReadonlyMap<string, string>;
}

const NO_CONTEXT: TriggerContext = { endpoints: new Map() };

function curveName(trigger: Extract<UpdateTrigger, { kind: 'km-median-shift' }>, context: TriggerContext) {
  const label = context.endpoints.get(trigger.endpoint)?.label ?? trigger.endpoint;
  return trigger.followUp
    ? `follow-up of ${label.toLowerCase()} (reverse Kaplan-Meier)`
    : label.toLowerCase();
}

function unitOf(trigger: Extract<UpdateTrigger, { kind: 'km-median-shift' }>, context: TriggerContext) {
  return context.endpoints.get(trigger.endpoint)?.unit ?? 'time units';
}

export function describeTrigger(trigger: UpdateTrigger, context: TriggerContext = NO_CONTEXT): string {
  switch (trigger.kind) {
    case 'new-patients':
      return `At least ${trigger.atLeast} newly included patient${trigger.atLeast === 1 ? '' : 's'}`;
    case 'new-studies':
      return `At least ${trigger.atLeast} newly included stud${trigger.atLeast === 1 ? 'y' : 'ies'}`;
    case 'proportion-shift':
      return `The proportion of ${trigger.variable} = ${trigger.level} moves by more than ${trigger.percentagePoints} percentage points`;
    case 'km-median-shift':
      return `The Kaplan-Meier median of ${curveName(trigger, context)} moves by more than ${trigger.moreThan} ${unitOf(trigger, context)}`;
    case 'cox-hr-crosses':
      return describeCoxTrigger(trigger, context);
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/** One trigger against the diff from its baseline version to the evaluated version. */
export function evaluateTrigger(
  trigger: UpdateTrigger,
  diff: SnapshotDiff,
  context: TriggerContext = NO_CONTEXT,
): TriggerEvaluation {
  const base = { trigger, triggerId: triggerId(trigger), description: describeTrigger(trigger, context) };
  const since = `since version ${diff.fromVersion}`;
  switch (trigger.kind) {
    case 'new-patients': {
      const added = diff.patientsAdded.length;
      return {
        ...base,
        crossed: added >= trigger.atLeast,
        observed: added,
        detail: `${added} patient${added === 1 ? '' : 's'} added ${since} (version ${diff.toVersion})`,
      };
    }
    case 'new-studies': {
      const added = diff.studiesAdded.length;
      return {
        ...base,
        crossed: added >= trigger.atLeast,
        observed: added,
        detail: `${added} stud${added === 1 ? 'y' : 'ies'} added ${since} (version ${diff.toVersion})`,
      };
    }
    case 'proportion-shift': {
      const rows = diff.proportions.filter(
        (p) => p.variable === trigger.variable && p.level === trigger.level && p.percentagePoints !== null,
      );
      const row =
        rows.find((p) => p.subset === null) ??
        [...rows].sort((a, b) => Math.abs(b.percentagePoints!) - Math.abs(a.percentagePoints!))[0];
      if (!row) {
        return {
          ...base,
          crossed: false,
          observed: null,
          detail: `${trigger.variable} = ${trigger.level}: no change ${since}`,
        };
      }
      const points = row.percentagePoints!;
      return {
        ...base,
        crossed: Math.abs(points) > trigger.percentagePoints,
        observed: points,
        detail: `${row.label} (Table ${row.table}): ${row.before?.percent ?? 'NA'}% -> ${row.after?.percent ?? 'NA'}% (${points > 0 ? '+' : ''}${points} points ${since}, version ${diff.toVersion})`,
      };
    }
    case 'km-median-shift': {
      const unit = unitOf(trigger, context);
      const name = curveName(trigger, context);
      const at = (value: number | null | undefined) =>
        value === null || value === undefined ? 'not reached' : `${round(value)} ${unit}`;
      const change = diff.km.find(
        (k) => k.curve === trigger.endpoint && k.kind === (trigger.followUp ? 'follow-up' : 'endpoint'),
      );
      if (!change || change.before?.median === change.after?.median) {
        return {
          ...base,
          crossed: false,
          observed: change ? 0 : null,
          detail: `median ${name}: unchanged ${since}`,
        };
      }
      if (!change.before || !change.after) {
        // The endpoint was declared (or dropped) since the baseline: there is nothing to compare.
        return {
          ...base,
          crossed: false,
          observed: null,
          detail: `median ${name}: ${change.before ? 'no longer reported' : 'first reported'} ${since}`,
        };
      }
      const shift = change.shift;
      return {
        ...base,
        // Reached <-> not reached has no size and is always worth telling.
        crossed: shift === null ? true : Math.abs(shift) > trigger.moreThan,
        observed: shift === null ? null : round(shift),
        detail: `median ${name}: ${at(change.before?.median)} -> ${at(change.after?.median)} ${since} (version ${diff.toVersion})`,
      };
    }
    case 'cox-hr-crosses':
      return { ...base, ...coxTriggerEvaluation(trigger, diff) };
  }
}
