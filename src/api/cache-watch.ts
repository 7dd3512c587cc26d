/**
 * Change watch for the API response cache: every `intervalMs` one read of `system.parts` tells which
 * watched tables received new data parts (ClickHouse numbers every insert's block, per partition,
 * in increasing order), whichever process or writer inserted them:
 * - statements / statement_events: any new block → invalidate `statements` (compute, workflow
 *   transitions, in a worker process or another API process);
 * - member rollups: a new block in a part whose earliest bucket is older than the settled horizon
 *   (settledBeforeMs) → invalidate `traffic`. That is a collector replaying its disk spool after an
 *   outage (rows keep their receive time), a backfill or a manual insert. Live ingest lands in the
 *   current buckets and leaves cached answers alone. A merge of a new part with an old one cannot be
 *   told from late data and invalidates too (conservative).
 * If the watch cannot read system.parts, both namespaces are invalidated at every tick until it can
 * again (no caching while blind). Cross-process staleness is therefore bounded by `intervalMs`.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from '../shared/logger.js';
import { settledBeforeMs, type CacheNamespace, type ResponseCache } from '../shared/response-cache.js';
import { errorMessage } from '../shared/errors.js';

/** Tables whose parts are watched, per namespace (`_local`: the shards' tables in cluster mode). */
export const WATCHED_TABLES: Record<CacheNamespace, readonly string[]> = {
  statements: ['statements', 'statement_events'],
  traffic: ['member_traffic_5m', 'member_io_5m'],
};

export interface PartRow {
  h: string;
  table: string;
  partition_id: string;
  lo: string | number;
  hi: string | number;
  min_time: string | number;
}

export interface CacheWatchOptions {
  intervalMs?: number;
  /** Server mode with a cluster: read the parts of every replica. */
  cluster?: string;
  now?: () => number;
}

/** Pure step: what changed since `seen` (updated in place). The first call only learns. */
export function detectChanges(
  rows: PartRow[],
  seen: Map<string, number>,
  nowMs: number,
  first: boolean,
): Set<CacheNamespace> {
  const out = new Set<CacheNamespace>();
  const horizonS = settledBeforeMs(nowMs) / 1000;
  const nsOf = (table: string): CacheNamespace | null => {
    const base = table.endsWith('_local') ? table.slice(0, -6) : table;
    for (const [ns, tables] of Object.entries(WATCHED_TABLES) as Array<[CacheNamespace, readonly string[]]>)
      if (tables.includes(base)) return ns;
    return null;
  };
  const maxSeen = new Map<string, number>();
  for (const r of rows) {
    const ns = nsOf(r.table);
    if (!ns) continue;
    const key = `${r.h}/${r.table}/${r.partition_id}`;
    const hi = Number(r.hi);
    const before = seen.get(key) ?? -1;
    if (!first && hi > before) {
      if (ns === 'statements' || Number(r.min_time) < horizonS) out.add(ns);
    }
    maxSeen.set(key, Math.max(maxSeen.get(key) ?? -1, hi));
  }
  // A partition that disappeared (TTL, DROP) changed data too; forget it.
  for (const key of seen.keys()) {
    if (maxSeen.has(key)) continue;
    seen.delete(key);
    const ns = nsOf(key.split('/')[1] ?? '');
    if (ns && !first) out.add(ns);
  }
  for (const [key, hi] of maxSeen) seen.set(key, Math.max(seen.get(key) ?? -1, hi));
  return out;
}

export function createCacheWatch(
  client: ClickHouseClient,
  cache: ResponseCache,
  log: Logger,
  opts: CacheWatchOptions = {},
) {
  const intervalMs = opts.intervalMs ?? 2000;
  const now = opts.now ?? Date.now;
  const tables = Object.values(WATCHED_TABLES)
    .flat()
    .flatMap((t) => [t, `${t}_local`]);
  const source = opts.cluster ? `clusterAllReplicas('${opts.cluster}', system.parts)` : 'system.parts';
  const seen = new Map<string, number>();
  let first = true;
  let failing = false;
  let timer: NodeJS.Timeout | null = null;
  let chain: Promise<void> = Promise.resolve(); // ticks run one at a time

  async function tick(): Promise<void> {
    try {
      const rs = await client.query({
        query: `SELECT hostName() AS h, table, partition_id, min_block_number AS lo, max_block_number AS hi, toUnixTimestamp(min_time) AS min_time
                FROM ${source} WHERE database = currentDatabase() AND has({tables:Array(String)}, table)`,
        query_params: { tables },
        format: 'JSONEachRow',
      });
      const changed = detectChanges(await rs.json<PartRow>(), seen, now(), first);
      // The first successful read only learns: whatever was cached before it is dropped.
      for (const ns of first ? (['traffic', 'statements'] as const) : changed) cache.invalidate(ns);
      first = false;
      if (failing) log.info('response cache: change watch reads system.parts again');
      failing = false;
    } catch (err) {
      if (!failing)
        log.warn(
          { err: errorMessage(err) },
          'response cache: change watch failed; caching nothing until it works again',
        );
      failing = true;
      first = true;
      seen.clear();
      cache.invalidate('traffic');
      cache.invalidate('statements');
    }
  }

  let stopped = true;
  let queued: Promise<void> | null = null; // a tick waiting for the one running: later requests share it

  /** A tick that starts after this call (one at a time). */
  function requestTick(): Promise<void> {
    if (queued) return queued;
    const p = chain.then(() => {
      queued = null;
      return tick();
    });
    queued = p;
    chain = p;
    return p;
  }

  function schedule(): void {
    timer = setTimeout(() => {
      timer = null;
      void requestTick().finally(() => {
        if (!stopped && !timer) schedule();
      });
    }, intervalMs);
    timer.unref();
  }

  return {
    /** Learn the current parts, enable the cache and keep watching. */
    async start(): Promise<void> {
      await requestTick();
      stopped = false;
      cache.enable();
      // A write of this process is learned at once, so the next regular tick does not invalidate
      // the cache again after it filled up.
      cache.onWritten(() => (stopped ? Promise.resolve() : requestTick()));
      schedule();
    },
    /** One check now (tests). */
    check: requestTick,
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await chain;
    },
  };
}

export type CacheWatch = ReturnType<typeof createCacheWatch>;
