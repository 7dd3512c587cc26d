/**
 * In-process cache for API reads whose answer only changes when a writer says so (issue #7 "Load").
 *
 * - Namespaces (`traffic`, `statements`) each carry a generation. Writers bump it (in-process at once;
 *   other processes' writes through the change watch, src/api/cache-watch.ts). The generation is part
 *   of every key, so nothing computed before a bump is ever served after it — including answers still
 *   being computed when the bump happened.
 * - Single-flight: identical reads in flight share one computation (per key and generation).
 * - Bounded by bytes (LRU) and by age (`maxAgeMs`, a safety net for changes nobody announces, such as
 *   TTL deletion of 5-year-old rollups).
 * - Disabled (every read computes) until `enable()`: caching is only safe while something watches
 *   writes from other processes, so the composition root enables it when it starts the change watch.
 *
 * The cache holds data, never decisions: routes check access and record audit entries for every
 * request before and after asking it, and keys never depend on the principal (the ASN is in the key).
 */
import { floorToBucket } from './time.js';

export const CACHE_NAMESPACES = ['traffic', 'statements'] as const;
export type CacheNamespace = (typeof CACHE_NAMESPACES)[number];
export type CacheResult = 'hit' | 'miss' | 'coalesced' | 'bypass';

/**
 * Traffic answers are cacheable only for ranges that ended at least this long before the start of the
 * current 5-minute bucket: live flows land in the current bucket (plus flush, template hold and writer
 * retries, seconds), so older buckets change only through a spool replay — which the change watch sees.
 */
export const TRAFFIC_SETTLE_MS = 5 * 60_000;

/** Rows for buckets before this instant are settled (see TRAFFIC_SETTLE_MS). */
export function settledBeforeMs(nowMs: number): number {
  return floorToBucket(nowMs) - TRAFFIC_SETTLE_MS;
}

export interface ResponseCacheOptions {
  /** Upper bound of the approximate size of all entries (0 disables the cache). */
  maxBytes: number;
  /** Entries older than this are recomputed even without a bump. */
  maxAgeMs?: number;
  now?: () => number;
}

interface Entry {
  value: unknown;
  bytes: number;
  at: number;
}

export function createResponseCache(opts: ResponseCacheOptions) {
  const maxAgeMs = opts.maxAgeMs ?? 10 * 60_000;
  const now = opts.now ?? Date.now;
  const generation: Record<CacheNamespace, number> = { traffic: 0, statements: 0 };
  const entries = new Map<string, Entry>(); // insertion order = least recently used first
  const inflight = new Map<string, Promise<unknown>>();
  let bytes = 0;
  let enabled = false;
  let observer: ((ns: CacheNamespace, result: CacheResult) => void) | null = null;
  let writeListener: ((ns: CacheNamespace) => Promise<void>) | null = null;
  const counts = { hit: 0, miss: 0, coalesced: 0, bypass: 0, invalidations: 0 };

  const keyOf = (ns: CacheNamespace, key: string) => `${ns}\u0000${generation[ns]}\u0000${key}`;

  function drop(k: string): void {
    const e = entries.get(k);
    if (!e) return;
    entries.delete(k);
    bytes -= e.bytes;
  }

  function store(k: string, value: unknown, size: number): void {
    if (size > opts.maxBytes / 4) return; // one answer may not evict most of the cache
    drop(k);
    entries.set(k, { value, bytes: size, at: now() });
    bytes += size;
    for (const [old] of entries) {
      if (bytes <= opts.maxBytes) break;
      drop(old);
    }
  }

  function note(ns: CacheNamespace, r: CacheResult): void {
    counts[r]++;
    observer?.(ns, r);
  }

  function invalidate(ns: CacheNamespace): void {
    generation[ns]++;
    counts.invalidations++;
    const prefix = `${ns}\u0000`;
    for (const k of [...entries.keys()]) if (k.startsWith(prefix)) drop(k);
  }

  return {
    /** Start serving from the cache (call once writes from every process are watched). */
    enable(): void {
      enabled = opts.maxBytes > 0;
    },
    get enabled(): boolean {
      return enabled;
    },

    /**
     * The cached answer of `key`, or `compute()` (shared by concurrent callers, stored unless the
     * namespace was bumped meanwhile). `size` estimates an answer's bytes. Errors are never cached.
     */
    async through<T>(ns: CacheNamespace, key: string, compute: () => Promise<T>, size: (v: T) => number): Promise<T> {
      if (!enabled) {
        note(ns, 'bypass');
        return compute();
      }
      const k = keyOf(ns, key);
      const e = entries.get(k);
      if (e && now() - e.at <= maxAgeMs) {
        entries.delete(k);
        entries.set(k, e);
        note(ns, 'hit');
        return e.value as T;
      }
      if (e) drop(k);
      const pending = inflight.get(k);
      if (pending) {
        note(ns, 'coalesced');
        return pending as Promise<T>;
      }
      note(ns, 'miss');
      const gen = generation[ns];
      const p = (async () => {
        try {
          const v = await compute();
          if (generation[ns] === gen) store(k, v, size(v));
          return v;
        } finally {
          inflight.delete(k);
        }
      })();
      inflight.set(k, p);
      return p;
    },

    /** Answers of `ns` may have changed: nothing computed before is served again. */
    invalidate,

    /**
     * This process wrote data behind `ns` (call after the write): invalidate now (read-your-writes),
     * and resolve once the change watch has looked (it learns this write's parts at once instead of
     * invalidating the cache again at its next tick, after the cache filled up).
     */
    async written(ns: CacheNamespace): Promise<void> {
      invalidate(ns);
      await writeListener?.(ns);
    },

    /** The change watch's hook for written(). */
    onWritten(fn: (ns: CacheNamespace) => Promise<void>): void {
      writeListener = fn;
    },

    generation(ns: CacheNamespace): number {
      return generation[ns];
    },

    /** Called for every lookup (Prometheus counters). */
    observe(fn: (ns: CacheNamespace, result: CacheResult) => void): void {
      observer = fn;
    },

    stats() {
      return { ...counts, entries: entries.size, bytes, inflight: inflight.size, enabled };
    },
  };
}

export type ResponseCache = ReturnType<typeof createResponseCache>;
