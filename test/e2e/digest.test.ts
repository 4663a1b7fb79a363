// The digest e-mail's HTML part rendered in real headless Chromium (Debian's chromium via playwright-core): the
// message is composed by the outbox mailer and read back with mailparser, exactly as a mail client gets it. A
// title carrying <script> and <img onerror> must show as text and run nothing. Screenshot: test-artifacts/.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { OutboxMailer } from '../../shared/adapters/mail/outbox-mailer.ts';
import { sendDigest } from '../../shared/app/send-digest.ts';
import {
  decide,
  protocolFor,
  recordCitations,
  saveRun,
  studyCitation,
} from '../integration/report/harness.ts';
import { ARTIFACTS } from './chromium.ts';
import { expectNothingRan, hostileTitle, reportInChromium } from './report-in-chromium.ts';

const HOSTILE = hostileTitle('Intradural metastasis of the cauda equina');

const e2e = reportInChromium('e2e-digest', { width: 820, height: 1000 });

describe('digest e-mail in Chromium', () => {
  it('renders the candidates, runs and screening counts, with a script title shown as text', async () => {
    const { h, context } = e2e;
    const protocol = protocolFor('e2e-digest');
    const [, second] = await recordCitations(h, protocol.id, [
      studyCitation('1101', { title: HOSTILE }),
      studyCitation('1102', {
        title: 'Intradural extramedullary spinal metastasis from renal cell carcinoma: a case series',
        abstract: [
          {
            label: 'BACKGROUND',
            category: 'BACKGROUND',
            text: 'Intradural extramedullary metastases are rare. '.repeat(6),
          },
        ],
      }),
      studyCitation('1103', { authors: [{ collective: 'IESM Study Group', orcid: null }] }),
    ]);
    await saveRun(h, protocol.id, {
      warnings: ['2025-12-29..2026-01-05: phrase not found: "drop metastasis"'],
    });
    await decide(h, protocol.id, second!, [['pp', 'screener', 'title-abstract', 'include', null]]);
    const mailer = new OutboxMailer(join(h.dataDir, 'outbox'));
    const outcome = await sendDigest(
      { protocol },
      {
        citations: h.citations,
        screening: h.screening,
        digests: h.digests,
        mailer,
        clock: h.clock,
        from: 'digest@example.org',
        screeningBaseUrl: 'https://screening.example.org/',
      },
    );
    expect(outcome.status).toBe('sent');
    const mail = await simpleParser(readFileSync(mailer.written[0]!));
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    // No network: the page may only show what the message holds.
    await page.route('**/*', (route) => route.abort());
    await page.setContent(mail.html as string, { waitUntil: 'load' });

    const titles = await page.locator('.candidate-title').allTextContents();
    expect(titles).toHaveLength(3);
    expect(titles[0]).toBe(HOSTILE);
    await expectNothingRan(page);
    expect(await page.locator('h1').textContent()).toBe(protocol.title);
    expect(await page.locator('a', { hasText: 'Open the screening page' }).getAttribute('href')).toBe(
      'https://screening.example.org/?review=e2e-digest',
    );
    expect(await page.getByRole('link', { name: '1101', exact: true }).getAttribute('href')).toBe(
      'https://pubmed.ncbi.nlm.nih.gov/1101/',
    );
    const body = (await page.locator('body').textContent()) ?? '';
    expect(body).toContain('3 records wait for a screening decision');
    expect(body).toContain('phrase not found: "drop metastasis"');
    expect(errors).toEqual([]);
    // The card is laid out: visible, not collapsed.
    const box = await page.locator('.candidate').first().boundingBox();
    expect(box?.height).toBeGreaterThan(40);
    await page.screenshot({ path: join(ARTIFACTS, 'digest.png'), fullPage: true });
    await page.close();
  });
});
