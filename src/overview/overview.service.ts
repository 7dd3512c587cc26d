/**
 * The exchange overview (综合监测, contract.md "Exchange overview"): fabric total per step with IPv4/IPv6,
 * total bytes, peak (5-minute) with its time, fabric P95 (5-minute, nearest rank, buckets without traffic
 * count as 0), active members and the top members. Points of the series that lie in the future are absent
 * (not 0): the series ends with the current step.
 */
import type { MembersService } from '../members/members.service.js';
import { AppError } from '../shared/errors.js';
import { isoInZone } from '../shared/time.js';
import { MAX_RANGE_DAYS, resolveRange, resolveStep } from '../traffic/traffic.service.js';
import type { OverviewRepository } from './overview.repository.js';

const BUCKET_MS = 300_000;
export const TOP_MEMBERS = 10;
export const TOP_PAIRS = 10;

const bps = (bytes: string | number, seconds: number) => (Number(bytes) * 8) / seconds;

export interface OverviewQuery { from?: string; to?: string; step?: number }

export function createOverviewService(repo: OverviewRepository, members: Pick<MembersService, 'list'>, timezone: string, retentionDays = MAX_RANGE_DAYS) {
  async function names(): Promise<Map<number, { name: string; name_zh: string }>> {
    return new Map((await members.list(true)).map((m) => [m.asn, { name: m.name, name_zh: m.name_zh }]));
  }

  /** The fabric alone (no member identity): what the public statistics may show. */
  async function fabric(q: OverviewQuery, nowMs = Date.now()) {
    const { fromMs, toMs } = resolveRange(q.from, q.to, nowMs, retentionDays);
    if (q.step !== undefined && (q.step < 300 || q.step % 300 !== 0)) throw new AppError('IXMETER_ERR_VALIDATION', 'step is in seconds, a multiple of 300 (the fabric rollup has 5-minute buckets)');
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
      series.push({ ts: isoInZone(t, timezone), bps: p ? bps(p.total, step) : 0, ipv4_bps: p ? bps(p.v4, step) : 0, ipv6_bps: p ? bps(p.v6, step) : 0 });
    }
    let total = 0n; let v4 = 0n; let v6 = 0n;
    for (const s of steps) { total += BigInt(s.total); v4 += BigInt(s.v4); v6 += BigInt(s.v6); }
    return {
      fromMs, toMs,
      body: {
        from: isoInZone(fromMs, timezone), to: isoInZone(toMs, timezone), step, series,
        total_bytes: String(total), ipv4_bytes: String(v4), ipv6_bytes: String(v6),
        peak_bps: bps(peak.peakBytes, 300), peak_at: peak.peakAt === null ? null : isoInZone(peak.peakAt, timezone), p95_bps: bps(peak.p95Bytes, 300),
      },
    };
  }

  return {
    fabric: async (q: OverviewQuery, nowMs = Date.now()) => (await fabric(q, nowMs)).body,

    async overview(q: OverviewQuery, nowMs = Date.now()) {
      const f = await fabric(q, nowMs);
      const [perMember, pairs, who] = [await repo.memberBytes(f.fromMs, f.toMs), await repo.topPairs(f.fromMs, f.toMs, TOP_PAIRS), await names()];
      const named = (asn: number) => ({ asn, name: who.get(asn)?.name ?? `AS${asn}`, name_zh: who.get(asn)?.name_zh ?? '' });
      return {
        ...f.body,
        members_active: perMember.filter((m) => m.in_bytes !== '0' || m.out_bytes !== '0').length,
        top_members: perMember.slice(0, TOP_MEMBERS).map((m) => ({ ...named(m.asn), in_bytes: m.in_bytes, out_bytes: m.out_bytes })),
        top_pairs: pairs.map((p) => ({ src: named(p.src_asn), dst: named(p.dst_asn), bytes: p.bytes })),
      };
    },
  };
}

export type OverviewService = ReturnType<typeof createOverviewService>;
