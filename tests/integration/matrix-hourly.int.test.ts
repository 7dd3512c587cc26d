/**
 * The member × member matrix reads whole UTC hours from member_traffic_1h and the partial hours at the
 * range's edges from member_io_5m (sending side): against real embedded ClickHouse (chDB), its answer equals a direct
 * member_traffic_5m aggregation for aligned, unaligned (to the second and millisecond), sub-hour and
 * month-crossing ranges, with and without a member filter.
 */
import { join } from 'node:path';
import { prng } from '../../src/shared/prng.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMigratedStorage } from '../../src/runtime/storage-setup.js';
import type { Storage } from '../../src/storage/clickhouse/client.js';
import {
  createTrafficRepository,
  wholeHours,
  type MatrixRow,
  type TrafficRepository,
} from '../../src/traffic/traffic.repository.js';
import { silentLog, tempDir, testConfig } from '../helpers/env.js';

const dir = tempDir();
let storage: Storage;
let repo: TrafficRepository;

const H = 3600;
const START = Date.UTC(2025, 10, 28) / 1000; // 2025-11-28 … 2025-12-03: the data crosses a month (partition) boundary
const END = START + 5 * 86_400;
const ASNS = [0, 64500, 64501, 64502, 64503, 64504];

const rnd = prng(7);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const between = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo));

beforeAll(async () => {
  ({ storage } = await openMigratedStorage(testConfig(join(dir.path, 'd')), silentLog));
  repo = createTrafficRepository(storage.client);
  // Five inserts (several parts), mostly on 5-minute buckets; a few rows on odd seconds, as a manual insert might have.
  for (let part = 0; part < 5; part++) {
    const values = Array.from({ length: 800 }, () => {
      const bytes = between(1, 2 ** 40);
      const packets = between(1, 2 ** 20);
      return {
        bucket: rnd() < 0.05 ? between(START, END) : START + 300 * between(0, (END - START) / 300),
        src_asn: pick(ASNS),
        dst_asn: pick(ASNS),
        ip_version: pick([4, 6]),
        bytes,
        l3_bytes: Math.floor(bytes * 0.9),
        packets,
        samples: between(1, 100),
      };
    });
    await storage.client.insert({ table: 'member_traffic_5m', values, format: 'JSONEachRow' });
  }
});
afterAll(async () => {
  await storage?.close();
  dir.cleanup();
});

/** The matrix as member_traffic_5m alone gives it (the query before member_traffic_1h). */
async function direct(fromMs: number, toMs: number, only: number | null): Promise<MatrixRow[]> {
  const rs = await storage.client.query({
    query: `SELECT src_asn, dst_asn, toString(sum(bytes)) AS b_, toString(sum(l3_bytes)) AS l3_, toString(sum(packets)) AS p_
            FROM member_traffic_5m
            WHERE bucket >= toDateTime({from:UInt32}, 'UTC') AND bucket < toDateTime({to:UInt32}, 'UTC')
              AND ({only:UInt32} = 0 OR src_asn = {only:UInt32} OR dst_asn = {only:UInt32})
            GROUP BY src_asn, dst_asn`,
    query_params: { from: Math.floor(fromMs / 1000), to: Math.floor(toMs / 1000), only: only ?? 0 },
    format: 'JSONEachRow',
  });
  return (await rs.json<Record<string, string>>()).map((r) => ({
    src_asn: Number(r.src_asn),
    dst_asn: Number(r.dst_asn),
    bytes: r.b_!,
    l3_bytes: r.l3_!,
    packets: r.p_!,
  }));
}

const byPair = (rows: MatrixRow[]) => [...rows].sort((x, y) => x.src_asn - y.src_asn || x.dst_asn - y.dst_asn);

async function expectSame(fromMs: number, toMs: number, only: number | null = null): Promise<number> {
  const got = await repo.matrix(fromMs, toMs, only);
  expect(byPair(got), `${new Date(fromMs).toISOString()} … ${new Date(toMs).toISOString()} only ${only}`).toEqual(
    byPair(await direct(fromMs, toMs, only)),
  );
  for (let i = 1; i < got.length; i++) expect(BigInt(got[i - 1]!.bytes) >= BigInt(got[i]!.bytes)).toBe(true); // largest first
  return got.length;
}

const ms = (iso: string) => Date.parse(iso);

describe('matrix from member_traffic_1h + member_io_5m', () => {
  it('splits a range into whole UTC hours and edges shorter than an hour', () => {
    expect(wholeHours(7200, 18_000)).toEqual({ a: 7200, b: 18_000 }); // aligned: hours only
    expect(wholeHours(7201, 17_999)).toEqual({ a: 10_800, b: 14_400 });
    expect(wholeHours(7300, 7900)).toEqual({ a: 7900, b: 7900 }); // inside one hour: edges only
    expect(wholeHours(7300, 10_900)).toEqual({ a: 10_800, b: 10_800 }); // < 1 h across an hour boundary
    expect(wholeHours(7300, 14_400)).toEqual({ a: 10_800, b: 14_400 });
  });

  it('equals member_traffic_5m for aligned ranges (UTC hours, UTC days, Asia/Shanghai days)', async () => {
    expect(await expectSame(START * 1000, END * 1000)).toBeGreaterThan(20);
    await expectSame(ms('2025-11-29T00:00:00Z'), ms('2025-11-30T00:00:00Z'));
    await expectSame(ms('2025-11-29T00:00:00+08:00'), ms('2025-12-02T00:00:00+08:00')); // 16:00 UTC, across the month
    await expectSame(ms('2025-11-30T23:00:00Z'), ms('2025-12-01T00:00:00Z')); // exactly one hour, the last of a month
    await expectSame(ms('2025-12-01T00:00:00Z'), ms('2025-12-01T01:00:00Z'));
    await expectSame((START - 86_400) * 1000, (END + 86_400) * 1000); // beyond the data on both sides
  });

  it('equals member_traffic_5m for unaligned, sub-hour and month-crossing ranges', async () => {
    await expectSame(ms('2025-11-30T22:17:00Z'), ms('2025-12-01T01:43:20.500Z'));
    await expectSame(ms('2025-11-30T23:59:59Z'), ms('2025-12-01T00:00:01Z')); // two seconds across the month
    await expectSame(ms('2025-11-29T10:05:00Z'), ms('2025-11-29T10:50:00Z')); // inside one hour
    await expectSame(ms('2025-11-29T10:35:00Z'), ms('2025-11-29T11:20:00Z')); // < 1 h, across an hour boundary
    await expectSame(ms('2025-11-29T10:00:00.001Z'), ms('2025-11-29T11:00:00.999Z')); // milliseconds, as before: whole seconds
    await expectSame(ms('2025-11-29T10:00:01Z'), ms('2025-11-29T12:59:59Z'));
    await expectSame(ms('2025-11-29T10:05:00Z'), ms('2025-11-29T12:00:00Z')); // one edge only
    await expectSame(ms('2025-11-29T10:00:00Z'), ms('2025-11-29T12:55:00Z'));
    for (let i = 0; i < 40; i++) {
      const from = between(START - H, END) * 1000 + between(0, 1000);
      const len = pick([between(1, H), between(H, 6 * H), between(6 * H, 3 * 86_400)]) * 1000 + between(0, 1000);
      await expectSame(from, from + len);
    }
  });

  it('equals member_traffic_5m with a member filter (a member token sees only its own rows)', async () => {
    for (const only of [64500, 64503, 65000]) {
      await expectSame(START * 1000, END * 1000, only);
      await expectSame(ms('2025-11-30T22:17:00Z'), ms('2025-12-01T01:43:20Z'), only);
      await expectSame(ms('2025-11-29T10:35:00Z'), ms('2025-11-29T11:20:00Z'), only);
    }
    for (const r of await repo.matrix(START * 1000, END * 1000, 64501))
      expect(r.src_asn === 64501 || r.dst_asn === 64501).toBe(true);
  });

  it('reads whole hours from member_traffic_1h and the edges from member_io_5m', async () => {
    // A row only in the hourly table (no 5-minute row behind it) is seen by ranges that hold its whole hour.
    await storage.client.insert({
      table: 'member_traffic_1h',
      values: [
        {
          bucket: ms('2025-11-29T10:00:00Z') / 1000,
          src_asn: 65999,
          dst_asn: 65998,
          ip_version: 4,
          bytes: 1,
          l3_bytes: 1,
          packets: 1,
          samples: 1,
        },
      ],
      format: 'JSONEachRow',
    });
    const has = async (f: string, t: string) => (await repo.matrix(ms(f), ms(t), 65999)).length === 1;
    expect(await has('2025-11-29T10:00:00Z', '2025-11-29T11:00:00Z')).toBe(true);
    expect(await has('2025-11-29T09:30:00Z', '2025-11-29T11:30:00Z')).toBe(true);
    expect(await has('2025-11-29T10:00:01Z', '2025-11-29T11:00:00Z')).toBe(false);
    expect(await has('2025-11-29T10:00:00Z', '2025-11-29T10:59:59Z')).toBe(false);
  });
});
