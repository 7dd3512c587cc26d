/**
 * The DDoS rules over a sliding window (see engine.ts for the two ways a rule opens: onset over the
 * sustained guard, or the whole window with its burst cap). Per flow: one Map lookup and a few typed-array
 * additions into the destination's current sub-bucket (window-ring.ts). Per tick: every tracked
 * destination is checked against running totals (an upper bound of its window); only those that could
 * fire are summed exactly and evaluated. DstStats objects (with their rings) and evidence holders are
 * pooled, so a warm engine allocates nothing per flow.
 */
import type { AlertCandidate, SecurityFlow } from '../types.js';
import {
  resolveThresholds,
  type DetectorThresholds,
  type EngineSettings,
  type SecuritySettings,
} from '../thresholds.js';
import { evictBottomHalf } from './topk.js';
import { ampWhole, evaluateDst, firing, minimumRates } from './ddos-rules.js';
import {
  RULE_ALL,
  RULE_AMP,
  RULE_COUNT,
  RULE_FRAG,
  RULE_ICMP,
  RULE_PROTO,
  RULE_SYN,
  RULE_TCP,
  RULE_UDP,
  RULE_VOL,
} from './rules.js';
import { accumulate, DstDetail, DstStats, type AccumulateOptions } from './volumetric.js';
import {
  AMP_B,
  AMP_P,
  B,
  Counts,
  FLOWS,
  FRAG_P,
  ICMP_B,
  ICMP_P,
  P,
  REC,
  SYN_P,
  TCP_B,
  TCP_P,
  UDP_B,
  UDP_P,
} from './window-ring.js';

/** A sub-bucket counts for at most this many times the threshold rate in the window path (burstCapped). */
export const BURST_CAP = 2;

/**
 * The rules of `mask` that still fire on the window [lo, hi] when no sub-bucket counts for more than BURST_CAP ×
 * the threshold rate: a burst alone must then fill ≥ 1 / BURST_CAP of the window (2.5 s) to carry it over a
 * threshold, and a burst on top of background below the threshold must outlast the guard, while traffic near
 * the threshold (each sub-bucket well under the cap) is judged on its exact sums. The amplification rule with a
 * port list other than the union (counted per port, not per sub-bucket) is kept as it is.
 */
function burstCapped(
  s: DstStats,
  lo: number,
  hi: number,
  t: DetectorThresholds,
  sec: number,
  stepSec: number,
  mask: number,
  ampUnion: readonly number[],
): number {
  const k = BURST_CAP * stepSec;
  const over = (field: number, perSec: number) => s.capped(lo, hi, field, perSec * k) / sec > perSec;
  const v = t.volumetric;
  const pr = t.protocol;
  const a = t.amplification;
  let m = 0;
  if (mask & RULE_VOL && (over(P, v.pps) || over(B, v.bps / 8) || over(REC, v.flowsPerSecond))) m |= RULE_VOL;
  if (mask & RULE_TCP && (over(TCP_P, pr.tcpPps) || over(TCP_B, pr.tcpBps / 8))) m |= RULE_TCP;
  if (mask & RULE_UDP && (over(UDP_P, pr.udpPps) || over(UDP_B, pr.udpBps / 8))) m |= RULE_UDP;
  if (mask & RULE_ICMP && (over(ICMP_P, pr.icmpPps) || over(ICMP_B, pr.icmpBps / 8))) m |= RULE_ICMP;
  if (mask & RULE_AMP && (!ampWhole(a, ampUnion) || over(AMP_P, a.pps) || over(AMP_B, a.bps / 8))) m |= RULE_AMP;
  if (mask & RULE_SYN && over(SYN_P, t.synFlood.pps)) m |= RULE_SYN;
  if (mask & RULE_FRAG && over(FRAG_P, t.fragments.pps)) m |= RULE_FRAG;
  return m;
}

export interface SlidingCounters {
  evaluations: number;
  lateFlows: number;
  evictedDestinations: number;
  evictedDetails: number;
}

export class SlidingDdos {
  readonly dsts = new Map<string, DstStats>();
  readonly counters: SlidingCounters = { evaluations: 0, lateFlows: 0, evictedDestinations: 0, evictedDetails: 0 };
  private readonly step: number;
  private readonly slots: number;
  /** Sub-buckets of the sustained guard. */
  private readonly guard: number;
  private readonly min: { pps: number; bps: number; fps: number; fragPps: number };
  private readonly acc: AccumulateOptions;
  private readonly ampUnion: number[];
  private readonly free: DstStats[] = [];
  private readonly details: DstDetail[] = [];
  private detailed = 0;
  private maxBucket = -1;
  /** Time of bucket 0: buckets count from shortly before the first flow (small integers: cheap modulo). */
  private origin = NaN;
  /** The bucket the last flow fell in and its time span [curStart, curEnd). */
  private curBucket = 0;
  private curStart = 0;
  private curEnd = -1;
  private evaluated = -1;
  private readonly win = new Counts();
  private readonly span = new Counts();
  private readonly one = new Counts();
  private readonly thr = new WeakMap<DstStats, { asn: number; addr: string; t: DetectorThresholds }>();

  constructor(
    private readonly settings: SecuritySettings,
    variants: DetectorThresholds[],
    ampPort: Uint8Array,
    ampUnion: number[],
    private readonly overridden: boolean,
  ) {
    const cfg: EngineSettings = settings.engine;
    this.step = cfg.stepMs;
    this.slots = Math.max(1, Math.round(cfg.windowMs / cfg.stepMs));
    // sustainMs 0: no guard — the window path alone, uncapped (the earlier tumbling windows' rule, sliding).
    this.guard = cfg.sustainMs === 0 ? 0 : Math.min(this.slots, Math.max(1, Math.ceil(cfg.sustainMs / cfg.stepMs)));
    this.min = minimumRates(variants);
    this.ampUnion = ampUnion;
    const ampCapacity = Math.max(16, ampUnion.length);
    // Evidence (top sources, ports, samples) is kept for at most maxDetailedDestinations destinations, from the
    // moment one reaches 20 % of the smallest pps threshold over a window; when the budget is used up the lower
    // half (by packets) of the detailed destinations gives theirs back.
    this.acc = {
      ampPort,
      detailAfter: ((Math.min(this.min.pps, this.min.fragPps) * cfg.windowMs) / 1000) * 0.2,
      detail: (): DstDetail | null => {
        if (this.detailed >= cfg.maxDetailedDestinations) this.reclaim();
        const d = this.details.pop() ?? new DstDetail(ampCapacity);
        d.reset();
        this.detailed++;
        return d;
      },
    };
  }

  get stepMs(): number {
    return this.step;
  }

  private releaseDetail(s: DstStats): void {
    if (s.detail !== null) {
      this.details.push(s.detail);
      s.detail = null;
      this.detailed--;
    }
  }

  private forget(s: DstStats): void {
    this.releaseDetail(s);
    this.free.push(s);
  }

  private reclaim(): void {
    const list: DstStats[] = [];
    for (const s of this.dsts.values()) if (s.detail !== null) list.push(s);
    list.sort((a, b) => a.pkts - b.pkts);
    const k = list.length >> 1;
    for (let i = 0; i < k; i++) {
      this.releaseDetail(list[i]!);
      list[i]!.noDetail = true;
    }
    this.counters.evictedDetails += k;
  }

  private bucketAt(ms: number): number {
    if (this.origin !== this.origin) this.origin = (Math.floor(ms / this.step) - 1_000_000) * this.step;
    return Math.floor((ms - this.origin) / this.step);
  }

  observe(f: SecurityFlow): void {
    const ms = f.receivedAtMs;
    let bucket = this.curBucket;
    if (ms < this.curStart || ms >= this.curEnd) {
      bucket = this.curBucket = this.bucketAt(ms);
      this.curStart = this.origin + bucket * this.step;
      this.curEnd = this.curStart + this.step;
    }
    if (bucket > this.maxBucket) this.maxBucket = bucket;
    else if (bucket <= this.maxBucket - this.slots) {
      bucket = this.maxBucket;
      this.counters.lateFlows++;
    }
    let s = this.dsts.get(f.dstAddr);
    if (s === undefined) {
      const max = this.settings.engine.maxTrackedDestinations;
      if (this.dsts.size >= max)
        this.counters.evictedDestinations += evictBottomHalf(
          this.dsts,
          (x) => x.pkts,
          max >>> 1,
          (x) => this.forget(x),
        );
      s = (this.free.pop() ?? new DstStats(this.slots)).init(f.dstAddr);
      this.dsts.set(f.dstAddr, s);
    }
    // A flow record's duration (NetFlow/IPFIX) spreads it over the sub-buckets it covers (within the window).
    let spread = 1;
    if (f.protocol !== 'sflow-v5' && f.flowEndMs !== undefined && f.flowStartMs !== undefined) {
      const d = f.flowEndMs - f.flowStartMs;
      if (d >= this.step)
        spread = Math.min(Math.floor(d / this.step) + 1, bucket - (this.maxBucket - this.slots), this.slots);
    }
    accumulate(s, f, this.acc, bucket, spread);
  }

  private thresholds(s: DstStats, base: DetectorThresholds): DetectorThresholds {
    if (!this.overridden) return base;
    const c = this.thr.get(s);
    if (c !== undefined && c.asn === s.victimAsn && c.addr === s.addr) return c.t;
    const t = resolveThresholds(this.settings, { asn: s.victimAsn, dstAddr: s.addr });
    this.thr.set(s, { asn: s.victimAsn, addr: s.addr, t });
    return t;
  }

  /** Evaluate the sub-buckets closed by `nowMs` (no-op when none closed since the last call). */
  evaluate(nowMs: number, base: DetectorThresholds, topN: number, out: AlertCandidate[]): void {
    const hi = this.bucketAt(nowMs) - 1; // newest closed sub-bucket
    if (hi <= this.evaluated) return;
    this.evaluated = hi;
    this.counters.evaluations++;
    const stepSec = this.step / 1000;
    const lo = hi - this.slots + 1;
    const windowMs = this.slots * this.step;
    const winSec = windowMs / 1000;
    const guardSec = this.guard * stepSec;
    const min = this.min;
    const minSamples = this.settings.engine.minSustainSamples;
    for (const s of this.dsts.values()) {
      if (s.lastBucket < lo) {
        this.dsts.delete(s.addr);
        this.forget(s);
        continue;
      }
      // Cheap bounds first: the window path needs the running totals (≥ the window's sums) above the smallest
      // thresholds; the onset path needs the newest sub-bucket (one of the guard's) above them and enough samples.
      const r = s.ring;
      const windowMaybe =
        s.pkts / winSec > min.pps ||
        (s.bytes * 8) / winSec > min.bps ||
        s.flowRecs / winSec > min.fps ||
        s.fragP / winSec > min.fragPps;
      const newest = s.find(hi);
      let onsetMaybe =
        this.guard > 0 &&
        newest >= 0 &&
        (r[newest + P]! / stepSec > min.pps ||
          (r[newest + B]! * 8) / stepSec > min.bps ||
          r[newest + REC]! / stepSec > min.fps ||
          r[newest + FRAG_P]! / stepSec > min.fragPps);
      if (onsetMaybe) {
        let samples = 0;
        for (let b = hi - this.guard + 1; b <= hi; b++) {
          const o = s.find(b);
          if (o < 0) {
            samples = -1;
            break;
          }
          samples += r[o + FLOWS]!;
        }
        onsetMaybe = samples >= minSamples;
      }
      if (!windowMaybe && !onsetMaybe) continue;
      const t = this.thresholds(s, base);
      let windowMask = 0;
      if (windowMaybe) {
        s.sumWindow(lo, hi, this.win);
        // 2. window: the rules that fire on the window also with every sub-bucket capped (burstCapped).
        if (this.win.pkts > 0) windowMask = firing(this.win, s.detail, t, winSec, this.ampUnion, false);
        if (windowMask !== 0 && this.guard > 0)
          windowMask = burstCapped(s, lo, hi, t, winSec, stepSec, windowMask, this.ampUnion);
      }
      if (s.detail === null && s.pkts < this.acc.detailAfter) s.noDetail = false;
      // 1. onset: every sub-bucket of the guard fires the rule.
      let onsetMask = onsetMaybe ? RULE_ALL : 0;
      this.span.clear();
      for (let b = hi - this.guard + 1; b <= hi && onsetMask !== 0; b++) {
        const o = s.find(b);
        this.one.clear().add(r, o);
        this.span.add(r, o);
        onsetMask &= firing(this.one, null, t, stepSec, this.ampUnion, true);
      }
      const any = windowMask | onsetMask;
      if (any === 0) continue;
      let due = 0;
      for (let k = 0; k < RULE_COUNT; k++) if (nowMs - s.emitted[k]! >= windowMs) due |= 1 << k;
      if (any & RULE_VOL) due &= ~RULE_PROTO;
      let emitted = 0;
      if (windowMask & due) emitted |= evaluateDst(s, this.win, t, winSec, topN, this.ampUnion, out, windowMask & due);
      const onsetOnly = onsetMask & ~windowMask & due & ~emitted;
      if (onsetOnly) emitted |= evaluateDst(s, this.span, t, guardSec, topN, this.ampUnion, out, onsetOnly);
      if (emitted === 0) continue;
      for (let k = 0; k < RULE_COUNT; k++) if (emitted & (1 << k)) s.emitted[k] = nowMs;
      if (s.detail !== null) {
        s.detail.reset();
        s.detail.startMs = nowMs;
      }
    }
  }
}
