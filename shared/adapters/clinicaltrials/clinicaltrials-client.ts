// ClinicalTrials.gov's API v2 (https://clinicaltrials.gov/api/v2/studies) over HTTP, and the registry source on
// top of it (run source "clinicaltrials"): the registrations of the protocol's conditions (query.cond, OR-ed;
// query.term when the protocol gives one) first posted or updated in the run's window, as ongoing studies.
//
// The window is cut on LastUpdatePostDate (filter.advanced=AREA[LastUpdatePostDate]RANGE[from,to]): a new
// registration is posted with it, and every later change moves it, so "updated since the watermark" covers
// both. Pages of up to 1000 (pageSize) follow nextPageToken; countTotal=true makes the first page state
// totalCount, and the pages are reconciled with it (a study twice, a token that repeats or fewer studies than
// counted fail the run). ClinicalTrials.gov asks for about 50 requests a minute per address: the process-wide
// limiter keeps to CLINICALTRIALS_REQUESTS_PER_SECOND (0.8 by default). Failures and retries are the shared
// polite client's (../http/polite-request.ts).
import { z } from 'zod';
import type { RequestCounts } from '../../domain/monitor/request-counts.ts';
import type { TrialRegistration } from '../../domain/watch/trial-registration.ts';
import { LivingReviewError } from '../../errors.ts';
import type { SearchEvent, SearchWindow } from '../../ports/literature-source.ts';
import type { RegistryQuery, TrialRegistry } from '../../ports/watch-sources.ts';
import {
  clientConfigFromEnv,
  positiveInt,
  retryLimitDefaults,
  type ServiceClientConfig,
  serviceClientFields,
  serviceEnvNames,
} from '../http/client-config.ts';
import { parseItems, parseJsonPage } from '../http/json-answer.ts';
import { type PoliteClientOptions, type PoliteHttp, politeClientParts } from '../http/polite-request.ts';
import { reconciledPages } from '../http/reconciled-pages.ts';

/** ClinicalTrials.gov failed, or answered with something that is not a complete page. */
export class ClinicalTrialsError extends LivingReviewError {}

export const DEFAULT_CLINICALTRIALS_BASE_URL = 'https://clinicaltrials.gov/api/v2/';
export const MAX_CLINICALTRIALS_PAGE_SIZE = 1000;
/** The study fields asked for (ClinicalTrials.gov's piece names): what a TrialRegistration holds. */
export const STUDY_FIELDS = [
  'NCTId',
  'BriefTitle',
  'OfficialTitle',
  'OverallStatus',
  'Condition',
  'InterventionName',
  'LeadSponsorName',
  'StudyType',
  'Phase',
  'EnrollmentCount',
  'StartDate',
  'CompletionDate',
  'StudyFirstPostDate',
  'LastUpdatePostDate',
  'HasResults',
];

export interface ClinicalTrialsConfig extends ServiceClientConfig {
  pageSize: number;
}

const configSchema = z.object({
  ...serviceClientFields,
  pageSize: positiveInt.max(MAX_CLINICALTRIALS_PAGE_SIZE, `at most ${MAX_CLINICALTRIALS_PAGE_SIZE}`),
});

/**
 * Reads CLINICALTRIALS_BASE_URL, CLINICALTRIALS_TIMEOUT_MS, CLINICALTRIALS_MAX_ATTEMPTS,
 * CLINICALTRIALS_MAX_RETRY_TIME_MS, CLINICALTRIALS_REQUESTS_PER_SECOND and CLINICALTRIALS_PAGE_SIZE.
 */
export function clinicalTrialsConfigFromEnv(
  env: Record<string, string | undefined>,
  overrides: Partial<ClinicalTrialsConfig> = {},
): ClinicalTrialsConfig {
  return clientConfigFromEnv<ClinicalTrialsConfig>({
    what: 'ClinicalTrials.gov',
    schema: configSchema,
    envNames: {
      ...serviceEnvNames('CLINICALTRIALS'),
      pageSize: 'CLINICALTRIALS_PAGE_SIZE',
    },
    defaults: {
      baseUrl: DEFAULT_CLINICALTRIALS_BASE_URL,
      ...retryLimitDefaults,
      requestsPerSecond: 0.8,
      pageSize: MAX_CLINICALTRIALS_PAGE_SIZE,
    },
    env,
    overrides,
  });
}

const text = z.string();
const dateStruct = z.object({ date: text.optional() }).optional();

/** A study as the v2 API returns it (only the pieces read here; all optional but the NCT id). */
export const clinicalTrialsStudySchema = z.object({
  protocolSection: z.object({
    identificationModule: z.object({
      nctId: z.string().regex(/^NCT\d{8}$/, 'expected an NCT number'),
      briefTitle: text.optional(),
      officialTitle: text.optional(),
    }),
    statusModule: z
      .object({
        overallStatus: text.optional(),
        startDateStruct: dateStruct,
        completionDateStruct: dateStruct,
        studyFirstPostDateStruct: dateStruct,
        lastUpdatePostDateStruct: dateStruct,
      })
      .optional(),
    sponsorCollaboratorsModule: z
      .object({ leadSponsor: z.object({ name: text.optional() }).optional() })
      .optional(),
    conditionsModule: z.object({ conditions: z.array(text).optional() }).optional(),
    designModule: z
      .object({
        studyType: text.optional(),
        phases: z.array(text).optional(),
        enrollmentInfo: z.object({ count: z.number().optional() }).optional(),
      })
      .optional(),
    armsInterventionsModule: z
      .object({ interventions: z.array(z.object({ name: text.optional() })).optional() })
      .optional(),
  }),
  hasResults: z.boolean().optional(),
});

export type ClinicalTrialsStudy = z.infer<typeof clinicalTrialsStudySchema>;

const pageSchema = z.object({
  totalCount: z.number().int().min(0).optional(),
  studies: z.array(z.unknown()),
  nextPageToken: z.string().optional(),
});

export interface ClinicalTrialsPage {
  totalCount: number | null;
  nextPageToken: string | null;
  studies: ClinicalTrialsStudy[];
}

export function registrationOf(study: ClinicalTrialsStudy): TrialRegistration | null {
  const p = study.protocolSection;
  const status = p.statusModule;
  const lastUpdatePosted = status?.lastUpdatePostDateStruct?.date;
  if (!lastUpdatePosted) return null;
  return {
    registry: 'clinicaltrials',
    id: p.identificationModule.nctId,
    title: p.identificationModule.briefTitle ?? p.identificationModule.officialTitle ?? '(no title)',
    status: status?.overallStatus ?? null,
    conditions: p.conditionsModule?.conditions ?? [],
    interventions: (p.armsInterventionsModule?.interventions ?? []).flatMap((i) => (i.name ? [i.name] : [])),
    sponsor: p.sponsorCollaboratorsModule?.leadSponsor?.name ?? null,
    studyType: p.designModule?.studyType ?? null,
    phases: p.designModule?.phases ?? [],
    enrollment: p.designModule?.enrollmentInfo?.count ?? null,
    startDate: status?.startDateStruct?.date ?? null,
    completionDate: status?.completionDateStruct?.date ?? null,
    firstPosted: status?.studyFirstPostDateStruct?.date ?? null,
    lastUpdatePosted,
    hasResults: study.hasResults ?? false,
  };
}

/** Reads one page: JSON, the page's shape, then every study's (a bad study fails the page). */
export function parseStudiesPage(body: string): ClinicalTrialsPage {
  const page = parseJsonPage(body, pageSchema, 'a page of studies');
  const studies = parseItems(
    page.studies,
    clinicalTrialsStudySchema,
    (index) => `study ${index + 1} of the page`,
    (message) => new ClinicalTrialsError(message),
  );
  return { totalCount: page.totalCount ?? null, nextPageToken: page.nextPageToken ?? null, studies };
}

export class ClinicalTrialsClient {
  readonly config: ClinicalTrialsConfig;
  private readonly http: PoliteHttp;

  constructor(config: ClinicalTrialsConfig, options: PoliteClientOptions = {}) {
    ({ config: this.config, http: this.http } = politeClientParts(config, options, ClinicalTrialsError));
  }

  /** One page of studies matching `query` with LastUpdatePostDate in the window. */
  async studies(
    request: { query: RegistryQuery; window: SearchWindow; pageToken: string | null },
    options: { signal?: AbortSignal } = {},
  ): Promise<ClinicalTrialsPage> {
    const params = new URLSearchParams({
      format: 'json',
      'query.cond': request.query.conditions.map((c) => `(${c})`).join(' OR '),
      'filter.advanced': `AREA[LastUpdatePostDate]RANGE[${request.window.from},${request.window.to}]`,
      fields: STUDY_FIELDS.join(','),
      pageSize: String(this.config.pageSize),
      countTotal: 'true',
    });
    if (request.query.term) params.set('query.term', request.query.term);
    if (request.pageToken) params.set('pageToken', request.pageToken);
    return this.http.request({
      what: `ClinicalTrials.gov studies (${this.config.baseUrl}${request.pageToken ? `, page ${request.pageToken}` : ''})`,
      endpoint: 'studies',
      url: `${new URL('studies', this.config.baseUrl).toString()}?${params.toString()}`,
      method: 'GET',
      headers: { accept: 'application/json', 'user-agent': 'living-review-monitor (undici)' },
      signal: options.signal,
      spacing: 'answered',
      interpret: parseStudiesPage,
    });
  }

  requestCounts(): RequestCounts {
    return this.http.tally.snapshot();
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}

/** The registry source over the client: every registration of the window, page after page, reconciled. */
export class ClinicalTrialsRegistry implements TrialRegistry {
  readonly name = 'clinicaltrials';

  constructor(private readonly client: Pick<ClinicalTrialsClient, 'studies' | 'requestCounts'>) {}

  requestCounts(): RequestCounts {
    return this.client.requestCounts();
  }

  async *registrations(
    query: RegistryQuery,
    window: SearchWindow,
    options: { signal?: AbortSignal } = {},
  ): AsyncGenerator<SearchEvent, void, undefined> {
    const label = `clinicaltrials window ${window.from}..${window.to}`;
    const fail = (message: string) => new ClinicalTrialsError(`${label}: ${message}`, { retryable: true });
    const pages = reconciledPages<ClinicalTrialsStudy>({
      first: null,
      fetch: async (token) => {
        try {
          const page = await this.client.studies({ query, window, pageToken: token }, options);
          return { count: page.totalCount, next: page.nextPageToken, items: page.studies };
        } catch (error) {
          if (error instanceof ClinicalTrialsError) {
            throw new ClinicalTrialsError(`${label}: ${error.message}`, {
              cause: error,
              retryable: error.retryable,
            });
          }
          throw error;
        }
      },
      idOf: (study) => study.protocolSection.identificationModule.nctId,
      noun: { one: 'study', many: 'studies' },
      service: 'ClinicalTrials.gov',
      fail,
    });
    let first = true;
    for await (const page of pages) {
      if (first) {
        first = false;
        yield { type: 'searched', window, count: page.count, queryTranslation: null, warnings: [] };
      }
      const registrations = page.items.map((study) => {
        const registration = registrationOf(study);
        if (!registration) {
          throw fail(`study ${study.protocolSection.identificationModule.nctId} has no LastUpdatePostDate`);
        }
        return registration;
      });
      yield { type: 'registrations', window, registrations };
    }
  }
}
