/**
 * Priority of the collector's threads. The kernel drops datagrams when the socket is not read in time, and on a
 * busy host the socket and decode threads compete with the database's own threads (inserts, background merges) for the
 * same cores. Giving the receive thread a lower nice value than everything else lets ClickHouse fall behind
 * (the writer queues, coalesces and, if it must, spools) instead of the kernel dropping datagrams.
 * Linux applies nice per thread: setpriority(PRIO_PROCESS, tid) with the thread's own id from /proc/thread-self.
 */
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import type { LogMessage } from './protocol.js';

export type PriorityResult = { ok: true; tid: number; nice: number } | { ok: false; reason: string };

export function setCurrentThreadNice(nice: number): PriorityResult {
  let tid: number;
  try {
    tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return { ok: false, reason: 'no thread id in /proc/thread-self' };
  } catch {
    return { ok: false, reason: 'per-thread priority needs Linux (/proc/thread-self)' };
  }
  try {
    setPriority(tid, nice);
    return { ok: true, tid, nice: getPriority(tid) };
  } catch (e) {
    return {
      ok: false,
      reason: `setpriority(${nice}) refused: ${(e as Error).message} (nice below 0 needs root or CAP_SYS_NICE)`,
    };
  }
}

/** Sets this thread's nice value (null: leave it) and reports the outcome as a log message for the main thread. */
export function applyThreadNice(nice: number | null, thread: string, post: (m: LogMessage) => void): void {
  if (nice === null) return;
  const p = setCurrentThreadNice(nice);
  if (p.ok)
    post({ type: 'log', level: 'info', msg: `${thread} thread priority set`, data: { tid: p.tid, nice: p.nice } });
  else post({ type: 'log', level: 'warn', msg: `${thread} thread keeps its priority: ${p.reason}`, data: { nice } });
}
