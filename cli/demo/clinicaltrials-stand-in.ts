// A loopback stand-in for ClinicalTrials.gov's API v2 (GET /api/v2/studies): a real HTTP server on 127.0.0.1
// answering in the API's shape ({ totalCount (with countTotal=true), studies: [...], nextPageToken }), paging
// with page tokens, rate-limited per address, and failing on demand (json-api-stand-in.ts). Point
// CLINICALTRIALS_BASE_URL at it to try the CLI.
//
// What it imitates (clinicaltrials.gov/data-api/api): query.cond (conditions OR-ed, each matched as words in a
// study's conditions), query.term (words anywhere in the title or conditions), filter.advanced with
// AREA[LastUpdatePostDate]RANGE[from,to], pageSize 1 to 1000 (else a 400 with a text body, as the API
// answers), pageToken, countTotal. Studies are served whole whatever `fields` asks for.
//
// What it does not: the Essie search syntax beyond OR-ed words; other filters are ignored.
import {
  type ApiFault,
  type ApiRequest,
  type JsonApiStandIn,
  jsonAnswer,
  pageOf,
  pageToken,
  startJsonApiStandIn,
  tokenOffset,
} from './json-api-stand-in.ts';

/** A study as the API serves it (see shared/adapters/clinicaltrials/clinicaltrials-client.ts). */
export type ClinicalTrialsCorpusStudy = {
  protocolSection: {
    identificationModule: { nctId: string; briefTitle?: string };
    statusModule?: { lastUpdatePostDateStruct?: { date?: string } } & Record<string, unknown>;
    conditionsModule?: { conditions?: string[] };
  } & Record<string, unknown>;
} & Record<string, unknown>;

const RANGE = /AREA\[LastUpdatePostDate\]RANGE\[(\d{4}-\d{2}-\d{2}|MIN),\s*(\d{4}-\d{2}-\d{2}|MAX)\]/i;

const words = (text: string) =>
  text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);

/** Whether every word of `phrase` appears in `text`. */
function mentions(text: string, phrase: string): boolean {
  const have = new Set(words(text));
  return words(phrase)
    .filter((w) => w !== 'and' && w !== 'or')
    .every((w) => have.has(w));
}

function alternatives(query: string): string[] {
  return query
    .split(/\s+OR\s+/i)
    .map((part) => part.replace(/[()"]/g, '').trim())
    .filter(Boolean);
}

export async function startClinicalTrialsStandIn(options: {
  corpus: readonly ClinicalTrialsCorpusStudy[];
  rateLimit?: number;
  latencyMs?: number;
  port?: number;
}): Promise<JsonApiStandIn> {
  const studies = [...options.corpus].sort((a, b) =>
    a.protocolSection.identificationModule.nctId.localeCompare(b.protocolSection.identificationModule.nctId),
  );
  const textError = (status: number, message: string) => ({
    status,
    body: message,
    contentType: 'text/plain;charset=UTF-8',
  });

  const list = (request: ApiRequest, fault: ApiFault | null) => {
    const p = request.params;
    const pageSize = Number(p.pageSize ?? '10');
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) {
      return { answer: textError(400, `pageSize: must be between 1 and 1000, got ${p.pageSize}`) };
    }
    const range = RANGE.exec(p['filter.advanced'] ?? '');
    const conditions = alternatives(p['query.cond'] ?? '');
    const term = p['query.term'] ?? '';
    const matched = studies.filter((study) => {
      const section = study.protocolSection;
      const posted = section.statusModule?.lastUpdatePostDateStruct?.date ?? '';
      if (range && range[1] !== 'MIN' && posted < range[1]!) return false;
      if (range && range[2] !== 'MAX' && posted > range[2]!) return false;
      const studyConditions = (section.conditionsModule?.conditions ?? []).join(' ');
      if (conditions.length > 0 && !conditions.some((c) => mentions(studyConditions, c))) return false;
      const title = section.identificationModule.briefTitle ?? '';
      if (term && !alternatives(term).some((t) => mentions(`${title} ${studyConditions}`, t))) return false;
      return true;
    });
    const key = JSON.stringify([p['query.cond'], p['query.term'], p['filter.advanced'], pageSize]);
    const offset = p.pageToken ? tokenOffset(key, p.pageToken) : 0;
    if (offset === null) return { answer: textError(400, `pageToken: invalid value ${p.pageToken}`) };
    const page = pageOf(matched, offset, pageSize, fault);
    const end = offset + pageSize >= matched.length;
    return {
      answer: jsonAnswer(200, {
        ...(p.countTotal === 'true' && !p.pageToken ? { totalCount: matched.length } : {}),
        studies: page,
        ...(end
          ? {}
          : { nextPageToken: pageToken(key, fault?.kind === 'repeat-cursor' ? offset : offset + pageSize) }),
      }),
      results: page.length,
    };
  };

  return startJsonApiStandIn({
    basePath: '/api/v2/',
    rateLimit: options.rateLimit ?? 10,
    ...(options.latencyMs === undefined ? {} : { latencyMs: options.latencyMs }),
    ...(options.port === undefined ? {} : { port: options.port }),
    route: (request, fault) =>
      request.endpoint === 'studies' ? list(request, fault) : { answer: textError(404, 'Not Found') },
    errorAnswer: (status, headers) => ({
      ...textError(status, status === 429 ? 'Too Many Requests' : `Error ${status}`),
      headers,
    }),
  });
}
