import { describe, expect, it } from 'vitest';
import { baselineAnomaly, median } from './baseline.js';
import { DEFAULT_DETECTORS } from './thresholds.js';

const settings = DEFAULT_DETECTORS.baseline;
const G = 1e9;
// Four previous weeks, the same three 5-minute slots: about 2 Gbps.
const history = [
  [2.0 * G, 2.1 * G, 1.9 * G],
  [2.2 * G, 2.0 * G, 2.1 * G],
  [1.8 * G, 1.9 * G, 2.0 * G],
  [2.0 * G, 2.0 * G, 2.1 * G],
];

describe('baseline anomalies', () => {
  it('median helper', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
  });

  it('spike: > median + 4·MAD, > 3× median and Δ > 1 Gbps', () => {
    const r = baselineAnomaly({ history, current: [2 * G, 2 * G, 7 * G], settings });
    expect(r.verdict).toBe('spike');
    expect(r.type).toBe('TRAFFIC_ANOMALY_SPIKE');
    expect(r.median).toBeCloseTo(2 * G);
    expect(r.mad).toBeCloseTo(0.1 * G);
    expect(r.thresholds.spikeAbove).toBeCloseTo(6 * G);
  });

  it('no spike when one condition fails (3× median not reached, or Δ ≤ 1 Gbps on a small port)', () => {
    expect(baselineAnomaly({ history, current: [2 * G, 2 * G, 5.9 * G], settings }).verdict).toBe('none');
    const small = [
      [100e6, 110e6],
      [90e6, 100e6],
    ];
    expect(baselineAnomaly({ history: small, current: [100e6, 100e6, 900e6], settings }).verdict).toBe('none'); // 9× but Δ 0.8 Gbps
  });

  it('drop: the last 3 slots (15 min) all < 10 % of median', () => {
    const r = baselineAnomaly({ history, current: [0.1 * G, 0.1 * G, 0.1 * G], settings });
    expect(r).toMatchObject({ verdict: 'drop', type: 'TRAFFIC_ANOMALY_DROP' });
    expect(baselineAnomaly({ history, current: [1 * G, 0.1 * G, 0.1 * G], settings }).verdict).toBe('none');
    expect(baselineAnomaly({ history, current: [0.1 * G, 0.1 * G, 0.1 * G], settings, linkUp: false }).verdict).toBe(
      'none',
    );
  });

  it('needs ≥ 2 weeks with data; missing weeks (NaN/empty) are skipped', () => {
    const r = baselineAnomaly({ history: [[2 * G], [], [NaN]], current: [7 * G, 7 * G, 7 * G], settings });
    expect(r.verdict).toBe('none');
    expect(r.reason).toMatch(/insufficient history: 1 week/);
    const ok = baselineAnomaly({ history: [[2 * G], [], [NaN, 2 * G]], current: [2 * G, 2 * G, 7 * G], settings });
    expect(ok).toMatchObject({ verdict: 'spike', weeksUsed: 2 });
  });
});
