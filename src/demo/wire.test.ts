/**
 * The demo's encoders as test tools: a fabric's datagrams (NetFlow v9, IPFIX, sFlow v5) decode back to
 * the generator's exact totals per member pair with our decoders, and tshark and nfdump (nfcapd over
 * UDP) read the same counts and packet/byte totals from the same datagrams.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDecoderState, decodeDatagram } from '../../collectors/decoders/decode.js';
import { NO_SAMPLING_POLICY, type FlowRecord } from '../../collectors/decoders/types.js';
import { udpDatagramsToPcap } from '../../tests/helpers/traffic-pcap.js';
import { buildFabric, DEMO_SWITCHES, prng, trafficPairs } from './fabric.js';
import {
  attackRecords,
  BUCKET_MS,
  historyBucket,
  liveTick,
  lldpSample,
  NETFLOW_SAMPLING,
  SFLOW_SAMPLING,
  unknownMacSample,
} from './traffic.js';
import { NetflowExporter, SflowAgent, sflowFrameLength, type SampledPacket, type WireFlow } from './wire.js';

const NOW = Date.UTC(2026, 10, 26, 13, 0, 0); // 21:00 in Asia/Shanghai: peak hour
const fabric = buildFabric(8, NOW, 'Asia/Shanghai');
const pairs = trafficPairs(fabric);
const pairKey = (src: number, dst: number) => `${src.toString(16)}>${dst.toString(16)}`;

interface Truth {
  packets: number;
  octets: number;
  records: number;
}
function addTruth(m: Map<string, Truth>, k: string, packets: number, octets: number): void {
  const t = m.get(k) ?? { packets: 0, octets: 0, records: 0 };
  t.packets += packets;
  t.octets += octets;
  t.records += 1;
  m.set(k, t);
}

/** A fabric's worth of traffic: 3 history buckets and 10 live seconds incl. an attack and L2 violations. */
function generate() {
  const r = prng(42);
  const v9 = new NetflowExporter({ version: 9, sourceId: 1, samplingRate: NETFLOW_SAMPLING, bootMs: NOW - 3_600_000 });
  const ipfix = new NetflowExporter({ version: 10, sourceId: 2, samplingRate: NETFLOW_SAMPLING });
  const sflow = new SflowAgent(DEMO_SWITCHES.sflow.exporter, 0, SFLOW_SAMPLING, NOW - 3_600_000);
  const nf: { v9: WireFlow[]; ipfix: WireFlow[] } = { v9: [], ipfix: [] };
  const samples: SampledPacket[] = [];
  const dgrams: { v9: Uint8Array[]; ipfix: Uint8Array[]; sflow: Uint8Array[] } = { v9: [], ipfix: [], sflow: [] };
  for (let b = 0; b < 3; b++) {
    const t = NOW - (3 - b) * BUCKET_MS;
    const h = historyBucket(fabric, pairs, t, r);
    for (const k of ['v9', 'ipfix'] as const) {
      nf[k].push(...h[k]);
      dgrams[k].push(...(k === 'v9' ? v9 : ipfix).datagrams(h[k], t + BUCKET_MS - 500));
    }
  }
  const attacker = fabric.members.find((m) => m.switch === 'v9')!;
  const victim = fabric.members.find((m) => m.type === 'basic_telecom' && m !== attacker) ?? fabric.members[2]!;
  const sflowMember = fabric.members.find((m) => m.switch === 'sflow')!;
  for (let s = 0; s < 50; s++) {
    const t = NOW + s * 200;
    const tk = liveTick(fabric, pairs, t, 200, 1000, r);
    tk.netflow.v9.push(
      ...attackRecords({ attacker, victim, victimIp: '36.42.16.146', startMs: NOW, endMs: NOW + 30_000 }, t, 200, r),
    );
    if (s === 10) tk.sflow.push(lldpSample(sflowMember));
    if (s === 20) tk.sflow.push(unknownMacSample(sflowMember, victim, r));
    for (const k of ['v9', 'ipfix'] as const) {
      nf[k].push(...tk.netflow[k]);
      dgrams[k].push(...(k === 'v9' ? v9 : ipfix).datagrams(tk.netflow[k], t));
    }
    samples.push(...tk.sflow);
    dgrams.sflow.push(...sflow.datagrams(tk.sflow, t));
  }
  return { nf, samples, dgrams };
}

const gen = generate();

describe('demo encoders round-trip through our decoders', () => {
  it('NetFlow v9 and IPFIX: exact packets and octets per member pair, rates from the sampler options', () => {
    for (const kind of ['v9', 'ipfix'] as const) {
      const truth = new Map<string, Truth>();
      for (const f of gen.nf[kind]) addTruth(truth, pairKey(f.srcMac, f.dstMac), f.packets, f.octets);
      const state = createDecoderState();
      const got = new Map<string, Truth>();
      const flows: FlowRecord[] = [];
      let lost = 0;
      for (const payload of gen.dgrams[kind]) {
        const res = decodeDatagram(
          { receivedAtMs: NOW, exporter: DEMO_SWITCHES[kind].exporter, exporterPort: 2055, payload },
          state,
          NO_SAMPLING_POLICY,
        );
        expect(res.stats.errors).toEqual({});
        lost += res.stats.lostDatagrams;
        flows.push(...res.flows);
      }
      expect(lost).toBe(0);
      for (const f of flows) addTruth(got, pairKey(f.srcMac, f.dstMac), f.packets, f.l3Octets);
      expect(flows.length).toBe(gen.nf[kind].length);
      expect(Object.fromEntries(got)).toEqual(Object.fromEntries(truth));
      expect(new Set(flows.map((f) => `${f.samplingRate}/${f.samplingSource}`))).toEqual(
        new Set([`${NETFLOW_SAMPLING}/options`]),
      );
      expect(new Set(flows.map((f) => f.ipVersion))).toEqual(new Set([4, 6]));
      // VLAN tags travel in the record: frame octets = IP octets + 22 per packet.
      for (const f of flows) expect(f.frameOctets).toBe(f.l3Octets + 22 * f.packets);
    }
  });

  it('sFlow v5: one flow per sample, frame lengths and 1:1024 exactly, no lost samples', () => {
    const truth = new Map<string, Truth>();
    for (const p of gen.samples)
      addTruth(truth, pairKey(p.srcMac, p.dstMac), SFLOW_SAMPLING, sflowFrameLength(p) * SFLOW_SAMPLING);
    const state = createDecoderState();
    const got = new Map<string, Truth>();
    let lost = 0;
    let n = 0;
    for (const payload of gen.dgrams.sflow) {
      const res = decodeDatagram(
        { receivedAtMs: NOW, exporter: '127.0.0.1', exporterPort: 6343, payload },
        state,
        NO_SAMPLING_POLICY,
      );
      expect(res.stats.errors).toEqual({});
      lost += res.stats.lostSamples;
      for (const f of res.flows) {
        n++;
        expect(f).toMatchObject({ samplingRate: SFLOW_SAMPLING, samplingSource: 'sflow' });
        addTruth(got, pairKey(f.srcMac, f.dstMac), f.packets * f.samplingRate, f.frameOctets * f.samplingRate);
      }
    }
    expect(lost).toBe(0);
    expect(n).toBe(gen.samples.length);
    expect(Object.fromEntries(got)).toEqual(Object.fromEntries(truth));
    expect(gen.samples.some((p) => p.kind === 'lldp')).toBe(true);
    expect(gen.samples.some((p) => p.vlan === 20 || p.vlan === 10)).toBe(true);
  });
});

// ---- independent decoders --------------------------------------------------------------------

const have = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
const work = mkdtempSync(join(tmpdir(), 'ixmeter-demo-wire-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function pcapOf(dgrams: Uint8Array[], dstPort: number): string {
  const path = join(work, `d-${dstPort}.pcap`);
  writeFileSync(
    path,
    udpDatagramsToPcap(
      dgrams.map((payload, i) => ({
        tsMs: NOW + i,
        srcAddr: '198.18.0.9',
        srcPort: 40000,
        dstAddr: '127.0.0.1',
        dstPort,
        payload,
      })),
    ),
  );
  return path;
}

function tsharkFields(pcap: string, port: number, proto: 'cflow' | 'sflow', fields: string[]): string[][] {
  const args = [
    '-n',
    '-r',
    pcap,
    '-d',
    `udp.port==${port},${proto}`,
    '-T',
    'fields',
    '-E',
    'separator=\t',
    '-E',
    'aggregator=,',
    '-E',
    'occurrence=a',
  ];
  for (const f of fields) args.push('-e', f);
  const out = execFileSync('tshark', args, { encoding: 'utf8', maxBuffer: 256 << 20, timeout: 60_000 });
  return out
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => l.split('\t'));
}
const nums = (s: string | undefined) =>
  s
    ? s
        .split(',')
        .filter((x) => x !== '')
        .map(Number)
    : [];

describe.runIf(have('tshark'))('tshark reads the same datagrams', () => {
  it('NetFlow v9 and IPFIX: record counts and packet/octet totals agree', () => {
    for (const kind of ['v9', 'ipfix'] as const) {
      const port = kind === 'v9' ? 2055 : 4739;
      const rows = tsharkFields(pcapOf(gen.dgrams[kind], port), port, 'cflow', ['cflow.octets', 'cflow.packets']);
      let records = 0,
        packets = 0,
        octets = 0;
      for (const c of rows) {
        const oc = nums(c[0]);
        const pk = nums(c[1]);
        records += oc.length;
        octets += oc.reduce((a, b) => a + b, 0);
        packets += pk.reduce((a, b) => a + b, 0);
      }
      const truth = gen.nf[kind];
      expect({ kind, records, packets, octets }).toEqual({
        kind,
        records: truth.length,
        packets: truth.reduce((a, f) => a + f.packets, 0),
        octets: truth.reduce((a, f) => a + f.octets, 0),
      });
    }
  });

  it('sFlow v5: sample count, frame lengths and sampling rates agree', () => {
    const rows = tsharkFields(pcapOf(gen.dgrams.sflow, 6343), 6343, 'sflow', [
      'sflow.flow_sample.sampling_rate',
      'sflow_245.header.frame_length',
    ]);
    const rates = rows.flatMap((c) => nums(c[0]));
    const frames = rows.flatMap((c) => nums(c[1]));
    expect(frames.length).toBe(gen.samples.length);
    expect(frames.reduce((a, b) => a + b, 0)).toBe(gen.samples.reduce((a, p) => a + sflowFrameLength(p), 0));
    expect(new Set(rates)).toEqual(new Set([SFLOW_SAMPLING]));
  });
});

async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe.runIf(have('nfcapd') && have('nfdump'))('nfdump (nfcapd over UDP) reads the same datagrams', () => {
  it('NetFlow v9 and IPFIX: flows, packets and bytes agree (nfcapd applies the announced 1:1000)', async () => {
    for (const kind of ['v9', 'ipfix'] as const) {
      const dir = join(work, `nf-${kind}`);
      rmSync(dir, { recursive: true, force: true });
      execFileSync('mkdir', ['-p', dir]);
      const port = await freeUdpPort();
      const p = spawn('nfcapd', ['-b', '127.0.0.1', '-p', String(port), '-w', dir, '-t', '60', '-B', String(8 << 20)], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let log = '';
      p.stdout.on('data', (d: Buffer) => (log += d.toString()));
      p.stderr.on('data', (d: Buffer) => (log += d.toString()));
      const exited = new Promise<void>((r) => p.once('exit', () => r()));
      try {
        await new Promise((r) => setTimeout(r, 1500));
        const sock = createSocket('udp4');
        let i = 0;
        for (const d of gen.dgrams[kind]) {
          await new Promise<void>((r, j) => sock.send(d, port, '127.0.0.1', (e) => (e ? j(e) : r())));
          if (++i % 20 === 0) await new Promise((r) => setTimeout(r, 5)); // paced, as an exporter sends
        }
        sock.close();
        await new Promise((r) => setTimeout(r, 1500));
      } finally {
        p.kill('SIGTERM');
        await exited;
      }
      expect(readdirSync(dir).length, log).toBeGreaterThan(0);
      const r = spawnSync('nfdump', ['-R', dir, '-I'], { encoding: 'utf8', timeout: 60_000 });
      const num = (re: RegExp) => Number((re.exec(r.stdout) ?? [])[1] ?? NaN);
      const flows = num(/^Flows:\s*(\d+)/m);
      const packets = num(/^Packets:\s*(\d+)/m);
      const bytes = num(/^Bytes:\s*(\d+)/m);
      const truth = gen.nf[kind];
      const tp = truth.reduce((a, f) => a + f.packets, 0);
      const to = truth.reduce((a, f) => a + f.octets, 0);
      expect(flows, r.stdout + log).toBe(truth.length);
      // nfcapd scales by the sampling rate the exporter announced in its options data (or not, by version).
      const scale = packets === tp ? 1 : NETFLOW_SAMPLING;
      expect({ kind, packets, bytes }).toEqual({ kind, packets: tp * scale, bytes: to * scale });
    }
  }, 60_000);
});
