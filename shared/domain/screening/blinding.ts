// What one reviewer may see of a record's screening. Blinding rule: until a stage settles, a screener sees
// only their own decision at that stage: not the other screener's, not whether the other has decided in a way
// that shows it, and not that the stage is in conflict (which would give the other decision away). An arbiter
// sees both screeners' decisions of a stage in conflict they may settle. Once a stage settles, everyone listed
// on the review sees its decisions, its result and its history (so the arbiter of a reopened stage sees what
// changed since it settled).
//
// The API returns only RecordView objects built here, so the rule holds for every client, not just the page.
import type { Reviewer } from '../protocol/protocol.ts';
import type { DecisionEvent, DecisionRole, ReviewerRole, Stage, Vote } from './events.ts';
import {
  decisionRoleFor,
  type Outcome,
  type RecordState,
  type StageResult,
  type StageState,
} from './workflow.ts';

export interface DecisionView {
  reviewerId: string;
  role: DecisionRole;
  decision: Vote;
  reasonId: string | null;
  note: string | null;
  at: string;
}

export interface StageView {
  stage: Stage;
  /** True once a result is in force (also while reopened). */
  settled: boolean;
  /** Only once settled. */
  result: StageResult | null;
  /** Every counting decision: once settled, or for the arbiter of a stage in conflict; null otherwise. */
  decisions: DecisionView[] | null;
  /** Every decision of the stage in log order, changes included: whenever `decisions` is shown. */
  history: DecisionView[] | null;
  /** The viewer's own latest decision at this stage. */
  mine: DecisionView | null;
  /** Only shown to a viewer who may see the decisions (an arbiter of this conflict). */
  inConflict: boolean | null;
  /** Settled, but back with an arbiter (a screener's change, a contradicted direct inclusion); null until settled. */
  reopened: boolean | null;
  /**
   * How the viewer may decide here now: "screener" (on a settled stage their change goes to the arbiter),
   * "arbiter", or null.
   */
  decideAs: ReviewerRole | null;
}

export interface RecordView {
  citationId: string;
  /** The stage that needs a decision; null once the record has an outcome. */
  stage: Stage | null;
  outcome: Outcome | null;
  duplicateOf: string | null;
  stages: StageView[];
  /** The role the viewer would decide in on `stage` now, or null when they cannot decide on this record. */
  decideAs: ReviewerRole | null;
}

export function decisionView(event: DecisionEvent): DecisionView {
  return {
    reviewerId: event.reviewerId,
    role: event.role,
    decision: event.decision,
    reasonId: event.reasonId,
    note: event.note,
    at: event.at,
  };
}

function counting(stage: StageState): DecisionEvent[] {
  const direct = stage.history.filter((d) => d.role === 'direct').slice(-1);
  return [...stage.screenerDecisions, ...(stage.arbiterDecision ? [stage.arbiterDecision] : []), ...direct];
}

export function viewFor(state: RecordState, viewer: Pick<Reviewer, 'id' | 'roles'>): RecordView {
  const decideAs = decisionRoleFor(state, viewer);
  const stages = state.stages.map((stage): StageView => {
    const own = [...stage.history].reverse().find((d) => d.reviewerId === viewer.id);
    const settled = stage.result !== null;
    const arbitrating =
      !settled && stage.phase === 'conflict' && stage.stage === state.stage && decideAs === 'arbiter';
    const visible = settled || arbitrating;
    return {
      stage: stage.stage,
      settled,
      result: settled ? stage.result : null,
      decisions: visible ? counting(stage).map(decisionView) : null,
      history: visible ? stage.history.map(decisionView) : null,
      mine: own ? decisionView(own) : null,
      inConflict: arbitrating ? true : null,
      reopened: settled ? stage.phase === 'reopened' : null,
      decideAs: decisionRoleFor(state, viewer, stage.stage),
    };
  });
  return {
    citationId: state.citationId,
    stage: state.stage,
    outcome: state.outcome,
    duplicateOf: state.duplicateOf,
    stages,
    decideAs,
  };
}
