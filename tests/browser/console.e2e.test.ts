/**
 * The web console in a real browser (Debian's chromium driven by playwright-core) against the service
 * started in-process (real chDB, Redis, UDP): sign-in per role and navigation, the member traffic graph,
 * a statement download, the four-eyes workflow, alert acknowledgement, member isolation (API 403 shown
 * as a message), the member registry upload and the language switch. Screenshots go to test-artifacts/console/.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLOW_COLUMNS } from '../../collectors/pipeline/rows.js';
import { tempDir } from '../helpers/env.js';
import { startTestService, waitFor, type TestService } from '../helpers/in-process.js';
import { ixfDoc, type TestMember } from '../helpers/ixf.js';
import { signInTab } from '../helpers/console-tab.js';

const CHROMIUM = process.env.IXMETER_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'console');
const dir = tempDir();
const profile = mkdtempSync(join(tmpdir(), 'ixmeter-chromium-'));
let t: TestService;
let browser: BrowserContext;
let launching: Promise<BrowserContext> | undefined;
const tokens: Record<string, string> = {};
const pageErrors: string[] = [];

// The seeded day: the 15th of the previous month (billing time zone UTC+8), inside the statement month.
const now = new Date(Date.now() + 8 * 3600_000);
const prev = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
const MONTH = `${prev.getUTCFullYear()}-${String(prev.getUTCMonth() + 1).padStart(2, '0')}`;
const DAY = `${MONTH}-15`;
const MONTH_START = Date.parse(`${MONTH}-01T00:00:00+08:00`) / 1000;
const N = new Date(Date.UTC(prev.getUTCFullYear(), prev.getUTCMonth() + 1, 0)).getUTCDate() * 288; // 5-minute buckets of the month
const DAY_FIRST = 14 * 288; // first bucket of the 15th
const START = MONTH_START + DAY_FIRST * 300;
const inBytes = (k: number) => 4_000_000_000 * (((k * 37) % 100) + 1); // AS64500 → AS64501, every bucket of the month
const DDOS = 'DDOS_AMPLIFICATION';

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

const MEMBERS: TestMember[] = [
  {
    asn: 64500,
    name: 'Ningxia Cloud Example',
    macs: ['02:00:00:00:00:01'],
    type: 'cloud',
    firstProduction: `${MONTH.slice(0, 4)}-01-01`,
    enrolled: true,
  },
  { asn: 64501, name: 'Zhongwei CDN Example', macs: ['02:00:00:00:00:02'], type: 'cdn' },
  { asn: 64502, name: 'Western IDC Example', macs: ['02:00:00:00:00:03'], type: 'idc' },
];
const members = ixfDoc(MEMBERS);

/**
 * Typing of the page's document inside browser-side callbacks (this project compiles without the DOM lib).
 * Only functions can be passed: the console's CSP forbids the eval that string expressions would need.
 */
interface Dom {
  querySelector(s: string): { getAttribute(n: string): string | null; textContent: string | null } | null;
  querySelectorAll(s: string): { length: number };
  documentElement: { lang: string };
}
type Win = { document: Dom };

/** Waits until no part of the page is still loading. */
async function settled(page: Page): Promise<void> {
  await page.waitForSelector('main h1');
  await page.waitForFunction(() => !(globalThis as unknown as Win).document.querySelector('.loading'));
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

const signedIn = new Map<string, Page>();

/** The signed-in tab of a token (kept open across tests to save sign-ins). */
async function tabOf(token: string): Promise<Page> {
  const open = signedIn.get(token);
  if (open && !open.isClosed()) return open;
  const page = await signIn(token);
  signedIn.set(token, page);
  return page;
}

async function signIn(token: string): Promise<Page> {
  return signInTab(browser, t.svc.url!, token, pageErrors);
}

const navIds = (page: Page) =>
  page.$$eval('[data-testid=nav] a[data-nav]', (as) => as.map((a) => a.getAttribute('data-nav')));

beforeAll(async () => {
  // Never skipped: without a browser this test fails (.ci/run installs Debian's chromium).
  if (!existsSync(CHROMIUM))
    throw new Error(`chromium not found at ${CHROMIUM}: apt-get install chromium, or set IXMETER_CHROMIUM`);
  mkdirSync(ARTIFACTS, { recursive: true });
  // the browser starts while the service starts and the data is seeded
  launching = chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--lang=zh-CN',
    ],
    viewport: { width: 1366, height: 900 },
    acceptDownloads: true,
    locale: 'zh-CN',
    timezoneId: 'UTC', // the console shows UTC+8 whatever the browser's zone is
  });
  launching.catch(() => undefined); // observed below (or in afterAll when seeding fails first)
  t = await startTestService(dir.path);
  expect((await call('POST', '/members/import', members)).status).toBe(200);
  const cols = FLOW_COLUMNS.filter((c) =>
    [
      'received_at',
      'protocol',
      'exporter',
      'src_addr',
      'dst_addr',
      'packets',
      'l3_octets',
      'frame_octets',
      'sampling_rate',
      'sampling_source',
      'src_asn',
      'dst_asn',
      'src_attr',
      'dst_attr',
    ].includes(c),
  );
  const gen = (
    a: number,
    b: number,
    expr: string,
    from: number,
    n: number,
  ) => `INSERT INTO flows_raw (${cols.join(', ')})
    SELECT toDateTime64(${MONTH_START} + number * 300 + 7, 3, 'UTC'), 'ipfix', toIPv6('::ffff:192.0.2.1'), toIPv6('::'), toIPv6('::'), 1, b - 18, b, 1, 'record', ${a}, ${b}, 'mac', 'mac'
    FROM (SELECT number, ${expr} AS b FROM numbers(${from}, ${n}))`;
  await t.svc.storage.client.command({ query: gen(64500, 64501, '4000000000 * (((number * 37) % 100) + 1)', 0, N) });
  await t.svc.storage.client.command({ query: gen(64501, 64500, '2000000000 * (((number * 53) % 100) + 1)', 0, N) });
  await t.svc.storage.client.command({
    query: gen(64502, 64500, '300000000 * (((number * 11) % 100) + 1)', DAY_FIRST, 288),
  }); // one day only

  const policy = readFileSync('policies/example-policy.yaml', 'utf8')
    .replace('policy_id: EXAMPLE-ZW-TRAFFIC-2022', 'policy_id: TEST-CONSOLE-EXAMPLE')
    .replace('effective_from: "2022-07-01"', `effective_from: "${MONTH}-01"`)
    .replace('effective_to: "2025-12-31"', 'effective_to: null');
  const added = await fetch(`${t.svc.url}/api/v1/policies`, {
    method: 'POST',
    headers: { authorization: `Bearer ${t.admin}`, 'content-type': 'application/yaml' },
    body: policy,
  });
  expect(added.status).toBe(200);

  const run = await call('POST', `/statements/${MONTH}/run`);
  expect(run.status).toBe(202);
  await waitFor(
    async () => (await call('GET', `/jobs/${String(run.body.job_id)}`)).body.state === 'completed',
    60_000,
    'the statements run',
  );

  const first = START * 1000 + 10 * 3600_000;
  await t.svc.domain.alerts.ingest([
    {
      type: DDOS,
      severity: 'major',
      target: '203.0.113.10',
      sourceAsn: 64501,
      victimAsn: 64500,
      firstSeenMs: first,
      lastSeenMs: first + 11 * 60_000,
      ruleId: `${DDOS}@1`,
      thresholds: { pps: 20_000, bps: 1e9 },
      metrics: { pps: 50_000, bps: 4e9 },
      evidence: {
        topSources: [
          { addr: '198.51.100.1', asn: 64501, pps: 40_000, bps: 3.2e9 },
          { addr: '198.51.100.2', asn: 64502, pps: 10_000, bps: 0.8e9 },
        ],
        topSrcPorts: [{ key: 123, pps: 48_000 }],
        topDstPorts: [{ key: 443, pps: 30_000 }],
        protocols: [{ key: 17, pps: 50_000 }],
        sampleFlows: [],
        samplingRates: [1],
        series: Array.from({ length: 12 }, (_, i) => ({
          ts: first + i * 60_000,
          bps: 1e9 + i * 3e8,
          pps: 10_000 + i * 3500,
        })),
      },
    },
    {
      type: 'L2_UNKNOWN_SRC_MAC',
      severity: 'warning',
      target: '02:00:00:00:00:99',
      sourceAsn: null,
      victimAsn: null,
      firstSeenMs: first,
      lastSeenMs: first + 60_000,
      ruleId: 'L2_UNKNOWN_SRC_MAC@1',
      evidence: { details: { port: 'sw1|7' } },
    },
  ]);

  const mk = async (name: string, body: Record<string, unknown>) => {
    tokens[name] = String((await call('POST', '/tokens', { ...body, name })).body.token);
  };
  await mk('finance-preparer', { role: 'finance' });
  await mk('finance-approver', { role: 'finance' });
  await mk('security-analyst', { role: 'security' });
  await mk('auditor', { role: 'auditor' });
  await mk('member-64500', { role: 'member', asn: 64500 });

  browser = await launching;
}, 120_000);

afterAll(async () => {
  await (browser ?? (await launching?.catch(() => undefined)))?.close();
  await t?.svc.stop();
  dir.cleanup();
  rmSync(profile, { recursive: true, force: true });
});

describe('web console (chromium)', () => {
  it('serves the console without shadowing the API, and /me names the token', async () => {
    const index = await fetch(`${t.svc.url}/finance/statements`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/text\/html/);
    expect(index.headers.get('content-security-policy')).toMatch(/script-src 'self' 'sha256-/);
    const api404 = await fetch(`${t.svc.url}/api/v1/no-such-route`, {
      headers: { authorization: `Bearer ${t.admin}` },
    });
    expect(api404.headers.get('content-type')).toMatch(/application\/json/);
    expect(((await api404.json()) as { code: string }).code).toBe('IXMETER_ERR_NOT_FOUND');
    expect((await fetch(`${t.svc.url}/metrics`)).headers.get('content-type')).toMatch(/text\/plain/);
    expect((await fetch(`${t.svc.url}/vendor/uplot/uPlot.esm.js`)).status).toBe(200);
    expect((await fetch(`${t.svc.url}/missing.js`)).status).toBe(404);
    expect((await call('GET', '/me', undefined, tokens['member-64500'])).body).toMatchObject({
      role: 'member',
      asn: 64500,
      name: 'member-64500',
    });
    expect((await call('GET', '/me', undefined, 'ixm_wrong')).status).toBe(401);
  });

  it('shows each role its own navigation after signing in with a token', async () => {
    const expected: Record<string, string[]> = {
      'member-64500': ['member-traffic', 'member-statements', 'member-alerts', 'member-notices'],
      'finance-preparer': [
        'finance-statements',
        'finance-policies',
        'finance-programme',
        'finance-exclusions',
        'finance-disputes',
        'ops-members',
      ],
      'security-analyst': [
        'security-alerts',
        'security-notices',
        'security-report',
        'ops-exporters',
        'ops-ports',
        'ops-members',
      ],
      auditor: [
        'finance-statements',
        'finance-policies',
        'finance-programme',
        'finance-exclusions',
        'finance-disputes',
        'security-alerts',
        'security-notices',
        'security-report',
        'ops-exporters',
        'ops-ports',
        'ops-members',
      ],
      admin: [
        'finance-statements',
        'finance-policies',
        'finance-programme',
        'finance-exclusions',
        'finance-disputes',
        'security-alerts',
        'security-notices',
        'security-report',
        'ops-exporters',
        'ops-ports',
        'ops-members',
      ],
    };
    for (const [who, ids] of Object.entries(expected)) {
      const page = await tabOf(who === 'admin' ? t.admin : tokens[who]!);
      expect(await navIds(page), who).toEqual(ids);
      await settled(page);
      await shot(page, `home-${who}`);
    }
    // a wrong token: a clear message on the sign-in page
    const page = await browser.newPage();
    await page.goto(`${t.svc.url}/signin`);
    await page.fill('#token', 'ixm_not_a_token');
    await page.click('button[type=submit]');
    const err = await page.waitForSelector('[data-testid=error]');
    expect(await err.getAttribute('data-status')).toBe('401');
    await shot(page, 'signin-rejected');
    await page.close();
  });

  it('draws the member traffic graph with its P95 lines and lists the peers', async () => {
    const page = await tabOf(tokens['member-64500']!);
    await page.waitForURL(/\/members\/64500\/traffic/);
    await page.fill('input[name=date]', DAY);
    await page.dispatchEvent('input[name=date]', 'change');
    await page.waitForURL(new RegExp(`date=${DAY}`));
    await page.waitForSelector('[data-testid=traffic-chart] canvas');
    await page.waitForFunction(
      () =>
        Number(
          (globalThis as unknown as Win).document
            .querySelector('[data-testid=legend-p95-in]')
            ?.getAttribute('data-value'),
        ) > 0,
    );
    const p95In = Number(await page.getAttribute('[data-testid=legend-p95-in]', 'data-value'));
    const p95Out = Number(await page.getAttribute('[data-testid=legend-p95-out]', 'data-value'));
    expect(p95In).toBeGreaterThan(0);
    expect(p95Out).toBeGreaterThan(0);
    expect(await page.textContent('[data-testid=legend-p95-in]')).toMatch(/[GM]bps/);
    // the billing rule over the day's 288 buckets
    const ins = Array.from({ length: 288 }, (_, i) => (inBytes(DAY_FIRST + i) * 8) / 300).sort((a, b) => a - b);
    expect(p95In).toBeCloseTo(ins[288 - Math.floor(288 * 0.05) - 1]!, 0);
    const canvas = await page.$eval('[data-testid=traffic-chart] canvas', (c) => ({
      w: (c as unknown as { width: number }).width,
      h: (c as unknown as { height: number }).height,
    }));
    expect(canvas.w).toBeGreaterThan(300);
    await page.waitForSelector('[data-testid=peers-table] tbody tr[data-peer="64502"]'); // the peers load after the graph
    const peers = await page.$$eval('[data-testid=peers-table] tbody th', (th) => th.map((x) => x.textContent ?? ''));
    expect(peers.some((p) => p.includes('AS64501'))).toBe(true);
    expect(peers.some((p) => p.includes('AS64502'))).toBe(true);
    await shot(page, 'member-traffic-day');
    await page.click('input[name=period][value=week]');
    await page.waitForURL(/period=week/);
    await page.waitForSelector('[data-testid=traffic-chart] canvas');
    await shot(page, 'member-traffic-week');

    // statements: list, subsidy summary with the EXAMPLE banner, CSV download with BOM and exact figures
    await page.click('[data-testid=nav] a[data-nav=member-statements]');
    const row = await page.waitForSelector(`[data-testid=statements-table] tr[data-month="${MONTH}"]`);
    await page.waitForSelector('[data-testid=subsidy-summary] [data-testid=example-banner]');
    const [dl] = await Promise.all([
      page.waitForEvent('download'),
      row.$('button[aria-label*="CSV"]').then((b) => b!.click()),
    ]);
    expect(dl.suggestedFilename()).toMatch(new RegExp(`^ixmeter-statement-AS64500-${MONTH}-v1\\.csv$`));
    const csv = readFileSync((await dl.path())!);
    expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const doc = (await call('GET', `/members/64500/statements/${MONTH}`)).body as {
      in_bytes: string;
      out_bytes: string;
      subsidy: { amount_cny: string };
    };
    const text = csv.toString('utf8');
    expect(text).toContain(doc.in_bytes);
    expect(text).toContain(doc.out_bytes);
    expect(BigInt(doc.in_bytes)).toBe(
      Array.from({ length: N }, (_, k) => BigInt(inBytes(k))).reduce((a, b) => a + b, 0n),
    );
    expect(Number(doc.subsidy.amount_cny)).toBeGreaterThan(0);
    const [units, fen] = doc.subsidy.amount_cny.split('.');
    expect(await page.textContent('[data-testid=subsidy-amount]')).toBe(
      `¥${units!.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${fen}`,
    );
    await shot(page, 'member-statements');

    // alerts that concern the member (victim of the DDoS; not the L2 alert)
    await page.click('[data-testid=nav] a[data-nav=member-alerts]');
    await page.waitForSelector('[data-testid=member-alerts]');
    expect(await page.$$eval('[data-testid=member-alerts] tbody tr', (r) => r.length)).toBe(1);
    await shot(page, 'member-alerts');

    // another member's pages: the API's 403 as a clear message, not a blank page
    for (const section of ['traffic', 'statements']) {
      await page.goto(`${t.svc.url}/members/64501/${section}`);
      const err = await page.waitForSelector('[data-testid=error][data-status="403"]');
      expect(await err.textContent()).toContain('无权访问');
      expect(await err.textContent()).toContain('AS64500');
      expect(await page.getAttribute('[data-testid=own-pages]', 'href')).toBe('/members/64500/traffic');
      await shot(page, `member-forbidden-${section}`);
    }
    expect(await navIds(page)).toEqual(['member-traffic', 'member-statements', 'member-alerts', 'member-notices']);
  });

  it('runs, reviews and approves statements with two finance tokens (four eyes)', async () => {
    const a = await tabOf(tokens['finance-preparer']!);
    await a.goto(`${t.svc.url}/finance/statements?month=${MONTH}`);
    await a.waitForSelector('[data-testid=period-table] tr[data-asn="64500"]');
    await a.click('[data-testid=run-statements]');
    await a.waitForSelector('[data-testid=run-progress][data-state=completed]', { timeout: 60_000 });
    expect(await a.getAttribute('#run-progress', 'value')).toBe('100');
    await shot(a, 'finance-run-completed');
    const row = '[data-testid=period-table] tr[data-asn="64500"]';
    await a.click(`${row} button[data-action=review]`);
    await a.waitForSelector(`${row} [data-testid=row-status] [data-value=reviewed]`);
    await a.click(`${row} button[data-action=approve]`);
    const err = await a.waitForSelector('[data-testid=action-error] [data-testid=error][data-status="403"]');
    expect(await err.textContent()).toContain('操作被拒绝');
    await shot(a, 'finance-approve-same-token-refused');
    const [exp] = await Promise.all([a.waitForEvent('download'), a.click('button:has-text("导出 CSV")')]);
    expect(exp.suggestedFilename()).toBe(`ixmeter-statements-${MONTH}.csv`);

    const b = await signIn(tokens['finance-approver']!);
    await b.goto(`${t.svc.url}/finance/statements?month=${MONTH}`);
    await b.waitForSelector(`${row} [data-testid=row-status] [data-value=reviewed]`);
    await b.fill('input[name=note]', '核对无误');
    await b.click(`${row} button[data-action=approve]`);
    await b.waitForSelector(`${row} [data-testid=row-status] [data-value=approved]`);
    expect(await b.textContent('[data-testid=action-ok]')).toContain('AS64500');
    await shot(b, 'finance-approved');
    await b.click('[data-testid=nav] a[data-nav=finance-policies]');
    await b.waitForSelector('[data-testid=example-banner]');
    await shot(b, 'finance-policies');
    await b.close();
    expect((await call('GET', `/members/64500/statements/${MONTH}`)).body).toMatchObject({ status: 'approved' });
  });

  it('lets security filter the queue, read the evidence and acknowledge an alert', async () => {
    const page = await tabOf(tokens['security-analyst']!);
    await page.waitForSelector('[data-testid=alert-queue]');
    expect(await page.$$eval('[data-testid=alert-queue] tbody tr', (r) => r.length)).toBe(2);
    await page.selectOption('[data-testid=filter-type]', DDOS);
    await page.waitForFunction(
      () => (globalThis as unknown as Win).document.querySelectorAll('[data-testid=alert-queue] tbody tr').length === 1,
    );
    await page.selectOption('[data-testid=filter-status]', 'open');
    await page.waitForURL(/status=open/);
    await shot(page, 'security-queue');
    await page.click('[data-testid=alert-queue] tbody tr a');
    await page.waitForSelector('[data-testid=top-sources]');
    await page.waitForSelector('[data-testid=alert-bps-chart] canvas');
    expect(await page.textContent('[data-testid=top-sources]')).toContain('198.51.100.1');
    await page.fill('#alert-note', '正在与 AS64501 联系');
    await page.click('[data-testid=ack]');
    await page.waitForSelector('[data-testid=alert-status] [data-value=acknowledged]');
    expect(await page.textContent('[data-testid=alert-history]')).toContain('正在与 AS64501 联系');
    await shot(page, 'security-alert-acknowledged');
    await page.check('input[name=exclude]');
    await page.click('[data-testid=resolve]');
    await page.waitForSelector('[data-testid=alert-status] [data-value=resolved]');
    expect(await page.textContent('[data-testid=alert-action-ok]')).toMatch(/ex_/);
    await shot(page, 'security-alert-resolved');
  });

  it('shows operations pages and imports the member registry from a file', async () => {
    const page = await tabOf(t.admin);
    for (const [nav, sel] of [
      ['ops-exporters', 'main h1'],
      ['ops-ports', 'main h1'],
    ] as const) {
      await page.click(`[data-testid=nav] a[data-nav=${nav}]`);
      await page.waitForSelector(sel);
      await settled(page);
      await shot(page, nav);
    }
    await page.click('[data-testid=nav] a[data-nav=ops-members]');
    await page.waitForSelector('[data-testid=members-table] tr[data-asn="64502"]');
    const changed = ixfDoc([
      ...MEMBERS,
      { asn: 64503, name: 'New Member Example', macs: ['02:00:00:00:00:04'], type: 'research_edu' },
    ]);
    await page.setInputFiles('#ixf-file', {
      name: 'members.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(changed)),
    });
    await page.click('[data-testid=import-form] button[type=submit]');
    await page.waitForSelector('[data-testid=import-result]');
    await page.waitForSelector('[data-testid=members-table] tr[data-asn="64503"]');
    await shot(page, 'ops-members-imported');
    await page.setInputFiles('#ixf-file', {
      name: 'broken.json',
      mimeType: 'application/json',
      buffer: Buffer.from('{"version": "1.0"'),
    });
    await page.click('[data-testid=import-form] button[type=submit]');
    await page.waitForSelector('[data-testid=import-form] [data-testid=error]');
  });

  it('switches the language to English and keeps the choice', async () => {
    const page = await tabOf(tokens['member-64500']!);
    await page.click('[data-testid=nav] a[data-nav=member-traffic]');
    expect(await page.textContent('[data-testid=nav] a[data-nav=member-traffic]')).toBe('流量');
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
    await page.click('[data-testid=lang-switch]');
    await page.waitForFunction(
      () =>
        (globalThis as unknown as Win).document.querySelector('[data-testid=nav] a[data-nav=member-traffic]')
          ?.textContent === 'Traffic',
    );
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await page.textContent('[data-testid=nav] a[data-nav=member-statements]')).toBe('Statements');
    await page.goto(`${t.svc.url}/members/64500/traffic?period=day&date=${DAY}`);
    await page.waitForSelector('[data-testid=traffic-chart] canvas');
    expect(await page.textContent('[data-testid=nav] a[data-nav=member-traffic]')).toBe('Traffic'); // persisted
    await shot(page, 'member-traffic-en');
    await page.goto(`${t.svc.url}/members/64501/traffic`);
    expect(await (await page.waitForSelector('[data-testid=error][data-status="403"]')).textContent()).toContain(
      'Access denied',
    );
    await page.click('[data-testid=lang-switch]');
    await page.waitForFunction(() => (globalThis as unknown as Win).document.documentElement.lang === 'zh-CN');
    await page.close();
    expect(pageErrors).toEqual([]);
  });
});
