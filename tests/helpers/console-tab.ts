/**
 * Browser tests of the console: Debian's chromium (required: a machine without it fails the test rather
 * than skipping it; .ci/run installs it), one headless zh-CN context per test file, and signed-in tabs
 * (each its own sessionStorage) that record page errors.
 */
import { existsSync } from 'node:fs';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.IXMETER_CHROMIUM ?? '/usr/bin/chromium';

export function requireChromium(): void {
  if (!existsSync(CHROMIUM))
    throw new Error(`chromium not found at ${CHROMIUM}: apt-get install chromium, or set IXMETER_CHROMIUM`);
}

/** A persistent headless context in `profile` (1366×900, zh-CN, UTC: the console shows the billing zone whatever the browser's is). */
export function launchConsoleBrowser(profile: string): Promise<BrowserContext> {
  requireChromium();
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1366, height: 900 },
    acceptDownloads: true,
    locale: 'zh-CN',
    timezoneId: 'UTC',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--lang=zh-CN',
    ],
  });
}

/** `ready`: what the role's home page shows once signed in (the regulator lands on the wall screen, which has no navigation). */
export async function signInTab(
  browser: BrowserContext,
  baseUrl: string,
  token: string,
  pageErrors: string[],
  ready = '[data-testid=nav]',
): Promise<Page> {
  const page = await browser.newPage(); // a new tab: its own sessionStorage, so its own sign-in
  page.on('pageerror', (e) => pageErrors.push(`${page.url()}: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text()))
      pageErrors.push(`${page.url()}: ${m.text()}`);
  });
  await page.goto(`${baseUrl}/`);
  await page.waitForURL(/\/signin/);
  await page.fill('#token', token);
  await page.click('button[type=submit]');
  await page.waitForSelector(ready);
  return page;
}
