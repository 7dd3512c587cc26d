/**
 * Per port and day: traffic the flows estimate (sampled bytes × rate, by input/output ifIndex) beside
 * what the port's own counters say (sFlow interface counters, differences of cumulative values;
 * decreases = counter reset, skipped).
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { SFLOW_INTERNAL_IF } from '../shared/sflow.js';

export interface PortDayRow {
  exporter: string;
  if_index: number;
  day: string;
  flow_in_bytes: string;
  flow_out_bytes: string;
  flow_samples: string;
  counter_in_bytes: string;
  counter_out_bytes: string;
  counter_samples: string;
  if_speed: string;
}

export function createReconciliationRepository(client: ClickHouseClient) {
  return {
    async portDays(fromMs: number, toMs: number, tz: string): Promise<PortDayRow[]> {
      const rs = await client.query({
        query: `
          WITH
            counters AS (
              SELECT exporter, if_index, toString(toDate(bucket, {tz:String})) AS day,
                sum(greatest(toInt128(i_) - toInt128(prev_i), 0)) AS c_in,
                sum(greatest(toInt128(o_) - toInt128(prev_o), 0)) AS c_out,
                sum(n_) AS c_samples, max(s_) AS speed
              FROM (
                SELECT exporter, if_index, bucket, i_, o_, n_, s_,
                  lagInFrame(i_, 1, i_) OVER w AS prev_i,
                  lagInFrame(o_, 1, o_) OVER w AS prev_o
                FROM (
                  SELECT exporter, if_index, bucket, max(in_octets) AS i_, max(out_octets) AS o_, sum(samples) AS n_, max(if_speed) AS s_
                  FROM port_counters_5m
                  WHERE bucket >= toDateTime({from:UInt32}, 'UTC') - INTERVAL 1 DAY AND bucket < toDateTime({to:UInt32}, 'UTC')
                  GROUP BY exporter, if_index, bucket
                )
                WINDOW w AS (PARTITION BY exporter, if_index ORDER BY bucket ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)
              )
              WHERE bucket >= toDateTime({from:UInt32}, 'UTC')
              GROUP BY exporter, if_index, day
            ),
            flows AS (
              SELECT exporter, port AS if_index, toString(toDate(received_at, {tz:String})) AS day,
                sumIf(frame_octets * sampling_rate, dir = 0) AS f_in, sumIf(frame_octets * sampling_rate, dir = 1) AS f_out, count() AS f_samples
              FROM flows_raw ARRAY JOIN [in_if, out_if] AS port, [0, 1] AS dir
              WHERE received_at >= toDateTime64({from:UInt32}, 3, 'UTC') AND received_at < toDateTime64({to:UInt32}, 3, 'UTC') AND port != 0 AND port != {internal:UInt32}
              GROUP BY exporter, if_index, day
            )
          SELECT toString(c.exporter) AS exporter, c.if_index AS if_index, c.day AS day,
            toString(coalesce(f.f_in, 0)) AS flow_in_bytes, toString(coalesce(f.f_out, 0)) AS flow_out_bytes, toString(coalesce(f.f_samples, 0)) AS flow_samples,
            toString(c.c_in) AS counter_in_bytes, toString(c.c_out) AS counter_out_bytes, toString(c.c_samples) AS counter_samples, toString(c.speed) AS if_speed
          FROM counters AS c LEFT JOIN flows AS f ON f.exporter = c.exporter AND f.if_index = c.if_index AND f.day = c.day
          ORDER BY day, exporter, if_index`,
        query_params: { from: Math.floor(fromMs / 1000), to: Math.floor(toMs / 1000), tz, internal: SFLOW_INTERNAL_IF },
        format: 'JSONEachRow',
        clickhouse_settings: { join_use_nulls: 1 },
      });
      return (await rs.json<PortDayRow>()).map((r) => ({ ...r, if_index: Number(r.if_index) }));
    },
  };
}
