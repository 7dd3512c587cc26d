/**
 * The backup manifest: what a backup holds and how to check it without restoring it.
 * `manifest.json` lists every file (path relative to the backup, size, SHA-256), every table (its
 * CREATE statement, engine, parts, row count) and the backup point; `manifest.sha256` guards the
 * manifest itself. Files are hashed while they are copied, so a backup is read once.
 */
import { createHash } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { AppError } from '../shared/errors.js';

export const MANIFEST_FORMAT = 'ixmeter-backup';
export const MANIFEST_VERSION = 1;

export interface ManifestTable {
  name: string;
  engine: string;
  /** 'table' (has parts) or 'view' (created after every table, no data). */
  kind: 'table' | 'view';
  create: string;
  /** Part directory names, under clickhouse/<table>/. */
  parts: string[];
  rows: number;
}

export interface ManifestFile {
  path: string;
  bytes: number;
  sha256: string;
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  version: number;
  created_at: string;
  /** Every insert that finished before this instant is in the backup; none that started after it. */
  backup_point: string;
  mode: 'embedded' | 'server';
  clickhouse_version: string;
  database: string;
  migrations: number[];
  tables: ManifestTable[];
  files: ManifestFile[];
  /** Milliseconds the writer was held (inserts waited; receiving and decoding went on). */
  hold_ms: number;
}

/** Copy `src` to `dst` (directories created), hashing on the way. */
export async function copyHashed(src: string, dst: string): Promise<{ bytes: number; sha256: string }> {
  mkdirSync(dirname(dst), { recursive: true });
  const hash = createHash('sha256');
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      bytes += chunk.length;
      cb(null, chunk);
    },
  });
  await pipeline(createReadStream(src), tap, createWriteStream(dst, { flags: 'wx' }));
  return { bytes, sha256: hash.digest('hex') };
}

export async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), async function* (source: AsyncIterable<Buffer>) {
    for await (const chunk of source) hash.update(chunk);
  });
  return hash.digest('hex');
}

export function writeManifest(dir: string, m: Manifest): void {
  const text = `${JSON.stringify(m, null, 1)}\n`;
  writeFileSync(join(dir, 'manifest.json'), text);
  writeFileSync(join(dir, 'manifest.sha256'), `${createHash('sha256').update(text).digest('hex')}  manifest.json\n`);
}

/** Read and check the manifest itself (not yet the files): IXMETER_ERR_BACKUP_INVALID when it is missing, edited or foreign. */
export function readManifest(dir: string): Manifest {
  const mf = join(dir, 'manifest.json');
  if (!existsSync(mf))
    throw new AppError('IXMETER_ERR_BACKUP_INVALID', `${dir} is not an ixmeter backup: manifest.json is missing`);
  const text = readFileSync(mf, 'utf8');
  const sumFile = join(dir, 'manifest.sha256');
  const want = existsSync(sumFile) ? readFileSync(sumFile, 'utf8').split(/\s+/)[0] : undefined;
  const got = createHash('sha256').update(text).digest('hex');
  if (want !== got)
    throw new AppError(
      'IXMETER_ERR_BACKUP_INVALID',
      `backup ${dir}: manifest.json does not match manifest.sha256 (edited or truncated)`,
    );
  let m: Manifest;
  try {
    m = JSON.parse(text) as Manifest;
  } catch (e) {
    throw new AppError('IXMETER_ERR_BACKUP_INVALID', `backup ${dir}: manifest.json is not JSON`, { cause: e });
  }
  if (m.format !== MANIFEST_FORMAT || m.version !== MANIFEST_VERSION) {
    throw new AppError(
      'IXMETER_ERR_BACKUP_INVALID',
      `backup ${dir}: manifest format ${String(m.format)} v${String(m.version)} is not ${MANIFEST_FORMAT} v${MANIFEST_VERSION}`,
    );
  }
  return m;
}

export interface VerifyReport {
  files: number;
  bytes: number;
  rows: number;
  tables: number;
  problems: string[];
}

/** Re-hash every file the manifest lists; check each table's part row counts (count.txt) against the manifest. */
export async function verifyBackup(
  dir: string,
  onFile?: (done: number, total: number) => void,
): Promise<VerifyReport & { manifest: Manifest }> {
  const m = readManifest(dir);
  const problems: string[] = [];
  let bytes = 0,
    done = 0;
  for (const f of m.files) {
    const p = join(dir, f.path);
    if (!existsSync(p)) problems.push(`missing file ${f.path}`);
    else if (statSync(p).size !== f.bytes)
      problems.push(`${f.path}: ${statSync(p).size} bytes, manifest says ${f.bytes}`);
    else if ((await hashFile(p)) !== f.sha256) problems.push(`${f.path}: checksum differs from the manifest`);
    bytes += f.bytes;
    onFile?.(++done, m.files.length);
  }
  for (const t of m.tables.filter((x) => x.kind === 'table')) {
    let rows = 0;
    for (const part of t.parts) {
      const c = join(dir, 'clickhouse', t.name, part, 'count.txt');
      rows += existsSync(c) ? Number(readFileSync(c, 'utf8').trim()) : NaN;
    }
    if (rows !== t.rows) problems.push(`table ${t.name}: parts hold ${rows} rows, manifest says ${t.rows}`);
  }
  const rows = m.tables.reduce((n, t) => n + t.rows, 0);
  return { manifest: m, files: m.files.length, bytes, rows, tables: m.tables.length, problems };
}
