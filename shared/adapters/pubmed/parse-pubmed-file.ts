// Streaming a PubMed XML file of any size: the file is read in 64 KB chunks and cut into records, which are
// parsed one at a time. Small chunks keep memory low: every chunk is copied once when it is joined to the
// unfinished record before it, and the garbage is collected lazily (measured peak RSS on 100 MB: 64 KB chunks
// ~106 MB, 256 KB ~126 MB, 1 MB ~170 MB) at no cost in speed.
// Optionally, batches of records go to worker threads instead; results still come back in file order with a
// bounded number of batches in flight. Measured on 2 cores, workers were slower than parsing in this thread
// (copying the citations back costs more than parsing them), so they are off by default.
import { createReadStream } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { InputError } from '../../errors.ts';
import { nodeEntry } from '../node-entry.ts';
import { type ParsedPubmedRecord, parsePubmedRecord } from './parse-pubmed-record.ts';
import type { ParsePubmedFileOptions, PubmedFileItem } from './parse-pubmed-xml.ts';
import { PubmedRecordSplitter, type RawPubmedRecord } from './xml-record-splitter.ts';

const CHUNK_BYTES = 1 << 16;
/** Characters of record text per message to a worker: big enough that messaging costs little. */
const BATCH_CHARS = 1 << 19;

export interface WorkerRequest {
  id: number;
  origin: string;
  records: RawPubmedRecord[];
}

export type WorkerResponse = { id: number; items: ParsedPubmedRecord[] } | { id: number; error: string };

function readChunks(path: string): AsyncIterable<Buffer> {
  return createReadStream(path, { highWaterMark: CHUNK_BYTES });
}

async function* splitFile(path: string): AsyncGenerator<RawPubmedRecord> {
  const splitter = new PubmedRecordSplitter(path);
  try {
    for await (const chunk of readChunks(path)) yield* splitter.push(chunk);
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`${path}: cannot read: ${(error as Error).message}`, { cause: error });
  }
  yield* splitter.end();
}

async function* parseInThisThread(path: string): AsyncGenerator<PubmedFileItem> {
  for await (const raw of splitFile(path)) yield parsePubmedRecord(raw, path);
}

interface Task {
  request: WorkerRequest;
  resolve(items: ParsedPubmedRecord[]): void;
  reject(error: Error): void;
}

/** A fixed set of parser workers taking batches from one queue. */
class ParserPool {
  private readonly idle: Worker[] = [];
  private readonly queue: Task[] = [];
  private readonly running = new Map<Worker, Task>();
  private readonly workers: Worker[] = [];
  private nextId = 0;
  private failure: Error | null = null;

  constructor(size: number) {
    const entry = nodeEntry(import.meta.url, 'parse-pubmed-worker');
    // From the TypeScript sources (tests, benchmarks) a worker starts from a plain-JavaScript bootstrap that
    // installs tsx before importing the worker's source; the bundled CLI starts its bundled worker directly.
    const bootstrap = new URL('./parse-worker-bootstrap.mjs', import.meta.url);
    const start = () =>
      entry.typescript
        ? new Worker(bootstrap, { workerData: { entry: pathToFileURL(entry.file).href, register: true } })
        : new Worker(entry.file);
    for (let i = 0; i < size; i++) {
      const worker = start();
      worker.on('message', (response: WorkerResponse) => this.settle(worker, response));
      worker.on('error', (error) => this.crash(worker, error));
      // Workers only end when closed (and this listener is removed first): any other exit is a failure.
      worker.on('exit', (code) => this.crash(worker, new Error(`parser worker exited with code ${code}`)));
      this.workers.push(worker);
      this.idle.push(worker);
    }
  }

  run(origin: string, records: RawPubmedRecord[]): Promise<ParsedPubmedRecord[]> {
    return new Promise((resolve, reject) => {
      if (this.failure) {
        reject(this.failure);
        return;
      }
      this.queue.push({ request: { id: this.nextId++, origin, records }, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.pop()!;
      const task = this.queue.shift()!;
      this.running.set(worker, task);
      worker.postMessage(task.request);
    }
  }

  private settle(worker: Worker, response: WorkerResponse): void {
    const task = this.running.get(worker);
    if (!task) return;
    this.running.delete(worker);
    this.idle.push(worker);
    if ('error' in response) task.reject(new InputError(response.error));
    else task.resolve(response.items);
    this.dispatch();
  }

  /** A worker that failed takes every task still waiting with it: a pool that lost a worker is not trusted. */
  private crash(worker: Worker, error: Error): void {
    this.failure ??= error;
    const idle = this.idle.indexOf(worker);
    if (idle !== -1) this.idle.splice(idle, 1);
    this.running.get(worker)?.reject(error);
    this.running.delete(worker);
    for (const task of this.queue.splice(0)) task.reject(error);
  }

  async close(): Promise<void> {
    for (const worker of this.workers) worker.removeAllListeners('exit');
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}

async function* parseWithWorkers(path: string, workers: number): AsyncGenerator<PubmedFileItem> {
  const pool = new ParserPool(workers);
  const pending: Promise<ParsedPubmedRecord[]>[] = [];
  const maxPending = workers * 2;
  const submit = (batch: RawPubmedRecord[]) => {
    const result = pool.run(path, batch);
    // Awaited in order later; until then a rejection must not count as unhandled.
    result.catch(() => {});
    pending.push(result);
  };
  try {
    let batch: RawPubmedRecord[] = [];
    let batchChars = 0;
    for await (const raw of splitFile(path)) {
      batch.push(raw);
      batchChars += raw.xml.length;
      if (batchChars < BATCH_CHARS) continue;
      submit(batch);
      batch = [];
      batchChars = 0;
      // Back-pressure: read no further ahead than a couple of batches per worker.
      while (pending.length >= maxPending) yield* await pending.shift()!;
    }
    if (batch.length > 0) submit(batch);
    while (pending.length > 0) yield* await pending.shift()!;
  } finally {
    await pool.close();
  }
}

export async function* parsePubmedFileRecords(
  path: string,
  options: ParsePubmedFileOptions,
): AsyncGenerator<PubmedFileItem> {
  const workers = options.workers ?? 0;
  if (workers <= 0) yield* parseInThisThread(path);
  else yield* parseWithWorkers(path, workers);
}
