/**
 * `ixmeter backup DIR` (online: through the running service's API when `serve` holds the data
 * directory, else locally), `ixmeter backup --verify DIR`, `ixmeter backup --keep N PARENT` (scheduled,
 * keeps N copies) and `ixmeter restore DIR` (into a stopped, empty IXMETER_DATA_DIR).
 */
import { join, resolve } from 'node:path';
import cliProgress from 'cli-progress';
import { verifyBackup } from '../../backup/manifest.js';
import { restoreBackup } from '../../backup/restore.js';
import { pruneBackups, scheduledBackupName } from '../../backup/retention.js';
import { assertEmptyTarget, createEmbeddedBackup, type BackupProgress } from '../../backup/snapshot.js';
import type { BackupJobView } from '../../backup/jobs.js';
import { loadConfig } from '../../config/load.js';
import { AppError } from '../../shared/errors.js';
import { createLogger } from '../../shared/logger.js';
import { openStorage } from '../../storage/clickhouse/client.js';
import { apiCaller } from '../local-or-api.js';

function bar(label: string, unit: string) {
  return new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit}`,
      hideCursor: true,
      stream: process.stderr,
      noTTYOutput: true,
      notTTYSchedule: 2000,
    },
    cliProgress.Presets.shades_classic,
  );
}

type Summary = NonNullable<BackupJobView['summary']>;

const prettyBytes = (n: number): string =>
  n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(2)} GiB` : `${(n / 2 ** 20).toFixed(1)} MiB`;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function backupOnce(target: string): Promise<Summary> {
  const config = loadConfig();
  const log = createLogger('warn');
  const b = bar('backup', 'MiB');
  let started = false;
  const show = (p: BackupProgress) => {
    const total = Math.max(1, Math.ceil(p.totalBytes / 2 ** 20));
    if (!started && p.phase !== 'freeze') {
      b.start(total, 0);
      started = true;
    }
    if (started) {
      b.setTotal(total);
      b.update(Math.min(total, Math.floor(p.doneBytes / 2 ** 20)));
    }
  };
  try {
    let storage: Awaited<ReturnType<typeof openStorage>> | undefined;
    try {
      storage = await openStorage(config, log);
    } catch (e) {
      if (!(e instanceof AppError && e.code === 'IXMETER_ERR_STORAGE_LOCKED')) throw e;
    }
    if (storage) {
      // No service runs: nothing writes, the snapshot is taken here.
      try {
        const m = await createEmbeddedBackup({ storage, dataDir: config.dataDir, target, onProgress: show });
        return {
          tables: m.tables.length,
          rows: m.tables.reduce((n, t) => n + t.rows, 0),
          files: m.files.length,
          bytes: m.files.reduce((n, f) => n + f.bytes, 0),
          backup_point: m.backup_point,
          hold_ms: m.hold_ms,
        };
      } finally {
        await storage.close();
      }
    }
    const api = apiCaller(config);
    let job = (await api('POST', '/admin/backups', { dir: target })) as BackupJobView;
    while (job.state === 'running') {
      show(job.progress);
      await sleep(300);
      job = (await api('GET', `/admin/backups/${job.id}`)) as BackupJobView;
    }
    show(job.progress);
    if (job.state === 'failed')
      throw new AppError(
        (job.error?.code ?? 'IXMETER_ERR_BACKUP_FAILED') as never,
        job.error?.message ?? 'backup failed',
      );
    return job.summary!;
  } finally {
    if (started) b.stop();
  }
}

export async function runBackup(dir: string, o: { verify?: boolean; keep?: number }): Promise<void> {
  const target = resolve(dir);
  if (o.verify) return runVerify(target);
  const out = o.keep ? join(target, scheduledBackupName()) : target;
  if (!o.keep) assertEmptyTarget(out);
  const s = await backupOnce(out);
  process.stdout.write(
    `backup ${out}: ${s.tables} tables, ${s.rows} rows, ${s.files} files, ${prettyBytes(s.bytes)}; backup point ${s.backup_point} (inserts held ${s.hold_ms} ms)\n`,
  );
  if (o.keep) {
    const removed = pruneBackups(target, o.keep);
    if (removed.length) process.stdout.write(`removed old backups (keeping ${o.keep}): ${removed.join(', ')}\n`);
  }
}

async function runVerify(dir: string): Promise<void> {
  const b = bar('verify', 'files');
  let started = false;
  const r = await verifyBackup(dir, (d, t) => {
    if (!started) {
      b.start(t, 0);
      started = true;
    }
    b.update(d);
  }).finally(() => {
    if (started) b.stop();
  });
  if (r.problems.length) {
    throw new AppError(
      'IXMETER_ERR_BACKUP_INVALID',
      `backup ${dir} is damaged (${r.problems.length} problems):\n  ${r.problems.slice(0, 20).join('\n  ')}`,
    );
  }
  process.stdout.write(
    `backup ${dir} is intact: ${r.tables} tables, ${r.rows} rows, ${r.files} files, ${prettyBytes(r.bytes)}; backup point ${r.manifest.backup_point}\n`,
  );
}

export async function runRestore(dir: string): Promise<void> {
  const config = loadConfig();
  const b = bar('restore', 'steps');
  let phase = '';
  const r = await restoreBackup(resolve(dir), config, createLogger('warn'), (p, d, t) => {
    if (p !== phase) {
      if (phase) b.stop();
      b.start(t, 0);
      phase = p;
    }
    b.update(d);
  }).finally(() => {
    if (phase) b.stop();
  });
  process.stdout.write(
    `restored ${resolve(dir)} into ${config.dataDir}: ${r.tables} tables, ${r.rows} rows; backup point ${r.manifest.backup_point}. Start the service with 'ixmeter serve'.\n`,
  );
}
