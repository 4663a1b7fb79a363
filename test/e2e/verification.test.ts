// The verification view of the screening page in real Chromium, over the local server and the real embedded
// store: the extractor (pp) imports two rows; verifier alc confirms one and flags a field of the other with the
// keyboard; verifier ash's page holds nothing of alc's verdicts; ash confirms both; the extractor accepts the
// flag on the page. The stored events, the corrected row and the statistics' verification counts follow.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importPatientRows } from '../../shared/app/import-patient-rows.ts';
import { recomputeStatistics } from '../../shared/app/recompute-statistics.ts';
import type { Protocol } from '../../shared/domain/protocol/protocol.ts';
import type { IncludedStudy } from '../../shared/ports/evidence-store.ts';
import { citation, type Harness, iesm, startHarness } from '../integration/screening/support.ts';
import { ARTIFACTS, type Chromium, launchChromium } from './chromium.ts';
import { openAs as openPage, textBecomes } from './screening-page.ts';

// The callbacks passed to page.waitForFunction/evaluate run in the page; tsconfig has no DOM lib, so the little
// of the DOM they touch is declared here.
interface PageElement {
  id: string;
  textContent: string | null;
}
declare const document: {
  getElementById(id: string): PageElement | null;
  activeElement: PageElement | null;
};
declare function getComputedStyle(element: PageElement): { outlineStyle: string };

const TITLE = 'Intradural extramedullary metastasis: two patients';
const ALC_NOTE = 'alc-private-note: Table 1 gives 66 years';
const cohort = JSON.parse(
  readFileSync(
    join(import.meta.dirname, '..', 'fixtures', 'reference', 'iesm-synthetic-cohort.json'),
    'utf8',
  ),
) as Array<Record<string, unknown>>;
/** The shipped IESM protocol pools every row; this one pools verified rows only (the default). */
const verifiedOnly: Protocol = {
  ...iesm,
  verification: { ...iesm.verification!, statistics: 'verified-only' },
};

let h: Harness;
let context: BrowserContext;
let browser: Chromium | undefined;
let studyId: string;
const problems: string[] = [];

const openAs = (reviewer: string, path = '/') => openPage(context, h.server.url, problems, reviewer, path);

const focused = (page: Page) => page.evaluate(() => document.activeElement?.id);

const counts = async (protocol: Protocol) =>
  (await recomputeStatistics({ protocol }, { evidence: h.screening.evidence, clock: () => new Date() }))
    .snapshot!.verification;

beforeAll(async () => {
  h = await startHarness('e2e-verification', [{ reviewId: iesm.id, citation: citation('701') }]);
  studyId = h.ids.get('701')!;
  const study: IncludedStudy = {
    reviewId: iesm.id,
    citationId: studyId,
    includedAt: '2026-01-10T00:00:00.000Z',
    includedBy: 'ash',
    source: 'manual',
    title: TITLE,
    pmid: '701',
    doi: null,
    year: 2024,
    retracted: false,
    retractedAt: null,
    withdrawn: null,
  };
  await h.screening.evidence.includeStudy(study);
  const imported = await importPatientRows(
    {
      protocol: iesm,
      text: JSON.stringify(cohort.slice(0, 2).map((p) => ({ ...p, studyId }))),
      format: 'json',
      origin: 'study-701.json',
      extractor: 'pp',
    },
    { evidence: h.screening.evidence, clock: () => new Date() },
  );
  expect(imported.extraction).toEqual({ extractor: 'pp', recorded: 2 });
  browser = await launchChromium({ width: 1100, height: 1000 });
  context = browser.context;
});

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

describe('verification view in Chromium', () => {
  it('verifiers confirm and flag blind with the keyboard, and the extractor accepts the flag', async () => {
    expect(cohort[1]!.age_years).toBe(65);

    // alc: the Verification view from the header; both rows wait, the first is shown with its values.
    const alc = await openAs('alc');
    await alc.waitForSelector('#view-verify:not([hidden])');
    await alc.click('#view-verify');
    await textBecomes(alc, 'verification-row-title', 'Patient SYN-001');
    expect(await alc.locator('#view-verify').getAttribute('aria-pressed')).toBe('true');
    expect(await alc.locator('#screen').isHidden()).toBe(true);
    expect(await alc.locator('#verification-list button').allTextContents()).toEqual([
      `${TITLE} · patient SYN-001 (to verify)`,
      `${TITLE} · patient SYN-002 (to verify)`,
    ]);
    expect(await alc.locator('#verification-values tr[data-field="age_years"] td').textContent()).toBe('64');
    expect(
      await alc.locator('#verification-values tr[data-field="systemic_metastasis_sites"] td').textContent(),
    ).toBe('["liver"]');
    expect(await focused(alc)).toBe('verification-row-title');
    expect(await alc.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle)).toBe('solid');

    // c confirms SYN-001; SYN-002 follows.
    await alc.keyboard.press('c');
    await textBecomes(alc, 'status', 'Confirmed row SYN-001.');
    await textBecomes(alc, 'verification-row-title', 'Patient SYN-002');
    expect(await alc.locator('#verification-list button').count()).toBe(1);

    // f opens the flag form with the field picker in focus; keys typed there do not act; Esc leaves it.
    await alc.keyboard.press('f');
    expect(await focused(alc)).toBe('verification-flag-field');
    await alc.keyboard.press('Escape');
    expect(await alc.locator('#verification-flag-form').isHidden()).toBe(true);
    expect(await focused(alc)).toBe('verification-row-title');
    await alc.keyboard.press('f');
    await alc.selectOption('#verification-flag-field', 'age_years');
    await alc.keyboard.press('Tab');
    expect(await focused(alc)).toBe('verification-flag-value');
    await alc.keyboard.type('66');
    await alc.keyboard.press('Tab');
    expect(await focused(alc)).toBe('verification-flag-note');
    await alc.keyboard.type(ALC_NOTE);
    await alc.keyboard.press('Tab');
    expect(await focused(alc)).toBe('verification-flag-submit');
    await alc.screenshot({ path: join(ARTIFACTS, 'verification-flag.png'), fullPage: true });
    await alc.keyboard.press('Enter');
    await textBecomes(alc, 'status', 'Flagged age_years of row SYN-002: you propose 66.');
    await alc.waitForSelector('#verification-empty:not([hidden])');
    await textBecomes(alc, 'progress', 'verification: 0 row(s) to verify, 0 to resolve');

    // ash, the other verifier, straight to the view: both rows wait, nothing of alc's verdicts shows.
    const ash = await openAs('ash', '/?view=verify');
    await textBecomes(ash, 'verification-row-title', 'Patient SYN-001');
    expect(await ash.locator('#verification-list button').count()).toBe(2);
    for (const patient of ['SYN-001', 'SYN-002']) {
      if (patient === 'SYN-002') {
        await ash.keyboard.press('ArrowDown');
        await textBecomes(ash, 'verification-row-title', 'Patient SYN-002');
      }
      const blind = await ash.locator('#verify').innerHTML();
      expect(blind).not.toContain('alc-private-note');
      expect(blind).not.toMatch(/\balc\b/);
      expect(blind).not.toContain('66');
      expect(await ash.locator('#verification-mine').isHidden()).toBe(true);
      expect(await ash.locator('#verification-resolve').isHidden()).toBe(true);
      expect(await ash.locator('#verification-row-stage').textContent()).toMatch(/^To verify/);
    }
    expect(await ash.locator('#progress').textContent()).toBe(
      'verification: 2 row(s) to verify, 0 to resolve',
    );
    await ash.keyboard.press('ArrowUp');
    await textBecomes(ash, 'verification-row-title', 'Patient SYN-001');
    await ash.keyboard.press('c');
    await textBecomes(ash, 'status', 'Confirmed row SYN-001.');
    await textBecomes(ash, 'verification-row-title', 'Patient SYN-002');
    await ash.keyboard.press('c');
    await textBecomes(ash, 'status', 'Confirmed row SYN-002.');
    await textBecomes(ash, 'progress', 'verification: 0 row(s) to verify, 0 to resolve');
    // Nothing says SYN-002 is disputed on ash's page: no row, no count.
    expect(await ash.locator('#verify').innerHTML()).not.toMatch(/disputed|alc-private-note/i);

    // Disputed: the flag moves no statistic yet (the extracted 65 counts, and the row is not verified).
    expect(await counts(verifiedOnly)).toMatchObject({ rows: 2, verified: 1, disputed: 1, unverified: 0 });

    // pp, the extractor: the disputed row with alc's proposal and note; Accept with the keyboard.
    const pp = await openAs('pp', '/?view=verify');
    await textBecomes(pp, 'verification-row-title', 'Patient SYN-002');
    expect(await pp.locator('#verification-list button').allTextContents()).toEqual([
      `${TITLE} · patient SYN-002 (to resolve)`,
    ]);
    expect(await pp.locator('#verification-verify-actions').isHidden()).toBe(true);
    expect(await pp.locator('#verification-flags legend').allTextContents()).toEqual([
      'age_years: extracted 65',
    ]);
    expect(await pp.locator('#verification-flags p').textContent()).toBe(
      `alc proposes 66: “${ALC_NOTE}” Accept 66`,
    );
    await pp.screenshot({ path: join(ARTIFACTS, 'verification-resolve.png'), fullPage: true });
    await pp.locator('#verification-flags button[data-decision="accept"]').focus();
    await pp.keyboard.press('Enter');
    await textBecomes(pp, 'status', 'Accepted 66 for age_years of row SYN-002. The row is verified.');
    await pp.waitForSelector('#verification-empty:not([hidden])');
    await textBecomes(pp, 'progress', 'verification: 0 row(s) to verify, 0 to resolve');

    // The store: every step an event, the corrected row, and the statistics' counts.
    const log = await h.screening.evidence.verification.listEvents(iesm.id, studyId);
    expect(log.map((e) => [e.type, e.reviewerId])).toEqual([
      ['extracted', 'pp'],
      ['confirmed', 'alc'],
      ['flagged', 'alc'],
      ['confirmed', 'ash'],
      ['confirmed', 'ash'],
      ['resolved', 'pp'],
    ]);
    const flagged = log[2]!;
    expect(flagged.type === 'flagged' && flagged.fields).toEqual([
      { field: 'age_years', proposed: 66, note: ALC_NOTE },
    ]);
    const rows = await h.screening.evidence.listPatientRows(iesm.id);
    expect(rows.map((r) => [r.row.patientId, r.row.age_years])).toEqual([
      ['SYN-001', 64],
      ['SYN-002', 66],
    ]);
    expect(await counts(verifiedOnly)).toMatchObject({ rows: 2, verified: 2, disputed: 0, unverified: 0 });
    expect(problems).toEqual([]);
  });

  it('offers no verification view on a review that declares none, even when asked for', async () => {
    const zed = await openAs('zed', '/?view=verify');
    await textBecomes(zed, 'review-title', 'Another review');
    await zed.waitForSelector('#screen:not([hidden])');
    expect(await zed.locator('#view-verify').isHidden()).toBe(true);
    expect(await zed.locator('#verify').isHidden()).toBe(true);
    expect(problems).toEqual([]);
  });
});
