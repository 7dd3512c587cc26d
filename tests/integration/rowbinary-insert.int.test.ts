/**
 * The embedded insert path for flow batches: RowBinary read through file() with LowCardinality columns as
 * String (collectors/pipeline/rows.ts FLOW_ROW_STRUCTURE). The structure must stay the table's, the rows
 * must land exactly (also in the rollups), a replay must be dropped, and a corrupt batch must be refused
 * permanently (the writer sends it to rejected/, it does not retry it for ever).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickHouseInsert, isPermanentInsertError } from '../../collectors/pipeline/insert.js';
import { FLOW_COLUMNS, FLOW_ROW_STRUCTURE } from '../../collectors/pipeline/rows.js';
import { RowBinaryWriter } from '../../collectors/pipeline/rowbinary.js';
import { createDecoderState, decodeDatagram } from '../../collectors/decoders/decode.js';
import { NO_SAMPLING_POLICY, type FlowRecord } from '../../collectors/decoders/types.js';
import { openMigratedStorage } from '../../src/runtime/storage-setup.js';
import type { Storage } from '../../src/storage/clickhouse/client.js';
import { buildPool } from '../bench/udp-blaster.js';
import { silentLog, tempDir, testConfig } from '../helpers/env.js';

const dir = tempDir();
let storage: Storage;
beforeAll(async () => {
  ({ storage } = await openMigratedStorage(testConfig(join(dir.path, 'd')), silentLog));
});
afterAll(async () => {
  await storage?.close();
  dir.cleanup();
});

async function rows<T>(sql: string): Promise<T[]> {
  const rs = await storage.client.query({ query: sql, format: 'JSONEachRow' });
  return rs.json<T>();
}

function blasterFlows(): FlowRecord[] {
  const state = createDecoderState();
  const out: FlowRecord[] = [];
  const now = Date.now();
  for (const proto of ['sflow', 'netflow-v9'] as const) {
    const pool = buildPool(proto);
    if (pool.template)
      decodeDatagram(
        { receivedAtMs: now, exporter: '192.0.2.1', exporterPort: 1, payload: pool.template.bytes },
        state,
        NO_SAMPLING_POLICY,
      );
    for (const [i, d] of pool.data.entries()) {
      const res = decodeDatagram(
        {
          receivedAtMs: now + i,
          exporter: proto === 'sflow' ? '192.0.2.2' : '2001:db8::1',
          exporterPort: 1,
          payload: d.bytes,
        },
        state,
        NO_SAMPLING_POLICY,
      );
      for (const f of res.flows) {
        f.srcAsn = 64500 + (i % 3);
        f.dstAsn = 64510 + (i % 5);
        f.srcAttr = 'mac';
        f.dstAttr = i % 2 ? 'ip' : 'port';
        out.push(f);
      }
    }
  }
  return out;
}

describe('flow batches through file() (embedded)', () => {
  it('reads rows as the table has them: the structure is flows_raw with LowCardinality as String', async () => {
    const cols = await rows<{ name: string; type: string }>(
      "SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = 'flows_raw' ORDER BY position",
    );
    expect(cols.map((c) => c.name)).toEqual([...FLOW_COLUMNS]);
    expect(cols.map((c) => `${c.name} ${c.type.replace(/^LowCardinality\((.*)\)$/, '$1')}`).join(', ')).toBe(
      FLOW_ROW_STRUCTURE,
    );
  });

  it('stores every field exactly, the rollups follow, a replayed batch is dropped everywhere', async () => {
    const flows = blasterFlows();
    const w = new RowBinaryWriter();
    for (const f of flows) w.flowRow(f);
    const rowsN = w.rows;
    const batch = { id: 'rb-1', table: 'flows_raw', format: 'RowBinary' as const, body: w.take(), rows: rowsN };
    const insert = clickHouseInsert(storage.client);
    await insert(batch);
    await insert(batch);
    const stored = await rows<Record<string, string | number>>(
      'SELECT protocol, toString(exporter) AS exporter, toString(src_addr) AS src, toString(dst_addr) AS dst, src_mac, dst_mac, vlan, src_port, dst_port, frame_octets, sampling_rate, sampling_source, src_asn, dst_asn, src_attr, dst_attr FROM flows_raw ORDER BY received_at, exporter, src_addr, dst_addr, src_port, dst_port',
    );
    expect(stored).toHaveLength(flows.length);
    const v4 = (a: string) => (a.includes(':') ? a : `::ffff:${a}`);
    const expected = flows.map((f) => ({
      protocol: f.protocol,
      exporter: v4(f.exporter),
      src: v4(f.srcAddr),
      dst: v4(f.dstAddr),
      src_mac: f.srcMac,
      dst_mac: f.dstMac,
      vlan: f.vlan,
      src_port: f.srcPort,
      dst_port: f.dstPort,
      frame_octets: f.frameOctets,
      sampling_rate: f.samplingRate,
      sampling_source: f.samplingSource,
      src_asn: f.srcAsn,
      dst_asn: f.dstAsn,
      src_attr: f.srcAttr,
      dst_attr: f.dstAttr,
    }));
    const key = (r: Record<string, unknown>) => JSON.stringify(r);
    const num = (r: Record<string, string | number>) => ({
      ...r,
      src_mac: Number(r.src_mac),
      dst_mac: Number(r.dst_mac),
      frame_octets: Number(r.frame_octets),
    });
    expect(stored.map((r) => key(num(r))).sort()).toEqual(expected.map(key).sort());
    const [m] = await rows<{ n: string; b: string }>(
      'SELECT sum(samples) AS n, sum(bytes) AS b FROM member_traffic_5m',
    );
    expect(Number(m!.n)).toBe(flows.length);
    expect(Number(m!.b)).toBe(flows.reduce((s, f) => s + f.frameOctets * f.samplingRate, 0));
    const [h] = await rows<{ n: string }>('SELECT sum(samples) AS n FROM member_traffic_1h');
    expect(Number(h!.n)).toBe(flows.length);
  });

  it('refuses a corrupt batch with a permanent error', async () => {
    const insert = clickHouseInsert(storage.client);
    const body = new Uint8Array(1000).fill(0xff);
    const err = await insert({ id: 'rb-bad', table: 'flows_raw', format: 'RowBinary', body, rows: 5 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).not.toBeNull();
    expect(isPermanentInsertError(err)).toBe(true);
  });
});
