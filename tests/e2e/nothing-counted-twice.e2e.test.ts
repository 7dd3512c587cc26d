/**
 * Nothing counted twice, through the live collector, against ground truth:
 *  - an IPFIX exporter writing every frame as an ingress record and an egress record (IE 61 = 0 and 1;
 *    written with the encoder, the fixture checked with tshark): stored once, member totals exact,
 *    BOTH_DIRECTIONS reported with the share ignored;
 *  - the same frames sampled by sFlow on a member's edge port of one switch and on the declared core
 *    port (IXMETER_CORE_PORTS) of the next: counted once, the core copies counted as ignored.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dataSet,
  ipfixPacket,
  record,
  templateSet,
  type FieldSpec,
} from '../../collectors/decoders/netflow/testing/encode.js';
import {
  datagram,
  ethernet,
  flowSample,
  ipv4,
  rawHeader,
  udp,
} from '../../collectors/decoders/sflow/testing/encode.js';
import { writeDatagramPcap } from '../helpers/exporters.js';
import { tempDir } from '../helpers/env.js';
import { queryOne, sendDatagrams, startTestService, waitFor, type TestService } from '../helpers/in-process.js';
import { ixfDoc } from '../helpers/ixf.js';

const dir = tempDir();
let t: TestService;
beforeAll(async () => {
  t = await startTestService(dir.path, { IXMETER_CORE_PORTS: '10.9.8.2:49,[2001:db8::99]:1' });
});
afterAll(async () => {
  await t?.svc.stop();
  dir.cleanup();
});

const api = async (method: string, path: string, body?: unknown) => {
  const r = await fetch(`${t.svc.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${t.admin}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
};
type Ex = {
  address: string;
  flows: number;
  ignored_records: Record<string, number>;
  problems: Array<{ code: string; message: string }>;
};
const exporters = async (): Promise<Ex[]> => (await api('GET', '/exporters')).body.exporters as Ex[];

const MAC_A = '02:00:00:00:00:0a',
  MAC_B = '02:00:00:00:00:0b';
// IPFIX: src/dst IPv4, octets, packets, src/dst MAC, VLAN, flowDirection (IE 61).
const FIELDS: FieldSpec[] = [
  { id: 8, len: 4 },
  { id: 12, len: 4 },
  { id: 1, len: 8 },
  { id: 2, len: 8 },
  { id: 56, len: 6 },
  { id: 80, len: 6 },
  { id: 58, len: 2 },
  { id: 61, len: 1 },
];
const FRAMES = Array.from({ length: 60 }, (_, i) => ({ packets: 1 + (i % 7), octets: (1 + (i % 7)) * (64 + 17 * i) }));

describe('nothing counted twice', () => {
  it('imports two members (A on switch 1, B on switch 2)', async () => {
    const imp = await api(
      'POST',
      '/members/import',
      ixfDoc([
        { asn: 64601, macs: [MAC_A] },
        { asn: 64602, macs: [MAC_B] },
      ]),
    );
    expect(imp.status, JSON.stringify(imp.body)).toBe(200);
    await new Promise((r) => setTimeout(r, 1000)); // the collector reloads its keys
  });

  it('an exporter sending each frame as ingress and egress: stored once, exact, BOTH_DIRECTIONS with the share', async () => {
    let seq = 0;
    const datagrams: Uint8Array[] = [];
    for (let i = 0; i < FRAMES.length; i += 10) {
      const recs = FRAMES.slice(i, i + 10).flatMap((f) =>
        [0, 1].map((dir) => record(FIELDS, ['192.0.2.10', '192.0.2.11', f.octets, f.packets, MAC_A, MAC_B, 10, dir])),
      );
      datagrams.push(
        ipfixPacket({ domain: 3, seq, exportTime: Math.floor(Date.now() / 1000) }, [
          templateSet(10, [{ id: 310, fields: FIELDS }]),
          dataSet(310, recs),
        ]),
      );
      seq += recs.length;
    }
    // The fixture is real IPFIX: tshark decodes every record with its flowDirection.
    const pcap = join(dir.path, 'both-directions.pcap');
    writeDatagramPcap(
      pcap,
      datagrams.map((payload) => ({ receivedAtMs: Date.now(), exporter: '127.0.0.51', exporterPort: 4739, payload })),
      4739,
    );
    if (existsSync('/usr/bin/tshark')) {
      const out = execFileSync(
        '/usr/bin/tshark',
        [
          '-n',
          '-r',
          pcap,
          '-d',
          'udp.port==4739,cflow',
          '-T',
          'fields',
          '-E',
          'aggregator=,',
          '-E',
          'occurrence=a',
          '-e',
          'cflow.direction',
        ],
        { encoding: 'utf8' },
      );
      const dirs = out
        .split('\n')
        .filter(Boolean)
        .flatMap((l) => l.split(','));
      expect(dirs.filter((d) => d === '0')).toHaveLength(FRAMES.length);
      expect(dirs.filter((d) => d === '1')).toHaveLength(FRAMES.length);
    }
    await sendDatagrams(t.port, datagrams, { from: '127.0.0.51' });
    const truth = {
      n: FRAMES.length,
      packets: FRAMES.reduce((a, f) => a + f.packets, 0),
      frame: FRAMES.reduce((a, f) => a + f.octets + 22 * f.packets, 0),
    };
    const q = async () =>
      queryOne<{ n: string; p: string; b: string; dirs: number[] }>(
        t.svc,
        "SELECT toString(count()) AS n, toString(sum(packets)) AS p, toString(sum(frame_octets)) AS b, groupUniqArray(direction) AS dirs FROM flows_raw WHERE exporter = toIPv6('::ffff:127.0.0.51')",
      );
    await waitFor(async () => (await q()).n === String(truth.n), 15_000, 'the ingress records stored');
    await new Promise((r) => setTimeout(r, 500));
    expect(await q()).toEqual({ n: String(truth.n), p: String(truth.packets), b: String(truth.frame), dirs: [0] });
    const m = await queryOne<{ b: string; p: string }>(
      t.svc,
      'SELECT toString(sum(bytes)) AS b, toString(sum(packets)) AS p FROM member_traffic_5m WHERE src_asn = 64601 AND dst_asn = 64602',
    );
    expect(m).toEqual({ b: String(truth.frame), p: String(truth.packets) });
    let ex: Ex | undefined;
    await waitFor(
      async () => (ex = (await exporters()).find((e) => e.address === '127.0.0.51'))?.flows === 2 * truth.n,
      10_000,
      'the exporter snapshot',
    );
    expect(ex!.ignored_records).toEqual({ both_directions: truth.n });
    const p = ex!.problems.find((x) => x.code === 'BOTH_DIRECTIONS');
    expect(p?.message).toMatch(/observation domain 3.*60 of 120 records \(50\.0 %\) ignored/);
  });

  it('the same frames sampled on a member port and on a declared core port: counted once', async () => {
    const frame = ethernet({
      dst: MAC_B,
      src: MAC_A,
      vlans: [10],
      etherType: 0x0800,
      payload: ipv4({
        src: '192.0.2.10',
        dst: '192.0.2.11',
        proto: 17,
        payload: udp({ srcPort: 5000, dstPort: 53, payloadLength: 400 }),
      }),
    });
    const N = 40;
    const sample = (agent: string, inIf: number, outIf: number, seq: number) =>
      datagram({
        agent,
        sequence: seq,
        samples: Array.from({ length: 4 }, (_, i) =>
          flowSample({
            sequence: seq * 4 + i,
            sourceIndex: inIf,
            samplingRate: 512,
            samplePool: (seq * 4 + i) * 512,
            input: inIf,
            output: outIf,
            records: [rawHeader(frame)],
          }),
        ),
      });
    // Switch 1 (agent 10.9.8.1): member A's edge port 3 → core port 50. Switch 2 (10.9.8.2): core port 49 in → B's port 4.
    const edge = Array.from({ length: N / 4 }, (_, i) => sample('10.9.8.1', 3, 50, i + 1));
    const core = Array.from({ length: N / 4 }, (_, i) => sample('10.9.8.2', 49, 4, i + 1));
    await sendDatagrams(t.port, [...edge, ...core], { from: '127.0.0.52' });
    const q = async () =>
      queryOne<{ n: string; b: string; e: string[] }>(
        t.svc,
        "SELECT toString(count()) AS n, toString(sum(frame_octets * sampling_rate)) AS b, groupUniqArray(IPv6NumToString(exporter)) AS e FROM flows_raw WHERE exporter IN (toIPv6('10.9.8.1'), toIPv6('10.9.8.2'))",
      );
    await waitFor(async () => (await q()).n === String(N), 15_000, 'the edge samples stored');
    let ex: Ex[] = [];
    await waitFor(
      async () => (ex = await exporters()).find((e) => e.address === '10.9.8.2')?.flows === N,
      10_000,
      'the core exporter snapshot',
    );
    const frameLen = frame.length + 4; // sFlow frame_length includes the FCS
    expect(await q()).toEqual({ n: String(N), b: String(N * frameLen * 512), e: ['::ffff:10.9.8.1'] });
    expect(ex.find((e) => e.address === '10.9.8.2')!.ignored_records).toEqual({ core_port: N });
    expect(ex.find((e) => e.address === '10.9.8.1')!.ignored_records).toEqual({});
    // Member A's sent bytes: the IPFIX frames of the previous test once, plus these frames once (not twice).
    const ipfix = FRAMES.reduce((a, f) => a + f.octets + 22 * f.packets, 0);
    const io = await queryOne<{ o: string }>(
      t.svc,
      'SELECT toString(sum(in_bytes)) AS o FROM member_io_5m WHERE asn = 64601 AND peer_asn = 64602',
    );
    expect(io.o).toBe(String(ipfix + N * frameLen * 512));
  });
});
