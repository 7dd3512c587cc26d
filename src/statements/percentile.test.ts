import { describe, expect, it } from 'vitest';
import { averageBps, billableBps, directionStats, discardCount, nearestRank, percentileOf } from './percentile.js';

/** Values 1..n (bytes), shuffled deterministically. */
function shuffled(n: number): bigint[] {
  const v = Array.from({ length: n }, (_, i) => BigInt(i + 1));
  let seed = 12345;
  for (let i = n - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const j = seed % (i + 1);
    [v[i], v[j]] = [v[j], v[i]];
  }
  return v;
}

describe('nearest-rank P95 (contract.md)', () => {
  it('8,640 samples (30-day month): 432 discarded, the 8,208th value is used', () => {
    expect(discardCount(8640)).toBe(432);
    expect(nearestRank(8640)).toBe(8208);
    expect(percentileOf(shuffled(8640))).toBe(8208n);
  });

  it('⌊0.05·N⌋ for N not a multiple of 20', () => {
    const cases: [number, number][] = [
      [0, 0],
      [1, 0],
      [19, 0],
      [20, 1],
      [21, 1],
      [39, 1],
      [40, 2],
      [8928, 446],
      [8916, 445],
      [8652, 432],
      [8929, 446],
      [4320, 216],
      [101, 5],
    ];
    for (const [n, k] of cases) {
      expect(discardCount(n)).toBe(k);
      expect(nearestRank(n)).toBe(n - k);
      expect(nearestRank(n)).toBe(Math.ceil((19 * n) / 20)); // ⌈0.95·N⌉
    }
    expect(percentileOf(shuffled(8928))).toBe(8482n);
    expect(percentileOf(shuffled(19))).toBe(19n); // fewer than 20 samples: nothing discarded, the max
    expect(percentileOf(shuffled(39))).toBe(38n);
    expect(percentileOf([])).toBeNull();
  });

  it('other percentiles (MIX uses P90) and argument checks', () => {
    expect(discardCount(8640, 90)).toBe(864);
    expect(percentileOf(shuffled(8640), 90)).toBe(7776n);
    expect(() => discardCount(10, 95.5)).toThrow();
    expect(() => discardCount(-1)).toThrow();
  });

  it('direction stats: total, average over valid buckets, peak with the earliest time on ties', () => {
    const s = directionStats([
      { ts: 600_000, bytes: 375n },
      { ts: 0, bytes: 750n },
      { ts: 300_000, bytes: 750n },
    ]);
    expect(s.totalBytes).toBe(1875n);
    expect(s.avgBps).toBe((1875 * 8) / 900);
    expect(s.peakBytes).toBe(750n);
    expect(s.peakAt).toBe(0);
    expect(s.peakBps).toBe(20);
    expect(s.percentileBytes).toBe(750n);
  });

  it('bigint sums beyond 2^53: a 400G port for a 31-day month', () => {
    const full = (400n * 10n ** 9n * 300n) / 8n; // 1.5e13 bytes per bucket
    const samples = Array.from({ length: 8928 }, (_, i) => ({ ts: i * 300_000, bytes: full }));
    const s = directionStats(samples);
    expect(s.totalBytes).toBe(full * 8928n);
    expect(s.totalBytes > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
    expect(s.avgBps).toBe(400e9);
    expect(averageBps(0n, 0)).toBeNull();
  });
});

describe('billable rate by direction method', () => {
  const gbps = (g: string) => (BigInt(Math.round(Number(g) * 1000)) * 10n ** 6n * 300n) / 8n; // bytes per bucket
  it('domain.md member A: P95 2.4 in / 3.1 out Gbps → MAX 3.1, MEAN 2.75, SUM 5.5 (MAX is ~12 % above MEAN)', () => {
    const i = gbps('2.4');
    const o = gbps('3.1');
    expect(i).toBe(90_000_000_000n);
    expect(o).toBe(116_250_000_000n);
    expect(billableBps('MAX_DIRECTION', i, o)).toBe(3_100_000_000n);
    expect(billableBps('MEAN_DIRECTION', i, o)).toBe(2_750_000_000n);
    expect(billableBps('SUM_DIRECTION', i, o)).toBe(5_500_000_000n);
    const diff = Number(3_100_000_000n - 2_750_000_000n) / 2_750_000_000;
    expect(diff).toBeGreaterThan(0.12);
    expect(diff).toBeLessThan(0.13);
  });

  it('rounds the exact rate half-up to a whole bit/s', () => {
    expect(billableBps('MAX_DIRECTION', 1n, 0n)).toBe(0n); // 0.0267 bit/s
    expect(billableBps('MAX_DIRECTION', 75n, 0n)).toBe(2n); // exactly 2
    expect(billableBps('MAX_DIRECTION', 131n, 0n)).toBe(3n); // 3.4933
    expect(billableBps('MEAN_DIRECTION', 75n, 0n)).toBe(1n); // exactly 1
    expect(billableBps('MEAN_DIRECTION', 113n, 0n)).toBe(2n); // 1.5066 → 2
    expect(billableBps('MAX_DIRECTION', 1125n, 0n)).toBe(30n); // 30 exact
    // (an exact .5 bit/s cannot occur: rates are multiples of 1/75 bit/s)
    expect(billableBps('SUM_DIRECTION', 75n, 75n)).toBe(4n);
  });
});
