/** Storage of statement inputs and outputs. Typed parameters only; no business rules. */
import type { ClickHouseClient } from '@clickhouse/client';
import { compactRows } from '../storage/clickhouse/compact.js';
import { queryRowBinary } from '../storage/clickhouse/row-binary.js';

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

/** One member's traffic over a period (see memberMonth), as parallel columns; times are bucket starts in epoch seconds. */
export interface MemberMonth {
  buckets: [ts: number[], inBytes: bigint[], outBytes: bigint[]];
  peers: [asn: number[], inBytes: bigint[], outBytes: bigint[]];
}

export interface MemberMonthState {
  yearToDateFen: bigint;
  latest: { version: number; inputs_hash: string } | null;
}

const secs = (ms: number) => Math.floor(ms / 1000);

export function createStatementsRepository(client: ClickHouseClient) {
  async function rows<T>(query: string, query_params: Record<string, unknown> = {}): Promise<T[]> {
    return (await client.query({ query, query_params, format: 'JSONEachRow' })).json<T>();
  }
  const compact = <T extends unknown[]>(query: string, query_params: Record<string, unknown>) =>
    compactRows<T>(client, query, query_params);
  return {
    /**
     * A member's bytes per 5-minute bucket with traffic (in = the member sends, out = it receives) and per
     * peer over [from, to), from member_io_5m (ordered by member): one scan, one round trip, as columns
     * (parsing ~9,000 row objects per member-month was a measured cost).
     */
    async memberMonth(asn: number, fromMs: number, toMs: number): Promise<MemberMonth> {
      // GROUPING SETS: the per-bucket rows have a bucket, the per-peer rows none (0, or NULL under group_by_use_nulls).
      // Byte sums stay UInt64 and come as RowBinary (exact, and no decimal text to parse: see row-binary.ts).
      // One thread: a member-month is small and several computes run at once (less CPU than a parallel plan).
      const r = await queryRowBinary(
        client,
        `SELECT groupArrayIf(ts, ts != 0), groupArrayIf(i, ts != 0), groupArrayIf(o, ts != 0),
                groupArrayIf(peer, ts = 0), groupArrayIf(i, ts = 0), groupArrayIf(o, ts = 0)
         FROM (SELECT ifNull(toUnixTimestamp(bucket), 0) AS ts, ifNull(peer_asn, 0) AS peer, sum(in_bytes) AS i, sum(out_bytes) AS o
               FROM member_io_5m WHERE asn = {asn:UInt32} AND bucket >= toDateTime({f:UInt32}, 'UTC') AND bucket < toDateTime({t:UInt32}, 'UTC')
               GROUP BY GROUPING SETS ((bucket), (peer_asn)))
         SETTINGS max_threads = 1`,
        { asn, f: secs(fromMs), t: secs(toMs) },
      );
      const out: MemberMonth = {
        buckets: [r.uint32Array(), r.uint64Array(), r.uint64Array()],
        peers: [r.uint32Array(), r.uint64Array(), r.uint64Array()],
      };
      if (!r.done) throw new Error('memberMonth: unexpected result shape');
      return out;
    },
    /** Buckets (epoch s) in which the collectors received any flow data (coverage). */
    async activeBuckets(fromMs: number, toMs: number): Promise<number[]> {
      const [r] = await compact<[number[]]>(
        `SELECT groupArray(ts) FROM (SELECT DISTINCT toUnixTimestamp(bucket) AS ts FROM collector_activity_5m
         WHERE bucket >= toDateTime({f:UInt32}, 'UTC') AND bucket < toDateTime({t:UInt32}, 'UTC') AND flows > 0)`,
        { f: secs(fromMs), t: secs(toMs) },
      );
      return r![0];
    },
    /**
     * A member-month's statement state in one query: the year-to-date amount (the latest computed amount of
     * each earlier month of the same year: annual cap) and the latest version's number and inputs hash
     * (documents are large: they are read only when needed).
     */
    async memberMonthState(asn: number, month: string): Promise<MemberMonthState> {
      const r = await compact<[string, number, string, string]>(
        `SELECT month, max(version), argMax(inputs_hash, version), toString(argMax(amount_fen, version)) FROM statements
         WHERE asn = {asn:UInt32} AND month >= {y:String} AND month <= {m:String} GROUP BY month
         SETTINGS max_threads = 1`,
        { asn, y: `${month.slice(0, 4)}-01`, m: month },
      );
      let ytd = 0n;
      let latest: MemberMonthState['latest'] = null;
      for (const [m, version, hash, amount] of r) {
        if (m === month) latest = { version: Number(version), inputs_hash: hash };
        else ytd += BigInt(amount);
      }
      return { yearToDateFen: ytd, latest };
    },
    /** Active exclusions of every member overlapping [from, to), as exclusions() returns them, with the member. */
    async exclusionsOverlapping(fromMs: number, toMs: number) {
      return rows<{ asn: number; id: string; f: string; t: string; reason: string; ref: string }>(
        `SELECT asn, id, toString(toUnixTimestamp64Milli(from_ts)) AS f, toString(toUnixTimestamp64Milli(to_ts)) AS t, reason, ref
         FROM statement_exclusions FINAL WHERE active = 1
           AND to_ts > fromUnixTimestamp64Milli({f:Int64}) AND from_ts < fromUnixTimestamp64Milli({t:Int64}) ORDER BY from_ts`,
        { f: String(fromMs), t: String(toMs) },
      );
    },
    async exclusions(asn: number, fromMs: number, toMs: number) {
      return rows<{ id: string; f: string; t: string; reason: string; ref: string }>(
        `SELECT id, toString(toUnixTimestamp64Milli(from_ts)) AS f, toString(toUnixTimestamp64Milli(to_ts)) AS t, reason, ref
         FROM statement_exclusions FINAL WHERE asn = {asn:UInt32} AND active = 1
           AND to_ts > fromUnixTimestamp64Milli({f:Int64}) AND from_ts < fromUnixTimestamp64Milli({t:Int64}) ORDER BY from_ts`,
        { asn, f: String(fromMs), t: String(toMs) },
      );
    },
    async addExclusion(row: {
      id: string;
      asn: number;
      from_ts: number;
      to_ts: number;
      reason: string;
      ref: string;
      created_at: number;
      created_by: string;
      active: number;
    }) {
      await client.insert({ table: 'statement_exclusions', values: [row], format: 'JSONEachRow' });
    },
    async latest(asn: number, month: string): Promise<StatementRow | null> {
      const r = await rows<StatementRow>(
        `SELECT asn, month, version, run_id, inputs_hash, samples_hash, policy_id, policy_version, toString(amount_fen) AS amount_fen, document,
                toUnixTimestamp64Milli(created_at) AS created_at, created_by
         FROM statements WHERE asn = {asn:UInt32} AND month = {m:String} ORDER BY version DESC LIMIT 1`,
        { asn, m: month },
      );
      return r[0] ? { ...r[0], version: Number(r[0].version), asn: Number(r[0].asn) } : null;
    },
    /** The subsidy amount (CNY) of one version, from its document. */
    async amountCny(asn: number, month: string, version: number): Promise<string> {
      const r = await rows<{ a: string }>(
        `SELECT JSONExtractString(document, 'subsidy', 'amount_cny') AS a FROM statements
         WHERE asn = {asn:UInt32} AND month = {m:String} AND version = {v:UInt32} LIMIT 1`,
        { asn, m: month, v: version },
      );
      return r[0]?.a ?? '';
    },
    async version(asn: number, month: string, version: number): Promise<StatementRow | null> {
      const r = await rows<StatementRow>(
        `SELECT asn, month, version, run_id, inputs_hash, samples_hash, policy_id, policy_version, toString(amount_fen) AS amount_fen, document,
                toUnixTimestamp64Milli(created_at) AS created_at, created_by
         FROM statements WHERE asn = {asn:UInt32} AND month = {m:String} AND version = {v:UInt32} LIMIT 1`,
        { asn, m: month, v: version },
      );
      return r[0] ? { ...r[0], version: Number(r[0].version), asn: Number(r[0].asn) } : null;
    },
    async insertStatements(rows: StatementRow[]): Promise<void> {
      if (rows.length) await client.insert({ table: 'statements', values: rows, format: 'JSONEachRow' });
    },
    async insertEvents(rows: EventRow[]): Promise<void> {
      if (rows.length) await client.insert({ table: 'statement_events', values: rows, format: 'JSONEachRow' });
    },
    async insertEvent(row: EventRow): Promise<void> {
      await client.insert({ table: 'statement_events', values: [row], format: 'JSONEachRow' });
    },
    async events(asn: number, month: string): Promise<EventRow[]> {
      const r = await rows<EventRow>(
        `SELECT asn, month, version, toUnixTimestamp64Milli(at) AS at, action, from_status, to_status, actor, role, note
         FROM statement_events WHERE asn = {asn:UInt32} AND month = {m:String} ORDER BY at, version`,
        { asn, m: month },
      );
      return r.map((e) => ({ ...e, asn: Number(e.asn), version: Number(e.version), at: Number(e.at) }));
    },
    /** Latest version of every member-month of a month, with its workflow status. */
    async monthOverview(month: string) {
      return rows<{
        asn: string;
        version: string;
        amount_fen: string;
        policy_id: string;
        status: string;
        document: string;
      }>(
        `SELECT s.asn AS asn, s.version AS version, toString(s.amount_fen) AS amount_fen, s.policy_id AS policy_id, s.document AS document,
                if(e.status = '', 'draft', e.status) AS status
         FROM (SELECT * FROM statements WHERE month = {m:String} ORDER BY version DESC LIMIT 1 BY asn) AS s
         LEFT JOIN (SELECT asn, version, argMaxIf(to_status, at, to_status != '') AS status FROM statement_events WHERE month = {m:String} GROUP BY asn, version) AS e
           ON e.asn = s.asn AND e.version = s.version
         ORDER BY s.asn`,
        { m: month },
      );
    },
    async insertRun(row: {
      run_id: string;
      month: string;
      asns: number[];
      requested_at: number;
      requested_by: string;
    }): Promise<void> {
      await client.insert({ table: 'statement_runs', values: [row], format: 'JSONEachRow' });
    },
    async run(runId: string) {
      const r = await rows<{
        run_id: string;
        month: string;
        asns: number[];
        requested_at: string;
        requested_by: string;
      }>(
        'SELECT run_id, month, asns, toUnixTimestamp64Milli(requested_at) AS requested_at, requested_by FROM statement_runs WHERE run_id = {id:String} LIMIT 1',
        { id: runId },
      );
      return r[0] ?? null;
    },
    /** Member-months computed (or found unchanged) since `sinceMs`, by any run: a run is done when all its members are. */
    async runDone(month: string, asns: number[], sinceMs: number): Promise<number[]> {
      const r = await rows<{ asn: string }>(
        `SELECT DISTINCT asn FROM statement_events WHERE month = {m:String} AND has({asns:Array(UInt32)}, asn)
           AND at >= fromUnixTimestamp64Milli({s:Int64}) AND action IN ('computed', 'unchanged')`,
        { m: month, asns, s: String(sinceMs) },
      );
      return r.map((x) => Number(x.asn));
    },
    async unfinishedRuns(sinceMs: number) {
      return rows<{ run_id: string; month: string; asns: number[] }>(
        'SELECT run_id, month, asns FROM statement_runs WHERE requested_at > fromUnixTimestamp64Milli({s:Int64}) ORDER BY requested_at',
        { s: String(sinceMs) },
      );
    },
    async policies() {
      return rows<{
        policy_id: string;
        version: number;
        effective_from: string;
        effective_to: string | null;
        official: number;
        document: string;
      }>(
        'SELECT policy_id, version, toString(effective_from) AS effective_from, if(isNull(effective_to), NULL, toString(effective_to)) AS effective_to, official, document FROM subsidy_policies ORDER BY policy_id, version',
      );
    },
    async insertPolicy(row: {
      policy_id: string;
      version: number;
      effective_from: string;
      effective_to: string | null;
      official: number;
      document: string;
      created_at: number;
      created_by: string;
    }) {
      await client.insert({ table: 'subsidy_policies', values: [row], format: 'JSONEachRow' });
    },
  };
}

export type StatementsRepository = ReturnType<typeof createStatementsRepository>;
