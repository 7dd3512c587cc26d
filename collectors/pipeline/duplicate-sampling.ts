/**
 * Symptom of undeclared core ports: the same frames sampled twice, on a member's edge port of one switch
 * and again on the inter-switch port of the next. Seen as the same (src MAC, dst MAC) pair arriving from
 * two exporters within one WINDOW_MS with similar estimated volumes. Cheap: only pairs whose MAC hash
 * falls in 1/SAMPLE_MOD are looked at, at most MAX_PAIRS per window. A finding names the other exporter
 * and the input ifIndex most such samples came in on (the likely core port to declare in IXMETER_CORE_PORTS).
 */
import type { FlowRecord } from '../decoders/types.js';

export const DUP_WINDOW_MS = 10_000;
const SAMPLE_SHIFT = 26; // 1 pair in 64 by MAC hash (top 6 bits of a 32-bit mix are 0)
const MAX_PAIRS = 4096;
/** A pair is a duplicate when the smaller volume is at least this share of the larger. */
const SIMILAR = 0.5;
/** A finding needs at least this many duplicate pairs and this share of the exporter's sampled pairs. */
const MIN_PAIRS = 3;
const MIN_SHARE = 0.2;

interface Side {
  exporter: string;
  bytes: number;
  inIf: number;
}
interface Pair {
  a: Side;
  b: Side | null;
}

export interface DuplicateFinding {
  exporter: string;
  peer: string;
  inIf: number;
  pairs: number;
  sampledPairs: number;
  atMs: number;
}

export class DuplicateSamplingDetector {
  private pairs = new Map<string, Pair>();
  private windowStart = 0;

  /** Looks at one kept flow (call for every flow; returns at once for ≈ 63 of 64 MAC pairs). */
  observe(f: FlowRecord, nowMs: number, onFindings: (list: DuplicateFinding[]) => void): void {
    // Low 32 bits of each MAC (ToInt32), mixed (murmur-style constants): MACs of one vendor differ in few bits.
    if (
      Math.imul((f.srcMac | 0) ^ Math.imul(f.dstMac | 0, 0x9e3779b1), 0x85ebca6b) >>> SAMPLE_SHIFT !== 0 ||
      f.srcMac === 0 ||
      f.dstMac === 0
    )
      return;
    if (nowMs - this.windowStart >= DUP_WINDOW_MS) {
      const found = this.evaluate(nowMs);
      if (found.length) onFindings(found);
      this.windowStart = nowMs;
    }
    const key = `${f.srcMac}/${f.dstMac}`;
    const bytes = f.frameOctets * f.samplingRate;
    const p = this.pairs.get(key);
    if (p === undefined) {
      if (this.pairs.size < MAX_PAIRS)
        this.pairs.set(key, { a: { exporter: f.exporter, bytes, inIf: f.inIf }, b: null });
      return;
    }
    if (p.a.exporter === f.exporter) p.a.bytes += bytes;
    else if (p.b === null) p.b = { exporter: f.exporter, bytes, inIf: f.inIf };
    else if (p.b.exporter === f.exporter) p.b.bytes += bytes;
  }

  /** Judges the window that ends now and starts a new one. */
  evaluate(nowMs: number): DuplicateFinding[] {
    const sampled = new Map<string, number>();
    const dup = new Map<string, { pairs: number; ifs: Map<number, number> }>(); // "exporter\tpeer"
    for (const p of this.pairs.values()) {
      sampled.set(p.a.exporter, (sampled.get(p.a.exporter) ?? 0) + 1);
      if (p.b === null) continue;
      sampled.set(p.b.exporter, (sampled.get(p.b.exporter) ?? 0) + 1);
      const lo = Math.min(p.a.bytes, p.b.bytes),
        hi = Math.max(p.a.bytes, p.b.bytes);
      if (hi === 0 || lo / hi < SIMILAR) continue;
      for (const [x, y] of [
        [p.a, p.b],
        [p.b, p.a],
      ] as const) {
        const k = `${x.exporter}\t${y.exporter}`;
        let d = dup.get(k);
        if (!d) dup.set(k, (d = { pairs: 0, ifs: new Map() }));
        d.pairs++;
        d.ifs.set(x.inIf, (d.ifs.get(x.inIf) ?? 0) + 1);
      }
    }
    this.pairs = new Map();
    const out: DuplicateFinding[] = [];
    for (const [k, d] of dup) {
      const [exporter, peer] = k.split('\t') as [string, string];
      const n = sampled.get(exporter) ?? 0;
      if (d.pairs < MIN_PAIRS || d.pairs < MIN_SHARE * n) continue;
      const inIf = [...d.ifs].sort((a, b) => b[1] - a[1])[0]![0];
      out.push({ exporter, peer, inIf, pairs: d.pairs, sampledPairs: n, atMs: nowMs });
    }
    return out;
  }
}
