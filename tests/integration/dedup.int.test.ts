/**
 * A batch inserted twice with the same id (a spool replay after an ambiguous failure) is stored once,
 * in flows_raw AND in every rollup fed by a materialized view, directly or in a cascade (member_io_5m,
 * member_traffic_1h) (measured: without the deduplication window on the rollup tables the repeat is added to them).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickHouseInsert } from '../../collectors/pipeline/insert.js';
import { FLOW_COLUMNS } from '../../collectors/pipeline/rows.js';
import { openMigratedStorage } from '../../src/runtime/storage-setup.js';
import type { Storage } from '../../src/storage/clickhouse/client.js';
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

const row = (i: number) => {
  const v: Record<string, unknown> = {
    received_at: Date.now(),
    protocol: 'ipfix',
    exporter: '192.0.2.9',
    src_addr: '::',
    dst_addr: '::',
    packets: 1,
    l3_octets: 100 + i,
    frame_octets: 118 + i,
    sampling_rate: 1,
    sampling_source: 'record',
    src_asn: 64500,
    dst_asn: 64501,
    src_attr: 'mac',
    dst_attr: 'mac',
  };
  return JSON.stringify(FLOW_COLUMNS.map((c) => v[c] ?? 0));
};

async function n(sql: string): Promise<number> {
  const rs = await storage.client.query({ query: sql, format: 'JSONEachRow' });
  return Number((await rs.json<{ n: string }>())[0]!.n);
}

describe('insert deduplication', () => {
  it('stores a replayed batch once in flows_raw, member_traffic_5m, member_io_5m, member_traffic_1h and collector_activity_5m', async () => {
    const insert = clickHouseInsert(storage.client);
    const batch = {
      id: 'c1-42',
      table: 'flows_raw',
      format: 'JSONCompactEachRow' as const,
      body: [row(1), row(2), row(3)].join('\n'),
      rows: 3,
    };
    await insert(batch);
    await insert(batch);
    await insert({ ...batch, id: 'c1-43', body: [row(4)].join('\n'), rows: 1 });
    expect(await n('SELECT count() AS n FROM flows_raw')).toBe(4);
    expect(await n('SELECT sum(samples) AS n FROM member_traffic_5m')).toBe(4);
    expect(await n('SELECT sum(bytes) AS n FROM member_traffic_5m')).toBe(119 + 120 + 121 + 122);
    expect(await n('SELECT sum(flows) AS n FROM collector_activity_5m')).toBe(4);
    // member_io_5m is fed from member_traffic_5m (a cascade): the repeat is dropped there too, both directions
    expect(await n('SELECT sum(in_samples) AS n FROM member_io_5m WHERE asn = 64500 AND peer_asn = 64501')).toBe(4);
    expect(await n('SELECT sum(out_samples) AS n FROM member_io_5m WHERE asn = 64501 AND peer_asn = 64500')).toBe(4);
    expect(await n('SELECT sum(in_bytes) + sum(out_bytes) AS n FROM member_io_5m')).toBe(2 * (119 + 120 + 121 + 122));
    // member_traffic_1h, the hourly rollup the matrix reads, is fed from member_traffic_5m too
    expect(await n('SELECT sum(samples) AS n FROM member_traffic_1h')).toBe(4);
    expect(await n('SELECT sum(bytes) AS n FROM member_traffic_1h')).toBe(119 + 120 + 121 + 122);
  });
});
