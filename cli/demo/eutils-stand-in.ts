// A loopback stand-in for NCBI E-utilities (esearch.fcgi, efetch.fcgi on db=pubmed): a real HTTP server on
// 127.0.0.1 that answers in E-utilities' own shapes, rate-limits like NCBI, and fails on demand. The tests,
// `npm run demo` (recorded real records, offline) and the backfill bench all talk to it over real HTTP.
//
// What it imitates (as NCBI's real responses show): eSearchResult XML with Count/RetMax/RetStart/QueryKey/WebEnv (`MCID_<24 hex>`)/
// IdList/TranslationSet/QueryTranslation carrying the `[Date - Create]` clause; the history server (ids kept
// per WebEnv + query_key; efetch pages them out as a PubmedArticleSet); the 9,999 cap (esearch retstart > 9998
// is an in-band ERROR, and the history set serves only its first 9,999 ids, so a page crossing the boundary
// comes back short without a word, as reported); ERROR bodies inside HTTP 200; 429 with NCBI's JSON body and
// X-RateLimit-* headers when a key (or, without a key, an IP) starts more than 3 (10 with a key) requests in
// any one-second window; gzip when asked for.
//
// What it does not: it ignores what the term means and matches every record of the date window (the query's
// text only shows up in QueryTranslation). It filters on Create Date only (datetype=crdt; other datetypes are
// an ERROR). Records come back newest Create Date first, then highest PMID, like PubMed's default order.
import { randomBytes } from 'node:crypto';
import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import { pathToFileURL } from 'node:url';
import { withoutMiddleResult } from './json-api-stand-in.ts';
import {
  ArrivalWindow,
  type LoopbackAnswer,
  retryAfterHeader,
  sendAnswer,
  sleep,
  startLoopbackServer,
} from './loopback-server.ts';
import type { CorpusRecord } from './stand-in-corpus.ts';

export type StandInEndpoint = 'esearch' | 'efetch';

export type StandInFault =
  /** Answer with this status (429 carries NCBI's JSON body; others an NCBI-style HTML error page). */
  | { kind: 'status'; status: 429 | 500 | 502 | 503 | 504 | (number & {}); retryAfter?: number | string }
  /** Destroy the connection without an answer. */
  | { kind: 'reset' }
  /** Hold the whole answer (phase 'headers', the default) or the second half of its body ('body'). */
  | { kind: 'slow'; delayMs: number; phase?: 'headers' | 'body' }
  /** Send the first half of the body and end the response normally (chunked, so nothing at HTTP level shows). */
  | { kind: 'truncate' }
  /** HTTP 200 whose body is an E-utilities ERROR document. */
  | { kind: 'error-in-200'; message: string }
  /** efetch leaves one record out of the page. */
  | { kind: 'drop-record' }
  /** Forget the request's WebEnv before answering (efetch then answers the history ERROR). */
  | { kind: 'expire-webenv' };

export interface StandInRequest {
  endpoint: string;
  method: string;
  /** Query string and form body together; api_key included as sent. */
  params: Record<string, string>;
  /** 0 when the connection was destroyed without an answer. */
  status: number;
  /** Arrival (epoch ms), when the request's headers were read. */
  time: number;
  /** When the answer was finished or abandoned (epoch ms); null while in progress. */
  finishedAt: number | null;
  /** The injected fault this request consumed, or 'rate-limit' for a real 429. */
  fault: StandInFault['kind'] | 'rate-limit' | null;
  /** Whom NCBI would count it against: the API key, else the client's address. */
  client: string;
}

export interface StandInLatency {
  esearch?: number;
  efetch?: number;
  /** Added to efetch per record returned. */
  perRecordMs?: number;
}

export interface StandInOptions {
  corpus: readonly CorpusRecord[];
  /** A number applies to every request; default 0. */
  latencyMs?: number | StandInLatency;
  /** Default true. */
  enforceRateLimit?: boolean;
  /** Requests per one-second window; NCBI's defaults are 3 without a key and 10 with one. */
  rateLimit?: { withoutKey?: number; withKey?: number };
  /** Answer Accept-Encoding: gzip with gzip, as NCBI does. Default true. */
  gzip?: boolean;
  /** Default 0 (any free port). */
  port?: number;
}

export interface EutilsStandIn {
  /** `http://127.0.0.1:PORT/entrez/eutils/`, to use as NCBI_EUTILS_BASE_URL. */
  baseUrl: string;
  /** Every request, in arrival order. */
  requests: StandInRequest[];
  faults: {
    /** The next request to `endpoint` ('any': to either) consumes the fault. Faults queue in order. */
    enqueue(endpoint: StandInEndpoint | 'any', fault: StandInFault): void;
    /** Faults not consumed yet. */
    pending(): number;
  };
  /** New records PubMed "received" since: later searches (not stored history sets) include them. */
  addRecords(records: readonly CorpusRecord[]): void;
  close(): Promise<void>;
}

const ESEARCH_HEAD =
  '<?xml version="1.0" encoding="UTF-8" ?>\n<!DOCTYPE eSearchResult PUBLIC "-//NLM//DTD esearch 20060628//EN" "https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20060628/esearch.dtd">\n';
const EFETCH_HEAD =
  '<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n';
/** The efetch ERROR document's shape; its exact wording for a lost WebEnv is not recorded in our fixtures. */
const EFETCH_ERROR_HEAD =
  '<?xml version="1.0" encoding="UTF-8" ?>\n<!DOCTYPE eEfetchResult PUBLIC "-//NLM//DTD efetch 20131226//EN" "https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20131226/efetch.dtd">\n';
/** NCBI's text for retstart > 9998, word for word (as E-utilities answers it, and as the triplea README quotes it). */
export const RETSTART_CAP_ERROR =
  "Search Backend failed: Exception:\n'retstart' cannot be larger than 9998. For PubMed, ESearch can only retrieve the first 9,999 records matching the query. To obtain more than 9,999 PubMed records, consider using EDirect that contains additional logic to batch PubMed search results automatically so that an arbitrary number can be retrieved. For details see https://www.ncbi.nlm.nih.gov/books/NBK25499/";
const HISTORY_CAP = 9_999;

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function errorPage(status: number): string {
  const reason = STATUS_CODES[status] ?? 'Error';
  return `<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">
<head><title>WWW Error ${status} Diagnostic</title></head>
<body>
<h1>${status} ${reason}</h1>
<p>The server encountered an internal error or misconfiguration and was unable to complete your request.</p>
</body>
</html>
`;
}

function esearchError(message: string): string {
  return `${ESEARCH_HEAD}<eSearchResult>\n\t<ERROR>${escapeXml(message)}</ERROR>\n</eSearchResult>\n`;
}

function efetchError(message: string): string {
  return `${EFETCH_ERROR_HEAD}<eFetchResult>\n\t<ERROR>${escapeXml(message)}</ERROR>\n</eFetchResult>\n`;
}

/** mindate/maxdate: YYYY, YYYY/MM or YYYY/MM/DD (also with dashes), widened to whole days. */
function boundDay(text: string, end: 'min' | 'max'): string | null {
  const match = /^(\d{4})(?:[/-](\d{1,2})(?:[/-](\d{1,2}))?)?$/.exec(text.trim());
  if (!match) return null;
  const year = Number(match[1]);
  const month = match[2] ? Number(match[2]) : end === 'min' ? 1 : 12;
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const day = match[3] ? Number(match[3]) : end === 'min' ? 1 : lastDay;
  if (month < 1 || month > 12 || day < 1 || day > lastDay) return null;
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function newestFirst(a: CorpusRecord, b: CorpusRecord): number {
  if (a.createdDate !== b.createdDate) return a.createdDate < b.createdDate ? 1 : -1;
  return Number(b.pmid) - Number(a.pmid);
}

interface Answer extends LoopbackAnswer {
  /** Records in an efetch answer, for size-dependent latency. */
  records?: number;
}

export async function startEutilsStandIn(options: StandInOptions): Promise<EutilsStandIn> {
  const records = [...options.corpus].sort(newestFirst);
  const byPmid = new Map(records.map((r) => [r.pmid, r]));
  const addRecords = (added: readonly CorpusRecord[]) => {
    for (const record of added) {
      if (byPmid.has(record.pmid)) throw new Error(`the stand-in already holds PMID ${record.pmid}`);
      byPmid.set(record.pmid, record);
      records.push(record);
    }
    records.sort(newestFirst);
  };
  const latency: StandInLatency =
    typeof options.latencyMs === 'number'
      ? { esearch: options.latencyMs, efetch: options.latencyMs }
      : (options.latencyMs ?? {});
  const enforce = options.enforceRateLimit ?? true;
  const limitWithoutKey = options.rateLimit?.withoutKey ?? 3;
  const limitWithKey = options.rateLimit?.withKey ?? 10;
  const gzip = options.gzip ?? true;

  const requests: StandInRequest[] = [];
  const queue: { endpoint: StandInEndpoint | 'any'; fault: StandInFault }[] = [];
  /** WebEnv -> query_key -> ids. */
  const history = new Map<string, Map<string, string[]>>();
  const arrivals = new ArrivalWindow();

  const takeFault = (endpoint: string): StandInFault | null => {
    const index = queue.findIndex((f) => f.endpoint === 'any' || f.endpoint === endpoint);
    if (index < 0) return null;
    return queue.splice(index, 1)[0]!.fault;
  };

  const esearch = (params: Record<string, string>, fault: StandInFault | null): Answer => {
    const xml = (body: string): Answer => ({ status: 200, body, contentType: 'text/xml; charset=UTF-8' });
    const db = params.db ?? 'pubmed';
    if (db !== 'pubmed') return xml(esearchError(`Invalid db name specified: ${db}`));
    const term = params.term ?? '';
    if (term.trim() === '') return xml(esearchError('Empty term and query_key - nothing todo'));
    const retstart = Number(params.retstart ?? '0');
    const retmax = Number(params.retmax ?? '20');
    if (!Number.isInteger(retstart) || retstart < 0 || !Number.isInteger(retmax) || retmax < 0) {
      return xml(esearchError('Invalid retstart or retmax'));
    }
    if (retstart > 9998) return xml(esearchError(RETSTART_CAP_ERROR));
    let matched = records;
    let clause = '';
    if (params.mindate !== undefined && params.maxdate !== undefined) {
      const datetype = params.datetype ?? 'pdat';
      if (datetype !== 'crdt') {
        return xml(
          esearchError(`the stand-in filters on Create Date only; datetype=${datetype} is not supported`),
        );
      }
      const from = boundDay(params.mindate, 'min');
      const to = boundDay(params.maxdate, 'max');
      if (!from || !to) return xml(esearchError(`Invalid date: ${params.mindate}:${params.maxdate}`));
      matched = records.filter((r) => r.createdDate >= from && r.createdDate <= to);
      clause = ` AND ${from.replaceAll('-', '/')}:${to.replaceAll('-', '/')}[Date - Create]`;
    }
    const ids = matched.map((r) => r.pmid);
    let historyTags = '';
    if (params.usehistory === 'y') {
      let webEnv = params.WebEnv;
      if (fault?.kind === 'expire-webenv' && webEnv) history.delete(webEnv);
      let sets = webEnv ? history.get(webEnv) : undefined;
      if (!webEnv || !sets) {
        webEnv = `MCID_${randomBytes(12).toString('hex')}`;
        sets = new Map();
        history.set(webEnv, sets);
      }
      const queryKey = String(sets.size + 1);
      sets.set(queryKey, ids.slice(0, HISTORY_CAP));
      historyTags = `<QueryKey>${queryKey}</QueryKey><WebEnv>${webEnv}</WebEnv>`;
    }
    const page = ids.slice(retstart, retstart + Math.min(retmax, HISTORY_CAP));
    const idList =
      page.length === 0 ? '<IdList/>' : `<IdList>\n${page.map((id) => `<Id>${id}</Id>\n`).join('')}</IdList>`;
    const warnings =
      ids.length === 0 ? '<WarningList><OutputMessage>No items found.</OutputMessage></WarningList>' : '';
    return xml(
      `${ESEARCH_HEAD}<eSearchResult><Count>${ids.length}</Count><RetMax>${page.length}</RetMax><RetStart>${retstart}</RetStart>${historyTags}${idList}<TranslationSet/><QueryTranslation>${escapeXml(`(${term})${clause}`)}</QueryTranslation>${warnings}</eSearchResult>\n`,
    );
  };

  const efetch = (params: Record<string, string>, fault: StandInFault | null): Answer => {
    const xml = (body: string, count?: number): Answer => ({
      status: 200,
      body,
      contentType: 'text/xml; charset=UTF-8',
      ...(count === undefined ? {} : { records: count }),
    });
    const db = params.db ?? 'pubmed';
    if (db !== 'pubmed') return xml(efetchError(`Invalid db name specified: ${db}`));
    let ids: string[];
    if (params.id !== undefined) {
      ids = params.id.split(',').map((id) => id.trim());
    } else {
      const webEnv = params.WebEnv;
      const queryKey = params.query_key;
      if (!webEnv || !queryKey) return xml(efetchError('Empty id list - nothing todo'));
      if (fault?.kind === 'expire-webenv') history.delete(webEnv);
      const set = history.get(webEnv)?.get(queryKey);
      if (!set) return xml(efetchError(`Unable to obtain query #${queryKey}`));
      const retstart = Number(params.retstart ?? '0');
      const retmax = Number(params.retmax ?? '20');
      if (!Number.isInteger(retstart) || retstart < 0 || !Number.isInteger(retmax) || retmax < 0) {
        return xml(efetchError('Invalid retstart or retmax'));
      }
      if (retstart > 9998) return xml(efetchError(RETSTART_CAP_ERROR));
      ids = set.slice(retstart, retstart + Math.min(retmax, 10_000));
    }
    // Unknown or deleted PMIDs are dropped without a word, as efetch does.
    let found = ids.map((id) => byPmid.get(id)).filter((r): r is CorpusRecord => r !== undefined);
    if (fault?.kind === 'drop-record') found = withoutMiddleResult(found);
    const body = `${EFETCH_HEAD}<PubmedArticleSet>\n${found.map((r) => `${r.xml}\n`).join('')}</PubmedArticleSet>`;
    return xml(body, found.length);
  };

  const answer = async (
    req: IncomingMessage,
    res: ServerResponse,
    entry: StandInRequest,
    params: Record<string, string>,
  ): Promise<void> => {
    const key = params.api_key;
    const client = entry.client;
    const limit = key ? limitWithKey : limitWithoutKey;
    const inWindow = arrivals.count(client, entry.time);
    const rateHeaders = {
      'X-RateLimit-Limit': String(limit),
      'X-RateLimit-Remaining': String(Math.max(0, limit - inWindow)),
      'Access-Control-Expose-Headers': 'X-RateLimit-Limit,X-RateLimit-Remaining',
    };
    const tooMany = (count: number, extra: Record<string, string> = {}): Answer => ({
      status: 429,
      contentType: 'application/json',
      body: JSON.stringify({
        error: 'API rate limit exceeded',
        'api-key': key ?? client,
        count: String(count),
        limit: String(limit),
      }),
      headers: { ...rateHeaders, ...extra },
    });

    if (enforce && inWindow > limit) {
      entry.fault = 'rate-limit';
      return send(req, res, entry, tooMany(inWindow));
    }
    const fault =
      entry.endpoint === 'esearch' || entry.endpoint === 'efetch' ? takeFault(entry.endpoint) : null;
    entry.fault = fault?.kind ?? null;

    if (fault?.kind === 'reset') {
      entry.status = 0;
      entry.finishedAt = Date.now();
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'status') {
      const extra = retryAfterHeader(fault.retryAfter);
      const reply =
        fault.status === 429
          ? tooMany(inWindow, extra)
          : {
              status: fault.status,
              contentType: 'text/html',
              body: errorPage(fault.status),
              headers: { ...rateHeaders, ...extra },
            };
      await sleep(latency[entry.endpoint as StandInEndpoint] ?? 0);
      return send(req, res, entry, reply);
    }

    let reply: Answer;
    if (entry.endpoint === 'esearch') reply = esearch(params, fault);
    else if (entry.endpoint === 'efetch') reply = efetch(params, fault);
    else reply = { status: 404, contentType: 'text/html', body: errorPage(404) };
    if (fault?.kind === 'error-in-200') {
      reply = {
        status: 200,
        contentType: 'text/xml; charset=UTF-8',
        body: entry.endpoint === 'esearch' ? esearchError(fault.message) : efetchError(fault.message),
      };
    }
    reply.headers = { ...rateHeaders, ...reply.headers };
    const base = latency[entry.endpoint as StandInEndpoint] ?? 0;
    await sleep(base + (reply.records ?? 0) * (latency.perRecordMs ?? 0));
    return send(req, res, entry, reply, fault);
  };

  const send = async (
    req: IncomingMessage,
    res: ServerResponse,
    entry: StandInRequest,
    reply: Answer,
    fault: StandInFault | null = null,
  ): Promise<void> => {
    entry.status = reply.status;
    await sendAnswer(req, res, reply, { gzip, fault, cut: 'bytes' });
    entry.finishedAt = Date.now();
  };

  const server = await startLoopbackServer(options.port ?? 0, async (req, res, { time, url, params }) => {
    const entry: StandInRequest = {
      endpoint: (url.pathname.split('/').pop() ?? '').replace(/\.fcgi$/, ''),
      method: req.method ?? 'GET',
      params,
      status: 0,
      time,
      finishedAt: null,
      fault: null,
      client: params.api_key ? `key:${params.api_key}` : (req.socket.remoteAddress ?? 'unknown'),
    };
    requests.push(entry);
    return answer(req, res, entry, params);
  });

  return {
    baseUrl: `http://127.0.0.1:${server.port}/entrez/eutils/`,
    requests,
    faults: {
      enqueue: (endpoint, fault) => {
        queue.push({ endpoint, fault });
      },
      pending: () => queue.length,
    },
    addRecords,
    close: () => server.close(),
  };
}

// `npx tsx cli/demo/eutils-stand-in.ts [--port N] [--synthetic N] [pubmed.xml ...]`: serve recorded records
// (or N synthetic ones) until interrupted, for pointing NCBI_EUTILS_BASE_URL at by hand.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // An async function, not top-level await: the bundled CLI holds this module as CommonJS (cli/bundle/build.ts).
  void (async () => {
    const { readFileSync } = await import('node:fs');
    const { parseArgs } = await import('node:util');
    const { corpusFromPubmedXml, syntheticCorpus } = await import('./stand-in-corpus.ts');
    const { values, positionals } = parseArgs({
      options: { port: { type: 'string' }, synthetic: { type: 'string' } },
      allowPositionals: true,
    });
    const corpus = positionals.flatMap((file) => corpusFromPubmedXml(readFileSync(file, 'utf8'), file));
    if (values.synthetic) {
      corpus.push(...syntheticCorpus(Number(values.synthetic), { from: '2024-01-01', to: '2024-12-31' }));
    }
    const standIn = await startEutilsStandIn({ corpus, port: values.port ? Number(values.port) : 0 });
    process.stdout.write(`E-utilities stand-in with ${corpus.length} records at ${standIn.baseUrl}\n`);
  })();
}
