/**
 * Per-destination accumulators of the DDoS rules (ddos-rules.ts): the sub-bucket ring (window-ring.ts) and
 * the evidence holder of each destination.
 *
 * Scaling: every count is multiplied by the record's sampling rate when observed, and rates divide by the
 * span's duration (sub-bucket, guard or window): pps = Σ packets×rate / seconds, bps = Σ frameOctets×rate×8 / seconds.
 * flows/s = Σ records×rate / seconds for NetFlow/IPFIX records (one record ≈ rate flows for the 1-packet
 * flows of a flood); sFlow carries packet samples, not flows, so sFlow adds nothing to flows/s.
 *
 * Evidence (top sources, ports, sample flows) is collected only once a destination has accumulated
 * `detailAfter` scaled packets in the window (a small fraction of the lowest threshold), so the long
 * tail of small destinations costs a few numbers each; the counts that rules compare are always exact.
 */
import { captureSample, type RawSample, type SecurityFlow } from '../types.js';
import { RULE_COUNT } from './rules.js';
import { evidenceWeight, hashStr, TopK } from './topk.js';
import { WindowRing } from './window-ring.js';

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
    this.addr = addr;
    this.victimAsn = 0;
    this.firstMs = 0;
    this.lastMs = 0;
    this.detail = null;
    this.noDetail = false;
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
    this.sources.reset();
    this.srcAsns.reset();
    this.srcPorts.reset();
    this.dstPorts.reset();
    this.ampPorts.reset();
    this.sampleCount = 0;
    this.flows = 0;
    this.rates.length = 0;
  }

  sample(f: SecurityFlow): void {
    const i = this.sampleCount++;
    const r = this.samples[i];
    if (r === undefined) {
      this.samples.push(captureSample(f));
      return;
    }
    r.ts = f.receivedAtMs;
    r.exporter = f.exporter;
    r.inIf = f.inIf;
    r.srcMac = f.srcMac;
    r.dstMac = f.dstMac;
    r.etherType = f.etherType;
    r.src = f.srcAddr;
    r.dst = f.dstAddr;
    r.proto = f.ipProto;
    r.srcPort = f.srcPort;
    r.dstPort = f.dstPort;
    r.packets = f.packets;
    r.bytes = f.frameOctets;
    r.samplingRate = f.samplingRate;
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
  x[at + 0] += p;
  x[at + 1] += b;
  x[at + 13] += f.packets * share;
  s.pkts += p;
  s.bytes += b;
  if (f.protocol !== 'sflow-v5') {
    x[at + 2] += r * share;
    s.flowRecs += r * share;
  }
  const proto = f.ipProto;
  if (proto === TCP) {
    x[at + 3] += p;
    x[at + 4] += b;
    if ((f.tcpFlags & SYN) !== 0 && (f.tcpFlags & ACK) === 0) x[at + 9] += p;
  } else if (proto === UDP) {
    x[at + 5] += p;
    x[at + 6] += b;
    if (o.ampPort[f.srcPort] === 1) {
      x[at + 11] += p;
      x[at + 12] += b;
    }
  } else if (proto === ICMP || proto === ICMP6) {
    x[at + 7] += p;
    x[at + 8] += b;
  }
  if (f.fragment === 1) {
    x[at + 10] += p;
    s.fragP += p;
  }
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
    d.srcPorts.add(f.srcPort, f.srcPort, p);
    d.dstPorts.add(f.dstPort, f.dstPort, p);
    if (proto === UDP && o.ampPort[f.srcPort] === 1) d.ampPorts.add(f.srcPort, f.srcPort, p, b);
  }
  if (d.sampleCount < 10) d.sample(f);
  if (d.rates.length < 8 && d.rates.indexOf(r) < 0) d.rates.push(r);
}
