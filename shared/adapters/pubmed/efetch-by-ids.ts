// efetch by a list of PMIDs (the retraction watch re-reads the included studies' records). EutilsClient only
// pages history sets (WebEnv/query_key), so this module sends `efetch.fcgi?db=pubmed&id=1,2,3` itself, by POST
// (NCBI asks for POST above ~200 ids), through the client's public parts: its configuration (base URL, tool,
// email, api_key, timeouts, attempt and time bounds) and its process-wide rate limiter, with the same retry
// helper and the same transient-failure rules (429 with Retry-After, 5xx, dropped connections, timeouts, an
// incomplete PubmedArticleSet, a transient ERROR inside a 200).
//
// The limiter lease is reported as sent when the answer's headers arrive rather than when the request left (the
// client's own dispatcher hook is private): requests are then spaced from later moments, never closer.
import { Agent, type Dispatcher, request } from 'undici';
import type { Citation } from '../../domain/citation/citation.ts';
import { EutilsError, errorMessage, InputError } from '../../errors.ts';
import { type EutilsClient, isTransientNetworkError } from './eutils-client.ts';
import { parsePubmedXml } from './parse-pubmed-xml.ts';
import {
  defaultRetryPolicy,
  NotRetryableError,
  parseRetryAfter,
  RetriesExhaustedError,
  withRetries,
} from './retry.ts';

/** NCBI's advice: at most a few hundred ids per efetch. */
export const EFETCH_IDS_PER_REQUEST = 200;

export interface FetchByIdsResult {
  citations: Citation[];
  /** Requested PMIDs efetch did not return (deleted or unknown ids are dropped without a word). */
  missing: string[];
  /** PMIDs the answers reported as deleted (DeleteCitation). */
  deleted: string[];
}

class Attempt extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
    this.name = 'EfetchAttemptFailure';
  }
}

export interface EfetchByIdsOptions {
  /** Ids per request (default 200). */
  batchSize?: number;
  dispatcher?: Dispatcher;
  signal?: AbortSignal;
}

let sharedAgent: Agent | undefined;

/** The PubMed records of `pmids` (deduplicated), parsed; fails with EutilsError when a batch cannot be read. */
export async function efetchPubmedByIds(
  client: Pick<EutilsClient, 'config' | 'rateLimiter'>,
  pmids: readonly string[],
  options: EfetchByIdsOptions = {},
): Promise<FetchByIdsResult> {
  const ids = [...new Set(pmids)];
  for (const id of ids) {
    if (!/^\d+$/.test(id)) throw new InputError(`not a PMID: "${id}"`);
  }
  const batchSize = options.batchSize ?? EFETCH_IDS_PER_REQUEST;
  sharedAgent ??= new Agent({ keepAliveTimeout: 3_000, keepAliveMaxTimeout: 3_500 });
  const dispatcher = options.dispatcher ?? sharedAgent;
  const result: FetchByIdsResult = { citations: [], missing: [], deleted: [] };
  for (let start = 0; start < ids.length; start += batchSize) {
    const batch = ids.slice(start, start + batchSize);
    const xml = await fetchBatch(client, batch, dispatcher, options.signal);
    const parsed = parsePubmedXml(xml, `efetch id=${batch[0]}..${batch[batch.length - 1]}`);
    result.citations.push(...parsed.citations);
    result.deleted.push(...parsed.deletedPmids);
    const returned = new Set(parsed.citations.map((c) => c.pmid));
    result.missing.push(...batch.filter((id) => !returned.has(id)));
  }
  return result;
}

async function fetchBatch(
  client: Pick<EutilsClient, 'config' | 'rateLimiter'>,
  ids: readonly string[],
  dispatcher: Dispatcher,
  signal: AbortSignal | undefined,
): Promise<string> {
  const { config, rateLimiter } = client;
  const url = new URL('efetch.fcgi', config.baseUrl.endsWith('/') ? config.baseUrl : `${config.baseUrl}/`);
  const body = new URLSearchParams({ db: 'pubmed', id: ids.join(','), retmode: 'xml', tool: config.tool });
  if (config.email) body.set('email', config.email);
  if (config.apiKey) body.set('api_key', config.apiKey);
  const policy = {
    ...defaultRetryPolicy,
    maxAttempts: config.maxAttempts,
    maxRetryTimeMs: config.maxRetryTimeMs,
  };
  try {
    return await withRetries(
      async () => {
        const lease = await rateLimiter.acquire(signal);
        try {
          const response = await request(url, {
            method: 'POST',
            body: body.toString(),
            headers: {
              'content-type': 'application/x-www-form-urlencoded',
              'user-agent': `${config.tool} (undici)`,
            },
            dispatcher,
            headersTimeout: config.timeoutMs,
            bodyTimeout: config.timeoutMs,
            ...(signal ? { signal } : {}),
          });
          lease.sent();
          const text = await response.body.text();
          if (response.statusCode === 429 || response.statusCode >= 500) {
            const retryAfter = response.headers['retry-after'];
            throw new Attempt(
              `HTTP ${response.statusCode}`,
              true,
              parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, Date.now()),
            );
          }
          if (response.statusCode < 200 || response.statusCode >= 300) {
            throw new Attempt(`HTTP ${response.statusCode}: ${text.slice(0, 200)}`, false);
          }
          return interpret(text);
        } finally {
          lease.release();
        }
      },
      {
        policy,
        ...(signal ? { signal } : {}),
        classify: (error) => {
          if (error instanceof Attempt) {
            return error.retryable ? { retry: true, retryAfterMs: error.retryAfterMs } : { retry: false };
          }
          return isTransientNetworkError(error) ? { retry: true, retryAfterMs: null } : { retry: false };
        },
        onRetry: (info) => {
          if (info.error instanceof Attempt && info.error.message.startsWith('HTTP 429')) {
            rateLimiter.holdUntil(Date.now() + (info.retryAfterMs ?? 1000));
            rateLimiter.widenMargin();
          }
        },
      },
    );
  } catch (error) {
    const where = `E-utilities efetch by id (${ids.length} ids, ${config.baseUrl})`;
    if (error instanceof RetriesExhaustedError) {
      throw new EutilsError(`${where} failed ${error.attempts} times: ${errorMessage(error.lastError)}`, {
        cause: error.lastError,
        retryable: true,
      });
    }
    if (error instanceof NotRetryableError) {
      throw new EutilsError(`${where} failed: ${errorMessage(error.error)}`, { cause: error.error });
    }
    throw error;
  }
}

function interpret(text: string): string {
  const start = text.slice(0, 2000);
  if (/<PubmedArticleSet[\s>/]/.test(start)) {
    const tail = text.trimEnd();
    if (tail.endsWith('</PubmedArticleSet>') || /<PubmedArticleSet\s*\/>$/.test(tail)) return text;
    throw new Attempt(`the PubmedArticleSet was cut short after ${text.length} characters`, true);
  }
  const errors = [...text.matchAll(/<ERROR>([\s\S]*?)<\/ERROR>/g)].map((m) => (m[1] ?? '').trim());
  if (errors.length > 0) {
    const message = errors.join('; ');
    throw new Attempt(
      `E-utilities answered ERROR: ${message}`,
      /search backend failed|temporarily unavailable|please try again/i.test(message),
    );
  }
  throw new Attempt(`expected a PubmedArticleSet, got "${text.slice(0, 120).replace(/\s+/g, ' ')}"`, true);
}
