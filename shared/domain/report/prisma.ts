// PRISMA 2020 flow counts of a living review (Page et al., BMJ 2021;372:n71, flow diagram for updated reviews),
// from what the store holds: the citations with their source records (the dedup's work), the screening logs
// (replayed), the included studies and the statistics snapshot, with the monitor's run logs for the counts per
// update. A living review is never "done": records still waiting at a stage are counted as waiting, so every
// box adds up at any moment:
//
//   identified (sum over sources)              = duplicates removed + records after duplicates
//   records after duplicates                   = screened (title/abstract settled) + awaiting title/abstract
//   screened                                   = excluded at title/abstract + full texts sought
//   full texts sought                          = assessed (full text settled) + awaiting full text
//   assessed                                   = excluded at full text + new studies included
//   full-text exclusions by reason (one each)  = excluded at full text
//   studies included                           = new studies from screening + studies included otherwise
//   withdrawn after inclusion                  = sum of its reasons (one each)
//   records (sum over updates)                 = citations in the flow
//
// A citation included by hand (source "manual": the original review's studies, or a team screening elsewhere)
// that never entered the screening workflow did not come through this flow: it is counted once, in
// "studies included otherwise", not as a record identified and waiting for screening.
//
// "Identified" counts every source record that reached the store (a record of PubMed and the same work from
// Europe PMC are two records, one citation); "duplicates removed" are the extra records the store folded into a
// citation plus the citations reviewers confirmed as duplicates. Records the citation watch found (sources
// citations-*) are PRISMA 2020's "identified from other methods (citation searching)": counted apart from the
// databases (identified = from databases + from other methods). A trial registry's runs bring registrations,
// not records, and are left out of the flow. Title/abstract exclusions may carry two
// reasons (the screeners' different ones are both kept), so their reasons are listed but do not add up; at full
// text each exclusion has exactly one reason.
//
// A withdrawn inclusion (shared/app/withdraw-study.ts) is not among the studies included. A record whose full
// text settled on "include" and whose study was then withdrawn is counted as excluded at full text, with the
// withdrawal's reason (a protocol reason id, or free text); every withdrawn study, from screening or not, is
// also counted under "withdrawn after inclusion" with its reason.
import type { RunOutcome } from '../monitor/run-liveness.ts';
import { isCitationSearching, isRegistrySource } from '../protocol/sources.ts';
import type { RecordState, StageState } from '../screening/workflow.ts';

export interface PrismaStageSummary {
  settled: boolean;
  decision: 'include' | 'exclude' | null;
  reasonIds: string[];
}

/** One citation as the flow counts it. */
export interface PrismaRecord {
  citationId: string;
  sourceRecords: string[];
  queuedAt: string;
  outcome: 'included' | 'excluded' | 'duplicate' | null;
  /** null: no decision yet. */
  titleAbstract: PrismaStageSummary | null;
  /** null: the record has not reached full text. */
  fullText: PrismaStageSummary | null;
}

export interface PrismaStudy {
  citationId: string;
  source: 'screening' | 'manual';
  retracted: boolean;
  /** Set when the inclusion was withdrawn (absent: not withdrawn). */
  withdrawn?: { reason: string } | null;
}

/** The run-log fields read for the counts per update. */
export interface PrismaRun {
  runId: string;
  source: string;
  window: { from: string; to: string };
  startedAt: string;
  finishedAt: string | null;
  outcome: RunOutcome;
  counts: { found: number; new: number; duplicates: number };
}

export interface PrismaInput {
  records: readonly PrismaRecord[];
  exclusionReasons: readonly { id: string; label: string }[];
  studies: readonly PrismaStudy[];
  runs: readonly PrismaRun[];
  onRetraction: 'exclude-patients' | 'flag-only';
  snapshot: { studies: number; patients: number } | null;
}

export interface ReasonCount {
  reasonId: string;
  label: string;
  count: number;
}

export interface PrismaUpdate {
  /** The run that brought the records, or null for records that came another way (a file import). */
  runId: string | null;
  source: string | null;
  window: { from: string; to: string } | null;
  startedAt: string | null;
  outcome: PrismaRun['outcome'] | null;
  /** From the run log: records the source returned for the window, new to the store or folded into a citation. */
  found: number | null;
  identified: number | null;
  duplicatesRemoved: number | null;
  /** Citations that arrived in this update, and where they are now. */
  records: number;
  excluded: number;
  included: number;
  duplicatesConfirmed: number;
  inScreening: number;
}

export interface PrismaIdentity {
  name: string;
  left: number;
  right: number;
  holds: boolean;
}

export interface PrismaFlow {
  /** Citations of studies included by hand that never entered screening: outside the flow (see above). */
  outsideFlow: number;
  identification: {
    /** Records identified from databases, per source. */
    bySource: { source: string; records: number }[];
    /** Records identified from other methods: citation searching (the citation watch), per source. */
    otherMethods: { citationSearching: number; bySource: { source: string; records: number }[] };
    identified: number;
    duplicatesRemoved: { automatic: number; confirmedByReviewers: number; total: number };
  };
  screening: {
    recordsAfterDuplicates: number;
    awaiting: number;
    screened: number;
    excluded: number;
    exclusionReasons: ReasonCount[];
  };
  eligibility: {
    sought: number;
    awaiting: number;
    assessed: number;
    excluded: number;
    exclusionReasons: ReasonCount[];
  };
  included: {
    /** New studies: settled "include" at full text. */
    newFromScreening: number;
    /** Included studies recorded by the screening workflow (the evidence store). */
    studiesFromScreening: number;
    /** Included otherwise (the original review's studies, a team screening elsewhere). */
    studiesOther: number;
    studies: number;
    /** Studies whose inclusion was withdrawn (not in `studies`), by reason. */
    withdrawn: number;
    withdrawalReasons: ReasonCount[];
    retracted: number;
    /** Retracted studies whose patients are left out (protocol onRetraction: exclude-patients). */
    retractedExcluded: number;
    /** Studies pooled in the statistics (the snapshot's count), and their patients. */
    studiesInStatistics: number | null;
    patients: number | null;
  };
  updates: PrismaUpdate[];
  identities: PrismaIdentity[];
}

function stageSummary(stage: StageState | undefined): PrismaStageSummary | null {
  if (!stage) return null;
  if (stage.phase === 'awaiting-first') return null;
  return {
    // A reopened stage's result stays in force until the arbiter settles it again.
    settled: stage.result !== null,
    decision: stage.result?.decision ?? null,
    reasonIds: stage.result?.reasonIds ?? [],
  };
}

/** A citation and its replayed screening log (null: never screened) as the flow counts it. */
export function prismaRecordOf(
  citation: { citationId: string; sourceRecords: readonly string[]; queuedAt: string },
  state: RecordState | null,
): PrismaRecord {
  // Included directly before anyone screened it: like any study included by hand (outside the flow).
  const neverScreened =
    state !== null &&
    state.outcome === 'included' &&
    state.stages.every((s) => s.screenerDecisions.length === 0);
  if (neverScreened) state = null;
  const titleAbstract = state ? stageSummary(state.stages.find((s) => s.stage === 'title-abstract')) : null;
  const fullTextStage = state?.stages.find((s) => s.stage === 'full-text');
  return {
    citationId: citation.citationId,
    sourceRecords: [...citation.sourceRecords],
    queuedAt: citation.queuedAt,
    outcome: state?.outcome ?? null,
    titleAbstract,
    // A record that reached full text but has no decision there yet is "awaiting full text", not "not reached".
    fullText: fullTextStage
      ? (stageSummary(fullTextStage) ?? { settled: false, decision: null, reasonIds: [] })
      : null,
  };
}

function sourceOf(sourceRecord: string): string {
  const colon = sourceRecord.indexOf(':');
  return colon === -1 ? 'unknown' : sourceRecord.slice(0, colon);
}

function reasonCounts(
  counts: Map<string, number>,
  reasons: readonly { id: string; label: string }[],
): ReasonCount[] {
  const known = reasons
    .filter((r) => counts.has(r.id))
    .map((r) => ({ reasonId: r.id, label: r.label, count: counts.get(r.id)! }));
  const unknown = [...counts.keys()]
    .filter((id) => !reasons.some((r) => r.id === id))
    .sort()
    .map((id) => ({ reasonId: id, label: id, count: counts.get(id)! }));
  return [...known, ...unknown];
}

function identity(name: string, left: number, right: number): PrismaIdentity {
  return { name, left, right, holds: left === right };
}

export function buildPrismaFlow(input: PrismaInput): PrismaFlow {
  const bySource = new Map<string, number>();
  let automatic = 0;
  let confirmed = 0;
  let awaitingTa = 0;
  let screened = 0;
  let excludedTa = 0;
  let sought = 0;
  let awaitingFt = 0;
  let assessed = 0;
  let excludedFt = 0;
  let newIncluded = 0;
  const taReasons = new Map<string, number>();
  const ftReasons = new Map<string, number>();
  let ftReasonTotal = 0;

  const withdrawnReason = new Map(
    input.studies.flatMap((s) => (s.withdrawn ? [[s.citationId, s.withdrawn.reason] as const] : [])),
  );
  const studies = input.studies.filter((s) => !s.withdrawn);
  const withdrawalReasons = new Map<string, number>();
  for (const reason of withdrawnReason.values()) {
    withdrawalReasons.set(reason, (withdrawalReasons.get(reason) ?? 0) + 1);
  }
  const manual = new Set(input.studies.filter((s) => s.source === 'manual').map((s) => s.citationId));
  const inFlow = input.records.filter(
    (r) =>
      !(manual.has(r.citationId) && r.outcome === null && r.titleAbstract === null && r.fullText === null),
  );
  for (const record of inFlow) {
    for (const sourceRecord of record.sourceRecords) {
      const source = sourceOf(sourceRecord);
      bySource.set(source, (bySource.get(source) ?? 0) + 1);
    }
    automatic += Math.max(0, record.sourceRecords.length - 1);
    if (record.outcome === 'duplicate') {
      confirmed++;
      continue;
    }
    const ta = record.titleAbstract;
    if (!ta?.settled) {
      awaitingTa++;
      continue;
    }
    screened++;
    if (ta.decision === 'exclude') {
      excludedTa++;
      for (const id of new Set(ta.reasonIds)) taReasons.set(id, (taReasons.get(id) ?? 0) + 1);
      continue;
    }
    sought++;
    const ft = record.fullText;
    if (!ft?.settled) {
      awaitingFt++;
      continue;
    }
    assessed++;
    const withdrawal = ft.decision === 'include' ? withdrawnReason.get(record.citationId) : undefined;
    if (ft.decision === 'exclude' || withdrawal !== undefined) {
      excludedFt++;
      // PRISMA reports one reason per excluded full text (the workflow makes the arbiter pick one); an
      // inclusion withdrawn later is excluded for the withdrawal's reason.
      const reason = withdrawal ?? ft.reasonIds[0] ?? 'no-reason-recorded';
      ftReasons.set(reason, (ftReasons.get(reason) ?? 0) + 1);
      ftReasonTotal++;
    } else {
      newIncluded++;
    }
  }

  const identified = [...bySource.values()].reduce((a, b) => a + b, 0);
  const { databases, otherMethods } = splitByMethod(bySource);
  const duplicatesRemoved = automatic + confirmed;
  const recordsAfterDuplicates = inFlow.length - confirmed;

  const studiesFromScreening = studies.filter((s) => s.source === 'screening').length;
  const studiesOther = studies.length - studiesFromScreening;
  const retracted = studies.filter((s) => s.retracted).length;
  const retractedExcluded = input.onRetraction === 'exclude-patients' ? retracted : 0;

  const updates = updatesOf(
    inFlow,
    input.runs.filter((run) => !isRegistrySource(run.source)),
    new Set(withdrawnReason.keys()),
  );

  return {
    outsideFlow: input.records.length - inFlow.length,
    identification: {
      bySource: databases,
      otherMethods,
      identified,
      duplicatesRemoved: { automatic, confirmedByReviewers: confirmed, total: duplicatesRemoved },
    },
    screening: {
      recordsAfterDuplicates,
      awaiting: awaitingTa,
      screened,
      excluded: excludedTa,
      exclusionReasons: reasonCounts(taReasons, input.exclusionReasons),
    },
    eligibility: {
      sought,
      awaiting: awaitingFt,
      assessed,
      excluded: excludedFt,
      exclusionReasons: reasonCounts(ftReasons, input.exclusionReasons),
    },
    included: {
      newFromScreening: newIncluded,
      studiesFromScreening,
      studiesOther,
      studies: studies.length,
      withdrawn: withdrawnReason.size,
      withdrawalReasons: reasonCounts(withdrawalReasons, input.exclusionReasons),
      retracted,
      retractedExcluded,
      studiesInStatistics: input.snapshot?.studies ?? null,
      patients: input.snapshot?.patients ?? null,
    },
    updates,
    identities: [
      identity(
        'identified = records from databases + records from other methods',
        identified,
        databases.reduce((a, s) => a + s.records, 0) + otherMethods.citationSearching,
      ),
      identity(
        'identified = duplicates removed + records after duplicates',
        identified,
        duplicatesRemoved + recordsAfterDuplicates,
      ),
      identity(
        'records after duplicates = screened + awaiting title/abstract',
        recordsAfterDuplicates,
        screened + awaitingTa,
      ),
      identity('screened = excluded at title/abstract + full texts sought', screened, excludedTa + sought),
      identity('full texts sought = assessed + awaiting full text', sought, assessed + awaitingFt),
      identity('assessed = excluded at full text + new studies included', assessed, excludedFt + newIncluded),
      identity('excluded at full text = sum of its reasons', excludedFt, ftReasonTotal),
      identity(
        'studies included = from screening + included otherwise',
        studies.length,
        studiesFromScreening + studiesOther,
      ),
      identity(
        'withdrawn after inclusion = sum of its reasons',
        withdrawnReason.size,
        [...withdrawalReasons.values()].reduce((a, b) => a + b, 0),
      ),
      identity(
        'citations in the flow = sum of records per update',
        inFlow.length,
        updates.reduce((a, u) => a + u.records, 0),
      ),
    ],
  };
}

/** The records per source, split into databases and other methods (citation searching), most first. */
function splitByMethod(bySource: ReadonlyMap<string, number>) {
  const ordered = [...bySource.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([source, records]) => ({ source, records }));
  const citing = ordered.filter((s) => isCitationSearching(s.source));
  return {
    databases: ordered.filter((s) => !isCitationSearching(s.source)),
    otherMethods: {
      citationSearching: citing.reduce((a, s) => a + s.records, 0),
      bySource: citing,
    },
  };
}

/**
 * Each citation is given to the run that queued it (its queuedAt falls inside a run of one of its sources);
 * citations no run explains (file imports) form one more row without a run. A withdrawn inclusion counts as
 * excluded.
 */
function updatesOf(
  records: readonly PrismaRecord[],
  runs: readonly PrismaRun[],
  withdrawn: ReadonlySet<string>,
): PrismaUpdate[] {
  const ordered = [...runs].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  const rows = new Map<string | null, PrismaUpdate>();
  for (const run of ordered) {
    rows.set(run.runId, {
      runId: run.runId,
      source: run.source,
      window: run.window,
      startedAt: run.startedAt,
      outcome: run.outcome,
      found: run.counts.found,
      identified: run.counts.new + run.counts.duplicates,
      duplicatesRemoved: run.counts.duplicates,
      records: 0,
      excluded: 0,
      included: 0,
      duplicatesConfirmed: 0,
      inScreening: 0,
    });
  }
  // Each run's span: to its end, or for an abandoned run (killed: its end is only its last sign of life) to
  // the start of the next run of its source, so what it stored after its last save is still its own and
  // what the next run stores is the next run's.
  const spans = ordered.map((run, i) => {
    if (run.outcome !== 'abandoned') return { run, until: run.finishedAt, inclusive: true };
    const next = ordered.slice(i + 1).find((later) => later.source === run.source);
    return { run, until: next?.startedAt ?? null, inclusive: false };
  });
  for (const record of records) {
    const sources = new Set(record.sourceRecords.map(sourceOf));
    const run = spans.find(
      ({ run: r, until, inclusive }) =>
        sources.has(r.source) &&
        record.queuedAt >= r.startedAt &&
        (until === null || record.queuedAt < until || (inclusive && record.queuedAt === until)),
    )?.run;
    const key = run?.runId ?? null;
    let row = rows.get(key);
    if (!row) {
      row = {
        runId: null,
        source: null,
        window: null,
        startedAt: null,
        outcome: null,
        found: null,
        identified: null,
        duplicatesRemoved: null,
        records: 0,
        excluded: 0,
        included: 0,
        duplicatesConfirmed: 0,
        inScreening: 0,
      };
      rows.set(key, row);
    }
    row.records++;
    if (record.outcome === 'excluded' || (record.outcome === 'included' && withdrawn.has(record.citationId)))
      row.excluded++;
    else if (record.outcome === 'included') row.included++;
    else if (record.outcome === 'duplicate') row.duplicatesConfirmed++;
    else row.inScreening++;
  }
  return [...rows.values()];
}
