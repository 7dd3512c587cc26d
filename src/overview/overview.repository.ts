/**
 * Read side of the exchange overview (综合监测): the fabric total per step and IP version from
 * fabric_traffic_5m (two rows per 5-minute bucket), the 5-minute fabric totals for peak and P95, and per
 * pair the bytes over the range from the pair rollups (range-parts.ts: days, hours, 5-minute edges), summed
 * per member by the service (a few thousand pairs: one query, summed in JS). Each byte once: a pair row is one frame's (sender, receiver); the fabric sums all rows.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { compactRows } from '../storage/clickhouse/compact.js';
import { pairsUnionSql, rangeParts } from '../traffic/range-parts.js';

export interface FabricStep {
  ts: number;
  v4: string;
  v6: string;
  total: string;
}
export interface PairBytes {
  src_asn: number;
  dst_asn: number;
  bytes: string;
}

const between = "bucket >= toDateTime({from:UInt32}, 'UTC') AND bucket < toDateTime({to:UInt32}, 'UTC')";

export function createOverviewRepository(client: ClickHouseClient) {
  const compact = <T extends unknown[]>(query: string, params: Record<string, unknown>) =>
    compactRows<T>(client, query, params);
  const secs = (fromMs: number, toMs: number) => ({ from: Math.floor(fromMs / 1000), to: Math.floor(toMs / 1000) });
  return {
    /** Per step: IPv4 bytes, IPv6 bytes, all bytes (any other ip_version counts in the total only). */
    async fabricSteps(fromMs: number, toMs: number, step: number): Promise<FabricStep[]> {
      const out = await compact<[number, string, string, string]>(
        `SELECT toUnixTimestamp(toStartOfInterval(bucket, toIntervalSecond({step:UInt32}))) AS ts,
                toString(sumIf(bytes, ip_version = 4)), toString(sumIf(bytes, ip_version = 6)), toString(sum(bytes))
         FROM fabric_traffic_5m WHERE ${between} GROUP BY ts ORDER BY ts`,
        { step, ...secs(fromMs, toMs) },
      );
      return out.map((r) => ({ ts: Number(r[0]) * 1000, v4: r[1], v6: r[2], total: r[3] }));
    },

    /**
     * Peak and P95 over the 5-minute fabric totals of [from, to), with `expected` buckets in all (buckets without
     * traffic count as 0): P95 = the ⌈0.95·N⌉-th smallest (statements/percentile.ts), found among the stored
     * buckets (the zeros are the smallest). Also the number of stored buckets.
     */
    async fabricPeakP95(
      fromMs: number,
      toMs: number,
      expected: number,
    ): Promise<{ peakBytes: string; peakAt: number | null; p95Bytes: string }> {
      const params = secs(fromMs, toMs);
      const perBucket = `SELECT toStartOfFiveMinutes(bucket) AS bucket_, sum(bytes) AS b FROM fabric_traffic_5m WHERE ${between} GROUP BY bucket_`;
      const [r] = await compact<[number, string, number]>(
        `SELECT count(), toString(max(b)), toUnixTimestamp(argMax(bucket_, b)) FROM (${perBucket})`,
        params,
      );
      const stored = Number(r?.[0] ?? 0);
      if (stored === 0) return { peakBytes: '0', peakAt: null, p95Bytes: '0' };
      const n = Math.max(expected, stored);
      const zeros = n - stored;
      const rank = n - Math.floor(n / 20);
      let p95Bytes = '0';
      if (rank > zeros) {
        const [p] = await compact<[string]>(
          `SELECT toString(b) FROM (${perBucket}) ORDER BY b LIMIT 1 OFFSET {k:UInt32}`,
          { ...params, k: rank - zeros - 1 },
        );
        p95Bytes = p?.[0] ?? '0';
      }
      return { peakBytes: r![1], peakAt: Number(r![2]) * 1000, p95Bytes };
    },

    /** Bytes per (src, dst) pair over [from, to), one query over the day/hour/5-minute parts (the overview sums them per member). */
    async pairBytes(fromMs: number, toMs: number): Promise<PairBytes[]> {
      const { from, to } = secs(fromMs, toMs);
      const out = await compact<[number, number, string]>(
        `SELECT src_asn, dst_asn, toString(sum(b)) FROM (${pairsUnionSql()}) GROUP BY src_asn, dst_asn`,
        { ...rangeParts(from, to) },
      );
      return out.map((r) => ({ src_asn: Number(r[0]), dst_asn: Number(r[1]), bytes: r[2] }));
    },
  };
}

export type OverviewRepository = ReturnType<typeof createOverviewRepository>;
