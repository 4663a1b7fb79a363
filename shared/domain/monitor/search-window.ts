// Which days a monitor run searches, and how far the watermark may move afterwards. Pure date arithmetic on
// calendar days (YYYY-MM-DD, UTC), the granularity of PubMed's Create Date.
import type { SearchWindow } from '../../ports/literature-source.ts';

export function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export function addDays(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return isoDay(date);
}

/**
 * The scheduled window: from the watermark minus the overlap (or the monitoring start for a first run) to
 * today. The overlap re-reads a few days because records can become searchable a little after their Create
 * Date; dedup makes re-reading free of doubles.
 */
export function scheduledWindow(input: {
  monitoringStart: string;
  completedThrough: string | null;
  overlapDays: number;
  today: string;
}): SearchWindow {
  const from = input.completedThrough
    ? maxDay(input.monitoringStart, addDays(input.completedThrough, -input.overlapDays))
    : input.monitoringStart;
  return { from, to: input.today };
}

/**
 * How far the watermark may move after `window` has been committed in full: to the window's end, but never
 * past yesterday (today is not over: records created later today are caught by the next run's overlap), and
 * only when the window starts at or before the first day not yet covered, so coverage stays contiguous.
 */
export function watermarkAfter(input: {
  window: SearchWindow;
  monitoringStart: string;
  completedThrough: string | null;
  today: string;
}): string | null {
  const firstUncovered = input.completedThrough ? addDays(input.completedThrough, 1) : input.monitoringStart;
  if (input.window.from > firstUncovered) return null;
  const through = minDay(input.window.to, addDays(input.today, -1));
  if (input.completedThrough && through <= input.completedThrough) return null;
  return through;
}

function maxDay(a: string, b: string): string {
  return a > b ? a : b;
}

function minDay(a: string, b: string): string {
  return a < b ? a : b;
}
