/**
 * The rectification-notice loop through the API on real chDB: issue from an alert (evidence limited to
 * the member), acknowledge, report, detector verification, reopen, rectify; overdue flagging; member
 * isolation; bad input changes nothing; every step in the audit log; the regulator reads, never writes;
 * the month's supervision report equals the alert and notice tables (JSON, XLSX, PDF via pdftotext).
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { createDomainServices, type DomainServices } from '../../src/runtime/domain-services.js';
import { openMigratedStorage } from '../../src/runtime/storage-setup.js';
import { createMetrics } from '../../src/shared/metrics.js';
import type { Storage } from '../../src/storage/clickhouse/client.js';
import { connectRedis, type RedisHandle } from '../../src/storage/redis/connection.js';
import { monthBounds } from '../../src/statements/time.js';
import { silentLog, tempDir, testConfig } from '../helpers/env.js';
import { ixfDoc } from '../helpers/ixf.js';

const dir = tempDir();
let storage: Storage;
let redis: RedisHandle;
let app: FastifyInstance;
let domain: DomainServices;
const tok: Record<string, string> = {};
let alertId = '';

const call = async (who: string, method: 'GET' | 'POST', url: string, payload?: unknown) =>
  app.inject({
    method,
    url: `/api/v1${url}`,
    headers: { authorization: `Bearer ${tok[who]}` },
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
const inHours = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();
const sql = async <T>(query: string): Promise<T[]> =>
  (
    await storage.client.query({
      query,
      format: 'JSONEachRow',
      clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
    })
  ).json<T>();

beforeAll(async () => {
  const config = testConfig(join(dir.path, 'd'));
  ({ storage } = await openMigratedStorage(config, silentLog));
  redis = await connectRedis(config, silentLog);
  domain = createDomainServices(storage, config, silentLog);
  await domain.members.importRegistry(
    JSON.stringify(ixfDoc([{ asn: 64500, name: 'Alpha Net' }, { asn: 64501, name: 'Beta Cloud' }, { asn: 64502 }])),
    { source: 't', actor: 't' },
  );
  app = await buildApp({
    config,
    log: silentLog,
    storage,
    redis,
    metrics: createMetrics(),
    collectors: () => ({ status: 'stopped', listeners: [] }),
    ...domain,
  });
  await app.ready();
  for (const [k, role, asn] of [
    ['security', 'security', null],
    ['admin', 'admin', null],
    ['regulator', 'regulator', null],
    ['a', 'member', 64500],
    ['b', 'member', 64501],
  ] as const) {
    tok[k] = (await domain.tokens.create({ role, asn, createdBy: 'test' })).token;
  }
  const now = Date.now();
  const [ev] = await domain.alerts.ingest([
    {
      type: 'DDOS_AMPLIFICATION',
      severity: 'major',
      target: '198.51.100.7',
      sourceAsn: 64500,
      victimAsn: 64501,
      firstSeenMs: now - 60_000,
      lastSeenMs: now,
      ruleId: 'DDOS_AMPLIFICATION@1',
      metrics: { pps: 48_000 },
      evidence: {
        topSources: [
          { addr: '192.0.2.10', asn: 64500, pps: 30_000 },
          { addr: '203.0.113.9', asn: 64502, pps: 18_000 },
        ],
      } as Record<string, unknown>,
    },
    {
      type: 'L2_UNKNOWN_SRC_MAC',
      severity: 'warning',
      target: '02:00:00:00:00:99',
      sourceAsn: 64501,
      victimAsn: null,
      firstSeenMs: now,
      lastSeenMs: now,
      ruleId: 'L2@1',
    },
  ]);
  alertId = ev!.alert_id;
});
afterAll(async () => {
  await app?.close();
  await redis?.close();
  await storage?.close();
  dir.cleanup();
});

describe('rectification notices', () => {
  let id = '';

  it('refuses bad input with a clear error and changes nothing', async () => {
    const before = (await sql<{ n: number }>('SELECT count() AS n FROM notice_events'))[0]!.n;
    const past = await call('security', 'POST', '/notices', {
      asn: 64500,
      title: 't',
      body: 'b',
      deadline: new Date(Date.now() - 60_000).toISOString(),
    });
    expect(past.statusCode).toBe(400);
    expect(past.json().message).toMatch(/deadline .* is not in the future/);
    const unknown = await call('security', 'POST', '/notices', {
      asn: 64999,
      title: 't',
      body: 'b',
      deadline: inHours(24),
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().message).toMatch(/no member AS64999/);
    const foreign = await call('security', 'POST', '/notices', {
      asn: 64502,
      alert_id: alertId,
      title: 't',
      body: 'b',
      deadline: inHours(24),
    });
    expect(foreign.json().message).toMatch(/AS64502 is neither its source nor its victim/);
    expect(
      (await call('a', 'POST', '/notices', { asn: 64500, title: 't', body: 'b', deadline: inHours(24) })).statusCode,
    ).toBe(403);
    expect(
      (await call('regulator', 'POST', '/notices', { asn: 64500, title: 't', body: 'b', deadline: inHours(24) }))
        .statusCode,
    ).toBe(403);
    expect((await sql<{ n: number }>('SELECT count() AS n FROM notice_events'))[0]!.n).toBe(before);
  });

  it('issues a notice from an alert with the evidence limited to the member', async () => {
    const r = await call('security', 'POST', '/notices', {
      asn: 64500,
      alert_id: alertId,
      title: '关闭开放的 memcached 反射源',
      body: '贵单位 192.0.2.10 参与反射放大攻击，请于期限内整改。',
      deadline: inHours(48),
    });
    expect(r.statusCode).toBe(201);
    expect(r.json()).toMatchObject({ status: 'issued', asn: 64500, alert_id: alertId, overdue: false });
    id = r.json().id;
    const ev = r.json().evidence;
    expect(ev.alert).toMatchObject({ id: alertId, type: 'DDOS_AMPLIFICATION' });
    expect(ev.topSources).toEqual([
      { addr: '192.0.2.10', asn: 64500, pps: 30_000 },
      { addr: '203.0.113.9', asn: null, pps: 18_000 },
    ]);
  });

  it('keeps members to their own notices', async () => {
    expect((await call('a', 'GET', '/notices')).json().notices.map((n: { id: string }) => n.id)).toEqual([id]);
    expect((await call('b', 'GET', '/notices')).json().notices).toEqual([]);
    expect((await call('b', 'GET', `/notices?asn=64500`)).json().notices).toEqual([]);
    expect((await call('b', 'GET', `/notices/${id}`)).statusCode).toBe(404);
    const ack = await call('b', 'POST', `/notices/${id}/acknowledge`, { note: 'not mine' });
    expect(ack.statusCode).toBe(404);
    expect(ack.json().message).toBe(`no notice ${id} for AS64501`);
    expect((await call('a', 'GET', `/notices/${id}`)).json().history).toHaveLength(1);
  });

  it('runs the loop: acknowledge, report, detector evidence, reopen, report, rectify', async () => {
    expect((await call('a', 'POST', `/notices/${id}/report`, { note: 'early' })).statusCode).toBe(409);
    expect((await call('a', 'POST', `/notices/${id}/acknowledge`, { note: '已收到' })).json().status).toBe(
      'acknowledged',
    );
    expect((await call('a', 'POST', `/notices/${id}/report`, { note: '' })).statusCode).toBe(400);
    const rep = await call('a', 'POST', `/notices/${id}/report`, { note: '已关闭 UDP 11211' });
    expect(rep.json()).toMatchObject({
      status: 'reported',
      verification: { alert_type: 'DDOS_AMPLIFICATION', recurrences: 0, quiet_minutes: 0 },
    });
    // the detector sees it again, from the same member
    const now = Date.now();
    await domain.alerts.ingest([
      {
        type: 'DDOS_AMPLIFICATION',
        severity: 'major',
        target: '198.51.100.8',
        sourceAsn: 64500,
        victimAsn: 64501,
        firstSeenMs: now,
        lastSeenMs: now,
        ruleId: 'DDOS_AMPLIFICATION@1',
      },
    ]);
    expect((await call('security', 'GET', `/notices/${id}`)).json().verification).toMatchObject({ recurrences: 1 });
    expect((await call('a', 'POST', `/notices/${id}/verify`, { outcome: 'rectified', note: '' })).statusCode).toBe(403);
    const re = await call('security', 'POST', `/notices/${id}/verify`, {
      outcome: 'reopened',
      note: '仍有反射流量',
      deadline: inHours(24),
    });
    expect(re.json()).toMatchObject({ status: 'reopened', verification: null });
    expect((await call('a', 'POST', `/notices/${id}/report`, { note: '已升级固件并封禁' })).json().status).toBe(
      'reported',
    );
    const ok = await call('security', 'POST', `/notices/${id}/verify`, { outcome: 'rectified', note: '复核通过' });
    expect(ok.json().status).toBe('rectified');
    expect(ok.json().history.map((h: { event: string }) => h.event)).toEqual([
      'issued',
      'acknowledged',
      'reported',
      'reopened',
      'reported',
      'rectified',
    ]);
    expect(
      (await call('security', 'POST', `/notices/${id}/verify`, { outcome: 'reopened', note: '' })).statusCode,
    ).toBe(409);
    const audit = (await call('admin', 'GET', `/audit?limit=1000`))
      .json()
      .entries.filter((e: { object: string }) => e.object === id)
      .map((e: { action: string }) => e.action);
    expect(audit.sort()).toEqual([
      'notice.acknowledged',
      'notice.issue',
      'notice.rectified',
      'notice.reopened',
      'notice.reported',
      'notice.reported',
    ]);
  });

  it('flags an overdue notice once, and shows it to the member', async () => {
    const r = await call('security', 'POST', '/notices', {
      asn: 64501,
      title: '清理未登记 MAC',
      body: '端口出现未登记源 MAC。',
      deadline: new Date(Date.now() + 1500).toISOString(),
    });
    const oid = r.json().id as string;
    await new Promise((res) => setTimeout(res, 1600));
    expect((await domain.notices.flagOverdue()).flagged).toEqual([oid]);
    expect((await domain.notices.flagOverdue()).flagged).toEqual([]);
    const mine = (await call('b', 'GET', '/notices?overdue=true')).json().notices;
    expect(mine.map((n: { id: string }) => n.id)).toEqual([oid]);
    expect(mine[0].history.map((h: { event: string }) => h.event)).toEqual(['issued', 'overdue']);
    const audit = (await call('admin', 'GET', `/audit?action=notice.overdue`)).json().entries;
    expect(audit.map((e: { object: string }) => e.object)).toContain(oid);
  });
});

describe('regulator and the supervision report', () => {
  const month = monthBounds(new Date().toISOString().slice(0, 7), 'Asia/Shanghai').month;

  it('lets the regulator read alerts, notices, reports and the audit log, and nothing of money or flows', async () => {
    for (const u of ['/alerts', '/notices', `/reports/security/${month}`, '/audit', `/alerts/${alertId}/deliveries`])
      expect((await call('regulator', 'GET', u)).statusCode, u).toBe(200);
    for (const u of [
      '/statements/2026-11',
      '/members/64500/statements/2026-11',
      '/traffic/matrix',
      '/members/64500/traffic',
      '/policies',
    ])
      expect((await call('regulator', 'GET', u)).statusCode, u).toBe(403);
  });

  it('counts what the alert and notice tables hold', async () => {
    const r = (await call('regulator', 'GET', `/reports/security/${month}`)).json();
    const b = monthBounds(month, 'Asia/Shanghai');
    const alerts = await sql<{
      type: string;
      n: number;
    }>(`SELECT type, count() AS n FROM (SELECT alert_id, any(type) AS type, min(first_seen) AS fs FROM alert_events GROUP BY alert_id)
      WHERE fs >= fromUnixTimestamp64Milli(${b.start}) AND fs < fromUnixTimestamp64Milli(${b.end}) GROUP BY type ORDER BY type`);
    expect(
      r.alerts.by_type
        .map((c: { key: string; count: number }) => ({ type: c.key, n: c.count }))
        .sort((x: { type: string }, y: { type: string }) => x.type.localeCompare(y.type)),
    ).toEqual(alerts);
    expect(r.alerts.total).toBe(alerts.reduce((s, a) => s + a.n, 0));
    const ev = await sql<{ event: string; n: number }>(`SELECT event, count() AS n FROM notice_events GROUP BY event`);
    const n = (e: string) => ev.find((x) => x.event === e)?.n ?? 0;
    expect(r.notices).toMatchObject({
      issued: n('issued'),
      rectified: n('rectified'),
      overdue: n('overdue'),
      reopened: n('reopened'),
    });
    expect(r.notices.median_hours_to_rectify).toBeGreaterThanOrEqual(0);
    expect(r.alerts.by_member).toContainEqual({ asn: 64500, name: 'Alpha Net', as_source: 2, as_victim: 0 });
    expect(r.alerts.by_member).toContainEqual({ asn: 64501, name: 'Beta Cloud', as_source: 1, as_victim: 2 });
    expect(r.hygiene).toMatchObject({ total: 1, by_member: [{ asn: 64501, count: 1 }] });
    expect(r.open_items.notices.map((x: { status: string; overdue: boolean }) => [x.status, x.overdue])).toEqual([
      ['issued', true],
    ]);
    expect(r.open_items.alerts_total).toBe(3);
    expect(r.inputs_hash).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('renders XLSX and PDF (zh and en) that carry the same figures', async () => {
    const x = await call('security', 'GET', `/reports/security/${month}?format=xlsx&lang=en`);
    expect(x.headers['content-type']).toContain('spreadsheetml');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(x.rawPayload as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual([
      'Summary',
      'By type',
      'By severity',
      'By member',
      'Hygiene',
      'Open notices',
      'Open alerts',
    ]);
    const summary = wb.getWorksheet('Summary')!;
    const rows = summary
      .getSheetValues()
      .filter(Boolean)
      .map((v) => (v as unknown[]).slice(1));
    expect(rows.find((v) => String(v[0]).startsWith('notices issued'))?.[1]).toBe(2);
    for (const lang of ['zh', 'en']) {
      const p = await call('regulator', 'GET', `/reports/security/${month}?format=pdf&lang=${lang}`);
      expect(p.headers['content-type']).toBe('application/pdf');
      const file = join(dir.path, `r-${lang}.pdf`);
      writeFileSync(file, p.rawPayload);
      const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
      expect(text).toContain('安全监管月报');
      expect(text).toContain('Security supervision report');
      expect(text).toContain('DDOS_AMPLIFICATION');
      expect(text).toContain('AS64501');
      expect(text.replace(/\s+/g, '')).toContain(p.headers['x-ixmeter-inputs-hash'] as string);
    }
  });
});
