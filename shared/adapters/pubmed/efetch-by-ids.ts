// efetch by a list of PMIDs (the retraction watch re-reads the included studies' records). EutilsClient only
// pages history sets (WebEnv/query_key), so this module sends `efetch.fcgi?db=pubmed&id=1,2,3` itself, by POST
// (NCBI asks for POST above ~200 ids), through the client's public parts: its configuration (base URL, tool,
// email, api_key, timeouts, attempt and time bounds) and its process-wide rate limiter. Sending, retrying
// (429 with Retry-After, 5xx, dropped connections, timeouts), the limiter lease and the final EutilsError are
// the shared ones (../http/polite-request.ts); what a 200 must hold (a complete PubmedArticleSet, or an ERROR
// that is transient or not) is read here.
import type { Dispatcher } from 'undici';
import type { Citation } from '../../domain/citation/citation.ts';
import { EutilsError, InputError } from '../../errors.ts';
import { withTrailingSlash } from '../http/client-config.ts';
import { AttemptFailure, PoliteHttp, snippet } from '../http/polite-request.ts';
import type { EutilsClient } from './eutils-client.ts';
import { parsePubmedXml } from './parse-pubmed-xml.ts';

/** NCBI's advice: at most a few hundred ids per efetch. */
export const EFETCH_IDS_PER_REQUEST = 200;

export interface FetchByIdsResult {
  citations: Citation[];
  /** Requested PMIDs efetch did not return (deleted or unknown ids are dropped without a word). */
  missing: string[];
  /** PMIDs the answers reported as deleted (DeleteCitation). */
  deleted: string[];
}

export interface EfetchByIdsOptions {
  /** Ids per request (default 200). */
  batchSize?: number;
  /** Defaults to a keep-alive Agent for this call, closed when it ends. */
  dispatcher?: Dispatcher;
  signal?: AbortSignal;
}

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
  const { config } = client;
  const batchSize = options.batchSize ?? EFETCH_IDS_PER_REQUEST;
  const url = new URL('efetch.fcgi', withTrailingSlash(config.baseUrl)).toString();
  const http = new PoliteHttp(config, {
    dispatcher: options.dispatcher,
    rateLimiter: client.rateLimiter,
    errorClass: EutilsError,
  });
  const result: FetchByIdsResult = { citations: [], missing: [], deleted: [] };
  try {
    for (let start = 0; start < ids.length; start += batchSize) {
      const batch = ids.slice(start, start + batchSize);
      const body = new URLSearchParams({
        db: 'pubmed',
        id: batch.join(','),
        retmode: 'xml',
        tool: config.tool,
      });
      if (config.email) body.set('email', config.email);
      if (config.apiKey) body.set('api_key', config.apiKey);
      const xml = await http.request({
        what: `E-utilities efetch by id (${batch.length} ids, ${config.baseUrl})`,
        endpoint: 'efetch',
        url,
        method: 'POST',
        body: body.toString(),
        headers: { 'user-agent': `${config.tool} (undici)` },
        signal: options.signal,
        // As the client's own efetch: the limiter counts this request from when it left.
        spacing: 'sent',
        interpret: completeArticleSet,
      });
      const parsed = parsePubmedXml(xml, `efetch id=${batch[0]}..${batch[batch.length - 1]}`);
      result.citations.push(...parsed.citations);
      result.deleted.push(...parsed.deletedPmids);
      const returned = new Set(parsed.citations.map((c) => c.pmid));
      result.missing.push(...batch.filter((id) => !returned.has(id)));
    }
  } finally {
    await http.close();
  }
  return result;
}

/** A 200's body as it must be: a whole PubmedArticleSet; an ERROR or anything else fails the attempt. */
function completeArticleSet(text: string): string {
  if (/<PubmedArticleSet[\s>/]/.test(text.slice(0, 2000))) {
    const tail = text.trimEnd();
    if (tail.endsWith('</PubmedArticleSet>') || /<PubmedArticleSet\s*\/>$/.test(tail)) return text;
    throw new AttemptFailure(`the PubmedArticleSet was cut short after ${text.length} characters`, true);
  }
  const errors = [...text.matchAll(/<ERROR>([\s\S]*?)<\/ERROR>/g)].map((m) => (m[1] ?? '').trim());
  if (errors.length > 0) {
    const message = errors.join('; ');
    throw new AttemptFailure(
      `E-utilities answered ERROR: ${message}`,
      /search backend failed|temporarily unavailable|please try again/i.test(message),
    );
  }
  throw new AttemptFailure(`expected a PubmedArticleSet, got "${snippet(text, 120)}"`, true);
}
