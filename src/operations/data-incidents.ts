/**
 * Missing billing data must not go unnoticed. At every start ixmeter reads `system.detached_parts`
 * (ClickHouse detaches a broken part instead of failing: "broken-on-start", "unexpected", …; a part an
 * operator detached by hand has an empty reason and is left alone), records each new one in
 * `data_incidents` with the months its partition covers, logs it, opens an operations alert, and adds a
 * 'data_incident' event (no status change) to the latest statement version of every member in those
 * months: the statement history says it needs review. Statement runs of such a month carry the incident
 * in their event note (`reviewNote`).
 */
import { createHash } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from '../shared/logger.js';

export interface DetachedPart {
  table: string;
  partition_id: string;
  name: string;
  reason: string;
}
export interface DataIncident {
  id: string;
  table: string;
  part: string;
  partition_id: string;
  reason: string;
  months: string[];
  detail: string;
}

/** Partition id → the months it covers: YYYYMMDD (flows_raw) and YYYYMM (rollups) are exact; anything else ('all', hashes) → every month (null). */
export function monthsOfPartition(partitionId: string): string[] | null {
  const m = /^(\d{4})(\d{2})(\d{2})?$/.exec(partitionId);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) return null;
  return [`${m[1]}-${m[2]}`];
}

export async function detachedParts(client: ClickHouseClient, database: string): Promise<DetachedPart[]> {
  const rs = await client.query({
    query:
      "SELECT table, ifNull(partition_id, '') AS partition_id, name, ifNull(reason, '') AS reason FROM system.detached_parts WHERE database = {db:String} AND ifNull(reason, '') != '' ORDER BY table, name",
    query_params: { db: database },
    format: 'JSONEachRow',
  });
  return rs.json<DetachedPart>();
}

export interface IncidentDeps {
  client: ClickHouseClient;
  database: string;
  log: Logger;
  /** Opens (or updates) an operations alert. */
  alert: (incidents: DataIncident[]) => Promise<void>;
}

/** The start check. Returns the new incidents (already known ones are not reported twice). */
export async function checkDataIncidents(d: IncidentDeps): Promise<DataIncident[]> {
  const parts = await detachedParts(d.client, d.database);
  if (!parts.length) return [];
  const known = new Set(
    (
      await (
        await d.client.query({ query: 'SELECT table_name, part FROM data_incidents', format: 'JSONEachRow' })
      ).json<{ table_name: string; part: string }>()
    ).map((r) => `${r.table_name}/${r.part}`),
  );
  const fresh = parts.filter((p) => !known.has(`${p.table}/${p.name}`));
  if (!fresh.length) return [];
  // A partition that names no month (e.g. 'all'): every month with statements is affected.
  const allMonths = async (): Promise<string[]> =>
    (
      await (
        await d.client.query({ query: 'SELECT DISTINCT month FROM statements ORDER BY month', format: 'JSONEachRow' })
      ).json<{ month: string }>()
    ).map((r) => r.month);
  const incidents: DataIncident[] = [];
  for (const p of fresh) {
    const months = monthsOfPartition(p.partition_id) ?? (await allMonths());
    const range = /^\d{8}$/.test(p.partition_id)
      ? `day ${p.partition_id.slice(0, 4)}-${p.partition_id.slice(4, 6)}-${p.partition_id.slice(6)} (UTC)`
      : months.length === 1
        ? `month ${months[0]}`
        : 'unknown time range (whole table)';
    incidents.push({
      id: `di_${createHash('sha256').update(`${p.table}/${p.name}`).digest('hex').slice(0, 16)}`,
      table: p.table,
      part: p.name,
      partition_id: p.partition_id,
      reason: p.reason,
      months,
      detail: `table ${p.table}: part ${p.name} was detached by ClickHouse (${p.reason}); rows of ${range} are missing from every query and statement until it is repaired`,
    });
  }
  await d.client.insert({
    table: 'data_incidents',
    values: incidents.map((i) => ({
      id: i.id,
      detected_at: Date.now(),
      kind: 'detached_part',
      table_name: i.table,
      part: i.part,
      partition_id: i.partition_id,
      reason: i.reason,
      months: i.months,
      detail: i.detail,
    })),
    format: 'JSONEachRow',
  });
  for (const i of incidents)
    d.log.error({ table: i.table, part: i.part, reason: i.reason, months: i.months }, `DATA INCIDENT: ${i.detail}`);
  await markStatements(d.client, incidents);
  await d.alert(incidents);
  return incidents;
}

/** A 'data_incident' event on the latest version of every statement of the affected months. */
async function markStatements(client: ClickHouseClient, incidents: DataIncident[]): Promise<void> {
  const months = [...new Set(incidents.flatMap((i) => i.months))];
  if (!months.length) return;
  const rs = await client.query({
    query:
      'SELECT asn, month, max(version) AS version FROM statements WHERE month IN {months:Array(String)} GROUP BY asn, month',
    query_params: { months },
    format: 'JSONEachRow',
  });
  const latest = await rs.json<{ asn: number; month: string; version: number }>();
  if (!latest.length) return;
  const now = Date.now();
  await client.insert({
    table: 'statement_events',
    values: latest.map((s) => ({
      asn: s.asn,
      month: s.month,
      version: s.version,
      at: now,
      action: 'data_incident',
      from_status: '',
      to_status: '',
      actor: 'ixmeter',
      role: 'system',
      note: `needs review: ${incidents
        .filter((i) => i.months.includes(s.month))
        .map((i) => `${i.id} ${i.table}/${i.part} (${i.reason})`)
        .join('; ')}`,
    })),
    format: 'JSONEachRow',
  });
}

/** For statement runs: ' data-incidents:<ids>' when the month has recorded incidents, else ''. */
export function reviewNote(client: ClickHouseClient): (month: string) => Promise<string> {
  return async (month) => {
    const rs = await client.query({
      query:
        'SELECT groupArray(id) AS ids FROM (SELECT DISTINCT id FROM data_incidents WHERE has(months, {m:String}) ORDER BY id)',
      query_params: { m: month },
      format: 'JSONEachRow',
    });
    const ids = (await rs.json<{ ids: string[] }>())[0]?.ids ?? [];
    return ids.length ? ` needs-review data-incidents:${ids.join(',')}` : '';
  };
}
