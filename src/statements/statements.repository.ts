/** Storage of statement inputs and outputs. Typed parameters only; no business rules. */
import type { ClickHouseClient } from '@clickhouse/client';

export interface StatementRow {
  asn: number;
  month: string;
  version: number;
  run_id: string;
  inputs_hash: string;
  samples_hash: string;
  policy_id: string;
  policy_version: number;
  amount_fen: string;
  document: string;
  created_at: number;
  created_by: string;
}

export interface EventRow {
  asn: number;
  month: string;
  version: number;
  at: number;
  action: string;
  from_status: string;
  to_status: string;
  actor: string;
  role: string;
  note: string;
}

const secs = (ms: number) => Math.floor(ms / 1000);

export function createStatementsRepository(client: ClickHouseClient) {
  async function rows<T>(query: string, query_params: Record<string, unknown> = {}): Promise<T[]> {
    return (await client.query({ query, query_params, format: 'JSONEachRow' })).json<T>();
  }
  return {
    /** Bytes per 5-minute bucket: in = the member sends (src), out = it receives (dst). */
    async memberBuckets(asn: number, fromMs: number, toMs: number) {
      return rows<{ ts: string; i: string; o: string }>(
        `SELECT toUnixTimestamp(bucket) AS ts, toString(sumIf(bytes, src_asn = {asn:UInt32})) AS i, toString(sumIf(bytes, dst_asn = {asn:UInt32})) AS o
         FROM member_traffic_5m WHERE (src_asn = {asn:UInt32} OR dst_asn = {asn:UInt32})
           AND bucket >= toDateTime({f:UInt32}, 'UTC') AND bucket < toDateTime({t:UInt32}, 'UTC')
         GROUP BY bucket ORDER BY bucket`, { asn, f: secs(fromMs), t: secs(toMs) });
    },
    /** Buckets in which the collectors received any flow data (coverage). */
    async activeBuckets(fromMs: number, toMs: number): Promise<number[]> {
      const r = await rows<{ ts: string }>(
        `SELECT DISTINCT toUnixTimestamp(bucket) AS ts FROM collector_activity_5m
         WHERE bucket >= toDateTime({f:UInt32}, 'UTC') AND bucket < toDateTime({t:UInt32}, 'UTC') AND flows > 0 ORDER BY ts`, { f: secs(fromMs), t: secs(toMs) });
      return r.map((x) => Number(x.ts) * 1000);
    },
    async peers(asn: number, fromMs: number, toMs: number) {
      return rows<{ peer: string; i: string; o: string }>(
        `SELECT if(src_asn = {asn:UInt32}, dst_asn, src_asn) AS peer, toString(sumIf(bytes, src_asn = {asn:UInt32})) AS i, toString(sumIf(bytes, dst_asn = {asn:UInt32})) AS o
         FROM member_traffic_5m WHERE (src_asn = {asn:UInt32} OR dst_asn = {asn:UInt32})
           AND bucket >= toDateTime({f:UInt32}, 'UTC') AND bucket < toDateTime({t:UInt32}, 'UTC')
         GROUP BY peer`, { asn, f: secs(fromMs), t: secs(toMs) });
    },
    async exclusions(asn: number, fromMs: number, toMs: number) {
      return rows<{ id: string; f: string; t: string; reason: string; ref: string }>(
        `SELECT id, toString(toUnixTimestamp64Milli(from_ts)) AS f, toString(toUnixTimestamp64Milli(to_ts)) AS t, reason, ref
         FROM statement_exclusions FINAL WHERE asn = {asn:UInt32} AND active = 1
           AND to_ts > fromUnixTimestamp64Milli({f:Int64}) AND from_ts < fromUnixTimestamp64Milli({t:Int64}) ORDER BY from_ts`,
        { asn, f: String(fromMs), t: String(toMs) });
    },
    async addExclusion(row: { id: string; asn: number; from_ts: number; to_ts: number; reason: string; ref: string; created_at: number; created_by: string; active: number }) {
      await client.insert({ table: 'statement_exclusions', values: [row], format: 'JSONEachRow' });
    },
    async latest(asn: number, month: string): Promise<StatementRow | null> {
      const r = await rows<StatementRow>(
        `SELECT asn, month, version, run_id, inputs_hash, samples_hash, policy_id, policy_version, toString(amount_fen) AS amount_fen, document,
                toUnixTimestamp64Milli(created_at) AS created_at, created_by
         FROM statements WHERE asn = {asn:UInt32} AND month = {m:String} ORDER BY version DESC LIMIT 1`, { asn, m: month });
      return r[0] ? { ...r[0], version: Number(r[0].version), asn: Number(r[0].asn) } : null;
    },
    async version(asn: number, month: string, version: number): Promise<StatementRow | null> {
      const r = await rows<StatementRow>(
        `SELECT asn, month, version, run_id, inputs_hash, samples_hash, policy_id, policy_version, toString(amount_fen) AS amount_fen, document,
                toUnixTimestamp64Milli(created_at) AS created_at, created_by
         FROM statements WHERE asn = {asn:UInt32} AND month = {m:String} AND version = {v:UInt32} LIMIT 1`, { asn, m: month, v: version });
      return r[0] ? { ...r[0], version: Number(r[0].version), asn: Number(r[0].asn) } : null;
    },
    async insertStatement(row: StatementRow): Promise<void> {
      await client.insert({ table: 'statements', values: [row], format: 'JSONEachRow' });
    },
    async insertEvent(row: EventRow): Promise<void> {
      await client.insert({ table: 'statement_events', values: [row], format: 'JSONEachRow' });
    },
    async events(asn: number, month: string): Promise<EventRow[]> {
      const r = await rows<EventRow>(
        `SELECT asn, month, version, toUnixTimestamp64Milli(at) AS at, action, from_status, to_status, actor, role, note
         FROM statement_events WHERE asn = {asn:UInt32} AND month = {m:String} ORDER BY at, version`, { asn, m: month });
      return r.map((e) => ({ ...e, asn: Number(e.asn), version: Number(e.version), at: Number(e.at) }));
    },
    /** Latest version of every member-month of a month, with its workflow status. */
    async monthOverview(month: string) {
      return rows<{ asn: string; version: string; amount_fen: string; policy_id: string; status: string; document: string }>(
        `SELECT s.asn AS asn, s.version AS version, toString(s.amount_fen) AS amount_fen, s.policy_id AS policy_id, s.document AS document,
                if(e.status = '', 'draft', e.status) AS status
         FROM (SELECT * FROM statements WHERE month = {m:String} ORDER BY version DESC LIMIT 1 BY asn) AS s
         LEFT JOIN (SELECT asn, version, argMax(to_status, at) AS status FROM statement_events WHERE month = {m:String} GROUP BY asn, version) AS e
           ON e.asn = s.asn AND e.version = s.version
         ORDER BY s.asn`, { m: month });
    },
    /** Latest computed amount of each earlier month of the same year (annual cap). */
    async yearToDateFen(asn: number, month: string): Promise<bigint> {
      const r = await rows<{ s: string }>(
        `SELECT toString(sum(a)) AS s FROM (SELECT argMax(amount_fen, version) AS a FROM statements
           WHERE asn = {asn:UInt32} AND month >= {y:String} AND month < {m:String} GROUP BY month)`, { asn, y: `${month.slice(0, 4)}-01`, m: month });
      return BigInt(r[0]?.s ?? '0');
    },
    async insertRun(row: { run_id: string; month: string; asns: number[]; requested_at: number; requested_by: string }): Promise<void> {
      await client.insert({ table: 'statement_runs', values: [row], format: 'JSONEachRow' });
    },
    async run(runId: string) {
      const r = await rows<{ run_id: string; month: string; asns: number[]; requested_at: string; requested_by: string }>(
        'SELECT run_id, month, asns, toUnixTimestamp64Milli(requested_at) AS requested_at, requested_by FROM statement_runs WHERE run_id = {id:String} LIMIT 1', { id: runId });
      return r[0] ?? null;
    },
    /** Member-months computed (or found unchanged) since `sinceMs`, by any run: a run is done when all its members are. */
    async runDone(month: string, asns: number[], sinceMs: number): Promise<number[]> {
      const r = await rows<{ asn: string }>(
        `SELECT DISTINCT asn FROM statement_events WHERE month = {m:String} AND has({asns:Array(UInt32)}, asn)
           AND at >= fromUnixTimestamp64Milli({s:Int64}) AND action IN ('computed', 'unchanged')`,
        { m: month, asns, s: String(sinceMs) });
      return r.map((x) => Number(x.asn));
    },
    async unfinishedRuns(sinceMs: number) {
      return rows<{ run_id: string; month: string; asns: number[] }>(
        'SELECT run_id, month, asns FROM statement_runs WHERE requested_at > fromUnixTimestamp64Milli({s:Int64}) ORDER BY requested_at', { s: String(sinceMs) });
    },
    async policies() {
      return rows<{ policy_id: string; version: number; effective_from: string; effective_to: string | null; official: number; document: string }>(
        'SELECT policy_id, version, toString(effective_from) AS effective_from, if(isNull(effective_to), NULL, toString(effective_to)) AS effective_to, official, document FROM subsidy_policies ORDER BY policy_id, version');
    },
    async insertPolicy(row: { policy_id: string; version: number; effective_from: string; effective_to: string | null; official: number; document: string; created_at: number; created_by: string }) {
      await client.insert({ table: 'subsidy_policies', values: [row], format: 'JSONEachRow' });
    },
  };
}

export type StatementsRepository = ReturnType<typeof createStatementsRepository>;
