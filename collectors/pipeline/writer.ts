/**
 * Batched ClickHouse writer with a disk spool: the main thread's only path from decoded flows to
 * ClickHouse. Money depends on it: never drop, never double, keep order.
 * - `enqueue` never blocks. One consumer loop inserts batches oldest first, retrying with backoff.
 * - When the attempts are used up the batch is spooled and the writer is *degraded*: later batches
 *   go to the spool too, and every `probeIntervalMs` the oldest spool file is tried once. When that
 *   works the spool is replayed oldest first (a file is deleted only after its insert succeeded).
 * - Each insert carries the batch id as `insert_deduplication_token`, so replaying an insert that
 *   did succeed before its error reached us is a no-op — if the table remembers enough tokens
 *   (`non_replicated_deduplication_window` ≥ batches inserted between a failure and its replay).
 * - ClickHouse errors no retry can fix (parse/type/unknown table) send the batch to `rejected/`.
 * - Above `maxQueuedRows` in memory, the oldest batches are spilled to the spool.
 * - Sequence numbers are taken at enqueue and name the spool files: lexical order = enqueue order.
 */
import { AppError, errorMessage } from '../../src/shared/errors.js';
import type { Logger } from '../../src/shared/logger.js';
import { createSpool, type InsertBatch, type SpoolFile } from './spool.js';
import { isPermanentInsertError, type InsertFn } from './insert.js';
import { BatchQueue, Outstanding, type QueuedBatch as Item } from './batch-queue.js';
import { createWriteAhead, resolveGroups } from './write-ahead.js';

export { clickHouseInsert, isPermanentInsertError, type InsertFn } from './insert.js';

export type { InsertBatch } from './spool.js';

export type WriterEvent =
  /** Rows now in ClickHouse (`replayed`: from the spool). */
  | { type: 'inserted'; table: string; rows: number; replayed: boolean }
  | { type: 'retried'; table: string; attempt: number; error: string }
  | {
      type: 'spooled';
      table: string;
      rows: number;
      bytes: number;
      reason: 'failed' | 'degraded' | 'overflow' | 'closed';
    }
  | { type: 'replayed'; table: string; rows: number }
  | { type: 'rejected'; table: string; rows: number; error: string }
  | { type: 'bad_file'; file: string; reason: string }
  | { type: 'degraded'; error: string }
  | { type: 'recovered' }
  /** Dropped at enqueue: the disk is full (spool writes fail with ENOSPC) and the memory queue is at maxQueuedRows. */
  | { type: 'dropped'; table: string; rows: number; reason: 'disk_full' };

export interface WriterStats {
  queuedBatches: number;
  queuedRows: number; // in memory (incl. the batch being inserted)
  spooledFiles: number;
  spooledRows: number;
  spooledBytes: number; // on disk, waiting for replay
  overflowBatches: number; // spilled to disk because of maxQueuedRows
  insertedBatches: number;
  insertedRows: number;
  replayedRows: number;
  retries: number;
  rejectedBatches: number;
  rejectedRows: number;
  badFiles: number;
  degraded: boolean;
  lastError: string | undefined;
  /**
   * The last spool write failed with ENOSPC; `droppedRows`: rows refused at enqueue meanwhile (reason disk_full),
   * of every table; `droppedFlowRows`: those of flows_raw alone (sent = stored + dropped counts flows, not the
   * liveness or counter rows that travel through the same writer).
   */
  diskFull: boolean;
  droppedBatches: number;
  droppedRows: number;
  droppedFlowRows: number;
}

export interface BatchWriter {
  /** Never blocks, never drops. After `close()` the batch is written to the spool synchronously. */
  enqueue(b: InsertBatch): void;
  /** Recovers the spool of a previous run and starts the loop; resolves once that spool is replayed or the writer is degraded. */
  start(): Promise<void>;
  /** Resolves when everything enqueued so far is inserted, spooled or rejected. */
  drain(): Promise<void>;
  /** Drain, then stop the loop: nothing is left only in memory. */
  close(): Promise<void>;
  stats(): WriterStats;
  /**
   * Run `fn` between two inserts: no insert or spool replay is in flight while it runs, and none starts
   * before it ends (enqueue goes on; batches wait in memory). A backup freezes every table inside it.
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
}

export interface BatchWriterOptions {
  insert: InsertFn;
  spoolDir: string;
  log: Logger;
  maxQueuedRows?: number;
  /** Queued binary batches of one table are inserted together up to this many rows (default 500,000). */
  maxCoalesceRows?: number;
  retry?: { attempts: number; baseDelayMs: number; maxDelayMs: number };
  probeIntervalMs?: number;
  onEvent?: (e: WriterEvent) => void;
  /** Write every batch to the spool directory at enqueue and delete it when settled (write-ahead.ts): a crash loses no enqueued batch. */
  writeAhead?: boolean;
}

type Outcome = { ok: true } | { ok: false; permanent: boolean; error: string };

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function createBatchWriter(opts: BatchWriterOptions): BatchWriter {
  const { insert, log } = opts;
  const maxQueuedRows = opts.maxQueuedRows ?? 1_000_000;
  const retry = opts.retry ?? { attempts: 3, baseDelayMs: 200, maxDelayMs: 5000 };
  const probeIntervalMs = opts.probeIntervalMs ?? 2000;
  const spool = createSpool(opts.spoolDir, log);
  const wal = opts.writeAhead ? createWriteAhead(spool, log) : null;

  const queue = new BatchQueue(opts.maxCoalesceRows ?? 500_000); // memory, oldest first
  const pending: SpoolFile[] = []; // spool files, oldest first; always older than `queue`
  const outstanding = new Outstanding(); // batches neither inserted, spooled nor rejected
  const st = {
    droppedBatches: 0,
    droppedRows: 0,
    droppedFlowRows: 0,
    overflowBatches: 0,
    insertedBatches: 0,
    insertedRows: 0,
    replayedRows: 0,
    retries: 0,
    rejectedBatches: 0,
    rejectedRows: 0,
    badFiles: 0,
  };
  let lastSeq = -1,
    nextProbeAt = 0;
  let degraded = false,
    kicked = false,
    spillScheduled = false,
    diskFull = false;
  const noSpace = (e: unknown) =>
    (e as NodeJS.ErrnoException | undefined)?.code === 'ENOSPC' ||
    /ENOSPC|NOT_ENOUGH_SPACE|No space left/i.test(errorMessage(e));
  let lastError: string | undefined;
  let state: 'new' | 'running' | 'closing' | 'closed' = 'new';
  let loopDone = Promise.resolve(),
    spillChain = Promise.resolve();
  let closeDone: Promise<void> | undefined;
  let wakeUp: (() => void) | undefined;
  let startWaiter: (() => void) | undefined;
  let ioChain: Promise<unknown> = Promise.resolve(); // inserts+replays and exclusive() sections, one at a time
  function withIo<T>(fn: () => Promise<T>): Promise<T> {
    const r = ioChain.then(fn);
    ioChain = r.catch(() => undefined);
    return r;
  }

  function emit(e: WriterEvent): void {
    try {
      opts.onEvent?.(e);
    } catch (err) {
      log.error({ err: errorMessage(err), event: e.type }, 'writer: onEvent handler threw');
    }
  }
  function wake(): void {
    kicked = true;
    wakeUp?.();
  }
  /** Wait for enqueue/close (or `ms`). Level-triggered: a wake() while the loop was busy ends the next idle at once. */
  function idle(ms?: number): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        clearTimeout(timer);
        [kicked, wakeUp] = [false, undefined];
        resolve();
      };
      if (kicked) return done();
      wakeUp = done;
      if (ms !== undefined) timer = setTimeout(done, ms);
    });
  }
  function addPending(f: SpoolFile): void {
    let i = pending.length;
    while (i > 0 && pending[i - 1]!.seq > f.seq) i--;
    if (pending[i - 1]?.name !== f.name) pending.splice(i, 0, f);
  }
  async function toSpool(it: Item, reason: 'failed' | 'degraded' | 'overflow'): Promise<boolean> {
    try {
      const ahead = wal && !it.parts ? await wal.file(it.seq) : null; // already on disk: it joins the replay list as is
      const f = ahead ?? (await spool.write(it.seq, it.batch));
      if (ahead) wal!.handOver(it.seq);
      else wal?.settled(it); // a merged batch's parts (and marker) give way to its one spool file
      addPending(f);
      diskFull = false;
      if (reason === 'overflow') st.overflowBatches++;
      emit({ type: 'spooled', table: it.batch.table, rows: it.batch.rows, bytes: f.bytes, reason });
      outstanding.settle(it);
      return true;
    } catch (e) {
      if (noSpace(e)) diskFull = true;
      lastError = `spool write failed: ${errorMessage(e)}`;
      log.error(
        { err: errorMessage(e), id: it.batch.id, rows: it.batch.rows, dir: opts.spoolDir },
        'writer: cannot write batch to the spool; keeping it in memory',
      );
      return false;
    }
  }
  /** Memory → spool, oldest first, stopping at the first disk error. */
  async function spoolMemory(reason: 'degraded' | 'overflow'): Promise<boolean> {
    while (queue.length && (reason === 'degraded' || queue.rows > maxQueuedRows)) {
      const it = queue.take()!;
      if (!(await toSpool(it, reason))) {
        queue.putBack(it);
        return false;
      }
    }
    return true;
  }
  function scheduleSpill(): void {
    if (spillScheduled) return;
    spillScheduled = true;
    spillChain = spillChain.then(async () => {
      spillScheduled = false;
      await spoolMemory('overflow');
    });
  }

  async function insertWithRetry(b: InsertBatch, attempts: number): Promise<Outcome> {
    for (let attempt = 1; ; attempt++) {
      try {
        await insert(b);
        return { ok: true };
      } catch (e) {
        const error = errorMessage(e);
        lastError = error;
        if (isPermanentInsertError(e)) return { ok: false, permanent: true, error };
        if (attempt >= attempts) return { ok: false, permanent: false, error };
        st.retries++;
        emit({ type: 'retried', table: b.table, attempt, error });
        log.warn({ err: error, id: b.id, table: b.table, attempt }, 'writer: insert failed, retrying');
        await sleep(Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1)));
      }
    }
  }
  function inserted(b: InsertBatch, replayed: boolean): void {
    diskFull = false;
    st.insertedBatches++;
    st.insertedRows += b.rows;
    emit({ type: 'inserted', table: b.table, rows: b.rows, replayed });
    if (!replayed) return;
    st.replayedRows += b.rows;
    emit({ type: 'replayed', table: b.table, rows: b.rows });
  }
  /** Rejected for good: kept in rejected/, counted, logged loudly. False when even that failed (disk). */
  async function reject(seq: number, b: InsertBatch, error: string, spooledName?: string): Promise<boolean> {
    try {
      const path = await spool.reject(seq, b, error, spooledName);
      st.rejectedBatches++;
      st.rejectedRows += b.rows;
      emit({ type: 'rejected', table: b.table, rows: b.rows, error });
      log.error(
        { err: error, id: b.id, table: b.table, rows: b.rows, path },
        'writer: ClickHouse REJECTED a batch for good; moved to rejected/ (fix and move it back into the spool to replay)',
      );
      return true;
    } catch (e) {
      lastError = `cannot write rejected batch: ${errorMessage(e)}`;
      log.error(
        { err: errorMessage(e), id: b.id, rejection: error },
        'writer: cannot move a rejected batch to rejected/',
      );
      return false;
    }
  }
  function enterDegraded(error: string): void {
    nextProbeAt = Date.now() + probeIntervalMs;
    if (degraded) return;
    degraded = true;
    emit({ type: 'degraded', error });
    log.error(
      { err: error, dir: opts.spoolDir },
      'writer: ClickHouse unavailable; spooling batches to disk until it is back',
    );
  }

  /** Insert the oldest spool file. 'failed' = retryable failure (or disk error), the file stays. */
  async function replayOldest(attempts: number): Promise<'inserted' | 'skipped' | 'failed'> {
    const f = pending[0]!;
    const r = await spool.read(f.name);
    if (!r.ok) {
      pending.shift();
      st.badFiles++;
      emit({ type: 'bad_file', file: f.name, reason: r.reason });
      await spool.quarantine(f.name, r.reason).then(
        () => log.error({ file: f.name, reason: r.reason }, 'writer: corrupt spool file moved to bad/'),
        (e: unknown) =>
          log.error(
            { file: f.name, reason: r.reason, err: errorMessage(e) },
            'writer: corrupt spool file could not be moved to bad/',
          ),
      );
      return 'skipped';
    }
    const res = await insertWithRetry(r.batch, attempts);
    if (!res.ok && !(res.permanent && (await reject(f.seq, r.batch, res.error, f.name)))) return 'failed';
    pending.shift();
    if (!res.ok) return 'skipped';
    inserted(r.batch, true);
    await spool
      .remove(f.name)
      .catch((e: unknown) =>
        log.error(
          { file: f.name, err: errorMessage(e) },
          'writer: replayed spool file could not be deleted; a later replay is deduplicated by its id',
        ),
      );
    return 'inserted';
  }

  async function run(): Promise<void> {
    for (;;) {
      await spillChain;
      if (degraded || !pending.length) startWaiter?.();
      if (state === 'closed') return;
      // Degraded, or closing with older files on disk: memory goes behind them, in order.
      if (degraded || (state === 'closing' && pending.length)) {
        const diskOk = await spoolMemory('degraded');
        if (degraded && Date.now() >= nextProbeAt) {
          nextProbeAt = Date.now() + probeIntervalMs;
          const r = pending.length ? await withIo(() => replayOldest(1)) : 'inserted';
          if (r === 'skipped') nextProbeAt = 0; // a bad or rejected file proves nothing: probe the next one
          if (r === 'inserted') {
            degraded = false;
            emit({ type: 'recovered' });
            log.info({ spooledFiles: pending.length }, 'writer: ClickHouse is back; replaying the spool');
          }
          continue;
        }
        const wait = !diskOk ? probeIntervalMs : degraded ? Math.max(0, nextProbeAt - Date.now()) : undefined;
        if (!queue.length || !diskOk) await idle(wait);
        continue;
      }
      if (pending.length) {
        if ((await withIo(() => replayOldest(retry.attempts))) === 'failed')
          enterDegraded(lastError ?? 'replay failed');
        continue;
      }
      const it = queue.takeCoalesced();
      if (!it) await idle();
      if (!it) continue;
      await withIo(async () => {
        if (wal && it.parts)
          await wal
            .group(it)
            .catch((e: unknown) =>
              log.warn({ err: errorMessage(e), id: it.batch.id }, 'write-ahead: group marker not written'),
            );
        const res = await insertWithRetry(it.batch, retry.attempts);
        if (res.ok) {
          inserted(it.batch, false);
          outstanding.settle(it);
          wal?.settled(it);
        } else if (res.permanent && (await reject(it.seq, it.batch, res.error))) {
          outstanding.settle(it);
          wal?.settled(it);
        } else {
          if (!(await toSpool(it, 'failed'))) queue.putBack(it);
          enterDegraded(res.error);
        }
      });
    }
  }

  /** After close: nothing may stay in memory, so write now, blocking; throws if even that fails. */
  function spoolSync(seq: number, b: InsertBatch): void {
    try {
      const f = spool.writeSync(seq, b);
      emit({ type: 'spooled', table: b.table, rows: b.rows, bytes: f.bytes, reason: 'closed' });
      log.warn({ id: b.id, file: f.name }, 'writer: batch written to the spool after close; the next start replays it');
    } catch (e) {
      throw new AppError(
        'IXMETER_ERR_SERVICE_UNAVAILABLE',
        `writer is closed and batch ${b.id} could not be spooled: ${errorMessage(e)}`,
        { cause: e },
      );
    }
  }

  function drain(): Promise<void> {
    return outstanding.drained(lastSeq);
  }

  return {
    enqueue(b) {
      const seq = spool.nextSeq();
      if (state === 'closed') return spoolSync(seq, b);
      if (diskFull && queue.rows + b.rows > maxQueuedRows) {
        // Nowhere to keep it: neither ClickHouse nor the spool take data and memory is at its bound. Counted, never silent.
        st.droppedBatches++;
        st.droppedRows += b.rows;
        if (b.table === 'flows_raw') st.droppedFlowRows += b.rows;
        emit({ type: 'dropped', table: b.table, rows: b.rows, reason: 'disk_full' });
        return;
      }
      lastSeq = seq;
      outstanding.add(seq, b.rows);
      queue.push({ seq, batch: b });
      wal?.add(seq, b);
      if (queue.rows > maxQueuedRows) scheduleSpill();
      wake();
    },

    async start() {
      if (state !== 'new') return;
      state = 'running';
      if (wal)
        await resolveGroups(spool, log).catch((e: unknown) =>
          log.error(
            { err: errorMessage(e) },
            'write-ahead: merged-insert markers not resolved; their parts replay alone',
          ),
        );
      const found = await spool.recover().catch((e: unknown) => {
        state = 'new';
        throw e;
      });
      for (const f of found.files) addPending(f);
      st.badFiles += found.bad;
      if (found.files.length)
        log.info(
          { files: found.files.length, promoted: found.promoted },
          'writer: replaying the spool of a previous run',
        );
      const started = new Promise<void>((resolve) => {
        startWaiter = () => {
          startWaiter = undefined;
          resolve();
        };
      });
      loopDone = run().catch((e: unknown) => {
        log.fatal({ err: errorMessage(e) }, 'writer: consumer loop crashed');
        throw e;
      });
      await Promise.race([started, loopDone]);
    },

    drain,
    // Write-ahead files of inserted batches are gone before fn runs: a backup's spool copy holds only batches not in ClickHouse.
    exclusive: (fn) =>
      withIo(async () => {
        await wal?.deletesDone();
        return fn();
      }),

    close() {
      closeDone ??= (async () => {
        const wasStarted = state !== 'new';
        state = 'closing';
        wake();
        if (!wasStarted) await spillChain.then(() => spoolMemory('degraded'));
        else while (outstanding.size) await drain();
        state = 'closed';
        while (queue.length) {
          // Only after a disk error (or an enqueue racing close): last chance, blocking.
          const it = queue.take()!;
          try {
            spoolSync(it.seq, it.batch);
          } catch (e) {
            queue.putBack(it);
            throw e;
          }
          outstanding.settle(it);
        }
        wake();
        await loopDone;
        await wal?.idle();
      })();
      return closeDone;
    },

    stats() {
      const sum = (k: 'rows' | 'bytes') => pending.reduce((n, f) => n + f[k], 0);
      return {
        queuedBatches: outstanding.size,
        queuedRows: outstanding.rows,
        spooledFiles: pending.length,
        spooledRows: sum('rows'),
        spooledBytes: sum('bytes'),
        ...st,
        degraded,
        lastError,
        diskFull,
      };
    },
  };
}
