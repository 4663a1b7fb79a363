// Use cases of extraction verification: recording who extracted the imported rows, what waits for a reviewer
// (rows to verify, disputes to resolve), a verifier's confirmation or flags, and the extractor's (or an
// arbiter's) resolution of a flagged field. The HTTP API, the `extract verify` / `extract resolve` commands and
// the import all call these; the statistics read the logs through verificationStates.
//
// Recording a verdict or a resolution, primary course (as recording an appraisal answer, ./appraisal.ts):
//   1. Check the reviewer is listed with a role that may act, the study is included, the row exists and every
//      field and value is one the protocol's variables accept (bad input is refused; nothing is written).
//   2. Read the study's log and its stored rows, replay the log, build the event at the next position.
//   3. Check it against the workflow; a refused event changes nothing and says why.
//   4. Append it with a conditional write at that position; if a concurrent writer took it, go back to 2.
//   5. An accepted correction then writes the corrected row (a new version of it).
// Giving again the verdict or resolution one already gave writes nothing (a retry after a crash converges). A
// crash between 4 and 5 leaves the log one version ahead of the stored row: the row counts as unverified, and
// the next write on the study (any verdict or resolution, or the same one again) writes the corrected row.

import { sha256Hex } from '../domain/citation/citation-id.ts';
import { parseCell } from '../domain/extraction/import-rows.ts';
import {
  checkValue,
  type PatientRow,
  rowSchemaOf,
  rowVersion,
  ruleViolations,
  type VariableValue,
} from '../domain/extraction/patient-row.ts';
import type { Protocol, Reviewer } from '../domain/protocol/protocol.ts';
import type { Verification } from '../domain/protocol/verification.ts';
import { type RowVerificationView, rowVerificationViewFor } from '../domain/verification/blinding.ts';
import type { FlaggedField, VerificationEvent } from '../domain/verification/events.ts';
import {
  type ActingReviewer,
  applyVerificationEvent,
  type RowVerification,
  replayVerification,
  type StudyVerificationState,
  VerificationRuleError,
} from '../domain/verification/workflow.ts';
import type { EvidenceStore, IncludedStudy, StoredPatientRow } from '../ports/evidence-store.ts';
import type { VerificationStore } from '../ports/verification-store.ts';
import { appendToEventLog } from './event-log-append.ts';
import {
  type Actor,
  DecisionRejectedError,
  InvalidRequestError,
  NotAllowedError,
  NotFoundError,
} from './screening.ts';

export interface VerificationDeps {
  evidence: Pick<
    EvidenceStore,
    'listIncludedStudies' | 'getIncludedStudy' | 'listPatientRows' | 'putPatientRows' | 'verification'
  >;
  clock: () => Date;
  newId: () => string;
  /** Appends tried when concurrent writers keep taking the position (default 25). */
  maxAttempts?: number;
  /**
   * Run after a write that may move the statistics (a row verified, a correction). The CLI and `serve`
   * recompute here; on AWS the table's stream does.
   */
  afterChange?: (reviewId: string) => Promise<unknown>;
}

function verificationOf(protocol: Protocol): Verification {
  if (!protocol.verification) {
    throw new NotFoundError(`review "${protocol.id}" declares no extraction verification`);
  }
  return protocol.verification;
}

function reviewerOf(protocol: Protocol, actor: Actor): Reviewer {
  const reviewer = protocol.reviewers.find((r) => r.id === actor.reviewerId);
  if (!reviewer) {
    const ids = protocol.reviewers.map((r) => r.id).join(', ');
    throw new NotAllowedError(
      `${actor.reviewerId} is not a reviewer of review "${protocol.id}" (reviewers: ${ids})`,
    );
  }
  return reviewer;
}

function actingOf(protocol: Protocol, reviewer: Reviewer): ActingReviewer {
  return {
    id: reviewer.id,
    verifies: reviewer.roles.includes(verificationOf(protocol).role),
    arbitrates: reviewer.roles.includes('arbiter'),
  };
}

/** Every study's replayed verification log, by study id. */
export async function verificationStates(
  store: Pick<VerificationStore, 'listReviewEvents'>,
  reviewId: string,
  required: number,
): Promise<Map<string, StudyVerificationState>> {
  const logs = new Map<string, VerificationEvent[]>();
  for (const event of await store.listReviewEvents(reviewId)) {
    const log = logs.get(event.studyId) ?? [];
    log.push(event);
    logs.set(event.studyId, log);
  }
  return new Map([...logs].map(([studyId, log]) => [studyId, replayVerification(studyId, log, required)]));
}

type Common = 'seq' | 'eventId' | 'studyId' | 'reviewerId' | 'at';
/** An event without what every event of the log carries (appendWithRetry adds it). */
type EventBody = VerificationEvent extends infer E
  ? E extends VerificationEvent
    ? Omit<E, Common>
    : never
  : never;

/**
 * Appends `build(state)`'s event at the next position of the study's log, as `reviewerId` with `eventId` (a
 * function: an id per attempt); retries a lost race. `build` returns null when there is nothing to write.
 */
async function appendWithRetry(
  deps: Pick<VerificationDeps, 'evidence' | 'maxAttempts' | 'clock'>,
  reviewId: string,
  studyId: string,
  required: number,
  by: {
    reviewerId: string;
    eventId: string | ((state: StudyVerificationState) => string);
    /** Run first on every attempt, even a retry of a recorded event (it writes interrupted corrections). */
    prepare?: (state: StudyVerificationState) => Promise<void>;
  },
  build: (state: StudyVerificationState) => Promise<EventBody | null> | EventBody | null,
): Promise<{ state: StudyVerificationState; event: VerificationEvent | null }> {
  const outcome = await appendToEventLog<VerificationEvent, StudyVerificationState, EventBody>({
    what: `the verification of ${studyId}`,
    attempts: deps.maxAttempts ?? 25,
    replay: async () =>
      replayVerification(studyId, await deps.evidence.verification.listEvents(reviewId, studyId), required),
    prepare: by.prepare,
    eventId: (state) => (typeof by.eventId === 'string' ? by.eventId : by.eventId(state)),
    build,
    studyId,
    reviewerId: by.reviewerId,
    clock: deps.clock,
    apply: (state, event) => applyVerificationEvent(state, event, required),
    isRuleError: (error) => error instanceof VerificationRuleError,
    append: (event) => deps.evidence.verification.appendEvent(reviewId, event),
  });
  return { state: outcome.state, event: outcome.event };
}

// ---------------------------------------------------------------------------------------------------------
// The import: who extracted what

/**
 * Records `extractor` as the extractor of every row whose content the study's log does not hold yet (a new
 * row, or a changed one: a new round). Rows the log already holds at this content are left alone, so a re-run
 * after a crash converges. Returns how many rows were recorded.
 */
export async function recordExtraction(
  deps: Pick<VerificationDeps, 'evidence' | 'clock' | 'maxAttempts'> & { newId?: () => string },
  protocol: Protocol,
  extractor: string,
  rows: readonly PatientRow[],
): Promise<number> {
  const { verifiers } = verificationOf(protocol);
  const byStudy = new Map<string, PatientRow[]>();
  for (const row of rows) byStudy.set(row.studyId, [...(byStudy.get(row.studyId) ?? []), row]);
  let recorded = 0;
  for (const [studyId, studyRows] of byStudy) {
    const refsOf = (state: StudyVerificationState) =>
      studyRows
        .map((row) => ({ patientId: row.patientId, version: rowVersion(row) }))
        .filter((ref) => state.rows.get(ref.patientId)?.version !== ref.version);
    const eventId = (state: StudyVerificationState) =>
      deps.newId?.() ??
      `extracted-${state.version + 1}-${sha256Hex(new TextEncoder().encode(JSON.stringify(refsOf(state)))).slice(0, 16)}`;
    const { event } = await appendWithRetry(
      deps,
      protocol.id,
      studyId,
      verifiers,
      { reviewerId: extractor, eventId },
      (state) => {
        const refs = refsOf(state);
        return refs.length === 0 ? null : { type: 'extracted', rows: refs };
      },
    );
    if (event?.type === 'extracted') recorded += event.rows.length;
  }
  return recorded;
}

/** The reviewer an import records as extractor: listed on the review with the role "extractor". */
export function extractorOf(protocol: Protocol, reviewerId: string): string {
  const reviewer = reviewerOf(protocol, { reviewerId });
  if (!reviewer.roles.includes('extractor')) {
    throw new NotAllowedError(`${reviewer.id} is not an extractor of review "${protocol.id}"`);
  }
  return reviewer.id;
}

// ---------------------------------------------------------------------------------------------------------
// Reading

export interface RowForReviewer {
  studyId: string;
  studyTitle: string;
  /** The row as stored (at the version the view names). */
  row: PatientRow;
  view: RowVerificationView;
}

export interface VerificationQueue {
  /** Rows waiting for the viewer's verdict. */
  verify: RowForReviewer[];
  /** Disputed rows the viewer may resolve (as their extractor, or as an arbiter who did not verify them). */
  resolve: RowForReviewer[];
  /**
   * Rows of the review: verified, awaiting verification, disputed; stored rows whose log is not in step. The
   * report prints the same totals: they say nothing of one row's verdicts.
   */
  counts: { rows: number; verified: number; awaiting: number; disputed: number; notRecorded: number };
}

interface LoadedStudy {
  study: IncludedStudy;
  state: StudyVerificationState;
  rows: Map<string, StoredPatientRow>;
}

async function loadStudies(deps: Pick<VerificationDeps, 'evidence'>, protocol: Protocol) {
  const { verifiers } = verificationOf(protocol);
  const [studies, stored, states] = await Promise.all([
    deps.evidence.listIncludedStudies(protocol.id),
    deps.evidence.listPatientRows(protocol.id),
    verificationStates(deps.evidence.verification, protocol.id, verifiers),
  ]);
  const loaded: LoadedStudy[] = studies
    .filter((study) => study.withdrawn === null)
    .sort((a, b) => a.includedAt.localeCompare(b.includedAt) || a.citationId.localeCompare(b.citationId))
    .map((study) => ({
      study,
      state: states.get(study.citationId) ?? replayVerification(study.citationId, [], verifiers),
      rows: new Map(),
    }));
  const byId = new Map(loaded.map((l) => [l.study.citationId, l]));
  for (const row of stored) byId.get(row.row.studyId)?.rows.set(row.row.patientId, row);
  return loaded;
}

/** What waits for `actor`: rows to verify and disputes to resolve, oldest study first. */
export async function verificationQueue(
  deps: Pick<VerificationDeps, 'evidence'>,
  protocol: Protocol,
  actor: Actor,
  options: { studyId?: string } = {},
): Promise<VerificationQueue> {
  const { verifiers } = verificationOf(protocol);
  const viewer = actingOf(protocol, reviewerOf(protocol, actor));
  const queue: VerificationQueue = {
    verify: [],
    resolve: [],
    counts: { rows: 0, verified: 0, awaiting: 0, disputed: 0, notRecorded: 0 },
  };
  for (const { study, state, rows } of await loadStudies(deps, protocol)) {
    if (options.studyId !== undefined && study.citationId !== options.studyId) continue;
    for (const stored of rows.values()) {
      queue.counts.rows++;
      const logged = state.rows.get(stored.row.patientId);
      if (!logged || logged.version !== rowVersion(stored.row)) {
        queue.counts.notRecorded++;
        continue;
      }
      if (logged.phase === 'verified') queue.counts.verified++;
      else if (logged.phase === 'disputed') queue.counts.disputed++;
      else queue.counts.awaiting++;
      const view = rowVerificationViewFor(logged, viewer, verifiers);
      const item = { studyId: study.citationId, studyTitle: study.title, row: stored.row, view };
      if (view.action === 'verify') queue.verify.push(item);
      else if (view.action !== null) queue.resolve.push(item);
    }
  }
  return queue;
}

interface RowContext {
  reviewer: Reviewer;
  viewer: ActingReviewer;
  study: IncludedStudy;
  stored: StoredPatientRow;
}

async function rowContext(
  deps: Pick<VerificationDeps, 'evidence'>,
  protocol: Protocol,
  actor: Actor,
  studyId: string,
  patientId: string,
): Promise<RowContext> {
  const reviewer = reviewerOf(protocol, actor);
  const viewer = actingOf(protocol, reviewer);
  const study = await deps.evidence.getIncludedStudy(protocol.id, studyId);
  if (!study || study.withdrawn !== null) {
    throw new NotFoundError(`no included study ${studyId} in review "${protocol.id}"`);
  }
  const stored = (await deps.evidence.listPatientRows(protocol.id)).find(
    (s) => s.row.studyId === studyId && s.row.patientId === patientId,
  );
  if (!stored)
    throw new NotFoundError(`study ${studyId} of review "${protocol.id}" has no patient row ${patientId}`);
  return { reviewer, viewer, study, stored };
}

/** One row with its verification as `actor` may see it. */
export async function getRowVerification(
  deps: Pick<VerificationDeps, 'evidence'>,
  protocol: Protocol,
  actor: Actor,
  studyId: string,
  patientId: string,
): Promise<RowForReviewer> {
  const { verifiers } = verificationOf(protocol);
  const { viewer, study, stored } = await rowContext(deps, protocol, actor, studyId, patientId);
  const state = replayVerification(
    studyId,
    await deps.evidence.verification.listEvents(protocol.id, studyId),
    verifiers,
  );
  const logged = loggedRow(state, stored);
  return {
    studyId,
    studyTitle: study.title,
    row: stored.row,
    view: rowVerificationViewFor(logged, viewer, verifiers),
  };
}

/** The row's log entry; refused when the stored row is not the version the log holds. */
function loggedRow(state: StudyVerificationState, stored: StoredPatientRow): RowVerification {
  const logged = state.rows.get(stored.row.patientId);
  if (!logged) {
    throw new DecisionRejectedError(
      'not-recorded',
      `row ${stored.row.patientId} of study ${state.studyId} has no recorded extractor: import it again with living-review extract import --reviewer NAME`,
    );
  }
  if (logged.version !== rowVersion(stored.row)) {
    throw new DecisionRejectedError(
      'not-recorded',
      `row ${stored.row.patientId} of study ${state.studyId} differs from the version its verification log holds: import it again with living-review extract import --reviewer NAME`,
    );
  }
  return logged;
}

// ---------------------------------------------------------------------------------------------------------
// Corrections

/**
 * The row's content at the version its log holds, from the stored content and the round's accepted
 * corrections; null when the stored content is not on that path (changed outside the workflow).
 */
function rowAtLoggedVersion(stored: PatientRow, logged: RowVerification): PatientRow | null {
  let row = stored;
  let version = rowVersion(row);
  if (version === logged.version) return row;
  for (const resolution of logged.resolutions.values()) {
    if (resolution.row.version !== version) continue;
    if (resolution.decision === 'accept') row = { ...row, [resolution.field]: resolution.value };
    version = resolution.version;
  }
  return version === logged.version && rowVersion(row) === version ? row : null;
}

/** Writes corrected rows whose write was interrupted (the log ahead of the store). */
async function catchUpCorrections(
  deps: Pick<VerificationDeps, 'evidence'>,
  reviewId: string,
  state: StudyVerificationState,
  stored: readonly StoredPatientRow[],
): Promise<StoredPatientRow[]> {
  const writes: StoredPatientRow[] = [];
  const current = stored.map((s) => {
    const logged = state.rows.get(s.row.patientId);
    if (!logged || s.row.studyId !== state.studyId) return s;
    const row = rowAtLoggedVersion(s.row, logged);
    if (!row || row === s.row) return s;
    const write = { ...s, row };
    writes.push(write);
    return write;
  });
  if (writes.length > 0) await deps.evidence.putPatientRows(reviewId, writes);
  return current;
}

// ---------------------------------------------------------------------------------------------------------
// Verdicts

export interface VerificationOutcome {
  /** False when nothing was written (the same verdict or resolution was recorded already). */
  recorded: boolean;
  rows: RowVerificationView[];
}

function requireVerifier(protocol: Protocol, context: { reviewer: Reviewer; viewer: ActingReviewer }) {
  if (!context.viewer.verifies) {
    throw new NotAllowedError(
      `${context.reviewer.id} does not verify review "${protocol.id}" (the role "${verificationOf(protocol).role}" does)`,
    );
  }
}

async function studyRows(
  deps: Pick<VerificationDeps, 'evidence'>,
  protocol: Protocol,
  studyId: string,
): Promise<StoredPatientRow[]> {
  return (await deps.evidence.listPatientRows(protocol.id)).filter((s) => s.row.studyId === studyId);
}

/**
 * Confirms rows of one study as `actor` reads them: the given ones, or (none given) every row of the study
 * that waits for their verdict.
 */
export async function confirmRows(
  deps: VerificationDeps,
  protocol: Protocol,
  actor: Actor,
  studyId: string,
  input: { patientIds?: readonly string[]; eventId?: string },
): Promise<VerificationOutcome> {
  const { verifiers } = verificationOf(protocol);
  const reviewer = reviewerOf(protocol, actor);
  const viewer = actingOf(protocol, reviewer);
  requireVerifier(protocol, { reviewer, viewer });
  const study = await deps.evidence.getIncludedStudy(protocol.id, studyId);
  if (!study || study.withdrawn !== null) {
    throw new NotFoundError(`no included study ${studyId} in review "${protocol.id}"`);
  }
  let stored = await studyRows(deps, protocol, studyId);
  const known = new Set(stored.map((s) => s.row.patientId));
  const missing = (input.patientIds ?? []).filter((id) => !known.has(id));
  if (missing.length > 0) {
    throw new NotFoundError(
      `study ${studyId} of review "${protocol.id}" has no patient row ${missing.join(', ')}`,
    );
  }
  const eventId = input.eventId ?? deps.newId();
  let touched: string[] = [];
  const prepare = async (state: StudyVerificationState) => {
    stored = await catchUpCorrections(deps, protocol.id, state, stored);
  };
  const by = { reviewerId: reviewer.id, eventId, prepare };
  const { state, event } = await appendWithRetry(deps, protocol.id, studyId, verifiers, by, (state) => {
    const wanted = input.patientIds
      ? stored.filter((s) => input.patientIds!.includes(s.row.patientId))
      : stored.filter((s) => {
          const logged = state.rows.get(s.row.patientId);
          return (
            logged &&
            logged.version === rowVersion(s.row) &&
            logged.phase === 'awaiting-verification' &&
            logged.extractor !== reviewer.id &&
            !logged.verdicts.has(reviewer.id)
          );
        });
    touched = wanted.map((s) => s.row.patientId);
    const refs = wanted
      .filter((s) => loggedRow(state, s).verdicts.get(reviewer.id)?.type !== 'confirmed')
      .map((s) => ({ patientId: s.row.patientId, version: loggedRow(state, s).version }));
    return refs.length === 0 ? null : { type: 'confirmed', rows: refs };
  });
  if (event) await deps.afterChange?.(protocol.id);
  return {
    recorded: event !== null,
    rows: touched.map((id) => rowVerificationViewFor(state.rows.get(id)!, viewer, verifiers)),
  };
}

export interface FlagInput {
  field: string;
  /** The proposed value: JSON (null = not reported) or, with `as: "text"`, a CSV cell as `extract import` reads it. */
  value: unknown;
  note: string;
}

/** Checks a field and a proposed value against the protocol's variables: the value as stored. */
function proposedValue(
  protocol: Protocol,
  field: string,
  value: unknown,
  as: 'json' | 'text',
): VariableValue {
  const schema = rowSchemaOf(protocol.extraction!);
  const variable = schema.byName.get(field);
  if (!variable) {
    throw new InvalidRequestError(
      `${field} is not a variable of review "${protocol.id}" (variables: ${[...schema.byName.keys()].join(', ')})`,
    );
  }
  const checked = as === 'text' ? parseCell(variable, String(value)) : checkValue(variable, value);
  if (!checked.ok) throw new InvalidRequestError(`${field}: ${checked.message}`);
  return checked.value;
}

/** Flags fields of one row, each with the value the verifier proposes and a note. */
export async function flagRow(
  deps: VerificationDeps,
  protocol: Protocol,
  actor: Actor,
  studyId: string,
  patientId: string,
  input: { fields: readonly FlagInput[]; as?: 'json' | 'text'; eventId?: string },
): Promise<VerificationOutcome> {
  const { verifiers } = verificationOf(protocol);
  const context = await rowContext(deps, protocol, actor, studyId, patientId);
  requireVerifier(protocol, context);
  if (input.fields.length === 0) throw new InvalidRequestError('flag at least one field');
  const fields: FlaggedField[] = input.fields.map((f) => {
    const note = f.note.trim();
    if (!note) throw new InvalidRequestError(`${f.field}: say why it is wrong (a note)`);
    return { field: f.field, proposed: proposedValue(protocol, f.field, f.value, input.as ?? 'json'), note };
  });
  const twice = fields.find((f, i) => fields.findIndex((g) => g.field === f.field) !== i);
  if (twice) throw new InvalidRequestError(`${twice.field} is flagged twice`);
  const eventId = input.eventId ?? deps.newId();
  let stored = context.stored;
  const by = {
    reviewerId: context.reviewer.id,
    eventId,
    prepare: async (state: StudyVerificationState) => {
      [stored] = (await catchUpCorrections(deps, protocol.id, state, [context.stored])) as [StoredPatientRow];
    },
  };
  const { state, event } = await appendWithRetry(deps, protocol.id, studyId, verifiers, by, (state) => {
    const logged = loggedRow(state, stored);
    const earlier = logged.verdicts.get(context.reviewer.id);
    if (earlier?.type === 'flagged' && JSON.stringify(earlier.fields) === JSON.stringify(fields)) return null;
    for (const f of fields) {
      if (JSON.stringify(stored.row[f.field] ?? null) === JSON.stringify(f.proposed)) {
        throw new InvalidRequestError(
          `${f.field}: the row holds that value already (confirm the row instead)`,
        );
      }
    }
    const proposed = {
      ...stored.row,
      ...Object.fromEntries(fields.map((f) => [f.field, f.proposed])),
    } as PatientRow;
    const broken = ruleViolations(rowSchemaOf(protocol.extraction!), proposed);
    if (broken.length > 0) {
      throw new InvalidRequestError(
        `the proposed values break the protocol's rules: ${broken.map((b) => `${b.variable}: ${b.message}`).join('; ')}`,
      );
    }
    return { type: 'flagged', row: { patientId, version: logged.version }, fields };
  });
  if (event) await deps.afterChange?.(protocol.id);
  return {
    recorded: event !== null,
    rows: [rowVerificationViewFor(state.rows.get(patientId)!, context.viewer, verifiers)],
  };
}

export interface ResolveInput {
  field: string;
  decision: 'accept' | 'keep';
  /** For accept: the proposal to take (JSON, or a CSV cell with `as: "text"`); optional when only one was made. */
  value?: unknown;
  note: string | null;
  as?: 'json' | 'text';
  eventId?: string;
}

/** The extractor (or an arbiter who did not verify the row) resolves one flagged field of a disputed row. */
export async function resolveField(
  deps: VerificationDeps,
  protocol: Protocol,
  actor: Actor,
  studyId: string,
  patientId: string,
  input: ResolveInput,
): Promise<VerificationOutcome> {
  const { verifiers } = verificationOf(protocol);
  const context = await rowContext(deps, protocol, actor, studyId, patientId);
  const requested =
    input.value === undefined
      ? undefined
      : proposedValue(protocol, input.field, input.value, input.as ?? 'json');
  if (input.decision === 'keep' && !input.note?.trim()) {
    throw new InvalidRequestError(`say why ${input.field} keeps its value (a note)`);
  }
  const eventId = input.eventId ?? deps.newId();
  let corrected: StoredPatientRow | null = null;
  let stored = context.stored;
  const by = {
    reviewerId: context.reviewer.id,
    eventId,
    prepare: async (state: StudyVerificationState) => {
      [stored] = (await catchUpCorrections(deps, protocol.id, state, [context.stored])) as [StoredPatientRow];
    },
  };
  const { state, event } = await appendWithRetry(deps, protocol.id, studyId, verifiers, by, (state) => {
    const earlier = state.rows.get(patientId)?.resolutions.get(input.field);
    if (
      earlier &&
      earlier.reviewerId === context.reviewer.id &&
      earlier.decision === input.decision &&
      (requested === undefined || JSON.stringify(earlier.value) === JSON.stringify(requested))
    ) {
      return null;
    }
    const row = loggedRow(state, stored);
    const role = row.extractor === context.reviewer.id ? 'extractor' : 'arbiter';
    if (role === 'arbiter' && !context.viewer.arbitrates) {
      throw new NotAllowedError(
        `${context.reviewer.id} did not extract row ${patientId} (${row.extractor} did) and is not an arbiter: only they resolve it`,
      );
    }
    let value: VariableValue = stored.row[input.field] ?? null;
    if (input.decision === 'accept') {
      const proposals = [
        ...new Map(
          row.flags
            .filter((f) => f.field === input.field)
            .map((f) => [JSON.stringify(f.proposed), f.proposed]),
        ).values(),
      ];
      if (requested !== undefined) value = requested;
      else if (proposals.length === 1) value = proposals[0]!;
      else if (proposals.length > 1) {
        throw new InvalidRequestError(
          `${input.field} has several proposals (${proposals.map((p) => JSON.stringify(p)).join(', ')}): say which one to accept`,
        );
      }
    }
    const next = { ...stored.row, [input.field]: value } as PatientRow;
    corrected = input.decision === 'accept' ? { ...stored, row: next } : null;
    return {
      type: 'resolved',
      role,
      row: { patientId, version: row.version },
      field: input.field,
      decision: input.decision,
      value,
      note: input.note?.trim() || null,
      version: input.decision === 'accept' ? rowVersion(next) : row.version,
    };
  });
  if (event && corrected) await deps.evidence.putPatientRows(protocol.id, [corrected]);
  if (event) await deps.afterChange?.(protocol.id);
  return {
    recorded: event !== null,
    rows: [rowVerificationViewFor(state.rows.get(patientId)!, context.viewer, verifiers)],
  };
}
