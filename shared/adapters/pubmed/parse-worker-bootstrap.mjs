// Entry point of a parser worker thread, in plain JavaScript so that it loads without a TypeScript loader.
// Worker threads do not inherit loader hooks registered in the main thread, so when the parser runs from its
// TypeScript sources the worker installs tsx itself before importing them.
import { workerData } from 'node:worker_threads';

if (workerData.register) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import(workerData.entry);
