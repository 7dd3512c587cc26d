/**
 * Sliding-window storage of the per-destination DDoS counters: a ring of `slots` sub-buckets of `stepMs`
 * (default 20 × 250 ms = the 5-s window) per destination, in one Float64Array, so a flow adds to its
 * sub-bucket with a few typed-array writes and nothing is allocated once the pool is warm.
 *
 * A flow's sub-bucket is floor(receivedAtMs / stepMs); slot = bucket mod slots. `bucketOf[slot]` says
 * which bucket a slot holds: a slot holding an older bucket is zeroed when reused (roll) and skipped when
 * summed (`sumWindow`), so the window sums are exact for [lo, hi] whatever the tick cadence.
 */

/** Field offsets inside one sub-bucket (scaled packets/bytes; FLOWS = sampled packets, before scaling: the statistical weight). */
export const P = 0;
export const B = 1;
export const REC = 2;
export const TCP_P = 3;
export const TCP_B = 4;
export const UDP_P = 5;
export const UDP_B = 6;
export const ICMP_P = 7;
export const ICMP_B = 8;
export const SYN_P = 9;
export const FRAG_P = 10;
export const AMP_P = 11;
export const AMP_B = 12;
export const FLOWS = 13;
export const FIELDS = 14;

/** The counters the DDoS rules compare (one sub-bucket, or a sum of several). */
export class Counts {
  pkts = 0;
  bytes = 0;
  flowRecs = 0;
  tcpP = 0;
  tcpB = 0;
  udpP = 0;
  udpB = 0;
  icmpP = 0;
  icmpB = 0;
  synP = 0;
  fragP = 0;
  ampP = 0;
  ampB = 0;
  /** Sampled packets (before scaling) behind the counts: the statistical weight of a sampled estimate. */
  flows = 0;

  clear(): this {
    this.pkts = 0;
    this.bytes = 0;
    this.flowRecs = 0;
    this.tcpP = 0;
    this.tcpB = 0;
    this.udpP = 0;
    this.udpB = 0;
    this.icmpP = 0;
    this.icmpB = 0;
    this.synP = 0;
    this.fragP = 0;
    this.ampP = 0;
    this.ampB = 0;
    this.flows = 0;
    return this;
  }

  add(r: Float64Array, o: number): this {
    this.pkts += r[o + P]!;
    this.bytes += r[o + B]!;
    this.flowRecs += r[o + REC]!;
    this.tcpP += r[o + TCP_P]!;
    this.tcpB += r[o + TCP_B]!;
    this.udpP += r[o + UDP_P]!;
    this.udpB += r[o + UDP_B]!;
    this.icmpP += r[o + ICMP_P]!;
    this.icmpB += r[o + ICMP_B]!;
    this.synP += r[o + SYN_P]!;
    this.fragP += r[o + FRAG_P]!;
    this.ampP += r[o + AMP_P]!;
    this.ampB += r[o + AMP_B]!;
    this.flows += r[o + FLOWS]!;
    return this;
  }
}

/** The sub-bucket ring of one destination plus running totals of packets, bytes, records, fragments (Σ of every slot held, stale ones included). */
export class WindowRing {
  readonly ring: Float64Array;
  readonly bucketOf: Float64Array;
  /** Running Σ over the held slots: an upper bound of the window's sums until `sumWindow` drops stale slots. */
  pkts = 0;
  bytes = 0;
  flowRecs = 0;
  fragP = 0;
  /** Newest bucket with traffic (-1: none). */
  lastBucket = -1;
  /** The bucket `slot` was last asked for and its offset (most flows of a destination land in the same one). */
  private curBucket = -1;
  private curOffset = 0;

  constructor(readonly slots: number) {
    this.ring = new Float64Array(slots * FIELDS);
    this.bucketOf = new Float64Array(slots).fill(-1);
  }

  reset(): void {
    this.ring.fill(0);
    this.bucketOf.fill(-1);
    this.pkts = 0;
    this.bytes = 0;
    this.flowRecs = 0;
    this.fragP = 0;
    this.lastBucket = -1;
    this.curBucket = -1;
  }

  /** Offset of `bucket`'s slot, rolled (zeroed) first when it held an older bucket. */
  slot(bucket: number): number {
    if (bucket === this.curBucket) return this.curOffset;
    const i = bucket % this.slots;
    const o = i * FIELDS;
    if (this.bucketOf[i] !== bucket) {
      const r = this.ring;
      this.pkts -= r[o + P]!;
      this.bytes -= r[o + B]!;
      this.flowRecs -= r[o + REC]!;
      this.fragP -= r[o + FRAG_P]!;
      r.fill(0, o, o + FIELDS);
      this.bucketOf[i] = bucket;
    }
    if (bucket > this.lastBucket) this.lastBucket = bucket;
    this.curBucket = bucket;
    this.curOffset = o;
    return o;
  }

  /** Offset of `bucket`'s slot when the ring holds it, else -1. */
  find(bucket: number): number {
    const i = bucket % this.slots;
    return this.bucketOf[i] === bucket ? i * FIELDS : -1;
  }

  /** Σ of the buckets in [lo, hi] into `out`; slots older than `lo` are zeroed (the running totals shrink to the window). */
  sumWindow(lo: number, hi: number, out: Counts): void {
    out.clear();
    const r = this.ring;
    for (let i = 0; i < this.slots; i++) {
      const b = this.bucketOf[i]!;
      if (b < 0) continue;
      const o = i * FIELDS;
      if (b < lo) {
        this.pkts -= r[o + P]!;
        this.bytes -= r[o + B]!;
        this.flowRecs -= r[o + REC]!;
        this.fragP -= r[o + FRAG_P]!;
        r.fill(0, o, o + FIELDS);
        this.bucketOf[i] = -1;
        if (b === this.curBucket) this.curBucket = -1;
        continue;
      }
      if (b <= hi) out.add(r, o);
    }
  }

  /** Σ over the buckets in [lo, hi] of min(field, cap): what a window holds when no sub-bucket may carry more than `cap`. */
  capped(lo: number, hi: number, field: number, cap: number): number {
    let n = 0;
    for (let i = 0; i < this.slots; i++) {
      const b = this.bucketOf[i]!;
      if (b < lo || b > hi) continue;
      const x = this.ring[i * FIELDS + field]!;
      n += x < cap ? x : cap;
    }
    return n;
  }
}
