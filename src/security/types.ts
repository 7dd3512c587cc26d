/**
 * Shared types of the security detection core (pure: no I/O, no timers; time always comes in as an argument).
 *
 * `SecurityFlow` is the subset of the collector's `FlowRecord` (collectors/decoders/types.ts) the
 * detectors read, plus the attribution the collector adds. It is declared structurally here because
 * src/ never imports collectors/; any `FlowRecord & { srcAsn; dstAsn }` is assignable to it
 * (checked by a type test in detectors/engine.test.ts).
 */

export type Severity = 'info' | 'warning' | 'major' | 'critical';

export type AlertType =
  | 'DDOS_VOLUMETRIC_DST'
  | 'DDOS_AMPLIFICATION'
  | 'DDOS_SYN_FLOOD'
  | 'DDOS_FRAGMENTS'
  | 'L2_UNKNOWN_SRC_MAC'
  | 'L2_MULTIPLE_MACS'
  | 'L2_FORBIDDEN_ETHERTYPE'
  | 'L2_LINK_LOCAL_PROTOCOL'
  | 'L2_NON_UNICAST'
  | 'L2_MAC_IP_MISMATCH'
  | 'IP_BOGON_SOURCE'
  | 'SCAN_PORT'
  | 'SCAN_ADDRESS'
  | 'TRAFFIC_ANOMALY_SPIKE'
  | 'TRAFFIC_ANOMALY_DROP'
  | 'EXPORTER_SILENT'
  | 'EXPORTER_SAMPLING_CHANGED'
  | 'EXPORTER_COUNTER_MISMATCH'
  /** Capacity warning (src/overview/utilization.service.ts), not an attack. */
  | 'PORT_UTILIZATION'
  /** Operations: ClickHouse detached a part (billing data missing), src/operations/data-incidents.ts. */
  | 'DATA_PARTS_DETACHED'
  /** Operations: the data directory's disk is full (writer drops, reason disk_full), collectors/part.ts. */
  | 'STORAGE_DISK_FULL';

export interface SecurityFlow {
  receivedAtMs: number;
  protocol: 'netflow-v5' | 'netflow-v9' | 'ipfix' | 'sflow-v5';
  exporter: string;
  inIf: number;
  outIf: number;
  srcMac: number;
  dstMac: number;
  vlan: number;
  etherType: number;
  ipVersion: 4 | 6 | 0;
  srcAddr: string;
  dstAddr: string;
  ipProto: number;
  srcPort: number;
  /** ICMP/ICMPv6: type*256+code. */
  dstPort: number;
  tcpFlags: number;
  fragment: 0 | 1;
  /** Not yet multiplied by samplingRate. */
  packets: number;
  l3Octets: number;
  frameOctets: number;
  samplingRate: number;
  /** Member ASNs as attributed by the collector; 0 = unknown. */
  srcAsn: number;
  dstAsn: number;
  /** NetFlow/IPFIX flow start and end (exporter clock, ms): the sliding DDoS window spreads a record over its duration. */
  flowStartMs?: number;
  flowEndMs?: number;
}

/** Registry facts the L2 checks need; replaceable at runtime with `engine.setContext`. */
export interface SecurityContext {
  /** Every MAC registered to a member port. */
  knownMacs: Set<number>;
  /** MAC → owning member ASN. */
  macOwner: Map<number, number>;
  /** Peering-LAN IP (canonical text, as the decoders print it) → owning member ASN. */
  lanIpOwner: Map<string, number>;
  /** `exporter|ifIndex` → allowed distinct source MACs on that port (default from settings when absent). */
  allowedMacsPerPort: Map<string, number>;
  /** `exporter|ifIndex` of LAG member ports, where 0x8809 (LACP / slow protocols) is allowed. */
  lagPorts?: Set<string>;
}

export interface SourceEvidence {
  addr: string;
  asn: number | null;
  pps: number;
  bps: number;
}
export interface CountEvidence {
  key: number;
  pps: number;
}
export interface SampleFlow {
  ts: number;
  exporter: string;
  inIf: number;
  srcMac: string;
  dstMac: string;
  etherType: number;
  src: string;
  dst: string;
  proto: number;
  srcPort: number;
  dstPort: number;
  packets: number;
  bytes: number;
  samplingRate: number;
}

export interface AlertEvidence {
  /** Attack sources (addresses as seen; spoofed sources are possible), top by packets. */
  topSources: SourceEvidence[];
  topSrcPorts: CountEvidence[];
  topDstPorts: CountEvidence[];
  /** IP protocol number → estimated pps. */
  protocols: CountEvidence[];
  /** At most 10, minimal fields. */
  sampleFlows: SampleFlow[];
  /** Distinct sampling rates of the flows behind the alert. */
  samplingRates: number[];
  /** Free-form detector specifics (e.g. ports, MACs, the ethertype seen). */
  details?: Record<string, string | number | boolean | string[] | number[]>;
}

export interface AlertCandidate {
  type: AlertType;
  severity: Severity;
  /** What the alert is about: victim IP (DDoS), MAC or port (L2), source IP (scans), port (bogons), exporter. */
  target: string;
  /** Suspected source member (null when unknown). */
  sourceAsn: number | null;
  /** Victim member (null when unknown / not applicable). */
  victimAsn: number | null;
  firstSeenMs: number;
  lastSeenMs: number;
  /** `<RULE>@<version>`, e.g. 'DDOS_VOLUMETRIC_DST@1'. */
  ruleId: string;
  /** The (resolved) thresholds the rule compared against. */
  thresholds: Record<string, number>;
  /** Sampling-scaled estimates: pps, bps, flowsPerSecond, share, distinct counts... */
  metrics: Record<string, number>;
  evidence: AlertEvidence;
}

export const emptyEvidence = (): AlertEvidence => ({
  topSources: [],
  topSrcPorts: [],
  topDstPorts: [],
  protocols: [],
  sampleFlows: [],
  samplingRates: [],
});

/** "00".."ff": macText is on the finding / sample path of every new L2 finding (thousands per window in a MAC flood). */
const HEX2: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function macText(mac: number): string {
  if (Number.isInteger(mac) && mac >= 0 && mac < 2 ** 48) {
    const hi = Math.floor(mac / 4294967296);
    const lo = mac >>> 0;
    return `${HEX2[hi >>> 8]}:${HEX2[hi & 255]}:${HEX2[lo >>> 24]}:${HEX2[(lo >>> 16) & 255]}:${HEX2[(lo >>> 8) & 255]}:${HEX2[lo & 255]}`;
  }
  let s = ''; // not a 48-bit integer: the generic rendering (never produced by the decoders)
  for (let i = 5; i >= 0; i--) {
    const o = Math.floor(mac / 2 ** (8 * i)) % 256;
    s += (i < 5 ? ':' : '') + o.toString(16).padStart(2, '0');
  }
  return s;
}

export function portKey(exporter: string, ifIndex: number): string {
  return `${exporter}|${ifIndex}`;
}

/** A sample flow as captured on the hot path (no string formatting); `formatSample` renders it. */
export interface RawSample {
  ts: number;
  exporter: string;
  inIf: number;
  srcMac: number;
  dstMac: number;
  etherType: number;
  src: string;
  dst: string;
  proto: number;
  srcPort: number;
  dstPort: number;
  packets: number;
  bytes: number;
  samplingRate: number;
}

export function captureSample(f: SecurityFlow): RawSample {
  return {
    ts: f.receivedAtMs,
    exporter: f.exporter,
    inIf: f.inIf,
    srcMac: f.srcMac,
    dstMac: f.dstMac,
    etherType: f.etherType,
    src: f.srcAddr,
    dst: f.dstAddr,
    proto: f.ipProto,
    srcPort: f.srcPort,
    dstPort: f.dstPort,
    packets: f.packets,
    bytes: f.frameOctets,
    samplingRate: f.samplingRate,
  };
}

export function formatSample(r: RawSample): SampleFlow {
  return { ...r, srcMac: macText(r.srcMac), dstMac: macText(r.dstMac) };
}

/**
 * `formatSample(captureSample(f))` in one step (same fields, same key order). `srcMacText` lets a caller that
 * already rendered the source MAC (an L2 finding's target) skip rendering it again.
 */
export function sampleOf(f: SecurityFlow, srcMacText: string = macText(f.srcMac)): SampleFlow {
  return {
    ts: f.receivedAtMs,
    exporter: f.exporter,
    inIf: f.inIf,
    srcMac: srcMacText,
    dstMac: macText(f.dstMac),
    etherType: f.etherType,
    src: f.srcAddr,
    dst: f.dstAddr,
    proto: f.ipProto,
    srcPort: f.srcPort,
    dstPort: f.dstPort,
    packets: f.packets,
    bytes: f.frameOctets,
    samplingRate: f.samplingRate,
  };
}
