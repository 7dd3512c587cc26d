import { describe, expect, it } from 'vitest';
import { canonicalSamplesText, jsonSafe, sha256Hex } from './canonical.js';
import { buildMonthlyStatement, coveragePct, type SampleInput } from './statement.js';
import { monthBounds } from './time.js';

const TZ = 'Asia/Shanghai';
const B = monthBounds('2026-04', TZ); // 30 days, 8,640 buckets
const ts = (i: number) => B.start + i * 300_000;

/** Ascending inbound 1..n bytes ×1000, outbound constant 500, from bucket 0. */
function ramp(n: number): SampleInput[] {
  return Array.from({ length: n }, (_, i) => ({ ts: ts(i), inBytes: (i + 1) * 1000, outBytes: 500 }));
}

describe('buildMonthlyStatement', () => {
  it('full month: totals, average, peak with time, P95 = 8,208th value, billable, coverage', () => {
    const s = buildMonthlyStatement({
      asn: 64500,
      month: '2026-04',
      percentileMethod: 'MAX_DIRECTION',
      samples: ramp(8640),
    });
    expect(s.expected_buckets).toBe(8640);
    expect(s.valid_buckets).toBe(8640);
    expect(s.coverage).toBe(1);
    expect(s.coverage_pct).toBe('100.00');
    expect(s.in_bytes).toBe((1000n * (8640n * 8641n)) / 2n);
    expect(s.out_bytes).toBe(500n * 8640n);
    expect(s.p95_discarded).toBe(432);
    expect(s.p95_rank).toBe(8208);
    expect(s.p95_in_bucket_bytes).toBe(8_208_000n);
    expect(s.p95_in_bps).toBeCloseTo((8_208_000 * 8) / 300, 6);
    expect(s.peak_in_bps).toBeCloseTo((8_640_000 * 8) / 300, 6);
    expect(s.peak_in_at).toBe('2026-04-30T23:55:00+08:00');
    expect(s.peak_out_at).toBe('2026-04-01T00:00:00+08:00'); // constant: earliest on ties
    expect(s.billable_bps).toBe(218_880); // 8,208,000 × 8 / 300
    expect(s.avg_out_bps).toBeCloseTo((500 * 8) / 300, 9);
    expect(s.daily).toHaveLength(30);
    expect(s.daily.reduce((a, d) => a + d.in_bytes, 0n)).toBe(s.in_bytes);
    expect(s.daily[0].expected_buckets).toBe(288);
    expect(s.direction_convention.en).toMatch(/'in' = traffic the member sends/);
    expect(s.percentile_method_text.zh).toMatch(/较大者/);
  });

  it('missing buckets are not zeros: N is the valid samples, coverage shows the gap', () => {
    const present = ramp(8640).filter((_, i) => i % 10 !== 0); // 864 buckets missing
    const s = buildMonthlyStatement({ asn: 1, month: '2026-04', percentileMethod: 'MAX_DIRECTION', samples: present });
    expect(s.valid_buckets).toBe(7776);
    expect(s.missing_buckets).toBe(864);
    expect(s.coverage).toBe(0.9);
    expect(s.coverage_pct).toBe('90.00');
    expect(s.p95_discarded).toBe(388); // ⌊7776/20⌋
    const asZeros = buildMonthlyStatement({
      asn: 1,
      month: '2026-04',
      percentileMethod: 'MAX_DIRECTION',
      samples: ramp(8640).map((x, i) => (i % 10 === 0 ? { ...x, inBytes: 0, outBytes: 0 } : x)),
    });
    expect(s.p95_in_bucket_bytes).not.toBe(asZeros.p95_in_bucket_bytes);
    // samples flagged missing / counter_reset count as missing too
    const flagged = buildMonthlyStatement({
      asn: 1,
      month: '2026-04',
      percentileMethod: 'MAX_DIRECTION',
      samples: ramp(8640).map((x, i) =>
        i % 10 === 0 ? { ...x, quality: i % 20 === 0 ? 'missing' : 'counter_reset' } : x,
      ),
    });
    expect(flagged.p95_in_bucket_bytes).toBe(s.p95_in_bucket_bytes);
    expect(flagged.valid_buckets).toBe(7776);
  });

  it('partial month: member joined on the 17th; computed on the buckets of that part only', () => {
    const b = monthBounds('2026-04', TZ, { from: '2026-04-17' });
    const samples = Array.from({ length: 8640 }, (_, i) => ({ ts: ts(i), inBytes: 750, outBytes: 375 }));
    const s = buildMonthlyStatement({
      asn: 1,
      month: '2026-04',
      activeFrom: '2026-04-17',
      percentileMethod: 'MEAN_DIRECTION',
      samples,
    });
    expect(s.partial).toBe(true);
    expect(s.days_in_period).toBe(14);
    expect(s.expected_buckets).toBe(14 * 288);
    expect(s.valid_buckets).toBe(14 * 288);
    expect(s.samples_ignored).toBe(8640 - 14 * 288);
    expect(s.period_start).toBe(b.startIso);
    expect(s.billable_bps).toBe(15); // (20 + 10) / 2
    expect(s.daily[0].date).toBe('2026-04-17');
  });

  it('several ports: summed per interval first; a bucket with one port missing is invalid for the member', () => {
    const a = Array.from({ length: 8640 }, (_, i) => ({ ts: ts(i), inBytes: 1000 + (i % 100), outBytes: 10 }));
    const b = Array.from({ length: 8640 }, (_, i) => ({ ts: ts(i), inBytes: 2000 - (i % 100), outBytes: 20 })).filter(
      (_, i) => i !== 5,
    );
    const s = buildMonthlyStatement({
      asn: 1,
      month: '2026-04',
      percentileMethod: 'MAX_DIRECTION',
      ports: [
        { portId: 'zw1:et-0/0/1', speedGbps: 10, samples: a },
        { portId: 'zw2:et-0/0/1', speedGbps: 10, samples: b },
      ],
    });
    expect(s.valid_buckets).toBe(8639);
    expect(s.p95_in_bucket_bytes).toBe(3000n); // sum is constant 3000 per interval
    expect(s.ports.map((p) => p.valid_buckets)).toEqual([8640, 8639]);
    expect(s.ports[0].p95_in_bucket_bytes).toBe(1094n); // per-port percentile differs from the member's
    expect(s.ports[0].utilisation_p95).toBeCloseTo((1094 * 8) / 300 / 10e9, 15);
  });

  it('a port added mid-month: buckets before its production date only need the first port', () => {
    const start2 = ts(4320);
    const a = Array.from({ length: 8640 }, (_, i) => ({ ts: ts(i), inBytes: 100, outBytes: 100 }));
    const b = Array.from({ length: 4320 }, (_, i) => ({ ts: start2 + i * 300_000, inBytes: 50, outBytes: 50 }));
    const s = buildMonthlyStatement({
      asn: 1,
      month: '2026-04',
      percentileMethod: 'MAX_DIRECTION',
      ports: [
        { portId: 'a', samples: a },
        { portId: 'b', productionFrom: start2, samples: b },
      ],
    });
    expect(s.coverage).toBe(1);
    expect(s.in_bytes).toBe(100n * 8640n + 50n * 4320n);
    expect(s.p95_in_bucket_bytes).toBe(150n);
  });

  it('exclusions remove whole overlapping buckets and report the volume removed', () => {
    const samples = ramp(8640);
    const s = buildMonthlyStatement({
      asn: 1,
      month: '2026-04',
      percentileMethod: 'MAX_DIRECTION',
      samples,
      exclusions: [
        { from: ts(8630) + 1, to: ts(8640), reason: 'confirmed_attack', ref: 'ALERT-42' }, // 10 buckets (first partly)
        { from: ts(100), to: ts(102), reason: 'maintenance' },
      ],
    });
    expect(s.excluded_buckets).toBe(12);
    expect(s.used_buckets).toBe(8628);
    expect(s.coverage).toBe(1);
    const attack = s.excluded_intervals.find((e) => e.ref === 'ALERT-42')!;
    expect(attack.buckets).toBe(10);
    expect(attack.in_bytes).toBe((1000n * (8631n + 8640n) * 10n) / 2n);
    expect(attack.out_bytes).toBe(5000n);
    expect(s.excluded_intervals[0].reason).toBe('maintenance');
    expect(s.excluded_intervals[0].in_bytes).toBe(101_000n + 102_000n);
    expect(s.in_bytes + attack.in_bytes + s.excluded_intervals[0].in_bytes).toBe((1000n * (8640n * 8641n)) / 2n);
    expect(s.peak_in_bps).toBeCloseTo((8_630_000 * 8) / 300, 6);
    expect(s.p95_discarded).toBe(431);
  });

  it('samples_hash: SHA-256 of the documented canonical text, independent of input order', () => {
    const samples = ramp(3);
    const s1 = buildMonthlyStatement({ asn: 1, month: '2026-04', percentileMethod: 'MAX_DIRECTION', samples });
    const s2 = buildMonthlyStatement({
      asn: 1,
      month: '2026-04',
      percentileMethod: 'MEAN_DIRECTION',
      samples: [...samples].reverse(),
    });
    expect(s1.samples_hash).toBe(s2.samples_hash);
    const t0 = Math.floor(ts(0) / 1000);
    const text = `ixmeter-samples-v1\nmember\t${t0}\t1000\t500\tok\nmember\t${t0 + 300}\t2000\t500\tok\nmember\t${t0 + 600}\t3000\t500\tok\n`;
    expect(
      canonicalSamplesText(
        samples.map((x) => ({
          portId: 'member',
          ts: x.ts,
          inBytes: BigInt(x.inBytes),
          outBytes: BigInt(x.outBytes),
          quality: 'ok',
        })),
      ),
    ).toBe(text);
    expect(s1.samples_hash).toBe(sha256Hex(text));
    const s3 = buildMonthlyStatement({
      asn: 1,
      month: '2026-04',
      percentileMethod: 'MAX_DIRECTION',
      samples: [samples[0], samples[1], { ...samples[2], outBytes: 501 }],
    });
    expect(s3.samples_hash).not.toBe(s1.samples_hash);
  });

  it('DST zone: the daily series follows local days (a 23-hour day has 276 buckets)', () => {
    const b = monthBounds('2026-03', 'America/New_York');
    const samples = Array.from({ length: b.expectedBuckets }, (_, i) => ({
      ts: b.start + i * 300_000,
      inBytes: 1,
      outBytes: 1,
    }));
    const s = buildMonthlyStatement({
      asn: 1,
      month: '2026-03',
      timeZone: 'America/New_York',
      percentileMethod: 'MAX_DIRECTION',
      samples,
    });
    expect(s.expected_buckets).toBe(8916);
    expect(s.coverage).toBe(1);
    expect(s.daily.find((d) => d.date === '2026-03-08')!.expected_buckets).toBe(276);
    expect(s.daily.find((d) => d.date === '2026-03-09')!.expected_buckets).toBe(288);
    expect(s.period_end).toBe('2026-04-01T00:00:00-04:00');
  });

  it('top peers, JSON-safe output and input validation', () => {
    const s = buildMonthlyStatement({
      asn: 1,
      month: '2026-04',
      percentileMethod: 'SUM_DIRECTION',
      samples: [],
      peers: [
        { asn: 3, inBytes: 5, outBytes: 5 },
        { asn: 2, inBytes: 10n, outBytes: 0n, name: 'B' },
        { asn: 4, inBytes: 1, outBytes: 1 },
      ],
      topPeers: 2,
    });
    expect(s.top_peers.map((p) => p.asn)).toEqual([2, 3]);
    expect(s.billable_bps).toBeNull();
    expect(s.coverage).toBe(0);
    expect(s.coverage_pct).toBe('0.00');
    const j = JSON.parse(JSON.stringify(jsonSafe(s)));
    expect(j.in_bytes).toBe('0');
    expect(() =>
      buildMonthlyStatement({
        asn: 1,
        month: '2026-04',
        percentileMethod: 'MAX_DIRECTION',
        samples: [{ ts: ts(0) + 1, inBytes: 1, outBytes: 1 }],
      }),
    ).toThrow(/aligned/);
    expect(() =>
      buildMonthlyStatement({
        asn: 1,
        month: '2026-04',
        percentileMethod: 'MAX_DIRECTION',
        samples: [{ ts: ts(0), inBytes: 1.5, outBytes: 1 }],
      }),
    ).toThrow(/byte count/);
    expect(() =>
      buildMonthlyStatement({
        asn: 1,
        month: '2026-04',
        percentileMethod: 'MAX_DIRECTION',
        samples: [ramp(1)[0], ramp(1)[0]],
      }),
    ).toThrow(/duplicate/);
    expect(coveragePct(8639, 8640)).toBe('99.98');
    expect(coveragePct(2, 3)).toBe('66.66');
  });
});
