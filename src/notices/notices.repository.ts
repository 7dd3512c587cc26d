/** notice_events: append-only; a notice's state is its latest status event, its text that of the issue. */
import type { ClickHouseClient } from '@clickhouse/client';

export const NOTICE_STATUSES = ['issued', 'acknowledged', 'reported', 'rectified', 'reopened'] as const;
export type NoticeStatus = (typeof NOTICE_STATUSES)[number];

export interface NoticeEventRow {
  notice_id: string;
  at: number;
  event: string;
  status: NoticeStatus;
  asn: number;
  alert_id: string;
  alert_type: string;
  title: string;
  body: string;
  deadline: number;
  evidence: string;
  actor: string;
  role: string;
  note: string;
}

const COLS = `notice_id, toUnixTimestamp64Milli(at) AS at, event, status, asn, alert_id, alert_type, title, body,
  toUnixTimestamp64Milli(deadline) AS deadline, evidence, actor, role, note`;

function toRow(r: Record<string, unknown>): NoticeEventRow {
  return {
    notice_id: String(r.notice_id),
    at: Number(r.at),
    event: String(r.event),
    status: String(r.status) as NoticeStatus,
    asn: Number(r.asn),
    alert_id: String(r.alert_id),
    alert_type: String(r.alert_type),
    title: String(r.title),
    body: String(r.body),
    deadline: Number(r.deadline),
    evidence: String(r.evidence),
    actor: String(r.actor),
    role: String(r.role),
    note: String(r.note),
  };
}

export interface NoticeFilter {
  status?: string;
  asn?: number | null;
  limit: number;
  offset: number;
}

export function createNoticesRepository(client: ClickHouseClient) {
  async function rows(query: string, params: Record<string, unknown>): Promise<NoticeEventRow[]> {
    const rs = await client.query({
      query,
      query_params: params,
      format: 'JSONEachRow',
      clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
    });
    return (await rs.json<Record<string, unknown>>()).map(toRow);
  }
  return {
    async append(events: NoticeEventRow[]): Promise<void> {
      if (events.length) await client.insert({ table: 'notice_events', values: events, format: 'JSONEachRow' });
    },
    /** Every event of the notices that match (the caller folds them): few notices, few events each. */
    async events(f: NoticeFilter): Promise<NoticeEventRow[]> {
      return rows(
        `SELECT ${COLS} FROM notice_events WHERE notice_id IN (
           SELECT notice_id FROM (
             SELECT notice_id, argMaxIf(status, at, event != 'overdue') AS st, any(asn) AS a, min(at) AS first
             FROM notice_events GROUP BY notice_id)
           WHERE ({status:String} = '' OR st = {status:String}) AND ({asn:UInt32} = 0 OR a = {asn:UInt32})
           ORDER BY first DESC LIMIT {limit:UInt32} OFFSET {offset:UInt32})
         ORDER BY notice_id, at`,
        { status: f.status ?? '', asn: f.asn ?? 0, limit: f.limit, offset: f.offset },
      );
    },
    async history(id: string): Promise<NoticeEventRow[]> {
      return rows(`SELECT ${COLS} FROM notice_events WHERE notice_id = {id:String} ORDER BY at`, { id });
    },
    /** Notices past their deadline, still with the member, not flagged since their last (re)issue. */
    async dueOverdue(nowMs: number): Promise<NoticeEventRow[]> {
      return rows(
        `SELECT ${COLS} FROM notice_events WHERE notice_id IN (
           SELECT notice_id FROM notice_events GROUP BY notice_id
           HAVING argMaxIf(status, at, event != 'overdue') IN ('issued', 'acknowledged', 'reopened')
              AND argMaxIf(deadline, at, event IN ('issued', 'reopened')) < fromUnixTimestamp64Milli({now:Int64}, 'UTC')
              AND maxIf(at, event = 'overdue') < maxIf(at, event IN ('issued', 'reopened')))
         ORDER BY notice_id, at`,
        { now: String(nowMs) },
      );
    },
    /** Alert events of one type touching a member since an instant (the detector's view of a recurrence). */
    async recurrences(type: string, asn: number, sinceMs: number): Promise<{ count: number; last: number | null }> {
      const rs = await client.query({
        query: `SELECT count() AS n, toUnixTimestamp64Milli(max(last_seen)) AS last FROM alert_events
                WHERE type = {type:String} AND (source_asn = {asn:UInt32} OR victim_asn = {asn:UInt32})
                  AND event IN ('opened', 'updated') AND last_seen >= fromUnixTimestamp64Milli({since:Int64}, 'UTC')`,
        query_params: { type, asn, since: String(sinceMs) },
        format: 'JSONEachRow',
        clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
      });
      const r = (await rs.json<{ n: number; last: number }>())[0];
      const n = Number(r?.n ?? 0);
      return { count: n, last: n > 0 ? Number(r!.last) : null };
    },
  };
}

export type NoticesRepository = ReturnType<typeof createNoticesRepository>;
