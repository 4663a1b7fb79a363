// When a run log that says "running" is a run nobody runs any more. A run saves its log when it starts, as
// it makes progress and at least every RUN_HEARTBEAT_MS, and when it ends; a process killed (kill -9, a
// crash, a Lambda timeout) never writes the end. Such a run is abandoned when its owner is known to be gone
// (the process that ran it no longer runs: checked by the reader where it can be, on the same host), or when
// it has given no sign of life for RUN_STALE_AFTER_MS (any host: a Lambda, another laptop on the same table).
// Its counts are those of its last save, and the records it committed are complete (each record is), so the
// next run of its window finds them already known.

/** How often a running run saves its log even when no record arrives (a slow or retrying source). */
export const RUN_HEARTBEAT_MS = 60_000;

/** A running run silent for this long is abandoned (ten heartbeats; longer than a Lambda may run). */
export const RUN_STALE_AFTER_MS = 10 * 60_000;

export interface RunOwnerRef {
  host: string;
  pid: number;
  /** The process's identity where the OS gives one (see adapters/process), else null. */
  identity: string | null;
}

/** How a run ended; 'running' while it runs, 'abandoned' as judged by judgeRun. */
export type RunOutcome = 'running' | 'succeeded' | 'failed' | 'abandoned';

/** The run-log fields the judgement reads. */
export interface RunLiveness {
  outcome: RunOutcome;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  error: string | null;
  owner?: RunOwnerRef | null;
  heartbeatAt?: string | null;
}

/**
 * The run as a reader should see it at `now`: a running run whose owner is gone (`ownerRunning` false) or
 * that has been silent past RUN_STALE_AFTER_MS comes back abandoned, ended at its last sign of life, with the
 * reason as its error. Any other run comes back as it is. `ownerRunning`: whether the owner process still
 * runs, null when the reader cannot tell (another host, no owner recorded).
 */
export function judgeRun<T extends RunLiveness>(run: T, now: Date, ownerRunning: boolean | null): T {
  if (run.outcome !== 'running') return run;
  const lastSign = run.heartbeatAt ?? run.startedAt;
  const silentMs = now.getTime() - Date.parse(lastSign);
  let reason: string;
  if (ownerRunning === false && run.owner) {
    reason = `its process (pid ${run.owner.pid} on ${run.owner.host}) ended without closing the run`;
  } else if (silentMs > RUN_STALE_AFTER_MS) {
    reason = `no sign of life for ${Math.round(silentMs / 60_000)} minutes`;
  } else {
    return run;
  }
  return {
    ...run,
    outcome: 'abandoned',
    finishedAt: lastSign,
    durationMs: Date.parse(lastSign) - Date.parse(run.startedAt),
    error: `abandoned: ${reason}; counts as of ${lastSign}`,
  };
}
