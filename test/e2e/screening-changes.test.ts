// The screening page in real Chromium: undo with u (a change before the stage settles replaces the decision;
// after, it goes to the arbiter, who sees the change), "My decisions" with filters and reopen, blinded, and
// the full-text panel: PubMed, PMC and DOI links, the open-access copy from the Unpaywall stand-in, and a PDF
// attached through the page and shown beside the decision buttons.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUnpaywallStandIn, type UnpaywallStandIn } from '../../cli/demo/unpaywall-stand-in.ts';
import { replay } from '../../shared/domain/screening/workflow.ts';
import { citation, type Harness, iesm, startHarness, TOKENS } from '../integration/screening/support.ts';
import { ARTIFACTS, type Chromium, launchChromium } from './chromium.ts';

// The callbacks passed to page.waitForFunction run in the page; tsconfig has no DOM lib, so the little of the
// DOM they touch is declared here.
declare const document: {
  getElementById(id: string): { textContent: string | null; hidden: boolean } | null;
  querySelectorAll(selector: string): { length: number };
};

let h: Harness;
let unpaywall: UnpaywallStandIn;
let browser: Chromium | undefined;
let context: BrowserContext;
const problems: string[] = [];

/** A one-page PDF saying `text`, with its cross-reference table (so a viewer renders it). */
function onePagePdf(text: string): Buffer {
  const stream = `BT /F1 24 Tf 72 720 Td (${text}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((object, i) => {
    offsets.push(body.length);
    body += `${i + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) body += `${String(offset).padStart(10, '0')} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

const title = (pmid: string) => `Intradural extramedullary metastasis from renal carcinoma: case ${pmid}`;

async function openAs(reviewer: string): Promise<Page> {
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`${reviewer}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`${reviewer}: ${error.message}`));
  await page.goto(`${h.server.url}/#token=${TOKENS[reviewer]}`);
  return page;
}

async function textOf(page: Page, id: string, text: string): Promise<void> {
  try {
    await page.waitForFunction(
      ([element, expected]) => document.getElementById(element!)?.textContent?.includes(expected!) ?? false,
      [id, text],
      { timeout: 15_000 },
    );
  } catch (error) {
    const seen = await page.evaluate(
      ([element]) =>
        ['status', 'error', element!].map(
          (x) => `${x}: ${document.getElementById(x)?.textContent ?? '(none)'}`,
        ),
      [id],
    );
    throw new Error(`#${id} never said "${text}" (${seen.join(' | ')})`, { cause: error });
  }
}

const titleBecomes = (page: Page, pmid: string) => textOf(page, 'record-title', title(pmid));

async function events(pmid: string) {
  const id = h.ids.get(pmid)!;
  return (await h.screening.screening.listEvents(iesm.id, id)).map((e) =>
    e.type === 'decision' ? `${e.reviewerId}:${e.decision}` : e.type,
  );
}

beforeAll(async () => {
  unpaywall = await startUnpaywallStandIn({
    corpus: [
      {
        doi: '10.5555/iesm.601',
        best: {
          url: 'https://europepmc.org/articles/PMC8000601',
          url_for_pdf: 'https://europepmc.org/articles/PMC8000601?pdf=render',
          host_type: 'repository',
          license: 'cc-by',
          version: 'publishedVersion',
          repository_institution: 'Europe PMC',
        },
      },
    ],
  });
  h = await startHarness(
    'e2e-changes',
    [
      { reviewId: iesm.id, citation: citation('601', { pmcid: 'PMC8000601' }) },
      { reviewId: iesm.id, citation: citation('602') },
      { reviewId: iesm.id, citation: citation('603') },
    ],
    { unpaywallBaseUrl: unpaywall.baseUrl },
  );
  browser = await launchChromium({ width: 1500, height: 950 });
  context = browser.context;
});

afterAll(async () => {
  await browser?.close();
  await h?.close();
  await unpaywall?.close();
});

describe('changing decisions on the page', () => {
  it('undoes with u: the record comes back and the new decision replaces the old one', async () => {
    const pp = await openAs('pp');
    await titleBecomes(pp, '601');
    await pp.keyboard.press('e');
    await pp.keyboard.press('9');
    await textOf(pp, 'status', 'Recorded: exclude');
    await titleBecomes(pp, '602');
    // A wrong key press: u brings 601 back, with pp's decision shown.
    await pp.keyboard.press('u');
    await titleBecomes(pp, '601');
    await textOf(pp, 'record-changing', 'Changing your decision: the new one replaces it.');
    await textOf(pp, 'record-mine', 'Your current decision: exclude');
    await pp.keyboard.press('i');
    await textOf(pp, 'status', 'Recorded: include');
    expect(await events('601')).toEqual(['pp:exclude', 'pp:include']);
    // On to the queue again: 602, then 603.
    await titleBecomes(pp, '602');
    await pp.keyboard.press('i');
    await titleBecomes(pp, '603');
    await pp.keyboard.press('i');
    await textOf(pp, 'empty', 'Nothing awaits you');
    await pp.close();
  });

  it('sends a change after the stage settled to the arbiter, who sees what changed', async () => {
    const alc = await openAs('alc');
    await titleBecomes(alc, '601');
    await alc.keyboard.press('i');
    await textOf(alc, 'status', 'The stage is now settled');
    // 601 moved to full text; title/abstract comes first, so 602 is next. alc undoes 601's decision instead.
    await titleBecomes(alc, '602');
    await alc.keyboard.press('u');
    await titleBecomes(alc, '601');
    await textOf(alc, 'record-changing', 'your new decision goes to the arbiter');
    await alc.keyboard.press('e');
    await alc.keyboard.press('6');
    await textOf(alc, 'status', 'It goes to the arbiter, who sees the change.');
    expect(await events('601')).toEqual(['pp:exclude', 'pp:include', 'alc:include', 'alc:exclude']);

    const ash = await openAs('ash');
    await ash.waitForSelector('#conflict-list button');
    await ash.click('#conflict-list button');
    await titleBecomes(ash, '601');
    await textOf(ash, 'record-stage', 'reopened: settle it again');
    const changes = await ash.locator('#arbiter-history li').allTextContents();
    expect(changes).toEqual(['alc (screener): exclude (No histological confirmation)']);
    expect(await ash.locator('button[data-decision="maybe"]').isHidden()).toBe(true);
    await ash.screenshot({ path: join(ARTIFACTS, 'screening-reopened-for-arbiter.png'), fullPage: true });
    await ash.keyboard.press('i');
    await textOf(ash, 'status', 'The stage is now settled');
    const state = replay(
      h.ids.get('601')!,
      await h.screening.screening.listEvents(iesm.id, h.ids.get('601')!),
    );
    expect(state.stage).toBe('full-text');
    await ash.close();
    await alc.close();
  });

  it("lists a reviewer's decisions with filters, blinded, and reopens one", async () => {
    const alc = await openAs('alc');
    await titleBecomes(alc, '602');
    await alc.keyboard.press('e');
    await alc.keyboard.press('9');
    await textOf(alc, 'status', 'Recorded: exclude');
    await alc.click('#view-decisions');
    await alc.waitForFunction(() => document.querySelectorAll('#decision-list li').length === 2);
    const rows = await alc.locator('#decision-list li').allTextContents();
    expect(rows.some((r) => r.includes(title('602')) && r.includes('Open: you may change it'))).toBe(true);
    expect(rows.some((r) => r.includes(title('601')) && r.includes('Settled: include'))).toBe(true);
    // pp included 602: alc (who excluded it, a conflict) must see nothing of pp's decision.
    expect(rows.join(' ')).not.toContain('pp');
    await alc.selectOption('#filter-decision', 'exclude');
    await alc.fill('#filter-text', 'case 602');
    await alc.click('#decision-filters button[type="submit"]');
    await alc.waitForFunction(() => document.querySelectorAll('#decision-list li').length === 1);
    await alc.screenshot({ path: join(ARTIFACTS, 'screening-my-decisions.png'), fullPage: true });
    await alc.click('#decision-list li button');
    await titleBecomes(alc, '602');
    await textOf(alc, 'record-changing', 'Changing your decision');
    await alc.keyboard.press('i');
    await textOf(alc, 'status', 'Recorded: include');
    expect(await events('602')).toEqual(['pp:include', 'alc:exclude', 'alc:include']);
    await alc.close();
  });
});

describe('the full-text panel', () => {
  it('links PubMed, PMC and the DOI, shows the open-access copy, and shows an attached PDF beside the buttons', async () => {
    const pp = await openAs('pp');
    // 601 and 602 are at full text now: pp is handed 601 there.
    await titleBecomes(pp, '601');
    await textOf(pp, 'record-stage', 'Full text');
    await pp.waitForSelector('#full-text-links a');
    const links = await pp
      .locator('#full-text-links a')
      .evaluateAll((as) =>
        as.map((a) => [
          (a as unknown as { textContent: string }).textContent,
          (a as unknown as { href: string }).href,
        ]),
      );
    expect(links).toEqual([
      ['PubMed 601', 'https://pubmed.ncbi.nlm.nih.gov/601/'],
      ['PubMed Central PMC8000601', 'https://pmc.ncbi.nlm.nih.gov/articles/PMC8000601/'],
      ['doi:10.5555/iesm.601', 'https://doi.org/10.5555/iesm.601'],
    ]);
    expect(await pp.locator('#full-text-links a').first().getAttribute('rel')).toBe('noopener noreferrer');
    await textOf(pp, 'open-access', 'Open-access copy: repository, Europe PMC, publishedVersion');
    expect(await pp.locator('#open-access a').last().getAttribute('href')).toBe(
      'https://europepmc.org/articles/PMC8000601?pdf=render',
    );

    // Attach a PDF through the page: it goes through the signed form, and opens beside the decision buttons.
    const pdf = join(h.dataDir, 'Rossi 2024.pdf');
    writeFileSync(pdf, onePagePdf('Rossi 2024: a case of intradural metastasis'));
    await pp.setInputFiles('#attach-file', pdf);
    await pp.click('#attach-button');
    await textOf(pp, 'status', 'Attached Rossi 2024.pdf.');
    await pp.waitForFunction(() => document.getElementById('pdf-pane')?.hidden === false);
    const viewer = await pp.locator('#pdf-viewer').getAttribute('src');
    expect(viewer).toMatch(/^\/files\/read\?/);
    const pane = await pp.locator('#pdf-pane').boundingBox();
    const buttons = await pp.locator('#decide').boundingBox();
    expect(pane!.x).toBeGreaterThan(buttons!.x + buttons!.width - 1);
    const served = await pp.evaluate(async (url) => {
      const response = await fetch(url!);
      const bytes = new Uint8Array(await response.arrayBuffer());
      return {
        status: response.status,
        type: response.headers.get('content-type'),
        head: String.fromCharCode(...bytes.slice(0, 5)),
      };
    }, viewer);
    expect(served).toEqual({ status: 200, type: 'application/pdf', head: '%PDF-' });
    await pp.screenshot({ path: join(ARTIFACTS, 'screening-full-text-pdf.png'), fullPage: true });

    // The other screener sees the attachment too, opened beside their buttons at full text.
    const alc = await openAs('alc');
    // 603 still waits for alc at title/abstract, which comes first: skip it.
    await titleBecomes(alc, '603');
    await alc.keyboard.press('s');
    await titleBecomes(alc, '601');
    await alc.waitForFunction(() => document.getElementById('pdf-pane')?.hidden === false);
    expect(await alc.locator('#attachment-list li').allTextContents()).toEqual([
      expect.stringContaining('View Rossi 2024.pdf'),
    ]);
    expect(problems).toEqual([]);
  });
});
