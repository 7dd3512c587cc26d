/**
 * Port utilisation inputs: per member the 5-minute rates (the larger direction: a port is full when either
 * direction is) from member_io_5m, and per switch port the rates its own counters give (port_counters_5m,
 * differences of cumulative octets; decreases = counter reset, skipped) with the speed the device reports.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { compactRows } from '../storage/clickhouse/compact.js';

export interface RateStats {
  peakBytes: number;
  peakAt: number;
  p95Bytes: number;
  buckets: number;
}
/** One port's bytes per bucket start (ms) where the counters give them; absent = unknown. */
export interface PortBucketRates {
  exporter: string;
  if_index: number;
  if_speed_bps: number;
  bytes: Map<number, number>;
}
export interface PortRateStats extends RateStats {
  exporter: string;
  if_index: number;
  if_speed_bps: number;
}

const between = "bucket >= toDateTime({from:UInt32}, 'UTC') AND bucket < toDateTime({to:UInt32}, 'UTC')";

export function createUtilizationRepository(client: ClickHouseClient) {
  const compact = <T extends unknown[]>(query: string, params: Record<string, unknown>) =>
    compactRows<T>(client, query, params);
  const secs = (fromMs: number, toMs: number) => ({ from: Math.floor(fromMs / 1000), to: Math.floor(toMs / 1000) });
  return {
    /** Per member: peak 5-minute bytes (larger direction), its bucket, the P95 (nearest rank over stored buckets). */
    async memberStats(fromMs: number, toMs: number, asn: number | null): Promise<Map<number, RateStats>> {
      const out = await compact<[number, number, number, number, number]>(
        `SELECT asn, max(m), toUnixTimestamp(argMax(bucket, m)), quantileExactHigh(0.95)(m), count() FROM (
           SELECT asn, bucket, greatest(sum(in_bytes), sum(out_bytes)) AS m FROM member_io_5m
           WHERE ${between} AND asn != 0 AND ({asn:UInt32} = 0 OR asn = {asn:UInt32}) GROUP BY asn, bucket)
         GROUP BY asn`,
        { ...secs(fromMs, toMs), asn: asn ?? 0 },
      );
      return new Map(
        out.map((r) => [
          Number(r[0]),
          { peakBytes: Number(r[1]), peakAt: Number(r[2]) * 1000, p95Bytes: Number(r[3]), buckets: Number(r[4]) },
        ]),
      );
    },

    /** Per member: the larger direction's bytes in each of the given 5-minute buckets (absent = no traffic). */
    async memberBuckets(bucketsMs: number[]): Promise<Map<number, Map<number, number>>> {
      const out = await compact<[number, number, number]>(
        `SELECT asn, toUnixTimestamp(bucket), greatest(sum(in_bytes), sum(out_bytes)) FROM member_io_5m
         WHERE bucket IN {b:Array(DateTime('UTC'))} AND asn != 0 GROUP BY asn, bucket`,
        { b: bucketsMs.map((t) => Math.floor(t / 1000)) },
      );
      const m = new Map<number, Map<number, number>>();
      for (const [asn, t, v] of out) {
        let x = m.get(Number(asn));
        if (!x) m.set(Number(asn), (x = new Map()));
        x.set(Number(t) * 1000, Number(v));
      }
      return m;
    },

    /**
     * Per switch port with counters: the larger direction's bytes in each given 5-minute bucket, only where the
     * bucket before has a reading too and no counter went down (else the bucket's rate is unknown), and its speed.
     */
    async portBuckets(bucketsMs: number[]): Promise<PortBucketRates[]> {
      const b = bucketsMs.map((t) => Math.floor(t / 1000));
      const out = await compact<[string, number, number, number, number]>(
        `SELECT toString(exporter), if_index, t, d, s_ FROM (
           SELECT exporter, if_index, t, s_, toUInt64(greatest(toInt128(i_) - toInt128(prev_i), toInt128(o_) - toInt128(prev_o))) AS d,
             prev_t = t - 300 AND i_ >= prev_i AND o_ >= prev_o AS ok FROM (
             SELECT exporter, if_index, t, i_, o_, s_, lagInFrame(t, 1, 0) OVER w AS prev_t, lagInFrame(i_, 1, i_) OVER w AS prev_i, lagInFrame(o_, 1, o_) OVER w AS prev_o FROM (
               SELECT exporter, if_index, toUnixTimestamp(bucket) AS t, max(in_octets) AS i_, max(out_octets) AS o_, max(if_speed) AS s_ FROM port_counters_5m
               WHERE bucket IN {b:Array(DateTime('UTC'))} GROUP BY exporter, if_index, bucket)
             WINDOW w AS (PARTITION BY exporter, if_index ORDER BY t ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)))
         WHERE ok AND t IN {m:Array(UInt32)} ORDER BY exporter, if_index, t`,
        { b: [b[0]! - 300, ...b], m: b },
      );
      const ports = new Map<string, PortBucketRates>();
      for (const [exporter, ifIndex, t, d, speed] of out) {
        const k = `${exporter}|${ifIndex}`;
        let p = ports.get(k);
        if (!p) ports.set(k, (p = { exporter, if_index: Number(ifIndex), if_speed_bps: 0, bytes: new Map() }));
        p.bytes.set(Number(t) * 1000, Number(d));
        p.if_speed_bps = Math.max(p.if_speed_bps, Number(speed));
      }
      return [...ports.values()];
    },

    /** Per switch port with counters: peak and P95 of the larger direction's 5-minute byte deltas, and its speed (bit/s). */
    async portStats(fromMs: number, toMs: number): Promise<PortRateStats[]> {
      const out = await compact<[string, number, number, number, number, number, number]>(
        `SELECT toString(exporter), if_index, max(m), toUnixTimestamp(argMax(bucket, m)), quantileExactHigh(0.95)(m), count(), max(s_) FROM (
           SELECT exporter, if_index, bucket, s_, toUInt64(greatest(greatest(toInt128(i_) - toInt128(prev_i), 0), greatest(toInt128(o_) - toInt128(prev_o), 0))) AS m FROM (
             SELECT exporter, if_index, bucket, i_, o_, s_, lagInFrame(i_, 1, i_) OVER w AS prev_i, lagInFrame(o_, 1, o_) OVER w AS prev_o FROM (
               SELECT exporter, if_index, bucket, max(in_octets) AS i_, max(out_octets) AS o_, max(if_speed) AS s_ FROM port_counters_5m
               WHERE bucket >= toDateTime({from:UInt32}, 'UTC') - INTERVAL 1 HOUR AND bucket < toDateTime({to:UInt32}, 'UTC') GROUP BY exporter, if_index, bucket)
             WINDOW w AS (PARTITION BY exporter, if_index ORDER BY bucket ROWS BETWEEN 1 PRECEDING AND CURRENT ROW))
           WHERE ${between})
         GROUP BY exporter, if_index ORDER BY exporter, if_index`,
        secs(fromMs, toMs),
      );
      return out.map((r) => ({
        exporter: r[0],
        if_index: Number(r[1]),
        peakBytes: Number(r[2]),
        peakAt: Number(r[3]) * 1000,
        p95Bytes: Number(r[4]),
        buckets: Number(r[5]),
        if_speed_bps: Number(r[6]),
      }));
    },
  };
}

export type UtilizationRepository = ReturnType<typeof createUtilizationRepository>;
