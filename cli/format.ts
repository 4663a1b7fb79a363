// How run results look on a terminal. Results go to stdout; the CLI keeps progress on stderr.
// Everything the CLI prints goes through terminalText (cli/main.ts), so record text cannot drive the reader's
// terminal (ESC[2J clears it, OSC sequences retitle it, C1 CSI does what ESC[ does); JSON is printed with
// jsonText, whose escapes leave nothing for terminalText to change.
import type { SourceRunResult } from '../shared/app/search-review.ts';
import { describeRequests } from '../shared/domain/monitor/request-counts.ts';
import type { RunLog } from '../shared/ports/citation-store.ts';

/** How the screening stages are named on screen. */
export const STAGE_NAMES = { 'title-abstract': 'title/abstract', 'full-text': 'full text' } as const;

/** C0 controls but tab and newline (and a carriage return ending a line), DEL and the C1 controls. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const TERMINAL_CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]|\r(?!\n)/g;

/** Text made safe for a terminal: each control character (ESC included) becomes "?". */
export function terminalText(text: string): string {
  return text.replace(TERMINAL_CONTROLS, '?');
}

/**
 * JSON for a terminal or a pipe: JSON.stringify escapes C0 controls but prints DEL and the C1 controls raw;
 * those are escaped too (\u009b), so the JSON parses to the very same value and holds no control character.
 */
export function jsonText(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(
    /[\u007f-\u009f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

export function describeRun(run: RunLog): string {
  const c = run.counts;
  const lines = [
    `${run.reviewId} / ${run.source}: ${run.outcome} (run ${run.runId}, window ${run.window.from} to ${run.window.to}${
      run.durationMs === null ? '' : `, ${(run.durationMs / 1000).toFixed(1)} s`
    })`,
    c.updated === undefined
      ? `  found ${c.found}, fetched ${c.fetched}: ${c.new} new (queued ${c.queued}), ${c.alreadyKnown} already known, ${c.duplicates} duplicates${
          c.deleted ? `, ${c.deleted} deleted in the source` : ''
        }`
      : `  found ${c.found} registrations: ${c.new} new, ${c.updated} updated, ${c.alreadyKnown} unchanged (ongoing studies, not screened)`,
  ];
  if (run.requests) lines.push(`  sent ${describeRequests(run.requests)}`);
  for (const warning of run.warnings) lines.push(`  warning: ${warning}`);
  if (run.error) lines.push(`  error: ${run.error}`);
  return lines.join('\n');
}

export function describeResult(result: SourceRunResult): string {
  switch (result.status) {
    case 'succeeded':
      return describeRun(result.run);
    case 'deferred':
      return `${result.run ? describeRun(result.run) : `${result.reviewId} / ${result.source}: ${result.error}`}\n  deferred: the window is read again on the next run`;
    case 'failed':
      return result.run
        ? describeRun(result.run)
        : `${result.reviewId} / ${result.source}: failed: ${result.error}`;
    case 'not-due':
      return `${result.reviewId} / ${result.source}: not due (last run ${result.lastRunAt}; next ${result.nextDueAt ?? 'never'}; --force runs it now)`;
    case 'skipped':
      return `${result.reviewId} / ${result.source}: skipped: ${result.reason}`;
  }
}

/** A plain text table: columns padded to their widest cell. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
