/** audit_log reads for auditors: filtered rows and chain verification. */
import type { ClickHouseClient } from '@clickhouse/client';
import type { AuditRow } from './audit.service.js';

export function createAuditRepository(client: ClickHouseClient) {
  return {
    async list(f: {
      fromMs: number;
      toMs: number;
      actor?: string;
      action?: string;
      limit: number;
      offset: number;
    }): Promise<AuditRow[]> {
      const rs = await client.query({
        query: `SELECT ts, chain_id, seq, actor, role, action, object, outcome, source_ip, details, prev_hash, hash FROM audit_log
                WHERE ts >= fromUnixTimestamp64Milli({f:Int64}) AND ts < fromUnixTimestamp64Milli({t:Int64})
                  AND ({actor:String} = '' OR actor = {actor:String}) AND ({action:String} = '' OR action = {action:String})
                ORDER BY ts DESC, chain_id, seq DESC LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
        query_params: {
          f: String(f.fromMs),
          t: String(f.toMs),
          actor: f.actor ?? '',
          action: f.action ?? '',
          limit: f.limit,
          offset: f.offset,
        },
        format: 'JSONEachRow',
      });
      return rs.json<AuditRow>();
    },
    /** Every row of every chain (for verification), oldest first. */
    async chains(): Promise<Map<string, AuditRow[]>> {
      const rs = await client.query({ query: 'SELECT * FROM audit_log ORDER BY chain_id, seq', format: 'JSONEachRow' });
      const out = new Map<string, AuditRow[]>();
      for (const r of await rs.json<AuditRow>()) {
        let a = out.get(r.chain_id);
        if (!a) out.set(r.chain_id, (a = []));
        a.push({ ...r, seq: Number(r.seq) });
      }
      return out;
    },
  };
}
