/** Port reconciliation on real chDB: counter deltas (with a reset) vs flow estimates per port and day. */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COUNTER_COLUMNS, FLOW_COLUMNS } from '../../collectors/pipeline/rows.js';
import { openMigratedStorage } from '../../src/runtime/storage-setup.js';
import { createReconciliationRepository } from '../../src/ports/reconciliation.repository.js';
import { createReconciliationService, hintFor } from '../../src/ports/reconciliation.service.js';
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

const DAY = Date.UTC(2026, 10, 20, 0, 0, 0); // 08:00 in Asia/Shanghai, same local day for the whole test
const counters = (t: number, ifIndex: number, inOct: number, outOct: number) => {
  const v: Record<string, unknown> = {
    received_at: t,
    exporter: '192.0.2.1',
    agent: '192.0.2.1',
    if_index: ifIndex,
    if_speed: 10_000_000_000,
    in_octets: inOct,
    out_octets: outOct,
  };
  return JSON.stringify(COUNTER_COLUMNS.map((c) => v[c] ?? 0));
};
const flow = (t: number, inIf: number, outIf: number, frame: number, rate: number) => {
  const v: Record<string, unknown> = {
    received_at: t,
    flow_start: 0,
    flow_end: 0,
    protocol: 'sflow-v5',
    exporter: '192.0.2.1',
    src_addr: '::',
    dst_addr: '::',
    in_if: inIf,
    out_if: outIf,
    packets: 1,
    l3_octets: frame - 18,
    frame_octets: frame,
    sampling_rate: rate,
    sampling_source: 'sflow',
    src_attr: 'none',
    dst_attr: 'none',
  };
  return JSON.stringify(FLOW_COLUMNS.map((c) => v[c] ?? 0));
};

describe('port reconciliation', () => {
  it('compares counter deltas with flow estimates and flags double sampling', async () => {
    const m = 60_000;
    // Port 10: 1,000,000 octets in over the day with a counter reset in between; flows estimate the same.
    // Port 11: counters 1,000,000 out, flows estimate 2,000,000 (sampled on ingress and egress).
    const rows = [
      counters(DAY + 1 * m, 10, 5_000_000, 0),
      counters(DAY + 6 * m, 10, 5_600_000, 0),
      counters(DAY + 11 * m, 10, 100_000, 0),
      counters(DAY + 16 * m, 10, 500_000, 0),
      counters(DAY + 1 * m, 11, 0, 7_000_000),
      counters(DAY + 16 * m, 11, 0, 8_000_000),
    ];
    await storage.client.command({
      query: `INSERT INTO interface_counters_raw (${COUNTER_COLUMNS.join(',')}) FORMAT JSONCompactEachRow\n${rows.join('\n')}`,
    });
    const flows = [
      flow(DAY + 2 * m, 10, 11, 1000, 500),
      flow(DAY + 7 * m, 10, 11, 1000, 500),
      flow(DAY + 8 * m, 10, 11, 1000, 1000),
      flow(DAY + 9 * m, 12, 11, 1000, 1000),
    ];
    await storage.client.command({
      query: `INSERT INTO flows_raw (${FLOW_COLUMNS.join(',')}) FORMAT JSONCompactEachRow\n${flows.join('\n')}`,
    });
    const svc = createReconciliationService(createReconciliationRepository(storage.client), 'Asia/Shanghai', 5);
    const ports = await svc.ports(DAY - 3600_000, DAY + 24 * 3600_000);
    const p10 = ports.find((p) => p.if_index === 10)!;
    // counter: +600,000, reset (skipped), +400,000 = 1,000,000; flows: 500*1000 + 500*1000 + 1000*1000 = 2,000,000 → see below
    expect(p10).toMatchObject({
      exporter: '192.0.2.1',
      day: '2026-11-20',
      counter_in_bytes: '1000000',
      flow_in_bytes: '2000000',
      in_diff_pct: 100,
      flagged: true,
    });
    expect(p10.hint).toMatch(/ingress and egress/);
    const p11 = ports.find((p) => p.if_index === 11)!;
    expect(p11).toMatchObject({ counter_out_bytes: '1000000', flow_out_bytes: '3000000', flagged: true });
  });

  it('explains differences', () => {
    expect(hintFor(-60, 0)).toMatch(/throttled/);
    expect(hintFor(null, null)).toMatch(/no counter data/);
    expect(hintFor(10, 2)).toMatch(/sampling rate/);
  });
});
