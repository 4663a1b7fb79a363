// The report's appraisal section in real Chromium: the per-study table, the traffic-light figure drawn with one
// coloured cell per item and study (none outside the figure, labels not cut off), and the sensitivity analysis
// beside the main result with both denominators.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { publishReport } from '../../shared/app/publish-report.ts';
import { toolForDesign } from '../../shared/domain/protocol/appraisal.ts';
import { appraisalDepsOf, settleAppraisal } from '../integration/appraisal/support.ts';
import {
  include,
  protocolFor,
  putPatients,
  recompute,
  recordCitations,
  studyCitation,
} from '../integration/report/harness.ts';
import { ARTIFACTS } from './chromium.ts';
import { expectNothingRan, hostileTitle, reportInChromium } from './report-in-chromium.ts';

const e2e = reportInChromium('e2e-appraisal', { width: 1100, height: 1000 });

describe('appraisal in the living report (Chromium)', () => {
  it('draws the appraisal table, the traffic-light figure and the sensitivity analysis', async () => {
    const { h, context } = e2e;
    const protocol = protocolFor('e2e-appraisal');
    const studies = await recordCitations(h, protocol.id, [
      studyCitation('3101', { title: hostileTitle('Cauda equina drop metastasis') }),
      studyCitation('3102'),
      studyCitation('3103'),
    ]);
    await include(h, protocol.id, studies);
    const rows = await putPatients(h, protocol.id, studies, 45);
    await recompute(h, protocol);
    const deps = appraisalDepsOf(h);
    await settleAppraisal(deps, protocol, studies[0]!, { design: 'case-report' });
    await settleAppraisal(deps, protocol, studies[1]!, {
      design: 'case-report',
      no: ['demographics', 'treatment', 'lessons', 'diagnostics'],
    });
    await settleAppraisal(deps, protocol, studies[2]!, {
      design: 'case-report',
      no: ['adverse-events', 'lessons'],
    });
    const outcome = await publishReport(
      { protocol },
      { ...h, appraisals: deps.appraisal, publisher: h.publisher, events: h.events, clock: h.clock },
    );
    expect(outcome.status).toBe('published');

    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(pathToFileURL(join(h.dataDir, 'reports', protocol.id, 'index.html')).toString());
    await expectNothingRan(page);

    expect(await page.locator('table.appraisal-table tbody tr').count()).toBe(3);
    expect(await page.locator(`[data-judgement="${studies[0]}"]`).textContent()).toContain(
      'Low risk of bias',
    );
    expect(await page.locator(`[data-judgement="${studies[1]}"]`).textContent()).toContain(
      'High risk of bias',
    );
    expect(await page.locator(`[data-judgement="${studies[2]}"]`).textContent()).toContain(
      'Moderate risk of bias',
    );

    // The figure: 3 studies x (8 items + overall) cells, each drawn inside the figure, coloured by its rating.
    const figure = page.locator('#appraisal-jbi-case-report svg');
    const box = (await figure.boundingBox())!;
    expect(box.width).toBeGreaterThan(400);
    const items = toolForDesign(protocol.appraisal!, 'case-report')!.items;
    const cells = page.locator('#appraisal-jbi-case-report g[data-study]');
    expect(await cells.count()).toBe(3 * (items.length + 1));
    for (const cell of await cells.all()) {
      const cellBox = (await cell.boundingBox())!;
      expect(cellBox.x).toBeGreaterThanOrEqual(box.x);
      expect(cellBox.x + cellBox.width).toBeLessThanOrEqual(box.x + box.width);
      expect(cellBox.y + cellBox.height).toBeLessThanOrEqual(box.y + box.height);
    }
    const cell = (study: string, item: string) =>
      page.locator(`#appraisal-jbi-case-report g[data-study="${study}"][data-item="${item}"] circle`);
    expect(await cell(studies[1]!, 'lessons').getAttribute('fill')).toBe('#d43c3c');
    expect(await cell(studies[0]!, 'lessons').getAttribute('fill')).toBe('#2e9d4f');
    expect(await cell(studies[2]!, 'overall').getAttribute('fill')).toBe('#e3a81b');
    // Study labels are drawn in full inside the figure (the hostile title shown as text, shortened).
    for (const label of await figure.locator('text[text-anchor="end"]').all()) {
      expect((await label.boundingBox())!.x).toBeGreaterThanOrEqual(box.x);
    }

    // Sensitivity: study 3102 (high risk) left out; both denominators shown.
    const keptPatients = rows.filter((r) => r.studyId !== studies[1]).length;
    expect(await page.locator('[data-sensitivity="main-patients"]').textContent()).toBe('45');
    expect(await page.locator('[data-sensitivity="main-studies"]').textContent()).toBe('3');
    expect(await page.locator('[data-sensitivity="sensitivity-patients"]').textContent()).toBe(
      String(keptPatients),
    );
    expect(await page.locator('[data-sensitivity="sensitivity-studies"]').textContent()).toBe('2');
    expect(await page.locator('[data-sensitivity-curve="os"]').textContent()).toContain('n = ');
    await page.locator('#appraisal').screenshot({ path: join(ARTIFACTS, 'report-appraisal.png') });
    expect(errors).toEqual([]);
  });
});
