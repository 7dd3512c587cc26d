/**
 * Per-destination accumulators and the DDoS rules evaluated when a fast window closes:
 * DDOS_VOLUMETRIC_DST (all protocols, then per protocol), DDOS_AMPLIFICATION, DDOS_SYN_FLOOD, DDOS_FRAGMENTS.
 *
 * Scaling: every count is multiplied by the record's sampling rate when observed, and rates divide by the
 * window's real duration: pps = Σ packets×rate / seconds, bps = Σ frameOctets×rate×8 / seconds.
 * flows/s = Σ records×rate / seconds for NetFlow/IPFIX records (one record ≈ rate flows for the 1-packet
 * flows of a flood); sFlow carries packet samples, not flows, so sFlow adds nothing to flows/s.
 *
 * Evidence (top sources, ports, sample flows) is collected only once a destination has accumulated
 * `detailAfter` scaled packets in the window (a small fraction of the lowest threshold), so the long
 * tail of small destinations costs a few numbers each; the counts that rules compare are always exact.
 */
import { captureSample, formatSample, type AlertCandidate, type AlertEvidence, type RawSample, type SecurityFlow, type Severity } from '../types.js';
import type { DetectorThresholds } from '../thresholds.js';
import { evidenceWeight, hashStr, TopK } from './topk.js';
import { Counts, WindowRing } from './window-ring.js';

const TCP = 6;
const UDP = 17;
const ICMP = 1;
const ICMP6 = 58;
const SYN = 0x02;
const ACK = 0x10;

/** Per-destination state: the sub-bucket ring (window-ring.ts) plus identity, evidence and emission times; pooled. */
export class DstStats extends WindowRing {
  addr = '';
  victimAsn = 0;
  /** First and last flow since the destination has been tracked (it is forgotten a window after its last flow). */
  firstMs = 0;
  lastMs = 0;
  detail: DstDetail | null = null;
  /** Evidence was taken back (budget); do not ask again until the destination is forgotten. */
  noDetail = false;
  /** Last emission time per rule bit index (RULE_* below); -Infinity = never. */
  readonly emitted = new Float64Array(RULE_COUNT).fill(-Infinity);

  constructor(slots: number) {
    super(slots);
  }

  init(addr: string): this {
    this.reset();
    this.addr = addr; this.victimAsn = 0; this.firstMs = 0; this.lastMs = 0; this.detail = null; this.noDetail = false;
    this.emitted.fill(-Infinity);
    return this;
  }
}

/** Evidence of one destination; pooled and reused across windows (allocates nothing once warm). */
export class DstDetail {
  readonly sources = new TopK<string>(12, '');
  readonly srcAsns = new TopK<number>(4, 0);
  readonly srcPorts = new TopK<number>(8, 0);
  readonly dstPorts = new TopK<number>(8, 0);
  /** Amplification packets by source port (capacity ≥ the union port list, so exact since detail started). */
  readonly ampPorts: TopK<number>;
  readonly samples: RawSample[] = [];
  sampleCount = 0;
  /** Flows since evidence started (evidenceWeight in topk.ts samples the top-sources update of hot destinations). */
  flows = 0;
  readonly rates: number[] = [];
  /** When this evidence started (evidence rates divide by the time since). */
  startMs = 0;

  constructor(ampCapacity: number) {
    this.ampPorts = new TopK<number>(ampCapacity, 0);
  }

  reset(): void {
    this.sources.reset(); this.srcAsns.reset(); this.srcPorts.reset(); this.dstPorts.reset(); this.ampPorts.reset();
    this.sampleCount = 0;
    this.flows = 0;
    this.rates.length = 0;
  }

  sample(f: SecurityFlow): void {
    const i = this.sampleCount++;
    const r = this.samples[i];
    if (r === undefined) { this.samples.push(captureSample(f)); return; }
    r.ts = f.receivedAtMs; r.exporter = f.exporter; r.inIf = f.inIf; r.srcMac = f.srcMac; r.dstMac = f.dstMac; r.etherType = f.etherType;
    r.src = f.srcAddr; r.dst = f.dstAddr; r.proto = f.ipProto; r.srcPort = f.srcPort; r.dstPort = f.dstPort;
    r.packets = f.packets; r.bytes = f.frameOctets; r.samplingRate = f.samplingRate;
  }
}

export interface AccumulateOptions {
  /** Hands out a (reset) evidence holder, or null when the evidence budget is exhausted. */
  detail(): DstDetail | null;
  /** ampPort[srcPort] === 1 for amplification ports. */
  ampPort: Uint8Array;
  /** Scaled packets after which evidence is collected. */
  detailAfter: number;
}

/**
 * Add `share` of one flow's counts to sub-bucket `bucket` of its destination. Offsets are window-ring.ts's
 * (P=0 B=1 REC=2 TCP_P=3 TCP_B=4 UDP_P=5 UDP_B=6 ICMP_P=7 ICMP_B=8 SYN_P=9 FRAG_P=10 AMP_P=11 AMP_B=12 FLOWS=13),
 * written as literals: this is the per-flow path and imported bindings are loaded, not folded.
 */
function addCounts(s: DstStats, f: SecurityFlow, o: AccumulateOptions, bucket: number, share: number): void {
  const r = f.samplingRate > 0 ? f.samplingRate : 1;
  const p = f.packets * r * share;
  const b = f.frameOctets * r * share;
  const x = s.ring;
  const at = s.slot(bucket);
  x[at + 0] += p; x[at + 1] += b; x[at + 13] += f.packets * share;
  s.pkts += p;
  s.bytes += b;
  if (f.protocol !== 'sflow-v5') { x[at + 2] += r * share; s.flowRecs += r * share; }
  const proto = f.ipProto;
  if (proto === TCP) {
    x[at + 3] += p; x[at + 4] += b;
    if ((f.tcpFlags & SYN) !== 0 && (f.tcpFlags & ACK) === 0) x[at + 9] += p;
  } else if (proto === UDP) {
    x[at + 5] += p; x[at + 6] += b;
    if (o.ampPort[f.srcPort] === 1) { x[at + 11] += p; x[at + 12] += b; }
  } else if (proto === ICMP || proto === ICMP6) {
    x[at + 7] += p; x[at + 8] += b;
  }
  if (f.fragment === 1) { x[at + 10] += p; s.fragP += p; }
}

/**
 * Add one flow to its destination: into sub-bucket `bucket`, or — a flow record spanning `spread` > 1
 * sub-buckets (NetFlow/IPFIX: flowEnd − flowStart) — evenly over the `spread` sub-buckets ending there, so a
 * record exported once per active timeout does not look like a burst. `ampPort[srcPort]` marks
 * amplification ports (union of all settings).
 */
export function accumulate(s: DstStats, f: SecurityFlow, o: AccumulateOptions, bucket: number, spread = 1): void {
  if (s.firstMs === 0) s.firstMs = f.receivedAtMs;
  s.lastMs = f.receivedAtMs;
  if (f.dstAsn) s.victimAsn = f.dstAsn;
  if (spread <= 1) addCounts(s, f, o, bucket, 1);
  else for (let k = 0; k < spread; k++) addCounts(s, f, o, bucket - k, 1 / spread);
  const r = f.samplingRate > 0 ? f.samplingRate : 1;
  const p = f.packets * r;
  const b = f.frameOctets * r;
  const proto = f.ipProto;
  let d = s.detail;
  if (d === null) {
    if (s.noDetail || s.pkts < o.detailAfter) return;
    d = s.detail = o.detail();
    if (d === null) return;
    d.startMs = f.receivedAtMs;
  }
  const ew = evidenceWeight(++d.flows);
  if (ew !== 0) d.sources.add(f.srcAddr, hashStr(f.srcAddr), p * ew, b * ew, f.srcAsn);
  if (f.srcAsn) d.srcAsns.add(f.srcAsn, f.srcAsn | 0, p);
  if (proto === TCP || proto === UDP) {
    d.srcPorts.add(f.srcPort, f.srcPort, p); d.dstPorts.add(f.dstPort, f.dstPort, p);
    if (proto === UDP && o.ampPort[f.srcPort] === 1) d.ampPorts.add(f.srcPort, f.srcPort, p, b);
  }
  if (d.sampleCount < 10) d.sample(f);
  if (d.rates.length < 8 && d.rates.indexOf(r) < 0) d.rates.push(r);
}

export function severityFor(base: Severity, ratio: number, criticalFactor: number): Severity {
  return ratio >= criticalFactor ? 'critical' : base;
}

const NO_DETAIL = new DstDetail(1);

/** Rule bits (a mask says which rules fire / may be emitted) and their emission-time slots. */
export const RULE_VOL = 1;
export const RULE_TCP = 2;
export const RULE_UDP = 4;
export const RULE_ICMP = 8;
export const RULE_PROTO = RULE_TCP | RULE_UDP | RULE_ICMP;
export const RULE_AMP = 16;
export const RULE_SYN = 32;
export const RULE_FRAG = 64;
export const RULE_ALL = 127;
export const RULE_COUNT = 7;

function evidence(s: DstStats, c: Counts, sec: number, topN: number, extra?: AlertEvidence['details']): AlertEvidence {
  const d = s.detail ?? NO_DETAIL;
  // Top lists count since the evidence started (it restarts after each emission).
  const esec = d === NO_DETAIL ? sec : Math.max((s.lastMs - d.startMs) / 1000, 0.25);
  const protocols: Array<{ key: number; pps: number }> = [];
  if (c.tcpP) protocols.push({ key: TCP, pps: c.tcpP / sec });
  if (c.udpP) protocols.push({ key: UDP, pps: c.udpP / sec });
  if (c.icmpP) protocols.push({ key: ICMP, pps: c.icmpP / sec });
  const other = c.pkts - c.tcpP - c.udpP - c.icmpP;
  if (other > 0) protocols.push({ key: -1, pps: other / sec });
  return {
    topSources: d.sources.top(topN).map((e) => ({ addr: e.key, asn: e.asn || null, pps: e.count / esec, bps: (e.bytes * 8) / esec })),
    topSrcPorts: d.srcPorts.top(topN).map((e) => ({ key: e.key, pps: e.count / esec })),
    topDstPorts: d.dstPorts.top(topN).map((e) => ({ key: e.key, pps: e.count / esec })),
    protocols: protocols.sort((a, b) => b.pps - a.pps),
    sampleFlows: d.samples.slice(0, d.sampleCount).map(formatSample),
    samplingRates: [...d.rates].sort((a, b) => a - b),
    ...(extra ? { details: extra } : {}),
  };
}

const wholeCache = new WeakMap<DetectorThresholds['amplification'], boolean>();
/** True when the resolved amplification ports equal the union the totals were counted for. */
export function ampWhole(a: DetectorThresholds['amplification'], ampUnion: readonly number[]): boolean {
  let w = wholeCache.get(a);
  if (w === undefined) {
    w = a.sourcePorts.length === ampUnion.length && a.sourcePorts.every((p) => ampUnion.includes(p));
    wholeCache.set(a, w);
  }
  return w;
}

/** Amplification packets/bytes for the resolved port list: the totals, or the per-port evidence counters. */
function ampCounts(c: Counts, d: DstDetail | null, a: DetectorThresholds['amplification'], ampUnion: readonly number[], ports: number[] | null): [number, number] {
  const whole = ampWhole(a, ampUnion);
  let ap = whole ? c.ampP : 0;
  let ab = whole ? c.ampB : 0;
  const dp = d?.ampPorts;
  if (dp) {
    for (let i = 0; i < dp.size; i++) {
      const port = dp.keys[i]!;
      if (!a.sourcePorts.includes(port)) continue;
      if (!whole) { ap += dp.counts[i]!; ab += dp.bytes[i]!; }
      ports?.push(port);
    }
  }
  return [ap, ab];
}

/**
 * Which rules fire for counts `c` over `sec` seconds (a mask of RULE_*). `bucketLevel`: `c` is one
 * sub-bucket; the amplification rule with a port list other than the union is then left out (its per-port
 * counters are not kept per sub-bucket; it is judged on the window).
 */
export function firing(c: Counts, d: DstDetail | null, t: DetectorThresholds, sec: number, ampUnion: readonly number[], bucketLevel: boolean): number {
  let m = 0;
  const v = t.volumetric;
  if (v.enabled && (c.pkts / sec > v.pps || (c.bytes * 8) / sec > v.bps || c.flowRecs / sec > v.flowsPerSecond)) m |= RULE_VOL;
  const pr = t.protocol;
  if (pr.enabled) {
    if (c.tcpP / sec > pr.tcpPps || (c.tcpB * 8) / sec > pr.tcpBps) m |= RULE_TCP;
    if (c.udpP / sec > pr.udpPps || (c.udpB * 8) / sec > pr.udpBps) m |= RULE_UDP;
    if (c.icmpP / sec > pr.icmpPps || (c.icmpB * 8) / sec > pr.icmpBps) m |= RULE_ICMP;
  }
  const a = t.amplification;
  if (a.enabled && c.ampP > 0) {
    if (ampWhole(a, ampUnion)) {
      if (c.ampP / sec > a.pps || (c.ampB * 8) / sec > a.bps) m |= RULE_AMP;
    } else if (!bucketLevel) {
      const [ap, ab] = ampCounts(c, d, a, ampUnion, null);
      if (ap / sec > a.pps || (ab * 8) / sec > a.bps) m |= RULE_AMP;
    }
  }
  const sy = t.synFlood;
  if (sy.enabled && c.synP / sec > sy.pps && (c.tcpP ? c.synP / c.tcpP : 0) > sy.minShare) m |= RULE_SYN;
  const fr = t.fragments;
  if (fr.enabled && c.fragP / sec > fr.pps) m |= RULE_FRAG;
  return m;
}

/**
 * Emit the candidates of the rules in `allow` that fire for counts `c` of destination `s` over `sec`
 * seconds; returns the mask emitted. The per-protocol rule is left out when the all-protocol one fires.
 */
export function evaluateDst(s: DstStats, c: Counts, t: DetectorThresholds, sec: number, topN: number, ampUnion: readonly number[], out: AlertCandidate[], allow = RULE_ALL): number {
  const all = firing(c, s.detail, t, sec, ampUnion, false);
  let m = all & allow;
  if (all & RULE_VOL) m &= ~RULE_PROTO;
  if (m === 0) return 0;
  const pps = c.pkts / sec;
  const bps = (c.bytes * 8) / sec;
  const fps = c.flowRecs / sec;
  const topAsn = s.detail?.srcAsns.top(1)[0];
  const common = {
    target: s.addr, sourceAsn: topAsn ? topAsn.key : null, victimAsn: s.victimAsn || null, firstSeenMs: s.firstMs, lastSeenMs: s.lastMs,
  };
  const base = {
    pps, bps, flowsPerSecond: fps, tcpPps: c.tcpP / sec, udpPps: c.udpP / sec, icmpPps: c.icmpP / sec, synPps: c.synP / sec,
    fragmentPps: c.fragP / sec, windowSeconds: sec,
  };
  const v = t.volumetric;
  if (m & RULE_VOL) {
    const ratio = Math.max(pps / v.pps, bps / v.bps, fps / v.flowsPerSecond);
    out.push({
      type: 'DDOS_VOLUMETRIC_DST', severity: severityFor(v.severity, ratio, v.criticalFactor), ...common, ruleId: 'DDOS_VOLUMETRIC_DST@1',
      thresholds: { pps: v.pps, bps: v.bps, flowsPerSecond: v.flowsPerSecond }, metrics: { ...base, ratio }, evidence: evidence(s, c, sec, topN),
    });
  }
  const pr = t.protocol;
  const checks: Array<[number, string, number, number, number, number]> = [
    [RULE_TCP, 'tcp', c.tcpP / sec, pr.tcpPps, (c.tcpB * 8) / sec, pr.tcpBps],
    [RULE_UDP, 'udp', c.udpP / sec, pr.udpPps, (c.udpB * 8) / sec, pr.udpBps],
    [RULE_ICMP, 'icmp', c.icmpP / sec, pr.icmpPps, (c.icmpB * 8) / sec, pr.icmpBps],
  ];
  for (const [bit, name, p, pt, b, bt] of checks) {
    if ((m & bit) === 0) continue;
    const ratio = Math.max(p / pt, b / bt);
    out.push({
      type: 'DDOS_VOLUMETRIC_DST', severity: severityFor(pr.severity, ratio, pr.criticalFactor), ...common, ruleId: 'DDOS_VOLUMETRIC_PROTO@1',
      thresholds: { pps: pt, bps: bt }, metrics: { ...base, protocolPps: p, protocolBps: b, ratio },
      evidence: evidence(s, c, sec, topN, { protocol: name }),
    });
  }
  const a = t.amplification;
  if (m & RULE_AMP) {
    const ports: number[] = [];
    const [ap, ab] = ampCounts(c, s.detail, a, ampUnion, ports);
    const app = ap / sec;
    const abps = (ab * 8) / sec;
    const ratio = Math.max(app / a.pps, abps / a.bps);
    out.push({
      type: 'DDOS_AMPLIFICATION', severity: severityFor(a.severity, ratio, a.criticalFactor), ...common, ruleId: 'DDOS_AMPLIFICATION@1',
      thresholds: { pps: a.pps, bps: a.bps }, metrics: { ...base, pps: app, bps: abps, totalPps: pps, share: c.pkts ? ap / c.pkts : 0, ratio },
      evidence: evidence(s, c, sec, topN, { amplificationPorts: ports.sort((x, y) => x - y) }),
    });
  }
  const sy = t.synFlood;
  if (m & RULE_SYN) {
    const synPps = c.synP / sec;
    const ratio = synPps / sy.pps;
    out.push({
      type: 'DDOS_SYN_FLOOD', severity: severityFor(sy.severity, ratio, sy.criticalFactor), ...common, ruleId: 'DDOS_SYN_FLOOD@1',
      thresholds: { pps: sy.pps, minShare: sy.minShare }, metrics: { ...base, pps: synPps, share: c.tcpP ? c.synP / c.tcpP : 0, totalPps: pps, ratio },
      evidence: evidence(s, c, sec, topN),
    });
  }
  const fr = t.fragments;
  if (m & RULE_FRAG) {
    const fragPps = c.fragP / sec;
    const ratio = fragPps / fr.pps;
    out.push({
      type: 'DDOS_FRAGMENTS', severity: severityFor(fr.severity, ratio, fr.criticalFactor), ...common, ruleId: 'DDOS_FRAGMENTS@1',
      thresholds: { pps: fr.pps }, metrics: { ...base, pps: fragPps, share: c.pkts ? c.fragP / c.pkts : 0, totalPps: pps, ratio },
      evidence: evidence(s, c, sec, topN),
    });
  }
  return m;
}

/**
 * Smallest rates any rule could fire at (over base and all overrides): destinations below all are skipped.
 * `pps` leaves the fragments rule out (it has its own `fragPps`, compared with the fragment count).
 */
export function minimumRates(all: DetectorThresholds[]): { pps: number; bps: number; fps: number; fragPps: number } {
  let pps = Infinity;
  let bps = Infinity;
  let fps = Infinity;
  let fragPps = Infinity;
  for (const t of all) {
    pps = Math.min(pps, t.volumetric.pps, t.protocol.tcpPps, t.protocol.udpPps, t.protocol.icmpPps, t.amplification.pps, t.synFlood.pps);
    bps = Math.min(bps, t.volumetric.bps, t.protocol.tcpBps, t.protocol.udpBps, t.protocol.icmpBps, t.amplification.bps);
    fps = Math.min(fps, t.volumetric.flowsPerSecond);
    fragPps = Math.min(fragPps, t.fragments.pps);
  }
  return { pps, bps, fps, fragPps };
}
