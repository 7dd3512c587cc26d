/**
 * The minute job behind PORT_UTILIZATION (contract.md): a capacity warning for the member (victim, so it sees
 * it) and for operations, severity warning, evidence category "capacity"; not a security alert.
 *
 * Scope, one rule so that one condition never alerts twice:
 * - a member with at least one switch port whose interface counters (port_counters_5m) give rates in the scan
 *   buckets is evaluated PER PORT: one alert per port, target "exporter|ifIndex" (the member file's port key),
 *   capacity = the port's ixmeter.ports[].speed_mbps, else the speed the counters report, else the member's
 *   capacity when it has that one port. Its member-level alert, if one was open, ends.
 * - every other member with a capacity is evaluated PER MEMBER (target "AS<n> port"): the larger direction of
 *   its flow traffic (member_io_5m) against its total capacity. Flow rates per port are not used: no rollup
 *   carries the ifIndex (only flows_raw does), so a member whose ports send no counters stays per member.
 *
 * Opening: the share is ≥ the threshold (member's ixmeter.utilization_threshold_pct, else the default) in each
 * of the last N complete 5-minute buckets. Ending: it is below in each of the last N, and the alert ends
 * (resolved by the detector) with the start of the first of those buckets as its end. A port bucket without a
 * counter reading (or with a counter reset) is unknown: it neither opens nor ends an alert.
 */
import type { AlertCandidateLike, AlertsService } from '../alerts/alerts.service.js';
import type { MembersService } from '../members/members.service.js';
import { canonicalIp, portKey, type MemberRecord } from '../members/registry.js';
import { emptyEvidence } from '../security/types.js';
import type { UtilizationRepository } from './utilization.repository.js';

const BUCKET_MS = 300_000;
const round1 = (x: number) => Math.round(x * 10) / 10;
const rate = (bytes: number) => (bytes * 8) / 300;

export interface ScanSettings {
  thresholdPct: number;
  buckets: number;
}
export type CapacitySource = 'member_file' | 'counters' | 'member' | 'none';

/** A port's capacity (bit/s): its declared speed, else the speed its counters report, else the member's (one port only). */
export function portCapacity(
  declaredMbps: number | undefined,
  countersBps: number,
  memberBps: number,
  memberPorts: number,
): { bps: number; source: CapacitySource } {
  if (declaredMbps && declaredMbps > 0) return { bps: declaredMbps * 1e6, source: 'member_file' };
  if (countersBps > 0) return { bps: countersBps, source: 'counters' };
  if (memberPorts === 1 && memberBps > 0) return { bps: memberBps, source: 'member' };
  return { bps: 0, source: 'none' };
}

/** The declared speed of each of a member's ports, by port key. */
export function declaredSpeeds(m: Pick<MemberRecord, 'extension'>): Map<string, number | undefined> {
  return new Map((m.extension.ports ?? []).map((p) => [portKey(p.exporter, p.if_index), p.speed_mbps]));
}

/** All shares known and ≥ threshold: over; all known and below: below; else unknown. */
function verdict(shares: Array<number | null>, threshold: number): 'over' | 'below' | 'unknown' {
  if (shares.some((x) => x === null)) return 'unknown';
  if (shares.every((x) => x! >= threshold)) return 'over';
  return shares.every((x) => x! < threshold) ? 'below' : 'unknown';
}

export function createUtilizationScan(
  repo: UtilizationRepository,
  members: Pick<MembersService, 'list' | 'assignments'>,
  s: ScanSettings,
) {
  return async function scan(
    alerts: Pick<AlertsService, 'ingest' | 'end'>,
    nowMs = Date.now(),
  ): Promise<{ candidates: number; ended: number }> {
    const last = Math.floor(nowMs / BUCKET_MS) * BUCKET_MS - BUCKET_MS;
    const buckets = Array.from({ length: s.buckets }, (_, i) => last - (s.buckets - 1 - i) * BUCKET_MS);
    const [list, memberRates, portRates, assignments] = [
      await members.list(),
      await repo.memberBuckets(buckets),
      await repo.portBuckets(buckets),
      await members.assignments(nowMs),
    ];
    const owner = new Map<string, number>();
    const portCount = new Map<number, number>();
    for (const a of assignments) {
      if (a.kind !== 'port' || a.valid_from > last || a.valid_to <= last) continue;
      owner.set(a.key, a.asn);
      portCount.set(a.asn, (portCount.get(a.asn) ?? 0) + 1);
    }
    const portsOf = new Map<number, typeof portRates>();
    for (const p of portRates) {
      const asn = owner.get(portKey(p.exporter, p.if_index));
      if (asn !== undefined && p.bytes.size) portsOf.set(asn, [...(portsOf.get(asn) ?? []), p]);
    }
    const found: AlertCandidateLike[] = [];
    let ended = 0;
    const judge = async (
      target: string,
      shares: Array<number | null>,
      threshold: number,
      m: MemberRecord,
      metrics: Record<string, number>,
      details: Record<string, string | number>,
    ) => {
      const v = verdict(shares, threshold);
      if (
        v === 'below' &&
        (await alerts.end(
          'PORT_UTILIZATION',
          target,
          buckets[0]!,
          { endedBelowPct: round1(Math.max(...(shares as number[]))) },
          nowMs,
        ))
      )
        ended++;
      if (v !== 'over') return;
      const known = shares as number[];
      found.push({
        type: 'PORT_UTILIZATION',
        severity: 'warning',
        target,
        sourceAsn: null,
        victimAsn: m.asn,
        firstSeenMs: buckets[0]!,
        lastSeenMs: last + BUCKET_MS,
        ruleId: 'PORT_UTILIZATION@1',
        thresholds: { thresholdPct: threshold, buckets: s.buckets },
        metrics: { ...metrics, lastPct: round1(known[known.length - 1]!), minPct: round1(Math.min(...known)) },
        evidence: { ...emptyEvidence(), details: { category: 'capacity', member: m.name, asn: m.asn, ...details } },
      });
    };
    for (const m of list) {
      const threshold = m.extension?.utilization_threshold_pct ?? s.thresholdPct;
      const memberCap = m.port_capacity_mbps * 1e6;
      const own = portsOf.get(m.asn);
      if (own) {
        // Per port; a member-level alert from before the counters came ends (the ports are the finer view).
        if (
          await alerts.end(
            'PORT_UTILIZATION',
            `AS${m.asn} port`,
            buckets[0]!,
            { endedReason: 'evaluated per port' },
            nowMs,
          )
        )
          ended++;
        const speeds = declaredSpeeds(m);
        for (const p of own) {
          const key = portKey(p.exporter, p.if_index);
          const cap = portCapacity(speeds.get(key), p.if_speed_bps, memberCap, portCount.get(m.asn) ?? 0);
          if (!(cap.bps > 0)) continue;
          const b = buckets.map((t) => p.bytes.get(t));
          const lastBytes = b[b.length - 1];
          await judge(
            key,
            b.map((x) => (x === undefined ? null : (100 * rate(x)) / cap.bps)),
            threshold,
            m,
            { capacityBps: cap.bps, lastBps: lastBytes === undefined ? 0 : rate(lastBytes) },
            {
              scope: 'port',
              port: key,
              exporter: canonicalIp(p.exporter),
              if_index: p.if_index,
              capacity_source: cap.source,
              rate_source: 'interface counters',
            },
          );
        }
        continue;
      }
      const r = memberRates.get(m.asn);
      if (!(memberCap > 0)) continue;
      await judge(
        `AS${m.asn} port`,
        buckets.map((t) => (100 * rate(r?.get(t) ?? 0)) / memberCap),
        threshold,
        m,
        { capacityBps: memberCap, lastBps: rate(r?.get(last) ?? 0) },
        { scope: 'member', rate_source: 'flows' },
      );
    }
    if (found.length) await alerts.ingest(found, nowMs);
    return { candidates: found.length, ended };
  };
}
