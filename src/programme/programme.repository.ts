/** Storage of the programme: budget staging, member fees, payouts, and the year's amounts. Typed parameters only; no business rules. */
import type { ClickHouseClient } from '@clickhouse/client';

export interface StagedRow {
  month: string;
  asn: number;
  run_id: string;
  inputs_hash: string;
  amount_fen: string;
  document: string;
  staged_at: number;
}

export interface FeeRow {
  asn: number;
  month: string;
  invoiced_fen: string;
  paid_fen: string;
  import_id: string;
  imported_at: number;
  imported_by: string;
}

export interface PayoutRow {
  payout_id: string;
  period: string;
  asn: number;
  month: string;
  version: number;
  amount_fen: string;
  payee: string;
  exported_at: number;
  exported_by: string;
}

/** Latest version of each member-month of a year with its workflow status (one row per member-month). */
export interface YearRow {
  asn: number;
  month: string;
  version: number;
  amount_fen: string;
  status: string;
  coverage: number;
  subsidy_status: string;
  policy_id: string;
  policy_version: number;
}

export function createProgrammeRepository(client: ClickHouseClient) {
  async function rows<T>(query: string, query_params: Record<string, unknown> = {}): Promise<T[]> {
    return (await client.query({ query, query_params, format: 'JSONEachRow' })).json<T>();
  }
  return {
    async stage(items: StagedRow[]): Promise<void> {
      if (items.length) await client.insert({ table: 'budget_staging', values: items, format: 'JSONEachRow' });
    },
    /** ASNs of a month staged by one run. */
    async stagedAsns(month: string, runId: string): Promise<number[]> {
      const r = await rows<{ asn: number }>(
        'SELECT DISTINCT asn FROM budget_staging WHERE month = {m:String} AND run_id = {r:String}',
        { m: month, r: runId },
      );
      return r.map((x) => Number(x.asn));
    },
    /** The latest staged result of every member of a month. */
    async staged(month: string): Promise<StagedRow[]> {
      const r = await rows<{ asn: number; r: string; h: string; a: string; d: string; t: number }>(
        `SELECT asn, argMax(run_id, staged_at) AS r, argMax(inputs_hash, staged_at) AS h, toString(argMax(amount_fen, staged_at)) AS a,
                argMax(document, staged_at) AS d, toUnixTimestamp64Milli(max(staged_at)) AS t
         FROM budget_staging WHERE month = {m:String} GROUP BY asn ORDER BY asn`,
        { m: month },
      );
      return r.map((x) => ({
        month,
        asn: Number(x.asn),
        run_id: x.r,
        inputs_hash: x.h,
        amount_fen: x.a,
        document: x.d,
        staged_at: Number(x.t),
      }));
    },
    /** Latest version number and inputs hash of every member of a month. */
    async latestVersions(month: string): Promise<Array<{ asn: number; version: number; inputs_hash: string }>> {
      const r = await rows<{ asn: number; v: number; h: string }>(
        'SELECT asn, max(version) AS v, argMax(inputs_hash, version) AS h FROM statements WHERE month = {m:String} GROUP BY asn',
        { m: month },
      );
      return r.map((x) => ({ asn: Number(x.asn), version: Number(x.v), inputs_hash: x.h }));
    },
    /** Σ of the latest amounts of every member-month of the year before `month` (the budget's committed total). */
    async committedBefore(month: string): Promise<bigint> {
      const r = await rows<{ s: string }>(
        `SELECT toString(sum(a)) AS s FROM (SELECT argMax(amount_fen, version) AS a FROM statements
         WHERE month >= {y:String} AND month < {m:String} GROUP BY asn, month)`,
        { y: `${month.slice(0, 4)}-01`, m: month },
      );
      return BigInt(r[0]?.s ?? '0');
    },
    /** Latest amount of each member-month in [from, to] (fen), for simulations' year-to-date. */
    async latestAmounts(from: string, to: string): Promise<Array<{ asn: number; month: string; amount_fen: string }>> {
      const r = await rows<{ asn: number; month: string; a: string }>(
        `SELECT asn, month, toString(argMax(amount_fen, version)) AS a FROM statements
         WHERE month >= {f:String} AND month <= {t:String} GROUP BY asn, month`,
        { f: from, t: to },
      );
      return r.map((x) => ({ asn: Number(x.asn), month: x.month, amount_fen: x.a }));
    },
    async insertFees(
      items: FeeRow[],
      imp: { import_id: string; source: string; sha256: string; imported_at: number; imported_by: string },
    ): Promise<void> {
      if (items.length) await client.insert({ table: 'member_fees', values: items, format: 'JSONEachRow' });
      await client.insert({ table: 'fee_imports', values: [{ ...imp, rows: items.length }], format: 'JSONEachRow' });
    },
    /** The latest imported fees of every member for the given months. */
    async fees(from: string, to: string): Promise<FeeRow[]> {
      const r = await rows<{ asn: number; month: string; i: string; p: string; id: string; at: number; by: string }>(
        `SELECT asn, month, toString(argMax(invoiced_fen, imported_at)) AS i, toString(argMax(paid_fen, imported_at)) AS p,
                argMax(import_id, imported_at) AS id, toUnixTimestamp64Milli(max(imported_at)) AS at, argMax(imported_by, imported_at) AS by
         FROM member_fees WHERE month >= {f:String} AND month <= {t:String} GROUP BY asn, month ORDER BY month, asn`,
        { f: from, t: to },
      );
      return r.map((x) => ({
        asn: Number(x.asn),
        month: x.month,
        invoiced_fen: x.i,
        paid_fen: x.p,
        import_id: x.id,
        imported_at: Number(x.at),
        imported_by: x.by,
      }));
    },
    async insertPayouts(items: PayoutRow[]): Promise<void> {
      if (items.length) await client.insert({ table: 'payouts', values: items, format: 'JSONEachRow' });
    },
    async payouts(from: string, to: string): Promise<PayoutRow[]> {
      const r = await rows<PayoutRow>(
        `SELECT payout_id, period, asn, month, version, toString(amount_fen) AS amount_fen, payee, toUnixTimestamp64Milli(exported_at) AS exported_at, exported_by
         FROM payouts WHERE month >= {f:String} AND month <= {t:String} ORDER BY month, asn`,
        { f: from, t: to },
      );
      return r.map((x) => ({
        ...x,
        asn: Number(x.asn),
        version: Number(x.version),
        exported_at: Number(x.exported_at),
      }));
    },
    /**
     * Disputes of member-months in [from, to], each in its latest state, or null when this build has no
     * dispute table (statement_disputes comes with the dispute workflow).
     */
    async disputes(from: string, to: string): Promise<Array<{ asn: number; month: string; status: string }> | null> {
      const t = await rows<{ n: string }>(
        "SELECT toString(count()) AS n FROM system.tables WHERE database = currentDatabase() AND name = 'statement_disputes'",
      );
      if (t[0]?.n !== '1') return null;
      const r = await rows<{ asn: number; month: string; s: string }>(
        `SELECT asn, month, argMax(status, updated_at) AS s FROM statement_disputes
         WHERE month >= {f:String} AND month <= {t:String} GROUP BY id, asn, month`,
        { f: from, t: to },
      );
      return r.map((x) => ({ asn: Number(x.asn), month: x.month, status: x.s }));
    },
    /** Latest version of every member-month in [from, to] with status, coverage and subsidy status from its document. */
    async year(from: string, to: string): Promise<YearRow[]> {
      const r = await rows<YearRow>(
        `SELECT s.asn AS asn, s.month AS month, s.version AS version, toString(s.amount_fen) AS amount_fen, if(e.status = '', 'draft', e.status) AS status,
                JSONExtractFloat(s.document, 'coverage') AS coverage, JSONExtractString(s.document, 'subsidy', 'status') AS subsidy_status,
                s.policy_id AS policy_id, s.policy_version AS policy_version
         FROM (SELECT asn, month, version, amount_fen, document, policy_id, policy_version FROM statements
               WHERE month >= {f:String} AND month <= {t:String} ORDER BY version DESC LIMIT 1 BY asn, month) AS s
         LEFT JOIN (SELECT asn, month, version, argMax(to_status, at) AS status FROM statement_events
                    WHERE month >= {f:String} AND month <= {t:String} AND to_status != '' GROUP BY asn, month, version) AS e
           ON e.asn = s.asn AND e.month = s.month AND e.version = s.version
         ORDER BY s.month, s.asn`,
        { f: from, t: to },
      );
      return r.map((x) => ({
        ...x,
        asn: Number(x.asn),
        version: Number(x.version),
        coverage: Number(x.coverage),
        policy_version: Number(x.policy_version),
      }));
    },
  };
}

export type ProgrammeRepository = ReturnType<typeof createProgrammeRepository>;
