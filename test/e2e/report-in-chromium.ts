// What the digest and report browser tests share: the report harness (the embedded store behind the digest and
// report use cases, test/integration/report/harness.ts) and a Chromium, opened before a file's tests and closed
// after them; the hostile title they plant in a citation; and the check that nothing in it ran.
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { importPatientRows } from '../../shared/app/import-patient-rows.ts';
import { publishReport } from '../../shared/app/publish-report.ts';
import type { Protocol } from '../../shared/domain/protocol/protocol.ts';
import { type Harness, openHarness } from '../integration/report/harness.ts';
import { type Chromium, launchChromium } from './chromium.ts';

// The callbacks passed to page.evaluate run in the page; tsconfig has no DOM lib, so the little of the DOM they
// touch is declared here.
declare const document: { querySelectorAll(selector: string): { length: number } };
declare const window: { __pwned?: boolean };

/** A citation title that would set window.__pwned if the page ran it, followed by `rest`. */
export function hostileTitle(rest: string): string {
  return `<script>window.__pwned = true</script><img src=x onerror="window.__pwned = true"> ${rest}`;
}

export interface ReportInChromium {
  /** The harness of review `reviewId` (set once beforeAll has run). */
  readonly h: Harness;
  /** The browser context pages are opened in (set once beforeAll has run). */
  readonly context: BrowserContext;
}

/** Opens the harness and Chromium in beforeAll and closes both in afterAll of the calling test file. */
export function reportInChromium(
  reviewId: string,
  viewport: { width: number; height: number },
): ReportInChromium {
  let h: Harness | undefined;
  let browser: Chromium | undefined;

  beforeAll(async () => {
    h = await openHarness(reviewId);
    browser = await launchChromium(viewport);
  });

  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  return {
    get h() {
      if (!h) throw new Error('the harness is opened in beforeAll');
      return h;
    },
    get context() {
      if (!browser) throw new Error('Chromium is launched in beforeAll');
      return browser.context;
    },
  };
}

/** The hostile title was shown as text: its script did not run and it left no script or img element. */
export async function expectNothingRan(page: Page): Promise<void> {
  expect(await page.evaluate(() => window.__pwned)).toBeUndefined();
  expect(await page.evaluate(() => document.querySelectorAll('script, img').length)).toBe(0);
}

/**
 * Each Kaplan-Meier plot is readable: its probability axis names the endpoint (never a generic "Survival
 * probability"), and its legend sits outside the plot area, covering no curve, band or censor mark.
 */
export async function expectPlotsReadable(
  page: Page,
  ids: readonly string[],
  probabilityLabels: Readonly<Record<string, string>>,
): Promise<void> {
  for (const id of ids) {
    const figure = page.locator(`[id="km-${id}"]`);
    expect(await figure.locator('svg').count(), id).toBe(1);
    const yLabel = (await figure.locator('.km-y-label').textContent()) ?? '';
    expect(yLabel, id).not.toBe('Survival probability');
    if (probabilityLabels[id]) expect(yLabel, id).toBe(probabilityLabels[id]);
    const legend = (await figure.locator('.km-legend').boundingBox())!;
    const drawn = [
      ...(await figure.locator('.km-curve').all()),
      ...(await figure.locator('.km-band').all()),
      ...(await figure.locator('.km-censor').all()),
    ];
    expect(drawn.length, id).toBeGreaterThan(0);
    for (const element of drawn) {
      const box = (await element.boundingBox())!;
      const overlaps =
        box.x < legend.x + legend.width &&
        legend.x < box.x + box.width &&
        box.y < legend.y + legend.height &&
        legend.y < box.y + box.height;
      expect(overlaps, `${id}: the legend covers a curve`).toBe(false);
    }
  }
}

/** Imports a review's patient rows into the harness (creating their studies) and publishes its report. */
export async function importAndPublish(
  h: Harness,
  protocol: Protocol,
  rows: { text: string; format: 'csv' | 'json'; defaultStudyId?: string },
): Promise<void> {
  await importPatientRows(
    {
      protocol,
      text: rows.text,
      format: rows.format,
      origin: `${protocol.id}-patients`,
      createStudies: { by: 'e2e' },
      ...(rows.defaultStudyId ? { defaultStudyId: rows.defaultStudyId } : {}),
    },
    { evidence: h.evidence, citations: h.citations, clock: h.clock },
  );
  const report = await publishReport(
    { protocol },
    {
      evidence: h.evidence,
      citations: h.citations,
      screening: h.screening,
      digests: h.digests,
      publisher: h.publisher,
      events: h.events,
      clock: h.clock,
    },
  );
  expect(report.status).toBe('published');
}
