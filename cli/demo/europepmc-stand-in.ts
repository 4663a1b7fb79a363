// A loopback stand-in for Europe PMC's REST search (GET search, POST searchPOST): a real HTTP server on
// 127.0.0.1 that answers in Europe PMC's JSON shape, pages with cursorMark, rate-limits, and fails on demand.
// The Europe PMC integration tests talk to it over real HTTP; point EUROPEPMC_BASE_URL at it to try the CLI.
//
// What it imitates: format=json&resultType=core answers {version, hitCount, nextCursorMark, request,
// resultList: {result: [...]}}; cursorMark "*" for the first page and an opaque token after it; a page past
// the end is empty and sends the cursor back unchanged; pageSize is capped at 1000; a query's
// FIRST_IDATE:[from TO to] clause filters on each record's firstIndexDate; 429 with a JSON body when one
// client starts more than `rateLimit` requests in any one-second window; gzip when asked for.
//
// It also reads the clauses the monitor itself writes: CITES:<id>_<SRC> (records whose stand-in `_cites` list
// names that article), SRC:<SRC>, EXT_ID:<id> and DOI:"<doi>" (lookups), and serves the references endpoint
// (GET <SRC>/<id>/references, paged by page number) from a record's stand-in `_references` list. Fields whose
// names start with "_" are the stand-in's own and never served.
//
// What it does not: it ignores what the rest of the query means and matches every record of the window (the
// query text only comes back in `request.queryString`); it serves core results only, in one fixed order
// (newest firstIndexDate first, then id).
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pathToFileURL } from 'node:url';
import type { Citation } from '../../shared/domain/citation/citation.ts';
import { isCollectiveAuthor } from '../../shared/domain/citation/citation.ts';
import { withoutMiddleResult } from './json-api-stand-in.ts';
import {
  ArrivalWindow,
  type LoopbackAnswer,
  retryAfterHeader,
  sendAnswer,
  sleep,
  startLoopbackServer,
} from './loopback-server.ts';
import { seededRandom } from './seeded-random.ts';

/** One core result as Europe PMC sends it; `firstIndexDate` (YYYY-MM-DD) is what the window filters on. */
export type EuropePmcCorpusRecord = Record<string, unknown> & {
  id: string;
  source: string;
  firstIndexDate: string;
  /** The stand-in's own: the articles this record cites, as "<SRC>/<id>" (what CITES: finds). */
  _cites?: string[];
  /** The stand-in's own: the record's reference list as the references endpoint serves it. */
  _references?: Record<string, unknown>[];
};

export type EuropePmcStandInFault =
  /** Answer with this status (429 carries a JSON body; others an HTML error page). */
  | { kind: 'status'; status: number; retryAfter?: number | string }
  /** Destroy the connection without an answer. */
  | { kind: 'reset' }
  /** Hold the whole answer ('headers', the default) or the second half of its body ('body'). */
  | { kind: 'slow'; delayMs: number; phase?: 'headers' | 'body' }
  /** Send the first half of the JSON and end the response normally. */
  | { kind: 'truncate' }
  /** Serve the page, but send back the cursor it was asked with: the cursor never advances. */
  | { kind: 'stuck-cursor' }
  /** Leave one record out of the page (the next page starts after it all the same). */
  | { kind: 'drop-record' }
  /** Count one record more than the window holds on this page. */
  | { kind: 'hitcount-drift' };

export interface EuropePmcStandInRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  /** 0 when the connection was destroyed without an answer. */
  status: number;
  time: number;
  fault: EuropePmcStandInFault['kind'] | 'rate-limit' | null;
  results: number;
}

export interface EuropePmcStandInOptions {
  corpus: readonly EuropePmcCorpusRecord[];
  /** Requests per client per one-second window before a 429; default 10. */
  rateLimit?: number;
  enforceRateLimit?: boolean;
  latencyMs?: number;
  gzip?: boolean;
  port?: number;
}

export interface EuropePmcStandIn {
  /** `http://127.0.0.1:PORT/europepmc/webservices/rest/`, to use as EUROPEPMC_BASE_URL. */
  baseUrl: string;
  requests: EuropePmcStandInRequest[];
  faults: {
    /** The next search request consumes the fault; faults queue in order. */
    enqueue(fault: EuropePmcStandInFault): void;
    pending(): number;
  };
  addRecords(records: readonly EuropePmcCorpusRecord[]): void;
  /** Europe PMC changed a record it holds (e.g. linked a preprint to its published version). */
  replaceRecord(record: EuropePmcCorpusRecord): void;
  close(): Promise<void>;
}

const MAX_PAGE_SIZE = 1000;
const WINDOW = /FIRST_IDATE:\s*\[\s*(\d{4}-\d{2}-\d{2})\s+TO\s+(\d{4}-\d{2}-\d{2})\s*\]/i;

/** The record as Europe PMC serves it: without the stand-in's own fields. */
function served(record: EuropePmcCorpusRecord): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([key]) => !key.startsWith('_')));
}

/** Whether `record` matches the clauses of `query` the stand-in understands (all others match everything). */
export function matchesClauses(record: EuropePmcCorpusRecord, query: string): boolean {
  const window = WINDOW.exec(query);
  if (window && !(record.firstIndexDate >= window[1]! && record.firstIndexDate <= window[2]!)) return false;
  const cites = [...query.matchAll(/CITES:\s*([^\s()_]+)_([A-Z]+)/gi)].map(
    (m) => `${m[2]!.toUpperCase()}/${m[1]}`,
  );
  if (cites.length > 0 && !cites.some((target) => record._cites?.includes(target))) return false;
  const sources = [...query.matchAll(/\bSRC:\s*([A-Z]+)/gi)].map((m) => m[1]!.toUpperCase());
  if (sources.length > 0 && !sources.includes(record.source.toUpperCase())) return false;
  const ids = [...query.matchAll(/EXT_ID:\s*([^\s()]+)/gi)].map((m) => m[1]!);
  if (ids.length > 0 && !ids.includes(record.id)) return false;
  const dois = [...query.matchAll(/\bDOI:\s*"([^"]+)"/gi)].map((m) => m[1]!.toLowerCase());
  if (dois.length > 0 && !dois.includes(String(record.doi ?? '').toLowerCase())) return false;
  return true;
}

function order(a: EuropePmcCorpusRecord, b: EuropePmcCorpusRecord): number {
  if (a.firstIndexDate !== b.firstIndexDate) return a.firstIndexDate < b.firstIndexDate ? 1 : -1;
  const x = `${a.source}/${a.id}`;
  const y = `${b.source}/${b.id}`;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** An opaque cursor for `offset` into the results of `query` (like Solr's, it says nothing readable). */
function cursorFor(query: string, offset: number): string {
  const tag = createHash('sha1').update(query).digest('hex').slice(0, 8);
  return Buffer.from(`${tag}:${offset}`).toString('base64');
}

function offsetOf(query: string, cursor: string): number | null {
  if (cursor === '*') return 0;
  const decoded = Buffer.from(cursor, 'base64').toString('utf8');
  const match = /^([0-9a-f]{8}):(\d+)$/.exec(decoded);
  if (!match || cursorFor(query, Number(match[2])) !== cursor) return null;
  return Number(match[2]);
}

const json = (status: number, value: unknown, headers?: Record<string, string>): LoopbackAnswer => ({
  status,
  body: JSON.stringify(value),
  contentType: 'application/json;charset=UTF-8',
  ...(headers ? { headers } : {}),
});

export async function startEuropePmcStandIn(options: EuropePmcStandInOptions): Promise<EuropePmcStandIn> {
  const records = [...options.corpus].sort(order);
  const ids = new Set(records.map((r) => `${r.source}/${r.id}`));
  const limit = options.rateLimit ?? 10;
  const enforce = options.enforceRateLimit ?? true;
  const gzip = options.gzip ?? true;
  const requests: EuropePmcStandInRequest[] = [];
  const faults: EuropePmcStandInFault[] = [];
  const arrivals = new ArrivalWindow();

  const search = (
    params: Record<string, string>,
    fault: EuropePmcStandInFault | null,
    entry: EuropePmcStandInRequest,
  ): LoopbackAnswer => {
    const query = params.query ?? '';
    if (query.trim() === '') return json(400, { errCode: 400, errMsg: 'query is required' });
    if ((params.format ?? 'xml') !== 'json') {
      return json(400, { errCode: 400, errMsg: 'the stand-in answers format=json only' });
    }
    if ((params.resultType ?? 'lite') !== 'core') {
      return json(400, { errCode: 400, errMsg: 'the stand-in answers resultType=core only' });
    }
    const pageSize = Math.min(MAX_PAGE_SIZE, Math.max(1, Number(params.pageSize ?? '25') || 25));
    const cursorMark = params.cursorMark ?? '*';
    const offset = offsetOf(query, cursorMark);
    if (offset === null) return json(400, { errCode: 400, errMsg: `Invalid cursorMark: ${cursorMark}` });
    const matched = records.filter((r) => matchesClauses(r, query));
    let page = matched.slice(offset, offset + pageSize);
    const next = page.length === 0 ? cursorMark : cursorFor(query, offset + page.length);
    if (fault?.kind === 'drop-record') page = withoutMiddleResult(page);
    entry.results = page.length;
    return json(200, {
      version: '6.9',
      hitCount: matched.length + (fault?.kind === 'hitcount-drift' ? 1 : 0),
      nextCursorMark: fault?.kind === 'stuck-cursor' ? cursorMark : next,
      request: { queryString: query, resultType: 'core', cursorMark, pageSize, sort: '', synonym: false },
      resultList: { result: page.map(served) },
    });
  };

  /** GET <SRC>/<id>/references: the record's stand-in reference list, paged by page number. */
  const references = (
    path: string[],
    params: Record<string, string>,
    fault: EuropePmcStandInFault | null,
    entry: EuropePmcStandInRequest,
  ): LoopbackAnswer => {
    const [src, id] = path.slice(-3, -1);
    const record = records.find((r) => r.source.toUpperCase() === src?.toUpperCase() && r.id === id);
    const list = record?._references ?? [];
    const pageSize = Math.min(MAX_PAGE_SIZE, Math.max(1, Number(params.pageSize ?? '25') || 25));
    const pageNumber = Math.max(1, Number(params.page ?? '1') || 1);
    let page = list.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
    if (fault?.kind === 'drop-record') page = withoutMiddleResult(page);
    entry.results = page.length;
    return json(200, {
      version: '6.9',
      hitCount: list.length + (fault?.kind === 'hitcount-drift' ? 1 : 0),
      request: { id, source: src, offSet: (pageNumber - 1) * pageSize, pageSize, page: pageNumber },
      referenceList: { reference: page },
    });
  };

  const send = (
    req: IncomingMessage,
    res: ServerResponse,
    entry: EuropePmcStandInRequest,
    reply: LoopbackAnswer,
    fault: EuropePmcStandInFault | null,
  ) => {
    entry.status = reply.status;
    // A truncated page is cut in its JSON (before any gzip): the client sees a complete transfer of
    // incomplete JSON.
    return sendAnswer(req, res, reply, { gzip, fault, cut: 'text' });
  };

  const answer = async (
    req: IncomingMessage,
    res: ServerResponse,
    entry: EuropePmcStandInRequest,
    endpoint: string,
  ) => {
    if (enforce && arrivals.count(req.socket.remoteAddress ?? 'unknown', entry.time) > limit) {
      entry.fault = 'rate-limit';
      return send(req, res, entry, json(429, { errCode: 429, errMsg: 'Too Many Requests' }), null);
    }
    const isReferences = endpoint === 'references';
    if (endpoint !== 'search' && endpoint !== 'searchPOST' && !isReferences) {
      return send(
        req,
        res,
        entry,
        json(404, { errCode: 404, errMsg: `no such endpoint: ${endpoint}` }),
        null,
      );
    }
    const fault = faults.shift() ?? null;
    entry.fault = fault?.kind ?? null;
    if (fault?.kind === 'reset') {
      entry.status = 0;
      req.socket.destroy();
      return;
    }
    await sleep(options.latencyMs ?? 0);
    if (fault?.kind === 'status') {
      const headers = retryAfterHeader(fault.retryAfter);
      const reply: LoopbackAnswer =
        fault.status === 429
          ? json(429, { errCode: 429, errMsg: 'Too Many Requests' }, headers)
          : {
              status: fault.status,
              contentType: 'text/html',
              body: `<html><head><title>${fault.status}</title></head><body><h1>Error ${fault.status}</h1></body></html>`,
              headers,
            };
      return send(req, res, entry, reply, null);
    }
    const reply = isReferences
      ? references(entry.path.split('/'), entry.params, fault, entry)
      : search(entry.params, fault, entry);
    return send(req, res, entry, reply, fault);
  };

  const server = await startLoopbackServer(options.port ?? 0, async (req, res, { time, url, params }) => {
    const entry: EuropePmcStandInRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      params,
      status: 0,
      time,
      fault: null,
      results: 0,
    };
    requests.push(entry);
    return answer(req, res, entry, url.pathname.split('/').pop() ?? '');
  });
  return {
    baseUrl: `http://127.0.0.1:${server.port}/europepmc/webservices/rest/`,
    requests,
    faults: { enqueue: (fault) => void faults.push(fault), pending: () => faults.length },
    addRecords: (added) => {
      for (const record of added) {
        const id = `${record.source}/${record.id}`;
        if (ids.has(id)) throw new Error(`the stand-in already holds ${id}`);
        ids.add(id);
        records.push(record);
      }
      records.sort(order);
    },
    replaceRecord: (record) => {
      const index = records.findIndex((r) => r.source === record.source && r.id === record.id);
      if (index < 0) throw new Error(`the stand-in holds no ${record.source}/${record.id}`);
      records[index] = record;
      records.sort(order);
    },
    close: () => server.close(),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Corpora

/**
 * The core result Europe PMC serves for a work PubMed also holds (source MED, id = PMID), built from its
 * Citation: same identifiers, title, authors, journal and abstract, as Europe PMC spells them.
 */
export function europePmcRecordFromCitation(
  citation: Citation,
  firstIndexDate: string,
): EuropePmcCorpusRecord {
  const pmid = citation.pmid;
  const journal = citation.journal;
  const abstractText = citation.abstract
    .map((section) => (section.label ? `<h4>${section.label}</h4>${section.text}` : section.text))
    .join('');
  return {
    id: pmid ?? citation.sourceRecordId,
    source: pmid ? 'MED' : 'PPR',
    ...(pmid ? { pmid } : {}),
    ...(citation.pmcid ? { pmcid: citation.pmcid } : {}),
    ...(citation.doi ? { doi: citation.doi } : {}),
    title: citation.title,
    authorString: citation.authors
      .map((a) => (isCollectiveAuthor(a) ? a.collective : `${a.family} ${a.initials ?? ''}`.trim()))
      .join(', '),
    authorList: {
      author: citation.authors.map((a) =>
        isCollectiveAuthor(a)
          ? { collectiveName: a.collective }
          : {
              fullName: `${a.family} ${a.initials ?? ''}`.trim(),
              ...(a.given ? { firstName: a.given } : {}),
              lastName: a.family,
              ...(a.initials ? { initials: a.initials } : {}),
              ...(a.orcid ? { authorId: { type: 'ORCID', value: a.orcid } } : {}),
            },
      ),
    },
    ...(journal
      ? {
          journalInfo: {
            ...(journal.issue ? { issue: journal.issue } : {}),
            ...(journal.volume ? { volume: journal.volume } : {}),
            ...(citation.year ? { yearOfPublication: citation.year } : {}),
            ...(citation.publicationDate.month ? { monthOfPublication: citation.publicationDate.month } : {}),
            journal: {
              ...(journal.title ? { title: journal.title } : {}),
              ...(journal.isoAbbreviation
                ? { medlineAbbreviation: journal.isoAbbreviation, isoabbreviation: journal.isoAbbreviation }
                : {}),
              ...(journal.issn ? { issn: journal.issn } : {}),
            },
          },
          ...(journal.pages ? { pageInfo: journal.pages } : {}),
        }
      : {}),
    ...(citation.year ? { pubYear: String(citation.year) } : {}),
    ...(abstractText ? { abstractText } : {}),
    ...(citation.languages[0] ? { language: citation.languages[0] } : {}),
    pubTypeList: {
      pubType: citation.publicationTypes.length > 0 ? citation.publicationTypes : ['Journal Article'],
    },
    isOpenAccess: 'N',
    inEPMC: 'N',
    inPMC: citation.pmcid ? 'Y' : 'N',
    firstIndexDate,
    dateOfCreation: firstIndexDate,
    firstPublicationDate: citation.createdDate ?? firstIndexDate,
  };
}

const SUBJECTS = [
  'intradural extramedullary metastasis',
  'leptomeningeal spread of breast cancer',
  'spinal cord compression',
  'stereotactic radiosurgery of the spine',
  'surgical resection of spinal metastases',
  'renal cell carcinoma metastatic to the cauda equina',
  'lung adenocarcinoma with intradural deposits',
  'melanoma of the filum terminale',
];
const KINDS = [
  'a case report',
  'a retrospective series',
  'a preprint analysis',
  'a cohort study',
  'a review',
];

/**
 * `n` Europe PMC-only records (preprints, source PPR: no PMID, each with a DOI) first indexed on days spread
 * over [from, to]; the same seed always gives the same corpus.
 */
export function syntheticEuropePmcCorpus(
  n: number,
  options: { from: string; to: string; seed?: number; firstId?: number },
): EuropePmcCorpusRecord[] {
  const random = seededRandom(options.seed ?? 1);
  const from = Date.parse(`${options.from}T00:00:00Z`);
  const days = Math.round((Date.parse(`${options.to}T00:00:00Z`) - from) / 86_400_000) + 1;
  const first = options.firstId ?? 500_000;
  return Array.from({ length: n }, (_, i) => {
    const id = `PPR${first + i}`;
    const day = new Date(from + Math.floor(random() * days) * 86_400_000).toISOString().slice(0, 10);
    const subject = SUBJECTS[Math.floor(random() * SUBJECTS.length)]!;
    const kind = KINDS[Math.floor(random() * KINDS.length)]!;
    const family = ['Okafor', 'Lindqvist', 'Moreau', 'Tanaka', 'García', 'Novak'][i % 6]!;
    return {
      id,
      source: 'PPR',
      doi: `10.21203/rs.3.rs-${first + i}/v1`,
      title: `${subject[0]!.toUpperCase()}${subject.slice(1)}: ${kind} (${id})`,
      authorString: `${family} A, Berg K`,
      authorList: {
        author: [
          { fullName: `${family} A`, firstName: 'Ada', lastName: family, initials: 'A' },
          { fullName: 'Berg K', firstName: 'Karl', lastName: 'Berg', initials: 'K' },
        ],
      },
      pubYear: day.slice(0, 4),
      abstractText: `<h4>Background</h4>We report ${kind} of ${subject}.<h4>Results</h4>Outcomes were recorded.`,
      language: 'eng',
      pubTypeList: { pubType: ['Preprint'] },
      isOpenAccess: 'Y',
      firstIndexDate: day,
      dateOfCreation: day,
      firstPublicationDate: day,
    };
  });
}

// `npx tsx cli/demo/europepmc-stand-in.ts [--port N] [--synthetic N]`: serve synthetic records until
// interrupted, for pointing EUROPEPMC_BASE_URL at by hand.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // An async function, not top-level await: the bundled CLI holds this module as CommonJS (cli/bundle/build.ts).
  void (async () => {
    const { parseArgs } = await import('node:util');
    const { values } = parseArgs({ options: { port: { type: 'string' }, synthetic: { type: 'string' } } });
    const corpus = syntheticEuropePmcCorpus(Number(values.synthetic ?? '200'), {
      from: '2024-01-01',
      to: '2026-12-31',
    });
    const standIn = await startEuropePmcStandIn({ corpus, port: values.port ? Number(values.port) : 0 });
    process.stdout.write(`Europe PMC stand-in with ${corpus.length} records at ${standIn.baseUrl}\n`);
  })();
}
