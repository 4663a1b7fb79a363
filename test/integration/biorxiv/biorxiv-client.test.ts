// bioRxiv/medRxiv's published-article data over real HTTP: the client asks the loopback stand-in (serving the
// recorded content detail, cli/demo/recorded/biorxiv_details.json) about preprints by DOI, medRxiv first and
// bioRxiv when medRxiv does not hold the DOI; every fault of the matrix is either retried to the right answer
// or fails with a BiorxivError naming the request.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type BiorxivCorpusVersion, startBiorxivStandIn } from '../../../cli/demo/biorxiv-stand-in.ts';
import type { ApiFault } from '../../../cli/demo/json-api-stand-in.ts';
import {
  BiorxivClient,
  BiorxivError,
  biorxivConfigFromEnv,
} from '../../../shared/adapters/biorxiv/biorxiv-client.ts';
import { ConfigError } from '../../../shared/errors.ts';
import { TRANSIENT_API_FAULTS } from '../../support/api-faults.ts';

const recorded = JSON.parse(
  readFileSync(
    join(import.meta.dirname, '..', '..', '..', 'cli', 'demo', 'recorded', 'biorxiv_details.json'),
    'utf8',
  ),
) as { collection: BiorxivCorpusVersion[] };
const MEDRXIV_DOI = '10.1101/2023.06.18.99900001';
const PUBLISHED = '10.5555/lrm.published.2024.412';
const BIORXIV_DOI = '10.1101/2024.02.03.999002';
const UNPUBLISHED_DOI = '10.1101/2024.05.06.99900003';
const corpus: BiorxivCorpusVersion[] = [
  ...recorded.collection,
  {
    ...recorded.collection[0]!,
    doi: BIORXIV_DOI,
    server: 'bioRxiv',
    version: '1',
    published: '10.5555/lrm.published.2024.77',
  },
  { ...recorded.collection[0]!, doi: UNPUBLISHED_DOI, version: '1', published: 'NA' },
];

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const item of open.splice(0)) await item.close();
});

async function biorxiv(options: { rateLimit?: number; requestsPerSecond?: number } = {}) {
  const standIn = await startBiorxivStandIn({ corpus, rateLimit: options.rateLimit ?? 50 });
  const client = new BiorxivClient(
    biorxivConfigFromEnv(
      { BIORXIV_BASE_URL: standIn.baseUrl },
      {
        timeoutMs: 500,
        maxAttempts: 4,
        maxRetryTimeMs: 5_000,
        requestsPerSecond: options.requestsPerSecond ?? 50,
      },
    ),
    { backoff: { baseDelayMs: 5, maxDelayMs: 50 } },
  );
  open.push(client, standIn);
  return { standIn, client };
}

const asked = (endpoints: { endpoint: string }[]) => endpoints.map((r) => r.endpoint);

describe('bioRxiv/medRxiv published versions', () => {
  it('names the published DOI of a medRxiv preprint in one request', async () => {
    const { standIn, client } = await biorxiv();
    expect(await client.publishedVersion(`https://doi.org/${MEDRXIV_DOI.toUpperCase()}`)).toEqual({
      preprintDoi: MEDRXIV_DOI,
      publishedDoi: PUBLISHED,
      server: 'medrxiv',
    });
    expect(asked(standIn.requests)).toEqual([`details/medrxiv/${MEDRXIV_DOI}/na/json`]);
    expect(client.requestCounts()).toEqual({ details: 1 });
  });

  it('asks bioRxiv when medRxiv does not hold the DOI; null when neither does or it is unpublished', async () => {
    const { standIn, client } = await biorxiv();
    expect(await client.publishedVersion(BIORXIV_DOI)).toMatchObject({
      publishedDoi: '10.5555/lrm.published.2024.77',
      server: 'biorxiv',
    });
    expect(await client.publishedVersion(UNPUBLISHED_DOI)).toBeNull();
    expect(await client.publishedVersion('10.1101/1999.01.01.000000')).toBeNull();
    expect(asked(standIn.requests)).toEqual([
      `details/medrxiv/${BIORXIV_DOI}/na/json`,
      `details/biorxiv/${BIORXIV_DOI}/na/json`,
      `details/medrxiv/${UNPUBLISHED_DOI}/na/json`,
      'details/medrxiv/10.1101/1999.01.01.000000/na/json',
      'details/biorxiv/10.1101/1999.01.01.000000/na/json',
    ]);
  });

  it('holds only 10.1101 DOIs and refuses to ask about any other', async () => {
    const { standIn, client } = await biorxiv();
    expect(client.holds(MEDRXIV_DOI)).toBe(true);
    expect(client.holds('10.5555/lrm.preprint.2023.77')).toBe(false);
    expect(client.holds('10.1101/../../x')).toBe(false);
    await expect(client.publishedVersion('10.5555/lrm.preprint.2023.77')).rejects.toThrow(
      /not a bioRxiv\/medRxiv DOI: "10\.5555\/lrm\.preprint\.2023\.77"/,
    );
    expect(standIn.requests).toEqual([]);
  });

  it('keeps to the stand-in rate limit: a 429 with Retry-After is waited out, not failed', async () => {
    const { standIn, client } = await biorxiv({ rateLimit: 1, requestsPerSecond: 100 });
    const answers = await Promise.all(
      [MEDRXIV_DOI, UNPUBLISHED_DOI].map((doi) => client.publishedVersion(doi)),
    );
    expect(answers.map((a) => a?.publishedDoi ?? null)).toEqual([PUBLISHED, null]);
    expect(standIn.requests.some((r) => r.fault === 'rate-limit')).toBe(true);
  });

  it('reads its configuration from BIORXIV_* and names a bad variable', () => {
    expect(biorxivConfigFromEnv({})).toMatchObject({
      baseUrl: 'https://api.biorxiv.org/',
      requestsPerSecond: 1,
    });
    expect(() => biorxivConfigFromEnv({ BIORXIV_REQUESTS_PER_SECOND: 'fast' })).toThrow(ConfigError);
    expect(() => biorxivConfigFromEnv({ BIORXIV_BASE_URL: 'ftp://x' })).toThrow(/BIORXIV_BASE_URL/);
  });
});

describe.each(TRANSIENT_API_FAULTS)('bioRxiv/medRxiv, a transient fault: %s', (_name, fault) => {
  it('is retried and the published version is read', async () => {
    const { standIn, client } = await biorxiv();
    standIn.faults.enqueue(fault);
    expect(await client.publishedVersion(MEDRXIV_DOI)).toMatchObject({ publishedDoi: PUBLISHED });
    expect(client.requestCounts().details).toBe(2);
  });
});

describe('bioRxiv/medRxiv, a partial answer (a version left out of what messages count)', () => {
  it('once: retried and read whole', async () => {
    const { standIn, client } = await biorxiv();
    standIn.faults.enqueue({ kind: 'drop-record' });
    expect(await client.publishedVersion(MEDRXIV_DOI)).toMatchObject({ publishedDoi: PUBLISHED });
    expect(standIn.requests.map((r) => r.fault)).toEqual(['drop-record', null]);
  });

  it('every time: fails naming the request, never taken for a smaller answer', async () => {
    const { standIn, client } = await biorxiv();
    for (let i = 0; i < 4; i++) standIn.faults.enqueue({ kind: 'drop-record' });
    const error = await client.publishedVersion(MEDRXIV_DOI).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BiorxivError);
    expect((error as Error).message).toMatch(
      /bioRxiv\/medRxiv details of 10\.1101\/2023\.06\.18\.99900001 on medrxiv .*partial answer: 1 of the 2 versions/,
    );
  });
});

const final: [string, ApiFault, RegExp][] = [
  ['an answer about another preprint', { kind: 'other-record' }, /the answer is about another preprint/],
  ['HTTP 404', { kind: 'status', status: 404 }, /404/],
];

describe.each(final)('bioRxiv/medRxiv, a fault that retrying cannot mend: %s', (_name, fault, reason) => {
  it('fails at once with a BiorxivError naming the request', async () => {
    const { standIn, client } = await biorxiv();
    standIn.faults.enqueue(fault);
    const error = await client.publishedVersion(MEDRXIV_DOI).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BiorxivError);
    expect((error as Error).message).toMatch(/details of 10\.1101\/2023\.06\.18\.99900001 on medrxiv/);
    expect((error as Error).message).toMatch(reason);
    expect(standIn.requests).toHaveLength(1);
  });
});
