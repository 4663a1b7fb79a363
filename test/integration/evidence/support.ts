// Shared set-up of the evidence tests: a temp data directory with the embedded store, the evidence adapter over
// it, citations recorded through the CitationStore and included through includeStudy, and patient rows made
// from the synthetic IESM cohort (placed in real included studies).
import { DynamoEvidenceStore } from '../../../shared/adapters/dynamodb/evidence-store.ts';
import { type EmbeddedStore, openEmbeddedStore } from '../../../shared/adapters/embedded/embedded-store.ts';
import { includeStudy } from '../../../shared/app/include-study.ts';
import { citationId } from '../../../shared/domain/citation/citation-id.ts';
import type { PatientRow } from '../../../shared/domain/extraction/patient-row.ts';
import { makeStoreCitation, makeTempDataDir, removeDataDir } from '../../support/store-fixtures.ts';
import { loadSyntheticCohort } from '../../unit/extraction/reference-fixtures.ts';

export interface EvidenceHarness {
  dataDir: string;
  embedded: EmbeddedStore;
  evidence: DynamoEvidenceStore;
  clock: () => Date;
  close(): Promise<void>;
}

export async function openEvidenceHarness(label: string): Promise<EvidenceHarness> {
  const dataDir = makeTempDataDir(`evidence-${label}`);
  const embedded = await openEmbeddedStore({ dataDir, serverIdleMs: 10_000 });
  const evidence = new DynamoEvidenceStore({ client: embedded.client, tableName: embedded.tableName });
  let tick = Date.parse('2026-01-05T06:00:00.000Z');
  return {
    dataDir,
    embedded,
    evidence,
    // A clock that moves one second a call, so every timestamp is distinct and predictable.
    clock: () => {
      tick += 1000;
      return new Date(tick);
    },
    close: async () => {
      await embedded.close();
      await removeDataDir(dataDir);
    },
  };
}

/** The citation id recordCitation gives the test citation with this PMID. */
export function studyIdOf(pmid: string): string {
  return citationId(`pmid:${pmid}`);
}

/** Records one citation per PMID and includes each as a study; returns their citation ids in PMID order. */
export async function includeStudies(
  h: EvidenceHarness,
  reviewId: string,
  pmids: readonly string[],
): Promise<string[]> {
  const ids: string[] = [];
  for (const pmid of pmids) {
    const outcome = await h.embedded.store.recordCitation(reviewId, makeStoreCitation({ pmid }), h.clock());
    await includeStudy(
      { reviewId, citationId: outcome.citationId, includedBy: 'pp', source: 'manual' },
      { citations: h.embedded.store, evidence: h.evidence, clock: h.clock },
    );
    ids.push(outcome.citationId);
  }
  return ids;
}

/** `count` PMIDs from `first`. */
export function pmids(count: number, first = 35_000_001): string[] {
  return Array.from({ length: count }, (_, i) => String(first + i));
}

/** The 130 synthetic patients, dealt round-robin to the given studies. */
export function cohortInStudies(studyIds: readonly string[]): PatientRow[] {
  return loadSyntheticCohort().map((row, index) => ({ ...row, studyId: studyIds[index % studyIds.length]! }));
}
