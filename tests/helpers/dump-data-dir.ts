/**
 * Child-process helper: open an embedded data directory (chDB allows one per process), run the
 * queries given as JSON on argv[3] (name → SQL; names starting with '!' are run as commands) and print { name: rows } as JSON on stdout.
 * Usage: node --import tsx tests/helpers/dump-data-dir.ts <dataDir> '<json>' (database from IXMETER_CLICKHOUSE_DATABASE).
 */
import { spawnSync } from 'node:child_process';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/shared/logger.js';
import { openStorage } from '../../src/storage/clickhouse/client.js';

export function dumpDataDir(
  dataDir: string,
  database: string,
  queries: Record<string, string>,
): Record<string, Array<Record<string, unknown>>> {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'tests/helpers/dump-data-dir.ts', dataDir, JSON.stringify(queries)],
    {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, IXMETER_CLICKHOUSE_DATABASE: database },
      encoding: 'utf8',
      timeout: 120_000,
      maxBuffer: 256 * 2 ** 20,
    },
  );
  if (r.status !== 0) throw new Error(`dump of ${dataDir} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, Array<Record<string, unknown>>>;
}

async function main(): Promise<void> {
  const [dataDir, json] = process.argv.slice(2);
  const config = loadConfig({ ...process.env, IXMETER_DATA_DIR: dataDir!, IXMETER_REDIS_AUTOSTART: 'false' });
  const storage = await openStorage(config, createLogger('silent'));
  const out: Record<string, unknown> = {};
  try {
    for (const [name, sql] of Object.entries(JSON.parse(json!) as Record<string, string>)) {
      // A name starting with '!' is a statement without a result (INSERT, ALTER).
      if (name.startsWith('!')) await storage.client.command({ query: sql });
      else out[name] = await (await storage.client.query({ query: sql, format: 'JSONEachRow' })).json();
    }
  } finally {
    await storage.close();
  }
  process.stdout.write(JSON.stringify(out));
}

if (process.argv[1]?.endsWith('dump-data-dir.ts')) await main();
