/**
 * The programme console in Debian's chromium (playwright-core) against the in-process service: the budget
 * panel of a budgeted month on the period page, the what-if page (a doubled-rate candidate beside the
 * current policy: chart, months, members changing most) and the policy editor's problems at their lines,
 * in zh-CN and English. Screenshots go to test-artifacts/programme/.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchConsoleBrowser, requireChromium } from '../helpers/console-tab.js';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/env.js';
import { startTestService, waitFor, type TestService } from '../helpers/in-process.js';
import { ixfDoc } from '../helpers/ixf.js';

const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'programme');
const dir = tempDir();
const profile = mkdtempSync(join(tmpdir(), 'ixmeter-chromium-'));
let t: TestService;
let browser: BrowserContext;
let finance = '';
const pageErrors: string[] = [];
const RATES: Record<number, number> = { 64501: 2, 64502: 12, 64503: 4 };

const call = async (method: string, path: string, body?: unknown, type = 'application/json') => {
  const r = await fetch(`${t.svc.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${t.admin}`, ...(body !== undefined ? { 'content-type': type } : {}) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
};

async function runMonth(month: string) {
  const r = await call('POST', `/statements/${month}/run`);
  expect(r.status).toBe(202);
  await waitFor(
    async () => (await call('GET', `/jobs/${String(r.body.job_id)}`)).body.state === 'completed',
    120_000,
    `run ${month}`,
  );
}

beforeAll(async () => {
  requireChromium();
  mkdirSync(ARTIFACTS, { recursive: true });
  t = await startTestService(dir.path);
  const doc = ixfDoc(
    Object.keys(RATES).map((a) => ({
      asn: Number(a),
      name: `Member ${a}`,
      type: 'cdn',
      firstProduction: '2026-01-01',
      enrolled: true,
    })),
  );
  expect((await call('POST', '/members/import', doc)).status).toBe(200);
  const START = Date.parse('2026-10-01T00:00:00+08:00') / 1000;
  const n = 61 * 288;
  for (const [asn, g] of Object.entries(RATES)) {
    await t.svc.storage.client.command({
      query: `INSERT INTO member_traffic_5m (bucket, src_asn, dst_asn, ip_version, bytes, l3_bytes, packets, samples)
      SELECT toDateTime(${START} + number * 300, 'UTC'), ${asn}, 64999, 4, ${BigInt(g * 1000) * 37_500_000n}, 0, 0, 1 FROM numbers(${n})`,
      clickhouse_settings: { insert_deduplicate: 0 },
    });
  }
  await t.svc.storage.client.command({
    query: `INSERT INTO collector_activity_5m (bucket, exporter, flows) SELECT toDateTime(${START} + number * 300, 'UTC'), toIPv6('::ffff:192.0.2.1'), 1 FROM numbers(${n})`,
    clickhouse_settings: { insert_deduplicate: 0 },
  });
  // October commits 17,200.00; the budget leaves 8,600.00 for November: factor 0.5
  const policy =
    readFileSync('policies/example-policy.yaml', 'utf8')
      .replace('policy_id: EXAMPLE-ZW-TRAFFIC-2022', 'policy_id: TEST-CONSOLE-PROGRAMME')
      .replace('effective_from: "2022-07-01"', 'effective_from: "2026-10-01"')
      .replace('effective_to: "2025-12-31"', 'effective_to: null') +
    '\nbudget: { annual_cny: "25800.00", on_exceed: pro_rata }\n';
  expect((await call('POST', '/policies', policy, 'application/yaml')).status).toBe(200);
  await runMonth('2026-10');
  await runMonth('2026-11');
  finance = String((await call('POST', '/tokens', { role: 'finance' })).body.token);
  browser = await launchConsoleBrowser(profile);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await t?.svc.stop();
  dir.cleanup();
  rmSync(profile, { recursive: true, force: true });
});

async function signIn(): Promise<Page> {
  const page = await browser.newPage();
  page.on('pageerror', (e) => pageErrors.push(`${page.url()}: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text()))
      pageErrors.push(`${page.url()}: ${m.text()}`);
  });
  await page.goto(`${t.svc.url}/`);
  await page.waitForURL(/\/signin/);
  await page.fill('#token', finance);
  await page.click('button[type=submit]');
  await page.waitForSelector('[data-testid=nav]');
  return page;
}

async function programmePage(page: Page, lang: string) {
  await page.goto(`${t.svc.url}/finance/programme`);
  await page.waitForSelector('[data-testid=policy-yaml]');
  await page.waitForFunction(() =>
    (
      (
        globalThis as unknown as { document: { querySelector(s: string): { value: string } | null } }
      ).document.querySelector('[data-testid=policy-yaml]')?.value ?? ''
    ).includes('policy_id'),
  );
  await page.fill('[data-testid=sim-from]', '2026-10');
  await page.fill('[data-testid=sim-to]', '2026-11');
  const text = await page.inputValue('[data-testid=policy-yaml]');
  const doubled = text
    .replace(/rate: "?1000\.00"?/, 'rate: "2000.00"')
    .replace(/rate: "?600\.00"?/, 'rate: "1200.00"')
    .replace(/version: 1\b/, 'version: 2')
    .replace(/annual_cny: "?25800\.00"?/, 'annual_cny: "40000.00"');
  expect(doubled).toContain('annual_cny: "40000.00"');
  await page.fill('[data-testid=policy-yaml]', doubled);
  await page.click('[data-testid=simulate]');
  await page.waitForSelector('[data-testid=sim-chart] canvas', { timeout: 120_000 });
  const rows = await page.$$eval('[data-testid=sim-months] tbody tr', (trs) => trs.map((tr) => tr.textContent ?? ''));
  expect(rows).toHaveLength(2);
  expect(await page.textContent('[data-testid=sim-top]')).toContain('AS64502');
  await page.screenshot({ path: join(ARTIFACTS, `simulation-${lang}.png`), fullPage: true });
  // a float where money must be a quoted decimal: the problem is shown under its line
  await page.fill('[data-testid=policy-yaml]', doubled.replace(/rate: "2000\.00"/, 'rate: 2000'));
  await page.click('[data-testid=policy-check]');
  await page.waitForSelector('[data-testid=yaml-problems] .yaml-line.bad');
  const bad = await page.getAttribute('[data-testid=yaml-problems] .yaml-line.bad', 'data-line');
  const lineNo =
    doubled
      .replace(/rate: "2000\.00"/, 'rate: 2000')
      .split('\n')
      .findIndex((l) => l.includes('rate: 2000')) + 1;
  expect(Number(bad)).toBe(lineNo);
  expect(await page.textContent('[data-testid=yaml-problems] .yaml-line.bad')).toContain('tiers.0.rate');
  await page.locator('[data-testid=yaml-problems] .yaml-line.bad').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(ARTIFACTS, `policy-problems-${lang}.png`), fullPage: true });
}

describe('programme console (chromium)', () => {
  it('budget panel and what-if page in zh-CN, then in English', async () => {
    const page = await signIn();
    await page.goto(`${t.svc.url}/finance/statements?month=2026-11`);
    await page.waitForSelector('[data-testid=budget-facts]');
    const facts = await page.textContent('[data-testid=budget-facts]');
    expect(facts).toContain('0.5');
    expect(facts).toContain('按比例折算');
    await page.screenshot({ path: join(ARTIFACTS, 'budget-zh.png'), fullPage: true });
    await programmePage(page, 'zh');
    await page.click('[data-testid=lang-switch]');
    await page.waitForFunction(
      () =>
        (globalThis as unknown as { document: { documentElement: { lang: string } } }).document.documentElement.lang ===
        'en',
    );
    await page.goto(`${t.svc.url}/finance/statements?month=2026-11`);
    await page.waitForSelector('[data-testid=budget-facts]');
    expect(await page.textContent('[data-testid=budget-facts]')).toContain('pro rata');
    await page.screenshot({ path: join(ARTIFACTS, 'budget-en.png'), fullPage: true });
    await programmePage(page, 'en');
    expect(pageErrors).toEqual([]);
  }, 300_000);
});
