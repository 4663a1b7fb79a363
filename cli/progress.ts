// Progress of long work on stderr: one line redrawn in place (done / total, rate, time left), only when stderr
// is a terminal and not in CI (CommandOutput.interactive, set in cli/main.ts). A pipe, a log file or a CI job
// sees nothing of it, and the results on stdout are never mixed with it. Every command that can run long
// (import, search, run, recompute, report) draws its progress through this one helper.
import type { CommandOutput } from './command.ts';

export interface Progress {
  /** `done` units so far, of `total` when it is known. */
  update(done: number, total?: number | null): void;
  /** Names what is being counted from now on (a new phase); the count starts again. */
  phase(label: string, unit?: string): void;
  /** Clears the line; call it before printing results. Drawing may resume with the next update. */
  clear(): void;
}

export interface ProgressOptions {
  /** What is counted: "records", "rows", ... */
  unit?: string;
  /** Where the line is drawn (default: process.stderr). */
  write?: (text: string) => void;
  /** Milliseconds, monotonic (default: performance.now). */
  now?: () => number;
  /** Terminal width (default: process.stderr.columns, else 80). */
  columns?: () => number;
}

/** Redraw at most this often: a terminal needs no more, and a fast loop must not spend its time drawing. */
const REDRAW_MS = 100;
/** No rate or time left before this much time or work: the first moments say nothing about the pace. */
const SETTLE_MS = 1000;

// Made on first use: building an Intl formatter loads ICU data, ~0.1 s that a command's start must not pay.
let numberFormat: Intl.NumberFormat | undefined;
function thousands(value: number): string {
  numberFormat ??= new Intl.NumberFormat('en-US');
  return numberFormat.format(value);
}

/** "45 s", "3 min 12 s", "2 h 05 min". */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${String(seconds % 60).padStart(2, '0')} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** The progress line itself: "label: 1,234 of 10,000 records (12%), 45/s, about 3 min 12 s left". */
export function progressText(
  label: string,
  unit: string,
  done: number,
  total: number | null,
  elapsedMs: number,
): string {
  const parts = [
    total === null
      ? `${label}: ${thousands(done)} ${unit}`
      : `${label}: ${thousands(done)} of ${thousands(total)} ${unit}${
          total > 0 ? ` (${Math.floor((done / total) * 100)}%)` : ''
        }`,
  ];
  if (elapsedMs >= SETTLE_MS && done > 0) {
    const perSecond = done / (elapsedMs / 1000);
    parts.push(`${thousands(perSecond >= 10 ? Math.round(perSecond) : Number(perSecond.toFixed(1)))}/s`);
    if (total !== null && total > done)
      parts.push(`about ${formatDuration((total - done) / (perSecond / 1000))} left`);
  }
  return parts.join(', ');
}

const SILENT: Progress = { update() {}, phase() {}, clear() {} };

/** The line drawn last, cleared before any other output reaches the terminal (clearProgressLine). */
let drawnLine: Progress | null = null;

/** Clears a drawn progress line, so that a result or a warning starts on a clean line (cli/main.ts). */
export function clearProgressLine(): void {
  drawnLine?.clear();
}

/** A progress line for `label`; silent unless `io` is interactive. */
export function startProgress(io: CommandOutput, label: string, options: ProgressOptions = {}): Progress {
  if (!io.interactive) return SILENT;
  const write = options.write ?? ((text: string) => void process.stderr.write(text));
  const now = options.now ?? (() => performance.now());
  const columns = options.columns ?? (() => process.stderr.columns || 80);
  let unit = options.unit ?? 'records';
  let current = label;
  let started = now();
  let drawnAt = Number.NEGATIVE_INFINITY;
  let drawn = false;
  const progress: Progress = {
    update(done, total = null) {
      const at = now();
      if (at - drawnAt < REDRAW_MS && (total === null || done < total)) return;
      drawnAt = at;
      // One line, never wrapped: a wrapped line cannot be redrawn in place.
      const text = progressText(current, unit, done, total, at - started).slice(
        0,
        Math.max(10, columns() - 1),
      );
      write(`\r\x1b[2K${text}`);
      drawn = true;
      drawnLine = progress;
    },
    phase(label, newUnit) {
      current = label;
      if (newUnit) unit = newUnit;
      started = now();
      drawnAt = Number.NEGATIVE_INFINITY;
    },
    clear() {
      if (drawn) write('\r\x1b[2K');
      drawn = false;
      drawnAt = Number.NEGATIVE_INFINITY;
      if (drawnLine === progress) drawnLine = null;
    },
  };
  return progress;
}

/** The slice of a DynamoDB client this needs: its middleware stack. */
interface WithMiddleware {
  middlewareStack: {
    add(
      middleware: (next: (args: unknown) => Promise<{ output: unknown }>) => (args: unknown) => Promise<{
        output: unknown;
      }>,
      options: { step: 'initialize'; name: string; override: boolean },
    ): void;
    remove(name: string): boolean;
  };
}

const ITEMS_READ = 'livingReviewItemsRead';

/**
 * Counts the items every Query and Scan of `client` returns, reporting the running total: the progress of
 * work that is mostly reading a review's items (a recompute reading 100,000 patient rows, a report), without
 * the stores knowing about progress. Returns the function that stops counting.
 */
export function countItemsRead(client: unknown, onItems: (total: number) => void): () => void {
  let total = 0;
  const stack = (client as WithMiddleware).middlewareStack;
  stack.add(
    (next) => async (args) => {
      const result = await next(args);
      const items = (result.output as { Items?: unknown[] } | undefined)?.Items;
      if (Array.isArray(items) && items.length > 0) {
        total += items.length;
        onItems(total);
      }
      return result;
    },
    { step: 'initialize', name: ITEMS_READ, override: true },
  );
  return () => void stack.remove(ITEMS_READ);
}

/** Draws the items `connection` reads while `work` runs, as `label`; clears the line when it ends. */
export async function whileReading<T>(
  io: CommandOutput,
  connection: { client: unknown },
  label: string,
  work: () => Promise<T>,
): Promise<T> {
  if (!io.interactive) return work();
  const progress = startProgress(io, label, { unit: 'items read' });
  const stop = countItemsRead(connection.client, (total) => progress.update(total));
  try {
    return await work();
  } finally {
    stop();
    progress.clear();
  }
}
