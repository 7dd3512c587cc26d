/**
 * Attack frames on an IXP peering LAN, written as classic libpcap (link type 1, µs), for the exporter-driven
 * security tests (tests/exporters/live-attacks.test.ts). Two pcaps, kept apart on purpose:
 *
 * - `generateBackground`: normal member traffic from traffic-pcap's `generateTraffic` (same seeded
 *   conversations, untagged), with the addresses moved out of bogon space — traffic-pcap uses 10.0.0.0/8
 *   and 2001:db8::/32, both bogon *sources*, which would (rightly) raise IP_BOGON_SOURCE: 10.a.b.c becomes
 *   (70+variant).a.b.c and 2001:db8:… becomes 2a0e:db8+variant:… (IP and L4 checksums recomputed). Its trailer frames are
 *   sent between two member MACs (traffic-pcap's sentinels use MACs no member owns, which sFlow would
 *   report as L2_UNKNOWN_SRC_MAC).
 * - `generateAttacks`: attacks from one member's router MAC toward another member's, with ground truth:
 *   UDP amplification (source ports 123/53/11211 from many reflectors to one /32), a SYN flood (spoofed
 *   public sources, random source ports), IPv4 fragments (first fragments with the UDP header, non-first
 *   fragments without), a TCP SYN port scan (one scanner, one host; each probe sent `portScanTries` times,
 *   i.e. with the SYN retransmissions a connect() scan of filtered ports produces), a TCP SYN address scan
 *   (one scanner, one port), bogon sources (10.0.0.0/8 and 192.168.0.0/16), and L2 hygiene frames for sFlow
 *   (LLDP, STP BPDU in 802.3/LLC — both non-IP —, OSPF hellos to 224.0.0.5 — IP-borne link-local —, and IP
 *   frames from a MAC no member owns).
 *
 * `variant` (0..9) shifts every address and the L2 MACs so that several exporters can be driven at once
 * against one service without their alert targets colliding.
 *
 * Both pcaps end with `trailerFrames` harmless TCP ACK frames between member MACs (4 per address pair, so
 * no destination gets many): pmacct's sfprobe drops its last, partly filled datagram at EOF, and this
 * trailer makes sure that only trailer samples are lost. No trailer frame is a scan probe (ACK, no SYN),
 * a bogon, an amplification port or a fragment.
 */
import { writeFileSync } from 'node:fs';
import {
  fold,
  generateTraffic,
  memberMac,
  onesSum,
  pcapOf,
  prng,
  writeMac,
  type PacketTruth,
  type PcapFrame,
  type TrafficOptions,
} from './traffic-pcap.js';

const TCP_SYN = 0x02;
const TCP_PSH = 0x08;
const TCP_ACK = 0x10;

export const LLDP_MAC = 0x0180c200000e;
export const STP_MAC = 0x0180c2000000;
export const OSPF_ALL_ROUTERS_MAC = 0x01005e000005;
/** MAC that no member owns (one per variant). */
export const strangerMac = (variant: number): number => 0x02000000ee00 + variant;

// ---------------------------------------------------------------------------------------------
// frame building

function v4(addr: string): number[] {
  const p = addr.split('.').map(Number);
  if (p.length !== 4 || p.some((x) => !(x >= 0 && x <= 255))) throw new Error(`bad IPv4 ${addr}`);
  return p;
}

/** Recompute the IPv4 header checksum and the TCP/UDP checksum (IPv4 or IPv6) of an Ethernet frame in place. */
export function fixChecksums(f: Buffer): void {
  let p = 12;
  let et = f.readUInt16BE(p);
  while (et === 0x8100 && p + 6 <= f.length) {
    p += 4;
    et = f.readUInt16BE(p);
  }
  const ip = p + 2;
  let proto: number;
  let l4: number;
  let l4len: number;
  let s: number;
  if (et === 0x0800) {
    const ihl = (f[ip]! & 0x0f) * 4;
    f.writeUInt16BE(0, ip + 10);
    f.writeUInt16BE(~fold(onesSum(f, ip, ip + ihl)) & 0xffff, ip + 10);
    if ((f.readUInt16BE(ip + 6) & 0x3fff) !== 0) return; // fragment: the L4 checksum covers the whole datagram
    proto = f[ip + 9]!;
    l4 = ip + ihl;
    l4len = f.readUInt16BE(ip + 2) - ihl;
    s = onesSum(f, ip + 12, ip + 20);
  } else if (et === 0x86dd) {
    proto = f[ip + 6]!;
    l4 = ip + 40;
    l4len = f.readUInt16BE(ip + 4);
    s = onesSum(f, ip + 8, ip + 40);
  } else return;
  if (proto !== 6 && proto !== 17) return;
  const ckOff = l4 + (proto === 6 ? 16 : 6);
  f.writeUInt16BE(0, ckOff);
  s = fold(onesSum(f, l4, l4 + l4len, s + proto + l4len));
  let ck = ~s & 0xffff;
  if (proto === 17 && ck === 0) ck = 0xffff;
  f.writeUInt16BE(ck, ckOff);
}

export interface V4Spec {
  srcMac: number;
  dstMac: number;
  src: string;
  dst: string;
  /** 6/17 get a TCP/UDP header; any other protocol carries `payload` octets right after the IP header. */
  proto: number;
  srcPort?: number;
  dstPort?: number;
  tcpFlags?: number;
  payload?: number;
  ipId?: number;
  /** Fragment offset in 8-octet units (non-first fragment: no L4 header is written). */
  fragOffset?: number;
  /** More-fragments flag. */
  mf?: boolean;
  /** For a non-first fragment: octets of IP payload it carries. */
  fragPayload?: number;
}

/** One untagged Ethernet/IPv4 frame (no FCS), padded to 60 octets. A multicast destination address gets its 01:00:5e MAC only if `dstMac` says so. */
export function ipv4Frame(s: V4Spec): Buffer {
  const frag = (s.fragOffset ?? 0) > 0;
  const l4h = frag ? 0 : s.proto === 6 ? 20 : s.proto === 17 ? 8 : 0;
  const pl = frag ? (s.fragPayload ?? 100) : (s.payload ?? 0);
  const l3 = 20 + l4h + pl;
  const f = Buffer.alloc(Math.max(60, 14 + l3));
  writeMac(f, 0, s.dstMac);
  writeMac(f, 6, s.srcMac);
  f.writeUInt16BE(0x0800, 12);
  const ip = 14;
  f[ip] = 0x45;
  f.writeUInt16BE(l3, ip + 2);
  f.writeUInt16BE((s.ipId ?? 0) & 0xffff, ip + 4);
  const fragField = (s.mf ? 0x2000 : 0) | ((s.fragOffset ?? 0) & 0x1fff) || (s.mf === undefined && !frag ? 0x4000 : 0);
  f.writeUInt16BE(fragField, ip + 6);
  f[ip + 8] = 64;
  f[ip + 9] = s.proto;
  const a = v4(s.src);
  const b = v4(s.dst);
  for (let i = 0; i < 4; i++) {
    f[ip + 12 + i] = a[i]!;
    f[ip + 16 + i] = b[i]!;
  }
  const l4 = ip + 20;
  if (!frag && l4h > 0) {
    f.writeUInt16BE(s.srcPort ?? 0, l4);
    f.writeUInt16BE(s.dstPort ?? 0, l4 + 2);
    if (s.proto === 6) {
      f.writeUInt32BE(((s.ipId ?? 0) * 7919) >>> 0, l4 + 4);
      f.writeUInt32BE((s.tcpFlags ?? 0) & TCP_ACK ? 1 : 0, l4 + 8);
      f[l4 + 12] = 0x50;
      f[l4 + 13] = s.tcpFlags ?? 0;
      f.writeUInt16BE(65535, l4 + 14);
    } else {
      // A first fragment's UDP length is the whole datagram's.
      f.writeUInt16BE(s.mf ? 8 + pl + (s.fragPayload ?? 0) : 8 + pl, l4 + 4);
    }
  }
  // Payload: a fixed pattern (first octet 0 keeps tshark's heuristic dissectors quiet).
  for (let i = 1; i < pl; i++) f[l4 + l4h + i] = (i * 31) & 0xff;
  fixChecksums(f);
  return f;
}

/** LLDP frame (ethertype 0x88cc to 01:80:c2:00:00:0e): chassis id, port id, TTL, end TLVs. */
export function lldpFrame(srcMac: number): Buffer {
  const f = Buffer.alloc(60);
  writeMac(f, 0, LLDP_MAC);
  writeMac(f, 6, srcMac);
  f.writeUInt16BE(0x88cc, 12);
  let p = 14;
  f.writeUInt16BE((1 << 9) | 7, p);
  f[p + 2] = 4;
  writeMac(f, p + 3, srcMac);
  p += 9; // chassis id (MAC)
  f.writeUInt16BE((2 << 9) | 4, p);
  f[p + 2] = 7;
  f.write('et1', p + 3, 'latin1');
  p += 6; // port id (local)
  f.writeUInt16BE((3 << 9) | 2, p);
  f.writeUInt16BE(120, p + 2);
  p += 4; // TTL
  f.writeUInt16BE(0, p); // end
  return f;
}

/** IEEE 802.1D configuration BPDU: 802.3 length field + LLC 42/42/03, to 01:80:c2:00:00:00. */
export function stpFrame(srcMac: number): Buffer {
  const f = Buffer.alloc(60);
  writeMac(f, 0, STP_MAC);
  writeMac(f, 6, srcMac);
  f.writeUInt16BE(3 + 35, 12); // 802.3 length: LLC (3) + BPDU (35)
  f[14] = 0x42;
  f[15] = 0x42;
  f[16] = 0x03;
  const b = 17; // BPDU: protocol 0, version 0, type 0 (config), flags, root id, cost, bridge id, port, timers
  f[b + 4] = 0;
  f.writeUInt16BE(0x8000, b + 5);
  writeMac(f, b + 7, srcMac);
  f.writeUInt32BE(4, b + 13);
  f.writeUInt16BE(0x8000, b + 17);
  writeMac(f, b + 19, srcMac);
  f.writeUInt16BE(0x8001, b + 25);
  f.writeUInt16BE(0, b + 27);
  f.writeUInt16BE(20 * 256, b + 29);
  f.writeUInt16BE(2 * 256, b + 31);
  f.writeUInt16BE(15 * 256, b + 33);
  return f;
}

// ---------------------------------------------------------------------------------------------
// pcap records

/** The frames of a classic little-endian µs pcap (as written by traffic-pcap / pcapOf). */
export function framesOf(pcap: Buffer): PcapFrame[] {
  const out: PcapFrame[] = [];
  let off = 24;
  while (off + 16 <= pcap.length) {
    const len = pcap.readUInt32LE(off + 8);
    out.push({
      tsUs: pcap.readUInt32LE(off) * 1e6 + pcap.readUInt32LE(off + 4),
      frame: Buffer.from(pcap.subarray(off + 16, off + 16 + len)),
    });
    off += 16 + len;
  }
  return out;
}

/** Trailer: `n` TCP ACK frames from member MAC `from` to member MAC `to`, 4 per address pair, 1 ms apart. */
export function trailerFrames(n: number, from: number, to: number, variant: number, startUs: number): PcapFrame[] {
  const out: PcapFrame[] = [];
  for (let i = 0; i < n; i++) {
    const pair = i >> 2;
    out.push({
      tsUs: startUs + i * 1000,
      frame: ipv4Frame({
        srcMac: memberMac(from),
        dstMac: memberMac(to),
        src: `87.${variant}.${(pair >> 8) & 0xff}.${pair & 0xff}`,
        dst: `88.${variant}.${(pair >> 8) & 0xff}.${pair & 0xff}`,
        proto: 6,
        srcPort: 50000 + (pair % 1000),
        dstPort: 443,
        tcpFlags: TCP_ACK,
        payload: 40,
        ipId: i,
      }),
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// background

export interface Background {
  pcap: Buffer;
  /** Truth of the conversations (addresses as rewritten), trailer excluded. */
  packets: PacketTruth[];
  trailer: number;
}

/** First IPv4 octet / first two IPv6 groups the background's 10/8 and 2001:db8::/32 move to (per variant). */
export const backgroundV4First = (variant: number): number => 70 + variant;
export const backgroundV6Prefix = (variant: number): number => 0x2a0e0db8 + variant;
const rewriteV4 = (a: string, e: number) => (a.startsWith('10.') ? `${backgroundV4First(e)}.${a.slice(3)}` : a);
const rewriteV6 = (a: string, e: number) => {
  if (!a.startsWith('2001:db8:')) return a;
  const p = backgroundV6Prefix(e);
  return `${(p >>> 16).toString(16)}:${(p & 0xffff).toString(16)}:${a.slice(9)}`;
};

let lastTraffic: { key: string; g: ReturnType<typeof generateTraffic> } | undefined;

/**
 * Member background traffic without bogon addresses (see the header). `members` MACs 1..members, all
 * untagged. The trailer runs from MAC 1 to MAC 2.
 */
export function generateBackground(
  opts: Omit<TrafficOptions, 'trailerFrames' | 'vlanFraction'> & { trailerFrames?: number; variant?: number } = {},
): Background {
  const { trailerFrames: nTrailer = 0, variant = 0, ...rest } = opts;
  // The conversations do not depend on the variant: generate once per option set (the frames are copied below).
  const key = JSON.stringify(rest);
  let g = lastTraffic?.key === key ? lastTraffic.g : undefined;
  if (!g) {
    g = generateTraffic({ ...rest, vlanFraction: 0, trailerFrames: 0 });
    lastTraffic = { key, g };
  }
  const frames = framesOf(g.pcap);
  for (const { frame: f } of frames) {
    const et = f.readUInt16BE(12);
    if (et === 0x0800) {
      if (f[14 + 12] === 10) f[14 + 12] = backgroundV4First(variant);
      if (f[14 + 16] === 10) f[14 + 16] = backgroundV4First(variant);
    } else if (et === 0x86dd) {
      for (const o of [14 + 8, 14 + 24])
        if (f.readUInt32BE(o) === 0x20010db8) f.writeUInt32BE(backgroundV6Prefix(variant), o);
    }
    fixChecksums(f);
  }
  const packets = g.packets.map((p) => ({
    ...p,
    srcAddr: p.ipVersion === 4 ? rewriteV4(p.srcAddr, variant) : rewriteV6(p.srcAddr, variant),
    dstAddr: p.ipVersion === 4 ? rewriteV4(p.dstAddr, variant) : rewriteV6(p.dstAddr, variant),
  }));
  const last = frames.length ? frames[frames.length - 1]!.tsUs : 0;
  const trailer = trailerFrames(nTrailer, 1, 2, variant, last + 1000);
  return { pcap: pcapOf([...frames, ...trailer]), packets, trailer: nTrailer };
}

// ---------------------------------------------------------------------------------------------
// attacks

export interface AttackOptions {
  seed?: number;
  /** 0..9: shifts addresses and L2 MACs (see the header). */
  variant?: number;
  /** Member MAC index of the attacking router and of the victim's router. */
  attacker?: number;
  victim?: number;
  /** Member MAC indexes that send LLDP frames / STP BPDUs / OSPF hellos (sFlow L2 hygiene). */
  lldpFrom?: number;
  stpFrom?: number;
  ospfFrom?: number;
  amplification?: number;
  synFlood?: number;
  /** Fragments in total: half first fragments (with UDP header), half non-first. */
  fragments?: number;
  /** Distinct TCP ports probed on one host / distinct hosts probed on one port. */
  portScanPorts?: number;
  /** Copies of each port-scan SYN (1 = no retransmission). */
  portScanTries?: number;
  addressScanHosts?: number;
  /** Frames with a bogon source, split between 10.0.0.0/8 and 192.168.0.0/16. */
  bogons?: number;
  /** Copies of each L2 hygiene frame (LLDP, STP, OSPF) and IP frames from the stranger MAC. */
  l2Frames?: number;
  trailerFrames?: number;
  startMs?: number;
  spanMs?: number;
}

export const AMPLIFICATION_SOURCE_PORTS = [123, 53, 11211] as const;

export interface AttackTruth {
  variant: number;
  attackerMac: number;
  victimMac: number;
  /** Victim /32s. */
  ampVictim: string;
  synVictim: string;
  fragVictim: string;
  portScanner: string;
  portScanHost: string;
  addressScanner: string;
  addressScanPort: number;
  bogonSources: string[];
  bogonDestinations: string[];
  lldpMac: number;
  stpMac: number;
  ospfMac: number;
  stranger: number;
  strangerDst: string;
  /** Frames per attack (as written). */
  counts: {
    amplification: number;
    synFlood: number;
    fragments: number;
    portScan: number;
    portScanTries: number;
    addressScan: number;
    bogons: number;
    lldp: number;
    stp: number;
    ospf: number;
    stranger: number;
    trailer: number;
  };
  /** Scaled-packet truth per destination IP (all IP frames of the attack pcap, trailer excluded). */
  perDst: Map<
    string,
    { packets: number; syn: number; udp: number; tcp: number; frags: number; ampPort: number; frameOctets: number }
  >;
}

export interface Attacks {
  pcap: Buffer;
  truth: AttackTruth;
}

export function generateAttacks(o: AttackOptions = {}): Attacks {
  const e = o.variant ?? 0;
  if (e < 0 || e > 9) throw new Error('variant 0..9');
  const rnd = prng(o.seed ?? 7);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const A = memberMac(o.attacker ?? 1);
  const V = memberMac(o.victim ?? 2);
  const startUs = (o.startMs ?? Date.UTC(2026, 0, 15, 9, 0, 0)) * 1000;
  const spanUs = (o.spanMs ?? 2000) * 1000;
  const n = {
    amplification: o.amplification ?? 2000,
    synFlood: o.synFlood ?? 1000,
    fragments: o.fragments ?? 500,
    portScan: o.portScanPorts ?? 45,
    portScanTries: o.portScanTries ?? 3,
    addressScan: o.addressScanHosts ?? 200,
    bogons: o.bogons ?? 120,
    lldp: o.l2Frames ?? 80,
    stp: o.l2Frames ?? 80,
    ospf: o.l2Frames ?? 80,
    stranger: o.l2Frames ?? 80,
    trailer: o.trailerFrames ?? 0,
  };
  const truth: AttackTruth = {
    variant: e,
    attackerMac: A,
    victimMac: V,
    ampVictim: `81.${e}.1.10`,
    synVictim: `81.${e}.2.10`,
    fragVictim: `81.${e}.3.10`,
    portScanner: `82.${e}.0.1`,
    portScanHost: `81.${e}.4.10`,
    addressScanner: `82.${e}.0.2`,
    addressScanPort: 23,
    bogonSources: [],
    bogonDestinations: Array.from({ length: 8 }, (_, i) => `81.${e}.6.${i + 1}`),
    lldpMac: memberMac(o.lldpFrom ?? 3),
    stpMac: memberMac(o.stpFrom ?? 4),
    ospfMac: memberMac(o.ospfFrom ?? 5),
    stranger: strangerMac(e),
    strangerDst: `81.${e}.7.10`,
    counts: n,
    perDst: new Map(),
  };
  const frames: Array<PcapFrame & { order: number }> = [];
  let order = 0;
  const at = () => startUs + Math.floor(rnd() * spanUs);
  const push = (frame: Buffer) => frames.push({ tsUs: at(), frame, order: order++ });
  const count = (s: V4Spec, frame: Buffer) => {
    let d = truth.perDst.get(s.dst);
    if (!d) truth.perDst.set(s.dst, (d = { packets: 0, syn: 0, udp: 0, tcp: 0, frags: 0, ampPort: 0, frameOctets: 0 }));
    const nonFirst = (s.fragOffset ?? 0) > 0;
    d.packets += 1;
    d.frameOctets += frame.length + 4;
    if (s.proto === 6) d.tcp += 1;
    else d.udp += 1;
    if (s.proto === 6 && ((s.tcpFlags ?? 0) & (TCP_SYN | TCP_ACK)) === TCP_SYN) d.syn += 1;
    if (nonFirst || s.mf) d.frags += 1;
    // Non-first fragments carry no ports: port 0 is on the default amplification list.
    if (s.proto === 17 && (nonFirst || AMPLIFICATION_SOURCE_PORTS.includes((s.srcPort ?? 0) as 123))) d.ampPort += 1;
  };
  const ip = (s: V4Spec) => {
    const f = ipv4Frame(s);
    count(s, f);
    push(f);
  };

  // UDP amplification: 50 reflectors, each from one amplification port, toward the victim's port 4444.
  for (let i = 0; i < n.amplification; i++) {
    const r = i % 50;
    ip({
      srcMac: A,
      dstMac: V,
      src: `83.${e}.0.${r + 1}`,
      dst: truth.ampVictim,
      proto: 17,
      srcPort: AMPLIFICATION_SOURCE_PORTS[r % 3]!,
      dstPort: 4444,
      payload: 440,
      ipId: i,
    });
  }
  // SYN flood: spoofed public sources, random source ports, toward port 80.
  for (let i = 0; i < n.synFlood; i++) {
    ip({
      srcMac: A,
      dstMac: V,
      src: `84.${e}.${int(0, 255)}.${int(1, 254)}`,
      dst: truth.synVictim,
      proto: 6,
      srcPort: int(1024, 65535),
      dstPort: 80,
      tcpFlags: TCP_SYN,
      ipId: i,
    });
  }
  // Fragments: UDP datagrams of 1480 + 100 octets, from 10 sources; first (offset 0, MF) and second (offset 185).
  for (let i = 0; i < n.fragments; i++) {
    const src = `85.${e}.0.${((i >> 1) % 10) + 1}`;
    const id = 0x4000 + (i >> 1);
    if ((i & 1) === 0)
      ip({
        srcMac: A,
        dstMac: V,
        src,
        dst: truth.fragVictim,
        proto: 17,
        srcPort: 40000 + ((i >> 1) % 10),
        dstPort: 9000,
        payload: 1472,
        mf: true,
        fragPayload: 100,
        ipId: id,
      });
    else
      ip({ srcMac: A, dstMac: V, src, dst: truth.fragVictim, proto: 17, fragOffset: 185, fragPayload: 100, ipId: id });
  }
  // Port scan: SYNs to ports 1..N (ascending like nmap -r) of one host, each sent `portScanTries` times.
  for (let k = 0; k < n.portScanTries; k++) {
    for (let i = 0; i < n.portScan; i++) {
      ip({
        srcMac: A,
        dstMac: V,
        src: truth.portScanner,
        dst: truth.portScanHost,
        proto: 6,
        srcPort: 45000,
        dstPort: 1 + i,
        tcpFlags: TCP_SYN,
        ipId: k * n.portScan + i,
      });
    }
  }
  // Address scan: one SYN to port 23 on each host of 81.e.5.0/24 (1..N, N ≤ 254).
  for (let i = 0; i < n.addressScan; i++) {
    ip({
      srcMac: A,
      dstMac: V,
      src: truth.addressScanner,
      dst: `81.${e}.5.${1 + (i % 254)}`,
      proto: 6,
      srcPort: 45001,
      dstPort: truth.addressScanPort,
      tcpFlags: TCP_SYN,
      ipId: i,
    });
  }
  // Bogon sources: established-looking TCP (ACK|PSH, not probes) to 8 destinations.
  for (let i = 0; i < n.bogons; i++) {
    const src = i % 2 === 0 ? `10.${e}.${int(0, 255)}.${int(1, 254)}` : `192.168.${e}.${int(1, 254)}`;
    if (truth.bogonSources.length < 16) truth.bogonSources.push(src);
    ip({
      srcMac: A,
      dstMac: V,
      src,
      dst: truth.bogonDestinations[i % 8]!,
      proto: 6,
      srcPort: int(1024, 65535),
      dstPort: 443,
      tcpFlags: TCP_ACK | TCP_PSH,
      payload: 200,
      ipId: i,
    });
  }
  // L2 hygiene (sFlow only): LLDP, STP and OSPF hellos from member routers, IP frames from a MAC nobody owns.
  for (let i = 0; i < n.lldp; i++) push(lldpFrame(truth.lldpMac));
  for (let i = 0; i < n.stp; i++) push(stpFrame(truth.stpMac));
  for (let i = 0; i < n.ospf; i++) {
    // OSPFv2 hello (version 2, type 1, length 44) to AllSPFRouters, from the router's LAN address.
    const f = ipv4Frame({
      srcMac: truth.ospfMac,
      dstMac: OSPF_ALL_ROUTERS_MAC,
      src: `89.${e}.0.${o.ospfFrom ?? 5}`,
      dst: '224.0.0.5',
      proto: 89,
      payload: 44,
      ipId: i,
    });
    f[34] = 2;
    f[35] = 1;
    f.writeUInt16BE(44, 36);
    f[22] = 1; // TTL 1
    fixChecksums(f);
    push(f);
  }
  for (let i = 0; i < n.stranger; i++) {
    ip({
      srcMac: truth.stranger,
      dstMac: V,
      src: `86.${e}.0.1`,
      dst: truth.strangerDst,
      proto: 6,
      srcPort: 33333,
      dstPort: 443,
      tcpFlags: TCP_ACK,
      payload: 100,
      ipId: i,
    });
  }
  frames.sort((x, y) => x.tsUs - y.tsUs || x.order - y.order);
  const trailer = trailerFrames(n.trailer, 1, 2, e, startUs + spanUs + 1000);
  return { pcap: pcapOf([...frames, ...trailer]), truth };
}

export function writeAttackPcap(path: string, o: AttackOptions = {}): AttackTruth {
  const a = generateAttacks(o);
  writeFileSync(path, a.pcap);
  return a.truth;
}

export function writeBackgroundPcap(path: string, o: Parameters<typeof generateBackground>[0] = {}): Background {
  const b = generateBackground(o);
  writeFileSync(path, b.pcap);
  return b;
}
