// A search killed with -9 half-way (issue #16 item 3): its run log must not say "running" forever, and the
// report's search log and PRISMA rows must give each run the records it stored, so the counts add up. The real
// `living-review` binary in child processes against the loopback E-utilities stand-in; the second efetch
// batch is held, so the run is killed after its first batch is committed and its progress saved. IESM's protocol
// also lists the citation watch, which reads Europe PMC: a loopback Europe PMC stands in for it (without one the
// search stops at its reachability check before PubMed is asked anything), and the run logs checked are PubMed's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EuropePmcStandIn, startEuropePmcStandIn } from '../../../cli/demo/europepmc-stand-in.ts';
import { type EutilsStandIn, startEutilsStandIn } from '../../../cli/demo/eutils-stand-in.ts';
import { syntheticCorpus } from '../../../cli/demo/stand-in-corpus.ts';
import { assembleReport } from '../../../shared/app/publish-report.ts';
import type { RunLog } from '../../../shared/ports/citation-store.ts';
import { runLivingReview, startLivingReview } from '../../support/cli-binary.ts';
import { countCitations } from '../../support/store-fixtures.ts';
import {
  type Harness,
  include,
  openHarness,
  protocolFor,
  putPatients,
  recompute,
} from '../report/harness.ts';

const RECORDS = 530;
const BATCH = 500;

let h: Harness;
let standIn: EutilsStandIn;
let europePmc: EuropePmcStandIn;
let env: NodeJS.ProcessEnv;

const livingReview = (args: string[]) => runLivingReview(args, env);

const isPubmed = (run: { source: string }) => run.source === 'pubmed';

/** PubMed's run logs, newest first. */
async function runLogs(): Promise<RunLog[]> {
  const listed = await livingReview(['runs', '--review', 'iesm', '--format', 'json', '--data', h.dataDir]);
  expect(listed.code, listed.stderr).toBe(0);
  return (JSON.parse(listed.stdout) as RunLog[]).filter(isPubmed);
}

beforeAll(async () => {
  h = await openHarness('abandoned');
  standIn = await startEutilsStandIn({
    corpus: syntheticCorpus(RECORDS, { from: '2023-01-01', to: '2024-12-31', compact: true }),
  });
  europePmc = await startEuropePmcStandIn({ corpus: [] });
  // Held answers must not time out in the client before the test kills it.
  env = {
    ...process.env,
    NCBI_EUTILS_BASE_URL: standIn.baseUrl,
    NCBI_TIMEOUT_MS: '600000',
    EUROPEPMC_BASE_URL: europePmc.baseUrl,
  };
});

afterAll(async () => {
  await standIn?.close();
  await europePmc?.close();
  await h?.close();
});

describe('a search killed with -9 half-way', () => {
  it('is shown abandoned, and the re-run and the report count every record once, on the run that stored it', {
    timeout: 400_000,
  }, async () => {
    // The first efetch answers; the second is held (the rate limiter spaces them, so they arrive in order).
    standIn.faults.enqueue('efetch', { kind: 'slow', delayMs: 0 });
    standIn.faults.enqueue('efetch', { kind: 'slow', delayMs: 600_000 });
    const search = startLivingReview(['search', '--review', 'iesm', '--data', h.dataDir], env);
    let exitCode: number | null | undefined;
    const exited = new Promise<void>((resolve) =>
      search.once('exit', (code) => {
        exitCode = code;
        resolve();
      }),
    );

    // Its log shows the first batch committed while it waits for the second (earlier saves show a batch
    // fetched and partly recorded).
    const deadline = Date.now() + 240_000;
    let running: RunLog | undefined;
    const recorded = (run: RunLog) => run.counts.new + run.counts.alreadyKnown + run.counts.duplicates;
    while (!(running && recorded(running) === BATCH)) {
      // A search that ended before the held batch cannot be the one this test kills: say so at once.
      if (exitCode !== undefined)
        throw new Error(`the search exited (code ${exitCode}) before it was killed`);
      if (Date.now() > deadline)
        throw new Error(
          `the search never saved its progress: ${JSON.stringify(running)} ${JSON.stringify(standIn.requests.map((r) => [r.endpoint, r.params.retstart, r.fault, r.status]))}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 200));
      running = (await h.citations.listRunLogs('iesm')).find(isPubmed);
    }
    expect(running).toMatchObject({ outcome: 'running', owner: { pid: search.pid } });
    search.kill('SIGKILL');
    await exited;

    const [killed] = await runLogs();
    expect(killed).toMatchObject({
      runId: running.runId,
      outcome: 'abandoned',
      counts: { found: RECORDS, fetched: BATCH, new: BATCH, alreadyKnown: 0 },
    });
    expect(killed!.error).toMatch(new RegExp(`^abandoned: its process \\(pid ${search.pid} on .*\\) ended`));
    expect(killed!.finishedAt).not.toBeNull();
    const text = await livingReview(['runs', '--review', 'iesm', '--data', h.dataDir]);
    expect(text.stdout).toMatch(/iesm \/ pubmed: abandoned \(run /);

    const rerun = await livingReview(['search', '--review', 'iesm', '--data', h.dataDir]);
    expect(rerun.code, rerun.stderr).toBe(0);
    const [second, first] = await runLogs();
    expect(first).toMatchObject({ runId: killed!.runId, outcome: 'abandoned' });
    expect(second).toMatchObject({
      outcome: 'succeeded',
      counts: { found: RECORDS, fetched: RECORDS, new: RECORDS - BATCH, alreadyKnown: BATCH },
    });
    const stored = await countCitations(h.embedded.client, h.embedded.tableName, 'iesm');
    expect(stored).toBe(RECORDS);
    expect(first!.counts.new + second!.counts.new).toBe(stored);

    // The living report: the search log lists both runs as they ended; the PRISMA rows per update give the
    // abandoned run the records it stored and the re-run the rest.
    const protocol = protocolFor('iesm');
    const [study] = await h.citations.listQueue('iesm', { limit: 1 });
    await include(h, 'iesm', [study!.citationId], 'screening');
    await putPatients(h, 'iesm', [study!.citationId], 5);
    await recompute(h, protocol);
    const report = await assembleReport(protocol, {
      evidence: h.evidence,
      citations: h.citations,
      screening: h.screening,
      digests: h.digests,
    });
    expect(report!.searchLog.filter(isPubmed).map((run) => [run.runId, run.outcome])).toEqual([
      [second!.runId, 'succeeded'],
      [first!.runId, 'abandoned'],
    ]);
    const updates = report!.prisma.updates
      .filter((u) => u.source === 'pubmed')
      .map((u) => [u.runId, u.records, u.identified]);
    expect(updates).toEqual([
      [first!.runId, BATCH, BATCH],
      [second!.runId, RECORDS - BATCH, RECORDS - BATCH],
    ]);
    // The citation watch's runs (no study was included yet when they ran) stored nothing.
    const others = report!.prisma.updates.filter((u) => u.source !== 'pubmed');
    expect(others.map((u) => [u.source, u.records])).toEqual(others.map((u) => [u.source, 0]));
  });
});
