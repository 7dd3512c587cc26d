/**
 * Disk spool for insert batches the writer could not (yet) hand to ClickHouse.
 *
 * One file per batch in `dir`, named `<seq, 16 digits>-<id>.batch`, so lexical order = enqueue
 * order. Content: one JSON header line `{v,id,table,format,rows,bytes,sha256}`, then the body bytes
 * exactly as enqueued. A file is written as `<name>.tmp`, fsync'd, renamed, and the directory is
 * fsync'd: a complete name always means a complete file (write-ahead copies, write-ahead.ts, skip the fsyncs:
 * after a power loss such a file may be torn, and recover() moves it to bad/). Subfolders:
 * - `bad/`      files that cannot be read or fail their checksum (kept for an operator, never deleted);
 * - `rejected/` batches ClickHouse refused for good (parse/type errors), plus `<name>.error.txt`.
 *   They keep the spool format: moving one back into `dir` replays it with its original id.
 */
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, writeSync } from 'node:fs';
import { access, open, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage } from '../../src/shared/errors.js';
import type { Logger } from '../../src/shared/logger.js';

export interface InsertBatch {
  /** Unique; sent as `insert_deduplication_token`, so a replay of an insert that did succeed is a no-op. */
  id: string;
  table: string;
  /** JSONCompactEachRow: text rows separated by `\n`; RowBinary: binary rows (flows_raw). */
  format: 'JSONCompactEachRow' | 'RowBinary';
  body: string | Uint8Array;
  rows: number;
}

/** A complete batch file waiting in the spool. */
export interface SpoolFile {
  name: string;
  seq: number;
  table: string;
  rows: number;
  /** File size on disk (header + body). */
  bytes: number;
}

export type ReadResult = { ok: true; batch: InsertBatch } | { ok: false; reason: string };

export interface Spool {
  readonly dir: string;
  /** Next sequence number; continues after every file already in the spool, bad/ and rejected/. */
  nextSeq(): number;
  /** Complete files left by an earlier process (seq below this instance's first), oldest first; bad ones moved to bad/. */
  recover(): Promise<{ files: SpoolFile[]; bad: number; promoted: number }>;
  /** `sync: false` (write-ahead copies): no fsync — safe against a killed process (the page cache survives it), not against power loss. */
  write(seq: number, b: InsertBatch, opts?: { sync?: boolean }): Promise<SpoolFile>;
  /** Same as write, blocking; only for the last batches after the writer is closed. */
  writeSync(seq: number, b: InsertBatch): SpoolFile;
  read(name: string): Promise<ReadResult>;
  remove(name: string): Promise<void>;
  /** Move an unreadable file to bad/. */
  quarantine(name: string, reason: string): Promise<void>;
  /** Put a refused batch in rejected/: the spool file is moved there, a memory batch is written there. */
  reject(seq: number, b: InsertBatch, error: string, spooledName?: string): Promise<string>;
}

const EXT = '.batch';
const TMP = '.tmp';
const SEQ_WIDTH = 16;
const MAX_HEADER = 64 * 1024;

export function spoolFileName(seq: number, id: string): string {
  const safeId = id.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 80);
  return `${String(seq).padStart(SEQ_WIDTH, '0')}-${safeId}${EXT}`;
}

export function encodeBatch(b: InsertBatch): Buffer {
  const body =
    typeof b.body === 'string'
      ? Buffer.from(b.body, 'utf8')
      : Buffer.from(b.body.buffer, b.body.byteOffset, b.body.byteLength);
  const sha256 = createHash('sha256').update(body).digest('hex');
  const header = JSON.stringify({
    v: 1,
    id: b.id,
    table: b.table,
    format: b.format,
    rows: b.rows,
    bytes: body.length,
    sha256,
  });
  return Buffer.concat([Buffer.from(header + '\n', 'utf8'), body]);
}

interface Header {
  id: string;
  table: string;
  format: InsertBatch['format'];
  rows: number;
  bytes: number;
  sha256: string;
}

function parseHeader(line: string): Header | string {
  let h: unknown;
  try {
    h = JSON.parse(line);
  } catch (e) {
    return `header is not JSON: ${errorMessage(e)}`;
  }
  const o = h as Partial<Record<keyof Header | 'v', unknown>>;
  if (typeof h !== 'object' || h === null || o.v !== 1) return 'header is not a version 1 spool header';
  if (
    typeof o.id !== 'string' ||
    typeof o.table !== 'string' ||
    (o.format !== 'JSONCompactEachRow' && o.format !== 'RowBinary')
  )
    return 'header lacks id/table/format';
  if (!Number.isInteger(o.rows) || !Number.isInteger(o.bytes) || typeof o.sha256 !== 'string')
    return 'header lacks rows/bytes/sha256';
  return o as Header;
}

export function decodeBatch(buf: Buffer): ReadResult {
  const nl = buf.indexOf(0x0a);
  if (nl < 0) return { ok: false, reason: 'no header line' };
  const h = parseHeader(buf.subarray(0, nl).toString('utf8'));
  if (typeof h === 'string') return { ok: false, reason: h };
  const body = buf.subarray(nl + 1);
  if (body.length !== h.bytes)
    return { ok: false, reason: `body has ${body.length} bytes, header says ${h.bytes} (truncated?)` };
  if (createHash('sha256').update(body).digest('hex') !== h.sha256)
    return { ok: false, reason: 'body checksum mismatch' };
  return {
    ok: true,
    batch: {
      id: h.id,
      table: h.table,
      format: h.format,
      rows: h.rows,
      body: h.format === 'RowBinary' ? new Uint8Array(body) : body.toString('utf8'),
    },
  };
}

function seqOf(name: string): number {
  const m = /^(\d+)-/.exec(name);
  return m ? Number(m[1]) : -1;
}

export function createSpool(dir: string, log: Logger): Spool {
  const badDir = join(dir, 'bad');
  const rejectedDir = join(dir, 'rejected');
  for (const d of [dir, badDir, rejectedDir]) mkdirSync(d, { recursive: true });
  let seq = 0;
  for (const d of [dir, badDir, rejectedDir]) for (const n of readdirSync(d)) seq = Math.max(seq, seqOf(n) + 1);
  const firstSeq = seq;

  async function syncDir(d: string): Promise<void> {
    const fh = await open(d, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  }

  async function writeAtomic(d: string, name: string, data: Buffer, sync = true): Promise<void> {
    const tmp = join(d, name + TMP);
    try {
      const fh = await open(tmp, 'w');
      try {
        await fh.writeFile(data);
        if (sync) await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, join(d, name));
    } catch (e) {
      // The batch is still held by the caller: an incomplete temp file is worthless, remove it.
      await unlink(tmp).catch((u: unknown) =>
        log.debug({ err: errorMessage(u), tmp }, 'spool: no temp file to remove'),
      );
      throw e;
    }
    if (sync) await syncDir(d);
  }

  async function quarantine(name: string, reason: string): Promise<void> {
    await rename(join(dir, name), join(badDir, name));
    await writeFile(join(badDir, `${name}.error.txt`), reason + '\n');
    await syncDir(dir);
  }

  /** Startup must not fail on one file: a file that cannot even be moved is left where it is, and logged. */
  async function tryQuarantine(name: string, reason: string): Promise<number> {
    try {
      await quarantine(name, reason);
      log.error({ file: name, reason, dir: badDir }, 'spool: corrupt or incomplete batch file moved to bad/');
      return 1;
    } catch (e) {
      log.error(
        { file: name, reason, err: errorMessage(e) },
        'spool: corrupt batch file could not be moved to bad/; left in place',
      );
      return 0;
    }
  }

  async function readHeader(name: string): Promise<{ h: Header; size: number } | string> {
    const fh = await open(join(dir, name), 'r');
    try {
      const size = (await fh.stat()).size;
      const buf = Buffer.alloc(Math.min(size, MAX_HEADER));
      const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
      const nl = buf.subarray(0, bytesRead).indexOf(0x0a);
      if (nl < 0) return 'no header line';
      const h = parseHeader(buf.subarray(0, nl).toString('utf8'));
      if (typeof h === 'string') return h;
      return size - nl - 1 === h.bytes ? { h, size } : `body has ${size - nl - 1} bytes, header says ${h.bytes}`;
    } finally {
      await fh.close();
    }
  }

  return {
    dir,
    nextSeq: () => seq++,

    async recover() {
      const names = (await readdir(dir)).filter((n) => seqOf(n) >= 0 && seqOf(n) < firstSeq).sort();
      let bad = 0;
      let promoted = 0;
      for (const tmp of names.filter((n) => n.endsWith(EXT + TMP))) {
        // A crash between write and rename: keep the batch if it is provably complete, else bad/.
        const name = tmp.slice(0, -TMP.length);
        const r: ReadResult = await readFile(join(dir, tmp)).then(decodeBatch, (e: unknown) => ({
          ok: false,
          reason: errorMessage(e),
        }));
        const exists = await access(join(dir, name)).then(
          () => true,
          () => false,
        );
        if (r.ok && !exists) {
          await rename(join(dir, tmp), join(dir, name));
          names.push(name);
          promoted++;
          log.warn({ file: tmp }, 'spool: complete batch left in a temp file by a crash; kept for replay');
        } else {
          bad += await tryQuarantine(
            tmp,
            r.ok ? 'duplicate of a complete spool file' : `incomplete temp file: ${r.reason}`,
          );
        }
      }
      const files: SpoolFile[] = [];
      for (const name of names.filter((n) => n.endsWith(EXT)).sort()) {
        const r = await readHeader(name).catch((e: unknown) => `unreadable: ${errorMessage(e)}`);
        if (typeof r === 'string') {
          bad += await tryQuarantine(name, r);
        } else {
          files.push({ name, seq: seqOf(name), table: r.h.table, rows: r.h.rows, bytes: r.size });
        }
      }
      return { files, bad, promoted };
    },

    async write(s, b, opts) {
      const name = spoolFileName(s, b.id);
      const data = encodeBatch(b);
      await writeAtomic(dir, name, data, opts?.sync ?? true);
      return { name, seq: s, table: b.table, rows: b.rows, bytes: data.length };
    },

    writeSync(s, b) {
      const name = spoolFileName(s, b.id);
      const data = encodeBatch(b);
      const tmp = join(dir, name + TMP);
      const fd = openSync(tmp, 'w');
      try {
        writeSync(fd, data);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, join(dir, name));
      const dfd = openSync(dir, 'r');
      try {
        fsyncSync(dfd);
      } finally {
        closeSync(dfd);
      }
      return { name, seq: s, table: b.table, rows: b.rows, bytes: data.length };
    },

    async read(name) {
      try {
        return decodeBatch(await readFile(join(dir, name)));
      } catch (e) {
        return { ok: false, reason: `unreadable: ${errorMessage(e)}` };
      }
    },

    async remove(name) {
      await unlink(join(dir, name));
    },

    quarantine,

    async reject(s, b, error, spooledName) {
      const name = spooledName ?? spoolFileName(s, b.id);
      if (spooledName) await rename(join(dir, name), join(rejectedDir, name));
      else await writeAtomic(rejectedDir, name, encodeBatch(b));
      await writeFile(
        join(rejectedDir, `${name}.error.txt`),
        `${new Date().toISOString()} ${b.table} rows=${b.rows} id=${b.id}\n${error}\n`,
      );
      await syncDir(rejectedDir);
      return join(rejectedDir, name);
    },
  };
}
