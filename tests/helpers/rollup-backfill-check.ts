/**
 * One check for a migration that adds a rollup of member_traffic_5m with a once-only, checked backfill
 * (0040 member_traffic_1d, 0041 fabric_traffic_5m): rows stored before are copied once and summed by the
 * rollup's key; new rows arrive through the view, each insert counted; a repeat never counts twice; an
 * interrupted copy is refused until the table is emptied.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { defaultMigrationsDir } from '../../src/storage/clickhouse/migrate.js';
import { backfillHarness, type BackfillHarness } from './backfill-migration.js';

type Row = {
  bucket: number;
  src_asn: number;
  dst_asn: number;
  ip_version: number;
  bytes: number;
  l3_bytes: number;
  packets: number;
  samples: number;
};

/** key(row) → the rollup's key text; storedSql returns (k, b, l3, p, s) per key with k built the same way. */
export function rollupBackfillSuite(opts: {
  file: string;
  table: string;
  key: (r: Row) => string;
  storedSql: string;
  truncateWhere: string;
}): void {
  let h: BackfillHarness;
  beforeAll(async () => {
    h = await backfillHarness(opts.file);
  });
  afterAll(async () => {
    await h?.close();
  });

  const day = Date.UTC(2025, 10, 30) / 1000; // the last day of November 2025; the next one is in December
  const rows: Row[] = [
    { bucket: day, src_asn: 64500, dst_asn: 64501, ip_version: 4, bytes: 1000, l3_bytes: 900, packets: 10, samples: 2 },
    {
      bucket: day + 300,
      src_asn: 64500,
      dst_asn: 64501,
      ip_version: 4,
      bytes: 1000,
      l3_bytes: 900,
      packets: 10,
      samples: 2,
    },
    {
      bucket: day + 86_100,
      src_asn: 64500,
      dst_asn: 64501,
      ip_version: 6,
      bytes: 700,
      l3_bytes: 600,
      packets: 7,
      samples: 1,
    },
    {
      bucket: day + 86_400,
      src_asn: 64502,
      dst_asn: 64500,
      ip_version: 4,
      bytes: 5,
      l3_bytes: 4,
      packets: 1,
      samples: 1,
    },
    {
      bucket: day + 90_000,
      src_asn: 0,
      dst_asn: 64500,
      ip_version: 4,
      bytes: 30,
      l3_bytes: 20,
      packets: 1,
      samples: 1,
    },
    {
      bucket: day + 30 * 86_400,
      src_asn: 64502,
      dst_asn: 64501,
      ip_version: 4,
      bytes: 2 ** 40,
      l3_bytes: 2 ** 39,
      packets: 2 ** 30,
      samples: 9,
    },
  ];
  const expected = (rs: Row[]) => {
    const acc = new Map<string, [number, number, number, number]>();
    for (const r of rs) {
      const v = acc.get(opts.key(r)) ?? [0, 0, 0, 0];
      v[0] += r.bytes;
      v[1] += r.l3_bytes;
      v[2] += r.packets;
      v[3] += r.samples;
      acc.set(opts.key(r), v);
    }
    return [...acc].map(([k, v]) => `${k} ${v.join(' ')}`).sort();
  };
  const stored = async () => {
    const rs = await h.storage.client.query({ query: opts.storedSql, format: 'JSONCompactEachRow' });
    return (await rs.json<Array<string | number>>()).map((r) => r.join(' ')).sort();
  };
  const insert = (rs: Row[]) =>
    h.storage.client.insert({ table: 'member_traffic_5m', values: rs, format: 'JSONEachRow' });

  describe(`${opts.table} migration`, () => {
    it('copies the rows already stored, once', async () => {
      // every migration before FILE (counted from the folder, so that a new migration elsewhere changes nothing here)
      const before = readdirSync(defaultMigrationsDir()).filter((f) => f.endsWith('.sql') && f < opts.file).length;
      expect((await h.migrate()).applied).toHaveLength(before);
      await insert(rows);
      h.addFile();
      expect((await h.migrate()).applied).toEqual([opts.file]);
      expect(h.states()).toEqual(['copied', 'copied']); // November and December 2025, one progress report each
      expect(await stored()).toEqual(expected(rows));
    });
    it('feeds new rows through the view, every insert counted', async () => {
      const more = [600, 900, 1200].map((s) => ({
        ...rows[0]!,
        bucket: day + s,
        bytes: 7,
        l3_bytes: 6,
        packets: 1,
        samples: 1,
      }));
      for (const r of more) await insert([r]);
      rows.push(...more);
      expect(await stored()).toEqual(expected(rows));
    });
    it('never counts twice when the migration runs again', async () => {
      expect((await h.rerun()).applied).toEqual([opts.file]);
      expect(h.states()).toEqual(['skipped', 'skipped']);
      expect(await stored()).toEqual(expected(rows));
    });
    it('refuses an incomplete copy, and copies again into an emptied table', async () => {
      await h.expectIncompleteCopyRefused(opts.table, opts.truncateWhere);
      expect(await stored()).toEqual(expected(rows));
    });
  });
}
