/**
 * Migration 0011 (member_io_5m) against real embedded ClickHouse (chDB): rows already in
 * member_traffic_5m are copied once, both directions per member; re-applying the migration never counts
 * twice; an incomplete copy (an interrupted backfill) is refused; new rows arrive through the cascading view.
 */
import { expect } from 'vitest';
import type { Storage } from '../../src/storage/clickhouse/client.js';
import { describeBackfill, type MemberTraffic5mRow as Row } from '../helpers/backfill-migration.js';

const day = Date.UTC(2025, 10, 30) / 1000; // two months: November and December 2025
const ROWS: Row[] = [
  { bucket: day, src_asn: 64500, dst_asn: 64501, ip_version: 4, bytes: 1000, l3_bytes: 900, packets: 10, samples: 2 },
  { bucket: day, src_asn: 64501, dst_asn: 64500, ip_version: 6, bytes: 700, l3_bytes: 600, packets: 7, samples: 1 },
  { bucket: day + 300, src_asn: 64500, dst_asn: 64500, ip_version: 4, bytes: 50, l3_bytes: 40, packets: 1, samples: 1 }, // self-traffic
  { bucket: day + 86_400, src_asn: 0, dst_asn: 64500, ip_version: 4, bytes: 30, l3_bytes: 20, packets: 1, samples: 1 }, // unknown sender
  {
    bucket: day + 86_400,
    src_asn: 64502,
    dst_asn: 64501,
    ip_version: 4,
    bytes: 2 ** 40,
    l3_bytes: 2 ** 39,
    packets: 2 ** 30,
    samples: 9,
  },
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

async function stored(storage: Storage): Promise<string[]> {
  const rs = await storage.client.query({
    query: `SELECT asn, peer_asn, toString(sum(in_bytes)) AS ib, toString(sum(in_samples)) AS isa, toString(sum(out_bytes)) AS ob, toString(sum(out_samples)) AS osa
            FROM member_io_5m GROUP BY asn, peer_asn`,
    format: 'JSONEachRow',
  });
  return (await rs.json<Record<string, string | number>>())
    .map((r) => `${r.asn}/${r.peer_asn} ${r.ib} ${r.isa} ${r.ob} ${r.osa}`)
    .sort();
}

describeBackfill({
  name: 'member_io_5m migration',
  file: '0011_create_member_io_5m.sql',
  migrationsBefore: 10,
  copies: 'copies the rows already stored, once, in both directions',
  rows: ROWS,
  more: [{ ...ROWS[0]!, bucket: day + 600, bytes: 5, samples: 1 }],
  stored,
  expected,
  // self-traffic is both sent and received by the member, on one row once merged
  afterCopy: (rows) => expect(rows.find((r) => r.startsWith('64500/64500 '))).toBe('64500/64500 50 1 50 1'),
  interrupted: { table: 'member_io_5m', where: 'asn = 64501' },
});
