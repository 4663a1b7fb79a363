// The appraisal view of the screening page in real Chromium, over the local server and the real embedded store:
// two appraisers answer the JBI case-report checklist with the keyboard, blind to each other (the second one's
// page holds nothing of the first one's answers or note), they differ on one item, the arbiter sees that item
// with both answers and settles it on the page; the stored appraisal and kappa are then as worked out by hand.
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appraisalSummary } from '../../shared/app/appraisal.ts';
import { toolForDesign } from '../../shared/domain/protocol/appraisal.ts';
import type { IncludedStudy } from '../../shared/ports/evidence-store.ts';
import { call, citation, type Harness, iesm, startHarness } from '../integration/screening/support.ts';
import { ARTIFACTS, type Chromium, launchChromium } from './chromium.ts';
import { openAs as openPage, textBecomes } from './screening-page.ts';

// The callbacks passed to page.waitForFunction/evaluate run in the page; tsconfig has no DOM lib, so the little
// of the DOM they touch is declared here.
interface PageElement {
  id: string;
  textContent: string | null;
  hidden: boolean;
  className: string;
}
declare const document: {
  getElementById(id: string): PageElement | null;
  activeElement: PageElement | null;
};
declare function getComputedStyle(element: PageElement): { outlineStyle: string };

const TITLE = 'Intradural extramedullary metastasis from renal carcinoma: case 601';
const PP_NOTE = 'pp-private-note: the imaging is only summarised';
const caseReport = toolForDesign(iesm.appraisal!, 'case-report')!;

let h: Harness;
let context: BrowserContext;
let browser: Chromium | undefined;
let studyId: string;
const problems: string[] = [];

const openAs = (reviewer: string, path = '/') => openPage(context, h.server.url, problems, reviewer, path);

/** Presses `key` and waits until the page says the answer to question `number` was recorded. */
async function answerWith(page: Page, key: string, label: string, number: number): Promise<void> {
  await page.keyboard.press(key);
  await textBecomes(page, 'status', `Recorded: ${label} to question ${number}.`);
}

beforeAll(async () => {
  h = await startHarness('e2e-appraisal', [{ reviewId: iesm.id, citation: citation('601') }]);
  studyId = h.ids.get('601')!;
  const study: IncludedStudy = {
    reviewId: iesm.id,
    citationId: studyId,
    includedAt: '2026-01-10T00:00:00.000Z',
    includedBy: 'ash',
    source: 'manual',
    title: TITLE,
    pmid: '601',
    doi: '10.5555/iesm.601',
    year: 2024,
    retracted: false,
    retractedAt: null,
    withdrawn: null,
  };
  await h.screening.evidence.includeStudy(study);
  browser = await launchChromium({ width: 1100, height: 1000 });
  context = browser.context;
});

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

describe('appraisal view in Chromium', () => {
  it('two appraisers answer blind with the keyboard, and the arbiter settles the item they differ on', async () => {
    const items = caseReport.items.map((i) => i.id);
    const diagnostics = items.indexOf('diagnostics') + 1;

    // pp: the Appraisal view from the header; the study's links; the design with a number key.
    const pp = await openAs('pp');
    await pp.waitForSelector('#view-appraise:not([hidden])');
    await pp.click('#view-appraise');
    await textBecomes(pp, 'appraisal-title', TITLE);
    expect(await pp.locator('#view-appraise').getAttribute('aria-pressed')).toBe('true');
    expect(await pp.locator('#screen').isHidden()).toBe(true);
    await pp.waitForSelector('#appraisal-full-text-links a');
    const links = await pp
      .locator('#appraisal-full-text-links a')
      .evaluateAll((as) => as.map((a) => (a as unknown as { href: string }).href));
    expect(links).toEqual(expect.arrayContaining(['https://pubmed.ncbi.nlm.nih.gov/601/']));
    expect(links.some((href) => href.startsWith('https://doi.org/10.5555/iesm.601'))).toBe(true);
    expect(await pp.locator('#appraisal-design-list button').allTextContents()).toEqual([
      '1 Case report',
      '2 Case series',
    ]);
    await pp.keyboard.press('1');
    await textBecomes(pp, 'status', 'Design: Case report. The checklist is JBI checklist for case reports.');
    // Eight items and the level of evidence, each a fieldset whose legend labels its answer buttons.
    expect(await pp.locator('#appraisal-questions > li').count()).toBe(items.length + 1);
    expect(await pp.locator('#appraisal-questions > li').first().locator('legend').textContent()).toBe(
      `1. ${caseReport.items[0]!.text}`,
    );
    expect(await pp.locator('#appraisal-question-0 button').allTextContents()).toEqual([
      '1 Yes',
      '2 No',
      '3 Unclear',
      '4 Not applicable',
    ]);
    expect(await pp.evaluate(() => document.activeElement?.id)).toBe('appraisal-question-0');
    expect(await pp.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle)).toBe('solid');

    // Question 1 with the number key; question 2 with Right (to its first answer) and Enter.
    await answerWith(pp, '1', 'Yes', 1);
    expect(await pp.evaluate(() => document.activeElement?.id)).toBe('appraisal-question-1');
    await pp.keyboard.press('ArrowRight');
    expect(await pp.evaluate(() => document.activeElement?.textContent)).toBe('1 Yes');
    await answerWith(pp, 'Enter', 'Yes', 2);
    // Down and Up move between questions without answering.
    await pp.keyboard.press('ArrowDown');
    expect(await pp.evaluate(() => document.activeElement?.id)).toBe('appraisal-question-3');
    await pp.keyboard.press('ArrowUp');
    expect(await pp.evaluate(() => document.activeElement?.id)).toBe('appraisal-question-2');
    for (let number = 3; number <= items.length; number++) {
      if (number === diagnostics) {
        // pp's answer to the diagnostics item carries a note: typed, then Esc back to the question.
        await pp.fill('#appraisal-note', PP_NOTE);
        await pp.focus('#appraisal-note');
        await pp.keyboard.press('3'); // typed into the note, not an answer
        await pp.keyboard.press('Escape');
        expect(await pp.evaluate(() => document.activeElement?.id)).toBe(`appraisal-question-${number - 1}`);
        await pp.fill('#appraisal-note', PP_NOTE);
        await pp.keyboard.press('Escape');
        await answerWith(pp, '3', 'Unclear', number);
      } else {
        await answerWith(pp, '1', 'Yes', number);
      }
    }
    await pp.screenshot({ path: join(ARTIFACTS, 'appraisal-appraiser.png'), fullPage: true });
    await pp.keyboard.press('4');
    await textBecomes(pp, 'status', `You have answered every question of “${TITLE}”.`);
    await textBecomes(pp, 'appraisal-empty', 'No study awaits your appraisal.');

    // alc: straight to the view (?view=appraise). Blind: the design is set, nothing of pp's answers shows.
    const alc = await openAs('alc', '/?view=appraise');
    await textBecomes(alc, 'appraisal-title', TITLE);
    await alc.waitForSelector('#appraisal-checklist:not([hidden])');
    const blind = await alc.locator('#appraise').innerHTML();
    expect(blind).not.toContain(PP_NOTE);
    expect(blind).not.toMatch(/\bpp\b/);
    expect(await alc.locator('#appraisal-questions .others').count()).toBe(0);
    expect(await alc.locator('#appraisal-questions button[aria-pressed="true"]').count()).toBe(0);
    expect(await alc.locator('#appraisal-summary').textContent()).toBe(
      `0 of ${items.length + 1} answered. Your answers are yours alone until the appraisal settles.`,
    );
    await alc.locator('#appraisal-title').focus();
    for (let number = 1; number <= items.length; number++) await answerWith(alc, '1', 'Yes', number);
    await alc.keyboard.press('4');
    await textBecomes(alc, 'appraisal-empty', 'No study awaits your appraisal.');

    // Both done, one item in conflict: pp goes back (u) and still sees only their own answers.
    await pp.keyboard.press('u');
    await textBecomes(pp, 'status', 'Its answers cannot be changed now.');
    expect(await pp.locator('#appraisal-questions .others').count()).toBe(0);
    expect(await pp.locator('#appraisal-questions .final').count()).toBe(0);
    expect(await pp.locator('#appraise').innerHTML()).not.toMatch(/\balc\b/);
    expect(await pp.locator('#appraisal-questions .mine').allTextContents()).toContain(
      'Your answer: Unclear',
    );

    // ash, the arbiter: only the item in conflict to answer, with both answers (and pp's note now).
    const ash = await openAs('ash', '/?view=appraise');
    await textBecomes(ash, 'appraisal-title', TITLE);
    await textBecomes(ash, 'appraisal-stage', 'Conflict to settle');
    expect(await ash.locator('#appraisal-questions > li').count()).toBe(1);
    expect(await ash.locator('#appraisal-questions legend').textContent()).toBe(
      `${diagnostics}. ${caseReport.items[diagnostics - 1]!.text}`,
    );
    expect(await ash.locator('#appraisal-questions .others').textContent()).toBe(
      `Appraisers: pp: Unclear (“${PP_NOTE}”) · alc: Yes`,
    );
    expect(await ash.locator('#appraisal-agreed-summary').textContent()).toBe(
      `Agreed by both appraisers (${items.length})`,
    );
    await textBecomes(ash, 'progress', 'kappa 0.63 over 9 answers');
    await ash.screenshot({ path: join(ARTIFACTS, 'appraisal-arbiter.png'), fullPage: true });
    await ash.keyboard.press('3');
    await textBecomes(ash, 'status', `The appraisal of “${TITLE}” is settled: overall judgement low.`);
    await textBecomes(ash, 'appraisal-empty', 'No appraisal conflicts await you.');
    await textBecomes(ash, 'progress', '1 settled');

    // The stored appraisal: the arbiter's answer on diagnostics, the agreed ones elsewhere, low risk, level 4.
    const summary = await appraisalSummary(h.screening.appraisal, iesm);
    expect(summary.pending).toEqual([]);
    const settled = summary.settled[0]!;
    expect([settled.studyId, settled.design, settled.judgement, settled.level]).toEqual([
      studyId,
      'case-report',
      'low',
      '4',
    ]);
    expect(settled.answers).toEqual([
      ...items.map((id) =>
        id === 'diagnostics'
          ? { questionId: id, answer: 'unclear', settledBy: 'arbiter' }
          : { questionId: id, answer: 'yes', settledBy: 'agreement' },
      ),
      { questionId: 'level', answer: '4', settledBy: 'agreement' },
    ]);
    const log = await h.screening.appraisal.appraisal.listEvents(iesm.id, studyId);
    expect(log).toHaveLength(1 + 2 * (items.length + 1) + 1);
    // Kappa over the 9 pooled answer pairs, by hand: po = 8/9; alc says yes 8 times and 4 once, pp yes 7
    // times, unclear once, 4 once, so pe = (8·7 + 0·1 + 1·1)/81 = 57/81 and kappa = (72 - 57)/(81 - 57) = 0.625.
    const progress = await call<{ team: { overall: { n: number; kappa: number } } }>(
      h.server,
      'ash',
      `/api/reviews/${iesm.id}/appraisals/progress`,
    );
    expect(progress.body.team.overall.n).toBe(9);
    expect(progress.body.team.overall.kappa).toBeCloseTo(0.625, 12);
    expect(problems).toEqual([]);
  });

  it('offers no appraisal view on a review that declares none, even when asked for', async () => {
    const zed = await openAs('zed', '/?view=appraise');
    await textBecomes(zed, 'review-title', 'Another review');
    await zed.waitForSelector('#screen:not([hidden])');
    expect(await zed.locator('#view-appraise').isHidden()).toBe(true);
    expect(await zed.locator('#appraise').isHidden()).toBe(true);
    expect(problems).toEqual([]);
  });
});
