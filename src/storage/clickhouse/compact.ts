/**
 * Rows as JSON arrays (JSONCompactEachRow), parsed here from the whole response text. Arrays parse faster
 * than JSONEachRow objects, and for a few large rows (columns as arrays) reading the text at once is much
 * faster than the client's row stream (measured in chDB: 10 vs 17 ms for one 320 kB row). JSON text never
 * holds a raw newline inside a value, so lines are rows.
 */
import type { ClickHouseClient } from '@clickhouse/client';

export async function compactRows<T extends unknown[]>(
  client: ClickHouseClient,
  query: string,
  query_params: Record<string, unknown>,
): Promise<T[]> {
  const text = await (await client.query({ query, query_params, format: 'JSONCompactEachRow' })).text();
  const out: T[] = [];
  for (const line of text.split('\n')) if (line) out.push(JSON.parse(line) as T);
  return out;
}
