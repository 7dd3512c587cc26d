import { loadConfig } from '../../config/load.js';
import { AppError } from '../../shared/errors.js';
import { createLogger } from '../../shared/logger.js';
import { openMigratedStorage } from '../../runtime/storage-setup.js';
import { migrateProgress } from './migrate-progress.js';

export async function runMigrate(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.IXMETER_LOG_LEVEL === 'info' ? 'warn' : config.IXMETER_LOG_LEVEL);
  const progress = migrateProgress();
  try {
    const { storage, migrations } = await openMigratedStorage(config, log, progress.sink);
    progress.stop();
    await storage.close();
    process.stdout.write(
      migrations.applied.length
        ? `applied ${migrations.applied.length} migration(s): ${migrations.applied.join(', ')} (${migrations.alreadyApplied} already applied)\n`
        : `schema is up to date (${migrations.alreadyApplied} migrations applied)\n`,
    );
  } catch (e) {
    progress.stop();
    if (e instanceof AppError && e.code === 'IXMETER_ERR_STORAGE_LOCKED') {
      throw new AppError(
        'IXMETER_ERR_STORAGE_LOCKED',
        `${e.message}\nA running 'ixmeter serve' applies migrations at start; nothing to do while it runs.`,
        { cause: e },
      );
    }
    throw e;
  }
}
