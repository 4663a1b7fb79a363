// The store-backed fuzzy path on a human-labelled set: a fifth of the SRA stroke set's works (every record of
// every fifth label group), half stored, then half arriving, each record through the monitor's recorder on
// the embedded store. No work may be merged into another (0 false merges, counted against the labels); the
// duplicates it finds are compared with the in-memory engine's on the same records in the same order.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dynamoFuzzyDedupPorts } from '../../../shared/adapters/dynamodb/blocking-key-store.ts';
import { type EmbeddedStore, openEmbeddedStore } from '../../../shared/adapters/embedded/embedded-store.ts';
import { parsePersonName } from '../../../shared/adapters/exports/export-record.ts';
import { createFuzzyDedup } from '../../../shared/app/fuzzy-dedup.ts';
import type { Author, Citation } from '../../../shared/domain/citation/citation.ts';
import { normaliseDoi, normalisePmid } from '../../../shared/domain/citation/citation-keys.ts';
import { parseBenchmarkJsonl } from '../../../shared/domain/dedup/benchmark-record.ts';
import { createDedupIndex } from '../../../shared/domain/dedup/cluster.ts';
import { dedupRecordFromCitation } from '../../../shared/domain/dedup/dedup-record.ts';
import { splitAuthorString } from '../../../shared/domain/dedup/normalise.ts';
import { scoreClusters } from '../../../shared/domain/dedup/score-clusters.ts';
import { makeStoreCitation, makeTempDataDir, removeDataDir } from '../../support/store-fixtures.ts';

const file = join(import.meta.dirname, '../../fixtures/dedup/sra_stroke.jsonl');
const rows = parseBenchmarkJsonl(readFileSync(file, 'utf8'), file).filter(
  (row) => (row.title ?? '').trim() !== '',
);
const groups = [...new Set(rows.map((row) => row.label_group!))].sort();
const chosen = new Set(groups.filter((_, i) => i % 5 === 0));
const subset = rows.filter((row) => chosen.has(row.label_group!));
const labels = new Map(subset.map((row) => [row.id, row.label_group!]));

function citationOf(row: (typeof rows)[number]): Citation {
  const authors = row.authors
    ? splitAuthorString(row.authors)
        .map(parsePersonName)
        .filter((a): a is Author => a !== null)
    : [];
  return makeStoreCitation({
    source: 'sra',
    sourceRecordId: row.id,
    pmid: normalisePmid(row.pmid),
    doi: normaliseDoi(row.doi),
    title: row.title ?? '',
    authors,
    year: row.year,
    publicationDate: { year: row.year, month: null, day: null, medlineDate: null },
    journal: {
      title: row.journal,
      isoAbbreviation: null,
      issn: null,
      volume: row.volume,
      issue: row.issue,
      pages: row.pages,
    },
    abstract: [],
    createdDate: null,
  });
}

const citations = subset.map(citationOf);
/** Half stored first (even positions), then the other half arriving. */
const order = [...citations.filter((_, i) => i % 2 === 0), ...citations.filter((_, i) => i % 2 === 1)];

let dataDir: string;
let embedded: EmbeddedStore;

beforeAll(async () => {
  dataDir = makeTempDataDir('labelled');
  embedded = await openEmbeddedStore({ dataDir });
});

afterAll(async () => {
  await embedded?.close();
  if (dataDir) await removeDataDir(dataDir);
});

it('merges no two works of the labels, half stored and half arriving', async () => {
  expect(subset.length).toBeGreaterThan(200);
  const fuzzy = createFuzzyDedup(embedded.store, dynamoFuzzyDedupPorts(embedded.client, embedded.tableName));
  const clusterOf = new Map<string, string>();
  for (const citation of order) {
    const outcome = await fuzzy.record('sra-stroke', citation, new Date('2026-03-02T00:00:00Z'));
    clusterOf.set(citation.sourceRecordId, outcome.citationId);
  }
  const clusters = new Map<string, string[]>();
  for (const [id, cluster] of clusterOf) clusters.set(cluster, [...(clusters.get(cluster) ?? []), id]);
  const store = scoreClusters([...clusters.values()], labels);

  const index = createDedupIndex();
  for (const citation of order) index.add(dedupRecordFromCitation(citation, citation.sourceRecordId));
  const memory = scoreClusters(
    index.result().clusters.map((c) => c.recordIds),
    labels,
  );

  expect(store.falseMerges).toBe(0);
  expect(memory.falseMerges).toBe(0);
  // Within a few of the engine's: the store never joins two stored works (a record matching both joins the
  // best one and queues the other as a possible duplicate), where the in-memory union may.
  expect(store.missedDuplicates).toBeLessThanOrEqual(memory.missedDuplicates + 3);
  console.info(
    `SRA stroke, every fifth label group (${subset.length} records, ${chosen.size} works), half stored then half arriving: store path ${store.falseMerges} false merges / ${store.missedDuplicates} missed; in-memory engine ${memory.falseMerges} / ${memory.missedDuplicates}`,
  );
  // Some 250 records recorded one by one through the store: 30 s alone at load 24, over a minute beside other
  // store tests, so a budget far above the work (not a speed check; speed is bench/fuzzy-store).
}, 300_000);
