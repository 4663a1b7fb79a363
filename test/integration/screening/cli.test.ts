// The terminal side of screening: `screen` driven line by line, `status`, the token file, and `serve` as a
// real process (tokens printed once, then only named).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ARBITER_MAYBE_REFUSED,
  ARBITER_PROMPT,
  END_PROMPT,
  PROMPT,
  screenInTerminal,
} from '../../../cli/commands/screen.ts';
import { formatStatus } from '../../../cli/commands/status.ts';
import { terminalText } from '../../../cli/format.ts';
import { ensureTokens, tokenVerifier } from '../../../cli/serve/tokens.ts';
import { statusDepsOver } from '../../../cli/serve/wiring.ts';
import { statusReport } from '../../../shared/app/screening.ts';
import { replay } from '../../../shared/domain/screening/workflow.ts';
import { citation, type Harness, iesm, startHarness } from './support.ts';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = join(REPO, 'cli', 'living-review.js');

let h: Harness;

beforeAll(async () => {
  h = await startHarness('cli', [
    {
      reviewId: iesm.id,
      citation: citation('301', { title: 'Drop metastasis \u001b[2J\u001b[31mto the cauda equina' }),
    },
    { reviewId: iesm.id, citation: citation('302') },
    { reviewId: iesm.id, citation: citation('303') },
  ]);
});

afterAll(async () => {
  await h?.close();
});

async function* linesOf(answers: string[]): AsyncGenerator<string> {
  for (const answer of answers) yield answer;
}

function runCli(
  args: string[],
  stdin: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

describe('Function: screenInTerminal', () => {
  it('shows each record, takes i/e/m/s/q line by line and asks an exclusion reason by number', async () => {
    const output: string[] = [];
    const result = await screenInTerminal({
      deps: h.screening.deps,
      protocol: iesm,
      actor: { reviewerId: 'pp' },
      as: 'screener',
      lines: linesOf(['i', 'x', 'e', '99', '9', 's']),
      write: (text) => output.push(text),
    });
    expect(result).toEqual({ decided: 2, skipped: 1, quit: false });
    expect(output.slice(-2)).toEqual(['Nothing awaits you.', END_PROMPT]);
    const text = output.join('\n');
    expect(text).toContain(PROMPT);
    expect(text).toContain('"x": answer i, e, m, s, u or q');
    expect(text).toContain('  9. Not an intradural extramedullary spinal metastasis');
    expect(text).toContain('"99" is not a reason number');
    expect(text).toContain('recorded: exclude (not-iesm)');
    // The escape sequences in record 301's title are shown as "?", never sent to the terminal.
    expect(text).not.toContain('\u001b');
    expect(text).toContain('Drop metastasis ?[2J?[31mto the cauda equina');
    expect(text).toContain('BACKGROUND: Intradural extramedullary metastases are rare.');
    const events = await h.screening.screening.listEvents(iesm.id, h.ids.get('301')!);
    expect(events.map((e) => (e.type === 'decision' ? e.decision : e.type))).toEqual(['include']);
  });

  it('stops on q, leaving the record undecided', async () => {
    const output: string[] = [];
    const result = await screenInTerminal({
      deps: h.screening.deps,
      protocol: iesm,
      actor: { reviewerId: 'pp' },
      as: 'screener',
      lines: linesOf(['q', 'i']),
      write: (text) => output.push(text),
    });
    expect(result).toEqual({ decided: 0, skipped: 0, quit: true });
    expect(output.join('\n')).toContain(h.ids.get('303'));
    expect(await h.screening.screening.listEvents(iesm.id, h.ids.get('303')!)).toEqual([]);
  });

  it('ends when nothing awaits the reviewer', async () => {
    const output: string[] = [];
    const result = await screenInTerminal({
      deps: h.screening.deps,
      protocol: iesm,
      actor: { reviewerId: 'ash' },
      as: 'arbiter',
      lines: linesOf([]),
      write: (text) => output.push(text),
    });
    expect(result).toEqual({ decided: 0, skipped: 0, quit: false });
    expect(output).toEqual(['No conflicts await you.']);
  });

  it('replaces control characters for the terminal (tabs and newlines stay)', () => {
    expect(terminalText('a\u0007b\u001bc\u009bd\te\nf')).toBe('a?b?c?d\te\nf');
  });
});

describe('living-review screen and status (processes)', () => {
  it('screens from piped stdin and reports counts, kappa and conflicts', async () => {
    // alc: 301 exclude (pp included it: a conflict), 302 exclude with pp's reason (settled), 303 maybe.
    const screen = await runCli(
      ['screen', '--review', 'iesm', '--reviewer', 'alc', '--data', h.dataDir],
      'e\n9\ne\n9\nm\n',
    );
    expect(screen.code).toBe(0);
    expect(screen.stderr).toContain('3 decided, 0 skipped');
    expect(screen.stdout).toContain('stage settled');

    const report = await statusReport(statusDepsOver(h.screening, h.screening.embedded, iesm), iesm);
    expect(report.stages[0]).toMatchObject({
      awaitingFirst: 0,
      awaitingSecond: 1,
      inConflict: 1,
      settled: 1,
    });
    expect(report.conflictDetails.map((c) => c.citationId)).toEqual([h.ids.get('301')]);
    // Pairs (alc, pp): 301 (exclude, include), 302 (exclude, exclude): po = 1/2; alc exclude 2/2, pp include
    // 1/2 and exclude 1/2: pe = 1 * 1/2 = 1/2; kappa = 0.
    expect(report.agreement[0]).toMatchObject({
      n: 2,
      observedAgreement: 0.5,
      expectedAgreement: 0.5,
      kappa: 0,
    });

    const status = await runCli(['status', '--review', 'iesm', '--data', h.dataDir], '');
    expect(status.code).toBe(0);
    expect(status.stdout).toBe(`${formatStatus(report)}\n`);
    expect(status.stdout).toContain('alc vs pp: kappa 0.00 over 2 records');
    expect(status.stdout).not.toContain('\u001b');

    const json = await runCli(['status', '--review', 'iesm', '--format', 'json', '--data', h.dataDir], '');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual(JSON.parse(JSON.stringify(report)));
  });

  it('refuses a reviewer the review does not list', async () => {
    const result = await runCli(['screen', '--review', 'iesm', '--reviewer', 'zed', '--data', h.dataDir], '');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('lists no reviewer "zed"');
  });
});

// After the processes above: 301 in conflict (pp include, alc exclude), 302 excluded by agreement, 303 waiting
// for pp after alc's "maybe".
describe('changing decisions in the terminal', () => {
  it('undoes with u: back to the record decided last, whose new decision replaces the old one', async () => {
    const output: string[] = [];
    const result = await screenInTerminal({
      deps: h.screening.deps,
      protocol: iesm,
      actor: { reviewerId: 'pp' },
      as: 'screener',
      lines: linesOf(['i', 'u', 'e', '9', 'u', 'u', 'i']),
      write: (text) => output.push(text),
    });
    expect(result).toEqual({ decided: 3, skipped: 0, quit: false });
    const text = output.join('\n');
    expect(text).toContain(`changing your decision · ${h.ids.get('303')}`);
    expect(text).toContain('your current decision: include');
    expect(text).toContain('nothing to undo in this session');
    const events = await h.screening.screening.listEvents(iesm.id, h.ids.get('303')!);
    expect(events.map((e) => (e.type === 'decision' ? `${e.reviewerId}:${e.decision}` : e.type))).toEqual([
      'alc:maybe',
      'pp:include',
      'pp:exclude',
      'pp:include',
    ]);
  });

  it('opens a record given by --record; a change on a settled stage goes to the arbiter', async () => {
    const output: string[] = [];
    const result = await screenInTerminal({
      deps: h.screening.deps,
      protocol: iesm,
      actor: { reviewerId: 'pp' },
      as: 'screener',
      record: h.ids.get('302')!,
      lines: linesOf(['i', 'q']),
      write: (text) => output.push(text),
    });
    expect(result.decided).toBe(1);
    const text = output.join('\n');
    expect(text).toContain(`changing your decision · ${h.ids.get('302')}`);
    expect(text).toContain('this stage has settled: a new decision goes to the arbiter');
    expect(text).toContain('recorded: include · sent to the arbiter (the stage had settled)');
    const state = replay(
      h.ids.get('302')!,
      await h.screening.screening.listEvents(iesm.id, h.ids.get('302')!),
    );
    expect(state.stages[0]).toMatchObject({ phase: 'reopened', result: { decision: 'exclude' } });
  });

  it('never offers an arbiter "maybe", and refuses an m with the reason, keeping the conflict on screen', async () => {
    const output: string[] = [];
    const result = await screenInTerminal({
      deps: h.screening.deps,
      protocol: iesm,
      actor: { reviewerId: 'ash' },
      as: 'arbiter',
      lines: linesOf(['m', 'q']),
      write: (text) => output.push(text),
    });
    expect(result).toEqual({ decided: 0, skipped: 0, quit: true });
    expect(output).toContain(ARBITER_PROMPT);
    expect(output).not.toContain(PROMPT);
    expect(ARBITER_PROMPT).not.toContain('maybe');
    expect(output).toContain(ARBITER_MAYBE_REFUSED);
    const text = output.join('\n');
    expect(text).not.toContain('not recorded');
    expect(text).not.toContain('No conflicts await you');
    // The refused answer left the arbiter on the same conflict, asked again.
    expect(output.filter((line) => line === ARBITER_PROMPT)).toHaveLength(2);
    expect(text).toContain(`(conflict to settle) · ${h.ids.get('301')}`);
  });

  it("lists a reviewer's decisions with living-review decisions, filtered, as the reviewer may see them", async () => {
    // Three reads of one store: run as three processes at once (each starts a CLI; in turn they outlast a test).
    const [all, table, bad] = await Promise.all([
      runCli(
        ['decisions', '--review', 'iesm', '--reviewer', 'pp', '--data', h.dataDir, '--format', 'json'],
        '',
      ),
      runCli(
        [
          'decisions',
          '--review',
          'iesm',
          '--reviewer',
          'P.P.',
          '--data',
          h.dataDir,
          '--decision',
          'include',
          '--search',
          'case 302',
        ],
        '',
      ),
      runCli(
        ['decisions', '--review', 'iesm', '--reviewer', 'pp', '--data', h.dataDir, '--reason', 'nope'],
        '',
      ),
    ]);
    expect(all.code, all.stderr).toBe(0);
    const rows = JSON.parse(all.stdout) as Array<{
      citationId: string;
      decision: string;
      stageView: { decisions: unknown };
    }>;
    expect(rows.map((r) => r.citationId).sort()).toEqual(
      ['301', '302', '303'].map((p) => h.ids.get(p)!).sort(),
    );
    // 301 is in conflict: alc's decision is not shown to pp (302's settled stage shows both).
    const conflict = rows.find((r) => r.citationId === h.ids.get('301'))!;
    expect(conflict.stageView.decisions).toBeNull();
    expect(JSON.stringify(conflict)).not.toContain('"alc"');
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain('settled, back with the arbiter');
    expect(table.stdout).toContain(h.ids.get('302'));
    expect(table.stdout).not.toContain(h.ids.get('303'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('no exclusion reason "nope"');
  });
});

describe('tokens', () => {
  it('creates the file with mode 0600, keeps tokens across starts and adds only new reviewers', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lr-tokens-'));
    try {
      const file = join(dir, 'tokens.json');
      const first = ensureTokens(file, ['pp', 'alc']);
      expect(first.created).toEqual(['pp', 'alc']);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(first.tokens.pp).toMatch(/^lr_[A-Za-z0-9_-]{43}$/);
      expect(first.tokens.pp).not.toBe(first.tokens.alc);
      const second = ensureTokens(file, ['pp', 'alc', 'ash']);
      expect(second.created).toEqual(['ash']);
      expect(second.tokens.pp).toBe(first.tokens.pp);
      expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(second.tokens);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const verify = tokenVerifier(second.tokens);
      expect(verify(second.tokens.ash!)).toBe('ash');
      expect(verify(`${second.tokens.ash}x`)).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('living-review serve (process)', () => {
  function startServe(dataDir: string): Promise<{ child: ChildProcess; stdout: () => string; url: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [CLI, 'serve', '--review', 'iesm', '--port', '0', '--data', dataDir],
        {
          cwd: REPO,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => {
        stdout += c;
      });
      child.stderr.setEncoding('utf8').on('data', (c: string) => {
        stderr += c;
        const url = /at (http:\/\/127\.0\.0\.1:\d+)\//.exec(stderr)?.[1];
        if (url && stderr.includes('Ctrl-C')) resolve({ child, stdout: () => stdout, url });
      });
      child.on('error', reject);
      child.on('close', (code) => reject(new Error(`serve exited early (${code}): ${stderr}`)));
    });
  }

  async function stop(child: ChildProcess): Promise<number | null> {
    const closed = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    return closed;
  }

  it('prints each reviewer a token link on first start only, and the tokens work', async () => {
    const first = await startServe(h.dataDir);
    // stdout and stderr are separate pipes: the links may arrive after the "Ctrl-C" line.
    for (let i = 0; i < 100 && first.stdout().trim().split('\n').length < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const links = first.stdout().trim().split('\n');
    expect(links.map((l) => l.trim().split(':')[0])).toEqual(['pp', 'alc', 'ash']);
    const token = /#token=(\S+)$/.exec(links[1]!)?.[1];
    const me = await fetch(`${first.url}/api/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(await me.json()).toMatchObject({ reviewerId: 'alc' });
    expect((await fetch(`${first.url}/api/me`)).status).toBe(401);
    expect(await stop(first.child)).toBe(0);
    expect(statSync(join(h.dataDir, 'tokens.json')).mode & 0o777).toBe(0o600);

    const second = await startServe(h.dataDir);
    expect(second.stdout()).toBe('');
    const again = await fetch(`${second.url}/api/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(again.status).toBe(200);
    expect(await stop(second.child)).toBe(0);
  });
});
