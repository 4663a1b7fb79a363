// What a run cost its source: requests sent, by endpoint, retries included. Sources count cumulatively; a run
// reports the difference between before and after it.
export type RequestCounts = Record<string, number>;

/** What was sent between two snapshots (endpoints with nothing sent are left out). */
export function requestsSince(before: RequestCounts, after: RequestCounts): RequestCounts {
  const delta: RequestCounts = {};
  for (const [endpoint, count] of Object.entries(after)) {
    const sent = count - (before[endpoint] ?? 0);
    if (sent > 0) delta[endpoint] = sent;
  }
  return delta;
}

/** "5 requests (esearch 1, efetch 4)"; "no requests". */
export function describeRequests(counts: RequestCounts): string {
  const entries = Object.entries(counts).filter(([, n]) => n > 0);
  const total = entries.reduce((sum, [, n]) => sum + n, 0);
  if (total === 0) return 'no requests';
  const parts = entries.map(([endpoint, n]) => `${endpoint} ${n}`).join(', ');
  return `${total} request${total === 1 ? '' : 's'} (${parts})`;
}
