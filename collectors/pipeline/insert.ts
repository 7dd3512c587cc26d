/**
 * How batches reach ClickHouse: one INSERT per batch (with the column list for our tables), deduplicated
 * by the batch id — insert_deduplication_token, inherited by the rollup views — and which errors no
 * retry can fix. `table` comes from our code, never from input.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { settingsClause } from '../../src/storage/clickhouse/query-settings.js';
import { COUNTER_COLUMNS, FLOW_COLUMNS, FLOW_ROW_STRUCTURE } from './rows.js';
import type { InsertBatch } from './spool.js';

export type InsertFn = (b: InsertBatch) => Promise<void>;

const COLUMNS: Record<string, readonly string[]> = { flows_raw: FLOW_COLUMNS, interface_counters_raw: COUNTER_COLUMNS };
/** Binary batches read through file() with these types (rows.ts: LowCardinality read as String, ≈ 20 % less CPU per row). */
const STRUCTURES: Record<string, string> = { flows_raw: FLOW_ROW_STRUCTURE };

const SHM = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();

/**
 * Text batches go inline with the statement. Binary (RowBinary) batches go as a request body stream to a
 * server, and for embedded chDB — whose connection adapter only carries text — through a tmpfs file read
 * with INSERT … SELECT FROM file() (RowBinary: 7× less CPU than JSON for flows_raw; through file() with
 * LowCardinality columns read as String another ≈ 20 %, see rows.ts).
 */
export function clickHouseInsert(client: ClickHouseClient, mode: 'embedded' | 'server' = 'embedded'): InsertFn {
  // optimize_on_insert = 0: the rollup views already GROUP BY their block, so collapsing it again on insert
  // (Summing/Replacing engines) is a redundant sort; every query sums the rollups anyway (rows from different
  // inserts are only ever collapsed by merges).
  const settings = (id: string) => ({
    insert_deduplication_token: id,
    deduplicate_blocks_in_dependent_materialized_views: 1 as const,
    optimize_on_insert: 0 as const,
  });
  // Embedded: statements that carry data (rows after FORMAT, INFILE … FORMAT) get their SETTINGS clause written in
  // before FORMAT; the file() form has no FORMAT clause and goes through the embedded client's own per-statement
  // settings (src/storage/clickhouse/query-settings.ts: chDB would otherwise keep a token for the whole session).
  const clause = (id: string) => settingsClause(settings(id));
  return async (b) => {
    const cols = COLUMNS[b.table];
    const target = `${b.table}${cols ? ` (${cols.join(', ')})` : ''}`;
    if (mode === 'server') {
      if (typeof b.body === 'string')
        await client.command({
          query: `INSERT INTO ${target} FORMAT ${b.format}\n${b.body}`,
          clickhouse_settings: settings(b.id),
        });
      else
        await client.exec({
          query: `INSERT INTO ${target} FORMAT ${b.format}`,
          values: Readable.from([Buffer.from(b.body)]),
          clickhouse_settings: settings(b.id),
        });
      return;
    }
    if (typeof b.body === 'string') {
      await client.command({ query: `INSERT INTO ${target} ${clause(b.id)} FORMAT ${b.format}\n${b.body}` });
      return;
    }
    const file = join(SHM, `ixmeter-${process.pid}-${randomBytes(6).toString('hex')}.bin`);
    writeFileSync(file, b.body);
    try {
      const structure = STRUCTURES[b.table];
      if (structure !== undefined && b.format === 'RowBinary') {
        await client.command({
          query: `INSERT INTO ${target} SELECT * FROM file('${file}', 'RowBinary', '${structure.replace(/'/g, "\\'")}')`,
          clickhouse_settings: settings(b.id),
        });
      } else {
        await client.command({
          query: `INSERT INTO ${target} FROM INFILE '${file}' ${clause(b.id)} FORMAT ${b.format}`,
        });
      }
    } finally {
      rmSync(file, { force: true });
    }
  };
}

/** ClickHouse error codes no retry can fix (parse, type, schema, syntax): the batch or statement is wrong. */
const PERMANENT_CODES = new Set([
  6, 15, 16, 20, 25, 26, 27, 33, 38, 41, 53, 60, 62, 69, 70, 72, 73, 81, 108, 117, 130, 131, 321, 349, 376, 441,
]);

/** True for a ClickHouse (server or chDB) error about the data or statement; connection/timeout/resource errors are retryable. */
export function isPermanentInsertError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  if ((typeof code !== 'string' && typeof code !== 'number') || !/^\d+$/.test(String(code))) return false;
  return PERMANENT_CODES.has(Number(code));
}
