/**
 * Chunked, resumable backfills. A migration's `INSERT INTO t … SELECT … FROM s … WHERE (SELECT count() FROM t) = 0`
 * (copy the rows stored so far into a new rollup, once) marked with
 *   -- @backfill: source=s chunk=toYYYYMM(bucket) target_chunk=toYYYYMM(bucket)
 * runs one chunk (one value of `chunk` over the source: a month) at a time instead of in one statement:
 * the emptiness guard becomes `(chunk) = <value>`, and each finished chunk is written to the ledger
 * `schema_backfill_chunks`. After a crash the next run skips the chunks in the ledger; the one chunk that may
 * be half-copied (rows of its `target_chunk` in the target, no ledger row) is deleted from the target first
 * and copied again, so every chunk lands exactly once. `target_chunk` must give, on the target's rows, the
 * value `chunk` gave on the source rows they came from (a month stays a month under toStartOfHour/Day).
 * An empty target with ledger rows (the operator ran TRUNCATE to start again) starts from scratch.
 * Released migrations whose text cannot change (their checksum is recorded) get the directive from
 * RELEASED_BACKFILLS instead.
 */
import { AppError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { Storage } from './client.js';
import { renderStatements, type RenderContext } from './render.js';

export interface BackfillSpec {
  source: string;
  chunk: string;
  targetChunk: string;
}

export interface BackfillProgress {
  migration: string;
  target: string;
  chunk: number;
  /** Chunks finished so far (copied now or earlier), of `chunks`. */
  done: number;
  chunks: number;
  /** Source rows of the finished chunks, of `sourceRows`. */
  rowsDone: number;
  sourceRows: number;
  /** copied: now; skipped: in the ledger from an earlier run; redone: half-copied by an interrupted run, deleted and copied again. */
  state: 'copied' | 'skipped' | 'redone';
}

export type ProgressSink = (p: BackfillProgress) => void;

/** Directives for the released migrations 0011 and 0012, which are applied with their recorded checksums and cannot gain a comment. */
export const RELEASED_BACKFILLS: Readonly<Record<string, string>> = {
  '0011_create_member_io_5m.sql': 'source=member_traffic_5m chunk=toYYYYMM(bucket) target_chunk=toYYYYMM(bucket)',
  '0012_create_member_traffic_1h.sql': 'source=member_traffic_5m chunk=toYYYYMM(bucket) target_chunk=toYYYYMM(bucket)',
};

export const LEDGER_DDL = `-- @replicated
CREATE TABLE IF NOT EXISTS schema_backfill_chunks (
  version UInt32,
  target String,
  chunk Int64,
  rows UInt64,
  redone UInt8,
  done_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = MergeTree ORDER BY (version, chunk);
`;

export function parseBackfillDirective(text: string): BackfillSpec {
  const kv = new Map<string, string>();
  for (const tok of text.trim().split(/\s+/)) {
    const m = /^(\w+)=(\S+)$/.exec(tok);
    if (!m) throw new AppError('IXMETER_ERR_MIGRATION_INVALID', `@backfill: "${tok}" is not key=value`);
    kv.set(m[1]!, m[2]!);
  }
  const get = (k: string) => {
    const v = kv.get(k);
    if (!v) throw new AppError('IXMETER_ERR_MIGRATION_INVALID', `@backfill needs ${k}=…`);
    return v;
  };
  if (!/^\w+$/.test(get('source')))
    throw new AppError('IXMETER_ERR_MIGRATION_INVALID', '@backfill: source must be a table name');
  return { source: get('source'), chunk: get('chunk'), targetChunk: kv.get('target_chunk') ?? get('chunk') };
}

const INSERT_TARGET = /^INSERT\s+INTO\s+(\w+)/i;
const guardOf = (target: string) =>
  new RegExp(`\\(\\s*SELECT\\s+count\\(\\)\\s+FROM\\s+${target}\\s*\\)\\s*=\\s*0`, 'i');

/** The rendered INSERT with its emptiness guard replaced by the chunk condition (a typed parameter). */
export function chunkedInsert(renderedSql: string, target: string, spec: BackfillSpec): string {
  const guard = guardOf(target);
  if (!guard.test(renderedSql)) {
    throw new AppError(
      'IXMETER_ERR_MIGRATION_INVALID',
      `@backfill: the INSERT INTO ${target} has no "(SELECT count() FROM ${target}) = 0" guard`,
    );
  }
  return renderedSql.replace(guard, `(${spec.chunk}) = {backfill_chunk:Int64}`);
}

interface Ctx {
  storage: Storage;
  render: RenderContext;
  sharded: Set<string>;
  log?: Logger;
  onProgress?: ProgressSink;
}

async function rows<T>(s: Storage, query: string, query_params: Record<string, unknown> = {}): Promise<T[]> {
  return (await s.client.query({ query, query_params, format: 'JSONEachRow' })).json<T>();
}

/** A mutation, rendered for the cluster (ON CLUSTER DDL takes no query parameters: `sql` holds only integers we computed). */
async function mutate(c: Ctx, sql: string): Promise<void> {
  for (const q of renderStatements([{ sql, shardKey: undefined, replicated: false }], c.render, c.sharded)) {
    await c.storage.client.command({ query: q });
  }
}

function int(n: number): number {
  if (!Number.isSafeInteger(n))
    throw new AppError('IXMETER_ERR_MIGRATION_INVALID', `@backfill: chunk value ${n} is not an integer`);
  return n;
}

/** Run one marked INSERT chunk by chunk (see the file comment). `renderedSql` is the INSERT as rendered for this storage. */
export async function runBackfill(
  c: Ctx,
  migration: { version: number; name: string },
  renderedSql: string,
  spec: BackfillSpec,
): Promise<void> {
  const target = INSERT_TARGET.exec(renderedSql)?.[1];
  if (!target)
    throw new AppError(
      'IXMETER_ERR_MIGRATION_INVALID',
      `@backfill in ${migration.name} must mark an INSERT INTO … SELECT`,
    );
  const insert = chunkedInsert(renderedSql, target, spec);
  const v = { version: migration.version };
  const [{ n: targetRows } = { n: '0' }] = await rows<{ n: string }>(c.storage, `SELECT count() AS n FROM ${target}`);
  if (Number(targetRows) === 0) {
    const [{ n } = { n: '0' }] = await rows<{ n: string }>(
      c.storage,
      'SELECT count() AS n FROM schema_backfill_chunks WHERE version = {version:UInt32}',
      v,
    );
    if (Number(n) > 0)
      await mutate(
        c,
        `ALTER TABLE schema_backfill_chunks DELETE WHERE version = ${int(migration.version)} SETTINGS mutations_sync = 2`,
      );
  }
  const ledger = new Set(
    (
      await rows<{ chunk: string }>(
        c.storage,
        'SELECT DISTINCT chunk FROM schema_backfill_chunks WHERE version = {version:UInt32}',
        v,
      )
    ).map((r) => Number(r.chunk)),
  );
  const chunks = (
    await rows<{ c: string; n: string }>(
      c.storage,
      `SELECT toInt64(${spec.chunk}) AS c, count() AS n FROM ${spec.source} GROUP BY c ORDER BY c`,
    )
  ).map((r) => ({ chunk: Number(r.c), rows: Number(r.n) }));
  const sourceRows = chunks.reduce((a, r) => a + r.rows, 0);
  let done = 0;
  let rowsDone = 0;
  c.log?.info(
    { migration: migration.name, target, chunks: chunks.length, sourceRows, alreadyCopied: ledger.size },
    'backfill starts',
  );
  for (const ch of chunks) {
    let state: BackfillProgress['state'] = 'skipped';
    if (!ledger.has(ch.chunk)) {
      const p = { backfill_chunk: ch.chunk };
      const [{ n } = { n: '0' }] = await rows<{ n: string }>(
        c.storage,
        `SELECT count() AS n FROM ${target} WHERE (${spec.targetChunk}) = {backfill_chunk:Int64}`,
        p,
      );
      state = Number(n) > 0 ? 'redone' : 'copied';
      if (state === 'redone')
        await mutate(
          c,
          `ALTER TABLE ${target} DELETE WHERE (${spec.targetChunk}) = ${int(ch.chunk)} SETTINGS mutations_sync = 2`,
        );
      try {
        await c.storage.client.command({ query: insert, query_params: p });
      } catch (e) {
        throw new AppError(
          'IXMETER_ERR_STORAGE_QUERY',
          `migration ${migration.name} failed in backfill chunk ${ch.chunk}: ${String((e as Error).message).split('\n')[0]}`,
          { cause: e },
        );
      }
      await c.storage.client.insert({
        table: 'schema_backfill_chunks',
        values: [
          { version: migration.version, target, chunk: ch.chunk, rows: ch.rows, redone: state === 'redone' ? 1 : 0 },
        ],
        format: 'JSONEachRow',
      });
    }
    done++;
    rowsDone += ch.rows;
    const progress: BackfillProgress = {
      migration: migration.name,
      target,
      chunk: ch.chunk,
      done,
      chunks: chunks.length,
      rowsDone,
      sourceRows,
      state,
    };
    c.log?.info(progress, 'backfill progress');
    c.onProgress?.(progress);
  }
}
