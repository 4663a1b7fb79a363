// Helpers for the store's integration tests and the dedup bench: citations, temp data directories, child
// processes that share a data directory, and item counts taken with Query (never Scan).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import {
  CITATION_PREFIX,
  KEY_PREFIX,
  QUEUE_INDEX,
  queuePartition,
  reviewPk,
  TALLY_DELTA_PREFIX,
} from '../../shared/adapters/dynamodb/table-design.ts';
import { stopEmbeddedServer } from '../../shared/adapters/embedded/embedded-store.ts';
import type { Citation } from '../../shared/domain/citation/citation.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A journal article from PubMed unless overridden; `id` seeds every field that must differ between works. */
export function makeStoreCitation(overrides: Partial<Citation> = {}): Citation {
  const pmid = overrides.pmid === undefined ? '1000001' : overrides.pmid;
  const base: Citation = {
    source: 'pubmed',
    sourceRecordId: pmid ?? 'no-id',
    kind: 'journal-article',
    pmid,
    doi: null,
    pmcid: null,
    title: `A randomised trial number ${pmid ?? 'x'} of something`,
    vernacularTitle: null,
    abstract: [{ label: 'METHODS', category: 'METHODS', text: 'We randomised patients.' }],
    authors: [{ family: 'Smith', given: 'Jane', initials: 'J', orcid: null }],
    journal: {
      title: 'Journal of Trials',
      isoAbbreviation: 'J Trials',
      issn: '1234-5678',
      volume: '1',
      issue: '2',
      pages: '3-4',
    },
    bookTitle: null,
    publicationDate: { year: 2024, month: 3, day: null, medlineDate: null },
    year: 2024,
    languages: ['eng'],
    publicationTypes: ['Journal Article'],
    meshHeadings: ['Humans'],
    keywords: [],
    pubmedStatus: 'Publisher',
    createdDate: '2024-03-02',
    links: [],
    isRetracted: false,
  };
  return { ...base, ...overrides };
}

/** `count` distinct PubMed works, PMIDs from `firstPmid`, each with a DOI. */
export function pubmedWindow(count: number, firstPmid = 30_000_000): Citation[] {
  return Array.from({ length: count }, (_, i) => {
    const pmid = String(firstPmid + i);
    return makeStoreCitation({ pmid, doi: `10.5555/trial.${pmid}` });
  });
}

export function makeTempDataDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `lr-store-${label}-`));
}

/** Stops the directory's server (if any) and deletes the directory. */
export async function removeDataDir(dataDir: string): Promise<void> {
  await stopEmbeddedServer(dataDir);
  rmSync(dataDir, { recursive: true, force: true });
}

/** The temp data directories a test file makes: `fresh` makes one, `removeAll` (afterEach) removes them. */
export function tempDataDirs(): { fresh(label: string): string; removeAll(): Promise<void> } {
  const dirs: string[] = [];
  return {
    fresh(label) {
      const dir = makeTempDataDir(label);
      dirs.push(dir);
      return dir;
    },
    async removeAll() {
      for (const dir of dirs.splice(0)) await removeDataDir(dir);
    },
  };
}

/** Polls `condition` every 50 ms until it holds; throws naming `what` after `timeoutMs`. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a TypeScript file of this repository in a fresh Node process (through tsx), to completion. */
export function runTsChild(
  script: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<ChildResult> {
  const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', tsxLoader, join(REPO_ROOT, script), ...args], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The last line of a child's stdout, parsed as JSON (children print their result last). */
export function lastJsonLine<T>(result: ChildResult): T {
  const lines = result.stdout.trim().split('\n');
  const last = lines[lines.length - 1];
  if (!last) throw new Error(`child printed nothing (exit ${result.code}): ${result.stderr}`);
  return JSON.parse(last) as T;
}

async function queryCount(client: DynamoDBDocumentClient, input: QueryCommandInput): Promise<number> {
  let count = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new QueryCommand({ ...input, Select: 'COUNT', ...(startKey ? { ExclusiveStartKey: startKey } : {}) }),
    );
    count += page.Count ?? 0;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return count;
}

/** Citation items of a review (redirect items, which hold no citation, excluded). */
export function countCitations(client: DynamoDBDocumentClient, tableName: string, reviewId: string) {
  return queryCount(client, {
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    FilterExpression: 'attribute_exists(#citation)',
    ExpressionAttributeNames: { '#citation': 'citation' },
    ExpressionAttributeValues: { ':pk': reviewPk(reviewId), ':prefix': CITATION_PREFIX },
  });
}

/** Entries in the review's screening queue (the "queue" index). */
export function countQueueEntries(client: DynamoDBDocumentClient, tableName: string, reviewId: string) {
  return queryCount(client, {
    TableName: tableName,
    IndexName: QUEUE_INDEX,
    KeyConditionExpression: 'gsi1pk = :queue',
    ExpressionAttributeValues: { ':queue': queuePartition(reviewId) },
  });
}

/** Tally-delta items of a review (screening-store.ts): one per arrival (events carry their own deltas). */
export function countTallyDeltas(client: DynamoDBDocumentClient, tableName: string, reviewId: string) {
  return queryCount(client, {
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': reviewPk(reviewId), ':prefix': TALLY_DELTA_PREFIX },
  });
}

/** Every key claim of a review: key -> owning citation id. */
export async function readClaims(
  client: DynamoDBDocumentClient,
  tableName: string,
  reviewId: string,
): Promise<Map<string, string>> {
  const claims = new Map<string, string>();
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': reviewPk(reviewId), ':prefix': KEY_PREFIX },
        ConsistentRead: true,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    for (const item of page.Items ?? []) claims.set(String(item.key), String(item.owner));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return claims;
}
