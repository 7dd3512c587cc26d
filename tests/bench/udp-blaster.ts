/**
 * UDP flow-export blaster for the end-to-end benchmark: sends pre-built NetFlow v9, IPFIX or sFlow v5
 * datagrams to 127.0.0.1:port at a target offered rate, for a fixed duration and/or count, and
 * returns exactly how many datagrams and flow records were handed to the kernel (send callback
 * without error).
 *
 * - NetFlow v9 / IPFIX: the 16-field template of the decode bench (addresses, ports, proto, flags,
 *   ToS, 8-byte octets/packets, in/out ifIndex, src/dst MAC, first/last, VLAN), IPv4 and IPv6
 *   templates (256/257) in one template datagram, re-sent first and then every 1,000 datagrams
 *   like a real exporter. Data datagrams fit a 1,500-octet MTU: 22 IPv4 records (1,366 octets) or
 *   16 IPv6 records (1,384 octets), alternating. Every record carries packets = 1 so that summing
 *   `packets` in a collector's output counts flow records (pmacct); octets vary.
 * - sFlow v5: 8 compact flow samples per datagram (128-octet raw headers of VLAN-tagged IPv4/IPv6
 *   TCP/UDP frames + extended switch), 1-in-16384 sampling, 4 data sources (ifIndex 10–13).
 *
 * Sequence numbers are those of a real exporter and are patched into a copy of each datagram:
 * v9 header = export packets sent before (templates included); IPFIX header = data records sent
 * before (template messages do not advance it); sFlow datagram sequence = 1, 2, … per agent, and
 * each flow sample's sequence number = 1, 2, … per data source with sample_pool = seq × rate.
 * Export time (v9 unix secs, IPFIX export time, sFlow uptime) follows the wall clock.
 *
 * Pacing: bursts of at most `burst` datagrams per macrotask against an hrtime schedule (target
 * datagrams/s derived from target flows/s by the pool's mean records/datagram), sleeping on a 1 ms
 * timer when ahead of it instead of spinning (a spinning blaster took a whole core from the collector
 * under test: 102 % of a core at 62.5k datagrams/s, 43 % sleeping); rate 0/Infinity = as fast as one
 * thread can send. Every run is bounded by durationMs and/or
 * maxDatagrams, and a hard stop at durationMs + 5 s.
 */
import { createSocket, type Socket } from 'node:dgram';
import {
  BENCH_FIELDS_V4, BENCH_FIELDS_V6, dataSet, ipfixPacket, record, templateSet, v9Packet, type Value,
} from '../../collectors/decoders/netflow/testing/encode.js';
import {
  datagram, ETH_IPV4, ETH_IPV6, ethernet, extendedSwitch, flowSample, ipv4, ipv6, rawHeader, tcp, udp,
} from '../../collectors/decoders/sflow/testing/encode.js';

export type BlastProtocol = 'netflow-v9' | 'ipfix' | 'sflow';
export const BLAST_PROTOCOLS: readonly BlastProtocol[] = ['netflow-v9', 'ipfix', 'sflow'];

export const TEMPLATE_EVERY = 1000;
export const V4_RECORDS_PER_DATAGRAM = 22;
export const V6_RECORDS_PER_DATAGRAM = 16;
export const SFLOW_SAMPLES_PER_DATAGRAM = 8;
export const SFLOW_SAMPLING_RATE = 16384;
const SFLOW_SOURCES = 4;
const POOL_SIZE = 64; // distinct data datagrams (even: IPv4/IPv6 alternate)
const SYS_UPTIME_MS = 100_000;

export interface BlastOptions {
  protocol: BlastProtocol;
  port: number;
  /** Always loopback unless a test says otherwise. */
  host?: string;
  /** Target offered rate in flow records/s (0 or Infinity: as fast as possible). */
  flowsPerSecond?: number;
  /** Target offered rate in datagrams/s; wins over flowsPerSecond. */
  datagramsPerSecond?: number;
  /** Stop after this long (ms). At least one of durationMs / maxDatagrams is required. */
  durationMs?: number;
  /** Stop after this many datagrams (templates included). */
  maxDatagrams?: number;
  /** Datagrams per macrotask at most (default 256). */
  burst?: number;
  /** Template datagram every N datagrams (default 1000; v9/IPFIX only). */
  templateEvery?: number;
  /** SO_SNDBUF (default 4 MiB). */
  sendBufferSize?: number;
  /** v9 source id / IPFIX observation domain (default 1). */
  domain?: number;
}

export interface BlastResult {
  protocol: BlastProtocol;
  /** Datagrams the kernel accepted (send callback without error), templates included. */
  datagrams: number;
  templateDatagrams: number;
  dataDatagrams: number;
  /** Flow records (v9/IPFIX data records, sFlow flow samples) in the accepted datagrams. */
  flows: number;
  /** UDP payload octets accepted. */
  bytes: number;
  /** Sends that failed (e.g. ECONNREFUSED when nothing listens); not counted above. */
  sendErrors: number;
  firstError?: string;
  elapsedMs: number;
  /** flows / elapsed, i.e. the rate actually offered. */
  offeredFlowsPerSecond: number;
  offeredDatagramsPerSecond: number;
  targetDatagramsPerSecond: number;
}

/** A datagram with the places to patch before each send. */
interface Prebuilt {
  bytes: Buffer;
  flows: number;
  template: boolean;
}

export interface DatagramPool {
  protocol: BlastProtocol;
  template: Prebuilt | null;
  data: Prebuilt[];
  meanFlowsPerDatagram: number;
}

// ---------------------------------------------------------------------------------------------
// Pools

function blasterValues(i: number, v6: boolean): Value[] {
  const a = i & 0xff, b = (i >> 8) & 0xff;
  return [
    v6 ? `2001:db8::${a.toString(16)}:${b.toString(16)}` : `10.${(i >> 16) & 0xff}.${b}.${a}`,
    v6 ? `2001:db8:1::${a.toString(16)}` : `192.0.2.${a}`,
    1024 + (i % 50000), 443, 6, 0x18, 0,
    64 + (i % 1400), // octets (one packet)
    1, // packets: 1 so that Σ packets = flow records
    1 + (i % 4), 5 + (i % 4),
    `02:00:00:00:${b.toString(16).padStart(2, '0')}:${a.toString(16).padStart(2, '0')}`, '02:00:00:00:00:01',
    SYS_UPTIME_MS - 10_000, SYS_UPTIME_MS - 1_000, 100 + (i % 10),
  ];
}

function templatedPool(version: 9 | 10, domain: number): DatagramPool {
  const tpl = templateSet(version, [{ id: 256, fields: BENCH_FIELDS_V4 }, { id: 257, fields: BENCH_FIELDS_V6 }]);
  const template = Buffer.from(version === 9 ? v9Packet({ seq: 0, sourceId: domain, count: 2, sysUptime: SYS_UPTIME_MS }, [tpl]) : ipfixPacket({ seq: 0, domain }, [tpl]));
  const data: Prebuilt[] = [];
  let n = 0;
  for (let i = 0; i < POOL_SIZE; i++) {
    const v6 = i % 2 === 1;
    const count = v6 ? V6_RECORDS_PER_DATAGRAM : V4_RECORDS_PER_DATAGRAM;
    const fields = v6 ? BENCH_FIELDS_V6 : BENCH_FIELDS_V4;
    const recs: Uint8Array[] = [];
    for (let k = 0; k < count; k++) recs.push(record(fields, blasterValues(n++, v6)));
    const set = dataSet(v6 ? 257 : 256, recs);
    const bytes = version === 9 ? v9Packet({ seq: 0, sourceId: domain, count, sysUptime: SYS_UPTIME_MS }, [set]) : ipfixPacket({ seq: 0, domain }, [set]);
    data.push({ bytes: Buffer.from(bytes), flows: count, template: false });
  }
  return { protocol: version === 9 ? 'netflow-v9' : 'ipfix', template: { bytes: template, flows: 0, template: true }, data, meanFlowsPerDatagram: mean(data) };
}

function sflowFrame(i: number, k: number): Uint8Array {
  const vlan = 100 + (k % 3);
  const a = (i * 8 + k) & 0xff, b = ((i * 8 + k) >> 8) & 0xff;
  if (k % 4 === 3) {
    return ethernet({ dst: 0x020000000100 + k, src: 0x020000010000 + i * 8 + k, vlans: [vlan], etherType: ETH_IPV6,
      payload: ipv6({ src: `2001:7f8:1::${a.toString(16)}:${b.toString(16)}`, dst: `2001:7f8:2::${k.toString(16)}`, next: 6, payload: tcp({ srcPort: 443, dstPort: 40000 + i, flags: 0x10, payloadLength: 1400 }) }) });
  }
  const isUdp = k % 4 === 1;
  return ethernet({ dst: 0x020000000100 + k, src: 0x020000010000 + i * 8 + k, vlans: [vlan], etherType: ETH_IPV4,
    payload: ipv4({ src: `185.1.${b}.${a}`, dst: `185.2.${k}.20`, proto: isUdp ? 17 : 6,
      payload: isUdp ? udp({ srcPort: 53, dstPort: 50000 + i, payloadLength: 1200 }) : tcp({ srcPort: 50000 + i, dstPort: 443, flags: 0x18, payloadLength: 1400 }) }) });
}

const SFLOW_AGENT = '10.255.0.1';
const SFLOW_HEADER = 28; // version, address type, IPv4 agent, sub-agent, sequence, uptime, sample count

function sflowPool(): DatagramPool {
  const data: Prebuilt[] = [];
  for (let i = 0; i < POOL_SIZE; i++) {
    const samples: Uint8Array[] = [];
    for (let k = 0; k < SFLOW_SAMPLES_PER_DATAGRAM; k++) {
      const src = 10 + (k % SFLOW_SOURCES);
      samples.push(flowSample({ sequence: 0, sourceIndex: src, samplingRate: SFLOW_SAMPLING_RATE, samplePool: 0, drops: 0, input: src, output: 20 + k,
        records: [rawHeader(sflowFrame(i, k), { maxHeader: 128 }), extendedSwitch({ srcVlan: 100 + (k % 3), dstVlan: 100 + (k % 3) })] }));
    }
    data.push({ bytes: Buffer.from(datagram({ agent: SFLOW_AGENT, subAgentId: 0, sequence: 0, uptimeMs: 0, samples })), flows: SFLOW_SAMPLES_PER_DATAGRAM, template: false });
  }
  return { protocol: 'sflow', template: null, data, meanFlowsPerDatagram: mean(data) };
}

function mean(d: Prebuilt[]): number {
  return d.reduce((s, p) => s + p.flows, 0) / d.length;
}

export function buildPool(protocol: BlastProtocol, domain = 1): DatagramPool {
  if (protocol === 'netflow-v9') return templatedPool(9, domain);
  if (protocol === 'ipfix') return templatedPool(10, domain);
  return sflowPool();
}

// ---------------------------------------------------------------------------------------------
// Per-send patching (on a copy: a queued send keeps its buffer)

/** Exporter-side sequence state. */
interface SeqState {
  packets: number;   // v9: export packets sent; sFlow: datagrams sent
  records: number;   // IPFIX: data records sent
  sources: number[]; // sFlow: flow samples per data source
  unixSecs: number;
  uptimeBase: number;
  t0: bigint;
}

function patched(p: Prebuilt, protocol: BlastProtocol, s: SeqState, now: bigint): Buffer {
  const b = Buffer.allocUnsafe(p.bytes.length);
  p.bytes.copy(b);
  const elapsedMs = Number((now - s.t0) / 1_000_000n);
  if (protocol === 'netflow-v9') {
    b.writeUInt32BE((SYS_UPTIME_MS + elapsedMs) >>> 0, 4);
    b.writeUInt32BE((s.unixSecs + Math.floor(elapsedMs / 1000)) >>> 0, 8);
    b.writeUInt32BE(s.packets >>> 0, 12);
    s.packets++;
  } else if (protocol === 'ipfix') {
    b.writeUInt32BE((s.unixSecs + Math.floor(elapsedMs / 1000)) >>> 0, 4);
    b.writeUInt32BE(s.records >>> 0, 8);
    s.records += p.flows;
  } else {
    s.packets++;
    b.writeUInt32BE(s.packets >>> 0, 16);
    b.writeUInt32BE((s.uptimeBase + elapsedMs) >>> 0, 20);
    let off = SFLOW_HEADER;
    const n = b.readUInt32BE(24);
    for (let i = 0; i < n; i++) {
      const len = b.readUInt32BE(off + 4);
      const body = off + 8;
      const src = b.readUInt32BE(body + 4) & 0xffffff;
      const seq = (s.sources[src] ?? 0) + 1;
      s.sources[src] = seq;
      b.writeUInt32BE(seq >>> 0, body);
      b.writeUInt32BE((seq * SFLOW_SAMPLING_RATE) >>> 0, body + 12);
      off = body + len;
    }
  }
  return b;
}

// ---------------------------------------------------------------------------------------------

export async function blast(o: BlastOptions): Promise<BlastResult> {
  if (o.durationMs === undefined && o.maxDatagrams === undefined) throw new Error('blast: durationMs or maxDatagrams is required');
  const host = o.host ?? '127.0.0.1';
  const pool = buildPool(o.protocol, o.domain ?? 1);
  const templateEvery = Math.max(1, o.templateEvery ?? TEMPLATE_EVERY);
  const burst = Math.max(1, o.burst ?? 256);
  const targetDps = o.datagramsPerSecond !== undefined
    ? o.datagramsPerSecond
    : o.flowsPerSecond !== undefined && o.flowsPerSecond > 0 && Number.isFinite(o.flowsPerSecond)
      ? o.flowsPerSecond / pool.meanFlowsPerDatagram
      : Infinity;
  const unlimited = !(targetDps > 0 && Number.isFinite(targetDps));
  const maxDatagrams = o.maxDatagrams ?? Number.MAX_SAFE_INTEGER;
  const durationNs = o.durationMs !== undefined ? BigInt(Math.round(o.durationMs * 1e6)) : null;
  const hardStopNs = BigInt(Math.round(((o.durationMs ?? 3_600_000) + 5_000) * 1e6));

  const sock: Socket = createSocket({ type: host.includes(':') ? 'udp6' : 'udp4', sendBufferSize: o.sendBufferSize ?? 4 * 1024 * 1024 });
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.connect(o.port, host, () => { sock.off('error', reject); resolve(); });
  });
  let asyncErrors = 0;
  sock.on('error', () => { asyncErrors++; });

  const res: BlastResult = {
    protocol: o.protocol, datagrams: 0, templateDatagrams: 0, dataDatagrams: 0, flows: 0, bytes: 0, sendErrors: 0,
    elapsedMs: 0, offeredFlowsPerSecond: 0, offeredDatagramsPerSecond: 0, targetDatagramsPerSecond: unlimited ? 0 : targetDps,
  };
  const s: SeqState = { packets: 0, records: 0, sources: [], unixSecs: Math.floor(Date.now() / 1000), uptimeBase: 1_000_000, t0: process.hrtime.bigint() };
  let attempted = 0;  // datagrams handed to send()
  let pending = 0;    // callbacks outstanding
  let dataIdx = 0;

  const sendOne = (p: Prebuilt, now: bigint): void => {
    const buf = patched(p, o.protocol, s, now);
    pending++;
    attempted++;
    sock.send(buf, (err) => {
      pending--;
      if (err) {
        res.sendErrors++;
        res.firstError ??= err.message;
        return;
      }
      res.datagrams++;
      res.bytes += buf.length;
      if (p.template) res.templateDatagrams++;
      else { res.dataDatagrams++; res.flows += p.flows; }
    });
  };
  const next = (): Prebuilt => {
    if (pool.template && attempted % templateEvery === 0) return pool.template;
    const p = pool.data[dataIdx]!;
    dataIdx = (dataIdx + 1) % pool.data.length;
    return p;
  };

  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = process.hrtime.bigint();
      const el = now - s.t0;
      if (attempted >= maxDatagrams || (durationNs !== null && el >= durationNs) || el >= hardStopNs) { resolve(); return; }
      let n = burst;
      let due = burst;
      if (!unlimited) {
        due = Math.floor((Number(el) / 1e9) * targetDps) + 1 - attempted;
        n = Math.min(burst, due);
      }
      n = Math.min(n, maxDatagrams - attempted);
      // Do not let callbacks pile up without bound if the kernel queues sends.
      if (pending > 16_384) n = 0;
      for (let i = 0; i < n; i++) sendOne(next(), now);
      // Ahead of schedule: sleep (≥ 1 ms) instead of spinning, so the blaster does not take a core of its own
      // from the collector under test; behind it: go on at once.
      if (!unlimited && due <= n && pending <= 16_384) setTimeout(tick, 1);
      else setImmediate(tick);
    };
    tick();
  });
  const tEnd = process.hrtime.bigint();
  // Wait for every send callback (bounded).
  const waitUntil = Date.now() + 5_000;
  while (pending > 0 && Date.now() < waitUntil) await new Promise((r) => setTimeout(r, 5));
  await new Promise<void>((r) => sock.close(() => r()));
  res.sendErrors += pending; // callbacks that never came: not counted as sent
  if (asyncErrors > 0) res.firstError ??= `${asyncErrors} socket error event(s)`;
  res.elapsedMs = Number(tEnd - s.t0) / 1e6;
  res.offeredFlowsPerSecond = res.flows / (res.elapsedMs / 1000);
  res.offeredDatagramsPerSecond = res.datagrams / (res.elapsedMs / 1000);
  return res;
}
