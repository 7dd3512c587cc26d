/**
 * sFlow v5 datagram decoder (https://sflow.org/sflow_version_5.txt).
 *
 * Pure and total: `decodeSflow` never throws. Every length is checked against its enclosing
 * structure; a length that runs past its container stops that container with `bad_length` and
 * keeps what was decoded before. Unknown sample formats (and any enterprise ≠ 0) are skipped by their
 * length and counted `unknown_sample`; unknown records inside a known sample, `unknown_record`.
 *
 * Hot path: one FlowRecord per flow sample, address strings, nothing else (the header parser
 * writes into a module-level scratch object; the decoder is synchronous so that is safe).
 */
import { ipv4Text, ipv6Text, macNumber } from '../shared/addr.js';
import {
  parseFrameHeaderInto,
  resetParsedHeader,
  emptyParsedHeader,
  HEADER_PROTOCOL_ETHERNET,
  HEADER_PROTOCOL_MPLS,
} from '../shared/packet-header.js';
import {
  countError,
  emptyStats,
  type DecodeResult,
  type FlowRecord,
  type RawDatagram,
  type SamplingPolicy,
} from '../types.js';
import { agentState, sourceState, trackDatagram, trackDrops, trackFlowSample, type SflowState } from './state.js';
import { r32, TWO32, type Ctx } from './context.js';
import { counterSample } from './counters.js';
import { checkGateway, checkRouter } from './extended.js';

/** Sample formats (enterprise 0). */
export const SAMPLE_FLOW = 1;
export const SAMPLE_COUNTERS = 2;
export const SAMPLE_FLOW_EXPANDED = 3;
export const SAMPLE_COUNTERS_EXPANDED = 4;
export const SAMPLE_DISCARDED = 5;

/** Flow record formats (enterprise 0) decoded here. */
export const FLOW_RAW_HEADER = 1;
export const FLOW_ETHERNET = 2;
export const FLOW_IPV4 = 3;
export const FLOW_IPV6 = 4;
export const FLOW_EXT_SWITCH = 1001;
export const FLOW_EXT_ROUTER = 1002;
export const FLOW_EXT_GATEWAY = 1003;

const H = emptyParsedHeader();

export function decodeSflow(d: RawDatagram, state: SflowState, sampling: SamplingPolicy): DecodeResult {
  const stats = emptyStats();
  const result: DecodeResult = { flows: [], counters: [], stats };
  try {
    decodeDatagram(d, state, sampling, result);
  } catch {
    // Defensive: the decoder is written not to throw; should a bug slip through, keep the process
    // alive and make the datagram visible in the metrics.
    countError(stats, 'truncated');
  }
  return result;
}

/** decodeSflow without the defensive catch: lets the fuzz test see any exception. Not for production use. */
export function decodeSflowStrict(d: RawDatagram, state: SflowState, sampling: SamplingPolicy): DecodeResult {
  const result: DecodeResult = { flows: [], counters: [], stats: emptyStats() };
  decodeDatagram(d, state, sampling, result);
  return result;
}

function decodeDatagram(d: RawDatagram, state: SflowState, sampling: SamplingPolicy, result: DecodeResult): void {
  const { stats } = result;
  const b = d.payload;
  const end = b.length;
  if (end < 8) {
    countError(stats, end >= 4 && r32(b, 0) !== 5 ? 'bad_version' : 'truncated');
    return;
  }
  if (r32(b, 0) !== 5) {
    countError(stats, 'bad_version');
    return;
  }
  const addrType = r32(b, 4);
  let p = 8;
  let agentText: string;
  if (addrType === 1) {
    if (p + 4 > end) {
      countError(stats, 'truncated');
      return;
    }
    agentText = ipv4Text(b, p);
    p += 4;
  } else if (addrType === 2) {
    if (p + 16 > end) {
      countError(stats, 'truncated');
      return;
    }
    agentText = ipv6Text(b, p);
    p += 16;
  } else {
    countError(stats, 'bad_address');
    return;
  }
  if (p + 16 > end) {
    countError(stats, 'truncated');
    return;
  }
  const subAgentId = r32(b, p);
  const seq = r32(b, p + 4);
  const uptime = r32(b, p + 8);
  const nSamples = r32(b, p + 12);
  p += 16;

  const agent = agentState(state, agentText, subAgentId);
  stats.lostDatagrams += trackDatagram(agent, seq, uptime);
  const ov = sampling.override(d.exporter);
  const ctx: Ctx = {
    b,
    d,
    stats,
    flows: result.flows,
    counters: result.counters,
    state,
    agent,
    agentText,
    subAgentId,
    sampling,
    overrideRate: ov !== undefined && ov > 0 && Number.isFinite(ov) ? ov : 0,
  };

  for (let i = 0; i < nSamples; i++) {
    if (p + 8 > end) {
      countError(stats, 'truncated');
      return;
    }
    const fmt = r32(b, p);
    const len = r32(b, p + 4);
    p += 8;
    if (len > end - p) {
      countError(stats, 'bad_length');
      return;
    }
    const sEnd = p + len;
    if (fmt >>> 12 !== 0) countError(stats, 'unknown_sample');
    else {
      switch (fmt) {
        case SAMPLE_FLOW:
          agent.flowSamples++;
          flowSample(ctx, p, sEnd, false);
          break;
        case SAMPLE_FLOW_EXPANDED:
          agent.flowSamples++;
          flowSample(ctx, p, sEnd, true);
          break;
        case SAMPLE_COUNTERS:
          agent.counterSamples++;
          counterSample(ctx, p, sEnd, false);
          break;
        case SAMPLE_COUNTERS_EXPANDED:
          agent.counterSamples++;
          counterSample(ctx, p, sEnd, true);
          break;
        case SAMPLE_DISCARDED:
          agent.discardedSamples++;
          break;
        default:
          countError(stats, 'unknown_sample');
      }
    }
    p = sEnd;
  }
}

/** Compact interface: top 2 bits = format (0 ifIndex, 1 discarded, 2 multiple ports) → value or 0. */
function ifValue(v: number): number {
  return v >>> 30 === 0 ? v & 0x3fffffff : 0;
}

function flowSample(c: Ctx, p: number, end: number, expanded: boolean): void {
  const b = c.b;
  let seq: number,
    dsType: number,
    dsIndex: number,
    rate: number,
    pool: number,
    drops: number,
    inIf: number,
    outIf: number,
    nRecords: number;
  if (!expanded) {
    if (p + 32 > end) {
      countError(c.stats, 'bad_length');
      return;
    }
    seq = r32(b, p);
    const src = r32(b, p + 4);
    dsType = src >>> 24;
    dsIndex = src & 0xffffff;
    rate = r32(b, p + 8);
    pool = r32(b, p + 12);
    drops = r32(b, p + 16);
    inIf = ifValue(r32(b, p + 20));
    const out = r32(b, p + 24);
    outIf = ifValue(out);
    nRecords = r32(b, p + 28);
    p += 32;
  } else {
    if (p + 44 > end) {
      countError(c.stats, 'bad_length');
      return;
    }
    seq = r32(b, p);
    dsType = r32(b, p + 4);
    dsIndex = r32(b, p + 8);
    rate = r32(b, p + 12);
    pool = r32(b, p + 16);
    drops = r32(b, p + 20);
    inIf = r32(b, p + 24) === 0 ? r32(b, p + 28) : 0;
    const outFmt = r32(b, p + 32);
    outIf = outFmt === 0 ? r32(b, p + 36) : 0; // format 1 = discarded, 2 = multiple ports → 0
    nRecords = r32(b, p + 40);
    p += 44;
  }

  const src = sourceState(c.state, c.agent, dsType * TWO32 + dsIndex);
  const lost = trackFlowSample(src, seq);
  if (lost >= 0) {
    // In-order sample: account the sequence gap and the cumulative drops delta.
    const dropDelta = trackDrops(src, drops);
    src.samplePool = pool;
    c.stats.lostSamples += lost;
    c.stats.agentDrops += dropDelta;
    c.agent.lostSamples += lost;
    c.agent.agentDrops += dropDelta;
  }
  src.samplingRate = rate;

  // Locate the records first, then apply them in priority order (raw header > decoded data).
  let hdr = -1,
    eth = -1,
    ip4 = -1,
    ip6 = -1,
    sw = -1;
  for (let r = 0; r < nRecords; r++) {
    if (p + 8 > end) {
      countError(c.stats, 'bad_length');
      break;
    }
    const rf = r32(b, p);
    const rl = r32(b, p + 4);
    const q = p + 8;
    if (rl > end - q) {
      countError(c.stats, 'bad_length');
      break;
    }
    switch (rf) {
      case FLOW_RAW_HEADER:
        if (rl >= 16) {
          if (hdr < 0) hdr = q;
        } else countError(c.stats, 'bad_length');
        break;
      case FLOW_ETHERNET:
        if (rl >= 24) {
          if (eth < 0) eth = q;
        } else countError(c.stats, 'bad_length');
        break;
      case FLOW_IPV4:
        if (rl >= 32) {
          if (ip4 < 0) ip4 = q;
        } else countError(c.stats, 'bad_length');
        break;
      case FLOW_IPV6:
        if (rl >= 56) {
          if (ip6 < 0) ip6 = q;
        } else countError(c.stats, 'bad_length');
        break;
      case FLOW_EXT_SWITCH:
        if (rl >= 16) {
          if (sw < 0) sw = q;
        } else countError(c.stats, 'bad_length');
        break;
      case FLOW_EXT_ROUTER:
        if (!checkRouter(b, q, q + rl)) countError(c.stats, 'bad_length');
        break;
      case FLOW_EXT_GATEWAY:
        if (!checkGateway(b, q, q + rl)) countError(c.stats, 'bad_length');
        break;
      default:
        countError(c.stats, 'unknown_record');
    }
    p = q + rl;
  }

  // Sampling rate precedence: override → the sample's rate → fallback → 1 ('unknown').
  let samplingRate: number;
  let samplingSource: FlowRecord['samplingSource'];
  if (c.overrideRate > 0) {
    samplingRate = c.overrideRate;
    samplingSource = 'config';
  } else if (rate > 0) {
    samplingRate = rate;
    samplingSource = 'sflow';
  } else {
    const fb = c.sampling.fallback(c.d.exporter);
    if (fb !== undefined && fb > 0 && Number.isFinite(fb)) {
      samplingRate = fb;
      samplingSource = 'config';
    } else {
      samplingRate = 1;
      samplingSource = 'unknown';
    }
  }

  const f: FlowRecord = {
    receivedAtMs: c.d.receivedAtMs,
    flowStartMs: 0,
    flowEndMs: 0,
    protocol: 'sflow-v5',
    exporter: c.d.exporter,
    observationDomain: c.subAgentId,
    samplerId: (dsType & 0xff) * 0x1000000 + (dsIndex & 0xffffff),
    inIf,
    outIf,
    srcMac: 0,
    dstMac: 0,
    vlan: 0,
    innerVlan: 0,
    etherType: 0,
    ipVersion: 0,
    srcAddr: '',
    dstAddr: '',
    ipProto: 0,
    srcPort: 0,
    dstPort: 0,
    tcpFlags: 0,
    tos: 0,
    fragment: 0,
    direction: dsType !== 0 ? 255 : dsIndex === inIf ? 0 : dsIndex === outIf ? 1 : 255,
    packets: 1,
    l3Octets: 0,
    frameOctets: 0,
    samplingRate,
    samplingSource,
    srcAsn: 0,
    dstAsn: 0,
    srcAttr: 'none',
    dstAttr: 'none',
  };

  if (hdr >= 0) applyRawHeader(c, f, hdr, end);
  else {
    if (eth >= 0) {
      f.frameOctets = r32(b, eth);
      f.srcMac = macNumber(b, eth + 4);
      f.dstMac = macNumber(b, eth + 12);
      f.etherType = r32(b, eth + 20) & 0xffff;
    }
    if (ip4 >= 0) {
      f.ipVersion = 4;
      f.l3Octets = r32(b, ip4);
      f.ipProto = r32(b, ip4 + 4) & 0xff;
      f.srcAddr = ipv4Text(b, ip4 + 8);
      f.dstAddr = ipv4Text(b, ip4 + 12);
      f.srcPort = r32(b, ip4 + 16) & 0xffff;
      f.dstPort = r32(b, ip4 + 20) & 0xffff;
      f.tcpFlags = r32(b, ip4 + 24) & 0xff;
      f.tos = r32(b, ip4 + 28) & 0xff;
      if (f.etherType === 0) f.etherType = 0x0800;
    } else if (ip6 >= 0) {
      f.ipVersion = 6;
      f.l3Octets = r32(b, ip6);
      f.ipProto = r32(b, ip6 + 4) & 0xff;
      f.srcAddr = ipv6Text(b, ip6 + 8);
      f.dstAddr = ipv6Text(b, ip6 + 24);
      f.srcPort = r32(b, ip6 + 40) & 0xffff;
      f.dstPort = r32(b, ip6 + 44) & 0xffff;
      f.tcpFlags = r32(b, ip6 + 48) & 0xff;
      f.tos = r32(b, ip6 + 52) & 0xff;
      if (f.etherType === 0) f.etherType = 0x86dd;
    }
  }
  if (sw >= 0 && f.vlan === 0) {
    const sv = r32(b, sw);
    const dv = r32(b, sw + 8);
    f.vlan = sv > 0 && sv < 4095 ? sv : dv > 0 && dv < 4095 ? dv : 0;
  }
  if (hdr < 0) {
    if (f.frameOctets === 0 && f.l3Octets > 0) f.frameOctets = f.l3Octets + (f.vlan !== 0 ? 22 : 18);
    else if (f.l3Octets === 0 && f.frameOctets > 0) f.l3Octets = Math.max(0, f.frameOctets - (f.vlan !== 0 ? 22 : 18));
  }
  c.flows.push(f);
}

function applyRawHeader(c: Ctx, f: FlowRecord, q: number, end: number): void {
  const b = c.b;
  const proto = r32(b, q);
  const frameLength = r32(b, q + 4);
  let hLen = r32(b, q + 12);
  const hOff = q + 16;
  if (hLen > end - hOff) {
    countError(c.stats, 'bad_length');
    hLen = end - hOff;
  }
  resetParsedHeader(H);
  parseFrameHeaderInto(H, b, hOff, hLen, proto);
  if (!H.ok || H.truncated) countError(c.stats, 'bad_header');
  f.srcMac = H.srcMac;
  f.dstMac = H.dstMac;
  f.vlan = H.vlan;
  f.innerVlan = H.innerVlan;
  f.etherType = H.etherType;
  f.ipVersion = H.ipVersion;
  f.srcAddr = H.srcAddr;
  f.dstAddr = H.dstAddr;
  f.ipProto = H.ipProto;
  f.srcPort = H.srcPort;
  f.dstPort = H.dstPort;
  f.tcpFlags = H.tcpFlags;
  f.tos = H.tos;
  f.fragment = H.fragment;
  const l2 = proto === HEADER_PROTOCOL_ETHERNET || proto === HEADER_PROTOCOL_MPLS;
  const ipLen = H.ipVersion !== 0 && H.ipTotalLength >= 20 ? H.ipTotalLength : 0;
  if (l2) {
    f.frameOctets = frameLength;
    const room = frameLength - H.l2HeaderLength - 4; // frame_length includes the FCS
    f.l3Octets = ipLen > 0 && ipLen <= frameLength - H.l2HeaderLength ? ipLen : Math.max(0, room);
  } else {
    // Raw IP headers (11/12): frame_length is the IP packet; add an Ethernet header and FCS.
    f.l3Octets = ipLen > 0 && ipLen <= frameLength ? ipLen : frameLength;
    f.frameOctets = f.l3Octets > 0 ? f.l3Octets + 18 : 0;
  }
}
