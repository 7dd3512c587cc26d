/** Settings given with one query stay with that query on embedded chDB (its adapter would make them session-wide). */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage, type Storage } from '../../src/storage/clickhouse/client.js';
import { withSettingsClause } from '../../src/storage/clickhouse/query-settings.js';
import { silentLog, tempDir, testConfig } from '../helpers/env.js';

let dir: ReturnType<typeof tempDir>;
let storage: Storage;
beforeAll(async () => {
  dir = tempDir();
  storage = await openStorage(testConfig(join(dir.path, 'data')), silentLog);
});
afterAll(async () => {
  await storage?.close();
  dir?.cleanup();
});

const rows = async (query: string, clickhouse_settings?: Record<string, number>) =>
  (await storage.client.query({ query, format: 'JSONEachRow', clickhouse_settings })).json<Record<string, unknown>>();

describe('per-query settings on embedded ClickHouse', () => {
  it('apply to their query and not to the next one', async () => {
    const miss =
      "SELECT if(e.s = '', 'none', e.s) AS st FROM (SELECT 1 AS k) AS a LEFT JOIN (SELECT 2 AS k, 'x' AS s) AS e ON a.k = e.k";
    expect(await rows(miss, { join_use_nulls: 1 })).toEqual([{ st: null }]);
    expect(await rows(miss)).toEqual([{ st: 'none' }]);
    expect(await rows("SELECT getSetting('join_use_nulls') AS j")).toEqual([{ j: false }]);
  });

  it('reach inserts too (INSERT … SELECT), and commands', async () => {
    await storage.client.command({
      query:
        'CREATE TABLE s (x UInt32) ENGINE = MergeTree ORDER BY x SETTINGS non_replicated_deduplication_window = 100',
    });
    for (let i = 0; i < 2; i++)
      await storage.client.command({
        query: 'INSERT INTO s SELECT number FROM numbers(3)',
        clickhouse_settings: { insert_deduplicate: 0 },
      });
    expect(await rows('SELECT toString(count()) AS n FROM s')).toEqual([{ n: '6' }]);
    expect(await rows("SELECT getSetting('insert_deduplicate') AS d")).toEqual([{ d: true }]);
  });

  it('are written as a SETTINGS clause, and refused where the statement has its own', () => {
    expect(withSettingsClause('SELECT 1', { join_use_nulls: 1, a_b: "x'y", c: true })).toBe(
      "SELECT 1\nSETTINGS join_use_nulls = 1, a_b = 'x\\'y', c = 1",
    );
    expect(withSettingsClause('SELECT 1', {})).toBe('SELECT 1');
    expect(() => withSettingsClause('INSERT INTO t FORMAT TSV\n1', { x: 1 })).toThrow(/own FORMAT or SETTINGS/);
    expect(() => withSettingsClause('SELECT 1', { 'x; DROP': 1 })).toThrow(/invalid setting name/);
  });
});
