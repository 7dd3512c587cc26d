/**
 * The batch writer's memory side: the queue of enqueued batches (oldest first, merged on the way out) and the
 * accounting of batches not yet settled — neither inserted, spooled nor rejected — that `drain()` waits on.
 */
import { canMerge, mergeBatches } from './coalesce.js';
import type { InsertBatch } from './spool.js';

/** One enqueued batch, or several consecutive ones inserted as one (`parts`, oldest first; seq = the first's). */
export interface QueuedBatch {
  seq: number;
  batch: InsertBatch;
  parts?: QueuedBatch[];
}

const canCoalesce = (it: QueuedBatch, like?: InsertBatch) => !it.parts && canMerge(it.batch, like);

export class BatchQueue {
  private readonly items: QueuedBatch[] = [];
  /** Rows in the queue. */
  rows = 0;

  constructor(private readonly maxCoalesceRows: number) {}

  get length(): number {
    return this.items.length;
  }

  push(it: QueuedBatch): void {
    this.items.push(it);
    this.rows += it.batch.rows;
  }

  take(): QueuedBatch | undefined {
    const it = this.items.shift();
    this.rows -= it?.batch.rows ?? 0;
    return it;
  }

  /** Back in seq order. A merged batch goes back whole: after an ambiguous failure only its own id deduplicates its replay. */
  putBack(it: QueuedBatch): void {
    let i = 0;
    while (i < this.items.length && this.items[i]!.seq < it.seq) i++;
    this.items.splice(i, 0, it);
    this.rows += it.batch.rows;
  }

  /** The oldest batch, merged with the binary batches of its table queued right behind it, up to maxCoalesceRows (coalesce.ts). */
  takeCoalesced(): QueuedBatch | undefined {
    const first = this.take();
    if (!first || !canCoalesce(first)) return first;
    const parts = [first];
    let rows = first.batch.rows;
    for (
      let next = this.items[0];
      next && canCoalesce(next, first.batch) && rows + next.batch.rows <= this.maxCoalesceRows;
      next = this.items[0]
    ) {
      parts.push(this.take()!);
      rows += next.batch.rows;
    }
    return parts.length === 1 ? first : { seq: first.seq, parts, batch: mergeBatches(parts.map((p) => p.batch)) };
  }
}

/** Batches enqueued and not yet settled, by seq; `drained(upTo)` resolves once every seq ≤ upTo is settled. */
export class Outstanding {
  private readonly bySeq = new Map<number, number>(); // seq → rows
  private waiters: { upTo: number; resolve: () => void }[] = [];
  rows = 0;

  get size(): number {
    return this.bySeq.size;
  }

  add(seq: number, rows: number): void {
    this.bySeq.set(seq, rows);
    this.rows += rows;
  }

  /** A batch (every part of a merged one) is inserted, spooled or rejected. */
  settle(it: QueuedBatch): void {
    for (const p of it.parts ?? [it]) {
      this.rows -= this.bySeq.get(p.seq) ?? 0;
      this.bySeq.delete(p.seq);
    }
    if (!this.waiters.length) return;
    let min = Infinity;
    for (const s of this.bySeq.keys()) min = Math.min(min, s);
    const ready = this.waiters.filter((w) => w.upTo < min);
    this.waiters = this.waiters.filter((w) => w.upTo >= min);
    for (const w of ready) w.resolve();
  }

  drained(upTo: number): Promise<void> {
    if (!this.bySeq.size) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ upTo, resolve }));
  }
}
