/**
 * Child-process helper: an embedded data directory with only the migrations up to UPTO (an older release's
 * schema), then the statements given as JSON (a list of SQL commands, e.g. INSERT … SELECT FROM numbers()).
 * Usage: node --import tsx tests/helpers/old-schema-data-dir.ts <dataDir> <upto, e.g. 0010> '<json>'
 * (database from IXMETER_CLICKHOUSE_DATABASE).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/shared/logger.js';
import { openStorage } from '../../src/storage/clickhouse/client.js';
import { defaultMigrationsDir, migrate, migrationVars } from '../../src/storage/clickhouse/migrate.js';

export function oldSchemaDataDir(dataDir: string, database: string, upto: string, commands: string[]): void {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'tests/helpers/old-schema-data-dir.ts', dataDir, upto, JSON.stringify(commands)],
    {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, IXMETER_CLICKHOUSE_DATABASE: database },
      encoding: 'utf8',
      timeout: 300_000,
    },
  );
  if (r.status !== 0) throw new Error(`building ${dataDir} failed: ${r.stderr}`);
}

async function main(): Promise<void> {
  const [dataDir, upto, json] = process.argv.slice(2);
  const config = loadConfig({ ...process.env, IXMETER_DATA_DIR: dataDir!, IXMETER_REDIS_AUTOSTART: 'false' });
  const old = mkdtempSync(join(tmpdir(), 'ixmeter-old-migrations-'));
  const storage = await openStorage(config, createLogger('silent'));
  try {
    for (const f of readdirSync(defaultMigrationsDir()).filter((f) => f.slice(0, 4) <= upto!))
      copyFileSync(join(defaultMigrationsDir(), f), join(old, f));
    await migrate(storage, { vars: migrationVars(config), dir: old });
    for (const sql of JSON.parse(json!) as string[]) await storage.client.command({ query: sql });
  } finally {
    await storage.close();
    rmSync(old, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('old-schema-data-dir.ts')) await main();
