/** Member traffic and the member × member matrix in contract units (bytes: L2 frames incl. FCS; rates: bits/s). */
import { AppError } from '../shared/errors.js';
import { isoInZone } from '../shared/time.js';
import type { DirectionTotals, RollupStep, SeriesPoint, TrafficRepository } from './traffic.repository.js';

/** The widest range anything may ask for (the config maximum of IXMETER_ROLLUP_RETENTION_DAYS); the traffic service narrows it to the configured retention. */
export const MAX_RANGE_DAYS = 36_500;
const AUTO_STEPS = [300, 900, 1800, 3600, 10_800, 21_600, 86_400];

export function resolveRange(
  from: string | undefined,
  to: string | undefined,
  nowMs = Date.now(),
  maxDays = MAX_RANGE_DAYS,
): { fromMs: number; toMs: number } {
  const toMs = to ? Date.parse(to) : nowMs;
  const fromMs = from ? Date.parse(from) : toMs - 24 * 3600_000;
  if (!(fromMs < toMs))
    throw new AppError('IXMETER_ERR_VALIDATION', `from (${from}) must be before to (${to ?? 'now'})`);
  if (toMs - fromMs > maxDays * 86_400_000)
    throw new AppError(
      'IXMETER_ERR_VALIDATION',
      `the range may span at most ${maxDays} days (the rollup retention, IXMETER_ROLLUP_RETENTION_DAYS)`,
    );
  return { fromMs, toMs };
}

export function resolveStep(step: number | undefined, fromMs: number, toMs: number): number {
  if (step !== undefined) {
    if (step < 60 || step % 60 !== 0)
      throw new AppError(
        'IXMETER_ERR_VALIDATION',
        'step is in seconds, a multiple of 60 (300 and above use the 5-minute rollup)',
      );
    if (step >= 300 && step % 300 !== 0)
      throw new AppError('IXMETER_ERR_VALIDATION', 'steps of 300 s and more must be multiples of 300');
    if ((toMs - fromMs) / 1000 / step > 10_000)
      throw new AppError('IXMETER_ERR_VALIDATION', 'at most 10,000 points per series: use a larger step');
    return step;
  }
  const span = (toMs - fromMs) / 1000;
  return AUTO_STEPS.find((s) => span / s <= 600) ?? 86_400;
}

function fromSteps(steps: RollupStep[]): [{ in: DirectionTotals; out: DirectionTotals }, SeriesPoint[]] {
  const acc = { in: [0n, 0n, 0n, 0n], out: [0n, 0n, 0n, 0n] };
  for (const s of steps) {
    for (const d of ['in', 'out'] as const) {
      const t = s[d];
      acc[d][0]! += BigInt(t.bytes);
      acc[d][1]! += BigInt(t.l3_bytes);
      acc[d][2]! += BigInt(t.packets);
      acc[d][3]! += BigInt(t.samples);
    }
  }
  const tot = (a: bigint[]): DirectionTotals => ({
    bytes: String(a[0]),
    l3_bytes: String(a[1]),
    packets: String(a[2]),
    samples: String(a[3]),
  });
  return [
    { in: tot(acc.in), out: tot(acc.out) },
    steps.map((s) => ({ ts: s.ts, in_bytes: s.in.bytes, out_bytes: s.out.bytes })),
  ];
}

/** retentionDays: IXMETER_ROLLUP_RETENTION_DAYS, the longest range served (5 years by default). */
export function createTrafficService(repo: TrafficRepository, timezone: string, retentionDays = MAX_RANGE_DAYS) {
  return {
    async memberTraffic(asn: number, q: { from?: string; to?: string; step?: number }) {
      const { fromMs, toMs } = resolveRange(q.from, q.to, Date.now(), retentionDays);
      const step = resolveStep(q.step, fromMs, toMs);
      // Steps of 300 s and more: one rollup query gives the series and, summed exactly, the totals.
      const [totals, series] =
        step >= 300
          ? fromSteps(await repo.memberRollupSteps(asn, fromMs, toMs, step))
          : await Promise.all([repo.memberTotals(asn, fromMs, toMs), repo.memberSeries(asn, fromMs, toMs, step)]);
      const byTs = new Map(series.map((p) => [p.ts, p]));
      const points: Array<{ ts: string; in_bps: number; out_bps: number }> = [];
      const first = Math.floor(fromMs / (step * 1000)) * step * 1000;
      // Points that start in the future are absent, not 0 (a graph of today must not draw the rest of the day as 0 bps).
      const nowMs = Date.now();
      for (let t = first; t < toMs && t <= nowMs; t += step * 1000) {
        const p = byTs.get(t);
        points.push({
          ts: isoInZone(t, timezone),
          in_bps: p ? (Number(p.in_bytes) * 8) / step : 0,
          out_bps: p ? (Number(p.out_bytes) * 8) / step : 0,
        });
      }
      return {
        asn,
        from: isoInZone(fromMs, timezone),
        to: isoInZone(toMs, timezone),
        step,
        in_bytes: totals.in.bytes,
        out_bytes: totals.out.bytes,
        in_l3_bytes: totals.in.l3_bytes,
        out_l3_bytes: totals.out.l3_bytes,
        in_packets: totals.in.packets,
        out_packets: totals.out.packets,
        in_samples: totals.in.samples,
        out_samples: totals.out.samples,
        series: points,
      };
    },

    async matrix(q: { from?: string; to?: string }, onlyAsn: number | null) {
      const { fromMs, toMs } = resolveRange(q.from, q.to, Date.now(), retentionDays);
      const rows = await repo.matrix(fromMs, toMs, onlyAsn);
      return {
        from: isoInZone(fromMs, timezone),
        to: isoInZone(toMs, timezone),
        rows: rows.map((r) => ({
          src_asn: r.src_asn || null,
          dst_asn: r.dst_asn || null,
          bytes: r.bytes,
          l3_bytes: r.l3_bytes,
          packets: r.packets,
        })),
      };
    },
  };
}

export type TrafficService = ReturnType<typeof createTrafficService>;
