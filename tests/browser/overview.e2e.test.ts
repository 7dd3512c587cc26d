/**
 * The exchange overview wall screen and the member portal's new parts in a real browser (Debian's chromium
 * driven by playwright-core) against the service started in-process (real chDB, Redis): 30 days of member
 * traffic (IPv4 and IPv6) seeded into member_traffic_5m, one member driven over its port threshold, alerts.
 * - Wall screen (admin and regulator; zh-CN by default, English): figures, charts, top members and pairs by
 *   name, ports over threshold, open alerts by severity, the notices slot (its endpoint may be missing), exporters.
 * - Member portal: peers by name (zh/en), per-peer graphs, IPv4/IPv6 split, growth, utilisation gauge, today's
 *   graph without future points, CSV of a shown series.
 * Screenshots go to test-artifacts/overview/ (1920×1080 for the wall screen).
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

const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'overview');
const dir = tempDir();
const profile = mkdtempSync(join(tmpdir(), 'ixmeter-chromium-'));
let t: TestService;
let browser: BrowserContext;
const tokens: Record<string, string> = {};
const pageErrors: string[] = [];

const NAMES: Array<[number, string, string, number]> = [
  [64500, 'China Telecom Ningxia', '中国电信宁夏', 100_000],
  [64501, 'China Mobile Ningxia', '中国移动宁夏', 100_000],
  [64502, 'China Unicom Ningxia', '中国联通宁夏', 40_000],
  [64503, 'Western Cloud Base', '西部云基地', 40_000],
  [64504, 'Zhongwei Data Harbour', '中卫数据港', 1000],
  [64505, 'Ningxia Broadcasting', '宁夏广电网络', 10_000],
  [64506, 'Helan Mountain IDC', '贺兰山数据中心', 10_000],
  [64507, 'Shapotou CDN', '沙坡头内容分发', 20_000],
];

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

interface Dom {
  querySelector(s: string): { getAttribute(n: string): string | null; textContent: string | null } | null;
  querySelectorAll(s: string): { length: number };
}
type Win = { document: Dom };

async function shot(page: Page, name: string, fullPage = true): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage });
}

async function signIn(
  token: string,
  viewport = { width: 1366, height: 900 },
  landing = '[data-testid=nav]',
): Promise<Page> {
  const page = await browser.newPage();
  await page.setViewportSize(viewport);
  page.on('pageerror', (e) => pageErrors.push(`${page.url()}: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text()))
      pageErrors.push(`${page.url()}: ${m.text()}`);
  });
  await page.goto(`${t.svc.url}/signin`);
  await page.fill('#token', token);
  await page.click('button[type=submit]');
  await page.waitForSelector(landing);
  return page;
}

beforeAll(async () => {
  requireChromium();
  mkdirSync(ARTIFACTS, { recursive: true });
  const launching = launchConsoleBrowser(profile);
  launching.catch(() => undefined);
  t = await startTestService(dir.path, { IXMETER_PUBLIC_STATS: 'true' });
  const doc = ixfDoc(
    NAMES.map(([asn, name]) => ({
      asn,
      name,
      macs: [`02:00:00:00:01:${(asn - 64500).toString(16).padStart(2, '0')}`],
    })),
  );
  for (const m of doc.member_list as Array<Record<string, any>>) {
    const spec = NAMES.find((n) => n[0] === m.asnum)!;
    m.ixmeter.name_zh = spec[2];
    m.connection_list[0].if_list[0].if_speed = spec[3];
  }
  expect((await call('POST', '/members/import', doc)).status).toBe(200);
  // 45 days of 5-minute buckets up to the current one (so "this month" has a last month to compare with): every
  // member sends to three others, diurnal (peak at 21:00 UTC+8), a third of the pairs IPv6, traffic growing by
  // 0.5 % a day; AS64504 (a 1 Gbit/s port) exchanges little, except a steady 850 Mbit/s to AS64500 for the last
  // 6 hours (85 % of its port: over the 80 % threshold).
  const now = Math.floor(Date.now() / 1000 / 300) * 300;
  const days = 45;
  const start = now - days * 86_400;
  await t.svc.storage.client.command({
    query: `INSERT INTO member_traffic_5m (bucket, src_asn, dst_asn, ip_version, bytes, l3_bytes, packets, samples)
      SELECT toDateTime(${start} + intDiv(number, 24) * 300, 'UTC') AS b, 64500 + s AS src, 64500 + d AS dst, if((s + k) % 3 = 0, 6, 4),
             toUInt64(w * (1 + 0.005 * intDiv(number, 24 * 288)) * (1.6 + sin(2 * pi() * ((toUnixTimestamp(b) + 28800 - 75600) / 86400 + 0.25)))), 1, 1, 1
      FROM (SELECT number, number % 24 AS j, intDiv(j, 3) AS s, j % 3 AS k, (s + 1 + k) % 8 AS d,
                   if(s = 4 OR d = 4, 2e8, (8 - s) * 2.5e9) / (k + 1) AS w FROM numbers(${(days * 86_400) / 300 + 1} * 24))`,
  });
  await t.svc.storage.client.command({
    query: `INSERT INTO member_traffic_5m (bucket, src_asn, dst_asn, ip_version, bytes, l3_bytes, packets, samples)
      SELECT toDateTime(${now - 6 * 3600} + number * 300, 'UTC'), 64504, 64500, 4, toUInt64(850e6 * 300 / 8), 1, 1, 1 FROM numbers(${6 * 12 + 1})`,
  });
  await t.svc.domain.utilization.scan(t.svc.domain.alerts, Date.now());
  await t.svc.domain.alerts.ingest([
    {
      type: 'DDOS_AMPLIFICATION',
      severity: 'major',
      target: '203.0.113.10',
      sourceAsn: 64501,
      victimAsn: 64500,
      firstSeenMs: Date.now() - 600_000,
      lastSeenMs: Date.now() - 60_000,
      ruleId: 'DDOS_AMPLIFICATION@1',
    },
    {
      type: 'L2_UNKNOWN_SRC_MAC',
      severity: 'warning',
      target: '02:00:00:00:00:99',
      sourceAsn: null,
      victimAsn: null,
      firstSeenMs: Date.now() - 300_000,
      lastSeenMs: Date.now() - 120_000,
      ruleId: 'L2_UNKNOWN_SRC_MAC@1',
    },
  ]);
  const mk = async (name: string, body: Record<string, unknown>) => {
    tokens[name] = String((await call('POST', '/tokens', { ...body, name })).body.token);
  };
  await mk('regulator', { role: 'regulator' });
  await mk('member-64504', { role: 'member', asn: 64504 });
  browser = await launching;
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await t?.svc.stop();
  dir.cleanup();
  rmSync(profile, { recursive: true, force: true });
});

describe('exchange overview and member portal (chromium)', () => {
  it('wall screen for staff: figures, charts, names, ports over threshold, alerts by severity, the notices slot', async () => {
    const page = await signIn(t.admin, { width: 1920, height: 1080 });
    await page.click('[data-testid=open-dashboard]');
    await page.waitForURL(/\/dashboard$/);
    await page.waitForSelector('[data-testid=dash-chart-24h] canvas');
    await page.waitForSelector('[data-testid=dash-chart-30d] canvas');
    await page.waitForSelector('[data-testid=dash-ports] [data-testid=util-gauge]');
    await page.waitForSelector('[data-testid=dash-alerts] .dash-sev-box[data-severity=major][data-count="1"]');
    expect(await page.textContent('[data-testid=dash-now]')).toMatch(/[GT]bps/);
    expect(await page.textContent('[data-testid=dash-members]')).toContain('8');
    expect(await page.textContent('[data-testid=dash-top-members]')).toContain('中国电信宁夏');
    expect(await page.textContent('[data-testid=dash-top-pairs]')).toContain('→');
    expect(await page.textContent('[data-testid=dash-ports]')).toContain('中卫数据港');
    const peaks = await page.$$eval('[data-testid=dash-ports] [data-testid=util-gauge]', (g) =>
      g.map((x) => Number(x.getAttribute('data-peak'))),
    );
    expect(peaks.some((p) => p >= 80 && p < 100)).toBe(true);
    expect(await page.textContent('[data-testid=dash-alerts]')).toContain('端口利用率超限');
    // Notices come from another part (GET /notices); without it the slot says so and nothing breaks.
    const notices = await page.textContent('[data-testid=dash-notices]');
    expect(notices).toMatch(/整改通知/);
    expect(await page.textContent('html')).not.toContain('undefined');
    await shot(page, 'dashboard-admin-zh', false);
    await page.click('[data-testid=lang-switch]');
    await page.waitForFunction(() =>
      ((globalThis as unknown as Win).document.querySelector('[data-testid=dashboard] h1')?.textContent ?? '').includes(
        'Overview',
      ),
    );
    expect(await page.textContent('[data-testid=dash-top-members]')).toContain('China Telecom Ningxia');
    await shot(page, 'dashboard-admin-en', false);
    await page.click('[data-testid=lang-switch]'); // back to zh-CN for the next tests
    // The operations console: every member's utilisation, worst first, on the ports page.
    await page.click('[data-testid=dash-back]');
    await page.click('[data-testid=nav] a[data-nav=ops-ports]');
    await page.waitForSelector('[data-testid=ops-utilization] tr.over[data-asn="64504"] [data-testid=util-gauge]');
    expect(await page.textContent('[data-testid=ops-utilization] tbody tr:first-child')).toContain('中卫数据港');
    await page.setViewportSize({ width: 1366, height: 900 });
    await shot(page, 'ops-ports-utilization-zh');
    await page.close();
  });

  it('wall screen for the regulator: the overview, and clear notes where the role may not look', async () => {
    // The regulator's home is the wall screen.
    const page = await signIn(tokens.regulator!, { width: 1920, height: 1080 }, '[data-testid=dashboard]');
    expect(new URL(page.url()).pathname).toBe('/dashboard');
    await page.goto(`${t.svc.url}/dashboard?refresh=10`);
    await page.waitForSelector('[data-testid=dash-chart-24h] canvas');
    await page.waitForSelector('[data-testid=dash-exporters] [data-testid=panel-unavailable]');
    expect(await page.textContent('[data-testid=dash-clock], [data-testid=dash-updated]')).toContain('10');
    expect(await page.textContent('[data-testid=dash-top-members]')).toContain('中国电信宁夏');
    await shot(page, 'dashboard-regulator-zh', false);
    await page.close();
  });

  it('member portal: peers by name, per-peer graphs, IPv4/IPv6, growth, utilisation, no future points, CSV', async () => {
    const page = await signIn(tokens['member-64504']!);
    await page.waitForURL(/\/members\/64504\/traffic/);
    await page.waitForSelector('[data-testid=traffic-chart] canvas');
    await page.waitForSelector('[data-testid=peers-table]');
    await page.waitForSelector('[data-testid=peer-chart] canvas');
    await page.waitForSelector('[data-testid=growth-card] [data-testid=growth-pct]');
    await page.waitForSelector('[data-testid=util-card] [data-testid=util-gauge]');
    const peers = await page.$$eval('[data-testid=peers-table] tbody th', (th) => th.map((x) => x.textContent ?? ''));
    expect(peers[0]).toContain('中国电信宁夏');
    expect(peers[0]).toContain('AS64500');
    expect(await page.textContent('[data-testid=version-split]')).toMatch(/IPv4 占 .*IPv6 占/);
    expect(Number(await page.getAttribute('[data-testid=util-gauge]', 'data-peak'))).toBeGreaterThan(80);
    // Today's graph: the API's series ends at the current 5-minute step (no zeros for the rest of the day).
    const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    const r = await call(
      'GET',
      `/members/64504/traffic?from=${today}T00:00:00%2B08:00&to=${today}T23:59:59%2B08:00&step=300`,
      undefined,
      tokens['member-64504'],
    );
    const series = r.body.series as Array<{ ts: string }>;
    expect(Date.parse(series.at(-1)!.ts)).toBeLessThanOrEqual(Date.now());
    expect(Date.parse(series.at(-1)!.ts)).toBeGreaterThan(Date.now() - 600_000);
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=csv-traffic]')]);
    const csv = readFileSync((await dl.path())!, 'utf8');
    expect(csv.startsWith('\ufeff时间,in_bps,out_bps')).toBe(true);
    expect(csv.trim().split('\n').length).toBe(series.length + 1);
    const [dl2] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=csv-versions]')]);
    expect(dl2.suggestedFilename()).toBe('ixmeter-AS64504-ipv4-ipv6.csv');
    await shot(page, 'member-portal-zh');
    await page.click('[data-testid=lang-switch]');
    await page.waitForFunction(() =>
      (
        (globalThis as unknown as Win).document.querySelector('[data-testid=peers-table] tbody th')?.textContent ?? ''
      ).includes('China Telecom'),
    );
    await shot(page, 'member-portal-en');
    await page.close();
  });

  it('public statistics page (/stats, no sign-in): the fabric graph and figures, no member anywhere', async () => {
    const page = await browser.newPage();
    await page.setViewportSize({ width: 1366, height: 800 });
    page.on('pageerror', (e) => pageErrors.push(`${page.url()}: ${e.message}`));
    await page.goto(`${t.svc.url}/stats`);
    await page.waitForSelector('#chart canvas');
    await page.waitForFunction(() =>
      ((globalThis as unknown as Win).document.querySelector('#figures')?.textContent ?? '').includes('bps'),
    );
    const text = (await page.textContent('body')) ?? '';
    expect(text).toContain('当前速率');
    for (const [asn, name, zh] of NAMES) for (const x of [String(asn), name, zh]) expect(text).not.toContain(x);
    await shot(page, 'public-stats-zh', false);
    await page.click('#lang');
    await page.waitForFunction(() =>
      ((globalThis as unknown as Win).document.querySelector('#title')?.textContent ?? '').includes(
        'Traffic statistics',
      ),
    );
    await page.click('#ranges button:nth-child(3)');
    await page.waitForSelector('#chart[data-range="30d"] canvas');
    await shot(page, 'public-stats-en-30d', false);
    await page.close();
  });

  it('raised no page errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
