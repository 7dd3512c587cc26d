/** Retention settings reach tables created under earlier settings (chDB): TTL follows the configuration. */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage, type Storage } from '../../src/storage/clickhouse/client.js';
import { migrate } from '../../src/storage/clickhouse/migrate.js';
import { applyRetention, RETENTION_TABLES, ttlDays } from '../../src/storage/clickhouse/retention.js';
import { silentLog, tempDir, testConfig } from '../helpers/env.js';

let dir: ReturnType<typeof tempDir>;
let storage: Storage;

beforeAll(async () => {
  dir = tempDir();
  storage = await openStorage(testConfig(join(dir.path, 'data')), silentLog);
  await migrate(storage, { vars: { RAW_RETENTION_DAYS: 190, ROLLUP_RETENTION_DAYS: 1827 } });
});
afterAll(async () => {
  await storage?.close();
  dir?.cleanup();
});

async function ttls(): Promise<Record<string, number | null>> {
  const rs = await storage.client.query({
    query: 'SELECT name, create_table_query FROM system.tables WHERE database = currentDatabase()',
    format: 'JSONEachRow',
  });
  const rows = await rs.json<{ name: string; create_table_query: string }>();
  return Object.fromEntries(
    rows
      .filter((r) => RETENTION_TABLES.some((t) => t.table === r.name))
      .map((r) => [r.name, ttlDays(r.create_table_query)]),
  );
}

describe('retention from configuration', () => {
  it('covers every table whose migration TTL uses a retention setting', async () => {
    const t = await ttls();
    expect(Object.keys(t).sort()).toEqual(RETENTION_TABLES.map((x) => x.table).sort());
    expect(t.flows_raw).toBe(190);
    expect(t.member_traffic_5m).toBe(1827);
  });

  it('changes only the tables whose days differ, and is a no-op the second time', async () => {
    expect(await applyRetention(storage, { raw: 190, rollup: 1827 }, silentLog)).toEqual([]);
    const changes = await applyRetention(storage, { raw: 400, rollup: 1827 }, silentLog);
    expect(changes).toEqual([{ table: 'flows_raw', fromDays: 190, toDays: 400 }]);
    const after = await applyRetention(storage, { raw: 400, rollup: 3650 }, silentLog);
    expect(after.map((c) => c.table).sort()).toEqual(
      RETENTION_TABLES.filter((x) => x.setting === 'rollup')
        .map((x) => x.table)
        .sort(),
    );
    const t = await ttls();
    expect(t.flows_raw).toBe(400);
    expect(t.member_io_5m).toBe(3650);
    expect(await applyRetention(storage, { raw: 400, rollup: 3650 }, silentLog)).toEqual([]);
  });

  it('keeps rows inside the new limit and expires rows outside it', async () => {
    const day = 86_400;
    const now = Math.floor(Date.now() / 1000);
    await storage.client.command({
      query: `INSERT INTO member_traffic_5m (bucket, src_asn, dst_asn, ip_version, bytes, l3_bytes, packets, samples)
      VALUES (toDateTime(${now - 300 * day}, 'UTC'), 1, 2, 4, 10, 10, 1, 1), (toDateTime(${now - 10 * day}, 'UTC'), 1, 2, 4, 20, 20, 1, 1)`,
    });
    await applyRetention(storage, { raw: 400, rollup: 200 }, silentLog);
    await storage.client.command({ query: 'OPTIMIZE TABLE member_traffic_5m FINAL' });
    const rs = await storage.client.query({
      query: 'SELECT toString(sum(bytes)) AS b FROM member_traffic_5m',
      format: 'JSONEachRow',
    });
    expect((await rs.json<{ b: string }>())[0]!.b).toBe('20');
  });
});
