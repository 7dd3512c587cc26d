/**
 * Write-ahead of insert batches, so a kill -9 loses only what was not yet in a batch (at most the decode
 * thread's batch wait, IXMETER_FLUSH_INTERVAL_MS / 2): every enqueued batch is also written to the spool
 * directory at once, in the spool's own format and name (`<seq>-<id>.batch`), and deleted when it is
 * settled (inserted or rejected), without an fsync by default (a killed process leaves its writes in the page
 * cache; after a power loss a torn file fails its checksum and goes to bad/). Such a file is not in the writer's replay list while the process lives;
 * after a crash the next start finds it like any spool file and replays it with its own id as
 * insert_deduplication_token, so an insert that did succeed is not counted twice.
 *
 * Merged inserts (coalesce.ts) carry their own id `first..last`: before one starts, a group marker
 * `<seq>-<first..last>.group` (JSON list of the part files) is made durable. At start, `resolveGroups`
 * turns each marker into the state the crash interrupted: all parts present → one merged spool file
 * with the merged id (a replay deduplicated against the insert if it had succeeded); merged file
 * present → parts removed; some parts gone (they are deleted only after the insert succeeded) → the
 * rest removed. Then the marker is removed.
 */
import { readdir, readFile, unlink, writeFile, open } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage } from '../../src/shared/errors.js';
import type { Logger } from '../../src/shared/logger.js';
import type { QueuedBatch } from './batch-queue.js';
import { mergeBatches } from './coalesce.js';
import { decodeBatch, spoolFileName, type InsertBatch, type Spool, type SpoolFile } from './spool.js';

const GROUP = '.group';

export interface WriteAhead {
  /** Start writing the batch (returns at once). */
  add(seq: number, b: InsertBatch): void;
  /** The batch's file once written; null when the write failed (the batch is then in memory only). */
  file(seq: number): Promise<SpoolFile | null>;
  /** The batch's file now belongs to the writer's spool list: not deleted on settle. */
  handOver(seq: number): void;
  /** Before a merged insert: a durable marker naming its parts' files. */
  group(it: QueuedBatch): Promise<void>;
  /** Inserted or rejected (or spooled as one merged file): delete the files and the marker. */
  settled(it: QueuedBatch): void;
  /** Every write and delete started so far has finished. */
  idle(): Promise<void>;
  /** Every delete of a settled batch's file started so far has finished (a backup copies the spool after it). */
  deletesDone(): Promise<void>;
  stats(): { writes: number; failed: number; lastError: string | undefined };
}

export function groupFileName(it: QueuedBatch): string {
  return spoolFileName(it.seq, it.batch.id).replace(/\.batch$/, GROUP);
}

/** fsync: also survive power loss (an fsync per batch; default off: a kill -9 or crash keeps the page cache). */
export function createWriteAhead(spool: Spool, log: Logger, fsync = false): WriteAhead {
  const files = new Map<number, Promise<SpoolFile | null>>();
  const groups = new Set<string>();
  const inflight = new Set<Promise<unknown>>();
  const deleting = new Set<Promise<unknown>>();
  const st = { writes: 0, failed: 0, lastError: undefined as string | undefined };
  const track = <T>(p: Promise<T>): Promise<T> => {
    inflight.add(p);
    void p.finally(() => inflight.delete(p)).catch(() => undefined);
    return p;
  };
  const remove = (name: string) =>
    spool
      .remove(name)
      .catch((e: unknown) =>
        log.warn(
          { file: name, err: errorMessage(e) },
          'write-ahead: file not deleted (a replay is deduplicated by its id)',
        ),
      );

  return {
    add(seq, b) {
      files.set(
        seq,
        track(
          spool.write(seq, b, { sync: fsync }).then(
            (f) => {
              st.writes++;
              st.lastError = undefined;
              return f;
            },
            (e: unknown) => {
              st.failed++;
              if (st.lastError === undefined)
                log.warn(
                  { err: errorMessage(e), id: b.id, rows: b.rows },
                  'write-ahead: batch not written to disk; batches are in memory only until inserted (logged once until a write works)',
                );
              st.lastError = errorMessage(e);
              return null;
            },
          ),
        ),
      );
    },
    file: (seq) => files.get(seq) ?? Promise.resolve(null),
    handOver: (seq) => void files.delete(seq),
    async group(it) {
      const parts = (await Promise.all((it.parts ?? []).map((p) => files.get(p.seq) ?? null)))
        .filter((f): f is SpoolFile => !!f)
        .map((f) => f.name);
      const name = groupFileName(it);
      const fh = await open(join(spool.dir, name), 'w');
      try {
        await fh.writeFile(JSON.stringify({ id: it.batch.id, parts }));
        await fh.sync();
      } finally {
        await fh.close();
      }
      groups.add(name);
    },
    settled(it) {
      const own = (it.parts ?? [it]).map((p) => ({ seq: p.seq, f: files.get(p.seq) }));
      for (const o of own) files.delete(o.seq);
      const marker = it.parts ? groupFileName(it) : undefined;
      const del = track(
        (async () => {
          for (const o of own) {
            const f = await (o.f ?? null);
            if (f) await remove(f.name);
          }
          if (marker && groups.delete(marker)) await remove(marker);
        })(),
      );
      deleting.add(del);
      void del.finally(() => deleting.delete(del));
    },
    async idle() {
      while (inflight.size) await Promise.allSettled([...inflight]);
    },
    async deletesDone() {
      while (deleting.size) await Promise.allSettled([...deleting]);
    },
    stats: () => ({ ...st }),
  };
}

/** Crash recovery of merged inserts (see the file comment); before spool.recover(). Returns the markers resolved. */
export async function resolveGroups(spool: Spool, log: Logger): Promise<number> {
  const names = new Set(await readdir(spool.dir));
  let n = 0;
  for (const marker of [...names].filter((x) => x.endsWith(GROUP)).sort()) {
    let g: { id: string; parts: string[] } | undefined;
    try {
      g = JSON.parse(await readFile(join(spool.dir, marker), 'utf8')) as { id: string; parts: string[] };
    } catch {
      g = undefined; // torn marker: written before the insert started, so the parts are replayed alone
    }
    if (g && g.parts.length) {
      const merged = marker.replace(new RegExp(`${GROUP}$`), '.batch');
      const present = g.parts.filter((p) => names.has(p));
      if (!names.has(merged) && present.length === g.parts.length) {
        const batches: InsertBatch[] = [];
        for (const p of g.parts) {
          const r = decodeBatch(await readFile(join(spool.dir, p)));
          if (!r.ok) throw new Error(`write-ahead part ${p}: ${r.reason}`);
          batches.push(r.batch);
        }
        const seq = Number(/^(\d+)-/.exec(marker)![1]);
        await spool.write(seq, { ...mergeBatches(batches), id: g.id });
        log.warn(
          { marker, parts: g.parts.length },
          'write-ahead: merged insert interrupted by a crash; its parts will be replayed as one (deduplicated)',
        );
      }
      for (const p of present) await unlink(join(spool.dir, p));
    }
    await writeFile(join(spool.dir, marker), '').then(() => unlink(join(spool.dir, marker)));
    n++;
  }
  return n;
}
