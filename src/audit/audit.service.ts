/**
 * Append-only, hash-chained audit log. Each process writes one chain (chain_id = host:pid:start);
 * row n stores SHA-256(prev_hash | canonical fields), so deleting or editing a row breaks the chain
 * for every later row (verifyChain). Rows are chained in call order and written in that order, several
 * per insert: writes (`append(ev)`) at once, high-volume reads (`append(ev, 'batched')`) within
 * flushIntervalMs (default 250 ms) or once maxBatch rows wait, so an API under load spends a few
 * inserts per second on the log instead of one per request. A failed insert keeps its rows in memory,
 * first in line, and is retried; flush() (shutdown, auditors' reads in this process) writes everything.
 */
import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from '../shared/logger.js';

export interface AuditEvent {
  actor: string;
  role: string;
  action: string;
  object: string;
  outcome: 'ok' | 'denied' | 'error';
  sourceIp: string;
  details?: Record<string, unknown>;
}

export interface AuditRow {
  ts: string;
  chain_id: string;
  seq: number;
  actor: string;
  role: string;
  action: string;
  object: string;
  outcome: string;
  source_ip: string;
  details: string;
  prev_hash: string;
  hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);

export function rowHash(prev: string, r: Omit<AuditRow, 'prev_hash' | 'hash'>): string {
  const canonical = JSON.stringify([
    r.ts,
    r.chain_id,
    r.seq,
    r.actor,
    r.role,
    r.action,
    r.object,
    r.outcome,
    r.source_ip,
    r.details,
  ]);
  return createHash('sha256').update(prev).update('|').update(canonical).digest('hex');
}

/** Returns the seq of the first broken row, or null when the chain is intact. */
export function verifyChain(rows: AuditRow[]): number | null {
  let prev = GENESIS_HASH;
  let expectSeq = 0;
  for (const r of [...rows].sort((a, b) => Number(a.seq) - Number(b.seq))) {
    if (Number(r.seq) !== expectSeq || r.prev_hash !== prev || rowHash(prev, { ...r, seq: Number(r.seq) }) !== r.hash)
      return Number(r.seq);
    prev = r.hash;
    expectSeq++;
  }
  return null;
}

export interface AuditLogOptions {
  /** Longest time a buffered entry (`append(ev, 'batched')`) waits before it is written. */
  flushIntervalMs?: number;
  /** Rows per insert at most; this many waiting rows are written at once. */
  maxBatch?: number;
}

interface Pending {
  row: AuditRow;
  resolve: () => void;
  reject: (e: unknown) => void;
  done: Promise<void>;
}

export function createAuditLog(client: ClickHouseClient, log: Logger, opts: AuditLogOptions = {}) {
  const flushIntervalMs = opts.flushIntervalMs ?? 250;
  const maxBatch = opts.maxBatch ?? 1000;
  const chainId = `${hostname()}:${process.pid}:${Date.now()}:${randomBytes(3).toString('hex')}`;
  let seq = 0;
  let prev = GENESIS_HASH;
  const buffer: Pending[] = []; // chained rows not yet written, in seq order
  let dueSeq = -1; // rows up to this seq are due now
  let writing: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let backoffMs = 0; // last retry delay; 0 while writes succeed
  let blocked = false; // a failed write waits for its retry timer

  async function insertWithRetry(rows: AuditRow[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await client.insert({ table: 'audit_log', values: rows, format: 'JSONEachRow' });
        return;
      } catch (e) {
        if (attempt >= 5) throw e;
        await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
      }
    }
  }

  const due = () => buffer.length > 0 && (buffer[0]!.row.seq <= dueSeq || buffer.length >= maxBatch);

  async function drain(): Promise<void> {
    while (due()) {
      const batch = buffer.slice(0, maxBatch);
      try {
        await insertWithRetry(batch.map((p) => p.row));
      } catch (e) {
        // The rows stay first in the buffer and are written again later (a lost row would break the
        // chain for every later row); whoever waits for them learns of the failure now.
        log.error(
          { err: e, rows: batch.length, firstSeq: batch[0]!.row.seq },
          'audit log write failed; rows kept in memory and retried',
        );
        for (const p of batch) {
          p.reject(e);
          p.resolve = p.reject = () => undefined;
        }
        backoffMs = Math.min(Math.max(backoffMs * 2, 1000), 30_000);
        blocked = true;
        schedule(backoffMs);
        return;
      }
      backoffMs = 0;
      buffer.splice(0, batch.length);
      for (const p of batch) p.resolve();
    }
    if (buffer.length) schedule(flushIntervalMs);
  }

  function kick(): void {
    if (writing || blocked) return; // a running drain looks again when its insert returns; a failed one has its retry timer
    writing = drain().finally(() => {
      writing = null;
      if (due() && !blocked) kick();
    });
  }

  function schedule(ms: number): void {
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      blocked = false;
      dueSeq = seq - 1;
      kick();
    }, ms);
    timer.unref();
  }

  /**
   * Chain the entry now (seq and hash in call order) and write it: `now` (writes; the default) at once,
   * together with whatever else waits; `batched` (high-volume reads) within flushIntervalMs, or sooner
   * when maxBatch rows wait. Resolves when the row is in ClickHouse.
   */
  function append(ev: AuditEvent, mode: 'now' | 'batched' = 'now'): Promise<void> {
    const base = {
      ts: new Date().toISOString().replace('T', ' ').replace('Z', ''),
      chain_id: chainId,
      seq: seq++,
      actor: ev.actor,
      role: ev.role,
      action: ev.action,
      object: ev.object,
      outcome: ev.outcome,
      source_ip: ev.sourceIp,
      details: JSON.stringify(ev.details ?? {}),
    };
    const hash = rowHash(prev, base);
    const row: AuditRow = { ...base, prev_hash: prev, hash };
    prev = hash;
    let resolve!: () => void;
    let reject!: (e: unknown) => void;
    const done = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    done.catch(() => undefined); // a failure nobody waits for is logged, not an unhandled rejection
    buffer.push({ row, resolve, reject, done });
    if (mode === 'now' || flushIntervalMs === 0) dueSeq = row.seq;
    if (due()) kick();
    else schedule(flushIntervalMs);
    return done;
  }

  /** Write everything appended so far; resolves once it is written or has failed (shutdown, auditors' reads). */
  async function flush(): Promise<void> {
    const last = buffer.at(-1);
    if (!last) {
      await writing;
      return;
    }
    dueSeq = last.row.seq;
    blocked = false;
    kick();
    await last.done.catch(() => undefined);
    await writing; // a batch that had failed before is tried again
  }

  return { chainId, append, flush, pending: () => buffer.length };
}

export type AuditLog = ReturnType<typeof createAuditLog>;
