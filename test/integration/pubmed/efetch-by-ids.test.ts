// efetch by a list of PMIDs (the retraction watch's re-read of the included studies) against the loopback
// E-utilities stand-in: batches by POST, what comes back missing or deleted, which failures are retried and
// how the final EutilsError reads.
import { afterEach, describe, expect, it } from 'vitest';
import { type StandInFault, startEutilsStandIn } from '../../../cli/demo/eutils-stand-in.ts';
import { type CorpusRecord, syntheticCorpus } from '../../../cli/demo/stand-in-corpus.ts';
import { RateLimiter } from '../../../shared/adapters/http/rate-limiter.ts';
import { efetchPubmedByIds } from '../../../shared/adapters/pubmed/efetch-by-ids.ts';
import { eutilsConfigFromEnv } from '../../../shared/adapters/pubmed/eutils-client.ts';
import { EutilsError, InputError } from '../../../shared/errors.ts';

const corpus = syntheticCorpus(5, {
  from: '2024-01-01',
  to: '2024-12-31',
  compact: true,
  firstPmid: 31_000_000,
});
const PMIDS = corpus.map((r) => r.pmid);
/** A record PubMed deleted: efetch answers its DeleteCitation. */
const deleted: CorpusRecord = {
  pmid: '31999999',
  createdDate: '2024-06-01',
  xml: '<DeleteCitation><PMID Version="1">31999999</PMID></DeleteCitation>',
};

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const item of open.splice(0)) await item.close();
});

async function setUp(faults: StandInFault[] = [], env: Record<string, string> = {}) {
  const standIn = await startEutilsStandIn({ corpus: [...corpus, deleted], enforceRateLimit: false });
  open.push(standIn);
  for (const fault of faults) standIn.faults.enqueue('efetch', fault);
  const config = eutilsConfigFromEnv({
    NCBI_EUTILS_BASE_URL: standIn.baseUrl,
    NCBI_MAX_ATTEMPTS: '3',
    NCBI_TIMEOUT_MS: '5000',
    ...env,
  });
  const rateLimiter = new RateLimiter({ requestsPerSecond: 100 });
  return { standIn, client: { config, rateLimiter }, rateLimiter };
}

const caught = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error as Error,
  );

describe('efetchPubmedByIds', () => {
  it('posts the ids in batches with tool and email, and says which came back missing or deleted', async () => {
    const { standIn, client } = await setUp([], { NCBI_EMAIL: 'ops@example.org' });
    const asked = [...PMIDS, PMIDS[0]!, '1', deleted.pmid];
    const result = await efetchPubmedByIds(client, asked, { batchSize: 3 });

    expect(result.citations.map((c) => c.pmid).sort()).toEqual([...PMIDS].sort());
    expect(result.missing).toEqual(['1', deleted.pmid]);
    expect(result.deleted).toEqual([deleted.pmid]);
    const efetch = standIn.requests.filter((r) => r.endpoint === 'efetch');
    expect(efetch.map((r) => [r.method, r.status])).toEqual([
      ['POST', 200],
      ['POST', 200],
      ['POST', 200],
    ]);
    // Deduplicated, in order, three to a request.
    expect(efetch.map((r) => r.params.id)).toEqual([
      PMIDS.slice(0, 3).join(','),
      [...PMIDS.slice(3), '1'].join(','),
      deleted.pmid,
    ]);
    expect(efetch[0]!.params).toMatchObject({
      db: 'pubmed',
      retmode: 'xml',
      tool: 'living-review-monitor',
      email: 'ops@example.org',
    });
  });

  it('refuses an id that is not a PMID before sending anything', async () => {
    const { standIn, client } = await setUp();
    await expect(efetchPubmedByIds(client, ['123', 'PMC42'])).rejects.toThrow(InputError);
    await expect(efetchPubmedByIds(client, ['123', 'PMC42'])).rejects.toThrow('not a PMID: "PMC42"');
    expect(standIn.requests).toHaveLength(0);
    expect(await efetchPubmedByIds(client, [])).toEqual({ citations: [], missing: [], deleted: [] });
  });

  it('retries a dropped connection and a 503', async () => {
    const { standIn, client } = await setUp([{ kind: 'reset' }, { kind: 'status', status: 503 }]);
    const result = await efetchPubmedByIds(client, PMIDS);
    expect(result.citations).toHaveLength(5);
    expect(standIn.requests.map((r) => r.fault)).toEqual(['reset', 'status', null]);
  });

  it('retries an answer cut short and a transient ERROR inside a 200', async () => {
    const { standIn, client } = await setUp([
      { kind: 'truncate' },
      { kind: 'error-in-200', message: 'Search Backend failed: please try again' },
    ]);
    const result = await efetchPubmedByIds(client, PMIDS);
    expect(result.citations).toHaveLength(5);
    expect(standIn.requests.map((r) => r.fault)).toEqual(['truncate', 'error-in-200', null]);
  });

  it('retries an answer slower than the timeout', async () => {
    const { standIn, client } = await setUp([{ kind: 'slow', delayMs: 1_500 }], { NCBI_TIMEOUT_MS: '300' });
    const result = await efetchPubmedByIds(client, PMIDS);
    expect(result.citations).toHaveLength(5);
    expect(standIn.requests.map((r) => r.fault)).toEqual(['slow', null]);
  });

  it('on a 429 honours Retry-After and widens the limiter’s margin', async () => {
    const { standIn, client, rateLimiter } = await setUp([{ kind: 'status', status: 429, retryAfter: 1 }]);
    const margin = rateLimiter.windowMarginMs;
    const result = await efetchPubmedByIds(client, PMIDS);
    expect(result.citations).toHaveLength(5);
    const [first, second] = standIn.requests;
    expect(first!.status).toBe(429);
    expect(second!.time - first!.time).toBeGreaterThanOrEqual(950);
    expect(rateLimiter.windowMarginMs).toBeGreaterThan(margin);
  });

  it('gives up after the configured attempts with one retryable EutilsError naming the request', async () => {
    const { standIn, client } = await setUp(
      Array.from({ length: 3 }, () => ({ kind: 'status', status: 503 }) as const),
    );
    const error = await caught(efetchPubmedByIds(client, PMIDS));
    expect(error).toBeInstanceOf(EutilsError);
    expect((error as EutilsError).retryable).toBe(true);
    expect(error.message).toMatch(
      new RegExp(
        `^E-utilities efetch by id \\(5 ids, ${standIn.baseUrl}\\) failed 3 times in \\d+\\.\\d s and reached the limit of 3 attempts; last error: HTTP 503: <!DOCTYPE html `,
      ),
    );
    expect(standIn.requests).toHaveLength(3);
  });

  it('fails at once on a client error or an ERROR that is not transient', async () => {
    const rejected = await setUp([{ kind: 'status', status: 400 }]);
    const error = await caught(efetchPubmedByIds(rejected.client, PMIDS));
    expect(error).toBeInstanceOf(EutilsError);
    expect((error as EutilsError).retryable).toBe(false);
    expect(error.message).toMatch(
      /^E-utilities efetch by id \(5 ids, .*\) failed \(attempt 1, not retryable\): HTTP 400: <!DOCTYPE html /,
    );
    expect(rejected.standIn.requests).toHaveLength(1);

    const refused = await setUp([{ kind: 'error-in-200', message: 'Invalid retmode & rettype' }]);
    const answered = await caught(efetchPubmedByIds(refused.client, PMIDS));
    expect(answered).toBeInstanceOf(EutilsError);
    expect(answered.message).toContain('E-utilities answered ERROR: Invalid retmode');
    expect(refused.standIn.requests).toHaveLength(1);
  });

  it('retries a 200 that is not a PubmedArticleSet, and names it in the final error', async () => {
    const { standIn, client } = await setUp([{ kind: 'status', status: 200 }], { NCBI_MAX_ATTEMPTS: '1' });
    const error = await caught(efetchPubmedByIds(client, PMIDS));
    expect(error).toBeInstanceOf(EutilsError);
    expect((error as EutilsError).retryable).toBe(true);
    expect(error.message).toMatch(
      /failed 1 times in .* s and reached the limit of 1 attempts; last error: expected a PubmedArticleSet, got "<!DOCTYPE html /,
    );
    expect(standIn.requests).toHaveLength(1);
  });

  it('stops on the caller’s abort with the abort’s reason, not an EutilsError', async () => {
    // The answer would come long after the test's own timeout, and the client would wait for it as long: only
    // the abort can end this call in time, so no clock is read here.
    const { standIn, client } = await setUp([{ kind: 'slow', delayMs: 600_000 }], {
      NCBI_TIMEOUT_MS: '600000',
    });
    const controller = new AbortController();
    const reason = new Error('stop');
    const fetching = efetchPubmedByIds(client, PMIDS, { signal: controller.signal });
    // Abort once the request is with the stand-in, so it is the wait for an answer that is cut short.
    while (standIn.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    controller.abort(reason);
    await expect(fetching).rejects.toBe(reason);
    expect(standIn.requests).toHaveLength(1);
  });
});
