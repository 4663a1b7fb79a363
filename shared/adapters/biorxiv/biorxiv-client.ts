// bioRxiv/medRxiv's own published-article data (https://api.biorxiv.org): where a preprint was published, for
// the preprints Europe PMC has not linked to a published version.
//
// One request per preprint: GET details/{server}/{doi}/na/json, the content detail of one manuscript, every
// version of it in `collection`, each with `published` (the journal article's DOI, or "NA" while there is
// none) and `server`. bioRxiv and medRxiv share the 10.1101 prefix and a DOI does not say which server holds
// it, so medRxiv is asked first (the clinical server: a systematic review's preprints are mostly there) and
// bioRxiv when medRxiv answers "no posts found". A lookup by DOI is exact: it finds a link whatever date the
// server gave it, where the `pubs/{server}/{interval}/{cursor}` listing would miss a link dated before the
// window it pages (see README, "Sources").
//
// The answer is checked as the other JSON clients check a page (../http/json-answer.ts): not complete JSON, or
// not the documented envelope ({ messages: [{ status, ... }], collection: [...] }), is retried; a `messages`
// entry stating more items (count/total) than `collection` holds is a partial answer, retried; a version of
// the wrong shape, an answer about another DOI, or a status other than "ok" / "no posts found" fails with a
// BiorxivError naming the request. Politeness is the shared module's (../http/polite-request.ts): a process-
// wide limiter per base URL (1 request/s by default: the API states no limit, so we keep to one at a time),
// retries with full-jitter backoff on 429 (Retry-After honoured), 5xx, resets, timeouts and cut bodies.
import { z } from 'zod';
import { normaliseDoi } from '../../domain/citation/citation-keys.ts';
import type { RequestCounts } from '../../domain/monitor/request-counts.ts';
import { LivingReviewError } from '../../errors.ts';
import type { PublishedVersion, PublishedVersionLookup } from '../../ports/published-versions.ts';
import {
  clientConfigFromEnv,
  retryLimitDefaults,
  type ServiceClientConfig,
  serviceClientFields,
  serviceEnvNames,
} from '../http/client-config.ts';
import { idOf, parseItems, parseJsonPage } from '../http/json-answer.ts';
import {
  AttemptFailure,
  type PoliteClientOptions,
  type PoliteHttp,
  politeClientParts,
} from '../http/polite-request.ts';
import type { RateLimiter } from '../http/rate-limiter.ts';

/** bioRxiv/medRxiv failed, or answered with something that is not a complete content detail. */
export class BiorxivError extends LivingReviewError {}

export const DEFAULT_BIORXIV_BASE_URL = 'https://api.biorxiv.org/';
export const DEFAULT_BIORXIV_REQUESTS_PER_SECOND = 1;
/** Asked in this order: medRxiv first (clinical preprints), then bioRxiv. */
export const PREPRINT_SERVERS = ['medrxiv', 'biorxiv'] as const;
export type PreprintServer = (typeof PREPRINT_SERVERS)[number];

/** bioRxiv and medRxiv DOIs: the 10.1101 prefix and a suffix of dates and digits ("2023.06.18.23291234"). */
const SERVER_DOI = /^10\.1101\/[0-9A-Za-z.\-_]+$/;
/** What the API answers for a DOI the server does not hold. */
const NOT_FOUND = 'no posts found';

export type BiorxivConfig = ServiceClientConfig;

const configSchema = z.object(serviceClientFields);

/**
 * Reads BIORXIV_BASE_URL, BIORXIV_TIMEOUT_MS, BIORXIV_MAX_ATTEMPTS, BIORXIV_MAX_RETRY_TIME_MS and
 * BIORXIV_REQUESTS_PER_SECOND; `overrides` win. Throws ConfigError naming every bad variable.
 */
export function biorxivConfigFromEnv(
  env: Record<string, string | undefined>,
  overrides: Partial<BiorxivConfig> = {},
): BiorxivConfig {
  return clientConfigFromEnv<BiorxivConfig>({
    what: 'bioRxiv/medRxiv',
    schema: configSchema,
    envNames: serviceEnvNames('BIORXIV'),
    defaults: {
      baseUrl: DEFAULT_BIORXIV_BASE_URL,
      ...retryLimitDefaults,
      requestsPerSecond: DEFAULT_BIORXIV_REQUESTS_PER_SECOND,
    },
    env,
    overrides,
  });
}

const count = z.union([z.number().int().min(0), z.string().regex(/^\d+$/).transform(Number)]);

const messageSchema = z.looseObject({
  status: z.string(),
  cursor: z.union([z.number(), z.string()]).optional(),
  count: count.optional(),
  total: count.optional(),
});

const detailSchema = z.object({
  messages: z.array(messageSchema).min(1),
  collection: z.array(z.unknown()),
});

/** One version of a manuscript, as `details` lists it (the fields this client reads; the rest is left). */
const versionSchema = z.looseObject({
  doi: z.string().min(1),
  version: z.union([z.string(), z.number()]),
  /** The published article's DOI, or "NA". */
  published: z.string(),
  server: z.string().optional(),
});

export type BiorxivVersion = z.infer<typeof versionSchema>;

export interface BiorxivDetail {
  /** False when the server answered "no posts found". */
  found: boolean;
  versions: BiorxivVersion[];
}

/**
 * Reads one `details` answer about `doi`: the envelope, each version's shape, and that every version is of
 * `doi` and every stated item arrived. `what` names the request in errors.
 */
export function parseBiorxivDetail(body: string, doi: string, what: string): BiorxivDetail {
  const page = parseJsonPage(body, detailSchema, 'a bioRxiv/medRxiv content detail');
  const message = page.messages[0]!;
  if (message.status.trim().toLowerCase() === NOT_FOUND) {
    if (page.collection.length > 0) {
      throw new BiorxivError(
        `${what}: the answer says "${message.status}" but lists ${page.collection.length} versions`,
      );
    }
    return { found: false, versions: [] };
  }
  if (message.status !== 'ok') {
    throw new BiorxivError(`${what}: bioRxiv/medRxiv answered status "${message.status}"`);
  }
  const stated = message.count ?? message.total;
  if (stated !== undefined && page.collection.length < stated) {
    // A cut or partial answer: the same request may come back whole.
    throw new AttemptFailure(
      `partial answer: ${page.collection.length} of the ${stated} versions stated in messages`,
      true,
    );
  }
  const versions = parseItems(
    page.collection,
    versionSchema,
    (index, raw) => `${what}: version ${index + 1}${idOf(raw, 'doi')}`,
    (text) => new BiorxivError(text),
  );
  if (versions.length === 0) throw new BiorxivError(`${what}: status "ok" with no version listed`);
  const other = versions.find((v) => normaliseDoi(v.doi) !== doi);
  if (other) throw new BiorxivError(`${what}: the answer is about another preprint (${other.doi})`);
  return { found: true, versions };
}

/** The published DOI the latest version names (versions may disagree: the latest is the server's word). */
export function publishedDoiOf(versions: readonly BiorxivVersion[]): string | null {
  const latest = [...versions].sort((a, b) => Number(b.version) - Number(a.version));
  for (const version of latest) {
    const doi = version.published.trim().toUpperCase() === 'NA' ? null : normaliseDoi(version.published);
    if (doi) return doi;
  }
  return null;
}

export class BiorxivClient implements PublishedVersionLookup {
  readonly name = 'bioRxiv/medRxiv';
  readonly config: BiorxivConfig;
  readonly rateLimiter: RateLimiter;
  private readonly http: PoliteHttp;
  private readonly onRetry: PoliteClientOptions['onRetry'];

  constructor(config: BiorxivConfig, options: PoliteClientOptions = {}) {
    ({
      config: this.config,
      rateLimiter: this.rateLimiter,
      http: this.http,
    } = politeClientParts(config, options, BiorxivError));
    this.onRetry = options.onRetry;
  }

  holds(preprintDoi: string): boolean {
    const doi = normaliseDoi(preprintDoi);
    return doi !== null && SERVER_DOI.test(doi);
  }

  async publishedVersion(
    preprintDoi: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<PublishedVersion | null> {
    const doi = normaliseDoi(preprintDoi);
    if (!doi || !SERVER_DOI.test(doi)) {
      throw new BiorxivError(`not a bioRxiv/medRxiv DOI: "${preprintDoi}" (expected 10.1101/...)`);
    }
    for (const server of PREPRINT_SERVERS) {
      const detail = await this.details(server, doi, options.signal);
      if (!detail.found) continue;
      const publishedDoi = publishedDoiOf(detail.versions);
      return publishedDoi && publishedDoi !== doi ? { preprintDoi: doi, publishedDoi, server } : null;
    }
    return null;
  }

  /** GET details/{server}/{doi}/na/json: every version of one manuscript. */
  details(server: PreprintServer, doi: string, signal?: AbortSignal): Promise<BiorxivDetail> {
    const url = new URL(`details/${server}/${doi}/na/json`, this.config.baseUrl).toString();
    const what = `bioRxiv/medRxiv details of ${doi} on ${server} (${this.config.baseUrl})`;
    return this.http.request({
      what,
      endpoint: 'details',
      url,
      method: 'GET',
      headers: { accept: 'application/json', 'user-agent': 'living-review-monitor (undici)' },
      signal,
      spacing: 'answered',
      interpret: (text) => parseBiorxivDetail(text, doi, what),
      onRetry: this.onRetry,
    });
  }

  /** Every request this client has sent, by endpoint, retries included. */
  requestCounts(): RequestCounts {
    return this.http.tally.snapshot();
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}
