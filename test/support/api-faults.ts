// The transient half of the fault matrix (the same as E-utilities'), for the JSON services' stand-ins: each is
// retried by the client and the run completes. The persistent faults (a partial page, a repeating cursor) fail
// with a message of each service's own, so each test names those itself.
import type { ApiFault } from '../../cli/demo/json-api-stand-in.ts';

export const TRANSIENT_API_FAULTS: [string, ApiFault][] = [
  ['a 429 with Retry-After', { kind: 'status', status: 429, retryAfter: 0 }],
  ['HTTP 503', { kind: 'status', status: 503 }],
  ['a connection reset', { kind: 'reset' }],
  ['an answer slower than the timeout', { kind: 'slow', delayMs: 1_000 }],
  ['a cut answer (truncated JSON)', { kind: 'truncate' }],
];
