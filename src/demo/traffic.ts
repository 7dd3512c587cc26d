/**
 * What the demo fabric sends: aggregated history records (one per member pair per 5-minute bucket),
 * live NetFlow/IPFIX records and sFlow samples following the diurnal curve, amplification attacks
 * and peering-LAN violations. Pure and deterministic for a given PRNG, so tests know exact totals.
 */
import {
  customerV4,
  customerV6,
  diurnalAt,
  type DemoMember,
  type Fabric,
  type Pair,
  type SwitchKind,
  SECOND_VLAN,
  PEERING_VLAN,
} from './fabric.js';
import type { SampledPacket, WireFlow } from './wire.js';

export const NETFLOW_SAMPLING = 1000;
export const SFLOW_SAMPLING = 1024;
export const BUCKET_MS = 300_000;

/** Average IP packet size by the sender's type (CDN/cloud/video send full-size packets). */
function avgPacket(m: DemoMember): number {
  switch (m.type) {
    case 'cdn':
    case 'cloud':
    case 'internet_enterprise':
    case 'broadcast':
      return 1150;
    case 'idc':
      return 900;
    default:
      return 640;
  }
}

function pairVlan(p: Pair): number {
  return p.src.vlans.includes(SECOND_VLAN) && p.dst.vlans.includes(SECOND_VLAN) ? SECOND_VLAN : PEERING_VLAN;
}

const SERVICES: Array<{ proto: number; port: number }> = [
  { proto: 6, port: 443 },
  { proto: 6, port: 443 },
  { proto: 6, port: 443 },
  { proto: 17, port: 443 },
  { proto: 6, port: 80 },
  { proto: 17, port: 53 },
  { proto: 6, port: 8080 },
];

function active(m: DemoMember, t: number): boolean {
  return m.joinsAtMs === 0 || t >= m.joinsAtMs;
}

/** Member pair traffic in bits/s at time t (both members live), with a little deterministic texture. */
export function pairBps(p: Pair, t: number, diurnalFactor: number, noise: number): number {
  if (!active(p.src, t) || !active(p.dst, t)) return 0;
  // The newcomer ramps up over its first week.
  const ramp = (m: DemoMember) => (m.joinsAtMs ? Math.min(1, 0.15 + (t - m.joinsAtMs) / (7 * 86_400_000)) : 1);
  return p.src.outPeakBps * p.share * diurnalFactor * (0.9 + 0.2 * noise) * ramp(p.src) * ramp(p.dst);
}

function flowOf(p: Pair, r: () => number, packets: number, octets: number, startMs: number, endMs: number): WireFlow {
  const svc = SERVICES[Math.floor(r() * SERVICES.length)]!;
  const host = 1 + Math.floor(r() * 65000);
  const peer = 1 + Math.floor(r() * 65000);
  // Content (cdn/cloud/…) answers from its service port; eyeball networks send requests to it.
  const fromServer = p.src.outPeakBps >= p.dst.outPeakBps;
  return {
    v6: p.v6,
    src: p.v6 ? customerV6(p.src, host) : customerV4(p.src, host),
    dst: p.v6 ? customerV6(p.dst, peer) : customerV4(p.dst, peer),
    srcPort: fromServer ? svc.port : 1024 + Math.floor(r() * 60000),
    dstPort: fromServer ? 1024 + Math.floor(r() * 60000) : svc.port,
    proto: svc.proto,
    tcpFlags: svc.proto === 6 ? 0x18 : 0,
    tos: 0,
    packets,
    octets,
    inIf: p.src.ifIndex,
    outIf: p.dst.ifIndex,
    srcMac: p.src.mac,
    dstMac: p.dst.mac,
    vlan: pairVlan(p),
    startMs,
    endMs,
  };
}

/**
 * History of one 5-minute bucket: one aggregated record per active pair, grouped by the switch of the
 * sending member, counts already divided by the sampling rate (≥ 1 packet).
 */
export function historyBucket(
  f: Fabric,
  pairs: readonly Pair[],
  bucketMs: number,
  r: () => number,
): Record<SwitchKind, WireFlow[]> {
  const out: Record<SwitchKind, WireFlow[]> = { v9: [], ipfix: [], sflow: [] };
  const dz = diurnalAt(bucketMs + BUCKET_MS / 2, f.tz);
  for (const p of pairs) {
    const bps = pairBps(p, bucketMs + BUCKET_MS / 2, dz, r());
    if (bps <= 0) continue;
    const bytes = (bps * 300) / 8 / NETFLOW_SAMPLING;
    const size = avgPacket(p.src);
    const packets = Math.max(1, Math.round(bytes / size));
    const octets = Math.max(packets * 40, Math.round(bytes));
    out[p.src.switch].push(flowOf(p, r, packets, octets, bucketMs + 1000, bucketMs + BUCKET_MS - 1000));
  }
  return out;
}

export interface LiveTick {
  netflow: Record<'v9' | 'ipfix', WireFlow[]>;
  sflow: SampledPacket[];
}

/**
 * One live tick of `dtMs` at time t: NetFlow/IPFIX records (about `recordsPerS` per second across the
 * fabric, each carrying its share of the pair's volume at 1:NETFLOW_SAMPLING) and sFlow samples as
 * 1:SFLOW_SAMPLING sampling of the sFlow members' packets would give (a Bernoulli draw per expected sample).
 */
export function liveTick(
  f: Fabric,
  pairs: readonly Pair[],
  t: number,
  dtMs: number,
  recordsPerS: number,
  r: () => number,
): LiveTick {
  const out: LiveTick = { netflow: { v9: [], ipfix: [] }, sflow: [] };
  const nfPairs = pairs.filter((p) => p.src.switch !== 'sflow');
  const dz = diurnalAt(t, f.tz);
  const bps = nfPairs.map((p) => pairBps(p, t, dz, r()));
  const total = bps.reduce((a, b) => a + b, 0) || 1;
  const budget = (recordsPerS * dtMs) / 1000;
  nfPairs.forEach((p, i) => {
    const b = bps[i]!;
    if (b <= 0) return;
    const expected = (budget * b) / total;
    const n = Math.floor(expected) + (r() < expected - Math.floor(expected) ? 1 : 0);
    if (n === 0) return;
    const bytes = (b * dtMs) / 1000 / 8 / NETFLOW_SAMPLING / n;
    const size = avgPacket(p.src);
    for (let k = 0; k < n; k++) {
      const octets = Math.max(64, Math.round(bytes * (0.5 + r())));
      const packets = Math.max(1, Math.round(octets / size));
      out.netflow[p.src.switch as 'v9' | 'ipfix'].push(
        flowOf(p, r, packets, Math.max(octets, packets * 40), t - 30_000 + Math.floor(r() * 20_000), t - 1000),
      );
    }
  });
  for (const p of pairs) {
    if (p.src.switch !== 'sflow') continue;
    const b = pairBps(p, t, dz, r());
    if (b <= 0) continue;
    const size = avgPacket(p.src);
    const expected = (b * dtMs) / 1000 / 8 / size / SFLOW_SAMPLING;
    const n = Math.floor(expected) + (r() < expected - Math.floor(expected) ? 1 : 0);
    for (let k = 0; k < n; k++) {
      const fl = flowOf(p, r, 1, 0, t, t);
      const ipLength = Math.min(1500, Math.max(p.v6 ? 60 : 40, Math.round(size * (0.3 + 1.4 * r()))));
      out.sflow.push({
        kind: 'ip',
        srcMac: fl.srcMac,
        dstMac: fl.dstMac,
        vlan: fl.vlan,
        v6: fl.v6,
        src: fl.src,
        dst: fl.dst,
        proto: fl.proto,
        srcPort: fl.srcPort,
        dstPort: fl.dstPort,
        tcpFlags: fl.tcpFlags,
        ipLength,
        inIf: fl.inIf,
        outIf: fl.outIf,
      });
    }
  }
  return out;
}

export interface Attack {
  attacker: DemoMember;
  victim: DemoMember;
  victimIp: string;
  startMs: number;
  endMs: number;
}

/** NTP amplification: UDP from port 123 of reflectors in the attacker's space toward one victim customer IP. */
export function attackRecords(a: Attack, t: number, dtMs: number, r: () => number, ppsTotal = 400_000): WireFlow[] {
  const sampledPackets = Math.round((ppsTotal * dtMs) / 1000 / NETFLOW_SAMPLING);
  const records = Math.max(1, Math.min(40, Math.round(sampledPackets / 8)));
  const out: WireFlow[] = [];
  for (let i = 0; i < records; i++) {
    const packets = Math.max(1, Math.round(sampledPackets / records));
    out.push({
      v6: false,
      src: customerV4(a.attacker, 2000 + Math.floor(r() * 3000)),
      dst: a.victimIp,
      srcPort: 123,
      dstPort: 1024 + Math.floor(r() * 60000),
      proto: 17,
      tcpFlags: 0,
      tos: 0,
      packets,
      octets: packets * 468,
      inIf: a.attacker.ifIndex,
      outIf: a.victim.ifIndex,
      srcMac: a.attacker.mac,
      dstMac: a.victim.mac,
      vlan: PEERING_VLAN,
      startMs: t - dtMs,
      endMs: t,
    });
  }
  return out;
}

/** An LLDP frame from a member router (link-local protocols must not reach the peering LAN). */
export function lldpSample(m: DemoMember): SampledPacket {
  return { kind: 'lldp', srcMac: m.mac, dstMac: 0x0180c200000e, vlan: 0, inIf: m.ifIndex, outIf: 0 };
}

/** A frame from a MAC nobody registered, on a member's port (a router swapped without telling the IX). */
export function unknownMacSample(m: DemoMember, dst: DemoMember, r: () => number): SampledPacket {
  return {
    kind: 'ip',
    srcMac: 0x02deff000000 + Math.floor(r() * 0xffff),
    dstMac: dst.mac,
    vlan: PEERING_VLAN,
    v6: false,
    src: customerV4(m, 77),
    dst: customerV4(dst, 88),
    proto: 6,
    srcPort: 51000,
    dstPort: 443,
    tcpFlags: 0x10,
    ipLength: 1200,
    inIf: m.ifIndex,
    outIf: dst.ifIndex,
  };
}
