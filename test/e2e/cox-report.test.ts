// The living report's Cox models in real headless Chromium (issue #14): the breast-cancer IPD pool's two
// declared models, each with a table of hazard ratios equal to the snapshot's and a forest plot: squares and
// whiskers on a log-scaled axis (checked from where Chromium draws them), the reference line at HR 1, labels
// clear of the plot, and a hostile model label shown as text. Screenshot: test-artifacts/cox-forest-*.png.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { latestStatistics } from '../../shared/app/recompute-statistics.ts';
import type { Protocol } from '../../shared/domain/protocol/protocol.ts';
import type { CoxModelFit } from '../../shared/domain/stats/cox-models.ts';
import { breastProtocol } from '../support/protocols.ts';
import { readReferenceText } from '../unit/extraction/reference-fixtures.ts';
import { ARTIFACTS } from './chromium.ts';
import { expectNothingRan, hostileTitle, importAndPublish, reportInChromium } from './report-in-chromium.ts';

const e2e = reportInChromium('e2e-cox-breast', { width: 1100, height: 1000 });

const sig3 = (value: number) => value.toPrecision(3);

function hostileProtocol(): Protocol {
  const protocol = breastProtocol();
  const survival = protocol.survival!;
  return {
    ...protocol,
    id: 'e2e-cox-breast',
    survival: {
      ...survival,
      models: survival.models.map((model, index) =>
        index === 0 ? { ...model, label: hostileTitle('Hormone therapy & <unadjusted>') } : model,
      ),
    },
  };
}

describe('Cox models in the living report', () => {
  it('shows each model as a table and a log-scale forest plot with the reference line at 1', async () => {
    const protocol = hostileProtocol();
    const { h } = e2e;
    await importAndPublish(h, protocol, {
      text: readReferenceText('second-review/breast-ipd-patients.csv'),
      format: 'csv',
    });
    const snapshot = (await latestStatistics(protocol.id, h))!.snapshot;
    const page = await e2e.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(pathToFileURL(join(h.dataDir, 'reports', protocol.id, 'index.html')).toString());

    expect(await page.locator('#cox .cox-model').count()).toBe(2);
    for (const model of protocol.survival!.models) {
      const fit = snapshot.cox![model.id] as CoxModelFit;
      const section = page.locator(`[id="cox-${model.id}"]`);
      // The table states the snapshot's hazard ratios and CIs.
      for (const term of fit.terms) {
        const row = section.locator(`tr[data-term="${term.term}"]`);
        expect(await row.locator('td').nth(1).textContent(), term.term).toBe(sig3(term.hr!));
        expect(await row.locator('td').nth(2).textContent(), term.term).toBe(
          `${sig3(term.lower!)}–${sig3(term.upper!)}`,
        );
      }
      // The forest plot: one row per term, drawn on a log scale.
      const svg = section.locator('svg.forest-plot');
      expect(await svg.count()).toBe(1);
      const min = Number(await svg.getAttribute('data-axis-min'));
      const max = Number(await svg.getAttribute('data-axis-max'));
      const centre = async (selector: string) => {
        const box = (await svg.locator(selector).boundingBox())!;
        return box.x + box.width / 2;
      };
      const left = await centre(`.forest-tick[data-tick="${min}"]`);
      const right = await centre(`.forest-tick[data-tick="${max}"]`);
      const at = (hr: number) =>
        left + ((Math.log(hr) - Math.log(min)) / (Math.log(max) - Math.log(min))) * (right - left);
      const reference = (await svg.locator('.forest-reference').boundingBox())!;
      expect(Math.abs(reference.x + reference.width / 2 - at(1)), 'reference line at HR 1').toBeLessThan(1.5);
      expect(await svg.locator('.forest-row').count()).toBe(fit.terms.length);
      for (const term of fit.terms) {
        const row = svg.locator(`.forest-row[data-term="${term.term}"]`);
        const square = (await row.locator('.forest-hr').boundingBox())!;
        expect(Math.abs(square.x + square.width / 2 - at(term.hr!)), `${term.term} square`).toBeLessThan(1.5);
        const whisker = (await row.locator('.forest-ci').boundingBox())!;
        expect(Math.abs(whisker.x - at(term.lower!)), `${term.term} lower`).toBeLessThan(1.5);
        expect(Math.abs(whisker.x + whisker.width - at(term.upper!)), `${term.term} upper`).toBeLessThan(1.5);
        // Below 1 left of the reference line, above 1 right of it.
        expect(square.x + square.width / 2 < reference.x, term.term).toBe(term.hr! < 1);
        // The label ends before the plot starts.
        const label = (await row.locator('text').first().boundingBox())!;
        expect(label.x + label.width, `${term.term} label`).toBeLessThanOrEqual(left);
      }
    }
    // Labels read as the protocol names them; the hostile model label is text, and ran nothing.
    const adjusted = page.locator('[id="cox-rfs_multivariable_strata_study"]');
    expect(await adjusted.locator('tr[data-term="tumour_sizegt50"] td').first().textContent()).toBe(
      'Tumour size: > 50 mm vs 20–50 mm',
    );
    expect(await adjusted.locator('tr[data-term="age_years"] td').first().textContent()).toBe(
      'Age (per 1 years)',
    );
    expect(await page.locator('[id="cox-rfs_hormone_strata_study"] h3').textContent()).toContain(
      '<script>window.__pwned = true</script>',
    );
    expect(await page.locator('[id="cox-rfs_hormone_strata_study"] svg title').textContent()).toContain(
      'Hormone therapy & <unadjusted>',
    );
    await expectNothingRan(page);
    expect(errors).toEqual([]);
    await adjusted.screenshot({ path: join(ARTIFACTS, 'cox-forest-breast-adjusted.png') });
    await page.close();
  });
});
