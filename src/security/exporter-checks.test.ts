import { describe, expect, it } from 'vitest';
import { counterMismatch, ExporterChecker, type ExporterSnapshotEntry } from './exporter-checks.js';
import { DEFAULT_DETECTORS } from './thresholds.js';

const settings = DEFAULT_DETECTORS.exporter;
const T = 1_800_000_000_000;
const snap = (lastSeenMs: number, datagrams: number, samplingRates: Record<string, number>): ExporterSnapshotEntry => ({
  exporter: '10.0.0.1',
  lastSeenMs,
  datagrams,
  samplingRates,
});

describe('exporter checks', () => {
  it('silent after > 5 min without datagrams when previously active', () => {
    const c = new ExporterChecker(settings);
    expect(c.check([snap(T, 100, { 1000: 50 })], T + 60_000)).toEqual([]);
    expect(c.check([snap(T, 100, { 1000: 50 })], T + 300_000)).toEqual([]);
    const out = c.check([snap(T, 100, { 1000: 50 })], T + 300_001);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ type: 'EXPORTER_SILENT', target: '10.0.0.1', severity: 'major' });
    // never active → not silent
    expect(new ExporterChecker(settings).check([snap(0, 0, {})], T)).toEqual([]);
    // vanished from the snapshot: judged on the last known state
    expect(c.check([], T + 600_000).map((x) => x.type)).toEqual(['EXPORTER_SILENT']);
  });

  it('sampling rate set change between intervals', () => {
    const c = new ExporterChecker(settings);
    expect(c.check([snap(T, 10, { 1000: 5 })], T)).toEqual([]);
    expect(c.check([snap(T + 60_000, 20, { 1000: 9 })], T + 60_000)).toEqual([]);
    const out = c.check([snap(T + 120_000, 30, { 1000: 9, 2000: 4 })], T + 120_000);
    expect(out.map((x) => x.type)).toEqual(['EXPORTER_SAMPLING_CHANGED']);
    expect(out[0]!.evidence.details).toMatchObject({ before: [1000], after: [2000] });
    expect(c.check([snap(T + 180_000, 40, { 1000: 9, 2000: 8 })], T + 180_000)).toEqual([]);
  });

  it('counter mismatch above 5 %', () => {
    const row = { exporter: '10.0.0.1', if_index: 7, day: '2026-11-26', in_diff_pct: -3, out_diff_pct: 4.9 };
    expect(counterMismatch(row, settings, T)).toBeNull();
    const c = counterMismatch({ ...row, out_diff_pct: 98, hint: 'double sampling' }, settings, T)!;
    expect(c).toMatchObject({ type: 'EXPORTER_COUNTER_MISMATCH', target: '10.0.0.1|7', metrics: { diffPct: 98 } });
    expect(counterMismatch({ ...row, in_diff_pct: null, out_diff_pct: null }, settings, T)).toBeNull();
  });
});
