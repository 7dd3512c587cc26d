/** Statement disputes (migration 0021 `statement_disputes`): one row per state change, the latest is current. Typed parameters only. */
import type { ClickHouseClient } from '@clickhouse/client';
import { stateLog } from '../storage/clickhouse/state-log.js';

export type DisputeStatus = 'open' | 'upheld' | 'rejected';

export interface DisputeRow {
  id: string;
  asn: number;
  month: string;
  version: number;
  status: DisputeStatus;
  note: string;
  raised_by: string;
  raised_by_name: string;
  raised_role: string;
  raised_at: number;
  resolution_note: string;
  resolved_by: string;
  resolved_by_name: string;
  resolved_at: number | null;
  /** The statement version computed after an upheld dispute (0: none). */
  new_version: number;
  updated_at: number;
}

const COLS = `id, asn, month, version, status, note, raised_by, raised_by_name, raised_role, toUnixTimestamp64Milli(raised_at) AS raised_at, resolution_note, resolved_by, resolved_by_name,
  if(isNull(resolved_at), NULL, toUnixTimestamp64Milli(resolved_at)) AS resolved_at, new_version, toUnixTimestamp64Milli(updated_at) AS updated_at`;

function toRow(r: Record<string, unknown>): DisputeRow {
  return {
    id: String(r.id),
    asn: Number(r.asn),
    month: String(r.month),
    version: Number(r.version),
    status: r.status as DisputeStatus,
    note: String(r.note),
    raised_by: String(r.raised_by),
    raised_by_name: String(r.raised_by_name),
    raised_role: String(r.raised_role),
    raised_at: Number(r.raised_at),
    resolution_note: String(r.resolution_note),
    resolved_by: String(r.resolved_by),
    resolved_by_name: String(r.resolved_by_name),
    resolved_at: r.resolved_at === null ? null : Number(r.resolved_at),
    new_version: Number(r.new_version),
    updated_at: Number(r.updated_at),
  };
}

export function createDisputesRepository(client: ClickHouseClient) {
  const log = stateLog(client, 'statement_disputes', COLS, toRow);
  const select = (where: string, params: Record<string, unknown>) => log.select(where, 'raised_at, id', params);
  return {
    insert: log.insert,
    async get(id: string): Promise<DisputeRow | null> {
      return (await select('id = {id:String}', { id }))[0] ?? null;
    },
    async list(q: { status?: DisputeStatus; asn?: number; month?: string }): Promise<DisputeRow[]> {
      const where = ['1'];
      if (q.status) where.push('status = {s:String}');
      if (q.asn !== undefined) where.push('asn = {asn:UInt32}');
      if (q.month) where.push('month = {m:String}');
      return select(where.join(' AND '), { s: q.status ?? '', asn: q.asn ?? 0, m: q.month ?? '' });
    },
  };
}

export type DisputesRepository = ReturnType<typeof createDisputesRepository>;
