// Search run ids: the start instant to the second (so ids sort by time and a person can read them) and 8 random
// hex digits (so two runs started in the same second, by the CLI and a Lambda, never share one).
import { randomUUID } from 'node:crypto';

/** e.g. "20260105T060001-1f3a9c2e" for a run started at 2026-01-05T06:00:01Z. */
export function newRunId(now = new Date()): string {
  return `${now.toISOString().replace(/[-:.]/g, '').slice(0, 15)}-${randomUUID().slice(0, 8)}`;
}
