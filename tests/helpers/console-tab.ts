/** Browser tests of the console: a signed-in tab (its own sessionStorage) that records page errors. */
import type { BrowserContext, Page } from 'playwright-core';

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
