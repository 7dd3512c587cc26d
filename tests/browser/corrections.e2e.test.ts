/**
 * Issue 13's console pages in a real browser (Debian chromium, playwright-core) against the in-process
 * service: the exclusions page (four eyes: the proposer's approve button is disabled, another finance user
 * approves), the dispute queue (resolve), and a member's statement with missing buckets and its silent
 * exporter; in zh-CN and en. Screenshots go to test-artifacts/corrections/.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchConsoleBrowser, requireChromium } from '../helpers/console-tab.js';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/env.js';
import { startTestService, type TestService } from '../helpers/in-process.js';
import { ixfDoc } from '../helpers/ixf.js';

const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'corrections');
const dir = tempDir();
const profile = mkdtempSync(join(tmpdir(), 'ixmeter-chromium-'));
let t: TestService;
let browser: BrowserContext;
const tokens: Record<string, string> = {};

const now = new Date(Date.now() + 8 * 3600_000);
const prev = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
const MONTH = `${prev.getUTCFullYear()}-${String(prev.getUTCMonth() + 1).padStart(2, '0')}`;
const START = Date.parse(`${MONTH}-01T00:00:00+08:00`);
const N = new Date(Date.UTC(prev.getUTCFullYear(), prev.getUTCMonth() + 1, 0)).getUTCDate() * 288;

const call = async (method: string, path: string, body?: unknown, token = t.admin) => {
  const r = await fetch(`${t.svc.url}/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
};

async function shot(page: Page, name: string): Promise<void> {
  await page.waitForFunction(
    () =>
      !(globalThis as unknown as { document: { querySelector(s: string): unknown } }).document.querySelector(
        '.loading',
      ),
  );
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

async function signIn(token: string, lang: 'zh' | 'en'): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${t.svc.url}/`);
  await page.waitForURL(/\/signin/);
  await page.evaluate(
    (l) =>
      (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem(
        'ixmeter.lang',
        l,
      ),
    lang,
  );
  await page.reload();
  await page.fill('#token', token);
  await page.click('button[type=submit]');
  await page.waitForSelector('[data-testid=nav]');
  return page;
}

beforeAll(async () => {
  requireChromium();
  mkdirSync(ARTIFACTS, { recursive: true });
  const launching = launchConsoleBrowser(profile);
  launching.catch(() => undefined);
  t = await startTestService(dir.path);
  const doc = ixfDoc([
    {
      asn: 64500,
      name: 'Ningxia Cloud Example',
      ports: [{ exporter: '192.0.2.1', if_index: 1 }],
      type: 'cloud',
      firstProduction: `${MONTH.slice(0, 4)}-01-01`,
      enrolled: true,
    },
    {
      asn: 64501,
      name: 'Zhongwei CDN Example',
      ports: [{ exporter: '192.0.2.2', if_index: 1 }],
      type: 'cdn',
      firstProduction: `${MONTH.slice(0, 4)}-01-01`,
      enrolled: true,
    },
  ]);
  // effective before the month, so the registered ports carry the members all month
  await t.svc.domain.members.importRegistry(JSON.stringify(doc), {
    source: 'test',
    actor: 'test',
    effectiveAtMs: START - 86_400_000,
  });
  const policy = readFileSync('policies/example-policy.yaml', 'utf8')
    .replace('policy_id: EXAMPLE-ZW-TRAFFIC-2022', 'policy_id: TEST-CORRECTIONS')
    .replace('effective_from: "2022-07-01"', `effective_from: "${MONTH}-01"`)
    .replace('effective_to: "2025-12-31"', 'effective_to: null');
  expect(
    (
      await fetch(`${t.svc.url}/api/v1/policies`, {
        method: 'POST',
        headers: { authorization: `Bearer ${t.admin}`, 'content-type': 'application/yaml' },
        body: policy,
      })
    ).status,
  ).toBe(200);
  // exporter 192.0.2.1 silent on the 10th 08:00–14:00 and for 33 h 20 min from the 20th: AS64500's buckets there are missing
  const silent = (i: number) => (i >= 9 * 288 + 96 && i < 9 * 288 + 168) || (i >= 19 * 288 && i < 19 * 288 + 400);
  const q = (sql: string) => t.svc.storage.client.command({ query: sql });
  await q(
    `INSERT INTO exporter_activity_5m SELECT toDateTime(${START / 1000} + number * 300, 'UTC'), toIPv6('::ffff:192.0.2.2'), 5 FROM numbers(${N})`,
  );
  await q(`INSERT INTO exporter_activity_5m SELECT toDateTime(${START / 1000} + number * 300, 'UTC'), toIPv6('::ffff:192.0.2.1'), 5 FROM numbers(${N})
           WHERE NOT ((number >= ${9 * 288 + 96} AND number < ${9 * 288 + 168}) OR (number >= ${19 * 288} AND number < ${19 * 288 + 400}))`);
  expect(silent(9 * 288 + 100)).toBe(true);
  for (const [a, b, k] of [
    [64500, 64501, 37],
    [64501, 64500, 53],
  ]) {
    await q(`INSERT INTO member_io_5m (asn, bucket, peer_asn, ip_version, in_bytes, out_bytes, in_samples, out_samples)
             SELECT ${a}, toDateTime(${START / 1000} + number * 300, 'UTC'), ${b}, 4, 400000000 * (((number * ${k}) % 100) + 1), 200000000 * (((number * 11) % 100) + 1), 1, 1 FROM numbers(${N})`);
  }
  for (const asn of [64500, 64501]) await t.svc.domain.statements.compute(asn, MONTH, 'scheduler', 'seed');
  const mk = async (name: string, body: Record<string, unknown>) => {
    tokens[name] = String((await call('POST', '/tokens', { ...body, name })).body.token);
  };
  await mk('finance-wang', { role: 'finance' });
  await mk('finance-li', { role: 'finance' });
  await mk('member-64500', { role: 'member', asn: 64500 });
  await call(
    'POST',
    '/exclusions',
    {
      asn: 64501,
      from: `${MONTH}-05T01:00:00+08:00`,
      to: `${MONTH}-05T03:00:00+08:00`,
      reason: 'maintenance',
      note: 'ZW-OPS-1182 line card swap',
    },
    tokens['finance-li'],
  );
  const fabric = await call(
    'POST',
    '/exclusions',
    {
      asn: null,
      from: `${MONTH}-12T00:00:00+08:00`,
      to: `${MONTH}-12T00:30:00+08:00`,
      reason: 'data_fault',
      note: 'collector disk full',
    },
    tokens['finance-li'],
  );
  await call('POST', `/exclusions/${String(fabric.body.id)}/approve`, undefined, tokens['finance-wang']);
  await call(
    'POST',
    `/members/64501/statements/${MONTH}/disputes`,
    { note: 'Peak on the 18th looks doubled; our router shows 4.1 Gbit/s' },
    t.admin,
  );
  browser = await launching;
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await t?.svc.stop();
  dir.cleanup();
  rmSync(profile, { recursive: true, force: true });
});

describe('statement corrections in the console (chromium)', () => {
  for (const lang of ['zh', 'en'] as const) {
    it(`exclusions page, four eyes (${lang})`, async () => {
      const page = await signIn(tokens['finance-li']!, lang);
      await page.goto(`${t.svc.url}/finance/exclusions?month=${MONTH}`);
      await page.waitForSelector('[data-testid=exclusions-table]');
      const own = page.locator('[data-testid=exclusions-table] tr', { hasText: 'ZW-OPS-1182' }).locator('button');
      expect(await own.isDisabled()).toBe(true); // proposed by this user
      await shot(page, `exclusions-${lang}`);
      await page.close();
    });
  }

  it('another finance user approves; the dispute queue resolves', async () => {
    const page = await signIn(tokens['finance-wang']!, 'zh');
    await page.goto(`${t.svc.url}/finance/exclusions?month=${MONTH}`);
    const row = page.locator('[data-testid=exclusions-table] tr', { hasText: 'ZW-OPS-1182' });
    await row.locator('button').click();
    await page.waitForFunction(
      () =>
        !(globalThis as unknown as { document: { querySelector(s: string): unknown } }).document.querySelector(
          '[data-testid=exclusions-table] tr button:not([disabled])',
        ),
    );
    expect(await row.locator('.badge').getAttribute('data-value')).toBe('approved');
    await page.goto(`${t.svc.url}/finance/disputes`);
    await page.waitForSelector('[data-testid=dispute-queue]');
    await shot(page, 'disputes-zh');
    await page.close();
    const en = await signIn(tokens['finance-wang']!, 'en');
    await en.goto(`${t.svc.url}/finance/disputes`);
    await en.waitForSelector('[data-testid=dispute-queue]');
    await shot(en, 'disputes-en');
    await en.fill('[data-testid=dispute-queue] input', 'Peak confirmed by port counters; no change');
    await en.locator('[data-testid=dispute-queue] button', { hasText: 'Reject' }).click();
    await en.waitForSelector('text=No disputes match.');
    await en.close();
  });

  for (const lang of ['zh', 'en'] as const) {
    it(`a member's statement with missing buckets and its silent exporter (${lang})`, async () => {
      const page = await signIn(tokens['member-64500']!, lang);
      await page.goto(`${t.svc.url}/members/64500/statements`);
      await page.waitForSelector('[data-testid=coverage-card] [data-testid=silent-exporters]');
      expect(await page.textContent('[data-testid=missing-buckets]')).toBe('472');
      expect(await page.$$eval('[data-testid=silent-exporters] tbody tr', (r) => r.length)).toBe(2);
      await page.waitForSelector(
        '[data-testid=statement-disputes] [data-testid=window] >> text=/\\d{4}-\\d{2}-\\d{2}/',
      ); // the window's last day
      await shot(page, `member-statement-coverage-${lang}`);
      await page.close();
    });
  }
});
