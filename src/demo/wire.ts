/**
 * Synthetic exporters speaking the real wire protocols: NetFlow v9 and IPFIX (templates, sampler
 * options, sequence numbers) and sFlow v5 (flow samples 1:N with sample_pool/sequence, counter
 * samples). Template, options and header structures come from the test encoders in
 * collectors/decoders/*\/testing; data records are written here with a DataView (a month of
 * history is ~10^6 records, the generic encoder's BigInt path is too slow for that).
 *
 * Every exporter reports exactly what it was given: `WireFlow.packets/octets` are the *sampled*
 * counts put on the wire, so tests know the exact totals a decoder must find.
 */
import { optionsTemplateSet, templateSet, type FieldSpec } from '../../collectors/decoders/netflow/testing/encode.js';
import {
  counterSample,
  datagram,
  ETH_IPV4,
  ETH_IPV6,
  ETH_LLDP,
  ethernet,
  extendedSwitch,
  flowSample,
  genericCounters,
  ipv4,
  ipv6,
  rawHeader,
  tcp,
  udp,
} from '../../collectors/decoders/sflow/testing/encode.js';

export interface WireFlow {
  v6: boolean;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  proto: number;
  tcpFlags: number;
  tos: number;
  /** Sampled packets / IP octets as exported. */
  packets: number;
  octets: number;
  inIf: number;
  outIf: number;
  srcMac: number;
  dstMac: number;
  vlan: number;
  startMs: number;
  endMs: number;
}

const MTU_PAYLOAD = 1400;

// ---- NetFlow v9 / IPFIX -----------------------------------------------------------------------

const COMMON_HEAD = (v6: boolean): FieldSpec[] => [
  { id: v6 ? 27 : 8, len: v6 ? 16 : 4 },
  { id: v6 ? 28 : 12, len: v6 ? 16 : 4 },
  { id: 7, len: 2 },
  { id: 11, len: 2 },
  { id: 4, len: 1 },
  { id: 6, len: 1 },
  { id: 5, len: 1 },
  { id: 1, len: 8 },
  { id: 2, len: 8 },
  { id: 10, len: 4 },
  { id: 14, len: 4 },
  { id: 56, len: 6 },
  { id: 80, len: 6 },
  { id: 58, len: 2 },
];
/** v9: FIRST/LAST_SWITCHED (sysUptime ms) and the sampler id (IE 48). */
export const V9_FIELDS = (v6: boolean): FieldSpec[] => [
  ...COMMON_HEAD(v6),
  { id: 22, len: 4 },
  { id: 21, len: 4 },
  { id: 48, len: 1 },
];
/** IPFIX: flowStart/EndMilliseconds and selectorId (IE 302). */
export const IPFIX_FIELDS = (v6: boolean): FieldSpec[] => [
  ...COMMON_HEAD(v6),
  { id: 152, len: 8 },
  { id: 153, len: 8 },
  { id: 302, len: 8 },
];

const T_V4 = 256;
const T_V6 = 257;
const T_OPT = 300;
const SAMPLER_ID = 1;

function recLen(fields: FieldSpec[]): number {
  return fields.reduce((a, f) => a + f.len, 0);
}

/** Write a dotted IPv4 (4 octets) or IPv6 text (16 octets) at `o`; returns the new offset. No allocation. */
function putIp(buf: Uint8Array, o: number, a: string): number {
  if (a.indexOf(':') < 0) {
    let n = 0,
      k = o;
    for (let i = 0; i < a.length; i++) {
      const c = a.charCodeAt(i);
      if (c === 46) {
        buf[k++] = n;
        n = 0;
      } else n = n * 10 + (c - 48);
    }
    buf[k] = n;
    return o + 4;
  }
  buf.fill(0, o, o + 16);
  const dbl = a.indexOf('::');
  const writeGroups = (text: string, fromEnd: boolean) => {
    if (!text) return;
    const gs = text.split(':');
    const base = fromEnd ? 8 - gs.length : 0;
    for (let i = 0; i < gs.length; i++) {
      const v = parseInt(gs[i]!, 16);
      buf[o + 2 * (base + i)] = v >> 8;
      buf[o + 2 * (base + i) + 1] = v & 0xff;
    }
  };
  if (dbl < 0) writeGroups(a, false);
  else {
    writeGroups(a.slice(0, dbl), false);
    writeGroups(a.slice(dbl + 2), true);
  }
  return o + 16;
}

function putU64(v: DataView, o: number, x: number): void {
  v.setUint32(o, Math.floor(x / 4294967296) >>> 0);
  v.setUint32(o + 4, x >>> 0);
}
function putMac(v: DataView, o: number, mac: number): void {
  v.setUint16(o, Math.floor(mac / 4294967296) & 0xffff);
  v.setUint32(o + 4 - 2, mac >>> 0);
}

export interface NetflowExporterOptions {
  version: 9 | 10;
  /** v9 source id / IPFIX observation domain. */
  sourceId: number;
  /** 1-in-N packet sampling announced in the options data (v9 IE 48/49/50; IPFIX 302/305/306). */
  samplingRate: number;
  /** Templates and options are re-sent at least this often (ms of datagram time). */
  templateEveryMs?: number;
  /** Device boot time (v9 sysUptime origin). */
  bootMs?: number;
}

/** One exporter's datagram builder: templates when due, sequence numbers right. */
export class NetflowExporter {
  readonly version: 9 | 10;
  private readonly sourceId: number;
  private readonly rate: number;
  private readonly templateEveryMs: number;
  private readonly bootMs: number;
  private lastTemplatesMs = -Infinity;
  /** v9: datagrams sent; IPFIX: data records sent (RFC 7011). */
  private seq = 0;
  private readonly f4: FieldSpec[];
  private readonly f6: FieldSpec[];
  readonly len4: number;
  readonly len6: number;

  constructor(o: NetflowExporterOptions) {
    this.version = o.version;
    this.sourceId = o.sourceId;
    this.rate = o.samplingRate;
    this.templateEveryMs = o.templateEveryMs ?? 20_000;
    this.bootMs = o.bootMs ?? 0;
    this.f4 = o.version === 9 ? V9_FIELDS(false) : IPFIX_FIELDS(false);
    this.f6 = o.version === 9 ? V9_FIELDS(true) : IPFIX_FIELDS(true);
    this.len4 = recLen(this.f4);
    this.len6 = recLen(this.f6);
  }

  /** Template + options template + options data sets (and how many records they count in a v9 header). */
  private templateSets(): { sets: Uint8Array[]; records: number } {
    const v = this.version;
    const tmpl = templateSet(v, [
      { id: T_V4, fields: this.f4 },
      { id: T_V6, fields: this.f6 },
    ]);
    let optT: Uint8Array, optData: Uint8Array;
    if (v === 9) {
      const scope: FieldSpec[] = [{ id: 1, len: 4 }];
      const fields: FieldSpec[] = [
        { id: 48, len: 1 },
        { id: 49, len: 1 },
        { id: 50, len: 4 },
      ];
      optT = optionsTemplateSet(9, T_OPT, scope, fields);
      const b = new Uint8Array(4 + 10 + 2); // set header, record (4+1+1+4), padding to 4
      const dv = new DataView(b.buffer);
      dv.setUint16(0, T_OPT);
      dv.setUint16(2, b.length);
      dv.setUint32(4, this.sourceId);
      b[8] = SAMPLER_ID;
      b[9] = 2;
      dv.setUint32(10, this.rate);
      optData = b;
    } else {
      const scope: FieldSpec[] = [{ id: 302, len: 8 }];
      const fields: FieldSpec[] = [
        { id: 305, len: 4 },
        { id: 306, len: 4 },
      ];
      optT = optionsTemplateSet(10, T_OPT, scope, fields);
      const b = new Uint8Array(4 + 16);
      const dv = new DataView(b.buffer);
      dv.setUint16(0, T_OPT);
      dv.setUint16(2, b.length);
      putU64(dv, 4, SAMPLER_ID);
      dv.setUint32(12, 1);
      dv.setUint32(16, this.rate - 1);
      optData = b;
    }
    return { sets: [tmpl, optT, optData], records: 2 + 1 + 1 };
  }

  private writeRecord(dv: DataView, buf: Uint8Array, o: number, f: WireFlow): number {
    o = putIp(buf, o, f.src);
    o = putIp(buf, o, f.dst);
    dv.setUint16(o, f.srcPort);
    dv.setUint16(o + 2, f.dstPort);
    buf[o + 4] = f.proto;
    buf[o + 5] = f.tcpFlags;
    buf[o + 6] = f.tos;
    o += 7;
    putU64(dv, o, f.octets);
    putU64(dv, o + 8, f.packets);
    o += 16;
    dv.setUint32(o, f.inIf);
    dv.setUint32(o + 4, f.outIf);
    o += 8;
    putMac(dv, o, f.srcMac);
    putMac(dv, o + 6, f.dstMac);
    dv.setUint16(o + 12, f.vlan);
    o += 14;
    if (this.version === 9) {
      dv.setUint32(o, Math.max(0, f.startMs - this.bootMs) >>> 0);
      dv.setUint32(o + 4, Math.max(0, f.endMs - this.bootMs) >>> 0);
      buf[o + 8] = SAMPLER_ID;
      o += 9;
    } else {
      putU64(dv, o, f.startMs);
      putU64(dv, o + 8, f.endMs);
      putU64(dv, o + 16, SAMPLER_ID);
      o += 24;
    }
    return o;
  }

  /** Datagrams (≤ ~1400 octets) carrying `flows`, exported at `nowMs`; templates/options first when due. */
  datagrams(flows: readonly WireFlow[], nowMs: number, forceTemplates = false): Uint8Array[] {
    const out: Uint8Array[] = [];
    let pre: { sets: Uint8Array[]; records: number } | null = null;
    if (forceTemplates || nowMs - this.lastTemplatesMs >= this.templateEveryMs) {
      pre = this.templateSets();
      this.lastTemplatesMs = nowMs;
    }
    if (!pre && flows.length === 0) return out;
    const hdr = this.version === 9 ? 20 : 16;
    let i = 0;
    do {
      const buf = new Uint8Array(MTU_PAYLOAD + 200);
      const dv = new DataView(buf.buffer);
      let o = hdr;
      let records = 0;
      if (pre) {
        for (const s of pre.sets) {
          buf.set(s, o);
          o += s.length;
        }
        records += pre.records;
        pre = null;
      }
      let dataRecords = 0;
      // Up to two data sets per datagram (v4 then v6 run), each with its own header.
      while (i < flows.length && o + 4 + this.len6 <= MTU_PAYLOAD) {
        const v6 = flows[i]!.v6;
        const setStart = o;
        o += 4;
        const len = v6 ? this.len6 : this.len4;
        let n = 0;
        while (i < flows.length && flows[i]!.v6 === v6 && o + len <= MTU_PAYLOAD) {
          o = this.writeRecord(dv, buf, o, flows[i]!);
          i++;
          n++;
        }
        dv.setUint16(setStart, v6 ? T_V6 : T_V4);
        dv.setUint16(setStart + 2, o - setStart);
        dataRecords += n;
      }
      records += dataRecords;
      if (this.version === 9) {
        dv.setUint16(0, 9);
        dv.setUint16(2, records);
        dv.setUint32(4, Math.max(0, nowMs - this.bootMs) >>> 0);
        dv.setUint32(8, Math.floor(nowMs / 1000) >>> 0);
        dv.setUint32(12, this.seq >>> 0);
        dv.setUint32(16, this.sourceId);
        this.seq++;
      } else {
        dv.setUint16(0, 10);
        dv.setUint16(2, o);
        dv.setUint32(4, Math.floor(nowMs / 1000) >>> 0);
        dv.setUint32(8, this.seq >>> 0);
        dv.setUint32(12, this.sourceId);
        this.seq += dataRecords;
      }
      out.push(buf.slice(0, o));
    } while (i < flows.length);
    return out;
  }
}

// ---- sFlow v5 ---------------------------------------------------------------------------------

/** One sampled packet as the sFlow agent saw it. */
export interface SampledPacket {
  srcMac: number;
  dstMac: number;
  vlan: number;
  /** 'ip' packets carry src/dst/ports; 'lldp' is a link-layer frame (peering-LAN violation). */
  kind: 'ip' | 'lldp';
  v6?: boolean;
  src?: string;
  dst?: string;
  proto?: number;
  srcPort?: number;
  dstPort?: number;
  tcpFlags?: number;
  /** IP total length (IPv4 total length; IPv6 40 + payload). */
  ipLength?: number;
  inIf: number;
  outIf: number;
}

/** On-wire frame length incl. FCS of a sampled packet (what sFlow reports as frame_length). */
export function sflowFrameLength(p: SampledPacket): number {
  if (p.kind === 'lldp') return 14 + 46 + 4;
  return 14 + (p.vlan ? 4 : 0) + p.ipLength! + 4;
}

function frameOf(p: SampledPacket): Uint8Array {
  if (p.kind === 'lldp') {
    return ethernet({ dst: 0x0180c200000e, src: p.srcMac, etherType: ETH_LLDP, payload: new Uint8Array(46) });
  }
  const l4Len = p.ipLength! - (p.v6 ? 40 : 20);
  const l4 =
    p.proto === 6
      ? tcp({
          srcPort: p.srcPort!,
          dstPort: p.dstPort!,
          flags: p.tcpFlags ?? 0x10,
          payloadLength: Math.max(0, l4Len - 20),
        })
      : udp({ srcPort: p.srcPort!, dstPort: p.dstPort!, payloadLength: Math.max(0, l4Len - 8) });
  const ip = p.v6
    ? ipv6({ src: p.src!, dst: p.dst!, next: p.proto!, payload: l4 })
    : ipv4({ src: p.src!, dst: p.dst!, proto: p.proto!, payload: l4 });
  return ethernet({
    dst: p.dstMac,
    src: p.srcMac,
    vlans: p.vlan ? [p.vlan] : [],
    etherType: p.v6 ? ETH_IPV6 : ETH_IPV4,
    payload: ip,
  });
}

export interface PortCounters {
  ifIndex: number;
  speedBps: number;
  inOctets: number;
  inPkts: number;
  outOctets: number;
  outPkts: number;
}

/** An sFlow v5 agent: 1-in-`samplingRate` flow samples per port with sample_pool and sequences right. */
export class SflowAgent {
  private seq = 0;
  private readonly sampleSeq = new Map<number, number>();
  private readonly pool = new Map<number, number>();
  private counterSeq = 0;

  constructor(
    readonly agent: string,
    readonly subAgentId: number,
    readonly samplingRate: number,
    private readonly bootMs = 0,
  ) {}

  private flowSampleOf(p: SampledPacket): Uint8Array {
    const src = p.inIf;
    const s = (this.sampleSeq.get(src) ?? 0) + 1;
    this.sampleSeq.set(src, s);
    const pool = (this.pool.get(src) ?? 0) + this.samplingRate;
    this.pool.set(src, pool);
    const frame = frameOf(p);
    return flowSample({
      sequence: s,
      sourceIndex: src,
      samplingRate: this.samplingRate,
      samplePool: pool >>> 0,
      input: p.inIf,
      output: p.outIf,
      records: [
        rawHeader(frame, { frameLength: sflowFrameLength(p) }),
        extendedSwitch({ srcVlan: p.vlan, dstVlan: p.vlan }),
      ],
    });
  }

  /** Datagrams of flow samples (≤ ~1400 octets each). */
  datagrams(packets: readonly SampledPacket[], nowMs: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    let samples: Uint8Array[] = [];
    let size = 28;
    const flush = () => {
      if (!samples.length) return;
      out.push(
        datagram({
          agent: this.agent,
          subAgentId: this.subAgentId,
          sequence: ++this.seq,
          uptimeMs: Math.max(0, nowMs - this.bootMs) >>> 0,
          samples,
        }),
      );
      samples = [];
      size = 28;
    };
    for (const p of packets) {
      const s = this.flowSampleOf(p);
      if (size + s.length > MTU_PAYLOAD) flush();
      samples.push(s);
      size += s.length;
    }
    flush();
    return out;
  }

  /** One datagram of generic interface counters per port. */
  counters(ports: readonly PortCounters[], nowMs: number): Uint8Array[] {
    if (!ports.length) return [];
    const samples = ports.map((c) =>
      counterSample({
        sequence: ++this.counterSeq,
        sourceIndex: c.ifIndex,
        records: [
          genericCounters({
            ifIndex: c.ifIndex,
            ifSpeed: c.speedBps,
            ifInOctets: c.inOctets,
            ifInUcastPkts: c.inPkts % 2 ** 32,
            ifOutOctets: c.outOctets,
            ifOutUcastPkts: c.outPkts % 2 ** 32,
          }),
        ],
      }),
    );
    const out: Uint8Array[] = [];
    for (let i = 0; i < samples.length; i += 8) {
      out.push(
        datagram({
          agent: this.agent,
          subAgentId: this.subAgentId,
          sequence: ++this.seq,
          uptimeMs: Math.max(0, nowMs - this.bootMs) >>> 0,
          samples: samples.slice(i, i + 8),
        }),
      );
    }
    return out;
  }
}
