/** Open storage and bring the schema up to date: the first thing every process that touches data does. */
import type { Config } from '../config/load.js';
import type { Logger } from '../shared/logger.js';
import { openStorage, type Storage } from '../storage/clickhouse/client.js';
import type { ProgressSink } from '../storage/clickhouse/backfill.js';
import { migrate, migrationVars, type MigrateResult } from '../storage/clickhouse/migrate.js';
import { applyRetention } from '../storage/clickhouse/retention.js';

export async function openMigratedStorage(
  config: Config,
  log: Logger,
  onProgress?: ProgressSink,
): Promise<{ storage: Storage; migrations: MigrateResult }> {
  const storage = await openStorage(config, log);
  try {
    const migrations = await migrate(storage, {
      vars: migrationVars(config),
      log,
      ...(onProgress ? { onProgress } : {}),
    });
    await applyRetention(
      storage,
      { raw: config.IXMETER_RAW_RETENTION_DAYS, rollup: config.IXMETER_ROLLUP_RETENTION_DAYS },
      log,
    );
    return { storage, migrations };
  } catch (e) {
    await storage.close();
    throw e;
  }
}
