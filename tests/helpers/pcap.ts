/**
 * Classic libpcap reader (both byte orders, µs and ns timestamps) returning UDP payloads.
 * Link types: Ethernet (1, with 802.1Q/QinQ tags), raw IP (101, 228, 229), Linux cooked (113), null/loopback (0).
 * pcapng is not handled: convert with `editcap -F pcap`.
 */
import { readFileSync } from 'node:fs';

export interface UdpPacket {
  tsMs: number;
  srcAddr: string;
  srcPort: number;
  dstAddr: string;
  dstPort: number;
  payload: Buffer;
}

export function readPcapUdp(path: string): UdpPacket[] {
  return parsePcapUdp(readFileSync(path));
}

export function parsePcapUdp(buf: Buffer): UdpPacket[] {
  if (buf.length < 24) throw new Error('pcap: file shorter than the global header');
  const magic = buf.readUInt32LE(0);
  let le: boolean;
  let nano = false;
  if (magic === 0xa1b2c3d4) le = true;
  else if (magic === 0xd4c3b2a1) le = false;
  else if (magic === 0xa1b23c4d) {
    le = true;
    nano = true;
  } else if (magic === 0x4d3cb2a1) {
    le = false;
    nano = true;
  } else throw new Error(`pcap: unknown magic 0x${magic.toString(16)} (pcapng? convert with editcap -F pcap)`);
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const linkType = u32(20) & 0x0fffffff;
  const out: UdpPacket[] = [];
  let off = 24;
  while (off + 16 <= buf.length) {
    const sec = u32(off);
    const frac = u32(off + 4);
    const incl = u32(off + 8);
    const start = off + 16;
    off = start + incl;
    if (off > buf.length) break;
    const frame = buf.subarray(start, start + incl);
    const tsMs = sec * 1000 + (nano ? Math.floor(frac / 1e6) : Math.floor(frac / 1e3));
    const pkt = parseFrame(frame, linkType);
    if (pkt) out.push({ tsMs, ...pkt });
  }
  return out;
}

function parseFrame(f: Buffer, linkType: number): Omit<UdpPacket, 'tsMs'> | null {
  let p = 0;
  let etherType: number;
  if (linkType === 1) {
    if (f.length < 14) return null;
    etherType = f.readUInt16BE(12);
    p = 14;
    while ((etherType === 0x8100 || etherType === 0x88a8 || etherType === 0x9100) && p + 4 <= f.length) {
      etherType = f.readUInt16BE(p + 2);
      p += 4;
    }
  } else if (linkType === 113) {
    if (f.length < 16) return null;
    etherType = f.readUInt16BE(14);
    p = 16;
  } else if (linkType === 0) {
    if (f.length < 4) return null;
    const fam = f.readUInt32LE(0);
    etherType = fam === 2 ? 0x0800 : 0x86dd;
    p = 4;
  } else if (linkType === 101 || linkType === 228 || linkType === 229 || linkType === 12) {
    etherType = f[0]! >> 4 === 6 ? 0x86dd : 0x0800;
  } else {
    return null;
  }
  let src: string;
  let dst: string;
  if (etherType === 0x0800) {
    if (p + 20 > f.length) return null;
    const ihl = (f[p]! & 0x0f) * 4;
    if (f[p + 9] !== 17) return null;
    const fragOff = f.readUInt16BE(p + 6) & 0x1fff;
    if (fragOff !== 0) return null;
    src = `${f[p + 12]}.${f[p + 13]}.${f[p + 14]}.${f[p + 15]}`;
    dst = `${f[p + 16]}.${f[p + 17]}.${f[p + 18]}.${f[p + 19]}`;
    p += ihl;
  } else if (etherType === 0x86dd) {
    if (p + 40 > f.length) return null;
    let next = f[p + 6]!;
    src = ipv6Text(f.subarray(p + 8, p + 24));
    dst = ipv6Text(f.subarray(p + 24, p + 40));
    p += 40;
    while ((next === 0 || next === 43 || next === 60) && p + 8 <= f.length) {
      next = f[p]!;
      p += (f[p + 1]! + 1) * 8;
    }
    if (next !== 17) return null;
  } else {
    return null;
  }
  if (p + 8 > f.length) return null;
  const srcPort = f.readUInt16BE(p);
  const dstPort = f.readUInt16BE(p + 2);
  const udpLen = f.readUInt16BE(p + 4);
  const end = udpLen >= 8 ? Math.min(f.length, p + udpLen) : f.length;
  return { srcAddr: src, srcPort, dstAddr: dst, dstPort, payload: Buffer.from(f.subarray(p + 8, end)) };
}

function ipv6Text(b: Uint8Array): string {
  const parts: string[] = [];
  for (let i = 0; i < 16; i += 2) parts.push(((b[i]! << 8) | b[i + 1]!).toString(16));
  return parts
    .join(':')
    .replace(/(^|:)0(:0)+(:|$)/, '::')
    .replace(/:{3,}/, '::');
}
