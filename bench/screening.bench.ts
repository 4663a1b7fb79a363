// Screening at any size: the latency of `next`, a decision and `progress` through the local server (real HTTP
// on 127.0.0.1, the embedded store), at 1k / 5k / 20k records with 0 / 10k / 40k decisions already recorded,
// for one screener and for three screening at once.
//
//   npx tsx bench/screening.bench.ts [--cells 1000:0,5000:0,5000:10000,20000:0,20000:10000,20000:40000]
//                                    [--rounds 40]
//
// Each cell is a fresh data directory. It is seeded with the items the write path leaves (citations and their
// arrival deltas, screening events carrying their tally deltas, the reviewers' decision rows, the citations'
// queues), written in batches: two screeners' title/abstract decisions on the oldest records (80 %
// include/include, 15 % exclude/exclude, 5 % a conflict), each record's deltas already added to the sums, and as
// many pending possible-duplicate pairs as 2 % of the records (the dedup's ceiling). Before measuring, the seed is
// checked: the tallies the store reads equal a recount of every log, or the cell is not measured.
//
// Then one screener (pp) works for --rounds rounds: next, a decision on the record handed, progress; then three
// screeners (pp, alc, kim: the protocol has three) do the same at once. Printed per cell: the median and p90 of
// each call, how many decisions were refused (a record handed to more screeners than it needs: should be 0),
// how many rounds handed all three the same record (should be 0), and how many decisions included a study (after
// which `serve` recomputes the statistics in the background, as it runs: beside the screeners' requests), apart
// from the others. One screener alone waits for that recompute after such a decision, outside the timings, so
// that its requests are not counted as the next call's. 10k and 40k decisions do not fit in 1k records (two screeners, two stages, an arbiter: about 4
// decisions a record at most): those cells are skipped.
// Asserts nothing: the goal is each median under 50 ms at 20,000 records and 40,000 decisions, flat in both.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { seededRandom } from '../cli/demo/seeded-random.ts';
import { startScreeningServer } from '../cli/serve/server.ts';
import { openEmbeddedScreening } from '../cli/serve/wiring.ts';
import { onDynamoRequest } from '../shared/adapters/dynamodb/dynamo-client.ts';
import {
  possibleDuplicateItem,
  possibleDuplicateMirrorItem,
  reviewerDecisionItem,
  screeningEventItem,
  talliesKey,
} from '../shared/adapters/dynamodb/screening-store.ts';
import { citationItem, queuePartition, tallyDeltaItem } from '../shared/adapters/dynamodb/table-design.ts';
import { stopEmbeddedServer } from '../shared/adapters/embedded/embedded-store.ts';
import { loadScreeningAssets } from '../shared/adapters/http/static-assets.ts';
import { PROJECTION_VERSION } from '../shared/app/screening.ts';
import { defaultProtocolDirectory, loadProtocolFile } from '../shared/config/load-protocols.ts';
import { citationId } from '../shared/domain/citation/citation-id.ts';
import { citationKeys } from '../shared/domain/citation/citation-keys.ts';
import { type Protocol, protocolSchema } from '../shared/domain/protocol/protocol.ts';
import type { DecisionEvent } from '../shared/domain/screening/events.ts';
import {
  addTallies,
  arrivalTallies,
  recordTallies,
  sumTallies,
  type Tallies,
  talliesDelta,
} from '../shared/domain/screening/report.ts';
import { firstDecider, initialState, replay, statusOf } from '../shared/domain/screening/workflow.ts';
import { possibleDuplicatePairId } from '../shared/ports/screening-store.ts';
import { makeStoreCitation } from '../test/support/store-fixtures.ts';
import { batchWriteAll, fmt, load, print } from './support/store-bench.ts';

const { values } = parseArgs({
  options: {
    cells: { type: 'string', default: '1000:0,1000:10000,5000:0,5000:10000,20000:0,20000:10000,20000:40000' },
    rounds: { type: 'string', default: '40' },
  },
});
const ROUNDS = Math.max(5, Number(values.rounds));
const cells = values.cells!.split(',').map((cell) => cell.split(':').map(Number) as [number, number]);

const iesm = loadProtocolFile(join(defaultProtocolDirectory(), 'iesm.yaml'));
const protocol: Protocol = protocolSchema.parse({
  ...iesm,
  id: 'bench',
  reviewers: [...iesm.reviewers, { id: 'kim', name: 'K.', roles: ['screener'] }],
});
const TOKENS = {
  pp: 'lr_bench-token-pp-0000000000000000000',
  alc: 'lr_bench-token-alc-000000000000000000',
  kim: 'lr_bench-token-kim-000000000000000000',
};

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};
const p90 = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.9))] ?? Number.NaN;
};
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
/** The most frequent value (the usual breakdown of a call's requests). */
const mode = (xs: string[]) => {
  const counts = new Map<string, number>();
  for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '';
};
const ms = (x: number) => `${x.toFixed(x < 10 ? 1 : 0)}`;

/** Seeds `records` citations and `decisions` title/abstract decisions; returns the recount of the tallies. */
async function seed(
  client: Parameters<typeof batchWriteAll>[0],
  tableName: string,
  records: number,
  decisions: number,
): Promise<Tallies> {
  const random = seededRandom(20261207);
  const start = Date.parse('2025-01-01T00:00:00Z');
  const items: Record<string, unknown>[] = [];
  const states = [];
  const sums: Tallies = {};
  const decidedRecords = Math.floor(decisions / 2);
  for (let i = 0; i < records; i++) {
    const citation = makeStoreCitation({ pmid: String(40_000_000 + i), doi: `10.5555/bench.${i}` });
    const id = citationId(citationKeys(citation)[0]!);
    const queuedAt = new Date(start + i * 1000).toISOString();
    const events: DecisionEvent[] = [];
    if (i < decidedRecords) {
      const roll = random();
      const [a, b]: [['include' | 'exclude', string | null], ['include' | 'exclude', string | null]] =
        roll < 0.8
          ? [
              ['include', null],
              ['include', null],
            ]
          : roll < 0.95
            ? [
                ['exclude', 'not-iesm'],
                ['exclude', 'not-iesm'],
              ]
            : [
                ['include', null],
                ['exclude', 'not-iesm'],
              ];
      for (const [seq, reviewerId, [decision, reasonId]] of [
        [1, 'pp', a],
        [2, 'alc', b],
      ] as const) {
        events.push({
          type: 'decision',
          seq,
          eventId: `seed-${i}-${seq}`,
          citationId: id,
          reviewerId,
          at: new Date(start + records * 1000 + i * 2000 + seq).toISOString(),
          stage: 'title-abstract',
          role: 'screener',
          decision,
          reasonId,
          note: null,
        });
      }
    }
    const state = replay(id, events);
    states.push(state);
    const status = statusOf(state);
    const first = firstDecider(state);
    items.push({
      ...citationItem({
        reviewId: protocol.id,
        citationId: id,
        citation,
        keys: citationKeys(citation),
        sourceRecord: `pubmed:${citation.pmid}`,
        queuedAt,
      }),
      screeningStatus: status,
      screeningVersion: state.version,
      firstDecider: first,
      gsi1pk: queuePartition(protocol.id, status, first),
    });
    // Every delta, already added to the sums (as a roll-up leaves them: re-keyed R#<generation 1>).
    const rolled = (item: Record<string, unknown>) => ({
      ...item,
      gsi1sk: `R#000000000001#${String(item.gsi1sk).slice(2)}`,
      rolledGeneration: 1,
    });
    items.push(rolled(tallyDeltaItem(protocol.id, id, 0, arrivalTallies(id), queuedAt)));
    addTallies(sums, arrivalTallies(id));
    let before = initialState(id);
    for (const event of events) {
      const after = replay(id, events.slice(0, event.seq));
      const delta = talliesDelta(recordTallies(before), recordTallies(after));
      // The event with its own delta, its writer's mark long removed.
      const { projecting: _, ...eventItem } = screeningEventItem(protocol.id, event, {
        delta,
        projecting: '',
      });
      items.push(rolled(eventItem));
      items.push(
        reviewerDecisionItem(protocol.id, {
          reviewerId: event.reviewerId,
          citationId: id,
          stage: event.stage,
          role: event.role,
          decision: event.decision,
          reasonId: event.reasonId,
          note: null,
          at: event.at,
          seq: event.seq,
          title: citation.title,
          year: citation.year,
        }),
      );
      addTallies(sums, delta);
      before = after;
    }
  }
  // Possible duplicates as the dedup leaves them at its ceiling (2 % of the records, issue 12): a pending pair
  // of each 50th record with the next one, and its mirror.
  for (let i = 0; i + 1 < states.length; i += 50) {
    const [twinId, citationId] = [states[i]!.citationId, states[i + 1]!.citationId];
    const pairId = possibleDuplicatePairId(citationId, twinId);
    items.push(
      possibleDuplicateItem(protocol.id, {
        pairId,
        citationId,
        twinId,
        reason: 'title exact, authors same (1 matched), year same',
        agreed: ['title exact', 'authors same (1 matched)', 'year same'],
        differed: ['pages differ'],
        score: 0.9,
        foundAt: new Date(start).toISOString(),
        status: 'pending',
        resolvedBy: null,
        resolvedAt: null,
      }),
      possibleDuplicateMirrorItem(protocol.id, pairId),
    );
  }
  const chunks: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += 25) chunks.push(items.slice(i, i + 25));
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < chunks.length) await batchWriteAll(client, tableName, chunks[next++]!);
    }),
  );
  const names = Object.keys(sums);
  const tallies: Record<string, unknown> = {
    ...talliesKey(protocol.id),
    type: 'tallies',
    generation: 1,
    projectionVersion: PROJECTION_VERSION,
  };
  for (const name of names) tallies[`n:${name}`] = sums[name];
  await batchWriteAll(client, tableName, [tallies]);
  return sumTallies(states);
}

interface Timings {
  next: number[];
  decision: number[];
  progress: number[];
  /** DynamoDB requests per call (one screener alone, so each request belongs to the call in flight). */
  requests: { next: number[]; decision: number[]; progress: number[] };
  /** The requests of each call by operation, e.g. "Query×3 GetItem×1" (one screener alone). */
  operations: { next: string[]; decision: string[]; progress: string[] };
  /** CPU ms of this process per call: the screening server and the HTTP client (one screener alone). */
  cpu: { next: number[]; decision: number[]; progress: number[] };
  /** CPU ms of the store server per call (read from /proc in 10 ms ticks: only their mean means much). */
  storeCpu: { next: number[]; decision: number[]; progress: number[] };
  refused: number;
  /** The latencies of decisions that included a study (serve recomputes the statistics after them). */
  including: number[];
  handed: string[];
}

/** DynamoDB requests the store has answered so far (counted on the embedded client), and their operations. */
let requestCount = 0;
const operations: string[] = [];
/** The store server's process (its CPU is read from /proc). */
let storePid = 0;

const operationsSince = (from: number) => {
  const counts = new Map<string, number>();
  for (const op of operations.slice(from)) counts.set(op, (counts.get(op) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([op, n]) => `${op}×${n}`)
    .join(' ');
};
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
/** CPU seconds the store server (another process) has used, from /proc (Linux; NaN elsewhere). */
const processCpuSeconds = (pid: number) => {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
};

/** Times one call: its latency, its requests and operations, and this process's CPU. */
async function measure<T>(timings: Timings, call: 'next' | 'decision' | 'progress', run: () => Promise<T>) {
  const t = performance.now();
  const r = requestCount;
  const c = cpuMs();
  const sc = processCpuSeconds(storePid);
  const result = await run();
  timings.cpu[call].push(cpuMs() - c);
  timings.storeCpu[call].push((processCpuSeconds(storePid) - sc) * 1000);
  timings[call].push(performance.now() - t);
  timings.requests[call].push(requestCount - r);
  timings.operations[call].push(operationsSince(r));
  return result;
}

async function screen(
  url: string,
  reviewerId: 'pp' | 'alc' | 'kim',
  rounds: number,
  timings: Timings,
  /** Waits for the background recompute after a decision that included a study (one screener alone). */
  settle?: () => Promise<void>,
) {
  const headers = { authorization: `Bearer ${TOKENS[reviewerId]}` };
  for (let i = 0; i < rounds; i++) {
    const next = await measure(timings, 'next', async () => {
      return (await (await fetch(`${url}/api/reviews/${protocol.id}/next`, { headers })).json()) as {
        record: { view: { citationId: string; stage: string } } | null;
      };
    });
    if (!next.record) break;
    const { citationId: id, stage } = next.record.view;
    timings.handed.push(`${i}:${reviewerId}:${id}`);
    let included = false;
    await measure(timings, 'decision', async () => {
      const answer = await fetch(`${url}/api/reviews/${protocol.id}/records/${id}/decisions`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({
          stage,
          decision: i % 7 === 0 ? 'exclude' : 'include',
          reasonId: i % 7 === 0 ? 'not-iesm' : null,
        }),
      });
      if (answer.status === 409) {
        timings.refused++;
        const { error } = (await answer.json()) as { error?: { code?: string } };
        process.stderr.write(`refused (409 ${error?.code}): ${reviewerId} on ${id} in round ${i}\n`);
      } else {
        const { view } = (await answer.json()) as { view?: { outcome?: string | null } };
        included = view?.outcome === 'included';
      }
    });
    if (included) {
      timings.including.push(timings.decision.at(-1)!);
      await settle?.();
    }
    await measure(timings, 'progress', async () => {
      await (await fetch(`${url}/api/reviews/${protocol.id}/progress`, { headers })).arrayBuffer();
    });
  }
}

const empty = (): Timings => ({
  next: [],
  decision: [],
  progress: [],
  requests: { next: [], decision: [], progress: [] },
  operations: { next: [], decision: [], progress: [] },
  cpu: { next: [], decision: [], progress: [] },
  storeCpu: { next: [], decision: [], progress: [] },
  refused: 0,
  including: [],
  handed: [],
});

print(`screening bench: ${cpus().length} cores, load ${load()}, ${ROUNDS} rounds per screener`);
print('');
print(
  '| records | decisions | screeners | next median / p90 | decision median / p90 | progress median / p90 | refused | all three handed one record |',
);
print('|---|---|---|---|---|---|---|---|');
for (const [records, decisions] of cells) {
  if (decisions > records * 2) {
    print(
      `| ${fmt(records)} | ${fmt(decisions)} | – | (more decisions than two screeners make on ${fmt(records)} records at title/abstract: skipped) | | | | |`,
    );
    continue;
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'lr-bench-screening-'));
  // As `serve` opens it: the statistics recomputed after answering (cli/commands/serve.ts).
  const screening = await openEmbeddedScreening(dataDir, [protocol], {
    recomputeInBackground: {
      onError: (reviewId, error) => print(`recompute of ${reviewId} failed: ${error}`),
    },
  });
  storePid = screening.embedded.serverPid;
  onDynamoRequest(screening.embedded.client, ({ operation }) => {
    requestCount++;
    operations.push(operation);
  });
  try {
    const seeded = performance.now();
    const recount = await seed(screening.embedded.client, screening.embedded.tableName, records, decisions);
    const read = await screening.screening.readTallies(protocol.id);
    if (
      JSON.stringify(Object.entries(read.tallies).sort()) !== JSON.stringify(Object.entries(recount).sort())
    ) {
      print(
        `| ${fmt(records)} | ${fmt(decisions)} | – | the seeded tallies differ from a recount: not measured | | | | |`,
      );
      continue;
    }
    const seedSeconds = (performance.now() - seeded) / 1000;
    const server = await startScreeningServer({
      protocols: [protocol],
      deps: screening.deps,
      tokens: TOKENS,
      assets: loadScreeningAssets(),
      logError: (message) => print(`server: ${message}`),
    });
    try {
      // Warm up (the first requests of a process compile code paths and open sockets).
      await screen(server.url, 'pp', 5, empty(), screening.settled);
      const one = empty();
      await screen(server.url, 'pp', ROUNDS, one, screening.settled);
      const three = empty();
      await Promise.all(
        (['pp', 'alc', 'kim'] as const).map((reviewer) => screen(server.url, reviewer, ROUNDS, three)),
      );
      const rounds = new Map<number, Set<string>>();
      for (const handed of three.handed) {
        const [i, , id] = handed.split(':');
        const set = rounds.get(Number(i)) ?? new Set();
        set.add(`${handed.split(':')[1]}=${id}`);
        rounds.set(Number(i), set);
      }
      let allSame = 0;
      for (const set of rounds.values()) {
        const ids = new Set([...set].map((x) => x.split('=')[1]));
        if (set.size === 3 && ids.size === 1) allSame++;
      }
      for (const [label, t, same] of [
        ['1', one, '–'],
        ['3 at once', three, String(allSame)],
      ] as const) {
        print(
          `| ${fmt(records)} | ${fmt(decisions)} | ${label} | ${ms(median(t.next))} / ${ms(p90(t.next))} ms | ${ms(median(t.decision))} / ${ms(p90(t.decision))} ms | ${ms(median(t.progress))} / ${ms(p90(t.progress))} ms | ${t.refused} | ${same} |`,
        );
      }
      const r = one.requests;
      print(
        `|  |  | requests per call (1) | ${median(r.next)} | ${median(r.decision)} | ${median(r.progress)} | | |`,
      );
      const c = one.cpu;
      print(
        `|  |  | server CPU ms per call (1, median) | ${ms(median(c.next))} | ${ms(median(c.decision))} | ${ms(median(c.progress))} | | |`,
      );
      const sc = one.storeCpu;
      print(
        `|  |  | store CPU ms per call (1, mean) | ${ms(mean(sc.next))} | ${ms(mean(sc.decision))} | ${ms(mean(sc.progress))} | | |`,
      );
      const o = one.operations;
      print(`|  |  | operations (1) | ${mode(o.next)} | ${mode(o.decision)} | ${mode(o.progress)} | | |`);
      const others = three.decision.filter((x) => !three.including.includes(x));
      const spread = (xs: number[]) => (xs.length > 0 ? `${ms(median(xs))} / ${ms(p90(xs))} ms` : '–');
      print(
        `|  |  | decisions that included a study (3 at once; the statistics recomputed after each): how many, median / p90; the others | | ${three.including.length} of ${three.decision.length}: ${spread(three.including)}; ${spread(others)} | | | |`,
      );

      process.stderr.write(
        `(seeded ${fmt(records)} records and ${fmt(decisions)} decisions in ${seedSeconds.toFixed(1)} s; load ${load()})\n`,
      );
    } finally {
      await server.close();
    }
  } finally {
    await screening.close();
    await stopEmbeddedServer(dataDir);
    rmSync(dataDir, { recursive: true, force: true });
  }
}
