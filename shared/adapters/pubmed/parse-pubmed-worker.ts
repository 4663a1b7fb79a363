// Worker thread body for parsePubmedFile: parses batches of records cut by the main thread.
import { parentPort } from 'node:worker_threads';
import type { WorkerRequest, WorkerResponse } from './parse-pubmed-file.ts';
import { type ParsedPubmedRecord, parsePubmedRecord } from './parse-pubmed-record.ts';

const port = parentPort;
if (!port) throw new Error('parse-pubmed-worker.ts runs only as a worker thread');

port.on('message', (request: WorkerRequest) => {
  let response: WorkerResponse;
  try {
    const items: ParsedPubmedRecord[] = request.records.map((raw) => parsePubmedRecord(raw, request.origin));
    response = { id: request.id, items };
  } catch (error) {
    response = { id: request.id, error: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(response);
});
