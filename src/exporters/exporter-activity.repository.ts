/**
 * exporter_activity_5m (migration 0014): per-exporter liveness, datagrams per 5-minute bucket.
 * Written by the collectors through the batch writer (collectors/pipeline/exporter-activity.ts, spooled
 * like flows); read here for coverage (an exporter is alive in a bucket when it has a row with
 * datagrams > 0) and silent intervals. Exporters come back as text the way flows_raw.exporter /
 * exporter stats name them: IPv4 dotted (IPv4-mapped IPv6 unwrapped), IPv6 canonical.
 */
import type { ClickHouseClient } from '@clickhouse/client';

export interface ExporterActivityRow {
  /** Bucket start, ms since epoch. */
  bucketMs: number;
  exporter: string;
  datagrams: number;
}

const EXPORTER_TEXT = `if(startsWith(IPv6NumToString(exporter), '::ffff:') AND position(IPv6NumToString(exporter), '.') > 0, substring(IPv6NumToString(exporter), 8), IPv6NumToString(exporter))`;

export function createExporterActivityRepository(client: ClickHouseClient) {
  return {
    /** Direct insert (tests, imports); the collectors go through the batch writer instead. */
    async insert(rows: ExporterActivityRow[]): Promise<void> {
      if (!rows.length) return;
      await client.insert({
        table: 'exporter_activity_5m',
        values: rows.map((r) => ({
          bucket: Math.floor(r.bucketMs / 1000),
          exporter: r.exporter,
          datagrams: r.datagrams,
        })),
        format: 'JSONEachRow',
      });
    },
    /** Buckets in [fromMs, toMs) in which each exporter was alive (datagrams summed over collectors and flushes). */
    async alive(fromMs: number, toMs: number, exporters?: string[]): Promise<ExporterActivityRow[]> {
      const filter = exporters?.length ? 'AND exporter IN (SELECT toIPv6(arrayJoin({e:Array(String)})))' : '';
      const rs = await client.query({
        query: `SELECT toUnixTimestamp(bucket) * 1000 AS bucketMs, ${EXPORTER_TEXT} AS exporter_text, toString(sum(datagrams)) AS n
                FROM exporter_activity_5m
                WHERE bucket >= toDateTime({from:UInt32}, 'UTC') AND bucket < toDateTime({to:UInt32}, 'UTC') ${filter}
                GROUP BY bucket, exporter HAVING sum(datagrams) > 0 ORDER BY bucket, exporter_text`,
        query_params: { from: Math.floor(fromMs / 1000), to: Math.ceil(toMs / 1000), e: exporters ?? [] },
        format: 'JSONEachRow',
      });
      return (await rs.json<{ bucketMs: number | string; exporter_text: string; n: string }>()).map((r) => ({
        bucketMs: Number(r.bucketMs),
        exporter: r.exporter_text,
        datagrams: Number(r.n),
      }));
    },
    /** The last alive bucket start per exporter (ms), for exporters seen since `sinceMs`. */
    async lastAlive(sinceMs: number): Promise<Map<string, number>> {
      const rs = await client.query({
        query: `SELECT ${EXPORTER_TEXT} AS exporter_text, toUnixTimestamp(max(bucket)) * 1000 AS last
                FROM exporter_activity_5m WHERE bucket >= toDateTime({since:UInt32}, 'UTC') AND datagrams > 0 GROUP BY exporter`,
        query_params: { since: Math.floor(sinceMs / 1000) },
        format: 'JSONEachRow',
      });
      return new Map(
        (await rs.json<{ exporter_text: string; last: number | string }>()).map((r) => [
          r.exporter_text,
          Number(r.last),
        ]),
      );
    },
  };
}

export type ExporterActivityRepository = ReturnType<typeof createExporterActivityRepository>;
