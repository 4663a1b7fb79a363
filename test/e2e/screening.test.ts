import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replay, statusOf } from '../../shared/domain/screening/workflow.ts';
import { citation, type Harness, iesm, startHarness, TOKENS } from '../integration/screening/support.ts';
import { ARTIFACTS, type Chromium, launchChromium } from './chromium.ts';

// The callbacks passed to page.waitForFunction/evaluate run in the page; tsconfig has no DOM lib, so the little
// of the DOM they touch is declared here.
declare const document: {
  getElementById(id: string): { textContent: string | null; hidden: boolean } | null;
  activeElement: { id: string } | null;
};
declare const window: { __pwned?: boolean };

const HOSTILE_TITLE =
  '<script>window.__pwned = true</script><img src=x onerror="window.__pwned = true"> Intradural metastasis';

let h: Harness;
let context: BrowserContext;
let browser: Chromium | undefined;
const problems: string[] = [];

async function openAs(reviewer: string): Promise<Page> {
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`${reviewer}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`${reviewer}: ${error.message}`));
  await page.goto(`${h.server.url}/#token=${TOKENS[reviewer]}`);
  return page;
}

async function titleBecomes(page: Page, text: string): Promise<void> {
  await page.waitForFunction(
    (expected) => document.getElementById('record-title')?.textContent === expected,
    text,
    { timeout: 15_000 },
  );
}

async function statusSays(page: Page, text: string): Promise<void> {
  await page.waitForFunction(
    (expected) => document.getElementById('status')?.textContent?.includes(expected),
    text,
    {
      timeout: 15_000,
    },
  );
}

const title = (pmid: string) => `Intradural extramedullary metastasis from renal carcinoma: case ${pmid}`;

beforeAll(async () => {
  h = await startHarness('e2e', [
    { reviewId: iesm.id, citation: citation('401') },
    { reviewId: iesm.id, citation: citation('402', { title: HOSTILE_TITLE }) },
    { reviewId: iesm.id, citation: citation('403') },
  ]);
  browser = await launchChromium({ width: 1100, height: 900 });
  context = browser.context;
});

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

describe('screening page in Chromium', () => {
  it('lets two screeners screen, shows a script title as text, and lets the arbiter settle the conflict', async () => {
    // Screener pp: include 401, exclude 402 (reason 9), include 403.
    const pp = await openAs('pp');
    await titleBecomes(pp, title('401'));
    expect(await pp.locator('#review-title').textContent()).toBe(iesm.title);
    const marks = await pp.locator('#record-abstract mark').allTextContents();
    expect(marks.map((m) => m.toLowerCase())).toEqual(
      expect.arrayContaining(['intradural', 'extramedullary', 'metastases', 'cauda equina']),
    );
    expect(await pp.evaluate(() => document.activeElement?.id)).toBe('record-title');
    await pp.keyboard.press('i');
    await statusSays(pp, 'Recorded: include');

    await titleBecomes(pp, HOSTILE_TITLE);
    expect(await pp.locator('#record-title script, #record-title img').count()).toBe(0);
    expect(await pp.evaluate(() => window.__pwned)).toBeUndefined();
    await pp.screenshot({ path: join(ARTIFACTS, 'screening-script-title.png'), fullPage: true });
    await pp.keyboard.press('e');
    expect(await pp.locator('#reasons').isVisible()).toBe(true);
    await pp.keyboard.press('9');
    await statusSays(pp, 'Recorded: exclude (Not an intradural extramedullary spinal metastasis)');

    await titleBecomes(pp, title('403'));
    await pp.keyboard.press('i');
    await pp.waitForFunction(() =>
      document.getElementById('empty')?.textContent?.includes('Nothing awaits you'),
    );

    // Screener alc: blind to pp's decisions; agrees on 401 and 402, disagrees on 403 (exclude, reason 6).
    const alc = await openAs('alc');
    await titleBecomes(alc, title('401'));
    expect(await alc.locator('#record-mine').isHidden()).toBe(true);
    expect(await alc.locator('#arbiter-panel').isHidden()).toBe(true);
    await alc.click('button[data-decision="include"]');
    await titleBecomes(alc, HOSTILE_TITLE);
    await alc.keyboard.press('e');
    await alc.keyboard.press('9');
    await titleBecomes(alc, title('403'));
    await alc.keyboard.press('e');
    await alc.keyboard.press('6');
    await statusSays(alc, 'Recorded: exclude (No histological confirmation)');
    // 401 moved to full text: it awaits alc again there.
    await titleBecomes(alc, title('401'));
    expect(await alc.locator('#record-stage').textContent()).toBe('Full text');

    // The arbiter: the conflict on 403 with both decisions; settle it to include.
    const ash = await openAs('ash');
    await ash.waitForSelector('#conflict-list button');
    const conflicts = await ash.locator('#conflict-list button').allTextContents();
    expect(conflicts).toEqual([`Title and abstract: ${title('403')} (2024)`]);
    await ash.click('#conflict-list button');
    await titleBecomes(ash, title('403'));
    const decisions = await ash.locator('#arbiter-decisions li').allTextContents();
    expect(decisions).toEqual([
      'pp (screener): include',
      'alc (screener): exclude (No histological confirmation)',
    ]);
    expect(await ash.locator('button[data-decision="maybe"]').isHidden()).toBe(true);
    await ash.screenshot({ path: join(ARTIFACTS, 'screening-arbiter-conflict.png'), fullPage: true });
    await ash.keyboard.press('i');
    await statusSays(ash, 'The stage is now settled');
    await ash.waitForFunction(() => !document.getElementById('conflicts-empty')?.hidden);

    const statusOfRecord = async (pmid: string) =>
      statusOf(replay(h.ids.get(pmid)!, await h.screening.screening.listEvents(iesm.id, h.ids.get(pmid)!)));
    expect(await statusOfRecord('401')).toBe('full-text-awaiting-first');
    expect(await statusOfRecord('402')).toBe('excluded');
    expect(await statusOfRecord('403')).toBe('full-text-awaiting-first');
    expect(problems).toEqual([]);
  });

  it('asks for a token when there is none, and the progress line is a live region', async () => {
    const page = await context.newPage();
    await page.goto(`${h.server.url}/`);
    await page.waitForSelector('#signin:not([hidden])');
    expect(await page.locator('label[for="token-input"]').textContent()).toBe('Your access token');
    expect(await page.locator('#status').getAttribute('aria-live')).toBe('polite');
    expect(await page.locator('#progress').getAttribute('aria-live')).toBe('polite');
    await page.fill('#token-input', 'lr_wrong-token-000000000000000000');
    await page.press('#token-input', 'Enter');
    await page.waitForFunction(() => document.getElementById('error')?.textContent?.includes('not accepted'));
  });
});
