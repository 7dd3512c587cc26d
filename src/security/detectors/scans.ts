/**
 * SCAN_PORT / SCAN_ADDRESS over the scan window (default 5 min, Zeek policy/misc/scan.zeek defaults:
 * ≥ 15 distinct ports on one host; ≥ 25 distinct hosts on one port).
 *
 * What counts as a probe (we see no connection outcome, unlike Zeek's "failed connections"):
 *  - TCP with SYN and without ACK (connection attempts; SYN-ACK replies of servers are ignored) —
 *    any TCP record when `tcpSynOnly` is false;
 *  - UDP from an unprivileged source port (≥ 1024) — replies from services (53, 123, 443…) to client
 *    ephemeral ports would otherwise look like port scans;
 *  - ICMP/ICMPv6 echo requests (address scans only, port 0).
 *
 * Sampling rule: with rate N > 1, a scan of k targets leaves about k/N sampled distinct targets, so the
 * threshold becomes max(minSampledDistinct, ceil(threshold / N)) with N the largest rate seen for the
 * source; such candidates are relative indicators (metrics.relativeIndicator = 1, severity info).
 */
import { captureSample, formatSample, type AlertCandidate, type RawSample, type SecurityFlow } from '../types.js';
import type { DetectorThresholds } from '../thresholds.js';
import { evictBottomHalf, hashStr } from './topk.js';

const INNER_CAP = 32; // hosts per source (port scan) and ports per source (address scan)
const SET_CAP = 128; // distinct members per set
/** Memory budget: set members (host/port entries) across all sources = MEMBERS_PER_SOURCE × maxSources. */
const MEMBERS_PER_SOURCE = 64;

/** A promoted source (≥ 2 distinct (host, port) probes in the window). */
interface ScanSource {
  asn: number;
  rate: number;
  probes: number;
  firstMs: number;
  lastMs: number;
  dst0: string;
  port0: number;
  hostPorts: Map<string, Set<number>>;
  portHosts: Map<number, Set<string>>;
  samples: RawSample[];
}

/** Probe key: the destination port to count, -1 when the flow is not a probe, -2 for ICMP echo (address scan, port 0). */
export function probePort(f: SecurityFlow, tcpSynOnly: boolean): number {
  const p = f.ipProto;
  if (p === 6) return !tcpSynOnly || ((f.tcpFlags & 0x02) !== 0 && (f.tcpFlags & 0x10) === 0) ? f.dstPort : -1;
  if (p === 17) return f.srcPort >= 1024 ? f.dstPort : -1;
  if (p === 1) return f.dstPort >>> 8 === 8 ? -2 : -1;
  if (p === 58) return f.dstPort >>> 8 === 128 ? -2 : -1;
  return -1;
}

/**
 * Two stages keep the per-flow cost flat when most sources send one probe-like flow:
 *  1. a fixed hash table (typed arrays, sized 4 × maxSources rounded up to a power of two) remembers each
 *     source's first (host, port) — no allocation; a colliding source overwrites the slot (that source's
 *     first probe is forgotten, which can only delay, never invent, a scan);
 *  2. a source showing a second distinct (host, port) is promoted to the bounded `sources` map.
 */
export class ScanState {
  sources = new Map<string, ScanSource>();
  /** Set members held across all sources (bounded by MEMBERS_PER_SOURCE × maxSources). */
  members = 0;
  evictions = 0;
  private readonly mask: number;
  private readonly tags: Int32Array;
  private readonly promoted: Uint8Array;
  private readonly port0: Int32Array;
  private readonly probes: Int32Array;
  private readonly asn: Float64Array;
  private readonly rate: Float64Array;
  private readonly first: Float64Array;
  private readonly dst0: string[];

  constructor(private readonly maxSources: number) {
    let size = 1024;
    while (size < maxSources * 4) size *= 2;
    this.mask = size - 1;
    this.tags = new Int32Array(size);
    this.promoted = new Uint8Array(size);
    this.port0 = new Int32Array(size);
    this.probes = new Int32Array(size);
    this.asn = new Float64Array(size);
    this.rate = new Float64Array(size);
    this.first = new Float64Array(size);
    this.dst0 = new Array<string>(size).fill('');
  }

  private evict(): void {
    this.evictions += evictBottomHalf(this.sources, (x) => x.probes, this.maxSources >>> 1);
    this.members = 0;
    for (const x of this.sources.values()) {
      for (const v of x.hostPorts.values()) this.members += v.size;
      for (const v of x.portHosts.values()) this.members += v.size;
    }
  }

  observe(f: SecurityFlow, tcpSynOnly: boolean): void {
    const port = probePort(f, tcpSynOnly);
    if (port === -1 || f.srcAddr === '' || f.dstAddr === '') return;
    const h = hashStr(f.srcAddr);
    const slot = h & this.mask;
    const tag = h | 1;
    const rate = f.samplingRate > 1 ? f.samplingRate : 1;
    if (this.tags[slot] !== tag) {
      this.tags[slot] = tag;
      this.promoted[slot] = 0;
      this.port0[slot] = port;
      this.dst0[slot] = f.dstAddr;
      this.probes[slot] = 1;
      this.asn[slot] = f.srcAsn;
      this.rate[slot] = rate;
      this.first[slot] = f.receivedAtMs;
      return;
    }
    let s: ScanSource | undefined;
    if (this.promoted[slot] === 1) s = this.sources.get(f.srcAddr);
    else {
      this.probes[slot]++;
      if (rate > this.rate[slot]!) this.rate[slot] = rate;
      if (f.dstAddr === this.dst0[slot] && port === this.port0[slot]) return;
      s = this.sources.get(f.srcAddr);
    }
    if (s === undefined) {
      if (this.sources.size >= this.maxSources || this.members >= this.maxSources * MEMBERS_PER_SOURCE) this.evict();
      s = {
        asn: this.asn[slot]!,
        rate: this.rate[slot]!,
        probes: this.probes[slot]! - 1,
        firstMs: this.first[slot]!,
        lastMs: f.receivedAtMs,
        dst0: this.dst0[slot]!,
        port0: this.port0[slot]!,
        hostPorts: new Map(),
        portHosts: new Map(),
        samples: [],
      };
      this.sources.set(f.srcAddr, s);
      this.add(s, s.dst0, s.port0);
    }
    this.promoted[slot] = 1;
    s.probes++;
    s.lastMs = f.receivedAtMs;
    if (rate > s.rate) s.rate = rate;
    if (s.samples.length < 10) s.samples.push(captureSample(f));
    this.add(s, f.dstAddr, port);
  }

  private add(s: ScanSource, dst: string, port: number): void {
    const hp = s.hostPorts;
    const ph = s.portHosts;
    if (port >= 0) {
      let ports = hp.get(dst);
      if (!ports && hp.size < INNER_CAP) {
        ports = new Set();
        hp.set(dst, ports);
      }
      if (ports && ports.size < SET_CAP && !ports.has(port)) {
        ports.add(port);
        this.members++;
      }
    }
    const key = port < 0 ? 0 : port;
    let hosts = ph.get(key);
    if (!hosts && ph.size < INNER_CAP) {
      hosts = new Set();
      ph.set(key, hosts);
    }
    if (hosts && hosts.size < SET_CAP && !hosts.has(dst)) {
      hosts.add(dst);
      this.members++;
    }
  }

  /** Close the scan window: evaluate every source, then forget them. */
  close(sec: number, scanFor: (asn: number) => DetectorThresholds['scan'], out: AlertCandidate[]): void {
    for (const [src, s] of this.sources) {
      const t = scanFor(s.asn);
      if (!t.enabled) continue;
      const sampled = s.rate > 1;
      const scaled = (thr: number) => (sampled ? Math.max(t.minSampledDistinct, Math.ceil(thr / s.rate)) : thr);
      const portThr = scaled(t.portScanPorts);
      const hostThr = scaled(t.addressScanHosts);
      const common = {
        target: src,
        sourceAsn: s.asn || null,
        firstSeenMs: s.firstMs,
        lastSeenMs: s.lastMs,
        severity: sampled ? ('info' as const) : t.severity,
      };
      let best: [string, Set<number>] | null = null;
      for (const e of s.hostPorts) if (!best || e[1].size > best[1].size) best = e;
      if (best && best[1].size >= portThr) {
        const ports = [...best[1]].sort((a, b) => a - b);
        out.push({
          type: 'SCAN_PORT',
          ...common,
          victimAsn: null,
          ruleId: 'SCAN_PORT@1',
          thresholds: { distinctPorts: portThr, zeekDistinctPorts: t.portScanPorts, samplingRate: s.rate },
          metrics: {
            distinctPorts: best[1].size,
            estimatedDistinctPorts: best[1].size * s.rate,
            probesSampled: s.probes,
            relativeIndicator: sampled ? 1 : 0,
            windowSeconds: sec,
          },
          evidence: {
            topSources: [{ addr: src, asn: s.asn || null, pps: (s.probes * s.rate) / sec, bps: 0 }],
            topSrcPorts: [],
            topDstPorts: ports.slice(0, 50).map((p) => ({ key: p, pps: 0 })),
            protocols: [],
            sampleFlows: s.samples.map(formatSample),
            samplingRates: [s.rate],
            details: { host: best[0], ports: ports.slice(0, 50) },
          },
        });
      }
      let bestP: [number, Set<string>] | null = null;
      for (const e of s.portHosts) if (!bestP || e[1].size > bestP[1].size) bestP = e;
      if (bestP && bestP[1].size >= hostThr) {
        const hosts = [...bestP[1]].slice(0, 50);
        out.push({
          type: 'SCAN_ADDRESS',
          ...common,
          victimAsn: null,
          ruleId: 'SCAN_ADDRESS@1',
          thresholds: { distinctHosts: hostThr, zeekDistinctHosts: t.addressScanHosts, samplingRate: s.rate },
          metrics: {
            distinctHosts: bestP[1].size,
            estimatedDistinctHosts: bestP[1].size * s.rate,
            probesSampled: s.probes,
            relativeIndicator: sampled ? 1 : 0,
            windowSeconds: sec,
          },
          evidence: {
            topSources: [{ addr: src, asn: s.asn || null, pps: (s.probes * s.rate) / sec, bps: 0 }],
            topSrcPorts: [],
            topDstPorts: [{ key: bestP[0], pps: 0 }],
            protocols: [],
            sampleFlows: s.samples.map(formatSample),
            samplingRates: [s.rate],
            details: { port: bestP[0], hosts },
          },
        });
      }
    }
    this.sources = new Map();
    this.members = 0;
    this.tags.fill(0);
    this.dst0.fill('');
  }
}
