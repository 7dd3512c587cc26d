/**
 * The exchange overview (综合监测, contract.md "Exchange overview"): fabric total per step with IPv4/IPv6,
 * total bytes, peak (5-minute) with its time, fabric P95 (5-minute, nearest rank, buckets without traffic
 * count as 0), active members and the top members (over the whole UTC hours covering the range: members_from,
 * members_to; the fabric figures are exact to the 5-minute bucket). Points of the series that lie in the future are absent
 * (not 0): the series ends with the current step.
 */
import type { MembersService } from '../members/members.service.js';
import { AppError } from '../shared/errors.js';
import { isoInZone } from '../shared/time.js';
import { MAX_RANGE_DAYS, resolveRange, resolveStep } from '../traffic/traffic.service.js';
import type { OverviewRepository, PairBytes } from './overview.repository.js';

const BUCKET_MS = 300_000;
const HOUR_MS = 3_600_000;
export const TOP_MEMBERS = 10;
export const TOP_PAIRS = 10;

const bps = (bytes: string | number, seconds: number) => (Number(bytes) * 8) / seconds;

export interface OverviewQuery {
  from?: string;
  to?: string;
  step?: number;
}

/**
 * Per member (ASN ≠ 0) bytes sent (in) and received (out), largest first; self-traffic counts on both sides.
 * And the largest pairs of two different known members.
 */
export function sumPairs(pairs: PairBytes[]): {
  perMember: Array<{ asn: number; in_bytes: string; out_bytes: string }>;
  topPairs: PairBytes[];
} {
  const acc = new Map<number, { in: bigint; out: bigint }>();
  const add = (asn: number, k: 'in' | 'out', b: bigint) => {
    if (asn === 0) return;
    const v = acc.get(asn) ?? { in: 0n, out: 0n };
    v[k] += b;
    acc.set(asn, v);
  };
  for (const p of pairs) {
    const b = BigInt(p.bytes);
    add(p.src_asn, 'in', b);
    add(p.dst_asn, 'out', b);
  }
  const cmp = (x: bigint, y: bigint) => (x > y ? -1 : x < y ? 1 : 0);
  const perMember = [...acc]
    .sort((a, b) => cmp(a[1].in + a[1].out, b[1].in + b[1].out) || a[0] - b[0])
    .map(([asn, v]) => ({ asn, in_bytes: String(v.in), out_bytes: String(v.out) }));
  const topPairs = pairs
    .filter((p) => p.src_asn !== 0 && p.dst_asn !== 0 && p.src_asn !== p.dst_asn)
    .sort((a, b) => cmp(BigInt(a.bytes), BigInt(b.bytes)) || a.src_asn - b.src_asn || a.dst_asn - b.dst_asn)
    .slice(0, TOP_PAIRS);
  return { perMember, topPairs };
}

export function createOverviewService(
  repo: OverviewRepository,
  members: Pick<MembersService, 'list'>,
  timezone: string,
  retentionDays = MAX_RANGE_DAYS,
) {
  async function names(): Promise<Map<number, { name: string; name_zh: string }>> {
    return new Map((await members.list(true)).map((m) => [m.asn, { name: m.name, name_zh: m.name_zh }]));
  }

  /** The fabric alone (no member identity): what the public statistics may show. */
  async function fabric(q: OverviewQuery, nowMs = Date.now()) {
    const { fromMs, toMs } = resolveRange(q.from, q.to, nowMs, retentionDays);
    if (q.step !== undefined && (q.step < 300 || q.step % 300 !== 0))
      throw new AppError(
        'IXMETER_ERR_VALIDATION',
        'step is in seconds, a multiple of 300 (the fabric rollup has 5-minute buckets)',
      );
    const step = resolveStep(q.step, fromMs, toMs);
    const [steps, expectedEnd] = [await repo.fabricSteps(fromMs, toMs, step), Math.min(toMs, nowMs)];
    const firstBucket = Math.ceil(fromMs / BUCKET_MS) * BUCKET_MS;
    const expected = Math.max(0, Math.ceil((expectedEnd - firstBucket) / BUCKET_MS));
    const peak = await repo.fabricPeakP95(fromMs, toMs, expected);
    const byTs = new Map(steps.map((s) => [s.ts, s]));
    const series: Array<{ ts: string; bps: number; ipv4_bps: number; ipv6_bps: number }> = [];
    const first = Math.floor(fromMs / (step * 1000)) * step * 1000;
    for (let t = first; t < toMs && t <= nowMs; t += step * 1000) {
      const p = byTs.get(t);
      series.push({
        ts: isoInZone(t, timezone),
        bps: p ? bps(p.total, step) : 0,
        ipv4_bps: p ? bps(p.v4, step) : 0,
        ipv6_bps: p ? bps(p.v6, step) : 0,
      });
    }
    let total = 0n;
    let v4 = 0n;
    let v6 = 0n;
    for (const s of steps) {
      total += BigInt(s.total);
      v4 += BigInt(s.v4);
      v6 += BigInt(s.v6);
    }
    return {
      fromMs,
      toMs,
      body: {
        from: isoInZone(fromMs, timezone),
        to: isoInZone(toMs, timezone),
        step,
        series,
        total_bytes: String(total),
        ipv4_bytes: String(v4),
        ipv6_bytes: String(v6),
        peak_bps: bps(peak.peakBytes, 300),
        peak_at: peak.peakAt === null ? null : isoInZone(peak.peakAt, timezone),
        p95_bps: bps(peak.p95Bytes, 300),
      },
    };
  }

  return {
    fabric: async (q: OverviewQuery, nowMs = Date.now()) => (await fabric(q, nowMs)).body,

    async overview(q: OverviewQuery, nowMs = Date.now()) {
      const f = await fabric(q, nowMs);
      // Members and pairs over the whole UTC hours that cover the range (the hourly and daily rollups only):
      // reading the 5-minute edges of every member costs seconds at 500 members, the fabric figures stay exact.
      const hFrom = Math.floor(f.fromMs / HOUR_MS) * HOUR_MS;
      const hTo = Math.ceil(f.toMs / HOUR_MS) * HOUR_MS;
      const [pairs, who] = [await repo.pairBytes(hFrom, hTo), await names()];
      const { perMember, topPairs } = sumPairs(pairs);
      const named = (asn: number) => ({
        asn,
        name: who.get(asn)?.name ?? `AS${asn}`,
        name_zh: who.get(asn)?.name_zh ?? '',
      });
      return {
        ...f.body,
        members_from: isoInZone(hFrom, timezone),
        members_to: isoInZone(hTo, timezone),
        members_active: perMember.filter((m) => m.in_bytes !== '0' || m.out_bytes !== '0').length,
        top_members: perMember
          .slice(0, TOP_MEMBERS)
          .map((m) => ({ ...named(m.asn), in_bytes: m.in_bytes, out_bytes: m.out_bytes })),
        top_pairs: topPairs.map((p) => ({ src: named(p.src_asn), dst: named(p.dst_asn), bytes: p.bytes })),
      };
    },
  };
}

export type OverviewService = ReturnType<typeof createOverviewService>;
