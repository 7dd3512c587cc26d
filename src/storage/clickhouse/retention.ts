/**
 * Retention follows the configuration, also for tables created under an earlier setting: migrations
 * write IXMETER_RAW_RETENTION_DAYS / IXMETER_ROLLUP_RETENTION_DAYS into the TTL once, at CREATE; this
 * step runs after every migration and changes the TTL of a table whose days differ (ALTER … MODIFY TTL,
 * rows are then kept or expired by the new rule at the next merge). Shortening is logged as a warning:
 * rows older than the new limit are deleted at the next merges and cannot be recovered.
 */
import type { Logger } from '../../shared/logger.js';
import type { Storage } from './client.js';

/** Every table whose TTL comes from configuration: the TTL expression and which setting gives its days. */
export const RETENTION_TABLES: ReadonlyArray<{ table: string; expr: string; setting: 'raw' | 'rollup' }> = [
  { table: 'flows_raw', expr: 'toDateTime(received_at)', setting: 'raw' },
  { table: 'interface_counters_raw', expr: 'toDateTime(received_at)', setting: 'rollup' },
  { table: 'member_traffic_5m', expr: 'bucket', setting: 'rollup' },
  { table: 'port_counters_5m', expr: 'bucket', setting: 'rollup' },
  { table: 'collector_activity_5m', expr: 'bucket', setting: 'rollup' },
  { table: 'member_io_5m', expr: 'bucket', setting: 'rollup' },
  { table: 'member_traffic_1h', expr: 'bucket', setting: 'rollup' },
  { table: 'member_traffic_1d', expr: 'bucket', setting: 'rollup' },
  { table: 'fabric_traffic_5m', expr: 'bucket', setting: 'rollup' },
];

export interface RetentionChange {
  table: string;
  fromDays: number | null;
  toDays: number;
}

/** Days in a table's TTL clause as ClickHouse shows it (`TTL … + toIntervalDay(N)`), or null. */
export function ttlDays(createQuery: string): number | null {
  const m =
    /\bTTL\b[\s\S]*?toIntervalDay\((\d+)\)/.exec(createQuery) ??
    /\bTTL\b[\s\S]*?INTERVAL\s+(\d+)\s+DAY/i.exec(createQuery);
  return m ? Number(m[1]) : null;
}

export async function applyRetention(
  storage: Storage,
  days: { raw: number; rollup: number },
  log: Logger,
): Promise<RetentionChange[]> {
  const local = (t: string) => (storage.cluster ? `${t}_local` : t);
  const rs = await storage.client.query({
    query:
      'SELECT name, create_table_query FROM system.tables WHERE database = currentDatabase() AND has({names:Array(String)}, name)',
    query_params: { names: RETENTION_TABLES.map((t) => local(t.table)) },
    format: 'JSONEachRow',
  });
  const found = new Map(
    (await rs.json<{ name: string; create_table_query: string }>()).map((r) => [r.name, r.create_table_query]),
  );
  const changes: RetentionChange[] = [];
  for (const t of RETENTION_TABLES) {
    const q = found.get(local(t.table));
    if (q === undefined) continue;
    const want = days[t.setting];
    const have = ttlDays(q);
    if (have === want) continue;
    const onCluster = storage.cluster ? ` ON CLUSTER ${storage.cluster}` : '';
    await storage.client.command({
      query: `ALTER TABLE ${local(t.table)}${onCluster} MODIFY TTL ${t.expr} + INTERVAL ${want} DAY`,
    });
    changes.push({ table: t.table, fromDays: have, toDays: want });
    const msg = `retention of ${t.table} changed from ${have ?? 'none'} to ${want} days`;
    if (have !== null && want < have)
      log.warn(
        { table: t.table, fromDays: have, toDays: want },
        `${msg}: rows older than ${want} days are deleted at the next merges`,
      );
    else log.info({ table: t.table, fromDays: have, toDays: want }, msg);
  }
  return changes;
}
