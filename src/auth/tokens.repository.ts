/** api_tokens / api_token_usage access. Typed parameters only; no business rules. */
import type { ClickHouseClient } from '@clickhouse/client';
import type { Role } from './roles.js';

export interface TokenRow {
  id: string;
  token_hash: string;
  role: Role;
  asn: number | null;
  name: string;
  created_at: string;
  created_by: string;
  revoked_at: string | null;
  version: number;
}

export interface TokenListRow extends TokenRow {
  last_used_at: string | null;
}

const COLUMNS = 'id, token_hash, role, asn, name, created_at, created_by, revoked_at, version';

export function createTokensRepository(client: ClickHouseClient) {
  return {
    async insert(row: TokenRow): Promise<void> {
      await client.insert({ table: 'api_tokens', values: [row], format: 'JSONEachRow' });
    },
    async findByHash(hash: string): Promise<TokenRow | null> {
      const rs = await client.query({
        query: `SELECT ${COLUMNS} FROM api_tokens FINAL WHERE token_hash = {hash:FixedString(64)} LIMIT 1`,
        query_params: { hash },
        format: 'JSONEachRow',
      });
      const rows = await rs.json<TokenRow>();
      return rows[0] ? normalize(rows[0]) : null;
    },
    async findById(id: string): Promise<TokenRow | null> {
      const rs = await client.query({
        query: `SELECT ${COLUMNS} FROM api_tokens FINAL WHERE id = {id:String} LIMIT 1`,
        query_params: { id },
        format: 'JSONEachRow',
      });
      const rows = await rs.json<TokenRow>();
      return rows[0] ? normalize(rows[0]) : null;
    },
    async list(): Promise<TokenListRow[]> {
      const rs = await client.query({
        query: `SELECT t.id AS id, t.token_hash AS token_hash, t.role AS role, t.asn AS asn, t.name AS name, t.created_at AS created_at,
                       t.created_by AS created_by, t.revoked_at AS revoked_at, t.version AS version, u.last_used_at AS last_used_at
                FROM (SELECT ${COLUMNS} FROM api_tokens FINAL) AS t
                LEFT JOIN (SELECT id, max(last_used_at) AS last_used_at FROM api_token_usage GROUP BY id) AS u ON u.id = t.id
                ORDER BY t.created_at`,
        format: 'JSONEachRow',
        clickhouse_settings: { join_use_nulls: 1 },
      });
      return (await rs.json<TokenListRow>()).map((r) => ({ ...normalize(r), last_used_at: r.last_used_at }));
    },
    async countActiveAdmins(): Promise<number> {
      const rs = await client.query({
        query: "SELECT count() AS n FROM api_tokens FINAL WHERE role = 'admin' AND revoked_at IS NULL",
        format: 'JSONEachRow',
      });
      return Number((await rs.json<{ n: string }>())[0]?.n ?? 0);
    },
    async recordUsage(rows: Array<{ id: string; last_used_at: string; last_ip: string }>): Promise<void> {
      if (rows.length) await client.insert({ table: 'api_token_usage', values: rows, format: 'JSONEachRow' });
    },
  };
}

export type TokensRepository = ReturnType<typeof createTokensRepository>;

function normalize(r: TokenRow): TokenRow {
  return { ...r, asn: r.asn === null ? null : Number(r.asn), version: Number(r.version) };
}
