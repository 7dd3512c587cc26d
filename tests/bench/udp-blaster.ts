/**
 * UDP flow-export blaster for the end-to-end benchmark: sends pre-built NetFlow v9, IPFIX or sFlow v5
 * datagrams to 127.0.0.1:port at a target offered rate, for a fixed duration and/or count, and
 * returns exactly how many datagrams and flow records were handed to the kernel (send callback
 * without error).
 *
 * The datagrams (NetFlow v9 / IPFIX with the decode bench's 16-field template, sFlow v5 flow
 * samples) are pre-built by tests/bench/blaster-pools.ts; for v9/IPFIX the template datagram is
 * sent first and then every 1,000 datagrams like a real exporter.
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
import { buildPool, SFLOW_SAMPLING_RATE, SYS_UPTIME_MS, type BlastProtocol, type Prebuilt } from './blaster-pools.js';

export {
  BLAST_PROTOCOLS,
  buildPool,
  SFLOW_SAMPLES_PER_DATAGRAM,
  SFLOW_SAMPLING_RATE,
  V4_RECORDS_PER_DATAGRAM,
  V6_RECORDS_PER_DATAGRAM,
  type BlastProtocol,
  type DatagramPool,
} from './blaster-pools.js';

export const TEMPLATE_EVERY = 1000;

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

// ---------------------------------------------------------------------------------------------
// Per-send patching (on a copy: a queued send keeps its buffer)

const SFLOW_HEADER = 28; // version, address type, IPv4 agent, sub-agent, sequence, uptime, sample count

/** Exporter-side sequence state. */
interface SeqState {
  packets: number; // v9: export packets sent; sFlow: datagrams sent
  records: number; // IPFIX: data records sent
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
  if (o.durationMs === undefined && o.maxDatagrams === undefined)
    throw new Error('blast: durationMs or maxDatagrams is required');
  const host = o.host ?? '127.0.0.1';
  const pool = buildPool(o.protocol, o.domain ?? 1);
  const templateEvery = Math.max(1, o.templateEvery ?? TEMPLATE_EVERY);
  const burst = Math.max(1, o.burst ?? 256);
  const targetDps =
    o.datagramsPerSecond !== undefined
      ? o.datagramsPerSecond
      : o.flowsPerSecond !== undefined && o.flowsPerSecond > 0 && Number.isFinite(o.flowsPerSecond)
        ? o.flowsPerSecond / pool.meanFlowsPerDatagram
        : Infinity;
  const unlimited = !(targetDps > 0 && Number.isFinite(targetDps));
  const maxDatagrams = o.maxDatagrams ?? Number.MAX_SAFE_INTEGER;
  const durationNs = o.durationMs !== undefined ? BigInt(Math.round(o.durationMs * 1e6)) : null;
  const hardStopNs = BigInt(Math.round(((o.durationMs ?? 3_600_000) + 5_000) * 1e6));

  const sock: Socket = createSocket({
    type: host.includes(':') ? 'udp6' : 'udp4',
    sendBufferSize: o.sendBufferSize ?? 4 * 1024 * 1024,
  });
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.connect(o.port, host, () => {
      sock.off('error', reject);
      resolve();
    });
  });
  let asyncErrors = 0;
  sock.on('error', () => {
    asyncErrors++;
  });

  const res: BlastResult = {
    protocol: o.protocol,
    datagrams: 0,
    templateDatagrams: 0,
    dataDatagrams: 0,
    flows: 0,
    bytes: 0,
    sendErrors: 0,
    elapsedMs: 0,
    offeredFlowsPerSecond: 0,
    offeredDatagramsPerSecond: 0,
    targetDatagramsPerSecond: unlimited ? 0 : targetDps,
  };
  const s: SeqState = {
    packets: 0,
    records: 0,
    sources: [],
    unixSecs: Math.floor(Date.now() / 1000),
    uptimeBase: 1_000_000,
    t0: process.hrtime.bigint(),
  };
  let attempted = 0; // datagrams handed to send()
  let pending = 0; // callbacks outstanding
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
      else {
        res.dataDatagrams++;
        res.flows += p.flows;
      }
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
      if (attempted >= maxDatagrams || (durationNs !== null && el >= durationNs) || el >= hardStopNs) {
        resolve();
        return;
      }
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
