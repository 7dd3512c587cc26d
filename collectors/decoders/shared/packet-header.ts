/**
 * Sampled packet header parser (sFlow raw packet header record, IPFIX IE 315 dataLinkFrameSection).
 *
 * Pure and total: never throws, never reads outside [offset, offset+length) of the buffer, and
 * returns whatever it could parse. `ok` is true only when every header it walked into was complete
 * and consistent; `truncated` is true when the bytes ran out before the L2/L3/L4 fields it needed.
 *
 * Layers: Ethernet II / 802.3 (LLC/SNAP flagged), up to 8 VLAN tags (0x8100, 0x88a8, 0x9100; the
 * first two are reported as outer/inner VLAN), MPLS label stack (inner IPv4/IPv6 guessed from the
 * first nibble after the bottom-of-stack label), IPv4 (options skipped, fragments detected), IPv6
 * (extension headers 0/43/44/51/60/135 walked), TCP, UDP, ICMP, ICMPv6, ARP.
 *
 * Stable API: another decoder imports `parseFrameHeader` and `ParsedHeader`; keep name and shape.
 */
import { ipv4Text, ipv6Text, macNumber } from './addr.js';

/** sFlow header_protocol values understood here. */
export const HEADER_PROTOCOL_ETHERNET = 1;
export const HEADER_PROTOCOL_IPV4 = 11;
export const HEADER_PROTOCOL_IPV6 = 12;
export const HEADER_PROTOCOL_MPLS = 13;

export interface ParsedHeader {
  /** Every header walked into was complete and consistent. */
  ok: boolean;
  /** The bytes ended before a header that was needed (fields parsed before that point are kept). */
  truncated: boolean;
  /** Header protocol not supported (nothing parsed). */
  unsupported: boolean;
  dstMac: number;
  srcMac: number;
  /** Outer and inner VLAN id (0 = none). */
  vlan: number;
  innerVlan: number;
  /** 802.1p priority of the outer tag (0 when untagged). */
  vlanPriority: number;
  /** Number of VLAN tags seen. */
  vlanTags: number;
  /**
   * Ethertype after the VLAN tags as seen on the wire (0x8847 for MPLS, 0x0806 ARP, 0x88cc LLDP...);
   * 0 for an 802.3 length-field frame (see `llc`).
   */
  etherType: number;
  /** Ethertype of the innermost payload: equals etherType, except after MPLS (0x0800/0x86dd when guessed). */
  payloadEtherType: number;
  /** 802.3 frame with a length field (< 0x0600): LLC/SNAP, e.g. STP BPDUs. */
  llc: boolean;
  /** LLC DSAP/SSAP octets (when `llc`), e.g. 0x42/0x42 for STP; SNAP frames carry 0xaa/0xaa. */
  llcDsap: number;
  llcSsap: number;
  /** MPLS label stack depth and top label (20 bits). */
  mplsLabels: number;
  mplsTopLabel: number;
  /** Ethernet header length including VLAN tags and MPLS labels: 14 + 4·tags (+4·labels); 0 for raw IP. */
  l2HeaderLength: number;
  ipVersion: 4 | 6 | 0;
  /** IPv4 TOS / IPv6 traffic class. */
  tos: number;
  ttl: number;
  /** IPv4 total length, or IPv6 payload length + 40; 0 when not IP. */
  ipTotalLength: number;
  /** Transport protocol (IPv6: after extension headers). */
  ipProto: number;
  fragment: 0 | 1;
  /** Non-first fragment: no L4 header in this packet. */
  fragmentOffset: number;
  /** IP addresses; for ARP the sender/target protocol addresses. '' when absent. */
  srcAddr: string;
  dstAddr: string;
  srcPort: number;
  /** ICMP/ICMPv6: type*256+code. */
  dstPort: number;
  tcpFlags: number;
  icmpType: number;
  icmpCode: number;
  /** ARP opcode (1 request, 2 reply), 0 when not ARP. */
  arpOpcode: number;
  arpSenderMac: number;
  arpTargetMac: number;
  /** Offsets (absolute, into the buffer) of the L3 and L4 headers; -1 when absent. */
  l3Offset: number;
  l4Offset: number;
}

export function emptyParsedHeader(): ParsedHeader {
  const h = {} as ParsedHeader;
  resetParsedHeader(h);
  return h;
}

/** Reset all fields (used to recycle one object in hot loops). */
export function resetParsedHeader(h: ParsedHeader): void {
  h.ok = false;
  h.truncated = false;
  h.unsupported = false;
  h.dstMac = 0;
  h.srcMac = 0;
  h.vlan = 0;
  h.innerVlan = 0;
  h.vlanPriority = 0;
  h.vlanTags = 0;
  h.etherType = 0;
  h.payloadEtherType = 0;
  h.llc = false;
  h.llcDsap = 0;
  h.llcSsap = 0;
  h.mplsLabels = 0;
  h.mplsTopLabel = 0;
  h.l2HeaderLength = 0;
  h.ipVersion = 0;
  h.tos = 0;
  h.ttl = 0;
  h.ipTotalLength = 0;
  h.ipProto = 0;
  h.fragment = 0;
  h.fragmentOffset = 0;
  h.srcAddr = '';
  h.dstAddr = '';
  h.srcPort = 0;
  h.dstPort = 0;
  h.tcpFlags = 0;
  h.icmpType = 0;
  h.icmpCode = 0;
  h.arpOpcode = 0;
  h.arpSenderMac = 0;
  h.arpTargetMac = 0;
  h.l3Offset = -1;
  h.l4Offset = -1;
}

/** Parse a sampled header. Never throws. */
export function parseFrameHeader(
  bytes: Uint8Array,
  offset: number,
  length: number,
  headerProtocol = HEADER_PROTOCOL_ETHERNET,
): ParsedHeader {
  const h = {} as ParsedHeader;
  resetParsedHeader(h);
  parseFrameHeaderInto(h, bytes, offset, length, headerProtocol);
  return h;
}

const u16 = (b: Uint8Array, o: number): number => (b[o]! << 8) | b[o + 1]!;

/**
 * Same as parseFrameHeader, writing into `h` (which must have been reset) so hot paths allocate
 * nothing but the address strings.
 */
export function parseFrameHeaderInto(
  h: ParsedHeader,
  bytes: Uint8Array,
  offset: number,
  length: number,
  headerProtocol: number,
): void {
  // Clamp the window to the buffer so that no read can go past either end.
  if (!(offset >= 0) || !(length > 0) || offset >= bytes.length) {
    h.truncated = true;
    return;
  }
  const end = Math.min(bytes.length, offset + Math.floor(length));
  const b = bytes;
  switch (headerProtocol) {
    case HEADER_PROTOCOL_ETHERNET:
      parseEthernet(h, b, offset, end);
      return;
    case HEADER_PROTOCOL_IPV4:
      h.etherType = h.payloadEtherType = 0x0800;
      parseIpv4(h, b, offset, end);
      return;
    case HEADER_PROTOCOL_IPV6:
      h.etherType = h.payloadEtherType = 0x86dd;
      parseIpv6(h, b, offset, end);
      return;
    case HEADER_PROTOCOL_MPLS:
      h.etherType = 0x8847;
      parseMpls(h, b, offset, end, offset);
      return;
    default:
      h.unsupported = true;
      return;
  }
}

function parseEthernet(h: ParsedHeader, b: Uint8Array, start: number, end: number): void {
  if (end - start < 14) {
    if (end - start >= 6) h.dstMac = macNumber(b, start);
    if (end - start >= 12) h.srcMac = macNumber(b, start + 6);
    h.truncated = true;
    return;
  }
  h.dstMac = macNumber(b, start);
  h.srcMac = macNumber(b, start + 6);
  let p = start + 12;
  let type = u16(b, p);
  p += 2;
  while (type === 0x8100 || type === 0x88a8 || type === 0x9100) {
    if (p + 4 > end) {
      h.etherType = type;
      h.payloadEtherType = type;
      h.l2HeaderLength = p - start;
      h.truncated = true;
      return;
    }
    const tci = u16(b, p);
    const n = ++h.vlanTags;
    if (n === 1) {
      h.vlan = tci & 0x0fff;
      h.vlanPriority = tci >> 13;
    } else if (n === 2) h.innerVlan = tci & 0x0fff;
    type = u16(b, p + 2);
    p += 4;
    if (n >= 8) break;
  }
  h.l2HeaderLength = p - start;
  if (type < 0x0600) {
    // 802.3 length field: LLC (STP 0x42/0x42) or SNAP (0xaa/0xaa, CDP/VTP/DTP...).
    h.llc = true;
    h.etherType = 0;
    h.payloadEtherType = 0;
    if (p + 2 <= end) {
      h.llcDsap = b[p]!;
      h.llcSsap = b[p + 1]!;
      h.ok = true;
    } else h.truncated = true;
    return;
  }
  h.etherType = type;
  h.payloadEtherType = type;
  switch (type) {
    case 0x0800:
      parseIpv4(h, b, p, end);
      return;
    case 0x86dd:
      parseIpv6(h, b, p, end);
      return;
    case 0x0806:
      parseArp(h, b, p, end);
      return;
    case 0x8847:
    case 0x8848:
      parseMpls(h, b, p, end, start);
      return;
    default:
      h.ok = true;
      return;
  }
}

function parseMpls(h: ParsedHeader, b: Uint8Array, p: number, end: number, l2Start: number): void {
  for (;;) {
    if (p + 4 > end) {
      h.l2HeaderLength = p - l2Start;
      h.truncated = true;
      return;
    }
    const hi = u16(b, p);
    const lo = u16(b, p + 2);
    if (h.mplsLabels === 0) h.mplsTopLabel = (hi << 4) | (lo >> 12);
    h.mplsLabels++;
    p += 4;
    if ((lo & 0x0100) !== 0 || h.mplsLabels >= 16) break;
  }
  h.l2HeaderLength = p - l2Start;
  if (p >= end) {
    h.truncated = true;
    return;
  }
  const nibble = b[p]! >> 4;
  if (nibble === 4) {
    h.payloadEtherType = 0x0800;
    parseIpv4(h, b, p, end);
    return;
  }
  if (nibble === 6) {
    h.payloadEtherType = 0x86dd;
    parseIpv6(h, b, p, end);
    return;
  }
  h.ok = true; // pseudowire / control word: not guessed
}

function parseArp(h: ParsedHeader, b: Uint8Array, p: number, end: number): void {
  if (p + 8 > end) {
    h.truncated = true;
    return;
  }
  h.arpOpcode = u16(b, p + 6);
  const hlen = b[p + 4]!;
  const plen = b[p + 5]!;
  if (u16(b, p) !== 1 || u16(b, p + 2) !== 0x0800 || hlen !== 6 || plen !== 4) {
    h.ok = true;
    return;
  }
  if (p + 28 > end) {
    h.truncated = true;
    return;
  }
  h.l3Offset = p;
  h.arpSenderMac = macNumber(b, p + 8);
  h.srcAddr = ipv4Text(b, p + 14);
  h.arpTargetMac = macNumber(b, p + 18);
  h.dstAddr = ipv4Text(b, p + 24);
  h.ok = true;
}

function parseIpv4(h: ParsedHeader, b: Uint8Array, p: number, end: number): void {
  if (p + 20 > end) {
    h.truncated = true;
    if (p < end && b[p]! >> 4 === 4) h.ipVersion = 4;
    return;
  }
  const vihl = b[p]!;
  if (vihl >> 4 !== 4) return; // not IPv4: malformed (ok stays false)
  const ihl = (vihl & 0x0f) * 4;
  h.ipVersion = 4;
  h.l3Offset = p;
  h.tos = b[p + 1]!;
  h.ipTotalLength = u16(b, p + 2);
  const frag = u16(b, p + 6);
  h.ttl = b[p + 8]!;
  h.ipProto = b[p + 9]!;
  h.srcAddr = ipv4Text(b, p + 12);
  h.dstAddr = ipv4Text(b, p + 16);
  h.fragmentOffset = frag & 0x1fff;
  if ((frag & 0x2000) !== 0 || h.fragmentOffset !== 0) h.fragment = 1;
  if (ihl < 20) return; // malformed
  if (h.fragmentOffset !== 0) {
    h.ok = true;
    return;
  }
  parseL4(h, b, p + ihl, end, h.ipProto);
}

function parseIpv6(h: ParsedHeader, b: Uint8Array, p: number, end: number): void {
  if (p + 40 > end) {
    h.truncated = true;
    if (p < end && b[p]! >> 4 === 6) h.ipVersion = 6;
    return;
  }
  const w = u16(b, p);
  if (w >> 12 !== 6) return;
  h.ipVersion = 6;
  h.l3Offset = p;
  h.tos = (w >> 4) & 0xff;
  h.ipTotalLength = u16(b, p + 4) + 40;
  let next = b[p + 6]!;
  h.ttl = b[p + 7]!;
  h.srcAddr = ipv6Text(b, p + 8);
  h.dstAddr = ipv6Text(b, p + 24);
  let q = p + 40;
  for (let i = 0; i < 16; i++) {
    if (next === 0 || next === 43 || next === 60 || next === 135 || next === 51) {
      if (q + 2 > end) {
        h.ipProto = next;
        h.truncated = true;
        return;
      }
      const nh = b[q]!;
      const len = next === 51 ? (b[q + 1]! + 2) * 4 : (b[q + 1]! + 1) * 8;
      next = nh;
      q += len;
    } else if (next === 44) {
      if (q + 8 > end) {
        h.ipProto = next;
        h.fragment = 1;
        h.truncated = true;
        return;
      }
      const fo = u16(b, q + 2);
      h.fragment = 1;
      h.fragmentOffset = fo >> 3;
      next = b[q]!;
      q += 8;
      if (h.fragmentOffset !== 0) {
        h.ipProto = next;
        h.ok = true;
        return;
      }
    } else break;
  }
  h.ipProto = next;
  parseL4(h, b, q, end, next);
}

function parseL4(h: ParsedHeader, b: Uint8Array, q: number, end: number, proto: number): void {
  switch (proto) {
    case 6: // TCP
      h.l4Offset = q;
      if (q + 4 > end) {
        h.truncated = true;
        return;
      }
      h.srcPort = u16(b, q);
      h.dstPort = u16(b, q + 2);
      if (q + 14 > end) {
        h.truncated = true;
        return;
      }
      h.tcpFlags = b[q + 13]!;
      h.ok = true;
      return;
    case 17:
    case 132:
    case 136: // UDP, SCTP, UDP-Lite: ports first
      h.l4Offset = q;
      if (q + 4 > end) {
        h.truncated = true;
        return;
      }
      h.srcPort = u16(b, q);
      h.dstPort = u16(b, q + 2);
      h.ok = true;
      return;
    case 1:
    case 58: // ICMP, ICMPv6
      h.l4Offset = q;
      if (q + 2 > end) {
        h.truncated = true;
        return;
      }
      h.icmpType = b[q]!;
      h.icmpCode = b[q + 1]!;
      h.dstPort = h.icmpType * 256 + h.icmpCode;
      h.ok = true;
      return;
    default:
      h.ok = true;
  }
}
