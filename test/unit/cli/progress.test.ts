// The progress line of long commands (cli/progress.ts): what it says, that it is silent outside a terminal,
// that it redraws at most ten times a second yet always draws the last step, and that output clears it.
import { describe, expect, it } from 'vitest';
import type { CommandOutput } from '../../../cli/command.ts';
import { clearProgressLine, formatDuration, progressText, startProgress } from '../../../cli/progress.ts';

function terminal(interactive = true) {
  const drawn: string[] = [];
  let clock = 0;
  const io: CommandOutput = { out() {}, err() {}, interactive };
  return {
    io,
    drawn,
    tick: (ms: number) => {
      clock += ms;
    },
    options: { write: (text: string) => void drawn.push(text), now: () => clock, columns: () => 200 },
  };
}

describe('progressText', () => {
  it('says done of total, the share, the rate and the time left once the pace is known', () => {
    expect(progressText('importing a.ris', 'records', 0, 500, 0)).toBe(
      'importing a.ris: 0 of 500 records (0%)',
    );
    expect(progressText('importing a.ris', 'records', 1234, 10_000, 20_000)).toBe(
      'importing a.ris: 1,234 of 10,000 records (12%), 62/s, about 2 min 22 s left',
    );
    expect(progressText('importing', 'records', 10_000, 10_000, 400_000)).toBe(
      'importing: 10,000 of 10,000 records (100%), 25/s',
    );
  });

  it('counts without a total when the total is unknown, and gives slow rates a decimal', () => {
    expect(progressText('recomputing', 'items read', 7, null, 2000)).toBe('recomputing: 7 items read, 3.5/s');
    expect(progressText('searching', 'records', 0, 0, 5000)).toBe('searching: 0 of 0 records');
  });

  it('formats durations in seconds, minutes and hours', () => {
    expect(formatDuration(44_600)).toBe('45 s');
    expect(formatDuration(192_000)).toBe('3 min 12 s');
    expect(formatDuration(7_500_000)).toBe('2 h 05 min');
  });
});

describe('startProgress', () => {
  it('draws nothing when stderr is not a terminal (a pipe, a log file, CI)', () => {
    const t = terminal(false);
    const progress = startProgress(t.io, 'importing', t.options);
    progress.update(1, 10);
    progress.clear();
    expect(t.drawn).toEqual([]);
  });

  it('redraws at most every 100 ms, but always the last step, and clears its line', () => {
    const t = terminal();
    const progress = startProgress(t.io, 'importing', t.options);
    progress.update(1, 3);
    t.tick(50);
    progress.update(2, 3);
    t.tick(10);
    progress.update(3, 3);
    expect(t.drawn).toEqual([
      '\r\x1b[2Kimporting: 1 of 3 records (33%)',
      '\r\x1b[2Kimporting: 3 of 3 records (100%)',
    ]);
    progress.clear();
    progress.clear();
    expect(t.drawn.at(-1)).toBe('\r\x1b[2K');
    expect(t.drawn).toHaveLength(3);
  });

  it('starts the count and the clock again at a new phase', () => {
    const t = terminal();
    const progress = startProgress(t.io, 'searching', t.options);
    t.tick(5000);
    progress.update(100, 200);
    progress.phase('searching 2024-01-01..2024-01-08', 'records');
    progress.update(1, 4);
    expect(t.drawn).toEqual([
      '\r\x1b[2Ksearching: 100 of 200 records (50%), 20/s, about 5 s left',
      '\r\x1b[2Ksearching 2024-01-01..2024-01-08: 1 of 4 records (25%)',
    ]);
  });

  it('never draws wider than the terminal (a wrapped line cannot be redrawn)', () => {
    const t = terminal();
    const progress = startProgress(t.io, 'x'.repeat(300), { ...t.options, columns: () => 40 });
    progress.update(1, 2);
    expect(t.drawn[0]).toBe(`\r\x1b[2K${'x'.repeat(39)}`);
  });

  it('is cleared before other output, and drawn again by the next step', () => {
    const t = terminal();
    const progress = startProgress(t.io, 'importing', t.options);
    progress.update(1, 10);
    clearProgressLine();
    expect(t.drawn).toEqual(['\r\x1b[2Kimporting: 1 of 10 records (10%)', '\r\x1b[2K']);
    progress.update(2, 10);
    expect(t.drawn.at(-1)).toBe('\r\x1b[2Kimporting: 2 of 10 records (20%)');
    clearProgressLine();
    clearProgressLine();
    expect(t.drawn).toHaveLength(4);
  });
});
