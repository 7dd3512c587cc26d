/**
 * Member portal: peers by name (IX-F name, name_zh) with bytes in (the member sends to the peer) and out
 * (the member receives from it), the series of the top peers, the IPv4/IPv6 split per step, and this month
 * so far against the same part of last month (growth). Series points in the future are absent (not 0).
 */
import type { MembersService } from '../members/members.service.js';
import { zonedParts, zonedToInstant } from '../statements/time.js';
import { isoInZone } from '../shared/time.js';
import { MAX_RANGE_DAYS, resolveRange, resolveStep } from '../traffic/traffic.service.js';
import type { PortalRepository } from './portal.repository.js';

const bps = (b: string, step: number) => (Number(b) * 8) / step;

/** Instants of [from, to) at `step`, the current step included, none after `nowMs`. */
export function stepStarts(fromMs: number, toMs: number, step: number, nowMs: number): number[] {
  const out: number[] = [];
  for (let t = Math.floor(fromMs / (step * 1000)) * step * 1000; t < toMs && t <= nowMs; t += step * 1000) out.push(t);
  return out;
}

export function growthPct(now: bigint, before: bigint): number | null {
  return before === 0n ? null : Math.round((Number(now - before) / Number(before)) * 1000) / 10;
}

export function createPortalService(
  repo: PortalRepository,
  members: Pick<MembersService, 'list'>,
  timezone: string,
  retentionDays = MAX_RANGE_DAYS,
) {
  return {
    async peers(asn: number, q: { from?: string; to?: string; step?: number; top?: number }, nowMs = Date.now()) {
      const { fromMs, toMs } = resolveRange(q.from, q.to, nowMs, retentionDays);
      const step = Math.max(300, resolveStep(q.step, fromMs, toMs));
      const who = new Map((await members.list(true)).map((m) => [m.asn, m]));
      const rows = await repo.peers(asn, fromMs, toMs);
      const top = rows
        .filter((r) => r.peer_asn !== 0)
        .slice(0, q.top ?? 5)
        .map((r) => r.peer_asn);
      const [steps, versions] = [
        await repo.peerSteps(asn, top, fromMs, toMs, step),
        await repo.versionSteps(asn, fromMs, toMs, step),
      ];
      const starts = stepStarts(fromMs, toMs, step, nowMs);
      const ts = (t: number) => isoInZone(t, timezone);
      const vBy = new Map(versions.map((v) => [v.ts, v]));
      let v4 = 0n;
      let v6 = 0n;
      for (const r of rows) {
        v4 += BigInt(r.ipv4_bytes);
        v6 += BigInt(r.ipv6_bytes);
      }
      return {
        asn,
        from: ts(fromMs),
        to: ts(toMs),
        step,
        ipv4_bytes: String(v4),
        ipv6_bytes: String(v6),
        peers: rows.map((r) => ({
          asn: r.peer_asn || null,
          name: r.peer_asn ? (who.get(r.peer_asn)?.name ?? `AS${r.peer_asn}`) : '',
          name_zh: who.get(r.peer_asn)?.name_zh ?? '',
          in_bytes: r.in_bytes,
          out_bytes: r.out_bytes,
          ipv4_bytes: r.ipv4_bytes,
          ipv6_bytes: r.ipv6_bytes,
        })),
        top_series: top.map((peer) => {
          const by = new Map(steps.filter((s) => s.peer_asn === peer).map((s) => [s.ts, s]));
          return {
            asn: peer,
            series: starts.map((t) => ({
              ts: ts(t),
              in_bps: by.has(t) ? bps(by.get(t)!.in_bytes, step) : 0,
              out_bps: by.has(t) ? bps(by.get(t)!.out_bytes, step) : 0,
            })),
          };
        }),
        version_series: starts.map((t) => {
          const v = vBy.get(t);
          return {
            ts: ts(t),
            ipv4_in_bps: v ? bps(v.ipv4_in, step) : 0,
            ipv4_out_bps: v ? bps(v.ipv4_out, step) : 0,
            ipv6_in_bps: v ? bps(v.ipv6_in, step) : 0,
            ipv6_out_bps: v ? bps(v.ipv6_out, step) : 0,
          };
        }),
      };
    },

    /** This month (billing time zone) up to now against last month's same elapsed part, and last month whole. */
    async growth(asn: number, nowMs = Date.now()) {
      const p = zonedParts(nowMs, timezone);
      const start = zonedToInstant({ year: p.year, month: p.month, day: 1, hour: 0, minute: 0 }, timezone);
      const prev = p.month === 1 ? { year: p.year - 1, month: 12 } : { year: p.year, month: p.month - 1 };
      const prevStart = zonedToInstant({ ...prev, day: 1, hour: 0, minute: 0 }, timezone);
      const samePart = Math.min(start, prevStart + (nowMs - start));
      const [cur, part, whole] = [
        await repo.totals(asn, start, nowMs),
        await repo.totals(asn, prevStart, samePart),
        await repo.totals(asn, prevStart, start),
      ];
      const sum = (x: { in_bytes: string; out_bytes: string }) => BigInt(x.in_bytes) + BigInt(x.out_bytes);
      const month = (y: number, m: number) => `${y}-${String(m).padStart(2, '0')}`;
      return {
        asn,
        month: month(p.year, p.month),
        previous_month: month(prev.year, prev.month),
        this_month: cur,
        previous_same_period: part,
        previous_month_total: whole,
        growth_pct: growthPct(sum(cur), sum(part)),
        in_growth_pct: growthPct(BigInt(cur.in_bytes), BigInt(part.in_bytes)),
        out_growth_pct: growthPct(BigInt(cur.out_bytes), BigInt(part.out_bytes)),
      };
    },
  };
}

export type PortalService = ReturnType<typeof createPortalService>;
