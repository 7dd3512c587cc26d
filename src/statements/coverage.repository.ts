/**
 * Coverage inputs of a month, read once per statement run (coverage.ts): which exporters were alive in
 * which 5-minute buckets, which exporters carry which member (registered ports; learned from MACs).
 * Typed parameters only; no business rules.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { compactRows } from '../storage/clickhouse/compact.js';

const secs = (ms: number) => Math.floor(ms / 1000);

export function createCoverageRepository(client: ClickHouseClient) {
  const compact = <T extends unknown[]>(query: string, query_params: Record<string, unknown>) =>
    compactRows<T>(client, query, query_params);
  return {
    /**
     * Per exporter, the buckets (epoch s) of [from, to) in which any datagram of it arrived
     * (exporter_activity_5m), or any flow of it was stored (collector_activity_5m: the only record of
     * liveness for months collected before exporter_activity_5m existed; a flow implies a datagram).
     */
    async exporterAlive(fromMs: number, toMs: number): Promise<Array<[exporter: string, buckets: number[]]>> {
      return compact<[string, number[]]>(
        `SELECT toString(exporter), groupArray(ts) FROM (
           SELECT DISTINCT exporter, toUnixTimestamp(bucket) AS ts FROM (
             SELECT exporter, bucket FROM exporter_activity_5m
             WHERE bucket >= toDateTime({f:UInt32}, 'UTC') AND bucket < toDateTime({t:UInt32}, 'UTC') AND datagrams > 0
             UNION ALL
             SELECT exporter, bucket FROM collector_activity_5m
             WHERE bucket >= toDateTime({f:UInt32}, 'UTC') AND bucket < toDateTime({t:UInt32}, 'UTC') AND flows > 0))
         GROUP BY exporter`,
        { f: secs(fromMs), t: secs(toMs) },
      );
    },
    /** Registered member ports (member_assignments kind 'port', key "exporter|ifIndex") valid at some time in [from, to). */
    async registeredPorts(fromMs: number, toMs: number): Promise<Array<[asn: number, key: string]>> {
      return compact<[number, string]>(
        `SELECT DISTINCT asn, key FROM member_assignments FINAL
         WHERE kind = 'port' AND valid_to > fromUnixTimestamp64Milli({f:Int64}) AND valid_from < fromUnixTimestamp64Milli({t:Int64})`,
        { f: String(fromMs), t: String(toMs) },
      );
    },
    /** Exporters that saw each member's MACs as a source (member_exporters_1d) on the UTC days touching [from, to). */
    async learnedExporters(fromMs: number, toMs: number): Promise<Array<[asn: number, exporter: string]>> {
      return compact<[number, string]>(
        `SELECT DISTINCT asn, toString(exporter) FROM member_exporters_1d
         WHERE day >= toDate(toDateTime({f:UInt32}, 'UTC')) AND day <= toDate(toDateTime({t:UInt32}, 'UTC')) AND flows > 0`,
        { f: secs(fromMs), t: secs(toMs - 1) },
      );
    },
  };
}

export type CoverageRepository = ReturnType<typeof createCoverageRepository>;
