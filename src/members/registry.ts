/**
 * Pure: an IX-F export → member records and attribution keys, with every problem found (not only the
 * first). A file with any problem changes nothing.
 */
import { isIPv4 } from 'node:net';
import { AppError } from '../shared/errors.js';
import { IxfExportSchema, type MemberExtension, type MemberType } from './ixf.schema.js';

export interface MemberRecord {
  asn: number;
  name: string;
  name_zh: string;
  url: string;
  member_type: MemberType;
  first_production_date: string | null;
  subsidy_enrolled: boolean;
  port_capacity_mbps: number;
  peering_policy: string;
  /** ixmeter's further per-member fields (ixf.schema.ts MemberExtensionShape); {} when none. */
  extension: MemberExtension & { ports?: MemberPortDecl[] };
}

/** A switch port of the member file (ixmeter.ports[]), kept in the extension for its speed (port utilisation). */
export interface MemberPortDecl {
  exporter: string;
  if_index: number;
  speed_mbps?: number;
}

export type AssignmentKind = 'mac' | 'port' | 'ip';

/** One attribution key owned by one member: mac "vlan|aabbccddeeff", port "exporter|ifIndex", ip "address". */
export interface AssignmentKey {
  kind: AssignmentKind;
  key: string;
  asn: number;
}

export interface Registry {
  members: MemberRecord[];
  assignments: AssignmentKey[];
}

export function macKey(vlan: number, mac: string): string {
  return `${vlan}|${mac.replace(/[:.\-]/g, '').toLowerCase()}`;
}

export function portKey(exporter: string, ifIndex: number): string {
  return `${canonicalIp(exporter)}|${ifIndex}`;
}

export function canonicalIp(a: string): string {
  const s = a.toLowerCase();
  if (s.startsWith('::ffff:') && isIPv4(s.slice(7))) return s.slice(7);
  return s;
}

export function parseRegistry(doc: unknown, source: string): Registry {
  const parsed = IxfExportSchema.safeParse(doc);
  if (!parsed.success) {
    const lines = parsed.error.issues.slice(0, 50).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new AppError(
      'IXMETER_ERR_MEMBERS_INVALID',
      `${source}: not a valid IX-F member export:\n  ${lines.join('\n  ')}`,
    );
  }
  const problems: string[] = [];
  const members: MemberRecord[] = [];
  const owner = new Map<string, number>();
  const assignments: AssignmentKey[] = [];
  const seenAsn = new Set<number>();
  const claim = (kind: AssignmentKind, key: string, asn: number, where: string) => {
    const k = `${kind}:${key}`;
    const prev = owner.get(k);
    if (prev !== undefined && prev !== asn) problems.push(`${where}: ${kind} ${key} is already assigned to AS${prev}`);
    else if (prev === undefined) {
      owner.set(k, asn);
      assignments.push({ kind, key, asn });
    }
  };
  parsed.data.member_list.forEach((m, i) => {
    const where = `member_list.${i} (AS${m.asnum})`;
    if (seenAsn.has(m.asnum)) problems.push(`${where}: AS${m.asnum} appears twice`);
    seenAsn.add(m.asnum);
    const x = m.ixmeter;
    let capacity = 0;
    for (const c of m.connection_list) {
      for (const itf of c.if_list ?? []) capacity += itf.if_speed ?? 0;
      for (const v of c.vlan_list ?? []) {
        const tag = x?.vlan_tags?.[String(v.vlan_id ?? 0)] ?? v.vlan_id ?? 0;
        for (const fam of [v.ipv4, v.ipv6]) {
          if (!fam) continue;
          if (fam.address) claim('ip', canonicalIp(fam.address), m.asnum, where);
          for (const mac of fam.mac_addresses ?? []) {
            claim('mac', macKey(tag, mac), m.asnum, where);
            claim('mac', macKey(0, mac), m.asnum, where); // any VLAN: untagged samples of an access port
          }
        }
      }
    }
    for (const p of x?.ports ?? []) claim('port', portKey(p.exporter, p.if_index), m.asnum, where);
    const portMbps = (x?.ports ?? []).reduce((a, p) => a + (p.speed_mbps ?? 0), 0);
    for (const [j, b] of (x?.blacklist ?? []).entries()) {
      if (b.to && b.to <= b.from)
        problems.push(`${where}: ixmeter.blacklist.${j}: to (${b.to}) must be after from (${b.from})`);
    }
    if (x?.local_registration?.registered && !x.local_registration.date)
      problems.push(`${where}: ixmeter.local_registration needs a date when registered`);
    if (x?.subsidy_enrolled && !x.first_production_date)
      problems.push(`${where}: subsidy_enrolled needs ixmeter.first_production_date`);
    members.push({
      asn: m.asnum,
      name: m.name,
      name_zh: x?.name_zh ?? '',
      url: m.url ?? '',
      member_type: x?.member_type ?? 'other',
      first_production_date: x?.first_production_date ?? null,
      subsidy_enrolled: x?.subsidy_enrolled ?? false,
      port_capacity_mbps: capacity || portMbps,
      peering_policy: m.peering_policy ?? '',
      extension: pickExtension(x),
    });
  });
  if (problems.length) {
    throw new AppError(
      'IXMETER_ERR_MEMBERS_INVALID',
      `${source}: ${problems.length} problem(s), nothing was changed:\n  ${problems.slice(0, 50).join('\n  ')}`,
    );
  }
  return { members, assignments };
}

function pickExtension(x: Record<string, unknown> | undefined): MemberRecord['extension'] {
  const out: Record<string, unknown> = {};
  if (!x) return {};
  for (const k of ['local_registration', 'blacklist', 'payee', 'contacts', 'utilization_threshold_pct']) {
    if (x[k] !== undefined) out[k] = x[k];
  }
  if (Array.isArray(x.ports) && x.ports.length) out.ports = x.ports; // per-port capacity (speed_mbps)
  return out as MemberRecord['extension'];
}
