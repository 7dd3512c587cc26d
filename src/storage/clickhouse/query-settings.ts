/**
 * Per-query settings that stay per query on embedded chDB. Its connection adapter turns a call's
 * `clickhouse_settings` into `SET k = v` on the one stateful session, so a setting given to one query stayed
 * for every later query of the process (seen: join_use_nulls = 1 from a token lookup turned every later LEFT JOIN's
 * misses into NULLs; a collector insert's deduplication token deduplicated later token-less inserts). This
 * wrapper moves the settings into the statement's own SETTINGS clause instead, which ends with the statement.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { AppError } from '../../shared/errors.js';

type Settings = Record<string, unknown> | undefined;

function literal(k: string, v: unknown): string {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  throw new AppError('IXMETER_ERR_STORAGE_QUERY', `setting ${k}: unsupported value ${String(v)}`);
}

/**
 * `SETTINGS k = v, …` for `settings` ('' when there are none). For statements that carry their own data
 * (`FORMAT X` + rows, `FROM INFILE … FORMAT X`), where the clause must stand before FORMAT.
 */
export function settingsClause(settings: Settings): string {
  const entries = Object.entries(settings ?? {}).filter(([, v]) => v !== undefined);
  if (!entries.length) return '';
  for (const [k] of entries)
    if (!/^\w+$/.test(k)) throw new AppError('IXMETER_ERR_STORAGE_QUERY', `invalid setting name ${k}`);
  return `SETTINGS ${entries.map(([k, v]) => `${k} = ${literal(k, v)}`).join(', ')}`;
}

/** `query` with `settings` as its SETTINGS clause (the client appends FORMAT after it). */
export function withSettingsClause(query: string, settings: Settings): string {
  const clause = settingsClause(settings);
  if (clause === '') return query;
  if (/\bFORMAT\s+\w+\s*(\n|$)/i.test(query) || /\bSETTINGS\b/i.test(query)) {
    throw new AppError(
      'IXMETER_ERR_STORAGE_QUERY',
      'embedded ClickHouse: give settings in the statement itself when it has its own FORMAT or SETTINGS clause',
    );
  }
  return `${query}\n${clause}`;
}

/** The client, with query/command/exec settings moved into each statement (embedded chDB only). */
export function settingsPerStatement(client: ClickHouseClient): ClickHouseClient {
  const wrap =
    <P extends { query: string; clickhouse_settings?: Settings }, R>(fn: (p: P) => Promise<R>) =>
    (p: P) =>
      fn({ ...p, query: withSettingsClause(p.query, p.clickhouse_settings), clickhouse_settings: undefined });
  return new Proxy(client, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      const bound = (v as (...a: unknown[]) => unknown).bind(target);
      return prop === 'query' || prop === 'command' || prop === 'exec' ? wrap(bound as never) : bound;
    },
  });
}
