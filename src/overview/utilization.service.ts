/**
 * Port utilisation (contract.md alert PORT_UTILIZATION): capacity from the member file (IX-F if_speed, else
 * the sum of ixmeter.ports[].speed_mbps: MemberRecord.port_capacity_mbps), rates from the 5-minute rollups.
 * Per member: peak and P95 of the larger direction against its capacity. Per switch port, where a member's
 * ports are known and send counters: the same from the port's own counters against the port's capacity
 * (ixmeter.ports[].speed_mbps, else the speed the port reports, else the member's when it has that one port).
 *
 * The alert (per port where counters give the ports' rates, else per member; opened and ended by the minute
 * job) is described in utilization-scan.ts.
 */
import type { MembersService } from '../members/members.service.js';
import { canonicalIp, portKey } from '../members/registry.js';
import { isoInZone } from '../shared/time.js';
import type { UtilizationRepository } from './utilization.repository.js';
import { createUtilizationScan, declaredSpeeds, portCapacity } from './utilization-scan.js';

const round1 = (x: number) => Math.round(x * 10) / 10;
const rate = (bytes: number) => (bytes * 8) / 300;
const pct = (bps: number, capacity: number) => (capacity > 0 ? round1((100 * bps) / capacity) : null);

export interface UtilizationSettings {
  thresholdPct: number;
  buckets: number;
  timezone: string;
}

export function createUtilizationService(
  repo: UtilizationRepository,
  members: Pick<MembersService, 'list' | 'assignments'>,
  s: UtilizationSettings,
) {
  const thresholdOf = (m: { extension?: { utilization_threshold_pct?: number } }) =>
    m.extension?.utilization_threshold_pct ?? s.thresholdPct;

  return {
    /** Every member (or one) with capacity, peak and P95 over [from, to), worst first (by peak share). */
    async view(fromMs: number, toMs: number, onlyAsn: number | null) {
      const [list, stats, ports, assignments] = [
        await members.list(),
        await repo.memberStats(fromMs, toMs, onlyAsn),
        await repo.portStats(fromMs, toMs),
        await members.assignments(toMs),
      ];
      const portOwner = new Map<string, number>();
      const portCount = new Map<number, number>();
      for (const a of assignments)
        if (a.kind === 'port' && a.valid_from < toMs && a.valid_to > fromMs) {
          portOwner.set(a.key, a.asn);
          portCount.set(a.asn, (portCount.get(a.asn) ?? 0) + 1);
        }
      const portsOf = new Map<number, typeof ports>();
      for (const p of ports) {
        const asn = portOwner.get(`${canonicalIp(p.exporter)}|${p.if_index}`);
        if (asn !== undefined) portsOf.set(asn, [...(portsOf.get(asn) ?? []), p]);
      }
      const out = list
        .filter((m) => onlyAsn === null || m.asn === onlyAsn)
        .map((m) => {
          const capacity = m.port_capacity_mbps * 1e6;
          const st = stats.get(m.asn);
          const peak = st ? rate(st.peakBytes) : 0;
          const p95 = st ? rate(st.p95Bytes) : 0;
          const own = portsOf.get(m.asn) ?? [];
          const threshold = thresholdOf(m);
          const speeds = declaredSpeeds(m);
          return {
            asn: m.asn,
            name: m.name,
            name_zh: m.name_zh,
            capacity_bps: capacity,
            threshold_pct: threshold,
            peak_bps: peak,
            peak_at: st && st.peakBytes > 0 ? isoInZone(st.peakAt, s.timezone) : null,
            p95_bps: p95,
            peak_pct: pct(peak, capacity),
            p95_pct: pct(p95, capacity),
            over_threshold: capacity > 0 && (100 * peak) / capacity >= threshold,
            ports: own.map((p) => {
              const cap = portCapacity(
                speeds.get(portKey(p.exporter, p.if_index)),
                p.if_speed_bps,
                capacity,
                portCount.get(m.asn) ?? 0,
              ).bps;
              const pk = rate(p.peakBytes);
              return {
                exporter: canonicalIp(p.exporter),
                if_index: p.if_index,
                capacity_bps: cap,
                peak_bps: pk,
                p95_bps: rate(p.p95Bytes),
                peak_pct: pct(pk, cap),
                p95_pct: pct(rate(p.p95Bytes), cap),
                over_threshold: cap > 0 && (100 * pk) / cap >= threshold,
              };
            }),
          };
        });
      out.sort((a, b) => (b.peak_pct ?? -1) - (a.peak_pct ?? -1) || a.asn - b.asn);
      return {
        from: isoInZone(fromMs, s.timezone),
        to: isoInZone(toMs, s.timezone),
        threshold_pct: s.thresholdPct,
        buckets: s.buckets,
        members: out,
      };
    },

    /** The minute job: PORT_UTILIZATION opened and ended per port or per member (utilization-scan.ts). */
    scan: createUtilizationScan(repo, members, s),
  };
}

export type UtilizationService = ReturnType<typeof createUtilizationService>;
