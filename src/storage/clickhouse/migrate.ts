/**
 * Forward-only migrations: `migrations/NNNN_verb_object.sql`, applied in order, recorded with a
 * SHA-256 checksum in `schema_migrations`. An edited applied file is an error; a second run applies
 * nothing. Statements use IF NOT EXISTS, so a run interrupted half-way is safe to repeat; a backfill
 * (`-- @backfill`) copies chunk by chunk, reports progress and resumes where a crash left it (backfill.ts).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../shared/errors.js';
import { packageRoot } from '../../shared/paths.js';
import type { Logger } from '../../shared/logger.js';
import type { Storage } from './client.js';
import { LEDGER_DDL, parseBackfillDirective, RELEASED_BACKFILLS, runBackfill, type ProgressSink } from './backfill.js';
import { renderStatements, splitStatements, type ParsedStatement, type RenderContext } from './render.js';

export interface MigrationFile {
  version: number;
  name: string;
  checksum: string;
  text: string;
}

export interface MigrateResult {
  applied: string[];
  alreadyApplied: number;
}

/** migrations/ at the package root, whether running from src/ (tests) or dist/src/ (built). */
export function defaultMigrationsDir(): string {
  return join(packageRoot(), 'migrations');
}

export function readMigrations(dir: string): MigrationFile[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort();
  const out: MigrationFile[] = [];
  for (const f of files) {
    const m = /^(\d{4})_([a-z]+(?:_[a-z0-9]+)+)\.sql$/.exec(f);
    if (!m)
      throw new AppError('IXMETER_ERR_MIGRATION_INVALID', `migration file name ${f} must be NNNN_verb_object.sql`);
    const text = readFileSync(join(dir, f), 'utf8').replace(/\r\n/g, '\n');
    const version = parseInt(m[1]!, 10);
    if (out.length && out[out.length - 1]!.version === version) {
      throw new AppError('IXMETER_ERR_MIGRATION_INVALID', `two migrations share version ${m[1]}`);
    }
    out.push({ version, name: f, checksum: createHash('sha256').update(text).digest('hex'), text });
  }
  return out;
}

const BOOKKEEPING = `-- @replicated
CREATE TABLE IF NOT EXISTS schema_migrations (
  version UInt32,
  name String,
  checksum String,
  applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = MergeTree ORDER BY version;
`;

export async function migrate(
  storage: Storage,
  opts: { dir?: string; vars: RenderContext['vars']; log?: Logger; onProgress?: ProgressSink },
): Promise<MigrateResult> {
  const ctx: RenderContext = { cluster: storage.cluster, vars: opts.vars };
  const sharded = new Set<string>();
  for (const sql of renderStatements(splitStatements(BOOKKEEPING + LEDGER_DDL), ctx, sharded)) {
    await storage.client.command({ query: sql });
  }
  const rs = await storage.client.query({
    query:
      'SELECT version, any(name) AS name, any(checksum) AS checksum FROM schema_migrations GROUP BY version ORDER BY version',
    format: 'JSONEachRow',
  });
  const applied = new Map(
    (await rs.json<{ version: number; name: string; checksum: string }>()).map((r) => [Number(r.version), r]),
  );
  const files = readMigrations(opts.dir ?? defaultMigrationsDir());
  const result: MigrateResult = { applied: [], alreadyApplied: 0 };
  for (const file of files) {
    const parsed = withReleasedBackfill(file.name, splitStatements(file.text));
    const statements = parsed.map((st) => ({ st, sqls: renderStatements([st], ctx, sharded) }));
    const prior = applied.get(file.version);
    if (prior) {
      if (prior.checksum !== file.checksum) {
        throw new AppError(
          'IXMETER_ERR_MIGRATION_CHECKSUM',
          `migration ${file.name} was edited after it was applied (recorded ${prior.checksum.slice(0, 12)}…, file ${file.checksum.slice(0, 12)}…). ` +
            'Migrations are forward-only: restore the file and add a new migration instead.',
        );
      }
      result.alreadyApplied++;
      continue;
    }
    for (const sql of statements.flatMap(({ st, sqls }) => sqls.map((q) => ({ q, backfill: st.backfill })))) {
      if (sql.backfill) {
        await runBackfill(
          { storage, render: ctx, sharded, log: opts.log, onProgress: opts.onProgress },
          file,
          sql.q,
          parseBackfillDirective(sql.backfill),
        );
        continue;
      }
      try {
        await storage.client.command({ query: sql.q });
      } catch (e) {
        throw new AppError(
          'IXMETER_ERR_STORAGE_QUERY',
          `migration ${file.name} failed: ${String((e as Error).message).split('\n')[0]}\n  statement: ${sql.q.slice(0, 200)}`,
          { cause: e },
        );
      }
    }
    await storage.client.insert({
      table: 'schema_migrations',
      values: [{ version: file.version, name: file.name, checksum: file.checksum }],
      format: 'JSONEachRow',
    });
    opts.log?.info({ migration: file.name, statements: statements.length }, 'migration applied');
    result.applied.push(file.name);
  }
  return result;
}

/** The released files cannot gain a `-- @backfill` comment (checksum): their INSERT gets it from RELEASED_BACKFILLS. */
function withReleasedBackfill(name: string, stmts: ParsedStatement[]): ParsedStatement[] {
  const directive = RELEASED_BACKFILLS[name];
  if (!directive) return stmts;
  const i = stmts.findIndex((st) => /^INSERT\s+INTO\b/i.test(st.sql));
  return stmts.map((st, j) => (j === i ? { ...st, backfill: directive } : st));
}

/** Placeholder values the migrations may use, from the config. */
export function migrationVars(config: {
  IXMETER_RAW_RETENTION_DAYS: number;
  IXMETER_ROLLUP_RETENTION_DAYS: number;
}): Record<string, number> {
  return {
    RAW_RETENTION_DAYS: config.IXMETER_RAW_RETENTION_DAYS,
    ROLLUP_RETENTION_DAYS: config.IXMETER_ROLLUP_RETENTION_DAYS,
  };
}
