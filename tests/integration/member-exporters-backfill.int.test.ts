/**
 * Migration 0020 (member_exporters_1d: the exporters that saw each member's MACs as a source, per UTC day;
 * the `learned` basis of per-member coverage) against real embedded ClickHouse: flows already in flows_raw
 * are counted once; re-applying never counts twice; an incomplete copy is refused; new flows arrive
 * through the materialized view. Only MAC-attributed senders (src_attr 'mac', src_asn ≠ 0) count.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Storage } from '../../src/storage/clickhouse/client.js';
import { backfillHarness, type BackfillHarness } from '../helpers/backfill-migration.js';

const FILE = '0020_create_member_exporters_1d.sql';
let h: BackfillHarness;
let storage: Storage;
beforeAll(async () => {
  h = await backfillHarness(FILE);
  storage = h.storage;
});
afterAll(async () => {
  await h?.close();
});

const now = Date.now();
type Flow = { exporter: string; src_asn: number; src_attr: string; at: number };
const FLOWS: Flow[] = [
  { exporter: '::ffff:10.0.0.1', src_asn: 64500, src_attr: 'mac', at: now - 3 * 86_400_000 },
  { exporter: '::ffff:10.0.0.1', src_asn: 64500, src_attr: 'mac', at: now - 3 * 86_400_000 + 1000 },
  { exporter: '::ffff:10.0.0.2', src_asn: 64500, src_attr: 'mac', at: now - 86_400_000 },
  { exporter: '::ffff:10.0.0.2', src_asn: 64501, src_attr: 'port', at: now - 86_400_000 }, // not by MAC: not learned
  { exporter: '::ffff:10.0.0.3', src_asn: 0, src_attr: 'none', at: now - 86_400_000 },
];

const insertFlows = (rows: Flow[]) =>
  storage.client.insert({
    table: 'flows_raw',
    format: 'JSONEachRow',
    values: rows.map((r) => ({
      received_at: r.at,
      flow_start: r.at,
      flow_end: r.at,
      protocol: 'sflow',
      exporter: r.exporter,
      src_asn: r.src_asn,
      src_attr: r.src_attr,
      dst_attr: 'none',
      src_addr: '::',
      dst_addr: '::',
      packets: 1,
      frame_octets: 100,
      sampling_rate: 1,
    })),
  });

function expected(rows: Flow[]): string[] {
  const acc = new Map<string, number>();
  for (const r of rows) {
    if (r.src_attr !== 'mac' || r.src_asn === 0) continue;
    const k = `${new Date(r.at).toISOString().slice(0, 10)} ${r.src_asn} ${r.exporter}`;
    acc.set(k, (acc.get(k) ?? 0) + 1);
  }
  return [...acc].map(([k, n]) => `${k} ${n}`).sort();
}

async function stored(): Promise<string[]> {
  const rs = await storage.client.query({
    query:
      'SELECT toString(day) AS d, asn, IPv6NumToString(exporter) AS e, toString(sum(flows)) AS n FROM member_exporters_1d GROUP BY day, asn, exporter',
    format: 'JSONEachRow',
  });
  return (await rs.json<Record<string, string>>()).map((r) => `${r.d} ${r.asn} ${r.e} ${r.n}`).sort();
}

describe('member_exporters_1d migration', () => {
  it('counts the flows already stored, once, per UTC day, member and exporter', async () => {
    await h.migrate();
    await insertFlows(FLOWS);
    h.addFile();
    expect((await h.migrate()).applied).toEqual([FILE]);
    expect(await stored()).toEqual(expected(FLOWS));
    expect(await stored()).toHaveLength(2);
  });

  it('learns new flows through the materialized view', async () => {
    const more: Flow[] = [
      { exporter: '::ffff:10.0.0.9', src_asn: 64502, src_attr: 'mac', at: now },
      { exporter: '::ffff:10.0.0.9', src_asn: 64502, src_attr: 'ip', at: now },
    ];
    await insertFlows(more);
    FLOWS.push(...more);
    expect(await stored()).toEqual(expected(FLOWS));
  });

  it('never counts twice when the migration runs again, and refuses an incomplete copy', async () => {
    expect((await h.rerun()).applied).toEqual([FILE]);
    expect(await stored()).toEqual(expected(FLOWS));
    await h.expectIncompleteCopyRefused('member_exporters_1d', 'asn = 64502');
    expect(await stored()).toEqual(expected(FLOWS));
  });
});
