// The verification workflow of one study's patient rows, as pure functions over its event log (./events.ts).
//
// 1. An import records each new or changed row as extracted by the importer: a new round for that row (earlier
//    verdicts were about other content and no longer count).
// 2. `required` verifiers, none of them the row's extractor, each give one verdict on the row as it stands:
//    confirm it, or flag fields with a proposed value and a note. Until all of them have, the row is awaiting
//    verification (and no verifier learns what another said: ./blinding.ts).
// 3. When every verdict is in: no flag -> verified; flags -> disputed, and the extractor (or an arbiter who
//    did not verify the row) resolves each flagged field: accept a proposal (the row changes: a new version)
//    or keep the value with a note. Once every flagged field is resolved, the row is verified.
import type { VariableValue } from '../extraction/patient-row.ts';
import type {
  ConfirmedEvent,
  FlaggedEvent,
  FlaggedField,
  ResolvedEvent,
  ResolverRole,
  VerificationEvent,
} from './events.ts';

export type RowPhase = 'awaiting-verification' | 'disputed' | 'verified';

export interface FieldFlag extends FlaggedField {
  by: string;
  at: string;
}

export interface RowVerification {
  patientId: string;
  /** Who extracted the row's current round, and when. */
  extractor: string;
  extractedAt: string;
  /** The content version the round is about now (changed by accepted corrections). */
  version: string;
  /** This round's verdicts by verifier, in the order they came. */
  verdicts: Map<string, ConfirmedEvent | FlaggedEvent>;
  /** Every flagged field of this round, in order (one field may be flagged by several verifiers). */
  flags: FieldFlag[];
  /** This round's resolutions, by field. */
  resolutions: Map<string, ResolvedEvent>;
  phase: RowPhase;
  /** When the row became verified (this round). */
  verifiedAt: string | null;
}

export interface StudyVerificationState {
  studyId: string;
  rows: Map<string, RowVerification>;
  /** The seq of the last event (0 before any). */
  version: number;
  events: VerificationEvent[];
}

export type VerificationRuleCode =
  | 'out-of-order'
  | 'event-id-reused'
  | 'unknown-row'
  | 'stale-version'
  | 'own-row'
  | 'already-verified'
  | 'verification-closed'
  | 'not-disputed'
  | 'not-flagged'
  | 'already-resolved'
  | 'not-extractor'
  | 'arbiter-was-verifier'
  | 'not-a-proposal'
  | 'note-required'
  | 'not-allowed';

/** An event the workflow does not accept in the study's current state. */
export class VerificationRuleError extends Error {
  override name = 'VerificationRuleError';
  constructor(
    readonly code: VerificationRuleCode,
    message: string,
  ) {
    super(message);
  }
}

export function initialVerificationState(studyId: string): StudyVerificationState {
  return { studyId, rows: new Map(), version: 0, events: [] };
}

/** Flagged fields no resolution has settled yet, in order (each field once). */
export function openFields(row: RowVerification): string[] {
  const fields: string[] = [];
  for (const flag of row.flags) {
    if (!row.resolutions.has(flag.field) && !fields.includes(flag.field)) fields.push(flag.field);
  }
  return fields;
}

function phaseOf(row: RowVerification, required: number): RowPhase {
  if (row.verdicts.size < required) return 'awaiting-verification';
  return openFields(row).length > 0 ? 'disputed' : 'verified';
}

function sameValue(a: VariableValue, b: VariableValue): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function rowFor(state: StudyVerificationState, patientId: string): RowVerification {
  const row = state.rows.get(patientId);
  if (!row) {
    throw new VerificationRuleError(
      'unknown-row',
      `study ${state.studyId} has no extracted row ${patientId} (import it first: living-review extract import)`,
    );
  }
  return row;
}

function checkVerdict(state: StudyVerificationState, reviewerId: string, patientId: string, version: string) {
  const row = rowFor(state, patientId);
  if (row.version !== version) {
    throw new VerificationRuleError(
      'stale-version',
      `row ${patientId} of study ${state.studyId} changed since it was read: read it again`,
    );
  }
  if (row.extractor === reviewerId) {
    throw new VerificationRuleError(
      'own-row',
      `${reviewerId} extracted row ${patientId} and cannot verify it`,
    );
  }
  if (row.verdicts.has(reviewerId)) {
    throw new VerificationRuleError(
      'already-verified',
      `${reviewerId} has already given a verdict on row ${patientId}`,
    );
  }
  if (row.phase !== 'awaiting-verification') {
    throw new VerificationRuleError(
      'verification-closed',
      `row ${patientId} of study ${state.studyId} has all its verdicts`,
    );
  }
}

/** Throws VerificationRuleError when `event` cannot follow `state`. */
export function checkVerificationEvent(
  state: StudyVerificationState,
  event: VerificationEvent,
  required: number,
): void {
  if (event.seq !== state.version + 1) {
    throw new VerificationRuleError(
      'out-of-order',
      `event ${event.seq} cannot follow event ${state.version} of ${state.studyId}`,
    );
  }
  if (state.events.some((e) => e.eventId === event.eventId)) {
    throw new VerificationRuleError('event-id-reused', `event id "${event.eventId}" is already in the log`);
  }
  if (event.studyId !== state.studyId) {
    throw new VerificationRuleError(
      'not-allowed',
      `event of ${event.studyId} in the log of ${state.studyId}`,
    );
  }
  switch (event.type) {
    case 'extracted':
      return;
    case 'confirmed': {
      const seen = new Set<string>();
      for (const ref of event.rows) {
        if (seen.has(ref.patientId)) {
          throw new VerificationRuleError('not-allowed', `row ${ref.patientId} is listed twice`);
        }
        seen.add(ref.patientId);
        checkVerdict(state, event.reviewerId, ref.patientId, ref.version);
      }
      return;
    }
    case 'flagged': {
      checkVerdict(state, event.reviewerId, event.row.patientId, event.row.version);
      const fields = event.fields.map((f) => f.field);
      const twice = fields.find((f, i) => fields.indexOf(f) !== i);
      if (twice) throw new VerificationRuleError('not-allowed', `field ${twice} is flagged twice`);
      return;
    }
    case 'resolved': {
      const row = rowFor(state, event.row.patientId);
      if (row.version !== event.row.version) {
        throw new VerificationRuleError(
          'stale-version',
          `row ${row.patientId} of study ${state.studyId} changed since it was read: read it again`,
        );
      }
      if (phaseOf(row, required) !== 'disputed') {
        throw new VerificationRuleError(
          'not-disputed',
          `row ${row.patientId} of study ${state.studyId} is not disputed (${row.phase})`,
        );
      }
      const flags = row.flags.filter((f) => f.field === event.field);
      if (flags.length === 0) {
        throw new VerificationRuleError(
          'not-flagged',
          `field ${event.field} of row ${row.patientId} is not flagged (flagged: ${openFields(row).join(', ')})`,
        );
      }
      if (row.resolutions.has(event.field)) {
        throw new VerificationRuleError(
          'already-resolved',
          `field ${event.field} of row ${row.patientId} is resolved already`,
        );
      }
      checkResolver(row, event.reviewerId, event.role);
      if (event.decision === 'accept' && !flags.some((f) => sameValue(f.proposed, event.value))) {
        throw new VerificationRuleError(
          'not-a-proposal',
          `${JSON.stringify(event.value)} was not proposed for ${event.field} (proposed: ${flags.map((f) => JSON.stringify(f.proposed)).join(', ')})`,
        );
      }
      if (event.decision === 'keep' && !event.note) {
        throw new VerificationRuleError('note-required', `say why ${event.field} keeps its value (a note)`);
      }
      return;
    }
  }
}

function checkResolver(row: RowVerification, reviewerId: string, role: ResolverRole): void {
  if (role === 'extractor' && row.extractor !== reviewerId) {
    throw new VerificationRuleError(
      'not-extractor',
      `${reviewerId} did not extract row ${row.patientId} (${row.extractor} did): only its extractor or an arbiter resolves it`,
    );
  }
  if (role === 'arbiter' && row.verdicts.has(reviewerId)) {
    throw new VerificationRuleError(
      'arbiter-was-verifier',
      `${reviewerId} verified row ${row.patientId} and cannot also resolve it`,
    );
  }
}

function apply(state: StudyVerificationState, event: VerificationEvent, required: number): void {
  switch (event.type) {
    case 'extracted':
      for (const ref of event.rows) {
        const current = state.rows.get(ref.patientId);
        if (current && current.version === ref.version) continue;
        state.rows.set(ref.patientId, {
          patientId: ref.patientId,
          extractor: event.reviewerId,
          extractedAt: event.at,
          version: ref.version,
          verdicts: new Map(),
          flags: [],
          resolutions: new Map(),
          phase: 'awaiting-verification',
          verifiedAt: null,
        });
      }
      break;
    case 'confirmed':
      for (const ref of event.rows) state.rows.get(ref.patientId)!.verdicts.set(event.reviewerId, event);
      break;
    case 'flagged': {
      const row = state.rows.get(event.row.patientId)!;
      row.verdicts.set(event.reviewerId, event);
      for (const field of event.fields) row.flags.push({ ...field, by: event.reviewerId, at: event.at });
      break;
    }
    case 'resolved': {
      const row = state.rows.get(event.row.patientId)!;
      row.resolutions.set(event.field, event);
      row.version = event.version;
      break;
    }
  }
  const touched =
    event.type === 'extracted' || event.type === 'confirmed'
      ? event.rows.map((r) => r.patientId)
      : [event.row.patientId];
  for (const patientId of touched) {
    const row = state.rows.get(patientId)!;
    const before = row.phase;
    row.phase = phaseOf(row, required);
    if (row.phase === 'verified' && before !== 'verified') row.verifiedAt = event.at;
  }
}

/** The state after `events` (a study's whole log). Throws VerificationRuleError on a log that breaks the rules. */
export function replayVerification(
  studyId: string,
  events: readonly VerificationEvent[],
  required: number,
): StudyVerificationState {
  const state = initialVerificationState(studyId);
  for (const event of [...events].sort((x, y) => x.seq - y.seq)) {
    checkVerificationEvent(state, event, required);
    state.events.push(event);
    state.version = event.seq;
    apply(state, event, required);
  }
  return state;
}

/** The state after one more event; throws VerificationRuleError (changing nothing) when it is not allowed. */
export function applyVerificationEvent(
  state: StudyVerificationState,
  event: VerificationEvent,
  required: number,
): StudyVerificationState {
  return replayVerification(state.studyId, [...state.events, event], required);
}

/** What a reviewer may do with a row now: verify it, resolve it (as extractor or arbiter), or nothing. */
export type RowAction = 'verify' | ResolverRole | null;

export interface ActingReviewer {
  id: string;
  /** May verify (has the protocol's verification role). */
  verifies: boolean;
  /** Is an arbiter of the review. */
  arbitrates: boolean;
}

export function rowActionFor(row: RowVerification, reviewer: ActingReviewer): RowAction {
  if (row.phase === 'awaiting-verification') {
    return reviewer.verifies && row.extractor !== reviewer.id && !row.verdicts.has(reviewer.id)
      ? 'verify'
      : null;
  }
  if (row.phase === 'disputed') {
    if (row.extractor === reviewer.id) return 'extractor';
    if (reviewer.arbitrates && !row.verdicts.has(reviewer.id)) return 'arbiter';
  }
  return null;
}
