/**
 * The exchange overview, port utilisation, member portal, public statistics and traffic gauges against real
 * embedded ClickHouse (chDB) and Redis. Rows go into member_traffic_5m; the views (0011, 0012, 0040, 0041)
 * carry them to every rollup, and each answer is checked against member_traffic_5m itself:
 * - the overview total is the sum of the matrix over the same range (any range: days, hours, 5-minute edges,
 *   600 days), IPv4 + IPv6 = total at every point, no point in the future, peak and P95 as computed here;
 * - PORT_UTILIZATION opens for a member at ≥ its threshold in each of the last buckets, not below (per port:
 *   port-utilization.int.test.ts);
 * - public statistics: 404 when off (default), on: the fabric only, no member identity in any field;
 * - the regulator reads the overview and is refused statements.
 */
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { createDomainServices, type DomainServices } from '../../src/runtime/domain-services.js';
import { openMigratedStorage } from '../../src/runtime/storage-setup.js';
import { createMetrics } from '../../src/shared/metrics.js';
import { prng } from '../../src/shared/prng.js';
import type { Storage } from '../../src/storage/clickhouse/client.js';
import { connectRedis, type RedisHandle } from '../../src/storage/redis/connection.js';
import type { Config } from '../../src/config/load.js';
import { ixfDoc } from '../helpers/ixf.js';
import { silentLog, tempDir, testConfig } from '../helpers/env.js';

const dir = tempDir();
let storage: Storage;
let redis: RedisHandle;
let config: Config;
let domain: DomainServices;
const apps: FastifyInstance[] = [];

const B = 300;
const NOW = Date.now();
const T = Math.floor(NOW / 1000 / B) * B; // the current bucket
const OLD = T - 500 * 86_400; // rows 500 days back: a range of 600 days reaches them
const ASNS = [0, 64500, 64501, 64502, 64503];
/** Utilisation members: 10 Mbit/s each (IX-F if_speed 10); AS65004 has its own threshold of 40 %. */
const UTIL = [65001, 65002, 65003, 65004];
const CAP_BPS = 10e6;
const bytesAt = (pct: number) => Math.round(((pct / 100) * CAP_BPS * B) / 8);

const rnd = prng(17);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo));
type Row = {
  bucket: number;
  src_asn: number;
  dst_asn: number;
  ip_version: number;
  bytes: number;
  l3_bytes: number;
  packets: number;
  samples: number;
};
const rows: Row[] = [];

async function app(over: Partial<Config> = {}): Promise<FastifyInstance> {
  const c = { ...config, ...over } as Config;
  const a = await buildApp({
    config: c,
    log: silentLog,
    storage,
    redis,
    metrics: createMetrics(),
    collectors: () => ({ status: 'stopped', listeners: [] }),
    ...domain,
  });
  await a.ready();
  apps.push(a);
  return a;
}

beforeAll(async () => {
  config = testConfig(join(dir.path, 'd'), { IXMETER_UTILIZATION_BUCKETS: '3', IXMETER_METRICS_TOP_MEMBERS: '2' });
  ({ storage } = await openMigratedStorage(config, silentLog));
  redis = await connectRedis(config, silentLog);
  domain = createDomainServices(storage, config, silentLog);
  // AS65001's one switch port (192.0.2.9, ifIndex 7) sends interface counters: per-port utilisation.
  const doc = ixfDoc(
    [...ASNS.filter((a) => a), ...UTIL].map((asn) => ({
      asn,
      name: `Member ${asn} Ltd`,
      ...(asn === 65001 ? { ports: [{ exporter: '192.0.2.9', if_index: 7 }] } : {}),
    })),
  );
  for (const m of doc.member_list as Array<Record<string, any>>) {
    m.connection_list[0].if_list[0].if_speed = 10;
    m.ixmeter.name_zh = `成员${m.asnum}`;
    if (m.asnum === 65004) m.ixmeter.utilization_threshold_pct = 40;
  }
  await domain.members.importRegistry(JSON.stringify(doc), {
    source: 'test',
    actor: 'test',
    effectiveAtMs: Date.UTC(2020, 0, 1),
  });
  // Three days of random pair traffic ending an hour ago (some rows on odd seconds), and a few rows 500 days back.
  for (let part = 0; part < 4; part++) {
    const values: Row[] = Array.from({ length: 600 }, () => {
      const bytes = int(1, 2 ** 36);
      return {
        bucket: rnd() < 0.05 ? int(T - 3 * 86_400, T - 3600) : T - 3600 - B * int(1, (3 * 86_400) / B),
        src_asn: pick(ASNS),
        dst_asn: pick(ASNS),
        ip_version: pick([4, 6]),
        bytes,
        l3_bytes: Math.floor(bytes * 0.9),
        packets: int(1, 2 ** 20),
        samples: int(1, 100),
      };
    });
    values.push(
      ...Array.from({ length: 20 }, () => ({
        bucket: OLD + B * int(0, 288),
        src_asn: pick(ASNS),
        dst_asn: pick(ASNS),
        ip_version: 4,
        bytes: int(1, 2 ** 30),
        l3_bytes: 1,
        packets: 1,
        samples: 1,
      })),
    );
    rows.push(...values);
    await storage.client.insert({ table: 'member_traffic_5m', values, format: 'JSONEachRow' });
  }
  // Utilisation: the last three complete buckets, sent to unattributable receivers (ASN 0, no capacity): 65001 at
  // 90 %, 65002 at 90 % in two of them only, 65003 at 50 %, 65004 at 50 % (over its own 40 %); and 1 % each way
  // between 65001 and its peers 65003 and 65004 (the portal's peers).
  const util: Row[] = [];
  for (const k of [3, 2, 1]) {
    const bucket = T - k * B;
    const add = (src: number, dst: number, pct: number) =>
      util.push({
        bucket,
        src_asn: src,
        dst_asn: dst,
        ip_version: 4,
        bytes: bytesAt(pct),
        l3_bytes: 1,
        packets: 1,
        samples: 1,
      });
    add(65001, 0, 90);
    if (k !== 2) add(65002, 0, 90);
    add(65003, 0, 50);
    add(65004, 0, 50);
    add(65001, 65003, 1);
    add(65003, 65001, 1);
    add(65004, 65001, 1);
  }
  rows.push(...util);
  // Cumulative counters of that port at the last four bucket starts: 60 % of 10 Mbit/s in, then 95 % out in the last one.
  const counters = [0, 1, 2, 3].map((i) => ({
    bucket: T - (4 - i) * B,
    exporter: '::ffff:192.0.2.9',
    if_index: 7,
    in_octets: 1e9 + i * bytesAt(60),
    out_octets: 5e8 + (i === 3 ? 2 * bytesAt(20) + bytesAt(95) : i * bytesAt(20)),
    in_pkts: 0,
    out_pkts: 0,
    if_speed: CAP_BPS,
    samples: 1,
  }));
  await storage.client.insert({ table: 'port_counters_5m', values: counters, format: 'JSONEachRow' });
  await storage.client.insert({ table: 'member_traffic_5m', values: util, format: 'JSONEachRow' });
}, 60_000);
afterAll(async () => {
  for (const a of apps) await a.close();
  await redis?.close();
  await storage?.close();
  dir.cleanup();
});

const inRange = (r: Row, from: number, to: number) => r.bucket >= from && r.bucket < to;
const iso = (s: number) => new Date(s * 1000).toISOString();

describe('GET /overview from the rollups', () => {
  const ranges: Array<[string, number, number]> = [
    ['3 days, unaligned', T - 3 * 86_400 + 77, T + 3600],
    ['whole days and hours', Math.floor(T / 86_400) * 86_400 - 2 * 86_400, Math.floor(T / 3600) * 3600],
    ['inside one hour', T - 3 * 3600 - 1234, T - 3 * 3600 + 1000],
    ['600 days (beyond the old 400-day limit)', T - 600 * 86_400, T + B],
  ];
  for (const [name, from, to] of ranges) {
    it(`${name}: total = sum of the matrix = member_traffic_5m; IPv4 + IPv6 = total at every point; no future point`, async () => {
      const q = { from: iso(from), to: iso(to) };
      const o = await domain.overview.overview(q, NOW);
      const m = await domain.traffic.matrix(q, null);
      const matrixSum = m.rows.reduce((s, r) => s + BigInt(r.bytes), 0n);
      const direct = rows.filter((r) => inRange(r, from, to)).reduce((s, r) => s + BigInt(r.bytes), 0n);
      expect(BigInt(o.total_bytes)).toBe(matrixSum);
      expect(matrixSum).toBe(direct);
      expect(BigInt(o.ipv4_bytes) + BigInt(o.ipv6_bytes)).toBe(BigInt(o.total_bytes));
      expect(o.series.reduce((s, p) => s + (p.bps * o.step) / 8, 0)).toBeCloseTo(Number(direct), -3);
      for (const p of o.series) expect(p.ipv4_bps + p.ipv6_bps).toBeCloseTo(p.bps, 3);
      for (const p of o.series) expect(Date.parse(p.ts)).toBeLessThanOrEqual(NOW);
      // Active members and their bytes (sent = in, received = out) over the whole hours covering the range, from the rows.
      const hf = Math.floor(from / 3600) * 3600;
      const ht = Math.ceil(to / 3600) * 3600;
      expect([Date.parse(o.members_from) / 1000, Date.parse(o.members_to) / 1000]).toEqual([hf, ht]);
      const active = new Set(
        rows
          .filter((r) => inRange(r, hf, ht))
          .flatMap((r) => [r.src_asn, r.dst_asn])
          .filter((a) => a !== 0),
      );
      expect(o.members_active).toBe(active.size);
      for (const t of o.top_members) {
        expect(t.in_bytes).toBe(
          String(
            rows.filter((r) => inRange(r, hf, ht) && r.src_asn === t.asn).reduce((s, r) => s + BigInt(r.bytes), 0n),
          ),
        );
        expect(t.out_bytes).toBe(
          String(
            rows.filter((r) => inRange(r, hf, ht) && r.dst_asn === t.asn).reduce((s, r) => s + BigInt(r.bytes), 0n),
          ),
        );
        expect(t.name).toBe(`Member ${t.asn} Ltd`);
      }
    });
  }

  it('peak (5-minute, with its time) and P95 (nearest rank, empty buckets = 0) as computed from the rows', async () => {
    const from = T - 2 * 86_400;
    const to = T + B;
    const o = await domain.overview.overview({ from: iso(from), to: iso(to) }, NOW);
    const per = new Map<number, number>();
    for (const r of rows.filter((x) => inRange(x, from, to)))
      per.set(Math.floor(r.bucket / B) * B, (per.get(Math.floor(r.bucket / B) * B) ?? 0) + r.bytes);
    const n = (T + B - from) / B; // up to and including the current bucket
    const values = [...per.values(), ...Array(n - per.size).fill(0)].sort((a, b) => a - b);
    const top = Math.max(...per.values());
    expect(o.peak_bps).toBeCloseTo((top * 8) / B, 3);
    expect((values[n - Math.floor(n / 20) - 1]! * 8) / B).toBeCloseTo(o.p95_bps, 3);
    expect(o.peak_at).not.toBeNull();
  });

  it('refuses a step that is not a multiple of 300 and a range beyond retention', async () => {
    await expect(domain.overview.overview({ from: iso(T - 86_400), to: iso(T), step: 60 })).rejects.toMatchObject({
      code: 'IXMETER_ERR_VALIDATION',
    });
    await expect(domain.traffic.matrix({ from: iso(T - 2000 * 86_400), to: iso(T) }, null)).rejects.toMatchObject({
      code: 'IXMETER_ERR_VALIDATION',
    });
  });
});

describe('port utilisation', () => {
  it('PORT_UTILIZATION opens at ≥ the threshold in every one of the last buckets, and not below', async () => {
    const r = await domain.utilization.scan(domain.alerts, (T + 10) * 1000);
    // AS65001's port sends counters, so it is judged per port (60, 60, 95 %: not over in all three), not by its
    // flows (90 %); per port alerts: tests/integration/port-utilization.int.test.ts.
    expect(r.candidates).toBe(1);
    const open = await domain.alerts.list(
      { type: 'PORT_UTILIZATION', limit: 100, offset: 0 },
      { tokenId: 't', name: 't', role: 'admin', asn: null },
    );
    expect(open.map((a) => a.target).sort()).toEqual(['AS65004 port']);
    const a = open.find((x) => x.target === 'AS65004 port')!;
    expect(a).toMatchObject({ severity: 'warning', victim_asn: 65004, source_asn: null });
    expect(a.evidence).toMatchObject({
      thresholds: { thresholdPct: 40, buckets: 3 },
      details: { category: 'capacity', scope: 'member' },
    });
    expect((a.evidence.metrics as { lastPct: number }).lastPct).toBeCloseTo(51, 0); // 50 % + 1 % to AS65001
    // The member sees its own warning.
    expect(
      (
        await domain.alerts.list(
          { type: 'PORT_UTILIZATION', limit: 10, offset: 0 },
          { tokenId: 'm', name: 'm', role: 'member', asn: 65004 },
        )
      ).length,
    ).toBe(1);
  });

  it('the utilisation view: peak and P95 share of capacity per member, worst first, threshold per member', async () => {
    const v = await domain.utilization.view((T - 3600) * 1000, (T + B) * 1000, null);
    const by = new Map(v.members.map((m) => [m.asn, m]));
    expect(by.get(65001)).toMatchObject({
      capacity_bps: CAP_BPS,
      threshold_pct: 80,
      peak_pct: 91,
      over_threshold: true,
    });
    expect(by.get(65003)).toMatchObject({ threshold_pct: 80, peak_pct: 51, over_threshold: false });
    expect(by.get(65004)).toMatchObject({ threshold_pct: 40, peak_pct: 51, over_threshold: true });
    expect(v.members[0]!.peak_pct).toBeGreaterThanOrEqual(v.members[1]!.peak_pct!);
    // Per port, from its own counters (differences of cumulative octets) against the speed it reports.
    expect(by.get(65001)!.ports).toEqual([
      expect.objectContaining({
        exporter: '192.0.2.9',
        if_index: 7,
        capacity_bps: CAP_BPS,
        peak_pct: 95,
        over_threshold: true,
      }),
    ]);
    expect(by.get(65002)!.ports).toEqual([]);
  });
});

describe('API: regulator, public statistics, portal, gauges', () => {
  it('the regulator reads the overview and the utilisation, and is refused statements', async () => {
    const a = await app();
    const reg = (await domain.tokens.create({ role: 'regulator', asn: null, createdBy: 'test' })).token;
    const get = (url: string) => a.inject({ url, headers: { authorization: `Bearer ${reg}` } });
    expect((await get('/api/v1/overview')).statusCode).toBe(200);
    expect((await get('/api/v1/utilization')).statusCode).toBe(200);
    expect((await get('/api/v1/statements/2026-10')).statusCode).toBe(403);
    expect((await get('/api/v1/members/64500/statements/2026-10')).statusCode).toBe(403);
    expect((await get('/api/v1/members/64500/traffic')).statusCode).toBe(403);
  });

  it('public statistics are off by default: /stats and /api/v1/public/traffic answer 404', async () => {
    const a = await app();
    expect((await a.inject({ url: '/api/v1/public/traffic' })).statusCode).toBe(404);
    expect((await a.inject({ url: '/stats' })).statusCode).toBe(404);
    expect((await a.inject({ url: '/stats.js' })).statusCode).toBe(404);
    expect((await a.inject({ url: '/stats.html' })).statusCode).toBe(404);
    expect((await a.inject({ url: '/app.js' })).statusCode).toBe(200); // the console is not affected
  });

  it('on (IXMETER_PUBLIC_STATS=true): unauthenticated, the fabric only, no member name or number anywhere; cached', async () => {
    const a = await app({ IXMETER_PUBLIC_STATS: true });
    const page = await a.inject({ url: '/stats' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect((await a.inject({ url: '/stats.js' })).statusCode).toBe(200);
    for (const range of ['24h', '7d', '30d', '1y']) {
      const r = await a.inject({ url: `/api/v1/public/traffic?range=${range}` });
      expect(r.statusCode, r.body).toBe(200);
      const body = r.json();
      expect(Object.keys(body).sort()).toEqual([
        'current_bps',
        'from',
        'generated_at',
        'ipv4_bytes',
        'ipv6_bytes',
        'p95_bps',
        'peak_at',
        'peak_bps',
        'range',
        'series',
        'step',
        'to',
        'total_bytes',
      ]);
      // No member identity in any field: no key names one, no value is a member's number or name.
      const keys = new Set<string>();
      const values: unknown[] = [];
      const walk = (v: unknown): void => {
        if (Array.isArray(v)) v.forEach(walk);
        else if (v && typeof v === 'object')
          for (const [k, x] of Object.entries(v)) {
            keys.add(k);
            walk(x);
          }
        else values.push(v);
      };
      walk(body);
      expect([...keys].sort()).toEqual([
        'bps',
        'current_bps',
        'from',
        'generated_at',
        'ipv4_bps',
        'ipv4_bytes',
        'ipv6_bps',
        'ipv6_bytes',
        'p95_bps',
        'peak_at',
        'peak_bps',
        'range',
        'series',
        'step',
        'to',
        'total_bytes',
        'ts',
      ]);
      for (const asn of [...ASNS.filter((x) => x), ...UTIL]) {
        expect(values).not.toContain(asn);
        expect(values).not.toContain(String(asn));
      }
      expect(r.body).not.toMatch(/Member|成员|asn/i);
      expect(r.headers['cache-control']).toMatch(/max-age=60/);
    }
    const a1 = (await a.inject({ url: '/api/v1/public/traffic' })).json();
    const a2 = (await a.inject({ url: '/api/v1/public/traffic' })).json();
    expect(a2.generated_at).toBe(a1.generated_at); // the cached answer
    // Rate-limited per client address (60 per minute; 4 + 2 used above).
    const codes: number[] = [];
    for (let i = 0; i < 60; i++) codes.push((await a.inject({ url: '/api/v1/public/traffic' })).statusCode);
    expect(codes.slice(0, 54).every((c) => c === 200)).toBe(true);
    expect(codes.at(-1)).toBe(429);
  });

  it('member portal: peers by name, top-peer series, IPv4/IPv6 split, growth, own utilisation; another member refused', async () => {
    const a = await app();
    const tok = (await domain.tokens.create({ role: 'member', asn: 65001, createdBy: 'test' })).token;
    const get = (url: string) => a.inject({ url, headers: { authorization: `Bearer ${tok}` } });
    const p = (await get(`/api/v1/members/65001/peers?from=${iso(T - 3600)}&to=${iso(T + 86_400)}&step=300`)).json();
    expect(p.peers.map((x: { asn: number | null }) => x.asn)).toEqual([null, 65003, 65004]); // by bytes; null = not attributable
    const p3 = p.peers.find((x: { asn: number }) => x.asn === 65003);
    expect(p3).toMatchObject({
      name: 'Member 65003 Ltd',
      name_zh: '成员65003',
      in_bytes: String(3 * bytesAt(1)),
      out_bytes: String(3 * bytesAt(1)),
    });
    expect(BigInt(p.ipv4_bytes)).toBe(BigInt(3 * (bytesAt(90) + 3 * bytesAt(1))));
    expect(p.top_series.map((x: { asn: number }) => x.asn)).toEqual([65003, 65004]);
    const last = p.top_series[0].series.at(-1);
    expect(Date.parse(last.ts)).toBeLessThanOrEqual(NOW); // the future is absent
    expect(p.version_series.length).toBe(p.top_series[0].series.length);
    expect((await get('/api/v1/members/65001/growth')).statusCode).toBe(200);
    const u = (await get('/api/v1/members/65001/utilization')).json();
    expect(u.members.map((m: { asn: number }) => m.asn)).toEqual([65001]);
    expect((await get('/api/v1/members/65002/peers')).statusCode).toBe(403);
    expect((await get('/api/v1/overview')).statusCode).toBe(403);
  });

  it('/metrics: fabric and per-member rate gauges, asn = top N, "other" or "unknown"', async () => {
    const a = await app();
    const text = (await a.inject({ url: '/metrics' })).body;
    expect(text).toMatch(/ixmeter_traffic_fabric_bits_per_second\{ip_version="all"\} \d/);
    const asns = [...text.matchAll(/ixmeter_traffic_member_bits_per_second\{asn="([^"]+)",direction="in"\}/g)].map(
      (m) => m[1],
    );
    expect(asns).toContain('other');
    expect(asns.filter((x) => /^\d+$/.test(x!)).length).toBe(2);
  });
});
