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

const TCP = 6;
const UDP = 17;
const ICMP = 1;
const ICMP6 = 58;
const SYN = 0x02;
const ACK = 0x10;

export class DstStats {
  victimAsn = 0;
  firstMs = 0;
  lastMs = 0;
  pkts = 0;
  bytes = 0;
  flowRecs = 0;
  tcpP = 0; tcpB = 0; udpP = 0; udpB = 0; icmpP = 0; icmpB = 0;
  synP = 0;
  fragP = 0;
  /** UDP from any amplification port (union of all settings' lists). */
  ampP = 0;
  ampB = 0;
  detail: DstDetail | null = null;
  /** Evidence was taken back (budget); do not ask again this window. */
  noDetail = false;

  constructor(readonly addr: string) {}
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

/** Add one flow to its destination's accumulator. `ampPort[srcPort]` marks amplification ports (union of all settings). */
export function accumulate(s: DstStats, f: SecurityFlow, o: AccumulateOptions): void {
  const r = f.samplingRate > 0 ? f.samplingRate : 1;
  const p = f.packets * r;
  const b = f.frameOctets * r;
  if (s.firstMs === 0) s.firstMs = f.receivedAtMs;
  s.lastMs = f.receivedAtMs;
  if (f.dstAsn) s.victimAsn = f.dstAsn;
  s.pkts += p;
  s.bytes += b;
  if (f.protocol !== 'sflow-v5') s.flowRecs += r;
  const proto = f.ipProto;
  if (proto === TCP) {
    s.tcpP += p; s.tcpB += b;
    if ((f.tcpFlags & SYN) !== 0 && (f.tcpFlags & ACK) === 0) s.synP += p;
  } else if (proto === UDP) {
    s.udpP += p; s.udpB += b;
    if (o.ampPort[f.srcPort] === 1) { s.ampP += p; s.ampB += b; }
  } else if (proto === ICMP || proto === ICMP6) {
    s.icmpP += p; s.icmpB += b;
  }
  if (f.fragment === 1) s.fragP += p;
  let d = s.detail;
  if (d === null) {
    if (s.noDetail || s.pkts < o.detailAfter) return;
    d = s.detail = o.detail();
    if (d === null) return;
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

function evidence(s: DstStats, sec: number, topN: number, extra?: AlertEvidence['details']): AlertEvidence {
  const d = s.detail ?? NO_DETAIL;
  const protocols: Array<{ key: number; pps: number }> = [];
  if (s.tcpP) protocols.push({ key: TCP, pps: s.tcpP / sec });
  if (s.udpP) protocols.push({ key: UDP, pps: s.udpP / sec });
  if (s.icmpP) protocols.push({ key: ICMP, pps: s.icmpP / sec });
  const other = s.pkts - s.tcpP - s.udpP - s.icmpP;
  if (other > 0) protocols.push({ key: -1, pps: other / sec });
  return {
    topSources: d.sources.top(topN).map((e) => ({ addr: e.key, asn: e.asn || null, pps: e.count / sec, bps: (e.bytes * 8) / sec })),
    topSrcPorts: d.srcPorts.top(topN).map((e) => ({ key: e.key, pps: e.count / sec })),
    topDstPorts: d.dstPorts.top(topN).map((e) => ({ key: e.key, pps: e.count / sec })),
    protocols: protocols.sort((a, b) => b.pps - a.pps),
    sampleFlows: d.samples.slice(0, d.sampleCount).map(formatSample),
    samplingRates: [...d.rates].sort((a, b) => a - b),
    ...(extra ? { details: extra } : {}),
  };
}

/** Evaluate the DDoS rules for one destination over a closed window of `sec` seconds. */
/**
 * Evaluate the DDoS rules for one destination over a closed window of `sec` seconds. `ampUnion` is the
 * sorted union of amplification ports the totals were counted for: when the resolved list equals it the
 * exact totals are used, otherwise the per-port evidence counters (exact since evidence started).
 */
export function evaluateDst(s: DstStats, t: DetectorThresholds, sec: number, topN: number, ampUnion: readonly number[], out: AlertCandidate[]): void {
  const pps = s.pkts / sec;
  const bps = (s.bytes * 8) / sec;
  const fps = s.flowRecs / sec;
  const topAsn = s.detail?.srcAsns.top(1)[0];
  const common = {
    target: s.addr, sourceAsn: topAsn ? topAsn.key : null, victimAsn: s.victimAsn || null, firstSeenMs: s.firstMs, lastSeenMs: s.lastMs,
  };
  const base = {
    pps, bps, flowsPerSecond: fps, tcpPps: s.tcpP / sec, udpPps: s.udpP / sec, icmpPps: s.icmpP / sec, synPps: s.synP / sec,
    fragmentPps: s.fragP / sec, windowSeconds: sec,
  };
  const v = t.volumetric;
  let volumetric = false;
  if (v.enabled && (pps > v.pps || bps > v.bps || fps > v.flowsPerSecond)) {
    volumetric = true;
    const ratio = Math.max(pps / v.pps, bps / v.bps, fps / v.flowsPerSecond);
    out.push({
      type: 'DDOS_VOLUMETRIC_DST', severity: severityFor(v.severity, ratio, v.criticalFactor), ...common, ruleId: 'DDOS_VOLUMETRIC_DST@1',
      thresholds: { pps: v.pps, bps: v.bps, flowsPerSecond: v.flowsPerSecond }, metrics: { ...base, ratio }, evidence: evidence(s, sec, topN),
    });
  }
  const pr = t.protocol;
  if (pr.enabled && !volumetric) {
    const checks: Array<[string, number, number, number, number]> = [
      ['tcp', s.tcpP / sec, pr.tcpPps, (s.tcpB * 8) / sec, pr.tcpBps],
      ['udp', s.udpP / sec, pr.udpPps, (s.udpB * 8) / sec, pr.udpBps],
      ['icmp', s.icmpP / sec, pr.icmpPps, (s.icmpB * 8) / sec, pr.icmpBps],
    ];
    for (const [name, p, pt, b, bt] of checks) {
      if (p > pt || b > bt) {
        const ratio = Math.max(p / pt, b / bt);
        out.push({
          type: 'DDOS_VOLUMETRIC_DST', severity: severityFor(pr.severity, ratio, pr.criticalFactor), ...common, ruleId: 'DDOS_VOLUMETRIC_PROTO@1',
          thresholds: { pps: pt, bps: bt }, metrics: { ...base, protocolPps: p, protocolBps: b, ratio },
          evidence: evidence(s, sec, topN, { protocol: name }),
        });
      }
    }
  }
  const a = t.amplification;
  if (a.enabled && s.ampP > 0) {
    const dp = s.detail?.ampPorts;
    const whole = a.sourcePorts.length === ampUnion.length && a.sourcePorts.every((p) => ampUnion.includes(p));
    let ap = whole ? s.ampP : 0;
    let ab = whole ? s.ampB : 0;
    const ports: number[] = [];
    if (dp) {
      for (let i = 0; i < dp.size; i++) {
        const port = dp.keys[i]!;
        if (!a.sourcePorts.includes(port)) continue;
        if (!whole) { ap += dp.counts[i]!; ab += dp.bytes[i]!; }
        ports.push(port);
      }
    }
    const app = ap / sec;
    const abps = (ab * 8) / sec;
    if (app > a.pps || abps > a.bps) {
      const ratio = Math.max(app / a.pps, abps / a.bps);
      out.push({
        type: 'DDOS_AMPLIFICATION', severity: severityFor(a.severity, ratio, a.criticalFactor), ...common, ruleId: 'DDOS_AMPLIFICATION@1',
        thresholds: { pps: a.pps, bps: a.bps }, metrics: { ...base, pps: app, bps: abps, totalPps: pps, share: s.pkts ? ap / s.pkts : 0, ratio },
        evidence: evidence(s, sec, topN, { amplificationPorts: ports.sort((x, y) => x - y) }),
      });
    }
  }
  const sy = t.synFlood;
  const synPps = s.synP / sec;
  const share = s.tcpP ? s.synP / s.tcpP : 0;
  if (sy.enabled && synPps > sy.pps && share > sy.minShare) {
    const ratio = synPps / sy.pps;
    out.push({
      type: 'DDOS_SYN_FLOOD', severity: severityFor(sy.severity, ratio, sy.criticalFactor), ...common, ruleId: 'DDOS_SYN_FLOOD@1',
      thresholds: { pps: sy.pps, minShare: sy.minShare }, metrics: { ...base, pps: synPps, share, totalPps: pps, ratio }, evidence: evidence(s, sec, topN),
    });
  }
  const fr = t.fragments;
  const fragPps = s.fragP / sec;
  if (fr.enabled && fragPps > fr.pps) {
    const ratio = fragPps / fr.pps;
    out.push({
      type: 'DDOS_FRAGMENTS', severity: severityFor(fr.severity, ratio, fr.criticalFactor), ...common, ruleId: 'DDOS_FRAGMENTS@1',
      thresholds: { pps: fr.pps }, metrics: { ...base, pps: fragPps, share: s.pkts ? s.fragP / s.pkts : 0, totalPps: pps, ratio },
      evidence: evidence(s, sec, topN),
    });
  }
}

/** Smallest pps/bps/fps any rule could fire at (over base and all overrides): destinations below all are skipped. */
export function minimumRates(all: DetectorThresholds[]): { pps: number; bps: number; fps: number } {
  let pps = Infinity;
  let bps = Infinity;
  let fps = Infinity;
  for (const t of all) {
    pps = Math.min(pps, t.volumetric.pps, t.protocol.tcpPps, t.protocol.udpPps, t.protocol.icmpPps, t.amplification.pps, t.synFlood.pps, t.fragments.pps);
    bps = Math.min(bps, t.volumetric.bps, t.protocol.tcpBps, t.protocol.udpBps, t.protocol.icmpBps, t.amplification.bps);
    fps = Math.min(fps, t.volumetric.flowsPerSecond);
  }
  return { pps, bps, fps };
}
