/** alert_events: append-only; the current state of an alert is its latest event. */
import type { ClickHouseClient } from '@clickhouse/client';

export interface AlertEventRow {
  alert_id: string;
  at: number;
  event: string;
  type: string;
  severity: string;
  status: string;
  target: string;
  source_asn: number | null;
  victim_asn: number | null;
  first_seen: number;
  last_seen: number;
  rule_id: string;
  evidence: string;
  confirmed: number;
  actor: string;
  note: string;
}

export interface AlertFilter {
  status?: string;
  type?: string;
  fromMs?: number;
  toMs?: number;
  asn?: number | null;
  limit: number;
  offset: number;
}

const LATEST = `SELECT alert_id, argMax(event, at) AS event, any(type) AS type, argMax(severity, at) AS severity, argMax(status, at) AS status,
  any(target) AS target, argMax(source_asn, at) AS source_asn, argMax(victim_asn, at) AS victim_asn, toUnixTimestamp64Milli(min(first_seen)) AS fs, toUnixTimestamp64Milli(max(last_seen)) AS ls,
  any(rule_id) AS rule_id, argMax(evidence, if(evidence = '', toDateTime64(0, 3, 'UTC'), at)) AS evidence, max(confirmed) AS confirmed,
  argMax(actor, at) AS actor, argMax(note, at) AS note, toUnixTimestamp64Milli(max(at)) AS latest
  FROM alert_events`;

function toRow(r: Record<string, unknown>): AlertEventRow {
  return {
    alert_id: String(r.alert_id),
    at: Number(r.latest ?? r.at ?? 0),
    event: String(r.event),
    type: String(r.type),
    severity: String(r.severity),
    status: String(r.status),
    target: String(r.target),
    source_asn: r.source_asn === null ? null : Number(r.source_asn),
    victim_asn: r.victim_asn === null ? null : Number(r.victim_asn),
    first_seen: Number(r.fs ?? r.first_seen),
    last_seen: Number(r.ls ?? r.last_seen),
    rule_id: String(r.rule_id),
    evidence: String(r.evidence),
    confirmed: Number(r.confirmed),
    actor: String(r.actor),
    note: String(r.note),
  };
}

export function createAlertsRepository(client: ClickHouseClient) {
  async function rows(query: string, params: Record<string, unknown>): Promise<AlertEventRow[]> {
    const rs = await client.query({
      query,
      query_params: params,
      format: 'JSONEachRow',
      clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
    });
    return (await rs.json<Record<string, unknown>>()).map(toRow);
  }
  return {
    async append(rows: AlertEventRow[]): Promise<void> {
      if (rows.length) await client.insert({ table: 'alert_events', values: rows, format: 'JSONEachRow' });
    },
    async list(f: AlertFilter): Promise<AlertEventRow[]> {
      return rows(
        `SELECT * FROM (${LATEST} GROUP BY alert_id)
         WHERE ({status:String} = '' OR status = {status:String}) AND ({type:String} = '' OR type = {type:String})
           AND ls >= {from:Int64} AND fs < {to:Int64}
           AND ({asn:UInt32} = 0 OR source_asn = {asn:UInt32} OR victim_asn = {asn:UInt32})
         ORDER BY ls DESC LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
        {
          status: f.status ?? '',
          type: f.type ?? '',
          from: String(f.fromMs ?? 0),
          to: String(f.toMs ?? 4_102_444_800_000),
          asn: f.asn ?? 0,
          limit: f.limit,
          offset: f.offset,
        },
      );
    },
    async get(alertId: string): Promise<AlertEventRow | null> {
      return (await rows(`${LATEST} WHERE alert_id = {id:String} GROUP BY alert_id`, { id: alertId }))[0] ?? null;
    },
    async history(alertId: string): Promise<AlertEventRow[]> {
      const rs = await client.query({
        query: `SELECT alert_id, toUnixTimestamp64Milli(at) AS at, event, type, severity, status, target, source_asn, victim_asn,
                  toUnixTimestamp64Milli(first_seen) AS fs, toUnixTimestamp64Milli(last_seen) AS ls, rule_id, evidence, confirmed, actor, note
                FROM alert_events WHERE alert_id = {id:String} ORDER BY at`,
        query_params: { id: alertId },
        format: 'JSONEachRow',
        clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
      });
      return (await rs.json<Record<string, unknown>>()).map(toRow);
    },
    /** Alerts not resolved or dismissed (to keep one ongoing alert per (type, target) across restarts). */
    async open(): Promise<AlertEventRow[]> {
      return rows(`SELECT * FROM (${LATEST} GROUP BY alert_id) WHERE status IN ('open', 'acknowledged')`, {});
    },
  };
}

export type AlertsRepository = ReturnType<typeof createAlertsRepository>;
