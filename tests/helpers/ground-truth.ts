/**
 * Compare what our decoders make of real exporters' datagrams with the generator's ground truth.
 *
 * Contract units (shared/brief/contract.md → Units):
 *   bytes    = layer-2 frame octets incl. Ethernet header and FCS, × sampling rate.
 *              NetFlow/IPFIX: l3 + 18 per packet, + 22 when the record reports an 802.1Q VLAN.
 *              sFlow: frame_length (already incl. FCS).
 *   l3_bytes = IP octets (NetFlow/IPFIX octet counts as exported; sFlow frame less L2 header/tags/FCS).
 *
 * So the *contract* truth for a NetFlow/IPFIX exporter is
 *     l3Octets + 18·packets + 4·taggedPackets   (when the exporter reports the VLAN)
 *     l3Octets + 18·packets                     (when it does not)
 * which differs from the true wire size by the Ethernet padding of frames shorter than 64 octets
 * (`padOctets`): NetFlow/IPFIX cannot know about padding. sFlow's frame_length is the wire size.
 *
 * Sampling bound (documented formula). With independent 1-in-R packet sampling (each packet taken
 * with probability p = 1/R) the estimator of a total is X̂ = R·Σ_sampled x_i, unbiased, with
 *     Var(X̂) = R²·p(1−p)·Σ x_i² = (R − 1)·Σ x_i²
 * over all packets i of the population (x_i = 1 for packets, frame octets for bytes). For packets
 * this is σ = sqrt(N·(R−1)) ≈ N/sqrt(n) with n = N/R samples — the usual "relative error ≈ 1/√n".
 * We accept |X̂ − X| ≤ k·σ with k = 5 (5-sigma: a false failure about once in 1.7 million runs
 * under the normal approximation). Count-based sampling with random skips (sFlow agents) has a
 * variance no larger than that of Bernoulli sampling for these totals, so the bound holds for both.
 */
import { decodeNetflow, createNetflowState } from '../../collectors/decoders/netflow/index.js';
import { decodeSflow, createSflowState } from '../../collectors/decoders/sflow/index.js';
import {
  NO_SAMPLING_POLICY,
  emptyStats,
  type DecodeCounters,
  type FlowRecord,
  type InterfaceCounters,
  type RawDatagram,
  type SamplingPolicy,
} from '../../collectors/decoders/types.js';
import { macText } from '../../collectors/decoders/shared/addr.js';
import type { PacketTruth, Totals } from './traffic-pcap.js';

export interface DecodedRun {
  flows: FlowRecord[];
  counters: InterfaceCounters[];
  stats: DecodeCounters;
  /** Decode calls that produced any error reason (reason → count, summed). */
  errors: Record<string, number>;
}

function mergeStats(into: DecodeCounters, s: DecodeCounters): void {
  for (const [k, v] of Object.entries(s.errors)) {
    const key = k as keyof DecodeCounters['errors'];
    into.errors[key] = (into.errors[key] ?? 0) + (v ?? 0);
  }
  into.templatesLearned += s.templatesLearned;
  into.templatesWithdrawn += s.templatesWithdrawn;
  into.pendingHeld += s.pendingHeld;
  into.lostDatagrams += s.lostDatagrams;
  into.lostSamples += s.lostSamples;
  into.agentDrops += s.agentDrops;
}

/** Decode every datagram in order with one fresh state. */
export function decodeAll(
  datagrams: RawDatagram[],
  kind: 'netflow' | 'sflow',
  sampling: SamplingPolicy = NO_SAMPLING_POLICY,
): DecodedRun {
  const out: DecodedRun = { flows: [], counters: [], stats: emptyStats(), errors: {} };
  if (kind === 'netflow') {
    const st = createNetflowState();
    for (const d of datagrams) {
      const r = decodeNetflow(d, st, sampling);
      out.flows.push(...r.flows);
      out.counters.push(...r.counters);
      mergeStats(out.stats, r.stats);
    }
  } else {
    const st = createSflowState();
    for (const d of datagrams) {
      const r = decodeSflow(d, st, sampling);
      out.flows.push(...r.flows);
      out.counters.push(...r.counters);
      mergeStats(out.stats, r.stats);
    }
  }
  out.errors = { ...out.stats.errors } as Record<string, number>;
  return out;
}

export interface FlowSums {
  records: number;
  /** Σ packets × samplingRate. */
  packets: number;
  /** Σ frameOctets × samplingRate (contract `bytes`). */
  frameOctets: number;
  /** Σ l3Octets × samplingRate (contract `l3_bytes`). */
  l3Octets: number;
  /** Raw Σ packets (unscaled) = number of samples for sFlow. */
  rawPackets: number;
  /** Records that carried a VLAN id. */
  vlanRecords: number;
}

export function emptySums(): FlowSums {
  return { records: 0, packets: 0, frameOctets: 0, l3Octets: 0, rawPackets: 0, vlanRecords: 0 };
}

export function addFlow(s: FlowSums, f: FlowRecord): void {
  const r = f.samplingRate > 0 ? f.samplingRate : 1;
  s.records += 1;
  s.packets += f.packets * r;
  s.frameOctets += f.frameOctets * r;
  s.l3Octets += f.l3Octets * r;
  s.rawPackets += f.packets;
  if (f.vlan !== 0) s.vlanRecords += 1;
}

export function sumFlows(flows: Iterable<FlowRecord>): FlowSums {
  const s = emptySums();
  for (const f of flows) addFlow(s, f);
  return s;
}

export function sumFlowsBy(flows: Iterable<FlowRecord>, key: (f: FlowRecord) => string): Map<string, FlowSums> {
  const m = new Map<string, FlowSums>();
  for (const f of flows) {
    const k = key(f);
    let s = m.get(k);
    if (!s) {
      s = emptySums();
      m.set(k, s);
    }
    addFlow(s, f);
  }
  return m;
}

/** Contract `bytes` a NetFlow/IPFIX exporter's l3 counts turn into (see header). */
export function netflowContractFrameOctets(t: Totals, vlanReported: boolean): number {
  return t.l3Octets + 18 * t.packets + (vlanReported ? 4 * t.taggedPackets : 0);
}

export interface SampledBound {
  packets: { expected: number; sigma: number; bound: number };
  frameOctets: { expected: number; sigma: number; bound: number };
  l3Octets: { expected: number; sigma: number; bound: number };
}

/** k-sigma bound for the estimators of packet / frame-octet / l3-octet totals under 1-in-R sampling. */
export function samplingBound(t: Totals, rate: number, k = 5): SampledBound {
  const rm1 = Math.max(0, rate - 1);
  const mk = (expected: number, sumSq: number) => {
    const sigma = Math.sqrt(rm1 * sumSq);
    return { expected, sigma, bound: k * sigma };
  };
  return {
    packets: mk(t.packets, t.packets),
    frameOctets: mk(t.frameOctets, t.frameOctetsSq),
    l3Octets: mk(t.l3Octets, t.l3OctetsSq),
  };
}

export function withinBound(actual: number, b: { expected: number; bound: number }): boolean {
  return Math.abs(actual - b.expected) <= b.bound;
}

/** Key used for per-MAC-pair comparisons (same text as traffic-pcap's macPairKey). */
export function flowMacPairKey(f: FlowRecord): string {
  return `${f.srcMac.toString(16).padStart(12, '0')}>${f.dstMac.toString(16).padStart(12, '0')}`;
}

export function flowMacPairVlanKey(f: FlowRecord): string {
  return `${flowMacPairKey(f)}@${f.vlan}`;
}

export function describeKey(k: string): string {
  const [pair, vlan] = k.split('@');
  const [a, b] = pair!.split('>');
  return `${macText(parseInt(a!, 16))} → ${macText(parseInt(b!, 16))}${vlan !== undefined ? ` vlan ${vlan}` : ''}`;
}

export interface Mismatch {
  key: string;
  field: string;
  expected: number;
  actual: number;
}

/**
 * Compare per-key sums against expectations. `expect` maps each truth key to the expected
 * { packets, frameOctets, l3Octets }; keys present on only one side are mismatches too.
 */
export function compareExact(
  actual: Map<string, FlowSums>,
  expected: Map<string, { packets: number; frameOctets: number; l3Octets: number }>,
): Mismatch[] {
  const out: Mismatch[] = [];
  const keys = new Set([...actual.keys(), ...expected.keys()]);
  for (const k of [...keys].sort()) {
    const a = actual.get(k);
    const e = expected.get(k);
    for (const field of ['packets', 'frameOctets', 'l3Octets'] as const) {
      const av = a ? a[field] : 0;
      const ev = e ? e[field] : 0;
      if (av !== ev) out.push({ key: describeKey(k), field, expected: ev, actual: av });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Member attribution truth (live service tests)

/**
 * What one real exporter's records turn into, per packet, in contract units:
 * - 'wire':      bytes = wire frame incl. FCS and padding; l3_bytes = IP octets + padding
 *                (softflowd -T ether v9/IPFIX: octets = captured length − L2 header, VLAN reported)
 * - 'ip+vlan':   bytes = IP + 18 (+4 when tagged); l3_bytes = IP (pmacct nfprobe v9/IPFIX with vlan)
 * - 'ip':        bytes = IP + 18; l3_bytes = IP (pmacct nfprobe NetFlow v5: no VLAN, IPv4 only)
 * - 'ip+pad':    bytes = IP + padding + 18; l3_bytes = IP + padding (softflowd NetFlow v5: octets =
 *                captured length − L2 header, no VLAN in v5 so tagged frames come out 4 short)
 * - 'sflow':     bytes = wire frame incl. FCS and padding; l3_bytes = IP (sFlow raw header)
 */
export type ContractUnits = 'wire' | 'ip+vlan' | 'ip' | 'ip+pad' | 'sflow';

export interface PairTotals {
  bytes: number;
  l3Bytes: number;
  packets: number;
}

export function contractOf(p: PacketTruth, units: ContractUnits): PairTotals {
  switch (units) {
    case 'wire':
      return { bytes: p.frameOctets, l3Bytes: p.l3Octets + p.padOctets, packets: 1 };
    case 'ip+vlan':
      return { bytes: p.l3Octets + 18 + (p.vlan !== 0 ? 4 : 0), l3Bytes: p.l3Octets, packets: 1 };
    case 'ip':
      return { bytes: p.l3Octets + 18, l3Bytes: p.l3Octets, packets: 1 };
    case 'ip+pad':
      return { bytes: p.l3Octets + p.padOctets + 18, l3Bytes: p.l3Octets + p.padOctets, packets: 1 };
    case 'sflow':
      return { bytes: p.frameOctets, l3Bytes: p.l3Octets, packets: 1 };
  }
}

/** Key of a matrix cell: `${srcAsn}>${dstAsn}` with 0 = not attributable. */
export function cellKey(src: number, dst: number): string {
  return `${src}>${dst}`;
}

/**
 * Expected member matrix for `packets`: `owner(p, 'src' | 'dst')` says which ASN (0 = none) the
 * collector should attribute each side to.
 */
export function expectedMatrix(
  packets: Iterable<PacketTruth>,
  units: ContractUnits,
  owner: (p: PacketTruth, side: 'src' | 'dst') => number,
): Map<string, PairTotals> {
  const m = new Map<string, PairTotals>();
  for (const p of packets) {
    const k = cellKey(owner(p, 'src'), owner(p, 'dst'));
    const c = contractOf(p, units);
    const t = m.get(k) ?? { bytes: 0, l3Bytes: 0, packets: 0 };
    t.bytes += c.bytes;
    t.l3Bytes += c.l3Bytes;
    t.packets += c.packets;
    m.set(k, t);
  }
  return m;
}

/** Per-ASN in (sends) / out (receives) totals of a matrix. */
export function memberTotalsOf(matrix: Map<string, PairTotals>, asn: number): { in: PairTotals; out: PairTotals } {
  const r = { in: { bytes: 0, l3Bytes: 0, packets: 0 }, out: { bytes: 0, l3Bytes: 0, packets: 0 } };
  for (const [k, t] of matrix) {
    const [s, d] = k.split('>').map(Number);
    for (const [side, hit] of [
      ['in', s === asn],
      ['out', d === asn],
    ] as const) {
      if (!hit) continue;
      r[side].bytes += t.bytes;
      r[side].l3Bytes += t.l3Bytes;
      r[side].packets += t.packets;
    }
  }
  return r;
}
