/**
 * Harness for a migration that backfills a new rollup (0011, 0012): real embedded ClickHouse with every
 * migration before FILE applied from a private copy of migrations/, then FILE added, "forgotten" and re-applied,
 * so a test can check that the copy is made once, that a repeat adds nothing, and that an incomplete copy is
 * refused until the table is emptied.
 */
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { openStorage, type Storage } from '../../src/storage/clickhouse/client.js';
import { defaultMigrationsDir, migrate, type MigrateResult } from '../../src/storage/clickhouse/migrate.js';
import { silentLog, tempDir, testConfig } from './env.js';

const vars = { RAW_RETENTION_DAYS: 190, ROLLUP_RETENTION_DAYS: 1827 };

export interface BackfillHarness {
  storage: Storage;
  /** Apply whatever the private migrations folder holds. */
  migrate(): Promise<MigrateResult>;
  /** Put FILE into the private folder (its backfill then runs on the next migrate). */
  addFile(): void;
  /** Re-apply FILE as if it had never run: the same statements, on the table as it is. */
  rerun(): Promise<MigrateResult>;
  /** An interrupted copy (rows deleted from `table` by `where`) is refused; after TRUNCATE the copy runs again. */
  expectIncompleteCopyRefused(table: string, where: string): Promise<void>;
  close(): Promise<void>;
}

export async function backfillHarness(file: string): Promise<BackfillHarness> {
  const dir = tempDir();
  const storage = await openStorage(testConfig(join(dir.path, 'data')), silentLog);
  const mdir = join(dir.path, 'migrations');
  mkdirSync(mdir);
  for (const f of readdirSync(defaultMigrationsDir())) if (f < file) copyFileSync(join(defaultMigrationsDir(), f), join(mdir, f));
  const version = Number(file.slice(0, 4));
  const run = () => migrate(storage, { vars, dir: mdir });
  const forget = () => storage.client.command({ query: `ALTER TABLE schema_migrations DELETE WHERE version = ${version} SETTINGS mutations_sync = 2` });
  return {
    storage,
    migrate: run,
    addFile: () => copyFileSync(join(defaultMigrationsDir(), file), join(mdir, file)),
    async rerun() {
      await forget();
      return run();
    },
    async expectIncompleteCopyRefused(table, where) {
      await forget();
      await storage.client.command({ query: `ALTER TABLE ${table} DELETE WHERE ${where} SETTINGS mutations_sync = 2` });
      await expect(run()).rejects.toMatchObject({ code: 'IXMETER_ERR_STORAGE_QUERY', message: expect.stringMatching(/interrupted backfill/) });
      await storage.client.command({ query: `TRUNCATE TABLE ${table}` });
      expect((await run()).applied).toEqual([file]);
    },
    async close() {
      await storage.close();
      dir.cleanup();
    },
  };
}
