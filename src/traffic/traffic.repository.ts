/**
 * Read side of member traffic. The 5-minute rollup answers every query at ≥ 300 s steps; raw flows
 * are read only for finer steps (within their retention). Typed parameters only.
 */
import type { ClickHouseClient } from '@clickhouse/client';

export interface DirectionTotals { bytes: string; l3_bytes: string; packets: string; samples: string }
export interface SeriesPoint { ts: number; in_bytes: string; out_bytes: string }
export interface RollupStep { ts: number; in: DirectionTotals; out: DirectionTotals }
export interface MatrixRow { src_asn: number; dst_asn: number; bytes: string; l3_bytes: string; packets: string }

const RAW_SCALED = {
  bytes: 'sum(frame_octets * sampling_rate)', l3: 'sum(l3_octets * sampling_rate)', packets: 'sum(packets * sampling_rate)', time: "toDateTime(received_at, 'UTC')",
};

export function createTrafficRepository(client: ClickHouseClient) {
  async function rows<T>(query: string, params: Record<string, unknown>): Promise<T[]> {
    const rs = await client.query({ query, query_params: params, format: 'JSONEachRow' });
    return rs.json<T>();
  }
  const range = (fromMs: number, toMs: number) => ({ from: Math.floor(fromMs / 1000), to: Math.floor(toMs / 1000) });

  return {
    /** in = the member sends (src), out = the member receives (dst); [from, to). */
    async memberTotals(asn: number, fromMs: number, toMs: number): Promise<{ in: DirectionTotals; out: DirectionTotals }> {
      const [r] = await rows<Record<string, string>>(
        `SELECT toString(sumIf(bytes, src_asn = {asn:UInt32})) AS in_bytes, toString(sumIf(l3_bytes, src_asn = {asn:UInt32})) AS in_l3,
                toString(sumIf(packets, src_asn = {asn:UInt32})) AS in_packets, toString(sumIf(samples, src_asn = {asn:UInt32})) AS in_samples,
                toString(sumIf(bytes, dst_asn = {asn:UInt32})) AS out_bytes, toString(sumIf(l3_bytes, dst_asn = {asn:UInt32})) AS out_l3,
                toString(sumIf(packets, dst_asn = {asn:UInt32})) AS out_packets, toString(sumIf(samples, dst_asn = {asn:UInt32})) AS out_samples
         FROM member_traffic_5m
         WHERE (src_asn = {asn:UInt32} OR dst_asn = {asn:UInt32}) AND bucket >= toDateTime({from:UInt32}, 'UTC') AND bucket < toDateTime({to:UInt32}, 'UTC')`,
        { asn, ...range(fromMs, toMs) },
      );
      return {
        in: { bytes: r!.in_bytes!, l3_bytes: r!.in_l3!, packets: r!.in_packets!, samples: r!.in_samples! },
        out: { bytes: r!.out_bytes!, l3_bytes: r!.out_l3!, packets: r!.out_packets!, samples: r!.out_samples! },
      };
    },

    /** Per step (≥ 300 s) every direction's bytes, L3 bytes, packets and samples, in one query (totals are their sums). */
    async memberRollupSteps(asn: number, fromMs: number, toMs: number, stepSeconds: number): Promise<RollupStep[]> {
      const out = await rows<Record<string, string>>(
        `SELECT toUnixTimestamp(toStartOfInterval(bucket, toIntervalSecond({step:UInt32}))) AS ts,
                toString(sumIf(bytes, src_asn = {asn:UInt32})) AS ib, toString(sumIf(l3_bytes, src_asn = {asn:UInt32})) AS il,
                toString(sumIf(packets, src_asn = {asn:UInt32})) AS ip, toString(sumIf(samples, src_asn = {asn:UInt32})) AS isa,
                toString(sumIf(bytes, dst_asn = {asn:UInt32})) AS ob, toString(sumIf(l3_bytes, dst_asn = {asn:UInt32})) AS ol,
                toString(sumIf(packets, dst_asn = {asn:UInt32})) AS op, toString(sumIf(samples, dst_asn = {asn:UInt32})) AS osa
         FROM member_traffic_5m
         WHERE (src_asn = {asn:UInt32} OR dst_asn = {asn:UInt32}) AND bucket >= toDateTime({from:UInt32}, 'UTC') AND bucket < toDateTime({to:UInt32}, 'UTC')
         GROUP BY ts ORDER BY ts`,
        { asn, step: stepSeconds, ...range(fromMs, toMs) },
      );
      return out.map((r) => ({
        ts: Number(r.ts) * 1000,
        in: { bytes: r.ib!, l3_bytes: r.il!, packets: r.ip!, samples: r.isa! },
        out: { bytes: r.ob!, l3_bytes: r.ol!, packets: r.op!, samples: r.osa! },
      }));
    },

    /** Bytes per step for one member; steps below 300 s come from raw flows. */
    async memberSeries(asn: number, fromMs: number, toMs: number, stepSeconds: number): Promise<SeriesPoint[]> {
      const fromRollup = stepSeconds >= 300;
      const t = fromRollup ? 'bucket' : RAW_SCALED.time;
      const b = fromRollup ? 'bytes' : 'frame_octets * sampling_rate';
      const table = fromRollup ? 'member_traffic_5m' : 'flows_raw';
      const out = await rows<{ ts: string; in_bytes: string; out_bytes: string }>(
        `SELECT toUnixTimestamp(toStartOfInterval(${t}, toIntervalSecond({step:UInt32}))) AS ts,
                toString(sumIf(${b}, src_asn = {asn:UInt32})) AS in_bytes, toString(sumIf(${b}, dst_asn = {asn:UInt32})) AS out_bytes
         FROM ${table}
         WHERE (src_asn = {asn:UInt32} OR dst_asn = {asn:UInt32}) AND ${t} >= toDateTime({from:UInt32}, 'UTC') AND ${t} < toDateTime({to:UInt32}, 'UTC')
         GROUP BY ts ORDER BY ts`,
        { asn, step: stepSeconds, ...range(fromMs, toMs) },
      );
      return out.map((r) => ({ ts: Number(r.ts) * 1000, in_bytes: r.in_bytes, out_bytes: r.out_bytes }));
    },

    async matrix(fromMs: number, toMs: number, onlyAsn: number | null): Promise<MatrixRow[]> {
      const out = await rows<Record<string, string>>(
        // Aliases differ from the column names: ClickHouse would resolve ORDER BY sum(bytes) to the alias.
        `SELECT src_asn, dst_asn, toString(sum(bytes)) AS b_, toString(sum(l3_bytes)) AS l3_, toString(sum(packets)) AS p_
         FROM member_traffic_5m
         WHERE bucket >= toDateTime({from:UInt32}, 'UTC') AND bucket < toDateTime({to:UInt32}, 'UTC')
           AND ({only:UInt32} = 0 OR src_asn = {only:UInt32} OR dst_asn = {only:UInt32})
         GROUP BY src_asn, dst_asn ORDER BY sum(bytes) DESC`,
        { only: onlyAsn ?? 0, ...range(fromMs, toMs) },
      );
      return out.map((r) => ({ src_asn: Number(r.src_asn), dst_asn: Number(r.dst_asn), bytes: r.b_!, l3_bytes: r.l3_!, packets: r.p_! }));
    },
  };
}

export type TrafficRepository = ReturnType<typeof createTrafficRepository>;
