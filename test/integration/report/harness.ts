// Shared set-up of the digest, report and retraction integration tests: a temp data directory with the embedded
// store, every adapter over it (citations, evidence, screening, digest store), local mail/report/event adapters,
// and helpers to put a review's evidence in place (citations, included studies, patient rows, run logs,
// screening decisions) through the other engineers' own ports.
import { join } from 'node:path';
import { DynamoDigestStore } from '../../../shared/adapters/dynamodb/digest-store.ts';
import { DynamoEvidenceStore } from '../../../shared/adapters/dynamodb/evidence-store.ts';
import { DynamoScreeningStore } from '../../../shared/adapters/dynamodb/screening-store.ts';
import { type EmbeddedStore, openEmbeddedStore } from '../../../shared/adapters/embedded/embedded-store.ts';
import { LocalEventPublisher } from '../../../shared/adapters/events/local-event-publisher.ts';
import { OutboxMailer } from '../../../shared/adapters/mail/outbox-mailer.ts';
import { LocalReportPublisher } from '../../../shared/adapters/report/local-publisher.ts';
import { includeStudy } from '../../../shared/app/include-study.ts';
import { recomputeStatistics } from '../../../shared/app/recompute-statistics.ts';
import { loadProtocolFile } from '../../../shared/config/load-protocols.ts';
import type { Citation } from '../../../shared/domain/citation/citation.ts';
import type { PatientRow } from '../../../shared/domain/extraction/patient-row.ts';
import type { Protocol } from '../../../shared/domain/protocol/protocol.ts';
import type { DecisionEvent, Stage, Vote } from '../../../shared/domain/screening/events.ts';
import { firstDecider, replay, statusOf } from '../../../shared/domain/screening/workflow.ts';
import type { RunLog } from '../../../shared/ports/citation-store.ts';
import {
  makeStoreCitation,
  makeTempDataDir,
  REPO_ROOT,
  removeDataDir,
} from '../../support/store-fixtures.ts';
import { loadSyntheticCohort } from '../../unit/extraction/reference-fixtures.ts';

export interface Harness {
  dataDir: string;
  embedded: EmbeddedStore;
  citations: EmbeddedStore['store'];
  evidence: DynamoEvidenceStore;
  screening: DynamoScreeningStore;
  digests: DynamoDigestStore;
  mailer: OutboxMailer;
  publisher: LocalReportPublisher;
  events: LocalEventPublisher;
  /** Moves one second a call, from 2026-01-05T06:00:00Z. */
  clock: () => Date;
  /** Jumps the clock forward. */
  advance(ms: number): void;
  close(): Promise<void>;
}

export async function openHarness(label: string): Promise<Harness> {
  const dataDir = makeTempDataDir(`living-${label}`);
  const embedded = await openEmbeddedStore({ dataDir, serverIdleMs: 10_000 });
  const table = { client: embedded.client, tableName: embedded.tableName };
  let tick = Date.parse('2026-01-05T06:00:00.000Z');
  return {
    dataDir,
    embedded,
    citations: embedded.store,
    evidence: new DynamoEvidenceStore(table),
    screening: new DynamoScreeningStore(table),
    digests: new DynamoDigestStore(table),
    mailer: new OutboxMailer(join(dataDir, 'outbox')),
    publisher: new LocalReportPublisher(join(dataDir, 'reports')),
    events: new LocalEventPublisher(join(dataDir, 'events.jsonl')),
    clock: () => {
      tick += 1000;
      return new Date(tick);
    },
    advance: (ms) => {
      tick += ms;
    },
    close: async () => {
      await embedded.close();
      await removeDataDir(dataDir);
    },
  };
}

/**
 * protocols/iesm.yaml under another review id (each test its own partition), without its triggerBaseline (130
 * patients, 51 studies: more than these tests pool) unless an override gives one.
 */
export function protocolFor(reviewId: string, overrides: Partial<Protocol> = {}): Protocol {
  const { triggerBaseline: _published, ...protocol } = loadProtocolFile(
    join(REPO_ROOT, 'protocols', 'iesm.yaml'),
  );
  return { ...protocol, ...overrides, id: reviewId };
}

/** Records citations as a search would; returns their ids. */
export async function recordCitations(h: Harness, reviewId: string, citations: readonly Citation[]) {
  const ids: string[] = [];
  for (const citation of citations)
    ids.push((await h.citations.recordCitation(reviewId, citation, h.clock())).citationId);
  return ids;
}

/** A run log as runSearch writes it. */
export async function saveRun(
  h: Harness,
  reviewId: string,
  overrides: Partial<RunLog> = {},
): Promise<RunLog> {
  const startedAt = h.clock().toISOString();
  const run: RunLog = {
    runId: `run-${startedAt}`,
    reviewId,
    source: 'pubmed',
    query: protocolFor(reviewId).query,
    window: { from: '2025-12-29', to: '2026-01-05' },
    startedAt,
    finishedAt: h.clock().toISOString(),
    durationMs: 1000,
    outcome: 'succeeded',
    counts: { found: 3, fetched: 3, new: 3, alreadyKnown: 0, duplicates: 0, queued: 3, deleted: 0 },
    warnings: [],
    error: null,
    ...overrides,
  };
  await h.citations.saveRunLog(run);
  return run;
}

/** Appends decisions to a citation's screening log through the screening port, and saves its status. */
export async function decide(
  h: Harness,
  reviewId: string,
  citationId: string,
  steps: Array<[string, DecisionEvent['role'], Stage, Vote, string | null]>,
) {
  const existing = await h.screening.listEvents(reviewId, citationId);
  let seq = existing.length;
  for (const [reviewerId, role, stage, decision, reasonId] of steps) {
    seq++;
    const event: DecisionEvent = {
      type: 'decision',
      seq,
      eventId: `${citationId}-${seq}`,
      citationId,
      reviewerId,
      role,
      stage,
      decision,
      reasonId,
      note: null,
      at: h.clock().toISOString(),
    };
    if (!(await h.screening.appendEvent(reviewId, event))) throw new Error(`position ${seq} taken`);
  }
  const state = replay(citationId, await h.screening.listEvents(reviewId, citationId));
  await h.screening.saveProjection(reviewId, citationId, {
    version: state.version,
    status: statusOf(state),
    firstDecider: firstDecider(state),
  });
}

/** Includes stored citations as studies (manual inclusion, as `living-review include`). */
export async function include(
  h: Harness,
  reviewId: string,
  citationIds: readonly string[],
  source: 'manual' | 'screening' = 'manual',
) {
  for (const citationId of citationIds) {
    await includeStudy(
      { reviewId, citationId, includedBy: 'pp', source },
      { citations: h.citations, evidence: h.evidence, clock: h.clock },
    );
  }
}

/** The synthetic cohort's first `count` patients dealt round-robin to the studies; stored; statistics recomputed. */
export async function putPatients(
  h: Harness,
  reviewId: string,
  studyIds: readonly string[],
  count: number,
  from = 0,
) {
  const rows: PatientRow[] = loadSyntheticCohort()
    .slice(from, from + count)
    .map((row, index) => ({ ...row, studyId: studyIds[index % studyIds.length]! }));
  const importedAt = h.clock().toISOString();
  await h.evidence.putPatientRows(
    reviewId,
    rows.map((row) => ({ row, origin: 'test.csv', importedAt })),
  );
  return rows;
}

export async function recompute(h: Harness, protocol: Protocol) {
  return recomputeStatistics({ protocol }, { evidence: h.evidence, clock: h.clock });
}

export function studyCitation(pmid: string, overrides: Partial<Citation> = {}): Citation {
  return makeStoreCitation({
    pmid,
    doi: `10.1000/iesm.${pmid}`,
    title: `Intradural extramedullary metastasis: case series ${pmid}`,
    ...overrides,
  });
}
