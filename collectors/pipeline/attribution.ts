/**
 * Member attribution at ingest, in the receiving thread: who sent a flow and who received it.
 * Source member from (VLAN, source MAC), else (exporter, input ifIndex), else the peering-LAN source
 * IP; destination likewise with destination MAC, output ifIndex, destination IP. Every key has
 * validity intervals, so a flow is attributed to the member that owned the key at its receive time.
 * 0 = not attributable (stored, counted, visible — never dropped).
 */
import type { FlowRecord } from '../decoders/types.js';
import { SFLOW_INTERNAL_IF } from '../../src/shared/sflow.js';

export interface AssignmentInterval {
  kind: 'mac' | 'port' | 'ip';
  key: string;
  asn: number;
  fromMs: number;
  toMs: number;
}

export type { AttrMethod } from '../decoders/types.js';

interface Interval {
  asn: number;
  fromMs: number;
  toMs: number;
}
/** A MAC's intervals on one VLAN (0 = any VLAN). */
interface MacIntervals {
  vlan: number;
  list: Interval[];
}

function find(arr: readonly Interval[] | undefined, t: number): number {
  if (arr === undefined) return 0;
  for (let i = 0; i < arr.length; i++) {
    const x = arr[i]!;
    if (t >= x.fromMs && t < x.toMs) return x.asn;
  }
  return 0;
}

/**
 * Keys as the registry writes them — mac `VLAN|hex12`, port `EXPORTER|ifIndex`, ip address text — are
 * parsed once into numeric maps, so that the per-flow lookups allocate nothing (no key strings).
 */
export class Attributor {
  private readonly macs = new Map<number, MacIntervals[]>();
  private readonly ports = new Map<string, Map<number, Interval[]>>();
  private readonly ips = new Map<string, Interval[]>();
  readonly size: number;

  constructor(list: readonly AssignmentInterval[]) {
    for (const a of list) {
      const iv = { asn: a.asn, fromMs: a.fromMs, toMs: a.toMs };
      const bar = a.key.lastIndexOf('|');
      if (a.kind === 'mac') {
        const vlan = Number(a.key.slice(0, bar));
        const mac = parseInt(a.key.slice(bar + 1), 16);
        let byVlan = this.macs.get(mac);
        if (!byVlan) this.macs.set(mac, (byVlan = []));
        let e = byVlan.find((x) => x.vlan === vlan);
        if (!e) byVlan.push((e = { vlan, list: [] }));
        e.list.push(iv);
      } else if (a.kind === 'port') {
        const exporter = a.key.slice(0, bar);
        const ifIndex = Number(a.key.slice(bar + 1));
        let byIf = this.ports.get(exporter);
        if (!byIf) this.ports.set(exporter, (byIf = new Map()));
        let arr = byIf.get(ifIndex);
        if (!arr) byIf.set(ifIndex, (arr = []));
        arr.push(iv);
      } else {
        let arr = this.ips.get(a.key);
        if (!arr) this.ips.set(a.key, (arr = []));
        arr.push(iv);
      }
    }
    this.size = list.length;
  }

  private byMac(mac: number, vlan: number, t: number): number {
    const byVlan = this.macs.get(mac);
    if (byVlan === undefined) return 0;
    let any = 0;
    for (let i = 0; i < byVlan.length; i++) {
      const e = byVlan[i]!;
      if (vlan !== 0 && e.vlan === vlan) {
        const a = find(e.list, t);
        if (a) return a;
      } else if (e.vlan === 0 && any === 0) any = find(e.list, t);
    }
    return any;
  }

  private byPort(exporter: string, ifIndex: number, t: number): number {
    const byIf = this.ports.get(exporter);
    return byIf === undefined ? 0 : find(byIf.get(ifIndex), t);
  }

  private byIp(addr: string, t: number): number {
    return find(this.ips.get(addr.startsWith('::ffff:') ? addr.slice(7) : addr), t);
  }

  /** Sets f.srcAsn/srcAttr and f.dstAsn/dstAttr (0 / 'none' when nothing matches). */
  attribute(f: FlowRecord): void {
    f.srcAsn = 0;
    f.srcAttr = 'none';
    f.dstAsn = 0;
    f.dstAttr = 'none';
    if (this.size === 0) return;
    const t = f.receivedAtMs;
    let a = 0;
    if (f.srcMac !== 0 && (a = this.byMac(f.srcMac, f.vlan, t)) !== 0) {
      f.srcAsn = a;
      f.srcAttr = 'mac';
    }
    // 0x3FFFFFFF is sFlow's "internal/no interface" (pmacct sfprobe sends it): never a member port.
    else if (f.inIf !== 0 && f.inIf !== SFLOW_INTERNAL_IF && (a = this.byPort(f.exporter, f.inIf, t)) !== 0) {
      f.srcAsn = a;
      f.srcAttr = 'port';
    } else if (f.srcAddr !== '' && (a = this.byIp(f.srcAddr, t)) !== 0) {
      f.srcAsn = a;
      f.srcAttr = 'ip';
    }
    if (f.dstMac !== 0 && (a = this.byMac(f.dstMac, f.vlan, t)) !== 0) {
      f.dstAsn = a;
      f.dstAttr = 'mac';
    } else if (f.outIf !== 0 && f.outIf !== SFLOW_INTERNAL_IF && (a = this.byPort(f.exporter, f.outIf, t)) !== 0) {
      f.dstAsn = a;
      f.dstAttr = 'port';
    } else if (f.dstAddr !== '' && (a = this.byIp(f.dstAddr, t)) !== 0) {
      f.dstAsn = a;
      f.dstAttr = 'ip';
    }
  }
}
