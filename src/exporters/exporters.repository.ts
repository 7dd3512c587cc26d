/** exporter_status: latest health snapshot per (exporter, collector process). */
import type { ClickHouseClient } from '@clickhouse/client';

export interface ExporterStatusRow {
  exporter: string;
  collector_id: string;
  updated_at: string;
  stats: string;
}

export function createExportersRepository(client: ClickHouseClient) {
  return {
    async upsert(
      rows: Array<{ exporter: string; collector_id: string; updated_at: number; stats: string }>,
    ): Promise<void> {
      if (rows.length) await client.insert({ table: 'exporter_status', values: rows, format: 'JSONEachRow' });
    },
    async latest(maxAgeDays = 30): Promise<ExporterStatusRow[]> {
      const rs = await client.query({
        query: `SELECT exporter, collector_id, updated_at, stats FROM exporter_status FINAL
                WHERE updated_at > now64(3) - toIntervalDay({days:UInt32}) ORDER BY exporter, collector_id`,
        query_params: { days: maxAgeDays },
        format: 'JSONEachRow',
      });
      return rs.json<ExporterStatusRow>();
    },
  };
}

export type ExportersRepository = ReturnType<typeof createExportersRepository>;
