/**
 * Migration 0011 (member_io_5m) against real embedded ClickHouse (chDB): rows already in
 * member_traffic_5m are copied once, both directions per member; re-applying the migration never counts
 * twice; an incomplete copy (an interrupted backfill) is refused; new rows arrive through the cascading view.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Storage } from '../../src/storage/clickhouse/client.js';
import { backfillHarness, type BackfillHarness } from '../helpers/backfill-migration.js';

const FILE = '0011_create_member_io_5m.sql';
let h: BackfillHarness;
let storage: Storage;

beforeAll(async () => {
  h = await backfillHarness(FILE);
  storage = h.storage;
});
afterAll(async () => {
  await h?.close();
});

const day = Date.UTC(2025, 10, 30) / 1000; // two months: November and December 2025
type Row = { bucket: number; src_asn: number; dst_asn: number; ip_version: number; bytes: number; l3_bytes: number; packets: number; samples: number };
const ROWS: Row[] = [
  { bucket: day, src_asn: 64500, dst_asn: 64501, ip_version: 4, bytes: 1000, l3_bytes: 900, packets: 10, samples: 2 },
  { bucket: day, src_asn: 64501, dst_asn: 64500, ip_version: 6, bytes: 700, l3_bytes: 600, packets: 7, samples: 1 },
  { bucket: day + 300, src_asn: 64500, dst_asn: 64500, ip_version: 4, bytes: 50, l3_bytes: 40, packets: 1, samples: 1 }, // self-traffic
  { bucket: day + 86_400, src_asn: 0, dst_asn: 64500, ip_version: 4, bytes: 30, l3_bytes: 20, packets: 1, samples: 1 }, // unknown sender
  { bucket: day + 86_400, src_asn: 64502, dst_asn: 64501, ip_version: 4, bytes: 2 ** 40, l3_bytes: 2 ** 39, packets: 2 ** 30, samples: 9 },
];

/** What member_io_5m must hold: per (asn, peer) in/out bytes and samples, from the rows. */
function expected(rows: Row[]): string[] {
  const acc = new Map<string, [number, number, number, number]>();
  const add = (asn: number, peer: number, k: 0 | 2, r: Row) => {
    const key = `${asn}/${peer}`;
    const v = acc.get(key) ?? [0, 0, 0, 0];
    v[k] += r.bytes;
    v[k + 1] += r.samples;
    acc.set(key, v);
  };
  for (const r of rows) {
    add(r.src_asn, r.dst_asn, 0, r);
    add(r.dst_asn, r.src_asn, 2, r);
  }
  return [...acc].map(([k, v]) => `${k} ${v.join(' ')}`).sort();
}

async function stored(): Promise<string[]> {
  const rs = await storage.client.query({
    query: `SELECT asn, peer_asn, toString(sum(in_bytes)) AS ib, toString(sum(in_samples)) AS isa, toString(sum(out_bytes)) AS ob, toString(sum(out_samples)) AS osa
            FROM member_io_5m GROUP BY asn, peer_asn`,
    format: 'JSONEachRow',
  });
  return (await rs.json<Record<string, string | number>>()).map((r) => `${r.asn}/${r.peer_asn} ${r.ib} ${r.isa} ${r.ob} ${r.osa}`).sort();
}

describe('member_io_5m migration', () => {
  it('copies the rows already stored, once, in both directions', async () => {
    expect((await h.migrate()).applied).toHaveLength(10);
    await storage.client.insert({ table: 'member_traffic_5m', values: ROWS, format: 'JSONEachRow' });
    h.addFile();
    expect((await h.migrate()).applied).toEqual([FILE]);
    expect(await stored()).toEqual(expected(ROWS));
    // self-traffic is both sent and received by the member, on one row once merged
    expect((await stored()).find((r) => r.startsWith('64500/64500 '))).toBe('64500/64500 50 1 50 1');
  });

  it('feeds new member_traffic_5m rows through the cascading view', async () => {
    const more = [{ ...ROWS[0]!, bucket: day + 600, bytes: 5, samples: 1 }];
    await storage.client.insert({ table: 'member_traffic_5m', values: more, format: 'JSONEachRow' });
    expect(await stored()).toEqual(expected([...ROWS, ...more]));
    ROWS.push(...more);
  });

  it('never counts twice when the migration runs again', async () => {
    expect((await h.rerun()).applied).toEqual([FILE]);
    expect(await stored()).toEqual(expected(ROWS));
  });

  it('refuses an incomplete copy, and copies again into an emptied table', async () => {
    await h.expectIncompleteCopyRefused('member_io_5m', 'asn = 64501');
    expect(await stored()).toEqual(expected(ROWS));
  });
});
