/**
 * Migration 0012 (member_traffic_1h) against real embedded ClickHouse (chDB): rows already in
 * member_traffic_5m are copied once, summed per UTC hour; re-applying the migration never counts twice; an
 * incomplete copy (an interrupted backfill) is refused; new rows arrive through the cascading view, and
 * separate inserts whose hourly rows look alike are all counted (no false deduplication).
 */
import { expect } from 'vitest';
import type { Storage } from '../../src/storage/clickhouse/client.js';
import { describeBackfill, type MemberTraffic5mRow as Row } from '../helpers/backfill-migration.js';

const H = 3600;
const last = Date.UTC(2025, 10, 30, 23) / 1000; // the last hour of November 2025; the next one is in December
const ROWS: Row[] = [
  { bucket: last, src_asn: 64500, dst_asn: 64501, ip_version: 4, bytes: 1000, l3_bytes: 900, packets: 10, samples: 2 },
  {
    bucket: last + 300,
    src_asn: 64500,
    dst_asn: 64501,
    ip_version: 4,
    bytes: 1000,
    l3_bytes: 900,
    packets: 10,
    samples: 2,
  },
  {
    bucket: last + 3300,
    src_asn: 64500,
    dst_asn: 64501,
    ip_version: 6,
    bytes: 700,
    l3_bytes: 600,
    packets: 7,
    samples: 1,
  },
  { bucket: last + H, src_asn: 64500, dst_asn: 64501, ip_version: 4, bytes: 5, l3_bytes: 4, packets: 1, samples: 1 }, // December
  {
    bucket: last + 2 * H + 600,
    src_asn: 64500,
    dst_asn: 64500,
    ip_version: 4,
    bytes: 50,
    l3_bytes: 40,
    packets: 1,
    samples: 1,
  }, // self-traffic
  {
    bucket: last + 2 * H + 900,
    src_asn: 0,
    dst_asn: 64500,
    ip_version: 4,
    bytes: 30,
    l3_bytes: 20,
    packets: 1,
    samples: 1,
  }, // unknown sender
  {
    bucket: last + 30 * H,
    src_asn: 64502,
    dst_asn: 64501,
    ip_version: 4,
    bytes: 2 ** 40,
    l3_bytes: 2 ** 39,
    packets: 2 ** 30,
    samples: 9,
  },
];

/** What member_traffic_1h must hold: per (hour, src, dst, ip version) the four sums, from the rows. */
function expected(rows: Row[]): string[] {
  const acc = new Map<string, [number, number, number, number]>();
  for (const r of rows) {
    const key = `${Math.floor(r.bucket / H) * H} ${r.src_asn}>${r.dst_asn} v${r.ip_version}`;
    const v = acc.get(key) ?? [0, 0, 0, 0];
    v[0] += r.bytes;
    v[1] += r.l3_bytes;
    v[2] += r.packets;
    v[3] += r.samples;
    acc.set(key, v);
  }
  return [...acc].map(([k, v]) => `${k} ${v.join(' ')}`).sort();
}

async function stored(storage: Storage): Promise<string[]> {
  const rs = await storage.client.query({
    query: `SELECT toUnixTimestamp(bucket) AS h, src_asn, dst_asn, ip_version, toString(sum(bytes)) AS b, toString(sum(l3_bytes)) AS l3,
                   toString(sum(packets)) AS p, toString(sum(samples)) AS s
            FROM member_traffic_1h GROUP BY h, src_asn, dst_asn, ip_version`,
    format: 'JSONEachRow',
  });
  return (await rs.json<Record<string, string | number>>())
    .map((r) => `${r.h} ${r.src_asn}>${r.dst_asn} v${r.ip_version} ${r.b} ${r.l3} ${r.p} ${r.s}`)
    .sort();
}

describeBackfill({
  name: 'member_traffic_1h migration',
  file: '0012_create_member_traffic_1h.sql',
  migrationsBefore: 11,
  copies: 'copies the rows already stored, once, summed per UTC hour',
  rows: ROWS,
  // Three inserts whose hourly rows are identical (same hour, pair and numbers): none may be taken for a repeat.
  more: [600, 900, 1200].map((s) => ({ ...ROWS[0]!, bucket: last + s, bytes: 7, l3_bytes: 6, packets: 1, samples: 1 })),
  separateInserts: true,
  stored,
  expected,
  // the first two rows share an hour: one hourly row with both
  afterCopy: (rows) =>
    expect(rows.find((r) => r.startsWith(`${last} 64500>64501 v4 `))).toBe(`${last} 64500>64501 v4 2000 1800 20 4`),
  interrupted: { table: 'member_traffic_1h', where: 'src_asn = 64502' },
});
