// The update trigger on a Cox model's term (`cox-hr-crosses`): its hazard ratio moved to the other side of a
// threshold (measure "hr"), or its 95% confidence interval started or stopped excluding it (measure "ci": with
// threshold 1, the effect became statistically significant at 5%, or stopped being so). Measured, like every
// trigger, on the diff from the trigger's baseline version to the evaluated one (evaluate.ts).
import type { UpdateTrigger } from '../protocol/protocol.ts';
import { type CoxTermState, hrWithCi } from '../stats/cox-models.ts';
import type { SnapshotDiff } from '../stats/snapshot.ts';

type CoxTrigger = Extract<UpdateTrigger, { kind: 'cox-hr-crosses' }>;

export function coxTriggerId(trigger: CoxTrigger, slug: (text: string) => string): string {
  return `${trigger.kind}-${slug(trigger.model)}-${slug(trigger.term)}-${trigger.measure}-${trigger.threshold}`;
}

export function describeCoxTrigger(
  trigger: CoxTrigger,
  context: { models?: ReadonlyMap<string, string> },
): string {
  const model = context.models?.get(trigger.model) ?? trigger.model;
  return trigger.measure === 'ci'
    ? `The 95% CI of the hazard ratio of ${trigger.term} (Cox model "${model}") starts or stops excluding ${trigger.threshold}`
    : `The hazard ratio of ${trigger.term} (Cox model "${model}") crosses ${trigger.threshold}`;
}

type Estimate = Extract<CoxTermState, { hr: number | null }>;

function estimate(state: CoxTermState | null): Estimate | null {
  return state !== null && !('error' in state) && state.hr !== null ? state : null;
}

function hrText(state: Estimate): string {
  return `HR ${hrWithCi(state)}, n ${state.n}`;
}

/** -1 below the threshold, 1 above it, 0 on it. */
function side(value: number, threshold: number): number {
  return Math.sign(value - threshold);
}

function excludes(state: Estimate, threshold: number): boolean | null {
  if (state.lower === null || state.upper === null) return null;
  return state.lower > threshold || state.upper < threshold;
}

/** The trigger against a diff: crossed, the observed hazard ratio, and what was measured. */
export function coxTriggerEvaluation(
  trigger: CoxTrigger,
  diff: SnapshotDiff,
): { crossed: boolean; observed: number | null; detail: string } {
  const since = `since version ${diff.fromVersion}`;
  const name = `${trigger.term} in ${trigger.model}`;
  const change = (diff.cox ?? []).find((c) => c.model === trigger.model && c.term === trigger.term);
  if (!change) return { crossed: false, observed: null, detail: `${name}: hazard ratio unchanged ${since}` };
  const before = estimate(change.before);
  const after = estimate(change.after);
  if (!before || !after) {
    const what = !after ? 'not estimated now' : 'not estimated before';
    return { crossed: false, observed: after?.hr ?? null, detail: `${name}: ${what} (${since})` };
  }
  const threshold = trigger.threshold;
  const crossed =
    trigger.measure === 'hr'
      ? side(before.hr!, threshold) !== side(after.hr!, threshold)
      : excludes(before, threshold) !== null &&
        excludes(after, threshold) !== null &&
        excludes(before, threshold) !== excludes(after, threshold);
  const ciNote =
    trigger.measure === 'ci'
      ? `; the CI ${excludes(after, threshold) ? 'excludes' : 'includes'} ${threshold} now`
      : '';
  return {
    crossed,
    observed: Number(after.hr!.toPrecision(6)),
    detail: `${name}: ${hrText(before)} -> ${hrText(after)} ${since} (version ${diff.toVersion})${ciNote}`,
  };
}
