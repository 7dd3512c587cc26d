/**
 * Exporter liveness (exporter_activity_5m) and identity, through the live collector: a templates-only
 * IPFIX exporter and counters-only sFlow agents are alive in the bucket their datagrams arrived in;
 * two sFlow agents behind one UDP source (NAT, relay) are two exporters, keyed on the agent address in
 * flows_raw, exporter stats and liveness — the UDP source is not an exporter.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ipfixPacket, templateSet, type FieldSpec } from '../../collectors/decoders/netflow/testing/encode.js';
import {
  counterSample,
  datagram,
  ethernet,
  flowSample,
  genericCounters,
  ipv4,
  rawHeader,
  udp,
} from '../../collectors/decoders/sflow/testing/encode.js';
import { createExporterActivityRepository } from '../../src/exporters/exporter-activity.repository.js';
import { tempDir } from '../helpers/env.js';
import { queryOne, sendDatagrams, startTestService, waitFor, type TestService } from '../helpers/in-process.js';

const dir = tempDir();
let t: TestService;
beforeAll(async () => {
  t = await startTestService(dir.path);
});
afterAll(async () => {
  await t?.svc.stop();
  dir.cleanup();
});

const FIELDS: FieldSpec[] = [
  { id: 8, len: 4 },
  { id: 12, len: 4 },
  { id: 2, len: 4 },
  { id: 1, len: 4 },
  { id: 61, len: 1 },
];

function counters(agent: string, seq: number): Uint8Array {
  return datagram({
    agent,
    sequence: seq,
    samples: [
      counterSample({
        sequence: seq,
        sourceIndex: 3,
        records: [genericCounters({ ifIndex: 3, ifInOctets: 1000 * seq })],
      }),
    ],
  });
}
function flows(agent: string, seq: number, n: number): Uint8Array {
  const frame = ethernet({
    dst: '02:00:00:00:00:02',
    src: '02:00:00:00:00:01',
    etherType: 0x0800,
    payload: ipv4({
      src: '192.0.2.1',
      dst: '192.0.2.2',
      proto: 17,
      payload: udp({ srcPort: 1, dstPort: 2, payloadLength: 100 }),
    }),
  });
  const samples = Array.from({ length: n }, (_, i) =>
    flowSample({
      sequence: seq * 100 + i,
      sourceIndex: 5,
      samplingRate: 1000,
      input: 5,
      output: 6,
      records: [rawHeader(frame)],
    }),
  );
  return datagram({ agent, sequence: seq, samples });
}

async function activity(): Promise<Array<{ e: string; n: string }>> {
  const rs = await t.svc.storage.client.query({
    query: `SELECT IPv6NumToString(exporter) AS e, toString(sum(datagrams)) AS n FROM exporter_activity_5m
            WHERE bucket = toStartOfFiveMinutes(now('UTC')) OR bucket = toStartOfFiveMinutes(now('UTC') - 60) GROUP BY exporter ORDER BY e`,
    format: 'JSONEachRow',
  });
  return rs.json();
}

describe('exporter liveness and sFlow identity', () => {
  it('a templates-only and a counters-only exporter are alive; agents behind one UDP source stay distinct', async () => {
    await sendDatagrams(
      t.port,
      [ipfixPacket({ domain: 1, seq: 0 }, [templateSet(10, [{ id: 400, fields: FIELDS }])])],
      { from: '127.0.0.21' },
    );
    await sendDatagrams(
      t.port,
      [counters('10.9.9.1', 1), counters('10.9.9.2', 1), counters('10.9.9.1', 2), flows('10.9.9.2', 2, 3)],
      { from: '127.0.0.22' },
    );
    await waitFor(async () => (await activity()).length === 3, 15_000, 'three exporters in exporter_activity_5m');
    expect(await activity()).toEqual([
      { e: '::ffff:10.9.9.1', n: '2' },
      { e: '::ffff:10.9.9.2', n: '2' },
      { e: '::ffff:127.0.0.21', n: '1' },
    ]);
    // The repository the coverage computation reads: exporters named as flows_raw/exporter stats name them.
    const repo = createExporterActivityRepository(t.svc.storage.client);
    const from = Date.now() - 3600_000,
      to = Date.now() + 600_000;
    const alive = await repo.alive(from, to);
    const byExporter: Record<string, number> = {};
    for (const r of alive) byExporter[r.exporter] = (byExporter[r.exporter] ?? 0) + r.datagrams; // a bucket boundary may split them
    expect(byExporter).toEqual({ '10.9.9.1': 2, '10.9.9.2': 2, '127.0.0.21': 1 });
    expect(alive.every((r) => r.bucketMs % 300_000 === 0 && r.bucketMs <= Date.now())).toBe(true);
    expect([...new Set((await repo.alive(from, to, ['10.9.9.2'])).map((r) => r.exporter))]).toEqual(['10.9.9.2']);
    expect([...(await repo.lastAlive(from)).keys()].sort()).toEqual(['10.9.9.1', '10.9.9.2', '127.0.0.21']);
    const f = await queryOne<{ n: string; e: string; dom: number }>(
      t.svc,
      "SELECT toString(count()) AS n, IPv6NumToString(any(exporter)) AS e, any(observation_domain) AS dom FROM flows_raw WHERE exporter != toIPv6('::ffff:127.0.0.21')",
    );
    expect(f).toMatchObject({ n: '3', e: '::ffff:10.9.9.2' });
    const c = await queryOne<{ n: string }>(
      t.svc,
      "SELECT toString(count()) AS n FROM interface_counters_raw WHERE exporter = toIPv6('10.9.9.1') AND agent = toIPv6('10.9.9.1')",
    );
    expect(c.n).toBe('2');

    type Ex = { address: string; packets: number; flows: number; counter_samples: number; udp_source: string | null };
    let list: Ex[] = [];
    await waitFor(
      async () => {
        const res = await fetch(`${t.svc.url}/api/v1/exporters`, { headers: { authorization: `Bearer ${t.admin}` } });
        list = ((await res.json()) as { exporters: Ex[] }).exporters;
        return list.length === 3;
      },
      10_000,
      'three exporters in /exporters',
    );
    const by = Object.fromEntries(list.map((e) => [e.address, e]));
    expect(Object.keys(by).sort()).toEqual(['10.9.9.1', '10.9.9.2', '127.0.0.21']);
    expect(by['10.9.9.1']).toMatchObject({ packets: 2, counter_samples: 2, flows: 0, udp_source: '127.0.0.22' });
    expect(by['10.9.9.2']).toMatchObject({ packets: 2, counter_samples: 1, flows: 3, udp_source: '127.0.0.22' });
    expect(by['127.0.0.21']).toMatchObject({ packets: 1, flows: 0, udp_source: null });
  }, 60_000);
});
