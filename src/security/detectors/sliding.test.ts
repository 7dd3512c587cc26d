/**
 * The sliding DDoS window (sliding-ddos.ts) in virtual time: sub-bucket boundaries, evaluation every 250 ms,
 * the sustained guard (engine.sustainMs) against single bursts, and onset latency ≈ guard + one step.
 * Default thresholds (20,000 pps volumetric); flows are 1:1 sFlow samples of 1 packet unless said otherwise.
 */
import { describe, expect, it } from 'vitest';
import { parseSecuritySettings, type SecuritySettingsInput } from '../thresholds.js';
import type { AlertCandidate, SecurityFlow } from '../types.js';
import { createFastPathEngine, type FastPathEngine } from './engine.js';
import { context, flow, T0 } from './testing.js';

const GRE = 47; // only the all-protocol rule applies (no per-protocol counter)

/** `pps` packets/s toward `dst` over [fromMs, toMs) as flows of `packets` packets, spaced evenly (appended to `into`). */
function feed(
  into: SecurityFlow[],
  fromMs: number,
  toMs: number,
  pps: number,
  p: Partial<SecurityFlow> = {},
  packets = 1,
): SecurityFlow[] {
  const n = Math.round(((toMs - fromMs) / 1000) * (pps / packets));
  for (let i = 0; i < n; i++)
    into.push(flow({ receivedAtMs: fromMs + Math.floor((i * (toMs - fromMs)) / n), ipProto: GRE, packets, ...p }));
  return into;
}

/**
 * Play `flows` in time order with a tick every 250 ms over (fromMs, toMs] (flows before each tick are observed
 * first, as in the collector); the ticks that returned candidates, with them.
 */
function play(
  e: FastPathEngine,
  flows: SecurityFlow[],
  fromMs: number,
  toMs: number,
): Array<{ at: number; c: AlertCandidate[] }> {
  const sorted = [...flows].sort((x, y) => x.receivedAtMs - y.receivedAtMs);
  const out: Array<{ at: number; c: AlertCandidate[] }> = [];
  let i = 0;
  for (let at = fromMs + 250; at <= toMs; at += 250) {
    while (i < sorted.length && sorted[i]!.receivedAtMs < at) e.observe(sorted[i++]!);
    const c = e.tick(at);
    if (c.length) out.push({ at, c });
  }
  return out;
}

const engine = (s: SecuritySettingsInput = {}) => createFastPathEngine(parseSecuritySettings(s), context());

describe('sliding DDoS window', () => {
  it('a sub-bucket is judged only once closed: nothing at boundary − 1 ms, the alert at the boundary', () => {
    const e = engine();
    for (const f of feed([], T0, T0 + 1000, 100_000)) e.observe(f); // 5× the threshold for exactly the 1-s guard (buckets 0..3)
    expect(e.tick(T0 + 999)).toEqual([]);
    const c = e.tick(T0 + 1000);
    expect(c.map((x) => x.type)).toEqual(['DDOS_VOLUMETRIC_DST']);
    expect(c[0]!.metrics.windowSeconds).toBe(1); // onset: rates over the guard span
    expect(c[0]!.metrics.pps).toBeCloseTo(100_000);
    expect(e.stats().evaluations).toBe(2);
    expect(e.tick(T0 + 1100)).toEqual([]); // no new closed bucket: no evaluation
    expect(e.stats().evaluations).toBe(2);
  });

  it('evaluated every 250 ms: an attack at 2.4× crossing mid-bucket alerts within guard + 250 ms of its first packet', () => {
    for (const start of [T0 + 1, T0 + 90, T0 + 130, T0 + 249]) {
      const flows = feed([], T0 - 5000, start, 2_000, { dstAddr: '203.0.114.10' }); // background toward the victim
      feed(flows, start, start + 10_000, 48_000, { dstAddr: '203.0.114.10' });
      const fired = play(engine(), flows, T0 - 5000, start + 10_000);
      expect(fired.length, `start ${start - T0}`).toBeGreaterThan(0);
      const first = fired[0]!;
      expect(first.at - start, `start ${start - T0}`).toBeLessThanOrEqual(1000 + 250);
      expect(first.c[0]!.target).toBe('203.0.114.10');
    }
  });

  it('the guard: one burst (under the guard) never alerts, however large; the same rate sustained does', () => {
    for (const burstMs of [100, 250, 500, 750]) {
      const flows = feed([], T0, T0 + 20_000, 1_000); // background of the destination
      feed(flows, T0 + 5_000 + 10, T0 + 5_000 + 10 + burstMs, 400_000); // 20× the threshold
      expect(play(engine(), flows, T0, T0 + 20_000), `${burstMs} ms burst`).toEqual([]);
    }
    const flows = feed([], T0, T0 + 20_000, 1_000);
    feed(flows, T0 + 5_000, T0 + 6_000, 400_000);
    expect(play(engine(), flows, T0, T0 + 20_000).map((x) => x.at - T0)).toEqual([6_000]);
  });

  it('guard length follows engine.sustainMs (2 s: a 1.5-s flood stays silent, a 2-s one alerts at ≈ 2 s)', () => {
    const silent = engine({ engine: { sustainMs: 2000 } });
    expect(play(silent, feed([], T0, T0 + 1500, 100_000), T0, T0 + 10_000)).toEqual([]);
    const loud = engine({ engine: { sustainMs: 2000 } });
    expect(play(loud, feed([], T0, T0 + 2000, 100_000), T0, T0 + 10_000).map((x) => x.at)).toEqual([T0 + 2000]);
  });

  it('5-s semantics: a flood just above the threshold (1.2×) that no single bucket reveals alerts on the window rate', () => {
    // 1:1000 sampling: ~6 samples per 250 ms bucket, the per-bucket rate jitters around the threshold.
    const flows: SecurityFlow[] = [];
    let x = 7;
    for (let t = T0; t < T0 + 10_000; t += 40) {
      // 25 samples/s × 1000 = 25,000 pps ≈ 1.25×
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      flows.push(flow({ receivedAtMs: t + (x % 40), ipProto: GRE, samplingRate: 1000 }));
    }
    const fired = play(engine({ engine: { minSustainSamples: 100 } }), flows, T0, T0 + 10_000); // onset off: the window alone
    expect(fired.length).toBeGreaterThan(0);
    const c = fired.find((f) => f.c[0]!.metrics.windowSeconds === 5);
    expect(c, 'judged on the full 5-s window').toBeDefined();
    expect(c!.c[0]!.metrics.pps).toBeGreaterThan(20_000);
    expect(c!.c[0]!.metrics.pps).toBeLessThan(30_000);
  });

  it('a sampled guard span needs engine.minSustainSamples records (one 1:16384 sample per bucket is not evidence)', () => {
    const flows: SecurityFlow[] = [];
    // 65k pps in each of 5 buckets; over the 5-s window 5 × 16,384 / 5 s = 16,384 pps (below 20,000).
    for (let t = T0; t < T0 + 1250; t += 250)
      flows.push(flow({ receivedAtMs: t + 10, ipProto: GRE, samplingRate: 16_384 }));
    expect(play(engine(), flows, T0, T0 + 8000)).toEqual([]);
    // The same rate in 8 samples per bucket is evidence (and 2 s of it exceed the window rate too).
    const dense: SecurityFlow[] = [];
    for (let t = T0; t < T0 + 2000; t += 250)
      for (let k = 0; k < 8; k++) dense.push(flow({ receivedAtMs: t + 10 + k, ipProto: GRE, samplingRate: 2_048 }));
    expect(play(engine(), dense, T0, T0 + 2000)[0]!.at).toBe(T0 + 1000);
  });

  it('an ongoing attack is re-emitted at most once per window; the state is forgotten a window after it ends', () => {
    const e = engine();
    const fired = play(e, feed([], T0, T0 + 12_000, 60_000), T0, T0 + 20_000);
    const at = fired.map((f) => f.at - T0);
    expect(at[0]).toBe(1000);
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(5000);
    expect(e.stats().trackedDestinations).toBe(0);
  });

  it('late flows (older than the window) are counted into the newest bucket and counted as late', () => {
    const e = engine();
    e.observe(flow({ receivedAtMs: T0 + 10_000 }));
    e.observe(flow({ receivedAtMs: T0 }));
    expect(e.stats().lateFlows).toBe(1);
  });

  it('sustainMs 0 turns the guard off: a single burst that carries the 5-s window over the threshold alerts', () => {
    const burst = feed([], T0 + 10, T0 + 110, 2_000_000); // 200,000 packets in 100 ms = 40,000 pps over 5 s
    expect(play(engine(), burst, T0, T0 + 6000)).toEqual([]);
    const fired = play(engine({ engine: { sustainMs: 0 } }), burst, T0, T0 + 6000);
    expect(fired.map((f) => [f.at - T0, f.c[0]!.metrics.windowSeconds])).toEqual([[250, 5]]);
  });

  it('stepMs must divide windowMs and sustainMs must fit in the window', () => {
    expect(() => parseSecuritySettings({ engine: { stepMs: 300 } })).toThrow(
      /engine\.stepMs: must divide engine\.windowMs/,
    );
    expect(() => parseSecuritySettings({ engine: { sustainMs: 6000 } })).toThrow(
      /engine\.sustainMs: must be ≤ engine\.windowMs/,
    );
  });
});
