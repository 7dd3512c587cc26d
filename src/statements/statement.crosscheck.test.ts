/**
 * P95, peak and average against an independent, straightforward computation over generated 5-minute
 * series: ties, gaps, 28/29/30/31-day months (a leap February), and the month boundary at 16:00 UTC
 * (midnight in Asia/Shanghai).
 */
import { describe, expect, it } from 'vitest';
import { buildMonthlyStatement } from './statement.js';
import { monthBounds } from './time.js';
import type { SampleInput } from './statement.types.js';

function prng(seed: number) {
  let x = seed >>> 0;
  return () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

function independent(values: Array<{ ts: number; v: number } | null>) {
  const valid = values.filter((x): x is { ts: number; v: number } => x !== null);
  const sorted = valid.map((x) => x.v).sort((a, b) => a - b);
  const n = sorted.length;
  const p95 = sorted[n - Math.floor(0.05 * n) - 1]!;
  let peak = valid[0]!;
  for (const x of valid) if (x.v > peak.v) peak = x;
  const sum = valid.reduce((a, x) => a + x.v, 0);
  return { n, p95Bps: (p95 * 8) / 300, peakBps: (peak.v * 8) / 300, peakAt: peak.ts, avgBps: (sum * 8) / 300 / n, sum };
}

describe.each([
  ['2026-02', 28],
  ['2028-02', 29],
  ['2026-04', 30],
  ['2026-10', 31],
])('month %s (%i days) in Asia/Shanghai', (month, days) => {
  it('agrees with a straightforward computation (ties, gaps)', () => {
    const b = monthBounds(month, 'Asia/Shanghai');
    expect(b.expectedBuckets).toBe(days * 288);
    expect(new Date(b.start).toISOString()).toMatch(/T16:00:00\.000Z$/); // 00:00 +08:00 is 16:00 UTC the day before
    const rnd = prng(days * 7919);
    const levels = [
      0, 1_000_000, 2_500_000_000, 2_500_000_000, 7_000_000_000, 7_000_000_000, 7_000_000_000, 12_000_000_000,
    ];
    const inV: Array<{ ts: number; v: number } | null> = [];
    const outV: Array<{ ts: number; v: number } | null> = [];
    const samples: SampleInput[] = [];
    for (let t = b.start; t < b.end; t += 300_000) {
      const missing = rnd() < 0.03;
      const i = levels[Math.floor(rnd() * levels.length)]! + (rnd() < 0.5 ? 0 : Math.floor(rnd() * 1000)); // many exact ties
      const o = levels[Math.floor(rnd() * levels.length)]!;
      samples.push({ ts: t, inBytes: BigInt(i), outBytes: BigInt(o), quality: missing ? 'missing' : 'ok' });
      inV.push(missing ? null : { ts: t, v: i });
      outV.push(missing ? null : { ts: t, v: o });
    }
    const s = buildMonthlyStatement({
      asn: 64500,
      month,
      timeZone: 'Asia/Shanghai',
      percentileMethod: 'MAX_DIRECTION',
      samples,
    });
    const a = independent(inV);
    const c = independent(outV);
    expect(s.used_buckets).toBe(a.n);
    expect(s.in_bytes).toBe(BigInt(a.sum));
    expect(s.out_bytes).toBe(BigInt(c.sum));
    expect(s.p95_in_bps).toBeCloseTo(a.p95Bps, 6);
    expect(s.p95_out_bps).toBeCloseTo(c.p95Bps, 6);
    expect(s.peak_in_bps).toBeCloseTo(a.peakBps, 6);
    expect(Date.parse(s.peak_in_at!)).toBe(a.peakAt); // earliest bucket among ties
    expect(s.avg_in_bps).toBeCloseTo(a.avgBps, 3);
    expect(s.billable_bps).toBe(Math.round(Math.max(a.p95Bps, c.p95Bps)));
    expect(s.coverage).toBeCloseTo(a.n / (days * 288), 9);
  });
});
