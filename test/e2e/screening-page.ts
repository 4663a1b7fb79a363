// What the Chromium tests of the screening page's views share: a reviewer's page opened with their token (console
// errors and page errors collected), and waiting for an element's text.
import type { BrowserContext, Page } from 'playwright-core';
import { TOKENS } from '../integration/screening/support.ts';

// The callback passed to page.waitForFunction runs in the page; tsconfig has no DOM lib.
declare const document: { getElementById(id: string): { textContent: string | null } | null };

/** Opens the page at `path` signed in as `reviewer`; console and page errors go to `problems`. */
export async function openAs(
  context: BrowserContext,
  baseUrl: string,
  problems: string[],
  reviewer: string,
  path = '/',
): Promise<Page> {
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`${reviewer}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`${reviewer}: ${error.message}`));
  await page.goto(`${baseUrl}${path}#token=${TOKENS[reviewer]}`);
  return page;
}

/** Waits until the element `id` holds `text`. */
export async function textBecomes(page: Page, id: string, text: string): Promise<void> {
  await page.waitForFunction(
    ([which, expected]) => document.getElementById(which!)?.textContent?.includes(expected!) === true,
    [id, text],
    { timeout: 15_000 },
  );
}
