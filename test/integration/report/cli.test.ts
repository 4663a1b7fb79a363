// living-review report, digest and watch-retractions on a temp data directory (the commands run in this process,
// one through the real binary), with the loopback E-utilities stand-in for the retraction watch.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Command } from '../../../cli/command.ts';
import { digestCommand } from '../../../cli/commands/digest.ts';
import { reportCommand } from '../../../cli/commands/report.ts';
import { watchRetractionsCommand } from '../../../cli/commands/watch-retractions.ts';
import { type EutilsStandIn, startEutilsStandIn } from '../../../cli/demo/eutils-stand-in.ts';
import { corpusFromPubmedXml } from '../../../cli/demo/stand-in-corpus.ts';
import { DynamoEvidenceStore } from '../../../shared/adapters/dynamodb/evidence-store.ts';
import { type EmbeddedStore, openEmbeddedStore } from '../../../shared/adapters/embedded/embedded-store.ts';
import { parsePubmedXml } from '../../../shared/adapters/pubmed/parse-pubmed-xml.ts';
import { includeStudy } from '../../../shared/app/include-study.ts';
import {
  makeStoreCitation,
  makeTempDataDir,
  REPO_ROOT,
  removeDataDir,
} from '../../support/store-fixtures.ts';
import { loadSyntheticCohort } from '../../unit/extraction/reference-fixtures.ts';

const RETRACTED = join(REPO_ROOT, 'test/fixtures/pubmed/efetch_pubmed_retracted_retractionin_2011.xml');

let dataDir: string;
let embedded: EmbeddedStore;
let standIn: EutilsStandIn;

async function run(command: Command, values: Record<string, string | boolean> = {}) {
  const result = { code: undefined as number | undefined, stdout: '', stderr: '' };
  result.code = await command.run(
    { values: { data: dataDir, review: 'iesm', ...values }, positionals: [] },
    {
      out: (text) => {
        result.stdout += `${text}\n`;
      },
      err: (text) => {
        result.stderr += `${text}\n`;
      },
      interactive: false,
    },
  );
  return result;
}

beforeAll(async () => {
  dataDir = makeTempDataDir('living-cli');
  embedded = await openEmbeddedStore({ dataDir, serverIdleMs: 10_000 });
  const xml = readFileSync(RETRACTED, 'utf8');
  standIn = await startEutilsStandIn({ corpus: corpusFromPubmedXml(xml) });
  // PMID 993 as included (before its retraction), and a second study.
  const retracted = parsePubmedXml(xml, 'fixture').citations[0]!;
  const evidence = new DynamoEvidenceStore({ client: embedded.client, tableName: embedded.tableName });
  const ids: string[] = [];
  for (const citation of [
    { ...retracted, isRetracted: false, links: [], publicationTypes: ['Journal Article'] },
    makeStoreCitation({ pmid: '39100001', title: '<script>alert(1)</script> IESM case' }),
  ]) {
    const { citationId } = await embedded.store.recordCitation('iesm', citation, new Date());
    await includeStudy(
      { reviewId: 'iesm', citationId, includedBy: 'pp', source: 'manual' },
      { citations: embedded.store, evidence, clock: () => new Date() },
    );
    ids.push(citationId);
  }
  const importedAt = new Date().toISOString();
  await evidence.putPatientRows(
    'iesm',
    loadSyntheticCohort()
      .slice(0, 40)
      .map((row, index) => ({ row: { ...row, studyId: ids[index % 2]! }, origin: 'cli.csv', importedAt })),
  );
});

afterAll(async () => {
  await standIn?.close();
  await embedded?.close();
  if (dataDir) await removeDataDir(dataDir);
});

describe('living-review report / digest / watch-retractions', () => {
  it('report --recompute publishes the report and an event; again publishes nothing', async () => {
    const first = await run(reportCommand, { recompute: true });
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^published version 1 \(revision [0-9a-f]{16}\): .*index\.html$/m);
    for (const file of ['index.html', 'report.json', 'km-os.svg', 'v1/index.html']) {
      expect(existsSync(join(dataDir, 'reports', 'iesm', file))).toBe(true);
    }
    expect(readFileSync(join(dataDir, 'events.jsonl'), 'utf8').trim().split('\n')).toHaveLength(1);
    const again = await run(reportCommand);
    expect(again.stdout).toMatch(/^report of version 1 unchanged/m);
  });

  it('digest writes one .eml into --out, then nothing while nothing is new', async () => {
    const out = join(dataDir, 'mail');
    const first = await run(digestCommand, { out, 'screening-url': 'http://127.0.0.1:8080/' });
    expect(first.code).toBe(0);
    const path = first.stdout.trim();
    expect(path.startsWith(out)).toBe(true);
    const eml = readFileSync(path, 'utf8');
    expect(eml).toMatch(/^Subject: \[iesm\] Living review digest: 2 new candidates/m);
    expect(first.stderr).toContain('2 new candidates, 0 notices');
    const second = await run(digestCommand, { out });
    expect(second.stderr).toContain('no digest written');
  });

  it('watch-retractions flags PMID 993, recomputes and republishes the report naming it', async () => {
    const previous = process.env.NCBI_EUTILS_BASE_URL;
    process.env.NCBI_EUTILS_BASE_URL = standIn.baseUrl;
    try {
      const result = await run(watchRetractionsCommand);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('flagged as retracted: The stimulation by synaptic transmitters');
      expect(result.stdout).toContain('statistics version 2 stored');
      expect(result.stdout).toMatch(/^published version 2 /m);
      expect(result.stderr).toContain('checked 2 included studies');
      expect(result.stderr).toContain('PubMed did not return: 39100001');
    } finally {
      if (previous === undefined) delete process.env.NCBI_EUTILS_BASE_URL;
      else process.env.NCBI_EUTILS_BASE_URL = previous;
    }
    const report = JSON.parse(readFileSync(join(dataDir, 'reports', 'iesm', 'report.json'), 'utf8'));
    expect(report.retractions.studies[0].pmid).toBe('993');
    expect(report.patients.count).toBe(20);
  });

  it('is registered in the real binary', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(REPO_ROOT, 'cli/living-review.js'), 'report', '--review', 'iesm', '--data', dataDir],
      { cwd: REPO_ROOT, timeout: 60_000 },
    );
    expect(stdout).toMatch(/^report of version 2 unchanged/m);
  });
});
