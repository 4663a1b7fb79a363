// Crossref's REST API (https://api.crossref.org/works) for the retraction watch: the update notices
// (retractions, corrections, expressions of concern, ...) that name an included study's DOI, so a study
// without a PMID is checked too.
//
// Crossref keeps an update on the notice, whose `update-to` entries point back at the DOI it updates (type,
// label, source "publisher" or "retraction-watch" for Retraction Watch's records, record-id, updated date), so
// the watch asks for the works that update its DOIs: filter=updates:<doi>, repeated (Crossref ORs repeated
// filters of one name), 20 DOIs a request, cursor paging (next-cursor) to the end, reconciled with
// total-results. A Retraction Watch entry whose notice has no DOI of its own is only on the article itself
// (`updated-by`), so the articles are read too (filter=doi:<doi>, 20 a request): two requests per 20 DOIs. The polite pool is asked for with mailto (CROSSREF_EMAIL). Every answer's X-Rate-Limit-Limit
// and X-Rate-Limit-Interval headers are read and the process-wide limiter lowered to what they allow (it
// starts at CROSSREF_REQUESTS_PER_SECOND, 5 by default); 429, 5xx, resets, timeouts and cut JSON are retried
// (../http/polite-request.ts).
import { z } from 'zod';
import { normaliseDoi } from '../../domain/citation/citation-keys.ts';
import type { RequestCounts } from '../../domain/monitor/request-counts.ts';
import type { DoiUpdate } from '../../domain/retraction/notices.ts';
import { LivingReviewError } from '../../errors.ts';
import {
  clientConfigFromEnv,
  positiveInt,
  retryLimitDefaults,
  type ServiceClientConfig,
  serviceClientFields,
  serviceEnvNames,
} from '../http/client-config.ts';
import { idOf, parseItems, parseJsonPage } from '../http/json-answer.ts';
import {
  type AnswerMeta,
  type PoliteClientOptions,
  type PoliteHttp,
  politeClientParts,
} from '../http/polite-request.ts';
import type { RateLimiter } from '../http/rate-limiter.ts';
import { reconciledPages } from '../http/reconciled-pages.ts';

/** Crossref failed, or answered with something that is not a complete list. */
export class CrossrefError extends LivingReviewError {}

export const DEFAULT_CROSSREF_BASE_URL = 'https://api.crossref.org/';
export const DOIS_PER_REQUEST = 20;
export const MAX_CROSSREF_ROWS = 1000;

export interface CrossrefConfig extends ServiceClientConfig {
  /** Sent as mailto: Crossref's polite pool. */
  email?: string | undefined;
  /** Works per page, 1 to 1000. */
  rows: number;
}

const configSchema = z.object({
  ...serviceClientFields,
  email: z.email().optional(),
  rows: positiveInt.max(MAX_CROSSREF_ROWS, `at most ${MAX_CROSSREF_ROWS}`),
});

/**
 * Reads CROSSREF_BASE_URL, CROSSREF_EMAIL, CROSSREF_TIMEOUT_MS, CROSSREF_MAX_ATTEMPTS,
 * CROSSREF_MAX_RETRY_TIME_MS, CROSSREF_REQUESTS_PER_SECOND and CROSSREF_ROWS.
 */
export function crossrefConfigFromEnv(
  env: Record<string, string | undefined>,
  overrides: Partial<CrossrefConfig> = {},
): CrossrefConfig {
  return clientConfigFromEnv<CrossrefConfig>({
    what: 'Crossref',
    schema: configSchema,
    envNames: {
      ...serviceEnvNames('CROSSREF'),
      email: 'CROSSREF_EMAIL',
      rows: 'CROSSREF_ROWS',
    },
    defaults: {
      baseUrl: DEFAULT_CROSSREF_BASE_URL,
      ...retryLimitDefaults,
      requestsPerSecond: 5,
      rows: MAX_CROSSREF_ROWS,
    },
    env,
    overrides,
  });
}

const dateParts = z
  .object({ 'date-parts': z.array(z.array(z.number().int().nullable())).optional() })
  .optional();

const updateToSchema = z.object({
  DOI: z.string(),
  type: z.string(),
  label: z.string().optional(),
  source: z.string().optional(),
  'record-id': z.union([z.string(), z.number()]).optional(),
  updated: dateParts,
});

const noticeSchema = z.object({
  DOI: z.string(),
  type: z.string().optional(),
  'update-to': z.array(updateToSchema).optional(),
  'updated-by': z.array(updateToSchema).optional(),
});

const listSchema = z.object({
  status: z.literal('ok'),
  message: z.object({
    'total-results': z.number().int().min(0),
    items: z.array(z.unknown()),
    'next-cursor': z.string().optional(),
  }),
});

export interface CrossrefPage {
  total: number;
  nextCursor: string | null;
  notices: z.infer<typeof noticeSchema>[];
}

function day(parts: z.infer<typeof dateParts>): string | null {
  const [year, month, dayOfMonth] = parts?.['date-parts']?.[0] ?? [];
  if (!year) return null;
  const pad = (n: number | null | undefined) => String(n ?? 1).padStart(2, '0');
  return month ? `${year}-${pad(month)}-${pad(dayOfMonth)}` : String(year);
}

export function parseCrossrefPage(body: string): CrossrefPage {
  const page = parseJsonPage(body, listSchema, 'a work list');
  const notices = parseItems(
    page.message.items,
    noticeSchema,
    (index, raw) => `Crossref work ${index + 1} of the page${idOf(raw, 'DOI')}`,
    (message) => new CrossrefError(message),
  );
  return { total: page.message['total-results'], nextCursor: page.message['next-cursor'] ?? null, notices };
}

/** "50" per "1s" -> 50 requests per second; null when the headers are absent or unreadable. */
export function rateFromHeaders(headers: Readonly<Record<string, string>>): number | null {
  const limit = Number(headers['x-rate-limit-limit']);
  const interval = /^(\d+(?:\.\d+)?)\s*s?$/.exec(headers['x-rate-limit-interval'] ?? '');
  if (!(limit > 0) || !interval || !(Number(interval[1]) > 0)) return null;
  return limit / Number(interval[1]);
}

export class CrossrefClient {
  readonly config: CrossrefConfig;
  readonly rateLimiter: RateLimiter;
  private readonly http: PoliteHttp;

  constructor(config: CrossrefConfig, options: PoliteClientOptions = {}) {
    ({
      config: this.config,
      rateLimiter: this.rateLimiter,
      http: this.http,
    } = politeClientParts(config, options, CrossrefError));
  }

  /** The update notices naming any of `dois`, by the (normalised) DOI each updates. */
  async updatesOf(
    dois: readonly string[],
    options: { signal?: AbortSignal } = {},
  ): Promise<Map<string, DoiUpdate[]>> {
    const wanted = [...new Set(dois.map((d) => normaliseDoi(d)).filter((d): d is string => d !== null))];
    const updates = new Map<string, DoiUpdate[]>();
    const add = (updated: string, entry: z.infer<typeof updateToSchema>, noticeDoi: string | null) => {
      const list = updates.get(updated) ?? [];
      list.push({
        type: entry.type,
        label: entry.label ?? null,
        source: entry.source ?? null,
        noticeDoi: noticeDoi === updated ? null : noticeDoi,
        recordId: entry['record-id'] === undefined ? null : String(entry['record-id']),
        date: day(entry.updated),
      });
      updates.set(updated, list);
    };
    for (let start = 0; start < wanted.length; start += DOIS_PER_REQUEST) {
      const chunk = wanted.slice(start, start + DOIS_PER_REQUEST);
      const asked = new Set(chunk);
      // The notices that update the DOIs.
      for await (const notice of this.all('updates', chunk, options.signal)) {
        for (const to of notice['update-to'] ?? []) {
          const updated = normaliseDoi(to.DOI);
          if (updated && asked.has(updated)) add(updated, to, normaliseDoi(notice.DOI));
        }
      }
      // The articles themselves: updates recorded only there (Retraction Watch entries without a notice DOI).
      for await (const article of this.all('doi', chunk, options.signal)) {
        const updated = normaliseDoi(article.DOI);
        if (!updated || !asked.has(updated)) continue;
        for (const by of article['updated-by'] ?? []) add(updated, by, normaliseDoi(by.DOI));
      }
    }
    return updates;
  }

  /** Every work of filter `<name>:<doi>,...`, paged with cursors and reconciled with total-results. */
  private async *all(name: 'updates' | 'doi', dois: readonly string[], signal?: AbortSignal) {
    const pages = reconciledPages<CrossrefPage['notices'][number]>({
      first: '*',
      fetch: async (cursor) => {
        const page = await this.page(name, dois, cursor ?? '*', signal);
        return { count: page.total, next: page.nextCursor, items: page.notices };
      },
      idOf: (work) => work.DOI,
      noun: { one: 'work', many: 'works' },
      service: 'Crossref',
      fail: (message) =>
        new CrossrefError(`Crossref works (filter ${name}, ${dois.length} DOIs): ${message}`, {
          retryable: true,
        }),
    });
    for await (const page of pages) yield* page.items;
  }

  requestCounts(): RequestCounts {
    return this.http.tally.snapshot();
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  private page(
    name: 'updates' | 'doi',
    dois: readonly string[],
    cursor: string,
    signal?: AbortSignal,
  ): Promise<CrossrefPage> {
    const params = new URLSearchParams({
      filter: dois.map((doi) => `${name}:${doi}`).join(','),
      rows: String(this.config.rows),
      cursor,
    });
    if (this.config.email) params.set('mailto', this.config.email);
    const obey = (answer: AnswerMeta) => {
      const rate = rateFromHeaders(answer.headers);
      if (rate) this.rateLimiter.lowerRate(rate);
    };
    return this.http.request({
      what: `Crossref works (filter ${name}, ${dois.length} DOIs, ${this.config.baseUrl})`,
      endpoint: 'works',
      url: `${new URL('works', this.config.baseUrl).toString()}?${params.toString()}`,
      method: 'GET',
      headers: {
        accept: 'application/json',
        'user-agent': `living-review-monitor (undici${this.config.email ? `; mailto:${this.config.email}` : ''})`,
      },
      signal,
      spacing: 'answered',
      interpret: (text, answer) => {
        obey(answer);
        return parseCrossrefPage(text);
      },
      classify: (_text, answer) => {
        obey(answer);
        return null;
      },
    });
  }
}
