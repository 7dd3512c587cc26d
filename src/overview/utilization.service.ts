/**
 * Port utilisation (contract.md alert PORT_UTILIZATION): capacity from the member file (IX-F if_speed, else
 * the sum of ixmeter.ports[].speed_mbps: MemberRecord.port_capacity_mbps), rates from the 5-minute rollups.
 * Per member: peak and P95 of the larger direction against its capacity. Per switch port, where a member's
 * ports are known and send counters: the same from the port's own counters against the speed the port reports
 * (or the member's capacity when the member has that one port).
 *
 * The alert is a capacity warning for the member and for operations (severity warning, evidence category
 * "capacity"), not a security alert: it opens when a member's rate is at or above its threshold
 * (ixmeter.utilization_threshold_pct, else IXMETER_UTILIZATION_THRESHOLD_PCT) in each of the last
 * IXMETER_UTILIZATION_BUCKETS complete 5-minute buckets, and is updated while that lasts.
 */
import type { AlertCandidateLike, AlertsService } from '../alerts/alerts.service.js';
import type { MembersService } from '../members/members.service.js';
import { canonicalIp } from '../members/registry.js';
import { emptyEvidence } from '../security/types.js';
import { isoInZone } from '../shared/time.js';
import type { UtilizationRepository } from './utilization.repository.js';

const BUCKET_MS = 300_000;
const round1 = (x: number) => Math.round(x * 10) / 10;
const rate = (bytes: number) => (bytes * 8) / 300;
const pct = (bps: number, capacity: number) => (capacity > 0 ? round1((100 * bps) / capacity) : null);

export interface UtilizationSettings { thresholdPct: number; buckets: number; timezone: string }

export function createUtilizationService(repo: UtilizationRepository, members: Pick<MembersService, 'list' | 'assignments'>, s: UtilizationSettings) {
  const thresholdOf = (m: { extension?: { utilization_threshold_pct?: number } }) => m.extension?.utilization_threshold_pct ?? s.thresholdPct;

  return {
    /** Every member (or one) with capacity, peak and P95 over [from, to), worst first (by peak share). */
    async view(fromMs: number, toMs: number, onlyAsn: number | null) {
      const [list, stats, ports, assignments] = [await members.list(), await repo.memberStats(fromMs, toMs, onlyAsn), await repo.portStats(fromMs, toMs), await members.assignments(toMs)];
      const portOwner = new Map<string, number>();
      for (const a of assignments) if (a.kind === 'port' && a.valid_from < toMs && a.valid_to > fromMs) portOwner.set(a.key, a.asn);
      const portsOf = new Map<number, typeof ports>();
      for (const p of ports) {
        const asn = portOwner.get(`${canonicalIp(p.exporter)}|${p.if_index}`);
        if (asn !== undefined) portsOf.set(asn, [...(portsOf.get(asn) ?? []), p]);
      }
      const out = list.filter((m) => onlyAsn === null || m.asn === onlyAsn).map((m) => {
        const capacity = m.port_capacity_mbps * 1e6;
        const st = stats.get(m.asn);
        const peak = st ? rate(st.peakBytes) : 0;
        const p95 = st ? rate(st.p95Bytes) : 0;
        const own = portsOf.get(m.asn) ?? [];
        const threshold = thresholdOf(m);
        return {
          asn: m.asn, name: m.name, name_zh: m.name_zh, capacity_bps: capacity, threshold_pct: threshold,
          peak_bps: peak, peak_at: st && st.peakBytes > 0 ? isoInZone(st.peakAt, s.timezone) : null, p95_bps: p95,
          peak_pct: pct(peak, capacity), p95_pct: pct(p95, capacity), over_threshold: capacity > 0 && (100 * peak) / capacity >= threshold,
          ports: own.map((p) => {
            const cap = p.if_speed_bps > 0 ? p.if_speed_bps : own.length === 1 ? capacity : 0;
            const pk = rate(p.peakBytes);
            return { exporter: canonicalIp(p.exporter), if_index: p.if_index, capacity_bps: cap, peak_bps: pk, p95_bps: rate(p.p95Bytes), peak_pct: pct(pk, cap), p95_pct: pct(rate(p.p95Bytes), cap), over_threshold: cap > 0 && (100 * pk) / cap >= threshold };
          }),
        };
      });
      out.sort((a, b) => (b.peak_pct ?? -1) - (a.peak_pct ?? -1) || a.asn - b.asn);
      return { from: isoInZone(fromMs, s.timezone), to: isoInZone(toMs, s.timezone), threshold_pct: s.thresholdPct, buckets: s.buckets, members: out };
    },

    /** The minute job: PORT_UTILIZATION candidates for the last complete buckets, handed to the alerts. */
    async scan(alerts: Pick<AlertsService, 'ingest'>, nowMs = Date.now()): Promise<{ candidates: number }> {
      const last = Math.floor(nowMs / BUCKET_MS) * BUCKET_MS - BUCKET_MS;
      const buckets = Array.from({ length: s.buckets }, (_, i) => last - (s.buckets - 1 - i) * BUCKET_MS);
      const rates = await repo.memberBuckets(buckets);
      const found: AlertCandidateLike[] = [];
      for (const m of await members.list()) {
        const capacity = m.port_capacity_mbps * 1e6;
        const r = rates.get(m.asn);
        if (!(capacity > 0) || !r) continue;
        const threshold = thresholdOf(m);
        const shares = buckets.map((t) => (100 * rate(r.get(t) ?? 0)) / capacity);
        if (!shares.every((x) => x >= threshold)) continue;
        found.push({
          type: 'PORT_UTILIZATION', severity: 'warning', target: `AS${m.asn} port`, sourceAsn: null, victimAsn: m.asn,
          firstSeenMs: buckets[0]!, lastSeenMs: last + BUCKET_MS, ruleId: 'PORT_UTILIZATION@1',
          thresholds: { thresholdPct: threshold, buckets: s.buckets },
          metrics: { capacityBps: capacity, lastBps: rate(r.get(last) ?? 0), lastPct: round1(shares[shares.length - 1]!), minPct: round1(Math.min(...shares)) },
          evidence: { ...emptyEvidence(), details: { category: 'capacity', member: m.name } },
        });
      }
      if (found.length) await alerts.ingest(found, nowMs);
      return { candidates: found.length };
    },
  };
}

export type UtilizationService = ReturnType<typeof createUtilizationService>;
