/**
 * Online backup of an embedded data directory: `ALTER TABLE … FREEZE` hard-links every MergeTree
 * table's active parts into clickhouse/shadow/<name>/ (milliseconds, no data copied), all inside one
 * writer hold, so the flow table and every rollup fed by its materialised views hold exactly the same
 * inserts; the spool is copied inside the hold too (a batch is either in a frozen part or in the copied
 * spool, never both). After the hold the frozen parts and the local state are copied and hashed, and
 * the manifest is written last: a directory without manifest.json is not a backup.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Storage } from '../storage/clickhouse/client.js';
import { AppError, errorMessage } from '../shared/errors.js';
import {
  copyHashed,
  MANIFEST_FORMAT,
  MANIFEST_VERSION,
  writeManifest,
  type Manifest,
  type ManifestFile,
  type ManifestTable,
} from './manifest.js';

export type Hold = <T>(fn: () => Promise<T>) => Promise<T>;

export interface BackupProgress {
  phase: 'freeze' | 'copy' | 'manifest' | 'done';
  doneBytes: number;
  totalBytes: number;
}

export interface BackupOptions {
  storage: Storage;
  /** IXMETER_DATA_DIR of the running service. */
  dataDir: string;
  /** Where the backup goes: must not exist or be empty. */
  target: string;
  /** The collector writer's exclusive section (no insert in flight); plain call when no writer runs. */
  hold?: Hold;
  onProgress?: (p: BackupProgress) => void;
}

interface TableRow {
  name: string;
  engine: string;
  create_table_query: string;
  data_paths: string[];
}

/** Directories and files of the data directory that are not local state. */
const SKIP_TOP = new Set(['clickhouse', 'spool']);
const skipFile = (name: string): boolean => name.endsWith('.tmp') || name.endsWith('.ready');

export function assertEmptyTarget(target: string): void {
  if (existsSync(target) && (!statSync(target).isDirectory() || readdirSync(target).length)) {
    throw new AppError(
      'IXMETER_ERR_BACKUP_TARGET_EXISTS',
      `backup target ${target} exists and is not an empty directory: give a new directory (or use --keep N with a parent directory)`,
    );
  }
}

/** Every regular file under `dir` (relative paths), skipping what `skip` refuses. */
export function walk(
  dir: string,
  skip: (rel: string, name: string, isDir: boolean) => boolean = () => false,
  base = dir,
): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, e.name);
    const rel = relative(base, full);
    if (skip(rel, e.name, e.isDirectory())) continue;
    if (e.isDirectory()) out.push(...walk(full, skip, base));
    else if (e.isFile()) out.push(rel);
  }
  return out.sort();
}

export async function createEmbeddedBackup(o: BackupOptions): Promise<Manifest> {
  if (o.storage.mode !== 'embedded') {
    throw new AppError(
      'IXMETER_ERR_NOT_AVAILABLE',
      "'ixmeter backup' copies an embedded data directory; with a ClickHouse server use the server's BACKUP DATABASE (operator guide, 'Backup and restore')",
    );
  }
  assertEmptyTarget(o.target);
  mkdirSync(o.target, { recursive: true });
  const { client, database } = o.storage;
  const chDir = join(o.dataDir, 'clickhouse');
  const rs = await client.query({
    query:
      'SELECT name, engine, create_table_query, data_paths FROM system.tables WHERE database = {db:String} AND NOT is_temporary ORDER BY name',
    query_params: { db: database },
    format: 'JSONEachRow',
  });
  const tables = (await rs.json<TableRow>()).filter((t) => !t.name.startsWith('.inner'));
  const mergeTrees = tables.filter((t) => t.engine.endsWith('MergeTree'));
  const name = `ixmeter_backup_${Date.now()}_${randomBytes(3).toString('hex')}`; // [A-Za-z0-9_] only: ClickHouse escapes other characters in the shadow path
  const files: ManifestFile[] = [];
  const progress: BackupProgress = { phase: 'freeze', doneBytes: 0, totalBytes: 0 };
  o.onProgress?.(progress);
  const hold: Hold = o.hold ?? ((fn) => fn());
  const t0 = Date.now();
  let backupPoint = '';
  let holdMs = 0;
  try {
    await hold(async () => {
      for (const t of mergeTrees)
        await client.command({ query: `ALTER TABLE \`${t.name}\` FREEZE WITH NAME '${name}'` });
      // Inside the hold: a spooled batch is not in any frozen part, and nothing replays it meanwhile.
      const spoolDir = join(o.dataDir, 'spool');
      for (const rel of walk(spoolDir, (_r, n) => skipFile(n)))
        files.push({
          path: join('state', 'spool', rel),
          ...(await copyHashed(join(spoolDir, rel), join(o.target, 'state', 'spool', rel))),
        });
      backupPoint = new Date().toISOString();
      holdMs = Date.now() - t0;
    });
    const shadow = join(chDir, 'shadow', name);
    const plan: Array<{ table: ManifestTable; src: string; rel: string }> = [];
    const out: ManifestTable[] = [];
    for (const t of tables) {
      const entry: ManifestTable = {
        name: t.name,
        engine: t.engine,
        kind: t.engine.endsWith('MergeTree') ? 'table' : 'view',
        create: t.create_table_query,
        parts: [],
        rows: 0,
      };
      out.push(entry);
      if (entry.kind === 'view') continue;
      const frozen = join(shadow, relative(chDir, t.data_paths[0]!));
      for (const part of existsSync(frozen) ? readdirSync(frozen).sort() : []) {
        if (!statSync(join(frozen, part)).isDirectory()) continue;
        entry.parts.push(part);
        entry.rows += Number(readFileSync(join(frozen, part, 'count.txt'), 'utf8').trim());
        for (const f of walk(join(frozen, part)))
          plan.push({ table: entry, src: join(frozen, part, f), rel: join('clickhouse', t.name, part, f) });
      }
    }
    const state = walk(o.dataDir, (rel, n, isDir) => (isDir && SKIP_TOP.has(rel)) || (!isDir && skipFile(n)));
    const sizes = [...plan.map((p) => statSync(p.src).size), ...state.map((s) => sizeOrZero(join(o.dataDir, s)))];
    progress.phase = 'copy';
    progress.totalBytes = sizes.reduce((a, b) => a + b, 0);
    o.onProgress?.(progress);
    for (const p of plan) {
      const r = await copyHashed(p.src, join(o.target, p.rel));
      files.push({ path: p.rel, ...r });
      progress.doneBytes += r.bytes;
      o.onProgress?.(progress);
    }
    for (const rel of state) {
      try {
        const r = await copyHashed(join(o.dataDir, rel), join(o.target, 'state', rel));
        files.push({ path: join('state', rel), ...r });
        progress.doneBytes += r.bytes;
      } catch (e) {
        // Local state files are replaced by rename: one that vanished between listing and copy is not an error.
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
      o.onProgress?.(progress);
    }
    progress.phase = 'manifest';
    o.onProgress?.(progress);
    const migrations = mergeTrees.some((t) => t.name === 'schema_migrations')
      ? (
          await (
            await client.query({
              query: 'SELECT DISTINCT version FROM schema_migrations ORDER BY version',
              format: 'JSONEachRow',
            })
          ).json<{ version: number }>()
        ).map((r) => Number(r.version))
      : [];
    const manifest: Manifest = {
      format: MANIFEST_FORMAT,
      version: MANIFEST_VERSION,
      created_at: new Date(t0).toISOString(),
      backup_point: backupPoint,
      mode: 'embedded',
      clickhouse_version: o.storage.serverVersion,
      database,
      migrations,
      tables: out,
      files,
      hold_ms: holdMs,
    };
    writeManifest(o.target, manifest);
    progress.phase = 'done';
    o.onProgress?.(progress);
    return manifest;
  } catch (e) {
    throw e instanceof AppError
      ? e
      : new AppError(
          'IXMETER_ERR_BACKUP_FAILED',
          `backup to ${o.target} failed (no manifest written, it is not a backup): ${errorMessage(e)}`,
          { cause: e },
        );
  } finally {
    rmSync(join(chDir, 'shadow', name), { recursive: true, force: true });
  }
}

function sizeOrZero(p: string): number {
  try {
    return statSync(p).size;
  } catch {
    return 0;
  }
}
