/**
 * Baseline anomalies per member/port (domain.md §5.6, 1-IX approach): compare the current 5-minute rates
 * with the same slot(s) of previous weeks.
 *
 * Rule (settings in thresholds.ts `baseline`):
 *  - history: one array per previous week with the rates of the same slot(s); non-finite or negative
 *    values are missing data. A week counts when it has ≥ 1 valid value; fewer than `minWeeks` → none.
 *  - median and MAD (median absolute deviation, unscaled) over all valid history values.
 *  - spike: the latest current rate > median + k·MAD AND > spikeFactor × median AND − median > minDeltaBps.
 *  - drop: each of the last `dropSlots` rates < dropFraction × median (default 3 slots = 15 min), median > dropMinMedianBps,
 *    and the link is up (when the caller knows).
 */
import type { DetectorThresholds } from './thresholds.js';

export type BaselineSettings = DetectorThresholds['baseline'];

export interface BaselineResult {
  verdict: 'spike' | 'drop' | 'none';
  /** Alert type for spike/drop, null for none. */
  type: 'TRAFFIC_ANOMALY_SPIKE' | 'TRAFFIC_ANOMALY_DROP' | null;
  reason: string;
  median: number | null;
  mad: number | null;
  weeksUsed: number;
  /** The rate compared for spikes (latest valid current slot). */
  current: number | null;
  thresholds: { spikeAbove: number | null; dropBelow: number | null; minDeltaBps: number };
}

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const a = [...values].sort((x, y) => x - y);
  const m = a.length >> 1;
  return a.length % 2 ? a[m]! : (a[m - 1]! + a[m]!) / 2;
}

const valid = (x: number): boolean => Number.isFinite(x) && x >= 0;

export function baselineAnomaly(input: {
  history: number[][];
  current: number[];
  settings: BaselineSettings;
  linkUp?: boolean;
}): BaselineResult {
  const { history, current, settings: s } = input;
  const weeks = history.map((w) => w.filter(valid)).filter((w) => w.length > 0);
  const none = (reason: string, extra: Partial<BaselineResult> = {}): BaselineResult => ({
    verdict: 'none',
    type: null,
    reason,
    median: null,
    mad: null,
    weeksUsed: weeks.length,
    current: null,
    thresholds: { spikeAbove: null, dropBelow: null, minDeltaBps: s.minDeltaBps },
    ...extra,
  });
  if (!s.enabled) return none('disabled');
  if (weeks.length < s.minWeeks)
    return none(`insufficient history: ${weeks.length} week(s) with data, need ${s.minWeeks}`);
  const cur = current.filter(valid);
  if (cur.length === 0) return none('no current data');
  const all = weeks.flat();
  const med = median(all);
  const mad = median(all.map((x) => Math.abs(x - med)));
  const spikeAbove = Math.max(med + s.k * mad, s.spikeFactor * med, med + s.minDeltaBps);
  const dropBelow = s.dropFraction * med;
  const latest = cur[cur.length - 1]!;
  const base = { median: med, mad, current: latest, thresholds: { spikeAbove, dropBelow, minDeltaBps: s.minDeltaBps } };
  if (latest > med + s.k * mad && latest > s.spikeFactor * med && latest - med > s.minDeltaBps) {
    return {
      verdict: 'spike',
      type: 'TRAFFIC_ANOMALY_SPIKE',
      weeksUsed: weeks.length,
      ...base,
      reason: `rate ${fmt(latest)} > median ${fmt(med)} + ${s.k}·MAD ${fmt(mad)}, > ${s.spikeFactor}× median and Δ > ${fmt(s.minDeltaBps)}`,
    };
  }
  const tail = current.slice(-s.dropSlots);
  if (input.linkUp === false) return none('link down: drops not evaluated', base);
  if (tail.length < s.dropSlots || !tail.every(valid))
    return none(`no anomaly (drop needs ${s.dropSlots} valid current slots)`, base);
  if (med > s.dropMinMedianBps && med > 0 && tail.every((x) => x < dropBelow)) {
    return {
      verdict: 'drop',
      type: 'TRAFFIC_ANOMALY_DROP',
      weeksUsed: weeks.length,
      ...base,
      reason: `last ${s.dropSlots} slots all < ${s.dropFraction * 100} % of median ${fmt(med)}`,
    };
  }
  return none('within baseline', base);
}

function fmt(bps: number): string {
  if (bps >= 1e9) return `${(bps / 1e9).toFixed(2)} Gbps`;
  if (bps >= 1e6) return `${(bps / 1e6).toFixed(2)} Mbps`;
  return `${Math.round(bps)} bps`;
}
