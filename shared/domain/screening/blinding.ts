// What one reviewer may see of a record's screening. Blinding rule: until a stage settles, a screener sees
// only their own decision at that stage: not the other screener's, not whether the other has decided in a way
// that shows it, and not that the stage is in conflict (which would give the other decision away). An arbiter
// sees both screeners' decisions of a stage in conflict they may settle. Once a stage settles, everyone listed
// on the review sees its decisions and result.
//
// The API returns only RecordView objects built here, so the rule holds for every client, not just the page.
import type { Reviewer } from '../protocol/protocol.ts';
import type { DecisionEvent, DecisionRole, Stage, Vote } from './events.ts';
import { decisionRoleFor, type Outcome, type RecordState, type StageResult } from './workflow.ts';

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
  settled: boolean;
  /** Only once settled. */
  result: StageResult | null;
  /** Every counting decision: once settled, or for the arbiter of a stage in conflict; null otherwise. */
  decisions: DecisionView[] | null;
  /** The viewer's own latest decision at this stage. */
  mine: DecisionView | null;
  /** Only shown to a viewer who may see the decisions (an arbiter of this conflict). */
  inConflict: boolean | null;
}

export interface RecordView {
  citationId: string;
  /** The open stage; null once the record has an outcome. */
  stage: Stage | null;
  outcome: Outcome | null;
  duplicateOf: string | null;
  stages: StageView[];
  /** The role the viewer would decide in now, or null when they cannot decide on this record. */
  decideAs: DecisionRole | null;
}

function toView(event: DecisionEvent): DecisionView {
  return {
    reviewerId: event.reviewerId,
    role: event.role,
    decision: event.decision,
    reasonId: event.reasonId,
    note: event.note,
    at: event.at,
  };
}

export function viewFor(state: RecordState, viewer: Pick<Reviewer, 'id' | 'roles'>): RecordView {
  const decideAs = decisionRoleFor(state, viewer);
  const stages = state.stages.map((stage): StageView => {
    const own = stage.screenerDecisions.find((d) => d.reviewerId === viewer.id) ?? stage.arbiterDecision;
    const mine = own && own.reviewerId === viewer.id ? toView(own) : null;
    const settled = stage.phase === 'settled';
    const arbitrating = !settled && stage.phase === 'conflict' && decideAs === 'arbiter';
    const counting = [...stage.screenerDecisions, ...(stage.arbiterDecision ? [stage.arbiterDecision] : [])];
    return {
      stage: stage.stage,
      settled,
      result: settled ? stage.result : null,
      decisions: settled || arbitrating ? counting.map(toView) : null,
      mine,
      inConflict: arbitrating ? true : null,
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
