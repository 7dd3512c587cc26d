/**
 * Read side of member traffic. The rollups answer every query at ≥ 300 s steps: one member's traffic from
 * member_io_5m (ordered by member), the member × member matrix from member_traffic_1h (whole UTC hours) plus
 * the partial hours at the range's edges from member_io_5m's sending side (asn = src, peer = dst; ordered by
 * member and bucket, so an edge hour is about one granule per member, where member_traffic_5m, ordered by pair,
 * would read whole month partitions; the 0011 view keeps both equal, and every stored row has samples > 0, so the
 * receiving-side rows are exactly those with all in_* zero); raw flows are read only for finer steps (within
 * their retention). Typed parameters only.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { compactRows } from '../storage/clickhouse/compact.js';
import { pairsUnionSql, rangeParts } from './range-parts.js';

export interface DirectionTotals {
  bytes: string;
  l3_bytes: string;
  packets: string;
  samples: string;
}
export interface SeriesPoint {
  ts: number;
  in_bytes: string;
  out_bytes: string;
}
export interface RollupStep {
  ts: number;
  in: DirectionTotals;
  out: DirectionTotals;
}
export interface MatrixRow {
  src_asn: number;
  dst_asn: number;
  bytes: string;
  l3_bytes: string;
  packets: string;
}

const RAW_SCALED = {
  bytes: 'sum(frame_octets * sampling_rate)',
  l3: 'sum(l3_octets * sampling_rate)',
  packets: 'sum(packets * sampling_rate)',
  time: "toDateTime(received_at, 'UTC')",
};

export { wholeHours } from './range-parts.js';

export function createTrafficRepository(client: ClickHouseClient) {
  async function rows<T>(query: string, params: Record<string, unknown>): Promise<T[]> {
    const rs = await client.query({ query, query_params: params, format: 'JSONEachRow' });
    return rs.json<T>();
  }
  /** Rows as arrays (JSONCompactEachRow): many rows parse much faster than JSONEachRow objects. */
  const compact = <T extends unknown[]>(query: string, params: Record<string, unknown>) =>
    compactRows<T>(client, query, params);
  const range = (fromMs: number, toMs: number) => ({ from: Math.floor(fromMs / 1000), to: Math.floor(toMs / 1000) });

  return {
    /** in = the member sends (src), out = the member receives (dst); [from, to). From the per-member rollup. */
    async memberTotals(
      asn: number,
      fromMs: number,
      toMs: number,
    ): Promise<{ in: DirectionTotals; out: DirectionTotals }> {
      const [r] = await compact<string[]>(
        `SELECT toString(sum(in_bytes)), toString(sum(in_l3_bytes)), toString(sum(in_packets)), toString(sum(in_samples)),
                toString(sum(out_bytes)), toString(sum(out_l3_bytes)), toString(sum(out_packets)), toString(sum(out_samples))
         FROM member_io_5m
         WHERE asn = {asn:UInt32} AND bucket >= toDateTime({from:UInt32}, 'UTC') AND bucket < toDateTime({to:UInt32}, 'UTC')`,
        { asn, ...range(fromMs, toMs) },
      );
      const v = r!;
      return {
        in: { bytes: v[0]!, l3_bytes: v[1]!, packets: v[2]!, samples: v[3]! },
        out: { bytes: v[4]!, l3_bytes: v[5]!, packets: v[6]!, samples: v[7]! },
      };
    },

    /** Per step (≥ 300 s) every direction's bytes, L3 bytes, packets and samples, in one query (totals are their sums). */
    async memberRollupSteps(asn: number, fromMs: number, toMs: number, stepSeconds: number): Promise<RollupStep[]> {
      const out = await compact<[number, string, string, string, string, string, string, string, string]>(
        `SELECT toUnixTimestamp(toStartOfInterval(bucket, toIntervalSecond({step:UInt32}))) AS ts,
                toString(sum(in_bytes)), toString(sum(in_l3_bytes)), toString(sum(in_packets)), toString(sum(in_samples)),
                toString(sum(out_bytes)), toString(sum(out_l3_bytes)), toString(sum(out_packets)), toString(sum(out_samples))
         FROM member_io_5m
         WHERE asn = {asn:UInt32} AND bucket >= toDateTime({from:UInt32}, 'UTC') AND bucket < toDateTime({to:UInt32}, 'UTC')
         GROUP BY ts ORDER BY ts`,
        { asn, step: stepSeconds, ...range(fromMs, toMs) },
      );
      return out.map((r) => ({
        ts: Number(r[0]) * 1000,
        in: { bytes: r[1], l3_bytes: r[2], packets: r[3], samples: r[4] },
        out: { bytes: r[5], l3_bytes: r[6], packets: r[7], samples: r[8] },
      }));
    },

    /** Bytes per step for one member: the per-member rollup at ≥ 300 s, raw flows below. */
    async memberSeries(asn: number, fromMs: number, toMs: number, stepSeconds: number): Promise<SeriesPoint[]> {
      const t = RAW_SCALED.time;
      const b = 'frame_octets * sampling_rate';
      const out = await compact<[number, string, string]>(
        stepSeconds >= 300
          ? `SELECT toUnixTimestamp(toStartOfInterval(bucket, toIntervalSecond({step:UInt32}))) AS ts, toString(sum(in_bytes)), toString(sum(out_bytes))
           FROM member_io_5m
           WHERE asn = {asn:UInt32} AND bucket >= toDateTime({from:UInt32}, 'UTC') AND bucket < toDateTime({to:UInt32}, 'UTC')
           GROUP BY ts ORDER BY ts`
          : `SELECT toUnixTimestamp(toStartOfInterval(${t}, toIntervalSecond({step:UInt32}))) AS ts,
                  toString(sumIf(${b}, src_asn = {asn:UInt32})), toString(sumIf(${b}, dst_asn = {asn:UInt32}))
           FROM flows_raw
           WHERE (src_asn = {asn:UInt32} OR dst_asn = {asn:UInt32}) AND ${t} >= toDateTime({from:UInt32}, 'UTC') AND ${t} < toDateTime({to:UInt32}, 'UTC')
           GROUP BY ts ORDER BY ts`,
        { asn, step: stepSeconds, ...range(fromMs, toMs) },
      );
      return out.map((r) => ({ ts: Number(r[0]) * 1000, in_bytes: r[1], out_bytes: r[2] }));
    },

    /**
     * Pairs over [from, to), as member_traffic_5m sums them: whole UTC days from member_traffic_1d, whole hours
     * from member_traffic_1h, the 5-minute edges from member_io_5m (range-parts.ts). Each part is summed per
     * pair where it is stored (on the shards in a cluster).
     */
    async matrix(fromMs: number, toMs: number, onlyAsn: number | null): Promise<MatrixRow[]> {
      const { from, to } = range(fromMs, toMs);
      const only = '({only:UInt32} = 0 OR src_asn = {only:UInt32} OR dst_asn = {only:UInt32})';
      const out = await rows<Record<string, string>>(
        // Aliases differ from the column names: ClickHouse would resolve ORDER BY sum(bytes) to the alias.
        `SELECT src_asn, dst_asn, toString(sum(b)) AS b_, toString(sum(l3)) AS l3_, toString(sum(p)) AS p_
         FROM (${pairsUnionSql(only)})
         GROUP BY src_asn, dst_asn ORDER BY sum(b) DESC, src_asn, dst_asn`,
        { only: onlyAsn ?? 0, ...rangeParts(from, to) },
      );
      return out.map((r) => ({
        src_asn: Number(r.src_asn),
        dst_asn: Number(r.dst_asn),
        bytes: r.b_!,
        l3_bytes: r.l3_!,
        packets: r.p_!,
      }));
    },
  };
}

export type TrafficRepository = ReturnType<typeof createTrafficRepository>;
