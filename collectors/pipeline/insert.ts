/**
 * How batches reach ClickHouse: one INSERT per batch (with the column list for our tables), deduplicated
 * by the batch id — insert_deduplication_token, inherited by the rollup views — and which errors no
 * retry can fix. `table` comes from our code, never from input.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { COUNTER_COLUMNS, FLOW_COLUMNS } from './rows.js';
import type { InsertBatch } from './spool.js';

export type InsertFn = (b: InsertBatch) => Promise<void>;

const COLUMNS: Record<string, readonly string[]> = { flows_raw: FLOW_COLUMNS, interface_counters_raw: COUNTER_COLUMNS };

export function clickHouseInsert(client: ClickHouseClient): InsertFn {
  return async (b) => {
    const cols = COLUMNS[b.table];
    await client.command({
      query: `INSERT INTO ${b.table}${cols ? ` (${cols.join(', ')})` : ''} FORMAT ${b.format}\n${b.body}`,
      clickhouse_settings: { insert_deduplication_token: b.id, deduplicate_blocks_in_dependent_materialized_views: 1 },
    });
  };
}

/** ClickHouse error codes no retry can fix (parse, type, schema, syntax): the batch or statement is wrong. */
const PERMANENT_CODES = new Set([6, 15, 16, 20, 25, 26, 27, 33, 38, 41, 53, 60, 62, 69, 70, 72, 73, 81, 108, 117, 130, 131, 321, 349, 376, 441]);

/** True for a ClickHouse (server or chDB) error about the data or statement; connection/timeout/resource errors are retryable. */
export function isPermanentInsertError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  if ((typeof code !== 'string' && typeof code !== 'number') || !/^\d+$/.test(String(code))) return false;
  return PERMANENT_CODES.has(Number(code));
}
