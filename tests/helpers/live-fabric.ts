/**
 * Shared pieces of the live-service exporter tests (tests/exporters/live-*.test.ts): the member fabric
 * of the generated pcap, API snapshots of the matrix and member totals, and "wait until a run landed".
 *
 * Fabric: 14 router MACs in the pcap (traffic-pcap `members: 14`); 11 members in the IX-F file —
 * AS65001 and AS65003 own two MACs each, AS65004 is on the tagged VLAN 100 (the tag the pcap uses),
 * MAC 14 (02:00:00:00:00:0e) belongs to nobody. Each owned MAC i also has a port mapping
 * (exporter 127.0.0.1, ifIndex 100 + i), so a member with two MACs has two ports.
 * `moved` gives MAC 2 (AS65001's second MAC) and its port to AS65002 instead.
 */
import { expect } from 'vitest';
import { cellKey, type PairTotals } from './ground-truth.js';
import { queryOne, type TestService } from './in-process.js';
import type { TestMember } from './ixf.js';
import { memberMac, type PacketTruth } from './traffic-pcap.js';

export const FABRIC_MACS = 14;
export const UNOWNED_MAC = 14;
export const EXPORTER = '127.0.0.1';
export const portOf = (macIndex: number): number => 100 + macIndex;

export function macText(i: number): string {
  return memberMac(i)
    .toString(16)
    .padStart(12, '0')
    .replace(/(..)(?=.)/g, '$1:');
}

export function fabric(moved = false): { members: TestMember[]; owner: Map<number, number>; asns: number[] } {
  const spec: Array<{ asn: number; macs: number[]; vlan?: number }> = [
    { asn: 65001, macs: moved ? [1] : [1, 2] },
    { asn: 65002, macs: moved ? [3, 2] : [3] },
    { asn: 65003, macs: [4, 5] },
    { asn: 65004, macs: [6], vlan: 100 },
    ...[7, 8, 9, 10, 11, 12, 13].map((m, i) => ({ asn: 65005 + i, macs: [m] })),
  ];
  const owner = new Map<number, number>();
  for (const s of spec) for (const m of s.macs) owner.set(memberMac(m), s.asn);
  return {
    members: spec.map((s) => ({
      asn: s.asn,
      macs: s.macs.map(macText),
      vlan: s.vlan ?? 10,
      ports: s.macs.map((m) => ({ exporter: EXPORTER, if_index: portOf(m) })),
    })),
    owner,
    asns: spec.map((s) => s.asn),
  };
}

/** Attribution truth by MAC: the owner of the packet's source / destination MAC (0 = none). */
export const byMac =
  (owner: Map<number, number>) =>
  (p: PacketTruth, side: 'src' | 'dst'): number =>
    owner.get(side === 'src' ? p.srcMac : p.dstMac) ?? 0;

export type Api = (
  method: string,
  path: string,
  body?: unknown,
) => Promise<{ status: number; body: Record<string, unknown> }>;

export function apiOf(t: TestService): Api {
  return async (method, path, body) => {
    const r = await fetch(`${t.svc.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${t.admin}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };
}

export interface MemberTotals {
  in: PairTotals;
  out: PairTotals;
}
export interface Snapshot {
  matrix: Map<string, PairTotals>;
  members: Map<number, MemberTotals>;
}

/** The API's matrix and every member's in/out totals over [fromIso, toIso). Null ASN → 0. */
export async function snapshot(api: Api, asns: number[], fromIso: string, toIso: string): Promise<Snapshot> {
  const q = `from=${encodeURIComponent(fromIso)}&to=${encodeURIComponent(toIso)}`;
  const m = await api('GET', `/traffic/matrix?${q}`);
  expect(m.status).toBe(200);
  const matrix = new Map<string, PairTotals>();
  for (const r of m.body.rows as Array<{
    src_asn: number | null;
    dst_asn: number | null;
    bytes: string;
    l3_bytes: string;
    packets: string;
  }>) {
    matrix.set(cellKey(r.src_asn ?? 0, r.dst_asn ?? 0), {
      bytes: Number(r.bytes),
      l3Bytes: Number(r.l3_bytes),
      packets: Number(r.packets),
    });
  }
  const members = new Map<number, MemberTotals>();
  for (const asn of asns) {
    const r = await api('GET', `/members/${asn}/traffic?${q}&step=300`);
    expect(r.status).toBe(200);
    const b = r.body as Record<string, string>;
    members.set(asn, {
      in: { bytes: Number(b.in_bytes), l3Bytes: Number(b.in_l3_bytes), packets: Number(b.in_packets) },
      out: { bytes: Number(b.out_bytes), l3Bytes: Number(b.out_l3_bytes), packets: Number(b.out_packets) },
    });
  }
  return { matrix, members };
}

const sub = (a: PairTotals, b: PairTotals | undefined): PairTotals => ({
  bytes: a.bytes - (b?.bytes ?? 0),
  l3Bytes: a.l3Bytes - (b?.l3Bytes ?? 0),
  packets: a.packets - (b?.packets ?? 0),
});

/** after − before; matrix cells that did not change are left out. */
export function diff(after: Snapshot, before: Snapshot): Snapshot {
  const matrix = new Map<string, PairTotals>();
  for (const [k, v] of after.matrix) {
    const d = sub(v, before.matrix.get(k));
    if (d.bytes || d.l3Bytes || d.packets) matrix.set(k, d);
  }
  const members = new Map<number, MemberTotals>();
  for (const [asn, v] of after.members)
    members.set(asn, { in: sub(v.in, before.members.get(asn)?.in), out: sub(v.out, before.members.get(asn)?.out) });
  return { matrix, members };
}

export function sortedCells(m: Map<string, PairTotals>): Record<string, PairTotals> {
  return Object.fromEntries([...m].sort(([a], [b]) => a.localeCompare(b)));
}

/** Σ packets × sampling rate over all of flows_raw (exact text → number; < 2^53 here). */
export async function storedPackets(t: TestService): Promise<number> {
  const r = await queryOne<{ p: string }>(t.svc, 'SELECT toString(sum(packets * sampling_rate)) AS p FROM flows_raw');
  return Number(r.p);
}

/**
 * Wait until a run has landed: the stored (scaled) packet total moved by at least `want` over `base`
 * and then stayed put for 600 ms — or it stopped moving for 3 s (then the exact comparison that
 * follows reports what is missing instead of a timeout). Bounded by 20 s.
 */
export async function settle(t: TestService, base: number, want: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  let last = -1,
    since = Date.now();
  for (;;) {
    const v = await storedPackets(t);
    if (v !== last) {
      last = v;
      since = Date.now();
    }
    const quiet = Date.now() - since;
    if ((v - base >= want && quiet >= 600) || quiet >= 3000 || Date.now() > deadline) return;
    await new Promise((r) => setTimeout(r, 150));
  }
}
