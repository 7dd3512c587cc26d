import { describe, expect, it } from 'vitest';
import { buildMonthCoverage, MAX_SILENT_INTERVALS, memberCoverage } from './coverage.js';

const T0 = Date.UTC(2025, 9, 1);
const s = (i: number) => (T0 + i * 300_000) / 1000;
const all = (n: number, skip: (i: number) => boolean = () => false) =>
  Array.from({ length: n }, (_, i) => i)
    .filter((i) => !skip(i))
    .map(s);

describe('per-member coverage', () => {
  const m = buildMonthCoverage({
    startMs: T0,
    endMs: T0 + 100 * 300_000,
    alive: [
      ['::ffff:10.0.0.1', all(100, (i) => i >= 10 && i < 20)],
      ['10.0.0.2', all(100)],
    ],
    registeredPorts: [
      [1, '10.0.0.1|5'],
      [1, '10.0.0.2|7'],
      [2, '10.0.0.2|1'],
      [4, '10.0.0.9|1'],
    ],
    learned: [
      [1, '10.0.0.3'],
      [3, '::ffff:10.0.0.1'],
    ],
  });

  it('a bucket is valid only when every carrying exporter was alive; registered ports win over learned', () => {
    const c = memberCoverage(m, 1, T0, T0 + 100 * 300_000, 'UTC');
    expect([c.basis, c.exporters]).toEqual(['registered_ports', ['10.0.0.1', '10.0.0.2']]);
    expect(c.valid(T0 + 9 * 300_000, true)).toBe(true);
    expect(c.valid(T0 + 10 * 300_000, true)).toBe(false);
    expect(c.silent).toEqual([
      {
        exporter: '10.0.0.1',
        missing_buckets: 10,
        intervals_not_listed: 0,
        intervals: [{ from: '2025-10-01T00:50:00+00:00', to: '2025-10-01T01:40:00+00:00', buckets: 10 }],
      },
    ]);
    expect(memberCoverage(m, 2, T0, T0 + 100 * 300_000, 'UTC').silent).toEqual([]);
    expect(memberCoverage(m, 3, T0, T0 + 100 * 300_000, 'UTC')).toMatchObject({
      basis: 'learned',
      exporters: ['10.0.0.1'],
    });
  });

  it("clips to the member's period; an exporter never heard from is silent for all of it", () => {
    expect(memberCoverage(m, 1, T0 + 15 * 300_000, T0 + 50 * 300_000, 'UTC').silent[0]).toMatchObject({
      missing_buckets: 5,
    });
    expect(memberCoverage(m, 4, T0, T0 + 100 * 300_000, 'UTC').silent).toMatchObject([
      { exporter: '10.0.0.9', missing_buckets: 100 },
    ]);
  });

  it("falls back to any exporter (or the member's own traffic) without a known exporter", () => {
    const dead = buildMonthCoverage({
      startMs: T0,
      endMs: T0 + 10 * 300_000,
      alive: [['10.0.0.1', all(5)]],
      registeredPorts: [],
      learned: [],
    });
    const c = memberCoverage(dead, 9, T0, T0 + 10 * 300_000, 'UTC');
    expect(c.basis).toBe('any_exporter');
    expect([c.valid(T0, false), c.valid(T0 + 7 * 300_000, false), c.valid(T0 + 7 * 300_000, true)]).toEqual([
      true,
      false,
      true,
    ]);
  });

  it('lists a bounded number of intervals, the count stays exact', () => {
    const flap = buildMonthCoverage({
      startMs: T0,
      endMs: T0 + 400 * 300_000,
      alive: [['10.0.0.1', all(400, (i) => i % 2 === 1)]],
      registeredPorts: [[1, '10.0.0.1|1']],
      learned: [],
    });
    const c = memberCoverage(flap, 1, T0, T0 + 400 * 300_000, 'UTC');
    expect(c.silent[0]).toMatchObject({ missing_buckets: 200, intervals_not_listed: 200 - MAX_SILENT_INTERVALS });
    expect(c.silent[0]!.intervals).toHaveLength(MAX_SILENT_INTERVALS);
  });
});
