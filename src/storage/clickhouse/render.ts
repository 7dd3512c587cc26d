/**
 * Migration SQL is written once, for a single server. For a cluster (IXMETER_CLICKHOUSE_CLUSTER) the
 * same statements are rendered as:
 *   CREATE TABLE t ... ENGINE = XMergeTree(a)   →  CREATE TABLE t_local ON CLUSTER c ... ENGINE = ReplicatedXMergeTree('/clickhouse/tables/{shard}/{database}/t_local', '{replica}', a)
 *                                                 + CREATE TABLE t ON CLUSTER c AS t_local ENGINE = Distributed(c, currentDatabase(), t_local, <shard key>)
 *   (with `-- @replicated` before it: one full copy on every replica of every shard, no Distributed table)
 *   CREATE MATERIALIZED VIEW v TO t AS SELECT … FROM s  →  ON CLUSTER, reading s_local and writing t_local
 *   ALTER TABLE t …                              →  ALTER TABLE t_local ON CLUSTER c … (+ the same on t for column changes)
 *   INSERT INTO t … SELECT … (a backfill)        →  run once, through the Distributed tables (every shard read, rows
 *                                                   sharded by t's key), synchronously: INSERT INTO t SETTINGS insert_distributed_sync = 1 …
 *   SELECT … (a check, e.g. throwIf)             →  unchanged, once, through the Distributed tables
 *   anything else                               →  ON CLUSTER added after the object name
 * Directives are SQL comments on the lines before a statement: `-- @shard_key: expr`, `-- @replicated`,
 * `-- @backfill: source=… chunk=… target_chunk=…` (a chunked, resumable INSERT; backfill.ts).
 */
import { AppError } from '../../shared/errors.js';

export interface RenderContext {
  cluster: string | undefined;
  /** Placeholder values, written {{NAME}} in migration files (e.g. retention days). */
  vars: Readonly<Record<string, string | number>>;
}

export interface ParsedStatement {
  sql: string;
  shardKey: string | undefined;
  replicated: boolean;
  /** `-- @backfill: …` (see backfill.ts): run this INSERT chunk by chunk, resumable. */
  backfill?: string;
}

/** Split a migration file into statements (`;` at end of line), keeping directives. */
export function splitStatements(text: string): ParsedStatement[] {
  const out: ParsedStatement[] = [];
  let lines: string[] = [];
  let shardKey: string | undefined;
  let replicated = false;
  let backfill: string | undefined;
  for (const raw of text.replace(/\r\n/g, '\n').split('\n')) {
    const line = raw.trimEnd();
    const dir = /^\s*--\s*@(\w+)(?::\s*(.+))?$/.exec(line);
    if (dir) {
      if (dir[1] === 'shard_key') shardKey = dir[2]?.trim();
      else if (dir[1] === 'replicated') replicated = true;
      else if (dir[1] === 'backfill') backfill = dir[2]?.trim();
      else throw new AppError('IXMETER_ERR_MIGRATION_INVALID', `unknown migration directive @${dir[1]}`);
      continue;
    }
    if (/^\s*--/.test(line) || (line.trim() === '' && lines.length === 0)) continue;
    lines.push(line);
    if (/;\s*$/.test(line)) {
      const sql = lines.join('\n').replace(/;\s*$/, '').trim();
      if (sql) out.push({ sql, shardKey, replicated, ...(backfill ? { backfill } : {}) });
      lines = [];
      shardKey = undefined;
      replicated = false;
      backfill = undefined;
    }
  }
  if (lines.join('').trim() !== '')
    throw new AppError('IXMETER_ERR_MIGRATION_INVALID', 'the last statement does not end with ";"');
  return out;
}

export function substituteVars(sql: string, vars: RenderContext['vars']): string {
  return sql.replace(/\{\{([A-Z0-9_]+)\}\}/g, (_, name: string) => {
    const v = vars[name];
    if (v === undefined) throw new AppError('IXMETER_ERR_MIGRATION_INVALID', `unknown placeholder {{${name}}}`);
    return String(v);
  });
}

const CREATE_TABLE_HEAD = /^CREATE\s+TABLE\s+IF\s+NOT\s+EXISTS\s+(\w+)\s*([\s\S]*?)ENGINE\s*=\s*(\w*MergeTree)\s*/i;

/** name, body, engine, engine args (balanced parentheses), rest — or null when not a CREATE TABLE … MergeTree. */
function parseCreateTable(sql: string): [string, string, string, string | undefined, string] | null {
  const m = CREATE_TABLE_HEAD.exec(sql);
  if (!m) return null;
  let i = m[0].length;
  let args: string | undefined;
  if (sql[i] === '(') {
    let depth = 0;
    const start = i;
    for (; i < sql.length; i++) {
      if (sql[i] === '(') depth++;
      else if (sql[i] === ')' && --depth === 0) break;
    }
    args = sql.slice(start + 1, i);
    i++;
  }
  return [m[1]!, m[2]!, m[3]!, args, sql.slice(i)];
}
const CREATE_MV = /^CREATE\s+MATERIALIZED\s+VIEW\s+IF\s+NOT\s+EXISTS\s+(\w+)\s+TO\s+(\w+)([\s\S]*)$/i;
const ALTER = /^ALTER\s+TABLE\s+(\w+)\s+([\s\S]*)$/i;
const INSERT = /^INSERT\s+INTO\s+(\w+)(\s*\([^)]*\))?\s+((?:SELECT|WITH)\b[\s\S]*)$/i;
const SELECT = /^(?:SELECT|WITH)\b/i;
const CREATE_OTHER =
  /^(CREATE\s+(?:OR\s+REPLACE\s+)?(?:DICTIONARY|VIEW|FUNCTION)\s+(?:IF\s+NOT\s+EXISTS\s+)?)(\w+)([\s\S]*)$/i;

/**
 * Render one file's statements. `sharded` collects names of tables that have a `_local` twin in
 * cluster mode (filled by earlier files too), so views and ALTERs point at the right tables.
 */
export function renderStatements(stmts: ParsedStatement[], ctx: RenderContext, sharded: Set<string>): string[] {
  const out: string[] = [];
  for (const st of stmts) {
    const sql = substituteVars(st.sql, ctx.vars);
    if (!ctx.cluster) {
      const t = parseCreateTable(sql);
      if (t && !st.replicated) sharded.add(t[0]);
      out.push(sql);
      continue;
    }
    out.push(...renderForCluster(sql, st, ctx.cluster, sharded));
  }
  return out;
}

function renderForCluster(sql: string, st: ParsedStatement, c: string, sharded: Set<string>): string[] {
  const on = `ON CLUSTER ${c}`;
  const t = parseCreateTable(sql);
  if (t) {
    const [name, body, engine, args, rest] = t;
    const local = st.replicated ? name : `${name}_local`;
    const path = st.replicated
      ? `/clickhouse/tables/all/{database}/${local}`
      : `/clickhouse/tables/{shard}/{database}/${local}`;
    const repArgs = [`'${path}'`, `'{replica}'`, ...(args && args.trim() ? [args.trim()] : [])].join(', ');
    const ddl =
      `CREATE TABLE IF NOT EXISTS ${local} ${on} ${body}ENGINE = Replicated${engine}(${repArgs}) ${rest.trimStart()}`.trimEnd();
    if (st.replicated) return [ddl];
    sharded.add(name);
    const key = st.shardKey ?? 'rand()';
    return [
      ddl,
      `CREATE TABLE IF NOT EXISTS ${name} ${on} AS ${local} ENGINE = Distributed(${c}, currentDatabase(), ${local}, ${key})`,
    ];
  }
  const mv = CREATE_MV.exec(sql);
  if (mv) {
    const [, name, target, rest] = mv as unknown as [string, string, string, string];
    return [
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${name} ${on} TO ${localName(target, sharded)}${localizeRefs(rest, sharded)}`,
    ];
  }
  const alt = ALTER.exec(sql);
  if (alt) {
    const [, name, rest] = alt as unknown as [string, string, string];
    if (!sharded.has(name)) return [`ALTER TABLE ${name} ${on} ${rest}`];
    const stmts = [`ALTER TABLE ${name}_local ${on} ${rest}`];
    if (/^\s*(ADD|DROP|MODIFY|RENAME)\s+COLUMN/i.test(rest)) stmts.push(`ALTER TABLE ${name} ${on} ${rest}`);
    return stmts;
  }
  const ins = INSERT.exec(sql);
  if (ins) {
    const [, name, cols, rest] = ins as unknown as [string, string, string | undefined, string];
    // No INSERT … ON CLUSTER: one node runs it. Synchronous, so the rows are on their shards when the next statement runs.
    return [sharded.has(name) ? `INSERT INTO ${name}${cols ?? ''} SETTINGS insert_distributed_sync = 1 ${rest}` : sql];
  }
  if (SELECT.test(sql)) return [sql];
  const other = CREATE_OTHER.exec(sql);
  if (other) return [`${other[1]}${other[2]} ${on}${other[3]}`];
  throw new AppError('IXMETER_ERR_MIGRATION_INVALID', `cannot render for a cluster: ${sql.slice(0, 80)}…`);
}

function localName(name: string, sharded: Set<string>): string {
  return sharded.has(name) ? `${name}_local` : name;
}

function localizeRefs(sql: string, sharded: Set<string>): string {
  return sql.replace(/\b(FROM|JOIN)\s+(\w+)\b/gi, (m, kw: string, name: string) =>
    sharded.has(name) ? `${kw} ${name}_local` : m,
  );
}
