/**
 * NetFlow v1 and v5 (fixed 48-octet records). v1 records are reported with protocol 'netflow-v5'
 * (the contract has no v1 label); observationDomain is engine_type<<8 | engine_id for v5, 0 for v1.
 * v5 flow_sequence counts flows: gaps are reported as lostSamples (records), not lostDatagrams.
 */
import {
  countError,
  frameOctetsFromL3,
  type DecodeResult,
  type FlowRecord,
  type RawDatagram,
  type SamplingPolicy,
  type SamplingSource,
} from '../types.js';
import { ipv4Text } from '../shared/addr.js';
import { readUint } from './template.js';
import { exporterState, trackSequence, type NetflowState } from './state.js';

const V5_MAX_GAP = 1 << 24;

export function decodeV1V5(
  d: RawDatagram,
  state: NetflowState,
  sampling: SamplingPolicy,
  version: 1 | 5,
  res: DecodeResult,
): void {
  const b = d.payload;
  const hdr = version === 5 ? 24 : 16;
  if (b.length < hdr) {
    countError(res.stats, 'truncated');
    return;
  }
  const count = readUint(b, 2, 2);
  const sysUptime = readUint(b, 4, 4);
  const unixSecs = readUint(b, 8, 4);
  const unixNsecs = readUint(b, 12, 4);
  let domain = 0;
  let headerRate = 0;
  let seq = 0;
  if (version === 5) {
    seq = readUint(b, 16, 4);
    domain = (b[20]! << 8) | b[21]!;
    const si = readUint(b, 22, 2);
    headerRate = si & 0x3fff;
  }
  let n = count;
  const avail = Math.floor((b.length - hdr) / 48);
  if (n > avail) {
    countError(res.stats, 'truncated');
    n = avail;
  }
  const base = unixSecs * 1000 + Math.floor(unixNsecs / 1e6) - sysUptime;
  const override = sampling.override(d.exporter) ?? 0;
  let rate = 1;
  let src: SamplingSource = 'unknown';
  if (override > 0) {
    rate = override;
    src = 'config';
  } else if (headerRate > 0) {
    rate = headerRate;
    src = 'header';
  } else {
    const fb = sampling.fallback(d.exporter) ?? 0;
    if (fb > 0) {
      rate = fb;
      src = 'config';
    }
  }
  for (let i = 0; i < n; i++) {
    const o = hdr + i * 48;
    const packets = readUint(b, o + 16, 4);
    const octets = readUint(b, o + 20, 4);
    const proto = b[o + 38]!;
    const tos = b[o + 39]!;
    // v5: pad1 at 36, tcp_flags at 37; v1: pad at 36-37, tcp_flags at 40.
    const flags = version === 5 ? b[o + 37]! : b[o + 40]!;
    const rec: FlowRecord = {
      receivedAtMs: d.receivedAtMs,
      flowStartMs: base + readUint(b, o + 24, 4),
      flowEndMs: base + readUint(b, o + 28, 4),
      protocol: 'netflow-v5',
      exporter: d.exporter,
      observationDomain: domain,
      samplerId: 0,
      inIf: readUint(b, o + 12, 2),
      outIf: readUint(b, o + 14, 2),
      srcMac: 0,
      dstMac: 0,
      vlan: 0,
      innerVlan: 0,
      etherType: 0x0800,
      ipVersion: 4,
      srcAddr: ipv4Text(b, o),
      dstAddr: ipv4Text(b, o + 4),
      ipProto: proto,
      srcPort: readUint(b, o + 32, 2),
      dstPort: readUint(b, o + 34, 2),
      tcpFlags: flags,
      tos,
      fragment: 0,
      direction: 255,
      packets,
      l3Octets: octets,
      frameOctets: frameOctetsFromL3(octets, packets, false),
      samplingRate: rate,
      samplingSource: src,
      srcAsn: 0,
      dstAsn: 0,
      srcAttr: 'none',
      dstAttr: 'none',
    };
    res.flows.push(rec);
  }
  if (version === 5) {
    const ex = exporterState(state, d.exporter, d.receivedAtMs);
    res.stats.lostSamples += trackSequence(ex, `v5/${domain}`, seq, count, V5_MAX_GAP);
  }
}
