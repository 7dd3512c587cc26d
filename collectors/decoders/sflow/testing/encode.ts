/**
 * sFlow v5 encoder for tests, benchmarks and synthetic exporters.
 *
 * Every function returns the XDR bytes of one structure (big-endian, opaque data padded to 4
 * octets), so structures compose by nesting:
 *
 *   const frame = ethernet({ dst: '02:00:00:00:00:02', src: '02:00:00:00:00:01', vlans: [100],
 *     etherType: ETH_IPV4, payload: ipv4({ src: '192.0.2.1', dst: '198.51.100.7', proto: 6,
 *     payload: tcp({ srcPort: 443, dstPort: 51000, flags: 0x18, payloadLength: 1200 }) }) });
 *   const bytes = datagram({ agent: '192.0.2.254', subAgentId: 0, sequence: 1, uptimeMs: 1000, samples: [
 *     flowSample({ sequence: 1, sourceIndex: 7, samplingRate: 4096, samplePool: 4096, input: 7, output: 9,
 *       records: [rawHeader(frame), extendedSwitch({ srcVlan: 100, dstVlan: 100 })] }),
 *   ] });
 *
 * `payloadLength` on L4 builders pads the packet with zeros (so IP lengths are realistic);
 * `rawHeader` keeps the first `maxHeader` octets, as an agent does, and reports the full length.
 * Nothing here validates its input: tests may build deliberately broken structures with `record`,
 * `sample` and the `lengthOverride` options.
 */

export const ETH_IPV4 = 0x0800;
export const ETH_ARP = 0x0806;
export const ETH_IPV6 = 0x86dd;
export const ETH_VLAN = 0x8100;
export const ETH_QINQ = 0x88a8;
export const ETH_MPLS = 0x8847;
export const ETH_LLDP = 0x88cc;

// ---- primitives --------------------------------------------------------------------------------

export function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function u8(...v: number[]): Uint8Array {
  return Uint8Array.from(v.map((x) => x & 0xff));
}
export function u16(v: number): Uint8Array {
  return u8(v >> 8, v);
}
export function u32(v: number): Uint8Array {
  return u8(v >>> 24, v >>> 16, v >>> 8, v);
}
/** 64-bit unsigned from a JS number (exact up to 2^53). */
export function u64(v: number): Uint8Array {
  return concat(u32(Math.floor(v / 2 ** 32)), u32(v % 2 ** 32));
}
export function zeros(n: number): Uint8Array {
  return new Uint8Array(Math.max(0, n));
}
/** Pad to a multiple of 4 octets (XDR). */
export function pad4(b: Uint8Array): Uint8Array {
  return b.length % 4 === 0 ? b : concat(b, zeros(4 - (b.length % 4)));
}

export function ipv4Bytes(text: string): Uint8Array {
  const parts = text.split('.').map(Number);
  if (parts.length !== 4 || parts.some((x) => !(x >= 0 && x <= 255))) throw new Error(`bad IPv4 ${text}`);
  return Uint8Array.from(parts);
}

export function ipv6Bytes(text: string): Uint8Array {
  const [head, tail] = text.includes('::') ? (text.split('::') as [string, string]) : [text, undefined];
  const hs = head ? head.split(':') : [];
  const ts = tail === undefined ? [] : tail ? tail.split(':') : [];
  const groups = tail === undefined ? hs : [...hs, ...Array<string>(8 - hs.length - ts.length).fill('0'), ...ts];
  if (groups.length !== 8) throw new Error(`bad IPv6 ${text}`);
  return concat(...groups.map((g) => u16(parseInt(g, 16))));
}

export function macBytes(mac: string | number): Uint8Array {
  const n = typeof mac === 'number' ? mac : parseInt(mac.replace(/[:.-]/g, ''), 16);
  return concat(u16(Math.floor(n / 2 ** 32)), u32(n % 2 ** 32));
}

/** sFlow `address`: type 1 + 4 octets, or type 2 + 16 octets. */
export function address(text: string): Uint8Array {
  return text.includes(':') ? concat(u32(2), ipv6Bytes(text)) : concat(u32(1), ipv4Bytes(text));
}

// ---- datagram and samples ----------------------------------------------------------------------

export interface DatagramOptions {
  agent: string;
  subAgentId?: number;
  sequence: number;
  uptimeMs?: number;
  samples: Uint8Array[];
  version?: number;
  /** Override the sample count field (to build inconsistent datagrams). */
  sampleCount?: number;
}

export function datagram(o: DatagramOptions): Uint8Array {
  return concat(
    u32(o.version ?? 5),
    address(o.agent),
    u32(o.subAgentId ?? 0),
    u32(o.sequence),
    u32(o.uptimeMs ?? 0),
    u32(o.sampleCount ?? o.samples.length),
    ...o.samples,
  );
}

/** A sample or record envelope: data_format (enterprise<<12 | format), length, body. */
export function envelope(format: number, body: Uint8Array, enterprise = 0, lengthOverride?: number): Uint8Array {
  const b = pad4(body);
  return concat(u32(((enterprise << 12) | format) >>> 0), u32(lengthOverride ?? b.length), b);
}
export const sample = envelope;
export const record = envelope;

export interface FlowSampleOptions {
  sequence: number;
  sourceType?: number;
  sourceIndex: number;
  samplingRate: number;
  samplePool?: number;
  drops?: number;
  /** Compact: raw 32-bit value (use ifDiscard / ifMultiple for the special encodings). */
  input: number;
  output: number;
  records: Uint8Array[];
}

/** Compact flow sample (format 1). */
export function flowSample(o: FlowSampleOptions): Uint8Array {
  return envelope(
    1,
    concat(
      u32(o.sequence),
      u32((((o.sourceType ?? 0) << 24) | o.sourceIndex) >>> 0),
      u32(o.samplingRate),
      u32(o.samplePool ?? 0),
      u32(o.drops ?? 0),
      u32(o.input),
      u32(o.output),
      u32(o.records.length),
      ...o.records,
    ),
  );
}

export interface ExpandedFlowSampleOptions extends Omit<FlowSampleOptions, 'input' | 'output'> {
  inputFormat?: number;
  input: number;
  outputFormat?: number;
  output: number;
}

/** Expanded flow sample (format 3). */
export function expandedFlowSample(o: ExpandedFlowSampleOptions): Uint8Array {
  return envelope(
    3,
    concat(
      u32(o.sequence),
      u32(o.sourceType ?? 0),
      u32(o.sourceIndex),
      u32(o.samplingRate),
      u32(o.samplePool ?? 0),
      u32(o.drops ?? 0),
      u32(o.inputFormat ?? 0),
      u32(o.input),
      u32(o.outputFormat ?? 0),
      u32(o.output),
      u32(o.records.length),
      ...o.records,
    ),
  );
}

/** Compact output value: packet discarded with `reason`. */
export const ifDiscard = (reason: number): number => ((1 << 30) | reason) >>> 0;
/** Compact output value: packet sent to `n` ports. */
export const ifMultiple = (n: number): number => ((2 << 30) | n) >>> 0;

export interface CounterSampleOptions {
  sequence: number;
  sourceType?: number;
  sourceIndex: number;
  records: Uint8Array[];
}

export function counterSample(o: CounterSampleOptions): Uint8Array {
  return envelope(
    2,
    concat(
      u32(o.sequence),
      u32((((o.sourceType ?? 0) << 24) | o.sourceIndex) >>> 0),
      u32(o.records.length),
      ...o.records,
    ),
  );
}

export function expandedCounterSample(o: CounterSampleOptions): Uint8Array {
  return envelope(
    4,
    concat(u32(o.sequence), u32(o.sourceType ?? 0), u32(o.sourceIndex), u32(o.records.length), ...o.records),
  );
}

/** Discarded-packet sample (format 5, sFlow drop notification): sequence, source, drops, in, out, reason, records. */
export function discardedSample(o: {
  sequence: number;
  sourceType?: number;
  sourceIndex: number;
  drops?: number;
  input?: number;
  output?: number;
  reason: number;
  records?: Uint8Array[];
}): Uint8Array {
  const recs = o.records ?? [];
  return envelope(
    5,
    concat(
      u32(o.sequence),
      u32(o.sourceType ?? 0),
      u32(o.sourceIndex),
      u32(o.drops ?? 0),
      u32(o.input ?? 0),
      u32(o.output ?? 0),
      u32(o.reason),
      u32(recs.length),
      ...recs,
    ),
  );
}

// ---- flow records ------------------------------------------------------------------------------

/** Raw packet header (0:1). frameLength defaults to frame + 4 (FCS); the header keeps maxHeader octets. */
export function rawHeader(
  frame: Uint8Array,
  o: { protocol?: number; frameLength?: number; stripped?: number; maxHeader?: number } = {},
): Uint8Array {
  const hdr = frame.subarray(0, Math.min(frame.length, o.maxHeader ?? 128));
  const protocol = o.protocol ?? 1;
  const frameLength = o.frameLength ?? frame.length + (protocol === 1 ? 4 : 0);
  return envelope(
    1,
    concat(u32(protocol), u32(frameLength), u32(o.stripped ?? (protocol === 1 ? 4 : 0)), u32(hdr.length), pad4(hdr)),
  );
}

/** Ethernet frame data (0:2). */
export function ethernetFrameData(o: {
  length: number;
  src: string | number;
  dst: string | number;
  type: number;
}): Uint8Array {
  return envelope(2, concat(u32(o.length), macBytes(o.src), zeros(2), macBytes(o.dst), zeros(2), u32(o.type)));
}

export interface IpDataOptions {
  length: number;
  protocol: number;
  src: string;
  dst: string;
  srcPort?: number;
  dstPort?: number;
  tcpFlags?: number;
  tos?: number;
}
/** IPv4 data (0:3). */
export function ipv4Data(o: IpDataOptions): Uint8Array {
  return envelope(
    3,
    concat(
      u32(o.length),
      u32(o.protocol),
      ipv4Bytes(o.src),
      ipv4Bytes(o.dst),
      u32(o.srcPort ?? 0),
      u32(o.dstPort ?? 0),
      u32(o.tcpFlags ?? 0),
      u32(o.tos ?? 0),
    ),
  );
}
/** IPv6 data (0:4). */
export function ipv6Data(o: IpDataOptions): Uint8Array {
  return envelope(
    4,
    concat(
      u32(o.length),
      u32(o.protocol),
      ipv6Bytes(o.src),
      ipv6Bytes(o.dst),
      u32(o.srcPort ?? 0),
      u32(o.dstPort ?? 0),
      u32(o.tcpFlags ?? 0),
      u32(o.tos ?? 0),
    ),
  );
}

/** Extended switch (0:1001). */
export function extendedSwitch(o: {
  srcVlan?: number;
  srcPriority?: number;
  dstVlan?: number;
  dstPriority?: number;
}): Uint8Array {
  return envelope(
    1001,
    concat(u32(o.srcVlan ?? 0), u32(o.srcPriority ?? 0), u32(o.dstVlan ?? 0), u32(o.dstPriority ?? 0)),
  );
}

/** Extended router (0:1002). */
export function extendedRouter(o: { nextHop: string; srcMask?: number; dstMask?: number }): Uint8Array {
  return envelope(1002, concat(address(o.nextHop), u32(o.srcMask ?? 0), u32(o.dstMask ?? 0)));
}

/** Extended gateway (0:1003). asPath: segments of [type (1 set, 2 sequence), ...asns]. */
export function extendedGateway(o: {
  nextHop: string;
  as?: number;
  srcAs?: number;
  srcPeerAs?: number;
  asPath?: Array<{ type: number; asns: number[] }>;
  communities?: number[];
  localPref?: number;
}): Uint8Array {
  const segs = o.asPath ?? [];
  const comm = o.communities ?? [];
  return envelope(
    1003,
    concat(
      address(o.nextHop),
      u32(o.as ?? 0),
      u32(o.srcAs ?? 0),
      u32(o.srcPeerAs ?? 0),
      u32(segs.length),
      ...segs.map((s) => concat(u32(s.type), u32(s.asns.length), ...s.asns.map(u32))),
      u32(comm.length),
      ...comm.map(u32),
      u32(o.localPref ?? 0),
    ),
  );
}

// ---- counter records ---------------------------------------------------------------------------

export interface GenericCountersOptions {
  ifIndex: number;
  ifType?: number;
  ifSpeed?: number;
  ifDirection?: number;
  ifStatus?: number;
  ifInOctets?: number;
  ifInUcastPkts?: number;
  ifInMulticastPkts?: number;
  ifInBroadcastPkts?: number;
  ifInDiscards?: number;
  ifInErrors?: number;
  ifInUnknownProtos?: number;
  ifOutOctets?: number;
  ifOutUcastPkts?: number;
  ifOutMulticastPkts?: number;
  ifOutBroadcastPkts?: number;
  ifOutDiscards?: number;
  ifOutErrors?: number;
  ifPromiscuousMode?: number;
}

/** Generic interface counters (0:1), 88 octets. */
export function genericCounters(o: GenericCountersOptions): Uint8Array {
  return envelope(
    1,
    concat(
      u32(o.ifIndex),
      u32(o.ifType ?? 6),
      u64(o.ifSpeed ?? 0),
      u32(o.ifDirection ?? 1),
      u32(o.ifStatus ?? 3),
      u64(o.ifInOctets ?? 0),
      u32(o.ifInUcastPkts ?? 0),
      u32(o.ifInMulticastPkts ?? 0),
      u32(o.ifInBroadcastPkts ?? 0),
      u32(o.ifInDiscards ?? 0),
      u32(o.ifInErrors ?? 0),
      u32(o.ifInUnknownProtos ?? 0),
      u64(o.ifOutOctets ?? 0),
      u32(o.ifOutUcastPkts ?? 0),
      u32(o.ifOutMulticastPkts ?? 0),
      u32(o.ifOutBroadcastPkts ?? 0),
      u32(o.ifOutDiscards ?? 0),
      u32(o.ifOutErrors ?? 0),
      u32(o.ifPromiscuousMode ?? 0),
    ),
  );
}

/** Ethernet interface counters (0:2): 13 dot3 counters. */
export function ethernetCounters(values: number[] = []): Uint8Array {
  return envelope(2, concat(...Array.from({ length: 13 }, (_, i) => u32(values[i] ?? 0))));
}

// ---- frames ------------------------------------------------------------------------------------

export interface VlanTag {
  id: number;
  tpid?: number;
  pcp?: number;
}

/** Ethernet II frame (no FCS). vlans: outermost first; numbers are 802.1Q tags. */
export function ethernet(o: {
  dst: string | number;
  src: string | number;
  vlans?: Array<number | VlanTag>;
  etherType: number;
  payload?: Uint8Array;
}): Uint8Array {
  const tags = (o.vlans ?? []).map((v) => (typeof v === 'number' ? { id: v } : v));
  return concat(
    macBytes(o.dst),
    macBytes(o.src),
    ...tags.map((t) => concat(u16(t.tpid ?? ETH_VLAN), u16(((t.pcp ?? 0) << 13) | (t.id & 0xfff)))),
    u16(o.etherType),
    o.payload ?? new Uint8Array(0),
  );
}

/** 802.3 frame with a length field and an LLC header (e.g. STP: dsap=ssap=0x42). */
export function llcFrame(o: {
  dst: string | number;
  src: string | number;
  dsap: number;
  ssap: number;
  control?: number;
  payload?: Uint8Array;
}): Uint8Array {
  const body = concat(u8(o.dsap, o.ssap, o.control ?? 0x03), o.payload ?? new Uint8Array(0));
  return concat(macBytes(o.dst), macBytes(o.src), u16(body.length), body);
}

export function ipv4(o: {
  src: string;
  dst: string;
  proto: number;
  payload?: Uint8Array;
  tos?: number;
  ttl?: number;
  id?: number;
  dontFragment?: boolean;
  moreFragments?: boolean;
  fragmentOffset?: number;
  options?: Uint8Array;
  totalLength?: number;
}): Uint8Array {
  const opts = o.options ? pad4(o.options) : new Uint8Array(0);
  const payload = o.payload ?? new Uint8Array(0);
  const ihl = 5 + opts.length / 4;
  const flags = (o.dontFragment ? 0x4000 : 0) | (o.moreFragments ? 0x2000 : 0) | ((o.fragmentOffset ?? 0) & 0x1fff);
  return concat(
    u8(0x40 | ihl, o.tos ?? 0),
    u16(o.totalLength ?? ihl * 4 + payload.length),
    u16(o.id ?? 0),
    u16(flags),
    u8(o.ttl ?? 64, o.proto),
    u16(0),
    ipv4Bytes(o.src),
    ipv4Bytes(o.dst),
    opts,
    payload,
  );
}

/** IPv6 extension header: type (next-header value that announces it) and body. */
export interface Ipv6Ext {
  type: number;
  body?: Uint8Array;
  fragmentOffset?: number;
  moreFragments?: boolean;
}

export function ipv6(o: {
  src: string;
  dst: string;
  next: number;
  payload?: Uint8Array;
  trafficClass?: number;
  hopLimit?: number;
  ext?: Ipv6Ext[];
}): Uint8Array {
  const ext = o.ext ?? [];
  const chain: Uint8Array[] = [];
  for (let i = 0; i < ext.length; i++) {
    const e = ext[i]!;
    const nh = i + 1 < ext.length ? ext[i + 1]!.type : o.next;
    if (e.type === 44) {
      chain.push(
        concat(u8(nh, 0), u16((((e.fragmentOffset ?? 0) & 0x1fff) << 3) | (e.moreFragments ? 1 : 0)), u32(0x1234)),
      );
    } else if (e.type === 51) {
      // AH: length in 4-octet units minus 2; IPv6 wants a multiple of 8 octets.
      const raw = e.body ?? zeros(10);
      const total = Math.ceil((2 + raw.length) / 8) * 8;
      chain.push(concat(u8(nh, total / 4 - 2), raw, zeros(total - 2 - raw.length)));
    } else {
      const raw = e.body ?? zeros(6);
      const total = Math.ceil((2 + raw.length) / 8) * 8;
      const b = concat(u8(nh, total / 8 - 1), raw, zeros(total - 2 - raw.length));
      chain.push(b);
    }
  }
  const first = ext.length > 0 ? ext[0]!.type : o.next;
  const rest = concat(...chain, o.payload ?? new Uint8Array(0));
  const tc = o.trafficClass ?? 0;
  return concat(
    u32(((6 << 28) | (tc << 20)) >>> 0),
    u16(rest.length),
    u8(first, o.hopLimit ?? 64),
    ipv6Bytes(o.src),
    ipv6Bytes(o.dst),
    rest,
  );
}

export function tcp(o: { srcPort: number; dstPort: number; flags?: number; payloadLength?: number }): Uint8Array {
  return concat(
    u16(o.srcPort),
    u16(o.dstPort),
    u32(1),
    u32(0),
    u8(0x50, o.flags ?? 0x10),
    u16(65535),
    u16(0),
    u16(0),
    zeros(o.payloadLength ?? 0),
  );
}

export function udp(o: { srcPort: number; dstPort: number; payloadLength?: number }): Uint8Array {
  const n = o.payloadLength ?? 0;
  return concat(u16(o.srcPort), u16(o.dstPort), u16(8 + n), u16(0), zeros(n));
}

/** ICMP or ICMPv6 message (type, code, checksum, 4 octets of rest, payload). */
export function icmp(o: { type: number; code?: number; payloadLength?: number }): Uint8Array {
  return concat(u8(o.type, o.code ?? 0), u16(0), u32(0), zeros(o.payloadLength ?? 0));
}

export function arp(o: {
  op: number;
  senderMac: string | number;
  senderIp: string;
  targetMac?: string | number;
  targetIp: string;
}): Uint8Array {
  return concat(
    u16(1),
    u16(ETH_IPV4),
    u8(6, 4),
    u16(o.op),
    macBytes(o.senderMac),
    ipv4Bytes(o.senderIp),
    macBytes(o.targetMac ?? 0),
    ipv4Bytes(o.targetIp),
  );
}

/** MPLS label stack (outermost first); bottom-of-stack set on the last. */
export function mpls(labels: number[], payload: Uint8Array, ttl = 64): Uint8Array {
  return concat(
    ...labels.map((l, i) => u32((((l & 0xfffff) << 12) | (i === labels.length - 1 ? 0x100 : 0) | ttl) >>> 0)),
    payload,
  );
}
