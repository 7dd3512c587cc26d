/**
 * The rectification-notice loop in Debian's chromium against the in-process service: security issues a
 * notice from an alert, the member acknowledges and reports, security reopens, the member reports again
 * and security verifies; another member sees none of it; an overdue notice is flagged in the member's
 * console and the security queue; the regulator reads the queue and the monthly report, with no actions.
 * Screenshots go to test-artifacts/notices/.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/env.js';
import { startTestService, type TestService } from '../helpers/in-process.js';
import { ixfDoc } from '../helpers/ixf.js';
import { signInTab, launchConsoleBrowser, requireChromium } from '../helpers/console-tab.js';

const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'notices');
const dir = tempDir();
const profile = mkdtempSync(join(tmpdir(), 'ixmeter-chromium-'));
let t: TestService;
let browser: BrowserContext | undefined;
const tok: Record<string, string> = {};
const pageErrors: string[] = [];
let alertId = '';

const call = async (method: string, path: string, body?: unknown, token = t.admin) => {
  const r = await fetch(`${t.svc.url}/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: r.status, body: (await r.json()) as Record<string, any> };
};
type Win = { document: { querySelector(s: string): { textContent: string | null } | null } };

const signIn = (token: string): Promise<Page> => signInTab(browser!, t.svc.url!, token, pageErrors);
async function settled(page: Page): Promise<void> {
  await page.waitForSelector('main h1');
  await page.waitForFunction(() => !(globalThis as unknown as Win).document.querySelector('.loading'));
}
const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
const statusText = (page: Page) => page.textContent('[data-testid=notice-status]');

beforeAll(async () => {
  requireChromium();
  mkdirSync(ARTIFACTS, { recursive: true });
  const launching = launchConsoleBrowser(profile);
  launching.catch(() => undefined);
  t = await startTestService(dir.path);
  expect(
    (
      await call(
        'POST',
        '/members/import',
        ixfDoc([
          { asn: 64500, name: 'Ningxia Cloud Example' },
          { asn: 64501, name: 'Zhongwei CDN Example' },
        ]),
      )
    ).status,
  ).toBe(200);
  for (const [name, role, asn] of [
    ['security', 'security', null],
    ['a', 'member', 64500],
    ['b', 'member', 64501],
    ['regulator', 'regulator', null],
  ] as const) {
    tok[name] = String((await call('POST', '/tokens', { role, asn: asn ?? undefined, name })).body.token);
  }
  const now = Date.now();
  const [ev] = await t.svc.domain.alerts.ingest([
    {
      type: 'DDOS_AMPLIFICATION',
      severity: 'major',
      target: '203.0.113.10',
      sourceAsn: 64500,
      victimAsn: 64501,
      firstSeenMs: now - 600_000,
      lastSeenMs: now,
      ruleId: 'DDOS_AMPLIFICATION@1',
      metrics: { pps: 48_000 },
      evidence: {
        topSources: [
          { addr: '192.0.2.10', asn: 64500, pps: 30_000 },
          { addr: '192.0.2.77', asn: 64501, pps: 18_000 },
        ],
      } as Record<string, unknown>,
    },
  ]);
  alertId = ev!.alert_id;
  browser = await launching;
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await t?.svc.stop();
  rmSync(profile, { recursive: true, force: true });
  dir.cleanup();
});

describe('rectification notices in the console', () => {
  let id = '';

  it('security issues a notice from an alert; the member acknowledges and reports', async () => {
    const sec = await signIn(tok.security!);
    expect(
      await sec.$$eval('[data-testid=nav] a[data-nav]', (as) => as.map((a) => a.getAttribute('data-nav'))),
    ).toContain('security-notices');
    await sec.goto(`${t.svc.url}/alerts/${alertId}`);
    await settled(sec);
    await sec.click('[data-testid=issue-from-alert]');
    await sec.waitForSelector('[data-testid=issue-form]');
    expect(await sec.inputValue('input[name=alert_id]')).toBe(alertId);
    expect(await sec.inputValue('input[name=asn]')).toBe('64500');
    await sec.fill('input[name=title]', '关闭开放的 memcached 反射源');
    await sec.fill(
      'textarea[name=body]',
      '贵单位地址 192.0.2.10 参与了针对 203.0.113.10 的反射放大攻击。\n请关闭 UDP 11211 的公网访问，并在期限内报告整改情况。',
    );
    const deadline = new Date(Date.now() + 8 * 3600_000 + 2 * 86_400_000).toISOString().slice(0, 16); // UTC+8 wall clock, two days ahead
    await sec.fill('input[name=deadline]', deadline);
    await shot(sec, '01-security-issue-form');
    await sec.click('[data-testid=issue-submit]');
    await sec.waitForURL(/\/notices\/nt_/);
    await settled(sec);
    id = sec.url().split('/').pop()!;
    expect(await statusText(sec)).toBe('已下发');
    expect(await sec.textContent('[data-testid=notice-evidence]')).toContain('192.0.2.10');
    await shot(sec, '02-security-notice-issued');

    const a = await signIn(tok.a!);
    await a.click('[data-testid=nav] a[data-nav=member-notices]');
    await settled(a);
    await a.waitForSelector('[data-testid=todo-banner]');
    await shot(a, '03-member-my-notices');
    await a.click(`[data-notice="${id}"] a`);
    await settled(a);
    // the other member's ASN is not shown in the member's evidence
    expect(await a.textContent('[data-testid=notice-evidence]')).not.toContain('AS64501');
    await a.fill('#notice-note', '已收到，正在处理');
    await a.click('[data-testid=do-acknowledge]');
    await a.waitForFunction(
      () =>
        (globalThis as unknown as Win).document.querySelector('[data-testid=notice-status]')?.textContent === '已签收',
    );
    await a.fill('#notice-note', '已在边界路由器上封禁 UDP 11211 入向流量，并关闭 memcached 的 UDP 监听。');
    await a.click('[data-testid=do-report]');
    await a.waitForFunction(
      () =>
        (globalThis as unknown as Win).document.querySelector('[data-testid=notice-status]')?.textContent ===
        '已报告整改',
    );
    await a.waitForSelector('[data-testid=verification]');
    await shot(a, '04-member-reported');
  }, 120_000);

  it('keeps another member out', async () => {
    const b = await signIn(tok.b!);
    await b.goto(`${t.svc.url}/notices/${id}`);
    const err = await b.waitForSelector('[data-testid=error][data-status="404"]');
    expect(await err.textContent()).toContain(`no notice ${id} for AS64501`);
    await shot(b, '05-other-member-refused');
    await b.goto(`${t.svc.url}/members/64501/notices`);
    await settled(b);
    expect(await b.$$(`[data-notice="${id}"]`)).toHaveLength(0);
  }, 60_000);

  it('security reopens; the member reports again; security verifies', async () => {
    const sec = await signIn(tok.security!);
    await sec.goto(`${t.svc.url}/notices/${id}`);
    await settled(sec);
    await sec.click('[data-testid=outcome-reopened]');
    await sec.fill('#notice-note', '复核时仍观测到少量反射流量，请彻底关闭 UDP 监听。');
    await sec.click('[data-testid=do-verify]');
    await sec.waitForFunction(
      () =>
        (globalThis as unknown as Win).document.querySelector('[data-testid=notice-status]')?.textContent === '已重开',
    );
    await shot(sec, '06-security-reopened');
    const a = await signIn(tok.a!);
    await a.goto(`${t.svc.url}/notices/${id}`);
    await settled(a);
    await a.fill('#notice-note', 'memcached 已升级并改为仅监听内网地址。');
    await a.click('[data-testid=do-report]');
    await a.waitForFunction(
      () =>
        (globalThis as unknown as Win).document.querySelector('[data-testid=notice-status]')?.textContent ===
        '已报告整改',
    );
    await sec.reload();
    await settled(sec);
    await sec.click('[data-testid=do-verify]'); // outcome rectified is the default
    await sec.waitForFunction(
      () =>
        (globalThis as unknown as Win).document.querySelector('[data-testid=notice-status]')?.textContent === '已整改',
    );
    expect(await sec.$$eval('[data-testid=notice-history] tbody tr', (rs) => rs.length)).toBe(6);
    await shot(sec, '07-security-rectified');
  }, 120_000);

  it('flags an overdue notice for the member and in the security queue', async () => {
    const r = await call(
      'POST',
      '/notices',
      {
        asn: 64501,
        title: '清理未登记的源 MAC 地址',
        body: '端口 ge-0/0/7 上出现未登记的源 MAC，请清理。',
        deadline: new Date(Date.now() + 1500).toISOString(),
      },
      tok.security,
    );
    expect(r.status).toBe(201);
    await new Promise((res) => setTimeout(res, 1600));
    expect((await t.svc.domain.notices.flagOverdue()).flagged).toEqual([r.body.id]);
    const b = await signIn(tok.b!);
    await b.click('[data-testid=nav] a[data-nav=member-notices]');
    await settled(b);
    await b.waitForSelector('[data-testid=overdue-banner]');
    expect(await b.textContent('[data-testid=my-notices]')).toContain('逾期');
    await shot(b, '08-member-overdue');
    const sec = await signIn(tok.security!);
    await sec.goto(`${t.svc.url}/security/notices?overdue=true`);
    await settled(sec);
    expect(await sec.$$eval('[data-testid=notice-table] tbody tr', (rs) => rs.length)).toBe(1);
    await shot(sec, '09-security-queue-overdue');
  }, 60_000);

  it('shows the regulator the queue and the monthly report, read-only', async () => {
    // The regulator lands on the wall screen (issue 17); the supervision pages are in its navigation.
    const reg = await signInTab(browser!, t.svc.url!, tok.regulator!, pageErrors, '[data-testid=dash-alerts]');
    await reg.waitForURL(/\/dashboard$/);
    await reg.goto(`${t.svc.url}/security/alerts`);
    await reg.waitForSelector('[data-testid=nav]');
    expect(
      await reg.$$eval('[data-testid=nav] a[data-nav]', (as) => as.map((a) => a.getAttribute('data-nav'))),
    ).toEqual(['overview-dashboard', 'security-alerts', 'security-notices', 'security-report']);
    await reg.click('[data-testid=nav] a[data-nav=security-notices]');
    await settled(reg);
    expect(await reg.$$('[data-testid=issue-form]')).toHaveLength(0);
    await shot(reg, '10-regulator-queue');
    await reg.goto(`${t.svc.url}/notices/${id}`);
    await settled(reg);
    expect(await reg.$$('[data-testid=notice-step]')).toHaveLength(0);
    await reg.click('[data-testid=nav] a[data-nav=security-report]');
    await settled(reg);
    expect(await reg.textContent('[data-testid=report-issued]')).toBe('2');
    await shot(reg, '11-regulator-report');
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
