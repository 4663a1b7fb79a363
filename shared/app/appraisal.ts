// Use cases of study appraisal: what an appraiser or arbiter appraises next, a study's appraisal as the viewer
// may see it, setting a study's design, recording an answer, agreement (kappa) and the settled appraisals the
// report and the statistics read. The HTTP API, the page and the `appraise` command all call these.
//
// Recording an answer, primary course (as recording a screening decision, ./screening.ts):
//   1. Check the reviewer is listed with the role, the study is included, and the question and answer exist in
//      the study's tool (bad input is refused before anything is read or written).
//   2. Read the study's log, replay it, build the event at the next position.
//   3. Check it against the workflow; a refused answer changes nothing and says why.
//   4. Append it with a conditional write at that position; if a concurrent writer took it, go back to 2.
// A retry with the same eventId finds its event in the log and writes nothing.

import { type AppraisalAgreement, appraisalAgreement } from '../domain/appraisal/agreement.ts';
import { type AppraisalView, appraisalViewFor } from '../domain/appraisal/blinding.ts';
import type { AnswerRole, AppraisalEvent } from '../domain/appraisal/events.ts';
import {
  AppraisalRuleError,
  answerRoleFor,
  applyAppraisalEvent,
  awaitsAppraisal,
  hasCompleted,
  replayAppraisal,
  type StudyAppraisalState,
} from '../domain/appraisal/workflow.ts';
import type { Citation } from '../domain/citation/citation.ts';
import type { Appraisal } from '../domain/protocol/appraisal.ts';
import { analysisPlanOf } from '../domain/protocol/plan.ts';
import type { Protocol, Reviewer } from '../domain/protocol/protocol.ts';
import {
  type AppraisedStudy,
  buildAppraisalSection,
  type ReportAppraisal,
  type ReportSensitivity,
} from '../domain/report/appraisal-section.ts';
import type { SnapshotRow, StatisticsSnapshot } from '../domain/stats/snapshot.ts';
import type { AppraisalStore } from '../ports/appraisal-store.ts';
import type { EvidenceStore, IncludedStudy } from '../ports/evidence-store.ts';
import { appendToEventLog } from './event-log-append.ts';
import {
  type Actor,
  DecisionRejectedError,
  InvalidRequestError,
  NotAllowedError,
  NotFoundError,
} from './screening.ts';

export interface AppraisalDeps {
  appraisal: AppraisalStore;
  evidence: Pick<EvidenceStore, 'listIncludedStudies' | 'getIncludedStudy'>;
  /** The study's record, for its links and abstract (null for a study without a citation, e.g. an IPD pack). */
  citations: { getCitation(reviewId: string, citationId: string): Promise<{ citation: Citation } | null> };
  clock: () => Date;
  newId: () => string;
  /** Appends tried when concurrent writers keep taking the position (default 25). */
  maxAttempts?: number;
}

function appraisalOf(protocol: Protocol): Appraisal {
  if (!protocol.appraisal) throw new NotFoundError(`review "${protocol.id}" declares no appraisal`);
  return protocol.appraisal;
}

function appraisingReviewerOf(protocol: Protocol, actor: Actor): Reviewer {
  const reviewer = protocol.reviewers.find((r) => r.id === actor.reviewerId);
  if (!reviewer)
    throw new NotAllowedError(`${actor.reviewerId} is not a reviewer of review "${protocol.id}"`);
  if (!reviewer.roles.includes('appraiser') && !reviewer.roles.includes('arbiter')) {
    throw new NotAllowedError(`${reviewer.id} neither appraises nor arbitrates review "${protocol.id}"`);
  }
  return reviewer;
}

/** Studies that are appraised: included and not withdrawn (a retracted study stays, flagged). */
function appraisable(study: IncludedStudy): boolean {
  return study.withdrawn === null;
}

function groupByStudy(events: readonly AppraisalEvent[]): Map<string, AppraisalEvent[]> {
  const logs = new Map<string, AppraisalEvent[]>();
  for (const event of events) {
    const log = logs.get(event.studyId) ?? [];
    log.push(event);
    logs.set(event.studyId, log);
  }
  return logs;
}

export interface LoadedAppraisal {
  study: IncludedStudy;
  state: StudyAppraisalState;
}

/** Every appraisable study of the review with its replayed appraisal, oldest inclusion first. */
export async function loadAppraisals(
  deps: Pick<AppraisalDeps, 'appraisal' | 'evidence'>,
  protocol: Protocol,
): Promise<LoadedAppraisal[]> {
  const appraisal = appraisalOf(protocol);
  const [studies, events] = await Promise.all([
    deps.evidence.listIncludedStudies(protocol.id),
    deps.appraisal.listReviewEvents(protocol.id),
  ]);
  const logs = groupByStudy(events);
  return studies
    .filter(appraisable)
    .sort((a, b) => a.includedAt.localeCompare(b.includedAt) || a.citationId.localeCompare(b.citationId))
    .map((study) => ({
      study,
      state: replayAppraisal(appraisal, study.citationId, logs.get(study.citationId) ?? []),
    }));
}

export interface StudyLinks {
  pubmed: string | null;
  doi: string | null;
}

export interface AppraisalPayload {
  study: {
    studyId: string;
    title: string;
    year: number | null;
    pmid: string | null;
    doi: string | null;
    retracted: boolean;
    abstract: Citation['abstract'];
    links: StudyLinks;
  };
  /** The designs the protocol appraises, for a study that has none yet. */
  designs: Array<{ id: string; label: string }>;
  view: AppraisalView;
}

async function payload(
  deps: AppraisalDeps,
  protocol: Protocol,
  reviewer: Reviewer,
  study: IncludedStudy,
  state: StudyAppraisalState,
): Promise<AppraisalPayload> {
  const stored = await deps.citations.getCitation(protocol.id, study.citationId);
  return {
    study: {
      studyId: study.citationId,
      title: study.title,
      year: study.year,
      pmid: study.pmid,
      doi: study.doi,
      retracted: study.retracted,
      abstract: stored?.citation.abstract ?? [],
      links: {
        pubmed: study.pmid ? `https://pubmed.ncbi.nlm.nih.gov/${encodeURIComponent(study.pmid)}/` : null,
        doi: study.doi ? `https://doi.org/${study.doi}` : null,
      },
    },
    designs: appraisalOf(protocol).designs,
    view: appraisalViewFor(state, reviewer),
  };
}

/** The next study for `actor` as appraiser (not finished by them) or arbiter (a conflict they may settle). */
export async function nextAppraisal(
  deps: AppraisalDeps,
  protocol: Protocol,
  actor: Actor,
  options: { as: AnswerRole; skip?: readonly string[] },
): Promise<AppraisalPayload | null> {
  const reviewer = appraisingReviewerOf(protocol, actor);
  if (!reviewer.roles.includes(options.as)) {
    throw new NotAllowedError(`${reviewer.id} is not an ${options.as} of review "${protocol.id}"`);
  }
  const skip = new Set(options.skip ?? []);
  const found = (await loadAppraisals(deps, protocol)).find(
    (a) => !skip.has(a.study.citationId) && awaitsAppraisal(a.state, reviewer, options.as),
  );
  return found ? payload(deps, protocol, reviewer, found.study, found.state) : null;
}

async function includedStudy(
  deps: AppraisalDeps,
  protocol: Protocol,
  studyId: string,
): Promise<IncludedStudy> {
  const study = await deps.evidence.getIncludedStudy(protocol.id, studyId);
  if (!study || !appraisable(study)) {
    throw new NotFoundError(`no included study ${studyId} in review "${protocol.id}"`);
  }
  return study;
}

export async function getAppraisal(
  deps: AppraisalDeps,
  protocol: Protocol,
  actor: Actor,
  studyId: string,
): Promise<AppraisalPayload> {
  const reviewer = appraisingReviewerOf(protocol, actor);
  const study = await includedStudy(deps, protocol, studyId);
  const state = replayAppraisal(
    appraisalOf(protocol),
    studyId,
    await deps.appraisal.listEvents(protocol.id, studyId),
  );
  return payload(deps, protocol, reviewer, study, state);
}

export interface AppraisalOutcome {
  /** False when an event with the same id was already recorded (a retry): nothing was written. */
  recorded: boolean;
  view: AppraisalView;
}

type EventBody =
  | { type: 'design-set'; design: string }
  | { type: 'answer'; role: AnswerRole; questionId: string; answer: string; note: string | null };

/** Steps 2-4 of the primary course: replay, check, conditional append, retry on a lost race. */
async function appendChecked(
  deps: AppraisalDeps,
  protocol: Protocol,
  reviewer: Reviewer,
  studyId: string,
  eventId: string,
  build: (state: StudyAppraisalState) => EventBody,
): Promise<AppraisalOutcome> {
  const appraisal = appraisalOf(protocol);
  const outcome = await appendToEventLog<AppraisalEvent, StudyAppraisalState, EventBody>({
    what: `the appraisal of ${studyId}`,
    attempts: deps.maxAttempts ?? 25,
    replay: async () =>
      replayAppraisal(appraisal, studyId, await deps.appraisal.listEvents(protocol.id, studyId)),
    eventId: () => eventId,
    build,
    studyId,
    reviewerId: reviewer.id,
    clock: deps.clock,
    apply: (state, event) => applyAppraisalEvent(appraisal, state, event),
    isRuleError: (error) => error instanceof AppraisalRuleError,
    append: (event) => deps.appraisal.appendEvent(protocol.id, event),
  });
  if (outcome.earlier && outcome.earlier.reviewerId !== reviewer.id) {
    throw new DecisionRejectedError('event-id-reused', `event id "${eventId}" is already used`);
  }
  return { recorded: outcome.event !== null, view: appraisalViewFor(outcome.state, reviewer) };
}

export async function setStudyDesign(
  deps: AppraisalDeps,
  protocol: Protocol,
  actor: Actor,
  studyId: string,
  input: { design: string; eventId?: string },
): Promise<AppraisalOutcome> {
  const reviewer = appraisingReviewerOf(protocol, actor);
  const appraisal = appraisalOf(protocol);
  if (!appraisal.designs.some((d) => d.id === input.design)) {
    const designs = appraisal.designs.map((d) => d.id).join(', ');
    throw new InvalidRequestError(
      `review "${protocol.id}" has no study design "${input.design}" (designs: ${designs})`,
    );
  }
  await includedStudy(deps, protocol, studyId);
  return appendChecked(deps, protocol, reviewer, studyId, input.eventId ?? deps.newId(), () => ({
    type: 'design-set',
    design: input.design,
  }));
}

export interface AnswerInput {
  questionId: string;
  answer: string;
  note: string | null;
  eventId?: string;
}

export async function recordAnswer(
  deps: AppraisalDeps,
  protocol: Protocol,
  actor: Actor,
  studyId: string,
  input: AnswerInput,
): Promise<AppraisalOutcome> {
  const reviewer = appraisingReviewerOf(protocol, actor);
  const appraisal = appraisalOf(protocol);
  await includedStudy(deps, protocol, studyId);
  // Bad input is refused as such (400), before the workflow is asked (409 is for a state that refuses it).
  const current = replayAppraisal(appraisal, studyId, await deps.appraisal.listEvents(protocol.id, studyId));
  if (current.tool) {
    const question = current.questions.find((q) => q.id === input.questionId);
    if (!question) {
      throw new InvalidRequestError(
        `${current.tool.name} has no question "${input.questionId}" (questions: ${current.questions.map((q) => q.id).join(', ')})`,
      );
    }
    if (!question.answers.some((a) => a.id === input.answer)) {
      throw new InvalidRequestError(
        `"${input.answer}" is not an answer to ${question.id} (answers: ${question.answers.map((a) => a.id).join(', ')})`,
      );
    }
  }
  return appendChecked(deps, protocol, reviewer, studyId, input.eventId ?? deps.newId(), (state) => ({
    type: 'answer',
    role: answerRoleFor(state, reviewer) ?? (reviewer.roles.includes('appraiser') ? 'appraiser' : 'arbiter'),
    questionId: input.questionId,
    answer: input.answer,
    note: input.note,
  }));
}

export interface AppraisalProgress {
  /** Studies waiting for the viewer as appraiser, and as arbiter. */
  awaitingMe: { appraiser: number; arbiter: number };
  /** Studies the viewer has finished as appraiser. */
  finished: number;
  /**
   * Agreement (kappa), only for reviewers who arbitrate and do not appraise: next to an appraiser's own answers
   * it would give the other appraiser's away.
   */
  team: (AppraisalAgreement & { settled: number; inConflict: number; studies: number }) | null;
}

export async function appraisalProgress(
  deps: AppraisalDeps,
  protocol: Protocol,
  actor: Actor,
): Promise<AppraisalProgress> {
  const reviewer = appraisingReviewerOf(protocol, actor);
  const loaded = await loadAppraisals(deps, protocol);
  const states = loaded.map((l) => l.state);
  const team =
    reviewer.roles.includes('arbiter') && !reviewer.roles.includes('appraiser')
      ? appraisalStatus(states)
      : null;
  return {
    awaitingMe: {
      appraiser: states.filter((s) => awaitsAppraisal(s, reviewer, 'appraiser')).length,
      arbiter: states.filter((s) => awaitsAppraisal(s, reviewer, 'arbiter')).length,
    },
    finished: states.filter((s) => hasCompleted(s, reviewer.id)).length,
    team,
  };
}

/** Team figures: kappa per question and overall, studies settled and in conflict (operator or arbiter). */
export function appraisalStatus(states: readonly StudyAppraisalState[]) {
  const agreement = appraisalAgreement(states);
  return {
    ...agreement,
    studies: states.length,
    finishedByBoth: agreement.studies,
    settled: states.filter((s) => s.phase === 'settled').length,
    inConflict: states.filter((s) => s.phase === 'conflict').length,
  };
}

/** A settled appraisal as the report and the statistics read it (no viewer: everything is settled). */
export type SettledAppraisal = AppraisedStudy;

export interface AppraisalSummary {
  /** Appraisable studies. */
  studies: number;
  settled: SettledAppraisal[];
  /** Studies whose appraisal is not settled yet. */
  pending: string[];
}

/** Every settled appraisal of the review (and which studies are still pending), by study id. */
export async function appraisalSummary(
  deps: Pick<AppraisalDeps, 'appraisal' | 'evidence'>,
  protocol: Protocol,
): Promise<AppraisalSummary> {
  const loaded = await loadAppraisals(deps, protocol);
  const settled: SettledAppraisal[] = [];
  const pending: string[] = [];
  for (const { study, state } of loaded) {
    if (state.phase !== 'settled' || !state.results) {
      pending.push(study.citationId);
      continue;
    }
    settled.push({
      studyId: study.citationId,
      title: study.title,
      pmid: study.pmid,
      year: study.year,
      design: state.design!,
      toolId: state.tool!.id,
      judgement: state.judgement,
      level: state.level,
      answers: state.results.map((r) => ({
        questionId: r.questionId,
        answer: r.final!,
        settledBy: r.agreed ? 'agreement' : 'arbiter',
      })),
    });
  }
  return { studies: loaded.length, settled, pending };
}

/** The report's appraisal section at `snapshot`: settled appraisals and the sensitivity analysis on `rows`. */
export async function reportAppraisal<Row extends SnapshotRow>(
  protocol: Protocol,
  deps: Pick<AppraisalDeps, 'appraisal' | 'evidence'>,
  snapshot: StatisticsSnapshot,
  rows: readonly Row[],
): Promise<ReportAppraisal> {
  const summary = await appraisalSummary(deps, protocol);
  return buildAppraisalSection({
    appraisal: appraisalOf(protocol),
    plan: analysisPlanOf(protocol),
    snapshot,
    rows,
    studies: summary.settled,
    pending: summary.pending.length,
  });
}

/**
 * The protocol's sensitivity analysis at `snapshot`, as `stats` prints it: the report's (reportAppraisal), over
 * the snapshot's own patient rows; null when the protocol declares none.
 */
export async function statisticsSensitivity(
  protocol: Protocol,
  deps: Pick<AppraisalDeps, 'appraisal'> & {
    evidence: Pick<EvidenceStore, 'listIncludedStudies' | 'getIncludedStudy' | 'listPatientRows'>;
  },
  snapshot: StatisticsSnapshot,
): Promise<ReportSensitivity | null> {
  if (!protocol.appraisal?.sensitivity) return null;
  const pooled = new Set(snapshot.patients.ids);
  const rows = (await deps.evidence.listPatientRows(protocol.id))
    .map((stored) => stored.row)
    .filter((row) => pooled.has(row.patientId));
  return (await reportAppraisal(protocol, deps, snapshot, rows)).sensitivity;
}
