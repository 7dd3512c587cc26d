/** The decode thread consumes the ring: exporters by id, datagrams → rows, DROPPED → per-exporter `queue_full`. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildPool } from '../../tests/bench/udp-blaster.js';
import { createDatagramRing, RecordKind, RingWriter } from './datagram-ring.js';
import { createDecodeThread } from './decode-thread.js';
import type { DecodeToMain } from './protocol.js';

describe('decode thread', () => {
  it('decodes every queued datagram of its exporter and books announced drops as queue_full', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ixm-decode-'));
    try {
      const ring = createDatagramRing(1 << 20);
      const w = new RingWriter(ring);
      const pool = buildPool('sflow');
      const enc = new TextEncoder();
      w.write(RecordKind.EXPORTER, 0, 0, 0, 0, enc.encode('::ffff:192.0.2.7'));
      const now = Date.now();
      for (let i = 0; i < 10; i++) w.write(RecordKind.DATAGRAM, 0, 6343, 2, now, pool.data[i]!.bytes);
      w.write(RecordKind.DROPPED, 0, 0, 0, now, null, 42);
      const out: DecodeToMain[] = [];
      const t = createDecodeThread(
        {
          collectorId: 'ctest',
          nice: null,
          batchRows: 1_000,
          batchMaxWaitMs: 50,
          samplingOverrides: undefined,
          samplingDefaults: undefined,
          templateHoldMs: 1_000,
          statePath: join(dir, 'state.json'),
          statsIntervalMs: 60_000,
          assignments: [],
          security: null,
          ring,
        },
        (m) => out.push(m),
      );
      t.start();
      await new Promise((r) => setTimeout(r, 100));
      expect((await t.stop()).statePersisted).toBe(true);
      const rows = out.reduce(
        (s, m) => s + (m.type === 'batch' && m.batch.table === 'flows_raw' ? m.batch.rows : 0),
        0,
      );
      expect(rows).toBe(80); // 8 flow samples per datagram
      const stats = out.filter((m) => m.type === 'stats').at(-1);
      // sFlow: the exporter is the agent in the datagram (10.255.0.1), not its UDP source; datagrams dropped
      // before decoding are booked under the UDP source (their agent is inside them).
      const find = (a: string) => (stats?.type === 'stats' ? stats.exporters.find((x) => x.exporter === a) : undefined);
      expect(find('10.255.0.1')).toMatchObject({ datagrams: 10, flows: 80, udpSource: '192.0.2.7' });
      expect(find('192.0.2.7')).toMatchObject({ datagrams: 0, errors: { queue_full: 42 } });
      const activity = out.flatMap((m) =>
        m.type === 'batch' && m.batch.table === 'exporter_activity_5m'
          ? String(m.batch.body)
              .split('\n')
              .map((l) => JSON.parse(l) as unknown[])
          : [],
      );
      expect(activity.map((r) => [r[1], r[2]])).toEqual([['10.255.0.1', 10]]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
