/**
 * The API response cache on real chDB (issue #7 "Load"): settled member traffic and statements are
 * served from memory, yet every read is still authorized and audited; writes of this process
 * invalidate at once, writes the hooks do not see (another process, a collector's spool replay) within
 * one change-watch tick; a member token never gets another member's cached answer.
 */
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCacheWatch, type CacheWatch } from '../../src/api/cache-watch.js';
import { buildApp } from '../../src/api/app.js';
import { createDomainServices, type DomainServices } from '../../src/runtime/domain-services.js';
import { openMigratedStorage } from '../../src/runtime/storage-setup.js';
import { createMetrics } from '../../src/shared/metrics.js';
import type { Storage } from '../../src/storage/clickhouse/client.js';
import { connectRedis, type RedisHandle } from '../../src/storage/redis/connection.js';
import { silentLog, tempDir, testConfig } from '../helpers/env.js';

const MONTH = '2026-10';
const START = Date.UTC(2026, 8, 30, 16) / 1000; // 2026-10-01 00:00 +08:00
const BUCKETS = 8928; // 31 days
const A = 65000;
const B = 65001;
const FROM = encodeURIComponent('2026-10-01T00:00:00+08:00');
const TO = encodeURIComponent('2026-11-01T00:00:00+08:00');
const trafficUrl = (asn: number) => `/api/v1/members/${asn}/traffic?from=${FROM}&to=${TO}`;

const dir = tempDir();
let storage: Storage;
let redis: RedisHandle;
let app: FastifyInstance;
let domain: DomainServices;
let watch: CacheWatch;
const tok: Record<string, string> = {};

const get = (url: string, token: string) =>
  app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
const post = (url: string, token: string, payload: unknown = {}) =>
  app.inject({
    method: 'POST',
    url,
    payload: payload as Record<string, unknown>,
    headers: { authorization: `Bearer ${token}` },
  });

async function insertTraffic(src: number, dst: number, bucketSec: number, bytes: number): Promise<void> {
  await storage.client.insert({
    table: 'member_traffic_5m',
    format: 'JSONEachRow',
    values: [
      {
        bucket: new Date(bucketSec * 1000).toISOString().slice(0, 19).replace('T', ' '),
        src_asn: src,
        dst_asn: dst,
        ip_version: 4,
        bytes,
        l3_bytes: 0,
        packets: 0,
        samples: 1,
      },
    ],
  });
}

beforeAll(async () => {
  const config = testConfig(join(dir.path, 'data'));
  ({ storage } = await openMigratedStorage(config, silentLog));
  redis = await connectRedis(config, silentLog);
  domain = createDomainServices(storage, config, silentLog);
  const members = [A, B].map((asnum) => ({
    asnum,
    name: `CACHE ${asnum}`,
    connection_list: [],
    ixmeter: { member_type: 'cdn', first_production_date: '2026-01-01', subsidy_enrolled: true },
  }));
  await domain.members.importRegistry(JSON.stringify({ member_list: members }), { source: 'test', actor: 'test' });
  await storage.client.command({
    query: `INSERT INTO member_traffic_5m (bucket, src_asn, dst_asn, ip_version, bytes, l3_bytes, packets, samples)
    SELECT toDateTime(${START} + number * 300, 'UTC'), ${A}, ${B}, 4, 1000000000, 0, 0, 1 FROM numbers(${BUCKETS})`,
  });
  await storage.client.command({
    query: `INSERT INTO collector_activity_5m (bucket, exporter, flows) SELECT toDateTime(${START} + number * 300, 'UTC'), toIPv6('::ffff:192.0.2.1'), 1 FROM numbers(${BUCKETS})`,
  });
  for (const asn of [A, B]) await domain.statements.compute(asn, MONTH, 'test', 'test');
  watch = createCacheWatch(storage.client, domain.cache, silentLog, { intervalMs: 3_600_000 }); // ticks only when asked
  await watch.start();
  app = await buildApp({
    config,
    log: silentLog,
    storage,
    redis,
    metrics: createMetrics(),
    collectors: () => ({ status: 'stopped', listeners: [] }),
    ...domain,
  });
  for (const [name, role, asn] of [
    ['fin1', 'finance', null],
    ['fin2', 'finance', null],
    ['aud', 'auditor', null],
    ['memA', 'member', A],
    ['memB', 'member', B],
  ] as const) {
    tok[name] = (await domain.tokens.create({ role, asn, createdBy: 'test' })).token;
  }
});
afterAll(async () => {
  await watch?.stop();
  await app?.close();
  await redis?.close();
  await storage?.close();
  dir.cleanup();
});

describe('API response cache', () => {
  it('serves settled member traffic from the cache and audits every staff read', async () => {
    const before = domain.cache.stats();
    const r1 = await get(trafficUrl(A), tok.fin1!);
    const r2 = await get(trafficUrl(A), tok.fin1!);
    expect(r1.statusCode).toBe(200);
    expect(r2.body).toBe(r1.body);
    expect(r1.json()).toMatchObject({ asn: A, in_bytes: String(BUCKETS * 1e9), out_bytes: '0' });
    const after = domain.cache.stats();
    expect(after.hit - before.hit).toBeGreaterThanOrEqual(1);
    const log = await get('/api/v1/audit?action=read&limit=1000', tok.aud!); // flushes this process's batched entries first
    const reads = (log.json() as { entries: Array<{ object: string; role: string }> }).entries.filter(
      (e) => e.object === `/api/v1/members/${A}/traffic`,
    );
    expect(reads).toHaveLength(2);
    expect((await get('/api/v1/audit/verify', tok.aud!)).json()).toMatchObject({ intact: true });
  });

  it('sees late rows of settled buckets (spool replay) after one change-watch tick', async () => {
    const base = BigInt((await get(trafficUrl(B), tok.fin1!)).json<{ out_bytes: string }>().out_bytes);
    await insertTraffic(A, B, START + 300 * 100, 5); // a replayed batch keeps its original receive time
    expect((await get(trafficUrl(B), tok.fin1!)).json()).toMatchObject({ out_bytes: String(base) }); // stale until the tick (≤ 2 s in service)
    await watch.check();
    expect((await get(trafficUrl(B), tok.fin1!)).json()).toMatchObject({ out_bytes: String(base + 5n) });
  });

  it('reads ranges reaching into live buckets every time', async () => {
    const now = Date.now();
    const url = `/api/v1/members/${A}/traffic?from=${encodeURIComponent(new Date(now - 3_600_000).toISOString())}`;
    const first = (await get(url, tok.fin1!)).json<{ in_bytes: string }>();
    await insertTraffic(A, B, Math.floor(now / 300_000) * 300, 7);
    const second = (await get(url, tok.fin1!)).json<{ in_bytes: string }>();
    expect(BigInt(second.in_bytes) - BigInt(first.in_bytes)).toBe(7n);
  });

  it('shows workflow transitions at once (review, approve)', async () => {
    const url = `/api/v1/members/${A}/statements/${MONTH}`;
    expect((await get(url, tok.fin1!)).json()).toMatchObject({ status: 'draft', version: 1 });
    expect((await get(url, tok.fin1!)).json()).toMatchObject({ status: 'draft' }); // cached
    expect((await post(`${url}/review`, tok.fin1!, { version: 1 })).json()).toMatchObject({ status: 'reviewed' });
    expect((await get(url, tok.fin1!)).json()).toMatchObject({ status: 'reviewed' });
    expect((await post(`${url}/approve`, tok.fin2!, { version: 1 })).json()).toMatchObject({ status: 'approved' });
    expect((await get(url, tok.memA!)).json()).toMatchObject({ status: 'approved' });
  });

  it('shows a recompute of this process at once', async () => {
    const url = `/api/v1/members/${B}/statements/${MONTH}`;
    expect((await get(url, tok.fin1!)).json()).toMatchObject({ version: 1 });
    const r = await domain.statements.compute(B, MONTH, 'test', 'test-2'); // inputs changed (the late rows above)
    expect(r).toMatchObject({ changed: true, version: 2 });
    expect((await get(url, tok.fin1!)).json()).toMatchObject({ version: 2, status: 'draft' });
    expect(
      (await get(`/api/v1/statements/${MONTH}`, tok.fin1!))
        .json<{ statements: Array<{ asn: number; version: number }> }>()
        .statements.find((s) => s.asn === B),
    ).toMatchObject({ version: 2 });
  });

  it('sees a statement write of another process after one change-watch tick', async () => {
    const url = `/api/v1/members/${B}/statements/${MONTH}`;
    expect((await get(url, tok.fin1!)).json()).toMatchObject({ version: 2, status: 'draft' });
    await domain.statementsRepo.insertEvent({
      asn: B,
      month: MONTH,
      version: 2,
      at: Date.now(),
      action: 'review',
      from_status: 'draft',
      to_status: 'reviewed',
      actor: 'tok_elsewhere',
      role: 'finance',
      note: 'other process',
    });
    expect((await get(url, tok.fin1!)).json()).toMatchObject({ status: 'draft' }); // stale until the tick (≤ 2 s in service)
    await watch.check();
    expect((await get(url, tok.fin1!)).json()).toMatchObject({ status: 'reviewed' });
  });

  it("never serves one member's cached answer to another member", async () => {
    for (const path of [trafficUrl(A), `/api/v1/members/${A}/statements/${MONTH}`]) {
      expect((await get(path, tok.memA!)).statusCode).toBe(200); // cached now
      const foreign = await get(path, tok.memB!);
      expect(foreign.statusCode).toBe(403);
      expect(foreign.json()).toMatchObject({ code: 'IXMETER_ERR_FORBIDDEN' });
      expect(foreign.body).not.toContain('in_bytes');
    }
    expect((await get(trafficUrl(B), tok.memB!)).json()).toMatchObject({ asn: B });
    expect((await get(`/api/v1/members/${B}/statements/${MONTH}`, tok.memB!)).json()).toMatchObject({ asn: B });
    expect((await get(trafficUrl(A), tok.memB!)).statusCode).toBe(403);
  });
});
