// `appraise` in the terminal: in process (line by line) and as a real process over the same data directory.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appraiseInTerminal } from '../../../cli/commands/appraise.ts';
import { runLivingReview } from '../../support/cli-binary.ts';
import { citation, type Harness, iesm, startHarness } from '../screening/support.ts';

let h: Harness;
const id = (pmid: string) => h.ids.get(pmid)!;

async function* linesOf(answers: string[]): AsyncGenerator<string> {
  for (const answer of answers) yield answer;
}

beforeAll(async () => {
  h = await startHarness('appraise-cli', [{ reviewId: iesm.id, citation: citation('401') }]);
  await h.screening.evidence.includeStudy({
    reviewId: iesm.id,
    citationId: id('401'),
    includedAt: '2026-01-10T00:00:00.000Z',
    includedBy: 'ash',
    source: 'manual',
    title: 'Study 401',
    pmid: '401',
    doi: null,
    year: 2024,
    retracted: false,
    retractedAt: null,
    withdrawn: null,
  });
});

afterAll(async () => {
  await h?.close();
});

describe('appraise', () => {
  it('takes the design and every answer line by line, by number or id, then the other appraiser and the arbiter', async () => {
    const output: string[] = [];
    // Design 1 (case report); 8 items: "yes" by id, by number, a wrong answer re-asked; level 4.
    const answers = ['1', 'yes', '1', 'maybe', '1', '1', '1', '1', '1', '2', '4'];
    const result = await appraiseInTerminal({
      deps: h.screening.appraisal,
      protocol: iesm,
      actor: { reviewerId: 'pp' },
      as: 'appraiser',
      lines: linesOf(answers),
      write: (text) => output.push(text),
    });
    expect(result).toEqual({ recorded: 10, skipped: 0, quit: false });
    const text = output.join('\n');
    expect(text).toContain('study design:');
    expect(text).toContain('"maybe" is not one of the answers');
    expect(text).toContain('https://pubmed.ncbi.nlm.nih.gov/401/');
    expect(text).toContain(`recorded your answers to ${id('401')}`);
    expect(output.at(-1)).toBe('No studies await your appraisal.');

    // alc, as a real process: every item "yes", level 4: the "lessons" item (pp: no) is in conflict.
    const alc = await runLivingReview(
      ['appraise', '--review', 'iesm', '--reviewer', 'A.L.C.', '--data', h.dataDir],
      process.env,
      `${['1', '1', '1', '1', '1', '1', '1', '1', '4'].join('\n')}\n`,
    );
    expect(alc.stderr).toContain('9 recorded, 0 skipped');
    expect(alc.code).toBe(0);
    expect(alc.stdout).not.toContain('study design:');

    const arbiter: string[] = [];
    const settled = await appraiseInTerminal({
      deps: h.screening.appraisal,
      protocol: iesm,
      actor: { reviewerId: 'ash' },
      as: 'arbiter',
      lines: linesOf(['2']),
      write: (text) => arbiter.push(text),
    });
    expect(settled).toEqual({ recorded: 1, skipped: 0, quit: false });
    const shown = arbiter.join('\n');
    expect(shown).toContain('Does the report draw lessons a reader can take away?');
    expect(shown).toContain('  pp: no');
    expect(shown).toContain('  alc: yes');
    expect(shown).toContain('settled: low · level 4');
  });

  it('refuses a reviewer who does not appraise', async () => {
    const result = await runLivingReview(
      ['appraise', '--review', 'iesm', '--reviewer', 'ash', '--as', 'appraiser', '--data', h.dataDir],
      process.env,
      '',
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('ash is not an appraiser of review "iesm"');
  });
});
