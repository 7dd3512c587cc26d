/**
 * Tables kept as a log of states (one row per change of an object, ReplacingMergeTree by updated_at:
 * exclusions, statement_disputes): the current state of each id is its latest row. One reader and
 * writer for them: `select` filters and orders the current rows (the WHERE and ORDER BY see the selected
 * columns and aliases), `insert` appends a state.
 */
import type { ClickHouseClient } from '@clickhouse/client';

export function stateLog<Row>(
  client: ClickHouseClient,
  table: string,
  columns: string,
  toRow: (r: Record<string, unknown>) => Row,
) {
  return {
    async select(where: string, orderBy: string, query_params: Record<string, unknown>): Promise<Row[]> {
      const rs = await client.query({
        query: `SELECT ${columns} FROM (SELECT * FROM ${table} ORDER BY updated_at DESC LIMIT 1 BY id) WHERE ${where} ORDER BY ${orderBy}`,
        query_params,
        format: 'JSONEachRow',
      });
      return (await rs.json<Record<string, unknown>>()).map(toRow);
    },
    async insert(row: Row): Promise<void> {
      await client.insert({ table, values: [row], format: 'JSONEachRow' });
    },
  };
}
