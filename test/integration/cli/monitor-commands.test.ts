// The monitor's commands as a user runs them: the real `living-review` binary in child processes, against a
// loopback E-utilities stand-in (NCBI_EUTILS_BASE_URL), a loopback Europe PMC (EUROPEPMC_BASE_URL: the IESM
// protocol's citation watch) and the embedded store in a fresh data directory.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EuropePmcStandIn, startEuropePmcStandIn } from '../../../cli/demo/europepmc-stand-in.ts';
import { type EutilsStandIn, startEutilsStandIn } from '../../../cli/demo/eutils-stand-in.ts';
import { corpusFromPubmedXml } from '../../../cli/demo/stand-in-corpus.ts';
import { runLivingReview } from '../../support/cli-binary.ts';
import { makeTempDataDir, removeDataDir } from '../../support/store-fixtures.ts';

const recorded = join(import.meta.dirname, '../../../cli/demo/recorded');

const livingReview = (args: string[], env: Record<string, string> = {}) =>
  runLivingReview(args, { ...process.env, ...env });

let standIn: EutilsStandIn;
let europePmc: EuropePmcStandIn;
let dataDir: string;
let demoDir: string;

beforeAll(async () => {
  const corpus = [
    'efetch_pubmed_erratumin_2025.xml',
    'efetch_pubmed_updateof_2025.xml',
    'efetch_pubmed_vernacular_numeric_entities_2025.xml',
  ].flatMap((name) => corpusFromPubmedXml(readFileSync(join(recorded, name), 'utf8'), name));
  standIn = await startEutilsStandIn({ corpus });
  europePmc = await startEuropePmcStandIn({ corpus: [] });
  dataDir = makeTempDataDir('cli');
  demoDir = makeTempDataDir('cli-demo');
});

afterAll(async () => {
  await standIn?.close();
  await europePmc?.close();
  if (dataDir) await removeDataDir(dataDir);
  if (demoDir) await removeDataDir(demoDir);
});

describe('living-review run / queue / runs', () => {
  it('runs the due IESM review, then finds it not due, and --force adds nothing new', async () => {
    const env = {
      NCBI_EUTILS_BASE_URL: standIn.baseUrl,
      EUROPEPMC_BASE_URL: europePmc.baseUrl,
      OPENALEX_API_KEY: '',
    };
    const first = await livingReview(['run', '--data', dataDir], env);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/iesm \/ pubmed: succeeded .*window 2022-05-27 to \d{4}-\d{2}-\d{2}/);
    expect(first.stdout).toContain('found 3, fetched 3: 3 new (queued 3), 0 already known, 0 duplicates');
    expect(first.stdout).toMatch(/sent 2 requests \(esearch 1, efetch 1\)/);
    // The citation watch: no study is included yet, so Europe PMC is asked nothing; OpenAlex has no key.
    expect(first.stdout).toMatch(/iesm \/ citations-europepmc: succeeded/);
    expect(first.stdout).toMatch(/iesm \/ citations-openalex: skipped: no OpenAlex api key/);

    const second = await livingReview(['run', '--data', dataDir], env);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/iesm \/ pubmed: not due \(last run .*; next .*; --force runs it now\)/);

    const forced = await livingReview(['run', '--force', '--format', 'json', '--data', dataDir], env);
    expect(forced.code).toBe(0);
    const results = JSON.parse(forced.stdout) as {
      status: string;
      reviewId: string;
      source: string;
      run?: { counts: { new: number; queued: number } };
    }[];
    // One result per run source of each protocol; IESM's: PubMed and the citation watch's two.
    const iesm = results.filter((r) => r.reviewId === 'iesm');
    expect(iesm.map((r) => [r.source, r.status])).toEqual([
      ['pubmed', 'succeeded'],
      ['citations-europepmc', 'succeeded'],
      ['citations-openalex', 'skipped'],
    ]);
    expect(iesm[0]!.run!.counts).toMatchObject({ new: 0, queued: 0 });

    const queue = await livingReview(['queue', '--review', 'iesm', '--format', 'json', '--data', dataDir]);
    expect(queue.code).toBe(0);
    const entries = JSON.parse(queue.stdout) as {
      pmid: string;
      doi: string | null;
      title: string;
      queuedAt: string;
    }[];
    expect(entries.map((e) => e.pmid).sort()).toEqual(['35649368', '36156117', '36987902']);
    for (const entry of entries) {
      expect(entry.title.length).toBeGreaterThan(10);
      expect(entry.doi).toMatch(/^10\./);
      expect(Date.parse(entry.queuedAt)).not.toBeNaN();
    }

    const runs = await livingReview(['runs', '--review', 'iesm', '--format', 'json', '--data', dataDir]);
    const logs = (JSON.parse(runs.stdout) as { outcome: string; query: string; source: string }[]).filter(
      (log) => log.source === 'pubmed',
    );
    expect(logs).toHaveLength(2);
    const search = await livingReview(
      [
        'search',
        '--review',
        'iesm',
        '--from',
        '2022-05-27',
        '--to',
        '2022-05-27',
        '--format',
        'json',
        '--data',
        dataDir,
      ],
      env,
    );
    expect(search.code).toBe(0);
    const searched = JSON.parse(search.stdout) as {
      source: string;
      outcome?: string;
      skipped?: string;
      window?: { from: string; to: string };
    }[];
    expect(searched.map((s) => s.source)).toEqual(['pubmed', 'citations-europepmc', 'citations-openalex']);
    expect(searched[2]!.skipped).toMatch(/no OpenAlex api key/);
    expect(searched[0]).toMatchObject({
      outcome: 'succeeded',
      window: { from: '2022-05-27', to: '2022-05-27' },
    });
    expect(logs.every((log) => log.outcome === 'succeeded')).toBe(true);
    expect(logs[0]?.query).toBe(
      '(intradural extramedullary) AND (spinal OR spine OR cauda equina) AND (metastases OR metastasis)',
    );
  });

  it('fails in one line with a non-zero exit when E-utilities cannot be reached', async () => {
    const result = await livingReview(['run', '--data', dataDir], {
      NCBI_EUTILS_BASE_URL: 'http://127.0.0.1:9/',
    });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^living-review run: cannot reach E-utilities at http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\)/,
      ),
    ]);
  });

  it('refuses a protocol file it cannot read, naming the file, before anything runs', async () => {
    const result = await livingReview(['queue', '--protocol', join(import.meta.dirname, 'missing.yaml')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/missing\.yaml: cannot read protocol file \(ENOENT\)/);
  });
});

describe('living-review demo', () => {
  it('runs offline, and a second demo adds nothing', async () => {
    const first = await livingReview(['demo', '--data', demoDir]);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('found 4, fetched 4: 4 new (queued 4)');
    const second = await livingReview(['demo', '--data', demoDir]);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('found 4, fetched 4: 0 new (queued 0), 4 already known, 0 duplicates');
    expect(second.stdout).toContain('4 awaiting screening');
  });
});
