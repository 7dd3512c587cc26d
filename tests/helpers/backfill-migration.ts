/**
 * Harness for a migration that backfills a new rollup (0011, 0012): real embedded ClickHouse with every
 * migration before FILE applied from a private copy of migrations/, then FILE added, "forgotten" and re-applied,
 * so a test can check that the copy is made once, that a repeat adds nothing, and that an incomplete copy is
 * refused until the table is emptied, and which chunks (source months) each run reported copied or skipped.
 * `describeBackfill` is the whole test suite such a migration gets.
 */
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage, type Storage } from '../../src/storage/clickhouse/client.js';
import type { BackfillProgress } from '../../src/storage/clickhouse/backfill.js';
import { defaultMigrationsDir, migrate, type MigrateResult } from '../../src/storage/clickhouse/migrate.js';
import { silentLog, tempDir, testConfig } from './env.js';

const vars = { RAW_RETENTION_DAYS: 190, ROLLUP_RETENTION_DAYS: 1827 };

export interface BackfillHarness {
  storage: Storage;
  /** Apply whatever the private migrations folder holds. */
  migrate(): Promise<MigrateResult>;
  /** The chunk states (copied / skipped / redone) the last migrate reported, in order. */
  states(): Array<BackfillProgress['state']>;
  /** Put FILE into the private folder (its backfill then runs on the next migrate). */
  addFile(): void;
  /** Re-apply FILE as if it had never run: the same statements, on the table as it is. */
  rerun(): Promise<MigrateResult>;
  /** An interrupted copy (rows deleted from `table` by `where`) is refused; after TRUNCATE the copy runs again. */
  expectIncompleteCopyRefused(table: string, where: string): Promise<void>;
  close(): Promise<void>;
}

export async function backfillHarness(file: string): Promise<BackfillHarness> {
  const dir = tempDir();
  const storage = await openStorage(testConfig(join(dir.path, 'data')), silentLog);
  const mdir = join(dir.path, 'migrations');
  mkdirSync(mdir);
  for (const f of readdirSync(defaultMigrationsDir()))
    if (f < file) copyFileSync(join(defaultMigrationsDir(), f), join(mdir, f));
  const version = Number(file.slice(0, 4));
  let progress: BackfillProgress[] = [];
  const run = () => {
    progress = [];
    return migrate(storage, { vars, dir: mdir, onProgress: (p) => progress.push(p) });
  };
  const forget = () =>
    storage.client.command({
      query: `ALTER TABLE schema_migrations DELETE WHERE version = ${version} SETTINGS mutations_sync = 2`,
    });
  return {
    storage,
    migrate: run,
    states: () => progress.map((p) => p.state),
    addFile: () => copyFileSync(join(defaultMigrationsDir(), file), join(mdir, file)),
    async rerun() {
      await forget();
      return run();
    },
    async expectIncompleteCopyRefused(table, where) {
      await forget();
      await storage.client.command({ query: `ALTER TABLE ${table} DELETE WHERE ${where} SETTINGS mutations_sync = 2` });
      await expect(run()).rejects.toMatchObject({
        code: 'IXMETER_ERR_STORAGE_QUERY',
        message: expect.stringMatching(/interrupted backfill/),
      });
      await storage.client.command({ query: `TRUNCATE TABLE ${table}` });
      expect((await run()).applied).toEqual([file]);
      // An emptied table starts from scratch: every month copied again, none skipped from the earlier ledger.
      expect(progress.length).toBeGreaterThan(0);
      expect(new Set(progress.map((p) => p.state))).toEqual(new Set(['copied']));
    },
    async close() {
      await storage.close();
      dir.cleanup();
    },
  };
}

/** A member_traffic_5m row, as the backfills read it. */
export type MemberTraffic5mRow = {
  bucket: number;
  src_asn: number;
  dst_asn: number;
  ip_version: number;
  bytes: number;
  l3_bytes: number;
  packets: number;
  samples: number;
};

export interface BackfillSuite {
  /** The describe block's name, e.g. 'member_io_5m migration'. */
  name: string;
  file: string;
  /** How many migrations come before FILE (all applied by the first migrate). */
  migrationsBefore: number;
  /** What the first test says the copy does, e.g. 'copies the rows already stored, once, in both directions'. */
  copies: string;
  /** Rows in member_traffic_5m before FILE is applied. */
  rows: MemberTraffic5mRow[];
  /** Rows inserted afterwards, to arrive through the cascading view. */
  more: MemberTraffic5mRow[];
  /** Insert `more` one row per insert (so that identical-looking blocks must all be counted). */
  separateInserts?: boolean;
  /** The new table's content as the test reads it, and what it must be for these member_traffic_5m rows. */
  stored(storage: Storage): Promise<string[]>;
  expected(rows: MemberTraffic5mRow[]): string[];
  /** A further check of the first copy. */
  afterCopy?(stored: string[]): void;
  /** The rows deleted to fake an interrupted copy. */
  interrupted: { table: string; where: string };
}

/** The four tests of a backfilling migration: copy once, later rows through the view, no double count on a rerun, an interrupted copy refused. */
export function describeBackfill(s: BackfillSuite): void {
  let h: BackfillHarness;
  beforeAll(async () => {
    h = await backfillHarness(s.file);
  });
  afterAll(async () => {
    await h?.close();
  });
  const rows = [...s.rows];
  const insert5m = (values: MemberTraffic5mRow[]) =>
    h.storage.client.insert({ table: 'member_traffic_5m', values, format: 'JSONEachRow' });
  const stored = () => s.stored(h.storage);

  describe(s.name, () => {
    it(s.copies, async () => {
      expect((await h.migrate()).applied).toHaveLength(s.migrationsBefore);
      await insert5m(rows);
      h.addFile();
      expect((await h.migrate()).applied).toEqual([s.file]);
      expect(h.states().length).toBeGreaterThan(0);
      expect(new Set(h.states())).toEqual(new Set(['copied'])); // one progress report per source month
      expect(await stored()).toEqual(s.expected(rows));
      s.afterCopy?.(await stored());
    });

    it(`feeds new member_traffic_5m rows through the cascading view${s.separateInserts ? ', every insert counted' : ''}`, async () => {
      if (s.separateInserts) for (const r of s.more) await insert5m([r]);
      else await insert5m(s.more);
      expect(await stored()).toEqual(s.expected([...rows, ...s.more]));
      rows.push(...s.more);
    });

    it('never counts twice when the migration runs again', async () => {
      expect((await h.rerun()).applied).toEqual([s.file]);
      expect(new Set(h.states())).toEqual(new Set(['skipped'])); // every month is in the ledger
      expect(await stored()).toEqual(s.expected(rows));
    });

    it('refuses an incomplete copy, and copies again into an emptied table', async () => {
      await h.expectIncompleteCopyRefused(s.interrupted.table, s.interrupted.where);
      expect(await stored()).toEqual(s.expected(rows));
    });
  });
}
