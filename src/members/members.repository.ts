/** members, member_assignments, member_imports. Typed parameters only; no business rules. */
import type { ClickHouseClient } from '@clickhouse/client';
import type { AssignmentKind, MemberRecord } from './registry.js';

/** valid_to of an open interval (DateTime64 max we use; far beyond any retention). */
export const OPEN_UNTIL_MS = Date.UTC(2106, 0, 1);

export interface MemberRow extends MemberRecord {
  active: number;
  import_id: string;
  version: number;
}

export interface AssignmentRow {
  kind: AssignmentKind;
  key: string;
  asn: number;
  valid_from: number;
  valid_to: number;
  import_id: string;
  version: number;
}

const MEMBER_COLS =
  'asn, name, name_zh, url, member_type, first_production_date, subsidy_enrolled, port_capacity_mbps, peering_policy, extension, active, import_id, version';

function toMember(r: Record<string, unknown>): MemberRow {
  return {
    asn: Number(r.asn),
    name: String(r.name),
    name_zh: String(r.name_zh),
    url: String(r.url),
    member_type: r.member_type as MemberRow['member_type'],
    first_production_date: (r.first_production_date as string | null) ?? null,
    subsidy_enrolled: Number(r.subsidy_enrolled) === 1,
    port_capacity_mbps: Number(r.port_capacity_mbps),
    peering_policy: String(r.peering_policy),
    extension: parseExtension(r.extension),
    active: Number(r.active),
    import_id: String(r.import_id),
    version: Number(r.version),
  };
}

function parseExtension(v: unknown): MemberRecord['extension'] {
  if (typeof v !== 'string' || v === '') return {};
  return JSON.parse(v) as MemberRecord['extension'];
}

export function createMembersRepository(client: ClickHouseClient) {
  return {
    async insertMembers(rows: MemberRow[]): Promise<void> {
      if (!rows.length) return;
      await client.insert({
        table: 'members',
        values: rows.map((r) => ({
          ...r,
          subsidy_enrolled: r.subsidy_enrolled ? 1 : 0,
          extension: JSON.stringify(r.extension ?? {}),
        })),
        format: 'JSONEachRow',
      });
    },
    /** Latest version of every member (active or not). */
    async currentMembers(): Promise<MemberRow[]> {
      const rs = await client.query({
        query: `SELECT ${MEMBER_COLS} FROM members ORDER BY asn, version DESC LIMIT 1 BY asn`,
        format: 'JSONEachRow',
      });
      return (await rs.json<Record<string, unknown>>()).map(toMember);
    },
    async member(asn: number): Promise<MemberRow | null> {
      const rs = await client.query({
        query: `SELECT ${MEMBER_COLS} FROM members WHERE asn = {asn:UInt32} ORDER BY version DESC LIMIT 1`,
        query_params: { asn },
        format: 'JSONEachRow',
      });
      const r = (await rs.json<Record<string, unknown>>())[0];
      return r ? toMember(r) : null;
    },
    async insertAssignments(rows: AssignmentRow[]): Promise<void> {
      if (rows.length) await client.insert({ table: 'member_assignments', values: rows, format: 'JSONEachRow' });
    },
    /** Latest version of every interval ending after `sinceMs` (open ones included). */
    async assignments(sinceMs = 0): Promise<AssignmentRow[]> {
      const rs = await client.query({
        query: `SELECT kind, key, asn, toUnixTimestamp64Milli(valid_from) AS valid_from, toUnixTimestamp64Milli(valid_to) AS valid_to, import_id, version
                FROM member_assignments FINAL WHERE valid_to > fromUnixTimestamp64Milli({since:Int64}) ORDER BY kind, key, valid_from`,
        query_params: { since: String(sinceMs) },
        format: 'JSONEachRow',
      });
      return (await rs.json<Record<string, unknown>>()).map((r) => ({
        kind: r.kind as AssignmentKind,
        key: String(r.key),
        asn: Number(r.asn),
        valid_from: Number(r.valid_from),
        valid_to: Number(r.valid_to),
        import_id: String(r.import_id),
        version: Number(r.version),
      }));
    },
    /** Cheap change detector for pollers: count and newest version of the assignments. */
    async assignmentsFingerprint(): Promise<string> {
      const rs = await client.query({
        query: 'SELECT toString(count()) AS n, toString(max(version)) AS v FROM member_assignments',
        format: 'JSONEachRow',
      });
      const r = (await rs.json<{ n: string; v: string }>())[0]!;
      return `${r.n}:${r.v}`;
    },
    async lastImportSha(): Promise<string | null> {
      const rs = await client.query({
        query: 'SELECT sha256 FROM member_imports ORDER BY imported_at DESC LIMIT 1',
        format: 'JSONEachRow',
      });
      return (await rs.json<{ sha256: string }>())[0]?.sha256 ?? null;
    },
    async recordImport(row: {
      import_id: string;
      imported_at: number;
      effective_at: number;
      source: string;
      sha256: string;
      actor: string;
      members: number;
      opened: number;
      closed: number;
    }): Promise<void> {
      await client.insert({ table: 'member_imports', values: [row], format: 'JSONEachRow' });
    },
  };
}

export type MembersRepository = ReturnType<typeof createMembersRepository>;
