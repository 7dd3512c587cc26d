/**
 * Restore a backup into a stopped, empty data directory: verify the manifest and every file first
 * (nothing is written when that fails), copy the local state, create every table from its recorded
 * CREATE statement, copy its parts into detached/ and ATTACH them (ClickHouse re-checks each part's
 * checksums), compare row counts with the manifest, then create the materialised views (attached parts
 * do not trigger them, so no rollup is counted twice).
 */
import { cpSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/load.js';
import { AppError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { openStorage } from '../storage/clickhouse/client.js';
import { verifyBackup, type Manifest } from './manifest.js';

export interface RestoreResult {
  manifest: Manifest;
  tables: number;
  rows: number;
}

export function assertRestorable(dataDir: string): void {
  if (!existsSync(dataDir)) return;
  if (!statSync(dataDir).isDirectory())
    throw new AppError(
      'IXMETER_ERR_RESTORE_TARGET_NOT_EMPTY',
      `IXMETER_DATA_DIR ${dataDir} is a file, not a directory`,
    );
  const left = readdirSync(dataDir);
  if (left.length) {
    throw new AppError(
      'IXMETER_ERR_RESTORE_TARGET_NOT_EMPTY',
      `IXMETER_DATA_DIR ${dataDir} is not empty (${left.slice(0, 5).join(', ')}${left.length > 5 ? ', …' : ''}): restore writes only into a stopped, empty data directory. ` +
        'Stop the service and point IXMETER_DATA_DIR at a new directory (keep the old one until the restore is checked).',
    );
  }
}

export async function restoreBackup(
  backupDir: string,
  config: Config,
  log: Logger,
  onProgress?: (phase: 'verify' | 'restore', done: number, total: number) => void,
): Promise<RestoreResult> {
  if (!config.embedded) {
    throw new AppError(
      'IXMETER_ERR_NOT_AVAILABLE',
      "'ixmeter restore' restores an embedded data directory; with a ClickHouse server use the server's RESTORE (operator guide, 'Backup and restore')",
    );
  }
  assertRestorable(config.dataDir);
  const report = await verifyBackup(backupDir, (d, t) => onProgress?.('verify', d, t));
  if (report.problems.length) {
    throw new AppError(
      'IXMETER_ERR_BACKUP_INVALID',
      `backup ${backupDir} fails its manifest; nothing was restored:\n  ${report.problems.slice(0, 20).join('\n  ')}`,
      { details: report.problems },
    );
  }
  const m = report.manifest;
  if (m.database !== config.IXMETER_CLICKHOUSE_DATABASE) {
    throw new AppError(
      'IXMETER_ERR_CONFIG_INVALID',
      `the backup holds database '${m.database}' but IXMETER_CLICKHOUSE_DATABASE is '${config.IXMETER_CLICKHOUSE_DATABASE}': set it to '${m.database}' for the restore`,
    );
  }
  mkdirSync(config.dataDir, { recursive: true });
  if (existsSync(join(backupDir, 'state')))
    cpSync(join(backupDir, 'state'), config.dataDir, { recursive: true, errorOnExist: true, force: false });
  const storage = await openStorage(config, log);
  const tables = m.tables.filter((t) => t.kind === 'table');
  let done = 0;
  try {
    for (const t of tables) {
      await storage.client.command({ query: t.create });
      await storage.client.command({ query: `SYSTEM STOP MERGES \`${t.name}\`` });
      const rs = await storage.client.query({
        query: 'SELECT data_paths[1] AS p FROM system.tables WHERE database = {db:String} AND name = {t:String}',
        query_params: { db: m.database, t: t.name },
        format: 'JSONEachRow',
      });
      const path = (await rs.json<{ p: string }>())[0]!.p;
      for (const part of t.parts) {
        if (!/^[\w.-]+$/.test(part))
          throw new AppError(
            'IXMETER_ERR_BACKUP_INVALID',
            `table ${t.name}: part name ${JSON.stringify(part)} is not a ClickHouse part name`,
          );
        cpSync(join(backupDir, 'clickhouse', t.name, part), join(path, 'detached', part), { recursive: true });
        await storage.client.command({ query: `ALTER TABLE \`${t.name}\` ATTACH PART '${part}'` });
      }
      const c = await storage.client.query({ query: `SELECT count() AS n FROM \`${t.name}\``, format: 'JSONEachRow' });
      const n = Number((await c.json<{ n: string }>())[0]!.n);
      if (n !== t.rows)
        throw new AppError(
          'IXMETER_ERR_BACKUP_INVALID',
          `restored table ${t.name} holds ${n} rows, the manifest says ${t.rows}: the restore is incomplete, delete ${config.dataDir} and retry`,
        );
      onProgress?.('restore', ++done, tables.length);
    }
    for (const v of m.tables.filter((t) => t.kind === 'view')) await storage.client.command({ query: v.create });
    for (const t of tables) await storage.client.command({ query: `SYSTEM START MERGES \`${t.name}\`` });
  } finally {
    await storage.close();
  }
  log.info(
    { backup: backupDir, tables: tables.length, rows: report.rows, backupPoint: m.backup_point },
    'backup restored',
  );
  return { manifest: m, tables: tables.length, rows: report.rows };
}
