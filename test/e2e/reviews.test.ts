// Each shipped review's living report and digest in real headless Chromium, computed from its own protocol and
// data: the IESM review from the synthetic cohort, the breast-cancer IPD pool from its data pack. Every number
// on the page is the snapshot's; each endpoint and comparison gets its plot, labelled with the endpoint (the
// breast review has no "overall survival" of IESM and no "local control"); the denominators show where a study
// does not report a variable. Screenshots: test-artifacts/review-<id>-*.png.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { simpleParser } from 'mailparser';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { latestStatistics } from '../../shared/app/recompute-statistics.ts';
import { sendDigest } from '../../shared/app/send-digest.ts';
import type { Protocol } from '../../shared/domain/protocol/protocol.ts';
import type { StatisticsSnapshot } from '../../shared/domain/stats/snapshot.ts';
import { breastProtocol, iesmProtocol } from '../support/protocols.ts';
import { readReferenceText } from '../unit/extraction/reference-fixtures.ts';
import { ARTIFACTS } from './chromium.ts';
import {
  expectPlotsReadable,
  importAndPublish,
  type ReportInChromium,
  reportInChromium,
} from './report-in-chromium.ts';

const iesm = reportInChromium('e2e-review-iesm', { width: 1100, height: 1000 });
const breast = reportInChromium('e2e-review-breast', { width: 1100, height: 1000 });

/** Imports the review's rows (creating its studies), publishes its report and sends its digest. */
async function publishReview(
  e2e: ReportInChromium,
  protocol: Protocol,
  rows: { text: string; format: 'csv' | 'json'; defaultStudyId?: string },
) {
  const { h } = e2e;
  await importAndPublish(h, protocol, rows);
  const digest = await sendDigest(
    { protocol, sendWhenEmpty: true },
    {
      citations: h.citations,
      screening: h.screening,
      evidence: h.evidence,
      digests: h.digests,
      mailer: h.mailer,
      clock: h.clock,
      from: 'digest@example.org',
    },
  );
  expect(digest.status).toBe('sent');
  const snapshot = (await latestStatistics(protocol.id, h))!.snapshot;
  return { snapshot, digestFile: h.mailer.written.at(-1)! };
}

async function openReport(
  e2e: ReportInChromium,
  reviewId: string,
): Promise<{ page: Page; errors: string[] }> {
  const page = await e2e.context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(pathToFileURL(join(e2e.h.dataDir, 'reports', reviewId, 'index.html')).toString());
  return { page, errors };
}

/** Every endpoint and comparison: the page states the snapshot's median and has a plot. */
async function expectSurvivalAsSnapshot(page: Page, snapshot: StatisticsSnapshot) {
  for (const [id, set] of Object.entries(snapshot.survival.curves)) {
    expect(await page.locator(`[id="km-${id}"] svg`).count(), id).toBe(1);
    if (set.by === null) {
      const median = set.groups[0]!.median;
      expect(await page.locator(`[data-km="${id}-median"]`).textContent(), id).toBe(
        median === null ? 'not reached' : String(Number(median.toFixed(2))),
      );
    } else {
      for (const group of set.groups) {
        expect(
          await page.locator(`[data-km="${id}:${group.group}-median"]`).count(),
          `${id} ${group.group}`,
        ).toBe(1);
      }
    }
  }
}

describe('each review rendered from its own protocol', () => {
  it('IESM: Tables I-III, overall survival and local control plots, comparisons, a digest naming them', async () => {
    const protocol = { ...iesmProtocol(), id: 'e2e-review-iesm' };
    const { snapshot, digestFile } = await publishReview(iesm, protocol, {
      text: readReferenceText('iesm-synthetic-cohort.json'),
      format: 'json',
      defaultStudyId: 'synthetic-cohort',
    });
    const { page, errors } = await openReport(iesm, protocol.id);

    expect(await page.locator('table.stats-table').count()).toBe(3);
    await expectSurvivalAsSnapshot(page, snapshot);
    await expectPlotsReadable(page, ['os', 'lc', 'os_by_resection', 'os_by_primary', 'os_by_sex'], {
      os: 'Overall survival',
      lc: 'Local control',
      os_by_resection: 'Overall survival',
    });
    expect(await page.locator('[id="km-lc"] .km-x-label').textContent()).toBe('Time (months)');
    // Adjuvant radiotherapy is not reported for 10 patients: the comparison says so.
    expect(
      await page.locator('#km tr.logrank', { hasText: 'Adjuvant radiotherapy' }).textContent(),
    ).toContain('120 patients (10 not reported');
    expect(errors).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'review-iesm-report.png'), fullPage: true });
    await page.locator('[id="km-lc"]').screenshot({ path: join(ARTIFACTS, 'review-iesm-km-lc.png') });
    await page.close();

    await expectDigest(iesm, digestFile, 'iesm', {
      endpoints: ['Overall survival', 'Local control'],
      patients: '130',
    });
  });

  it('breast-ipd: its own table, recurrence-free and overall survival, comparisons by treatment, size and study', async () => {
    const protocol = breastProtocol();
    const { snapshot, digestFile } = await publishReview(breast, protocol, {
      text: readReferenceText('second-review/breast-ipd-patients.csv'),
      format: 'csv',
    });
    const { page, errors } = await openReport(breast, protocol.id);

    expect(await page.locator('table.stats-table').count()).toBe(1);
    // Chemotherapy: reported by one study only, so its percentage is of 2,982 patients, not 3,668.
    const chemo = snapshot.tables.tables[0]!.sections.flatMap((s) => s.rows).find(
      (r) => r.label === 'Chemotherapy',
    )!;
    expect(await page.locator(`[data-cell="1/${chemo.key}"]`).textContent()).toBe('580/2982 (19.5%)');
    expect(await page.locator('[data-cell="1/median-iqr(age_years)"]').textContent()).toBe(
      '54 (21–90); IQR 45–64',
    );
    await expectSurvivalAsSnapshot(page, snapshot);
    await expectPlotsReadable(
      page,
      ['rfs_overall', 'os_overall', 'rfs_by_hormone_therapy', 'rfs_by_study', 'rfs_by_tumour_size'],
      {
        rfs_overall: 'Recurrence-free survival',
        os_overall: 'Overall survival',
        rfs_by_study: 'Recurrence-free survival',
      },
    );
    // Overall survival pools the one study that reports it, and says how many are left out.
    const os = (await page.locator('#km tr', { hasText: 'Overall survival' }).first().textContent()) ?? '';
    expect(os).toContain('2982');
    expect(os).toContain('686');
    expect(await page.locator('#km').textContent()).not.toContain('Local control');
    // One curve per tumour-size group, labelled as the protocol names the levels.
    const legend = (await page.locator('[id="km-rfs_by_tumour_size"] .km-legend').textContent()) ?? '';
    for (const label of ['≤ 20 mm', '20–50 mm', '> 50 mm']) expect(legend).toContain(label);
    expect(await page.locator('[data-logrank="rfs_by_tumour_size"]').textContent()).toBe('< 0.0001');
    expect(errors).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'review-breast-ipd-report.png'), fullPage: true });
    await page
      .locator('[id="km-rfs_by_tumour_size"]')
      .screenshot({ path: join(ARTIFACTS, 'review-breast-ipd-km-by-size.png') });
    await page.close();

    await expectDigest(breast, digestFile, 'breast-ipd', {
      endpoints: ['Recurrence-free survival', 'Overall survival'],
      patients: '3668',
    });
  });
});

/** The digest's HTML part in Chromium: the review's endpoints by their labels, and nothing of another review. */
async function expectDigest(
  e2e: ReportInChromium,
  file: string,
  name: string,
  expected: { endpoints: string[]; patients: string },
) {
  const mail = await simpleParser(readFileSync(file));
  const page = await e2e.context.newPage();
  await page.route('**/*', (route) => route.abort());
  await page.setContent(mail.html as string, { waitUntil: 'load' });
  expect(await page.locator('[data-digest="patients"]').textContent()).toBe(expected.patients);
  const rows = await page.locator('tr.endpoint td:first-child').allTextContents();
  expect(rows).toEqual(expected.endpoints);
  const text = mail.text ?? '';
  for (const endpoint of expected.endpoints) expect(text).toContain(`${endpoint}: median `);
  await page.screenshot({ path: join(ARTIFACTS, `review-${name}-digest.png`), fullPage: true });
  await page.close();
}
