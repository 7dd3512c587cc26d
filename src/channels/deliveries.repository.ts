/** delivery_events: every delivery attempt of a notification, per channel and recipient (append-only). */
import type { ClickHouseClient } from '@clickhouse/client';

export interface DeliveryEventRow {
  subject_kind: 'alert' | 'notice';
  subject_id: string;
  event: string;
  channel: number;
  channel_name: string;
  kind: string;
  recipient: string;
  at: number;
  status: 'queued' | 'sent' | 'failed' | 'gave_up';
  attempt: number;
  error: string;
}

export interface DeliveryView {
  event: string;
  channel: string;
  kind: string;
  recipient: string;
  status: string;
  attempts: number;
  at: string;
  error: string;
}

export interface ChannelHealth {
  channel: number;
  name: string;
  kind: string;
  consecutive_failures: number;
  last_error: string;
  last_attempt_at: string;
}

export function createDeliveriesRepository(client: ClickHouseClient) {
  const json = {
    format: 'JSONEachRow' as const,
    clickhouse_settings: { output_format_json_quote_64bit_integers: 0 as const },
  };
  return {
    async append(rows: DeliveryEventRow[]): Promise<void> {
      if (rows.length) await client.insert({ table: 'delivery_events', values: rows, format: 'JSONEachRow' });
    },
    /** Latest state of each (event, channel, recipient) of one alert or notice. */
    async forSubject(id: string): Promise<DeliveryView[]> {
      const rs = await client.query({
        query: `SELECT event, argMax(channel_name, at) AS label, any(kind) AS kind, recipient, argMax(status, (attempt, at)) AS status, max(attempt) AS attempts,
                  toUnixTimestamp64Milli(max(at)) AS t, argMax(error, (attempt, at)) AS error
                FROM delivery_events WHERE subject_id = {id:String} GROUP BY event, channel, recipient ORDER BY t`,
        query_params: { id },
        ...json,
      });
      return (await rs.json<Record<string, unknown>>()).map((r) => ({
        event: String(r.event),
        channel: String(r.label),
        kind: String(r.kind),
        recipient: String(r.recipient),
        status: String(r.status),
        attempts: Number(r.attempts),
        at: new Date(Number(r.t)).toISOString(),
        error: String(r.error),
      }));
    },
    /** Channels whose last `threshold` attempts in the last day all failed (no success since). */
    async failing(threshold: number, nowMs = Date.now()): Promise<ChannelHealth[]> {
      const rs = await client.query({
        query: `SELECT channel, argMax(channel_name, at) AS name, argMax(kind, at) AS kind,
                  countIf(status IN ('failed', 'gave_up') AND at > lastOk) AS fails, argMax(error, at) AS last_error, toUnixTimestamp64Milli(max(at)) AS t
                FROM (SELECT *, max(if(status = 'sent', at, toDateTime64(0, 3, 'UTC'))) OVER (PARTITION BY channel) AS lastOk
                      FROM delivery_events WHERE at > fromUnixTimestamp64Milli({since:Int64}, 'UTC') AND status != 'queued')
                GROUP BY channel HAVING fails >= {n:UInt32} ORDER BY channel`,
        query_params: { since: String(nowMs - 86_400_000), n: threshold },
        ...json,
      });
      return (await rs.json<Record<string, unknown>>()).map((r) => ({
        channel: Number(r.channel),
        name: String(r.name),
        kind: String(r.kind),
        consecutive_failures: Number(r.fails),
        last_error: String(r.last_error),
        last_attempt_at: new Date(Number(r.t)).toISOString(),
      }));
    },
  };
}

export type DeliveriesRepository = ReturnType<typeof createDeliveriesRepository>;
