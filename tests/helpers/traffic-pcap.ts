/**
 * Deterministic synthetic IXP peering-LAN traffic, written as a classic libpcap file (link type 1,
 * Ethernet, microsecond timestamps), together with its exact ground truth.
 *
 * - `members` member routers with MACs 02:00:00:00:00:01 … 02:00:00:00:00:NN.
 * - Conversations between two distinct members, IPv4 or IPv6, TCP (SYN … data/ACK … FIN in both
 *   directions, so the connection is closed) or UDP (one direction). Some conversations are 802.1Q
 *   tagged with `vlan` (PCP 0).
 * - Frame sizes 64..1518 octets on the wire incl. FCS (1522 with a tag). Pure TCP SYN/ACK/FIN
 *   segments are shorter than the Ethernet minimum and are padded to 60 captured octets (64 with
 *   FCS), exactly as a NIC would; so for those frames IP total length + 18 < frame octets.
 * - Timestamps spread uniformly (sorted) over `spanMs` starting at `startMs`.
 * - IPv4 header checksum and TCP/UDP checksums are computed (valid packets for every tool).
 *
 * pcap records carry no FCS: caplen = wire length - 4. The truth reports frame octets as caplen + 4.
 */
import { writeFileSync } from 'node:fs';
import { prng } from '../../src/shared/prng.js';

export interface TrafficOptions {
  seed?: number;
  /** Number of member MACs (>= 2). */
  members?: number;
  /** Number of conversations (each TCP conversation produces packets in both directions). */
  conversations?: number;
  /** Data packets per conversation are drawn from [minPackets, maxPackets]. */
  minPackets?: number;
  maxPackets?: number;
  /** Fraction of conversations that are 802.1Q tagged, and the VLAN id they carry. */
  vlanFraction?: number;
  vlan?: number;
  /** Fraction of IPv6 conversations. */
  ipv6Fraction?: number;
  /** Fraction of UDP conversations (the rest is TCP). */
  udpFraction?: number;
  startMs?: number;
  spanMs?: number;
  /**
   * Sentinel frames appended after all traffic (UDP between SENTINEL_SRC_MAC and SENTINEL_DST_MAC,
   * 1 ms apart). They are NOT part of the truth. pmacct's sfprobe loses its last, partly filled
   * datagram when pmacctd exits at pcap EOF; trailing sentinels make sure only sentinels are lost.
   */
  trailerFrames?: number;
}

export const SENTINEL_SRC_MAC = 0x02000000fff1;
export const SENTINEL_DST_MAC = 0x02000000fff2;

export interface PacketTruth {
  /** Timestamp in µs since epoch (as written to the pcap). */
  tsUs: number;
  srcMac: number;
  dstMac: number;
  /** 0 when untagged. */
  vlan: number;
  ipVersion: 4 | 6;
  ipProto: number;
  srcAddr: string;
  dstAddr: string;
  srcPort: number;
  dstPort: number;
  tcpFlags: number;
  /** IP total length (IPv4 total length; IPv6 40 + payload length). */
  l3Octets: number;
  /** Octets in the pcap record (no FCS; includes Ethernet padding). */
  caplen: number;
  /** Wire frame octets incl. FCS = caplen + 4. */
  frameOctets: number;
  /** Ethernet padding octets (frame shorter than 64 octets). */
  padOctets: number;
  /** Index of the conversation (TCP: both directions share it). */
  conversation: number;
}

export interface Totals {
  packets: number;
  /** Wire frame octets incl. FCS (caplen + 4). */
  frameOctets: number;
  /** IP octets. */
  l3Octets: number;
  /** Packets that carried an 802.1Q tag. */
  taggedPackets: number;
  /** Sum of Ethernet padding octets. */
  padOctets: number;
  /** Sum of frameOctets² (for sampling-error bounds). */
  frameOctetsSq: number;
  l3OctetsSq: number;
}

export interface TrafficTruth {
  packets: PacketTruth[];
  totals: Totals;
  /** Key `macPairKey(src,dst)`. */
  byMacPair: Map<string, Totals>;
  /** Key `macPairVlanKey(src,dst,vlan)`. */
  byMacPairVlan: Map<string, Totals>;
  memberMacs: number[];
}

export const MEMBER_MAC_BASE = 0x020000000000;

export function memberMac(i: number): number {
  return MEMBER_MAC_BASE + i;
}

export function macPairKey(src: number, dst: number): string {
  return `${src.toString(16).padStart(12, '0')}>${dst.toString(16).padStart(12, '0')}`;
}

export function macPairVlanKey(src: number, dst: number, vlan: number): string {
  return `${macPairKey(src, dst)}@${vlan}`;
}

export function emptyTotals(): Totals {
  return { packets: 0, frameOctets: 0, l3Octets: 0, taggedPackets: 0, padOctets: 0, frameOctetsSq: 0, l3OctetsSq: 0 };
}

export function addPacket(t: Totals, p: PacketTruth): void {
  t.packets += 1;
  t.frameOctets += p.frameOctets;
  t.l3Octets += p.l3Octets;
  if (p.vlan !== 0) t.taggedPackets += 1;
  t.padOctets += p.padOctets;
  t.frameOctetsSq += p.frameOctets * p.frameOctets;
  t.l3OctetsSq += p.l3Octets * p.l3Octets;
}

/** Ground truth over any subset of packets, grouped by any key. */
export function summarize(packets: Iterable<PacketTruth>, key: (p: PacketTruth) => string): Map<string, Totals> {
  const m = new Map<string, Totals>();
  for (const p of packets) {
    const k = key(p);
    let t = m.get(k);
    if (!t) {
      t = emptyTotals();
      m.set(k, t);
    }
    addPacket(t, p);
  }
  return m;
}

export function total(packets: Iterable<PacketTruth>): Totals {
  const t = emptyTotals();
  for (const p of packets) addPacket(t, p);
  return t;
}

export { prng };

const TCP_FIN = 0x01;
const TCP_SYN = 0x02;
const TCP_PSH = 0x08;
const TCP_ACK = 0x10;

interface Endpoint {
  mac: number;
  v4: number[];
  v6: number[];
  port: number;
}

export function writeMac(b: Buffer, off: number, mac: number): void {
  const hi = Math.floor(mac / 2 ** 32);
  b.writeUInt16BE(hi, off);
  b.writeUInt32BE(mac >>> 0, off + 2);
}

export function onesSum(b: Buffer, start: number, end: number, init = 0): number {
  let s = init;
  for (let i = start; i + 1 < end; i += 2) s += (b[i]! << 8) | b[i + 1]!;
  if ((end - start) & 1) s += b[end - 1]! << 8;
  return s;
}

export function fold(s: number): number {
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 65536);
  return s;
}

function ipText(v: number[], ver: 4 | 6): string {
  if (ver === 4) return v.join('.');
  const g: string[] = [];
  for (let i = 0; i < 16; i += 2) g.push(((v[i]! << 8) | v[i + 1]!).toString(16));
  // our v6 addresses are 2001:db8:M:C::H — compress the run of zero groups 4..6
  return `${g.slice(0, 4).join(':')}::${g[7]}`;
}

/** Build one frame (without FCS) and its truth. */
function buildFrame(
  src: Endpoint,
  dst: Endpoint,
  vlan: number,
  ver: 4 | 6,
  proto: 6 | 17,
  tcpFlags: number,
  payloadLen: number,
  seqNo: number,
  rnd: () => number,
): { frame: Buffer; l3: number; pad: number } {
  const l4h = proto === 6 ? 20 : 8;
  const iph = ver === 4 ? 20 : 40;
  const l3 = iph + l4h + payloadLen;
  const l2 = vlan ? 18 : 14;
  const raw = l2 + l3;
  const caplen = Math.max(60, raw);
  const f = Buffer.alloc(caplen);
  writeMac(f, 0, dst.mac);
  writeMac(f, 6, src.mac);
  let p = 12;
  if (vlan) {
    f.writeUInt16BE(0x8100, 12);
    f.writeUInt16BE(vlan & 0x0fff, 14);
    p = 16;
  }
  f.writeUInt16BE(ver === 4 ? 0x0800 : 0x86dd, p);
  p += 2;
  const ip = p;
  if (ver === 4) {
    f[ip] = 0x45;
    f[ip + 1] = 0; // tos
    f.writeUInt16BE(l3, ip + 2);
    f.writeUInt16BE(seqNo & 0xffff, ip + 4);
    f.writeUInt16BE(0x4000, ip + 6); // DF
    f[ip + 8] = 64;
    f[ip + 9] = proto;
    for (let i = 0; i < 4; i++) {
      f[ip + 12 + i] = src.v4[i]!;
      f[ip + 16 + i] = dst.v4[i]!;
    }
    f.writeUInt16BE(~fold(onesSum(f, ip, ip + 20)) & 0xffff, ip + 10);
  } else {
    f.writeUInt32BE(0x60000000, ip);
    f.writeUInt16BE(l3 - 40, ip + 4);
    f[ip + 6] = proto;
    f[ip + 7] = 64;
    for (let i = 0; i < 16; i++) {
      f[ip + 8 + i] = src.v6[i]!;
      f[ip + 24 + i] = dst.v6[i]!;
    }
  }
  const l4 = ip + iph;
  f.writeUInt16BE(src.port, l4);
  f.writeUInt16BE(dst.port, l4 + 2);
  if (proto === 6) {
    f.writeUInt32BE(seqNo >>> 0, l4 + 4);
    f.writeUInt32BE(tcpFlags & TCP_ACK ? 1 : 0, l4 + 8);
    f[l4 + 12] = 0x50;
    f[l4 + 13] = tcpFlags;
    f.writeUInt16BE(65535, l4 + 14);
  } else {
    f.writeUInt16BE(8 + payloadLen, l4 + 4);
  }
  // Random payload; first octet 0 so tshark's heuristic dissectors (RTP/RTCP) leave it alone.
  for (let i = 1; i < payloadLen; i++) f[l4 + l4h + i] = (rnd() * 256) | 0;
  // L4 checksum with pseudo-header
  const l4len = l4h + payloadLen;
  let s = 0;
  if (ver === 4) s = onesSum(f, ip + 12, ip + 20);
  else s = onesSum(f, ip + 8, ip + 40);
  s += proto + l4len;
  s = fold(onesSum(f, l4, l4 + l4len, s));
  let ck = ~s & 0xffff;
  if (proto === 17 && ck === 0) ck = 0xffff;
  f.writeUInt16BE(ck, l4 + (proto === 6 ? 16 : 6));
  return { frame: f, l3, pad: caplen - raw };
}

export interface GeneratedTraffic extends TrafficTruth {
  /** Trailer sentinel frames (not in `packets`/totals). */
  sentinels: PacketTruth[];
  /** The pcap file bytes. */
  pcap: Buffer;
}

export function generateTraffic(opts: TrafficOptions = {}): GeneratedTraffic {
  const o = {
    seed: 1,
    members: 8,
    conversations: 60,
    minPackets: 5,
    maxPackets: 120,
    vlanFraction: 0.3,
    vlan: 100,
    ipv6Fraction: 0.3,
    udpFraction: 0.35,
    startMs: Date.UTC(2026, 0, 15, 8, 0, 0),
    spanMs: 60_000,
    ...opts,
  };
  if (o.members < 2) throw new Error('need at least 2 members');
  const rnd = prng(o.seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const memberMacs = Array.from({ length: o.members }, (_, i) => memberMac(i + 1));

  // Payload size of a data segment so that the frame size (incl. FCS) lands in 64..1518.
  const frameSizePick = (): number => {
    const r = rnd();
    if (r < 0.25) return 64;
    if (r < 0.5) return 1518;
    if (r < 0.6) return 594;
    return int(64, 1518);
  };

  interface Pending {
    tsUs: number;
    order: number;
    frame: Buffer;
    truth: PacketTruth;
  }
  const pending: Pending[] = [];
  const startUs = o.startMs * 1000;
  const spanUs = o.spanMs * 1000;
  let order = 0;

  for (let c = 0; c < o.conversations; c++) {
    const a = int(1, o.members);
    let b = int(1, o.members - 1);
    if (b >= a) b += 1;
    const ver: 4 | 6 = rnd() < o.ipv6Fraction ? 6 : 4;
    const proto: 6 | 17 = rnd() < o.udpFraction ? 17 : 6;
    const vlan = rnd() < o.vlanFraction ? o.vlan : 0;
    const hostA = int(1, 250);
    const hostB = int(1, 250);
    const A: Endpoint = {
      mac: memberMac(a),
      v4: [10, a, (c >> 8) & 0xff, hostA],
      v6: [0x20, 0x01, 0x0d, 0xb8, 0, a, (c >> 8) & 0xff, c & 0xff, 0, 0, 0, 0, 0, 0, 0, hostA],
      port: int(1024, 65000),
    };
    const B: Endpoint = {
      mac: memberMac(b),
      v4: [10, b, (c >> 8) & 0xff, hostB],
      v6: [0x20, 0x01, 0x0d, 0xb8, 0, b, (c >> 8) & 0xff, c & 0xff, 0, 0, 0, 0, 0, 0, 0, hostB],
      // Ports without tshark dissectors, so random payloads are not reported as malformed.
      port: proto === 6 ? [5201, 10000, 20000, 33000][int(0, 3)]! : [9000, 9002, 40000, 50000][int(0, 3)]!,
    };
    const n = int(o.minPackets, o.maxPackets);
    // Conversation lives in a sub-window of the span.
    const t0 = startUs + Math.floor(rnd() * spanUs * 0.8);
    const t1 = Math.min(startUs + spanUs - 1, t0 + Math.floor(rnd() * spanUs * 0.2) + n);
    const steps: { from: Endpoint; to: Endpoint; flags: number; payload: number }[] = [];
    const iph = ver === 4 ? 20 : 40;
    const l2 = vlan ? 18 : 14;
    const dataPayload = (hdr: number) => Math.max(0, Math.min(1500 - iph - hdr, frameSizePick() - 4 - l2 - iph - hdr));
    if (proto === 6) {
      steps.push({ from: A, to: B, flags: TCP_SYN, payload: 0 });
      steps.push({ from: B, to: A, flags: TCP_SYN | TCP_ACK, payload: 0 });
      steps.push({ from: A, to: B, flags: TCP_ACK, payload: 0 });
      for (let i = 0; i < n; i++) {
        const fromA = rnd() < 0.6;
        const pl = rnd() < 0.2 ? 0 : dataPayload(20);
        steps.push({ from: fromA ? A : B, to: fromA ? B : A, flags: pl ? TCP_ACK | TCP_PSH : TCP_ACK, payload: pl });
      }
      steps.push({ from: A, to: B, flags: TCP_FIN | TCP_ACK, payload: 0 });
      steps.push({ from: B, to: A, flags: TCP_FIN | TCP_ACK, payload: 0 });
      steps.push({ from: A, to: B, flags: TCP_ACK, payload: 0 });
    } else {
      for (let i = 0; i < n; i++) steps.push({ from: A, to: B, flags: 0, payload: Math.max(0, dataPayload(8)) });
    }
    // Increasing timestamps inside [t0, t1]
    const dt = Math.max(1, Math.floor((t1 - t0) / steps.length));
    let seq = int(0, 1 << 30);
    steps.forEach((s, i) => {
      const ts = t0 + i * dt + Math.floor(rnd() * dt);
      const { frame, l3, pad } = buildFrame(s.from, s.to, vlan, ver, proto, s.flags, s.payload, seq, rnd);
      seq = (seq + s.payload + 1) >>> 0;
      pending.push({
        tsUs: ts,
        order: order++,
        frame,
        truth: {
          tsUs: ts,
          srcMac: s.from.mac,
          dstMac: s.to.mac,
          vlan,
          ipVersion: ver,
          ipProto: proto,
          srcAddr: ipText(ver === 4 ? s.from.v4 : s.from.v6, ver),
          dstAddr: ipText(ver === 4 ? s.to.v4 : s.to.v6, ver),
          srcPort: s.from.port,
          dstPort: s.to.port,
          tcpFlags: s.flags,
          l3Octets: l3,
          caplen: frame.length,
          frameOctets: frame.length + 4,
          padOctets: pad,
          conversation: c,
        },
      });
    });
  }
  pending.sort((x, y) => x.tsUs - y.tsUs || x.order - y.order);
  const trailer: Pending[] = [];
  if (o.trailerFrames && o.trailerFrames > 0) {
    const S: Endpoint = { mac: SENTINEL_SRC_MAC, v4: [10, 255, 255, 1], v6: new Array<number>(16).fill(0), port: 9999 };
    const D: Endpoint = { mac: SENTINEL_DST_MAC, v4: [10, 255, 255, 2], v6: new Array<number>(16).fill(0), port: 9998 };
    const lastTs = pending.length ? pending[pending.length - 1]!.tsUs : startUs;
    for (let i = 0; i < o.trailerFrames; i++) {
      const { frame, l3, pad } = buildFrame(S, D, 0, 4, 17, 0, 100, i, rnd);
      const ts = lastTs + (i + 1) * 1000;
      trailer.push({
        tsUs: ts,
        order: order++,
        frame,
        truth: {
          tsUs: ts,
          srcMac: S.mac,
          dstMac: D.mac,
          vlan: 0,
          ipVersion: 4,
          ipProto: 17,
          srcAddr: '10.255.255.1',
          dstAddr: '10.255.255.2',
          srcPort: 9999,
          dstPort: 9998,
          tcpFlags: 0,
          l3Octets: l3,
          caplen: frame.length,
          frameOctets: frame.length + 4,
          padOctets: pad,
          conversation: -1,
        },
      });
    }
  }

  const packets = pending.map((p) => p.truth);
  return {
    sentinels: trailer.map((p) => p.truth),
    pcap: pcapOf([...pending, ...trailer]),
    packets,
    totals: total(packets),
    byMacPair: summarize(packets, (p) => macPairKey(p.srcMac, p.dstMac)),
    byMacPairVlan: summarize(packets, (p) => macPairVlanKey(p.srcMac, p.dstMac, p.vlan)),
    memberMacs,
  };
}

/** Generate and write the pcap; returns the truth. */
export function writeTrafficPcap(path: string, opts: TrafficOptions = {}): GeneratedTraffic {
  const g = generateTraffic(opts);
  writeFileSync(path, g.pcap);
  return g;
}

export interface PcapFrame {
  tsUs: number;
  frame: Buffer;
}

/** The one classic-pcap writer of the tests: little-endian, µs timestamps, link type 1 (Ethernet), no FCS in the records. */
export function pcapOf(frames: PcapFrame[], snaplen = 65535): Buffer {
  const parts: Buffer[] = [];
  const gh = Buffer.alloc(24);
  gh.writeUInt32LE(0xa1b2c3d4, 0);
  gh.writeUInt16LE(2, 4);
  gh.writeUInt16LE(4, 6);
  gh.writeUInt32LE(snaplen, 16);
  gh.writeUInt32LE(1, 20);
  parts.push(gh);
  for (const p of frames) {
    const rh = Buffer.alloc(16);
    rh.writeUInt32LE(Math.floor(p.tsUs / 1e6), 0);
    rh.writeUInt32LE(p.tsUs % 1e6, 4);
    rh.writeUInt32LE(p.frame.length, 8);
    rh.writeUInt32LE(p.frame.length, 12);
    parts.push(rh, p.frame);
  }
  return Buffer.concat(parts);
}

/** Minimal classic-pcap writer for UDP datagrams (Ethernet/IPv4/UDP wrapper), e.g. to hand captured export datagrams to tshark. */
export function udpDatagramsToPcap(
  dgrams: { tsMs: number; srcAddr: string; srcPort: number; dstAddr: string; dstPort: number; payload: Uint8Array }[],
): Buffer {
  const frames: PcapFrame[] = [];
  let id = 0;
  for (const d of dgrams) {
    const udpLen = 8 + d.payload.length;
    const ipLen = 20 + udpLen;
    const f = Buffer.alloc(14 + ipLen);
    writeMac(f, 0, 0x020000000fe1);
    writeMac(f, 6, 0x020000000fe2);
    f.writeUInt16BE(0x0800, 12);
    f[14] = 0x45;
    f.writeUInt16BE(ipLen, 16);
    f.writeUInt16BE(id++ & 0xffff, 18);
    f[22] = 64;
    f[23] = 17;
    const sa = d.srcAddr.split('.').map(Number);
    const da = d.dstAddr.split('.').map(Number);
    for (let i = 0; i < 4; i++) {
      f[26 + i] = sa[i] ?? 0;
      f[30 + i] = da[i] ?? 0;
    }
    f.writeUInt16BE(~fold(onesSum(f, 14, 34)) & 0xffff, 24);
    f.writeUInt16BE(d.srcPort, 34);
    f.writeUInt16BE(d.dstPort, 36);
    f.writeUInt16BE(udpLen, 38);
    Buffer.from(d.payload).copy(f, 42);
    frames.push({ tsUs: Math.floor(d.tsMs * 1000), frame: f });
  }
  return pcapOf(frames, 262144);
}

/**
 * Write records [from, to) of a classic pcap (as produced by generateTraffic) to `path`, with the same
 * global header. Record i is packet i of `packets` (then the sentinels), so the truth of the part is
 * `packets.slice(from, to)`. Used to replay a capture in parts (e.g. before/after a member change).
 */
export function writePcapRecords(path: string, pcap: Buffer, from: number, to: number): void {
  const parts: Buffer[] = [pcap.subarray(0, 24)];
  let off = 24;
  for (let i = 0; off < pcap.length && i < to; i++) {
    const len = pcap.readUInt32LE(off + 8);
    if (i >= from) parts.push(pcap.subarray(off, off + 16 + len));
    off += 16 + len;
  }
  writeFileSync(path, Buffer.concat(parts));
}
