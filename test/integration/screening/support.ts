// Shared set-up of the screening API tests: a temp data directory with the embedded store, citations seeded
// through the CitationStore (recordCitation), two protocols (IESM and another review), tokens, and the local
// server on 127.0.0.1. Used by the integration tests and the browser tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fullTextOver } from '../../../cli/serve/full-text-wiring.ts';
import { type LocalServer, startScreeningServer } from '../../../cli/serve/server.ts';
import { type EmbeddedScreening, openEmbeddedScreening } from '../../../cli/serve/wiring.ts';
import { LocalAttachmentStorage } from '../../../shared/adapters/attachments/local-attachments.ts';
import { stopEmbeddedServer } from '../../../shared/adapters/embedded/embedded-store.ts';
import { loadScreeningAssets } from '../../../shared/adapters/http/static-assets.ts';
import type { FullTextDeps } from '../../../shared/app/full-text.ts';
import { defaultProtocolDirectory, loadProtocolFile } from '../../../shared/config/load-protocols.ts';
import type { Citation } from '../../../shared/domain/citation/citation.ts';
import { type Protocol, protocolSchema } from '../../../shared/domain/protocol/protocol.ts';
import type { DecisionEvent } from '../../../shared/domain/screening/events.ts';

export const iesm: Protocol = loadProtocolFile(join(defaultProtocolDirectory(), 'iesm.yaml'));

/** A second review with other reviewers: pp and the others must get 403 there. */
export const otherReview: Protocol = protocolSchema.parse({
  ...iesm,
  id: 'other-review',
  title: 'Another review',
  // Its reviewers appraise and verify nothing: the review declares no appraisal and no verification.
  appraisal: undefined,
  verification: undefined,
  reviewers: [
    { id: 'zed', name: 'Z.', roles: ['screener'] },
    { id: 'yan', name: 'Y.', roles: ['screener'] },
    { id: 'xav', name: 'X.', roles: ['arbiter'] },
  ],
});

export const TOKENS: Record<string, string> = {
  pp: 'lr_test-token-for-pp-0000000000000000',
  alc: 'lr_test-token-for-alc-000000000000000',
  ash: 'lr_test-token-for-ash-000000000000000',
  zed: 'lr_test-token-for-zed-000000000000000',
};

export function citation(pmid: string, overrides: Partial<Citation> = {}): Citation {
  return {
    source: 'pubmed',
    sourceRecordId: pmid,
    kind: 'journal-article',
    pmid,
    doi: `10.5555/iesm.${pmid}`,
    pmcid: null,
    title: `Intradural extramedullary metastasis from renal carcinoma: case ${pmid}`,
    vernacularTitle: null,
    abstract: [
      { label: 'BACKGROUND', category: 'BACKGROUND', text: 'Intradural extramedullary metastases are rare.' },
      { label: 'CASE', category: 'UNASSIGNED', text: `Case ${pmid}: a cauda equina lesion, resected.` },
    ],
    authors: [
      { family: 'Rossi', given: 'Anna', initials: 'A', orcid: null },
      { collective: 'Spine Oncology Group', orcid: null },
    ],
    journal: {
      title: 'Journal of Spine Oncology',
      isoAbbreviation: 'J Spine Oncol',
      issn: null,
      volume: '3',
      issue: '1',
      pages: '1-5',
    },
    bookTitle: null,
    publicationDate: { year: 2024, month: 5, day: null, medlineDate: null },
    year: 2024,
    languages: ['eng'],
    publicationTypes: ['Case Reports'],
    meshHeadings: [],
    keywords: [],
    pubmedStatus: 'MEDLINE',
    createdDate: '2024-05-02',
    links: [],
    isRetracted: false,
    ...overrides,
  };
}

export interface Harness {
  dataDir: string;
  screening: EmbeddedScreening;
  server: LocalServer;
  fullText: FullTextDeps;
  attachments: LocalAttachmentStorage;
  /** PMID -> citation id, in the order seeded (arrival order). */
  ids: Map<string, string>;
  close(): Promise<void>;
}

/**
 * Seeds `citations` into review `reviewId` one at a time (distinct arrival times) and starts the server, with
 * attachments under the data directory and, given `unpaywallBaseUrl` (a stand-in), open-access lookups.
 */
export async function startHarness(
  label: string,
  seeds: Array<{ reviewId: string; citation: Citation }>,
  options: { unpaywallBaseUrl?: string } = {},
): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), `lr-screening-${label}-`));
  const screening = await openEmbeddedScreening(dataDir, [iesm, otherReview]);
  const ids = new Map<string, string>();
  const start = Date.parse('2026-01-05T06:00:00Z');
  for (const [index, seed] of seeds.entries()) {
    const outcome = await screening.embedded.store.recordCitation(
      seed.reviewId,
      seed.citation,
      new Date(start + index * 1000),
    );
    ids.set(seed.citation.pmid ?? seed.citation.sourceRecordId, outcome.citationId);
  }
  const attachments = new LocalAttachmentStorage(dataDir);
  const fullText = fullTextOver(
    screening.embedded,
    attachments,
    options.unpaywallBaseUrl
      ? { UNPAYWALL_BASE_URL: options.unpaywallBaseUrl, UNPAYWALL_EMAIL: 'screening-tests@example.org' }
      : {},
  );
  const server = await startScreeningServer({
    protocols: [iesm, otherReview],
    deps: screening.deps,
    fullText,
    attachments,
    appraisal: screening.appraisal,
    verification: screening.verification,
    tokens: TOKENS,
    assets: loadScreeningAssets(),
    logError: () => {},
  });
  return {
    dataDir,
    screening,
    server,
    fullText,
    attachments,
    ids,
    close: async () => {
      await server.close();
      await fullText.close();
      await screening.close();
      await stopEmbeddedServer(dataDir);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Answer<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

/** A request to the harness server as `reviewer` (or anonymous), JSON in and out. */
export async function call<T = Record<string, unknown>>(
  server: LocalServer,
  reviewer: string | null,
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer<T>> {
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  if (reviewer) headers.authorization = `Bearer ${TOKENS[reviewer]}`;
  if (init.body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
  const response = await fetch(`${server.url}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers,
    body:
      init.body === undefined
        ? undefined
        : typeof init.body === 'string'
          ? init.body
          : JSON.stringify(init.body),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // the page and its files are not JSON
  }
  return { status: response.status, headers: response.headers, body: body as T };
}

export function decisionPath(reviewId: string, citationId: string): string {
  return `/api/reviews/${reviewId}/records/${citationId}/decisions`;
}

/** A first title/abstract inclusion of a record, as a writer appends it (tests append it by hand). */
export function firstInclude(citationId: string, reviewerId: string, eventId: string): DecisionEvent {
  return {
    type: 'decision',
    seq: 1,
    eventId,
    citationId,
    reviewerId,
    at: new Date().toISOString(),
    stage: 'title-abstract',
    role: 'screener',
    decision: 'include',
    reasonId: null,
    note: null,
  };
}
