/**
 * The DDoS rules evaluated on a destination's counts (a sub-bucket, the guard span or the whole window):
 * DDOS_VOLUMETRIC_DST (all protocols, then per protocol), DDOS_AMPLIFICATION, DDOS_SYN_FLOOD, DDOS_FRAGMENTS.
 * Rates = counts / seconds of the span; evidence (top sources, ports, samples) from the destination's
 * evidence holder, divided by the time since that evidence started.
 */
import { formatSample, type AlertCandidate, type AlertEvidence, type Severity } from '../types.js';
import type { DetectorThresholds } from '../thresholds.js';
import {
  RULE_ALL,
  RULE_AMP,
  RULE_FRAG,
  RULE_ICMP,
  RULE_PROTO,
  RULE_SYN,
  RULE_TCP,
  RULE_UDP,
  RULE_VOL,
} from './rules.js';
import { DstDetail, type DstStats } from './volumetric.js';
import type { Counts } from './window-ring.js';

const TCP = 6;
const UDP = 17;
const ICMP = 1;

export function severityFor(base: Severity, ratio: number, criticalFactor: number): Severity {
  return ratio >= criticalFactor ? 'critical' : base;
}

let noDetail: DstDetail | null = null;

function evidence(s: DstStats, c: Counts, sec: number, topN: number, extra?: AlertEvidence['details']): AlertEvidence {
  const d = s.detail ?? (noDetail ??= new DstDetail(1));
  // Top lists count since the evidence started (it restarts after each emission).
  const esec = d === noDetail ? sec : Math.max((s.lastMs - d.startMs) / 1000, 0.25);
  const protocols: Array<{ key: number; pps: number }> = [];
  if (c.tcpP) protocols.push({ key: TCP, pps: c.tcpP / sec });
  if (c.udpP) protocols.push({ key: UDP, pps: c.udpP / sec });
  if (c.icmpP) protocols.push({ key: ICMP, pps: c.icmpP / sec });
  const other = c.pkts - c.tcpP - c.udpP - c.icmpP;
  if (other > 0) protocols.push({ key: -1, pps: other / sec });
  return {
    topSources: d.sources
      .top(topN)
      .map((e) => ({ addr: e.key, asn: e.asn || null, pps: e.count / esec, bps: (e.bytes * 8) / esec })),
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
function ampCounts(
  c: Counts,
  d: DstDetail | null,
  a: DetectorThresholds['amplification'],
  ampUnion: readonly number[],
  ports: number[] | null,
): [number, number] {
  const whole = ampWhole(a, ampUnion);
  let ap = whole ? c.ampP : 0;
  let ab = whole ? c.ampB : 0;
  const dp = d?.ampPorts;
  if (dp) {
    for (let i = 0; i < dp.size; i++) {
      const port = dp.keys[i]!;
      if (!a.sourcePorts.includes(port)) continue;
      if (!whole) {
        ap += dp.counts[i]!;
        ab += dp.bytes[i]!;
      }
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
export function firing(
  c: Counts,
  d: DstDetail | null,
  t: DetectorThresholds,
  sec: number,
  ampUnion: readonly number[],
  bucketLevel: boolean,
): number {
  let m = 0;
  const v = t.volumetric;
  if (v.enabled && (c.pkts / sec > v.pps || (c.bytes * 8) / sec > v.bps || c.flowRecs / sec > v.flowsPerSecond))
    m |= RULE_VOL;
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
export function evaluateDst(
  s: DstStats,
  c: Counts,
  t: DetectorThresholds,
  sec: number,
  topN: number,
  ampUnion: readonly number[],
  out: AlertCandidate[],
  allow = RULE_ALL,
): number {
  const all = firing(c, s.detail, t, sec, ampUnion, false);
  let m = all & allow;
  if (all & RULE_VOL) m &= ~RULE_PROTO;
  if (m === 0) return 0;
  const pps = c.pkts / sec;
  const bps = (c.bytes * 8) / sec;
  const fps = c.flowRecs / sec;
  const topAsn = s.detail?.srcAsns.top(1)[0];
  const common = {
    target: s.addr,
    sourceAsn: topAsn ? topAsn.key : null,
    victimAsn: s.victimAsn || null,
    firstSeenMs: s.firstMs,
    lastSeenMs: s.lastMs,
  };
  const base = {
    pps,
    bps,
    flowsPerSecond: fps,
    tcpPps: c.tcpP / sec,
    udpPps: c.udpP / sec,
    icmpPps: c.icmpP / sec,
    synPps: c.synP / sec,
    fragmentPps: c.fragP / sec,
    windowSeconds: sec,
  };
  const v = t.volumetric;
  if (m & RULE_VOL) {
    const ratio = Math.max(pps / v.pps, bps / v.bps, fps / v.flowsPerSecond);
    out.push({
      type: 'DDOS_VOLUMETRIC_DST',
      severity: severityFor(v.severity, ratio, v.criticalFactor),
      ...common,
      ruleId: 'DDOS_VOLUMETRIC_DST@1',
      thresholds: { pps: v.pps, bps: v.bps, flowsPerSecond: v.flowsPerSecond },
      metrics: { ...base, ratio },
      evidence: evidence(s, c, sec, topN),
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
      type: 'DDOS_VOLUMETRIC_DST',
      severity: severityFor(pr.severity, ratio, pr.criticalFactor),
      ...common,
      ruleId: 'DDOS_VOLUMETRIC_PROTO@1',
      thresholds: { pps: pt, bps: bt },
      metrics: { ...base, protocolPps: p, protocolBps: b, ratio },
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
      type: 'DDOS_AMPLIFICATION',
      severity: severityFor(a.severity, ratio, a.criticalFactor),
      ...common,
      ruleId: 'DDOS_AMPLIFICATION@1',
      thresholds: { pps: a.pps, bps: a.bps },
      metrics: { ...base, pps: app, bps: abps, totalPps: pps, share: c.pkts ? ap / c.pkts : 0, ratio },
      evidence: evidence(s, c, sec, topN, { amplificationPorts: ports.sort((x, y) => x - y) }),
    });
  }
  // SYN flood and fragments: one rate against one pps threshold, with the share of the destination's packets.
  const single = (
    type: 'DDOS_SYN_FLOOD' | 'DDOS_FRAGMENTS',
    cfg: { severity: Severity; criticalFactor: number; pps: number },
    rate: number,
    share: number,
    thresholds: Record<string, number>,
  ) => {
    const ratio = rate / cfg.pps;
    out.push({
      type,
      severity: severityFor(cfg.severity, ratio, cfg.criticalFactor),
      ...common,
      ruleId: `${type}@1`,
      thresholds,
      metrics: { ...base, pps: rate, share, totalPps: pps, ratio },
      evidence: evidence(s, c, sec, topN),
    });
  };
  const sy = t.synFlood;
  if (m & RULE_SYN)
    single('DDOS_SYN_FLOOD', sy, c.synP / sec, c.tcpP ? c.synP / c.tcpP : 0, { pps: sy.pps, minShare: sy.minShare });
  const fr = t.fragments;
  if (m & RULE_FRAG) single('DDOS_FRAGMENTS', fr, c.fragP / sec, c.pkts ? c.fragP / c.pkts : 0, { pps: fr.pps });
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
    pps = Math.min(
      pps,
      t.volumetric.pps,
      t.protocol.tcpPps,
      t.protocol.udpPps,
      t.protocol.icmpPps,
      t.amplification.pps,
      t.synFlood.pps,
    );
    bps = Math.min(
      bps,
      t.volumetric.bps,
      t.protocol.tcpBps,
      t.protocol.udpBps,
      t.protocol.icmpBps,
      t.amplification.bps,
    );
    fps = Math.min(fps, t.volumetric.flowsPerSecond);
    fragPps = Math.min(fragPps, t.fragments.pps);
  }
  return { pps, bps, fps, fragPps };
}
