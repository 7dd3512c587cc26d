/**
 * The month's supervision report (安全监管月报) for security and the regulator: alerts by type, severity
 * and member (as source and as victim), peering-LAN hygiene (L2_* alerts), rectification notices
 * (issued, rectified, overdue, reopened, median time to rectify) and the items still open at the end of
 * the month (or now, for the running month). Computed from alert_events and notice_events only; it
 * carries the SHA-256 of those inputs, so two reports with the same hash were made from the same rows.
 */
import { createHash } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import type { MembersService } from '../members/members.service.js';
import type { NoticeEventRow } from '../notices/notices.repository.js';
import { foldNotice } from '../notices/notices.service.js';
import { monthBounds } from '../statements/time.js';

export interface Count {
  key: string;
  count: number;
}
export interface MemberCount {
  asn: number;
  name: string;
  as_source: number;
  as_victim: number;
}

export interface SecurityReport {
  month: string;
  time_zone: string;
  period: { start: string; end: string };
  /** The month is still running: counts are up to generated_at. */
  partial: boolean;
  generated_at: string;
  alerts: { total: number; by_type: Count[]; by_severity: Count[]; by_member: MemberCount[] };
  hygiene: { total: number; by_type: Count[]; by_member: Array<{ asn: number; name: string; count: number }> };
  notices: {
    issued: number;
    rectified: number;
    overdue: number;
    reopened: number;
    median_hours_to_rectify: number | null;
  };
  open_items: {
    notices: Array<{ id: string; asn: number; title: string; status: string; deadline: string; overdue: boolean }>;
    alerts: Array<{
      id: string;
      type: string;
      severity: string;
      status: string;
      source_asn: number | null;
      victim_asn: number | null;
      first_seen: string;
    }>;
    /** Open alerts in all (the list holds the oldest OPEN_ALERTS_LISTED). */
    alerts_total: number;
  };
  inputs_hash: string;
}

interface AlertAgg {
  alert_id: string;
  type: string;
  severity: string;
  status: string;
  source_asn: number | null;
  victim_asn: number | null;
  fs: number;
}

const SEV_ORDER = ['critical', 'major', 'warning', 'info'];
const iso = (ms: number) => new Date(ms).toISOString();
/** Open items list at most this many alerts (the count is complete). */
const OPEN_ALERTS_LISTED = 200;

function counts(keys: string[], order?: string[]): Count[] {
  const m = new Map<string, number>();
  for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
  const out = [...m.entries()].map(([key, count]) => ({ key, count }));
  return out.sort((a, b) =>
    order ? order.indexOf(a.key) - order.indexOf(b.key) : b.count - a.count || a.key.localeCompare(b.key),
  );
}

function median(xs: number[]): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function createSecurityReports(
  client: ClickHouseClient,
  members: Pick<MembersService, 'list'>,
  timeZone: string,
) {
  const json = {
    format: 'JSONEachRow' as const,
    clickhouse_settings: { output_format_json_quote_64bit_integers: 0 as const },
  };

  /** Every alert first seen before `end` with events in the 90 days before the month, in its state at `end`. */
  async function alertsAt(start: number, end: number): Promise<AlertAgg[]> {
    const rs = await client.query({
      query: `SELECT alert_id, any(type) AS type, argMax(severity, at) AS severity, argMax(status, at) AS status, argMax(source_asn, at) AS source_asn,
                argMax(victim_asn, at) AS victim_asn, toUnixTimestamp64Milli(min(first_seen)) AS fs
              FROM alert_events WHERE at < fromUnixTimestamp64Milli({end:Int64}, 'UTC') AND at >= fromUnixTimestamp64Milli({since:Int64}, 'UTC')
              GROUP BY alert_id HAVING fs < {end:Int64} ORDER BY alert_id`,
      query_params: { end: String(end), since: String(start - 90 * 86_400_000) },
      ...json,
    });
    return (await rs.json<Record<string, unknown>>()).map((r) => ({
      alert_id: String(r.alert_id),
      type: String(r.type),
      severity: String(r.severity),
      status: String(r.status),
      fs: Number(r.fs),
      source_asn: r.source_asn === null ? null : Number(r.source_asn),
      victim_asn: r.victim_asn === null ? null : Number(r.victim_asn),
    }));
  }

  async function noticeEventsBefore(end: number): Promise<NoticeEventRow[]> {
    const rs = await client.query({
      query: `SELECT notice_id, toUnixTimestamp64Milli(at) AS at_ms, event, status, asn, alert_id, alert_type, title, '' AS body, toUnixTimestamp64Milli(deadline) AS deadline_ms,
                '' AS evidence, actor, role, note
              FROM notice_events WHERE at < fromUnixTimestamp64Milli({end:Int64}, 'UTC') ORDER BY notice_id, at`,
      query_params: { end: String(end) },
      ...json,
    });
    return (await rs.json<Record<string, unknown>>()).map((r) => ({
      ...(r as unknown as NoticeEventRow),
      at: Number(r.at_ms),
      asn: Number(r.asn),
      deadline: Number(r.deadline_ms),
    }));
  }

  return {
    async build(month: string, nowMs = Date.now()): Promise<SecurityReport> {
      const b = monthBounds(month, timeZone);
      const cut = Math.min(b.end, nowMs);
      const [alerts, nevents, roster] = await Promise.all([
        alertsAt(b.start, cut),
        noticeEventsBefore(cut),
        members.list(true),
      ]);
      const names = new Map(roster.map((m) => [m.asn, m.name_zh || m.name]));
      const name = (asn: number) => names.get(asn) ?? `AS${asn}`;

      const inMonth = alerts.filter((a) => a.fs >= b.start);
      const byMember = new Map<number, MemberCount>();
      const member = (asn: number) =>
        byMember.get(asn) ?? byMember.set(asn, { asn, name: name(asn), as_source: 0, as_victim: 0 }).get(asn)!;
      for (const a of inMonth) {
        if (a.source_asn) member(a.source_asn).as_source++;
        if (a.victim_asn) member(a.victim_asn).as_victim++;
      }
      const l2 = inMonth.filter((a) => a.type.startsWith('L2_'));
      const l2Members = new Map<number, number>();
      for (const a of l2) if (a.source_asn) l2Members.set(a.source_asn, (l2Members.get(a.source_asn) ?? 0) + 1);

      const byNotice = new Map<string, NoticeEventRow[]>();
      for (const e of nevents) (byNotice.get(e.notice_id) ?? byNotice.set(e.notice_id, []).get(e.notice_id)!).push(e);
      const within = (t: number) => t >= b.start && t < cut;
      let issued = 0,
        rectified = 0,
        overdue = 0,
        reopened = 0;
      const hours: number[] = [];
      const openNotices: SecurityReport['open_items']['notices'] = [];
      for (const ev of byNotice.values()) {
        const f = foldNotice(ev, cut);
        if (within(ev[0]!.at)) issued++;
        for (const e of ev) {
          if (!within(e.at)) continue;
          if (e.event === 'overdue') overdue++;
          if (e.event === 'reopened') reopened++;
          if (e.event === 'rectified') {
            rectified++;
            hours.push((e.at - ev[0]!.at) / 3_600_000);
          }
        }
        if (f.status !== 'rectified')
          openNotices.push({
            id: f.id,
            asn: f.asn,
            title: f.title,
            status: f.status,
            deadline: f.deadline,
            overdue: f.overdue,
          });
      }
      const openAlerts = alerts
        .filter((a) => a.status === 'open' || a.status === 'acknowledged')
        .sort((x, y) => x.fs - y.fs);

      const hash = createHash('sha256')
        .update(
          JSON.stringify([
            month,
            timeZone,
            cut,
            alerts,
            nevents.map((e) => [e.notice_id, e.at, e.event, e.status, e.asn, e.deadline, e.title]),
          ]),
        )
        .digest('hex');
      const med = median(hours);
      return {
        month,
        time_zone: timeZone,
        period: { start: b.startIso, end: b.endIso },
        partial: cut < b.end,
        generated_at: iso(nowMs),
        alerts: {
          total: inMonth.length,
          by_type: counts(inMonth.map((a) => a.type)),
          by_severity: counts(
            inMonth.map((a) => a.severity),
            SEV_ORDER,
          ),
          by_member: [...byMember.values()].sort(
            (x, y) => y.as_source + y.as_victim - (x.as_source + x.as_victim) || x.asn - y.asn,
          ),
        },
        hygiene: {
          total: l2.length,
          by_type: counts(l2.map((a) => a.type)),
          by_member: [...l2Members.entries()]
            .map(([asn, count]) => ({ asn, name: name(asn), count }))
            .sort((x, y) => y.count - x.count || x.asn - y.asn),
        },
        notices: {
          issued,
          rectified,
          overdue,
          reopened,
          median_hours_to_rectify: med === null ? null : Math.round(med * 100) / 100,
        },
        open_items: {
          notices: openNotices.sort((x, y) => x.deadline.localeCompare(y.deadline)),
          alerts: openAlerts.slice(0, OPEN_ALERTS_LISTED).map((a) => ({
            id: a.alert_id,
            type: a.type,
            severity: a.severity,
            status: a.status,
            source_asn: a.source_asn,
            victim_asn: a.victim_asn,
            first_seen: iso(a.fs),
          })),
          alerts_total: openAlerts.length,
        },
        inputs_hash: `sha256:${hash}`,
      };
    },
  };
}

export type SecurityReports = ReturnType<typeof createSecurityReports>;
