// What one reviewer may see of a row's verification (the rule appraisal follows, ../appraisal/blinding.ts): a
// verifier sees only their own verdict until the row is verified: not the others' verdicts, not whether
// another has started, not whether the row is disputed. The extractor and an arbiter who did not verify the
// row see the flags once every verdict is in (the row is disputed) to resolve them. Once verified, everyone
// listed on the review sees every verdict, flag and resolution.
//
// The API and the CLI hand out only RowVerificationView objects built here.
import type { VariableValue } from '../extraction/patient-row.ts';
import type { FlaggedField } from './events.ts';
import {
  type ActingReviewer,
  openFields,
  type RowAction,
  type RowVerification,
  rowActionFor,
} from './workflow.ts';

export interface VerdictView {
  reviewerId: string;
  verdict: 'confirm' | 'flag';
  /** The flagged fields, for a flag. */
  fields: FlaggedField[];
  at: string;
}

export interface ResolutionView {
  field: string;
  reviewerId: string;
  role: 'extractor' | 'arbiter';
  decision: 'accept' | 'keep';
  value: VariableValue;
  note: string | null;
  at: string;
}

export interface RowVerificationView {
  patientId: string;
  extractor: string;
  /** The content version verdicts and resolutions must name. */
  version: string;
  /** What the viewer may know: a verifier of an unsettled row sees "awaiting-verification" only. */
  phase: 'awaiting-verification' | 'disputed' | 'verified';
  required: number;
  mine: VerdictView | null;
  /** Every verdict: once verified, or for the row's resolver while disputed; null otherwise. */
  verdicts: VerdictView[] | null;
  /** Fields still to resolve (for the resolver while disputed); null otherwise. */
  open: string[] | null;
  /** Resolutions: once verified, or for the resolver; null otherwise. */
  resolutions: ResolutionView[] | null;
  /** What the viewer may do now. */
  action: RowAction;
}

function verdictView(row: RowVerification, reviewerId: string): VerdictView | null {
  const event = row.verdicts.get(reviewerId);
  if (!event) return null;
  return {
    reviewerId,
    verdict: event.type === 'confirmed' ? 'confirm' : 'flag',
    fields: event.type === 'flagged' ? event.fields : [],
    at: event.at,
  };
}

export function rowVerificationViewFor(
  row: RowVerification,
  viewer: ActingReviewer,
  required: number,
): RowVerificationView {
  const action = rowActionFor(row, viewer);
  const open =
    row.phase === 'verified' || (row.phase === 'disputed' && action !== null && action !== 'verify');
  const resolver = row.phase === 'disputed' && open;
  return {
    patientId: row.patientId,
    extractor: row.extractor,
    version: row.version,
    phase: open ? row.phase : 'awaiting-verification',
    required,
    mine: verdictView(row, viewer.id),
    verdicts: open ? [...row.verdicts.keys()].map((id) => verdictView(row, id)!) : null,
    open: resolver ? openFields(row) : null,
    resolutions: open
      ? [...row.resolutions.values()].map((r) => ({
          field: r.field,
          reviewerId: r.reviewerId,
          role: r.role,
          decision: r.decision,
          value: r.value,
          note: r.note,
          at: r.at,
        }))
      : null,
    action,
  };
}
