/** Migrations against real embedded ClickHouse (chDB): idempotent, checksummed, forward-only. */
import { copyFileSync, mkdirSync, readdirSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage, type Storage } from '../../src/storage/clickhouse/client.js';
import { defaultMigrationsDir, migrate } from '../../src/storage/clickhouse/migrate.js';
import { silentLog, tempDir, testConfig } from '../helpers/env.js';

const vars = { RAW_RETENTION_DAYS: 190, ROLLUP_RETENTION_DAYS: 1827 };
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

async function count(sql: string): Promise<number> {
  const rs = await storage.client.query({ query: sql, format: 'JSONEachRow' });
  return Number((await rs.json<{ n: string }>())[0]!.n);
}

describe('migrations', () => {
  it('applies every file once; a second run applies nothing', async () => {
    const files = readdirSync(defaultMigrationsDir()).filter((f) => f.endsWith('.sql'));
    const first = await migrate(storage, { vars });
    expect(first.applied).toEqual(files.sort());
    const tables = await count(
      "SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = 'api_tokens'",
    );
    expect(tables).toBe(1);
    const second = await migrate(storage, { vars });
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied).toBe(files.length);
    expect(await count('SELECT count() AS n FROM schema_migrations')).toBe(files.length);
  });

  it('refuses an applied migration whose file was edited, and applies new ones', async () => {
    const mdir = join(dir.path, 'migrations');
    mkdirSync(mdir);
    for (const f of readdirSync(defaultMigrationsDir())) copyFileSync(join(defaultMigrationsDir(), f), join(mdir, f));
    writeFileSync(
      join(mdir, '9001_create_probe_table.sql'),
      '-- test\nCREATE TABLE IF NOT EXISTS probe_table (a UInt8) ENGINE = MergeTree ORDER BY a;\n',
    );
    expect((await migrate(storage, { vars, dir: mdir })).applied).toEqual(['9001_create_probe_table.sql']);
    appendFileSync(join(mdir, '9001_create_probe_table.sql'), '-- edited\n');
    await expect(migrate(storage, { vars, dir: mdir })).rejects.toMatchObject({
      code: 'IXMETER_ERR_MIGRATION_CHECKSUM',
    });
  });

  it('rejects badly named files', async () => {
    const mdir = join(dir.path, 'bad');
    mkdirSync(mdir);
    writeFileSync(join(mdir, '1_tokens.sql'), 'SELECT 1;\n');
    await expect(migrate(storage, { vars, dir: mdir })).rejects.toMatchObject({
      code: 'IXMETER_ERR_MIGRATION_INVALID',
    });
  });
});
