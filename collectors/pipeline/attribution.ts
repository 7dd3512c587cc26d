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

export type AttrMethod = 'mac' | 'port' | 'ip' | 'none';

interface Interval { asn: number; fromMs: number; toMs: number }


function macHex(mac: number): string {
  return mac.toString(16).padStart(12, '0');
}

export class Attributor {
  private readonly maps = { mac: new Map<string, Interval[]>(), port: new Map<string, Interval[]>(), ip: new Map<string, Interval[]>() };
  readonly size: number;

  constructor(list: readonly AssignmentInterval[]) {
    for (const a of list) {
      const m = this.maps[a.kind];
      let arr = m.get(a.key);
      if (!arr) m.set(a.key, (arr = []));
      arr.push({ asn: a.asn, fromMs: a.fromMs, toMs: a.toMs });
    }
    this.size = list.length;
  }

  private find(kind: 'mac' | 'port' | 'ip', key: string, t: number): number {
    const arr = this.maps[kind].get(key);
    if (!arr) return 0;
    for (const i of arr) if (t >= i.fromMs && t < i.toMs) return i.asn;
    return 0;
  }

  private side(mac: number, ifIndex: number, addr: string, f: FlowRecord): [number, AttrMethod] {
    const t = f.receivedAtMs;
    if (this.size === 0) return [0, 'none'];
    if (mac !== 0) {
      const hex = macHex(mac);
      const a = (f.vlan !== 0 ? this.find('mac', `${f.vlan}|${hex}`, t) : 0) || this.find('mac', `0|${hex}`, t);
      if (a) return [a, 'mac'];
    }
    // 0x3FFFFFFF is sFlow's "internal/no interface" (pmacct sfprobe sends it): never a member port.
    if (ifIndex !== 0 && ifIndex !== SFLOW_INTERNAL_IF) {
      const a = this.find('port', `${f.exporter}|${ifIndex}`, t);
      if (a) return [a, 'port'];
    }
    if (addr !== '') {
      const a = this.find('ip', addr.startsWith('::ffff:') ? addr.slice(7) : addr, t);
      if (a) return [a, 'ip'];
    }
    return [0, 'none'];
  }

  source(f: FlowRecord): [number, AttrMethod] {
    return this.side(f.srcMac, f.inIf, f.srcAddr, f);
  }

  destination(f: FlowRecord): [number, AttrMethod] {
    return this.side(f.dstMac, f.outIf, f.dstAddr, f);
  }
}

