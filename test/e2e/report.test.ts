import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { publishReport } from '../../shared/app/publish-report.ts';
import { latestStatistics } from '../../shared/app/recompute-statistics.ts';
import { timeAxis } from '../../shared/domain/report/km-plot.ts';
import {
  decide,
  include,
  protocolFor,
  putPatients,
  recompute,
  recordCitations,
  saveRun,
  studyCitation,
} from '../integration/report/harness.ts';
import { ARTIFACTS } from './chromium.ts';
import {
  expectNothingRan,
  expectPlotsReadable,
  hostileTitle,
  reportInChromium,
} from './report-in-chromium.ts';

const HOSTILE = hostileTitle('Drop metastases');

const e2e = reportInChromium('e2e-report', { width: 1100, height: 1000 });

describe('living report in Chromium', () => {
  it('shows the statistics, the plots, the PRISMA flow and the retraction', async () => {
    const { h, context } = e2e;
    const protocol = protocolFor('e2e-report');
    const studies = await recordCitations(
      h,
      protocol.id,
      Array.from({ length: 8 }, (_, i) => studyCitation(String(1201 + i), i === 2 ? { title: HOSTILE } : {})),
    );
    await include(h, protocol.id, studies);
    const firstRows = await putPatients(h, protocol.id, studies, 110);
    await recompute(h, protocol);
    const startedAt = h.clock().toISOString();
    const fresh = await recordCitations(h, protocol.id, [
      studyCitation('1301'),
      studyCitation('1302'),
      studyCitation('1303'),
    ]);
    await saveRun(h, protocol.id, { startedAt, finishedAt: h.clock().toISOString() });
    await decide(h, protocol.id, fresh[0]!, [
      ['pp', 'screener', 'title-abstract', 'exclude', 'not-iesm'],
      ['alc', 'screener', 'title-abstract', 'exclude', 'not-iesm'],
    ]);
    await decide(h, protocol.id, fresh[1]!, [
      ['pp', 'screener', 'title-abstract', 'include', null],
      ['alc', 'screener', 'title-abstract', 'include', null],
      ['pp', 'screener', 'full-text', 'include', null],
      ['alc', 'screener', 'full-text', 'include', null],
    ]);
    await include(h, protocol.id, [fresh[1]!], 'screening');
    const laterRows = await putPatients(h, protocol.id, [fresh[1]!], 20, 110);
    // Study 1201 retracted: flagged through the evidence port, its notice recorded, its patients left out.
    await h.evidence.markStudyRetracted(protocol.id, studies[0]!, h.clock().toISOString());
    await h.digests.recordNotice({
      reviewId: protocol.id,
      citationId: studies[0]!,
      studyTitle: studyCitation('1201').title,
      studyPmid: '1201',
      kind: 'retraction',
      noticePmid: '1999',
      refSource: 'Spine J. 2026;1:1',
      key: 'retraction:1999',
      detectedAt: h.clock().toISOString(),
    });
    await recompute(h, protocol);
    const outcome = await publishReport(
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
    expect(outcome).toMatchObject({ status: 'published', version: 2 });
    const snapshot = (await latestStatistics(protocol.id, h))!.snapshot;
    const report = outcome.status === 'published' ? outcome.report : null;

    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(pathToFileURL(join(h.dataDir, 'reports', protocol.id, 'index.html')).toString());

    expect(await page.locator('h1').textContent()).toBe(protocol.title);
    expect(await page.locator('[data-version]').textContent()).toBe(String(snapshot.version));
    expect(await page.locator('[data-count="header-patients"]').textContent()).toBe(
      String(snapshot.patients.count),
    );
    // Tables I-III, every cell as the snapshot has it.
    expect(await page.locator('table.stats-table').count()).toBe(snapshot.tables.tables.length);
    const firstRow = snapshot.tables.tables[0]!.sections[0]!.rows[0]!;
    expect(
      await page
        .locator(`[data-cell="${snapshot.tables.tables[0]!.id}/${firstRow.key}"]`)
        .first()
        .textContent(),
    ).toBe(firstRow.text);
    // The plots: drawn, with a band, censor marks and the numbers at risk under the axis.
    const os = page.locator('#km-os svg');
    const box = await os.boundingBox();
    expect(box?.width).toBeGreaterThan(600);
    expect(await page.locator('#km-os .km-band').count()).toBeGreaterThan(0);
    expect(await page.locator('#km-os .km-censor').count()).toBe(1);
    const curve = report!.survival.curves.find((set) => set.id === 'os')!.plot![0]!.data;
    const [os0] = snapshot.survival.curves.os!.groups;
    const atRisk = (await page.locator('#km-os .km-at-risk').allTextContents()).map(Number);
    // Counted here from the rows themselves: the patients in the statistics with a follow-up of at least t.
    const counted = new Set(snapshot.patients.ids);
    const followed = [...firstRows, ...laterRows].filter(
      (row) => counted.has(row.patientId) && typeof row.os_months === 'number' && row.os_event != null,
    );
    expect(followed).toHaveLength(os0!.n);
    expect(atRisk).toEqual(
      timeAxis(curve.time.at(-1)!).ticks.map(
        (t) => followed.filter((row) => Number(row.os_months) >= t).length,
      ),
    );
    expect(atRisk[0]).toBe(os0!.n);
    expect(await page.locator('[data-km="os-median"]').textContent()).toBe(String(os0!.median));
    await expectPlotsReadable(page, ['os', 'lc', 'os_by_resection', 'os_by_sex'], {
      os: 'Overall survival',
      lc: 'Local control',
      os_by_resection: 'Overall survival',
    });
    // PRISMA: no box squeezed into the narrow phase-label column.
    const phaseWidth = (await page.locator('.prisma .phase').first().boundingBox())!.width;
    for (const box of await page.locator('.prisma .box').all()) {
      expect((await box.boundingBox())!.width).toBeGreaterThan(phaseWidth * 2);
    }
    // No retraction policy contradiction: this protocol leaves retracted studies' patients out.
    expect(await page.locator('#prisma').textContent()).toContain(
      "The protocol leaves a retracted study's patients out",
    );
    expect(await page.locator('#prisma').textContent()).not.toContain('flagged only');
    // PRISMA
    expect(await page.locator('[data-count="identified"]').textContent()).toBe('3');
    expect(await page.locator('[data-count="outside-flow"]').textContent()).toBe('8');
    expect(await page.locator('[data-count="excluded-title-abstract"]').textContent()).toBe('1');
    expect(await page.locator('[data-count="new-studies"]').textContent()).toBe('1');
    expect(await page.locator('[data-count="patients"]').textContent()).toBe(String(snapshot.patients.count));
    // The retraction, naming the study; the hostile title as text, nothing run.
    expect(await page.locator('#retractions .retracted-study').textContent()).toContain(
      studyCitation('1201').title,
    );
    expect(await page.locator('#studies').textContent()).toContain(HOSTILE);
    await expectNothingRan(page);
    expect(await page.locator('#search-log tbody tr').count()).toBe(1);
    expect(errors).toEqual([]);

    await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });
    await page.screenshot({ path: join(ARTIFACTS, 'report-top.png') });
    await page.locator('#km-os').screenshot({ path: join(ARTIFACTS, 'report-km-os.png') });
    await page.locator('#prisma').screenshot({ path: join(ARTIFACTS, 'report-prisma.png') });
    await page.close();
  });
});
