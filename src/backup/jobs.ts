/**
 * Backups run by the service for the CLI (`ixmeter backup` while `serve` holds the data directory):
 * one at a time, started by the admin API and polled for progress.
 */
import { randomUUID } from 'node:crypto';
import type { Storage } from '../storage/clickhouse/client.js';
import { AppError, errorMessage, isAppError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { createEmbeddedBackup, type BackupProgress, type Hold } from './snapshot.js';

export interface BackupJobView {
  id: string;
  dir: string;
  state: 'running' | 'done' | 'failed';
  progress: BackupProgress;
  started_at: string;
  finished_at: string | null;
  summary: { tables: number; rows: number; files: number; bytes: number; backup_point: string; hold_ms: number } | null;
  error: { code: string; message: string } | null;
}

export interface BackupJobs {
  start(dir: string): BackupJobView;
  get(id: string): BackupJobView | undefined;
}

export function createBackupJobs(deps: { storage: Storage; dataDir: string; hold: Hold; log: Logger }): BackupJobs {
  const jobs = new Map<string, BackupJobView>();
  let running: BackupJobView | undefined;
  return {
    start(dir) {
      if (running)
        throw new AppError(
          'IXMETER_ERR_CONFLICT',
          `backup ${running.id} to ${running.dir} is still running; one backup at a time`,
        );
      const job: BackupJobView = {
        id: randomUUID(),
        dir,
        state: 'running',
        progress: { phase: 'freeze', doneBytes: 0, totalBytes: 0 },
        started_at: new Date().toISOString(),
        finished_at: null,
        summary: null,
        error: null,
      };
      jobs.set(job.id, job);
      running = job;
      void createEmbeddedBackup({
        storage: deps.storage,
        dataDir: deps.dataDir,
        target: dir,
        hold: deps.hold,
        onProgress: (p) => (job.progress = { ...p }),
      })
        .then((m) => {
          job.state = 'done';
          job.summary = {
            tables: m.tables.length,
            rows: m.tables.reduce((n, t) => n + t.rows, 0),
            files: m.files.length,
            bytes: m.files.reduce((n, f) => n + f.bytes, 0),
            backup_point: m.backup_point,
            hold_ms: m.hold_ms,
          };
          deps.log.info({ dir, ...job.summary }, 'backup written');
        })
        .catch((e: unknown) => {
          job.state = 'failed';
          job.error = { code: isAppError(e) ? e.code : 'IXMETER_ERR_BACKUP_FAILED', message: errorMessage(e) };
          deps.log.error({ dir, err: job.error.message }, 'backup failed');
        })
        .finally(() => {
          job.finished_at = new Date().toISOString();
          running = undefined;
        });
      return job;
    },
    get: (id) => jobs.get(id),
  };
}
