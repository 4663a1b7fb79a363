// A loopback stand-in for bioRxiv/medRxiv's API (https://api.biorxiv.org), the content detail of one manuscript:
// GET details/{server}/{doi} and details/{server}/{doi}/na/json. A real HTTP server on 127.0.0.1 answering in
// the API's envelope ({ messages: [{ status, cursor, count, total }], collection: [every version] }), with
// { messages: [{ status: "no posts found" }], collection: [] } for a DOI the server does not hold, and failing
// on demand (json-api-stand-in.ts). Point BIORXIV_BASE_URL at it to try the CLI.
//
// What it imitates (api.biorxiv.org's "Content detail" help; the shape of cli/demo/recorded/biorxiv_details.json):
// servers "biorxiv" and "medrxiv" (any case), each holding its own manuscripts; every version of a manuscript
// listed, each naming its `published` DOI or "NA". The data faults: 'drop-record' leaves a version out while
// messages still count it (a partial answer); 'other-record' answers about another manuscript. 'repeat-cursor'
// has nothing to act on (a lookup by DOI is not paged) and is answered normally.
//
// What it does not: the date-interval listings (details/{server}/{from}/{to}/{cursor}, pubs/...) are a 404.
import {
  type ApiFault,
  type ApiRequest,
  type JsonApiStandIn,
  jsonAnswer,
  startJsonApiStandIn,
  withoutMiddleResult,
} from './json-api-stand-in.ts';

/** One version of a manuscript as `details` lists it (recorded/biorxiv_details.json's collection entries). */
export type BiorxivCorpusVersion = Record<string, unknown> & {
  doi: string;
  version: string;
  published: string;
  /** "bioRxiv" or "medRxiv", as the API writes it. */
  server: string;
};

export interface BiorxivStandIn extends JsonApiStandIn {
  /** Adds versions (a new version of a manuscript, or a new manuscript). */
  addVersions(versions: readonly BiorxivCorpusVersion[]): void;
  /** Sets the `published` DOI of every version of `doi` (the server learned where it was published). */
  publish(doi: string, publishedDoi: string): void;
}

const DETAILS = /^details\/([A-Za-z]+)\/(10\.\d{4,9}\/[^/]+)(?:\/na\/(json))?$/;

export async function startBiorxivStandIn(options: {
  corpus: readonly BiorxivCorpusVersion[];
  rateLimit?: number;
  latencyMs?: number;
  port?: number;
}): Promise<BiorxivStandIn> {
  const versions: BiorxivCorpusVersion[] = [...options.corpus];
  const notFound = () => ({
    answer: jsonAnswer(200, { messages: [{ status: 'no posts found' }], collection: [] }),
  });

  const details = (request: ApiRequest, fault: ApiFault | null) => {
    const match = DETAILS.exec(request.endpoint);
    if (!match) return { answer: jsonAnswer(404, { messages: [{ status: 'no route' }], collection: [] }) };
    const server = match[1]!.toLowerCase();
    const doi = match[2]!.toLowerCase();
    const ofServer = versions.filter((v) => v.server.toLowerCase() === server);
    let listed = ofServer.filter((v) => v.doi.toLowerCase() === doi);
    if (fault?.kind === 'other-record') {
      const other = ofServer.find((v) => v.doi.toLowerCase() !== doi);
      listed = other ? [other] : [{ ...(listed[0] ?? ofServer[0]!), doi: '10.1101/2000.01.01.000000' }];
    }
    if (listed.length === 0) return notFound();
    const sorted = [...listed].sort((a, b) => Number(a.version) - Number(b.version));
    const collection = fault?.kind === 'drop-record' ? withoutMiddleResult(sorted) : sorted;
    return {
      answer: jsonAnswer(200, {
        messages: [{ status: 'ok', cursor: 0, count: sorted.length, total: sorted.length }],
        collection,
      }),
      results: collection.length,
    };
  };

  const standIn = await startJsonApiStandIn({
    basePath: '/biorxiv/',
    rateLimit: options.rateLimit ?? 10,
    ...(options.latencyMs === undefined ? {} : { latencyMs: options.latencyMs }),
    ...(options.port === undefined ? {} : { port: options.port }),
    route: (request, fault) => details(request, fault),
    errorAnswer: (status, headers) =>
      status === 429
        ? { status, body: 'Too Many Requests', contentType: 'text/plain', headers }
        : { status, body: `<html><body><h1>${status}</h1></body></html>`, contentType: 'text/html', headers },
  });
  return {
    ...standIn,
    addVersions: (added) => void versions.push(...added),
    publish: (doi, publishedDoi) => {
      for (const v of versions) if (v.doi.toLowerCase() === doi.toLowerCase()) v.published = publishedDoi;
    },
  };
}
