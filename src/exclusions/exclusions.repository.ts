/** Finance exclusions (migration 0021 `exclusions`): one row per state change, the latest is current. Typed parameters only. */
import type { ClickHouseClient } from '@clickhouse/client';
import { stateLog } from '../storage/clickhouse/state-log.js';

export type ExclusionStatus = 'proposed' | 'approved';
export type FinanceExclusionReason = 'maintenance' | 'data_fault';

export interface ExclusionRow {
  id: string;
  asn: number | null;
  from_ts: number;
  to_ts: number;
  reason: FinanceExclusionReason;
  note: string;
  status: ExclusionStatus;
  proposed_by: string;
  proposed_by_name: string;
  proposed_at: number;
  approved_by: string;
  approved_by_name: string;
  approved_at: number | null;
  updated_at: number;
}

const COLS = `id, asn, toUnixTimestamp64Milli(from_ts) AS from_ts, toUnixTimestamp64Milli(to_ts) AS to_ts, reason, note, status, proposed_by, proposed_by_name,
  toUnixTimestamp64Milli(proposed_at) AS proposed_at, approved_by, approved_by_name, if(isNull(approved_at), NULL, toUnixTimestamp64Milli(approved_at)) AS approved_at,
  toUnixTimestamp64Milli(updated_at) AS updated_at`;

function toRow(r: Record<string, unknown>): ExclusionRow {
  const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    id: String(r.id),
    asn: n(r.asn),
    from_ts: Number(r.from_ts),
    to_ts: Number(r.to_ts),
    reason: r.reason as FinanceExclusionReason,
    note: String(r.note),
    status: r.status as ExclusionStatus,
    proposed_by: String(r.proposed_by),
    proposed_by_name: String(r.proposed_by_name),
    proposed_at: Number(r.proposed_at),
    approved_by: String(r.approved_by),
    approved_by_name: String(r.approved_by_name),
    approved_at: n(r.approved_at),
    updated_at: Number(r.updated_at),
  };
}

export function createExclusionsRepository(client: ClickHouseClient) {
  const log = stateLog(client, 'exclusions', COLS, toRow);
  const select = (where: string, params: Record<string, unknown>) => log.select(where, 'from_ts, id', params);
  return {
    insert: log.insert,
    async get(id: string): Promise<ExclusionRow | null> {
      return (await select('id = {id:String}', { id }))[0] ?? null;
    },
    /** Exclusions overlapping [from, to), of one member (its own and the fabric-wide ones) or of all, optionally of one status. */
    async overlapping(
      fromMs: number,
      toMs: number,
      opts: { asn?: number; status?: ExclusionStatus } = {},
    ): Promise<ExclusionRow[]> {
      // from_ts / to_ts here are the selected aliases (epoch ms), not the DateTime64 columns.
      const where = ['to_ts > {f:Int64}', 'from_ts < {t:Int64}'];
      if (opts.asn !== undefined) where.push('(isNull(asn) OR asn = {asn:UInt32})');
      if (opts.status) where.push('status = {s:String}');
      return select(where.join(' AND '), {
        f: String(fromMs),
        t: String(toMs),
        asn: opts.asn ?? 0,
        s: opts.status ?? '',
      });
    },
  };
}

export type ExclusionsRepository = ReturnType<typeof createExclusionsRepository>;
