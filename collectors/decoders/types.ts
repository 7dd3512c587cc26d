/**
 * The one normalized flow record every decoder produces, and the decoder contract.
 *
 * Decoders are pure: no I/O, no clocks (time comes in the datagram), no globals. State that must
 * live across datagrams (templates, sampler tables, pending data, sequence numbers) is held in the
 * `DecoderState` the caller passes in, so the pipeline can persist it and tests can inspect it.
 */

export type FlowProtocol = 'netflow-v5' | 'netflow-v9' | 'ipfix' | 'sflow-v5';

/** Where a record's sampling rate came from. 'unknown' means rate 1 was assumed and the exporter is flagged. */
/** How a flow side was attributed to a member (flows_raw src_attr / dst_attr). */
export type AttrMethod = 'mac' | 'port' | 'ip' | 'none';

export type SamplingSource = 'record' | 'options' | 'header' | 'sflow' | 'config' | 'unknown';

export interface FlowRecord {
  /** Datagram receive time, ms since epoch. */
  receivedAtMs: number;
  /** Flow start/end in ms since epoch when the protocol carries them (absolute), else 0. */
  flowStartMs: number;
  flowEndMs: number;
  protocol: FlowProtocol;
  /** Exporter address as text (dotted IPv4 or canonical IPv6), the UDP source of the datagram. */
  exporter: string;
  /** NetFlow v9 source id / IPFIX observation domain / sFlow sub-agent id. */
  observationDomain: number;
  /** Sampler id (v9/IPFIX IE 48/302) or sFlow data source (ds_class<<24 | ds_index); 0 when absent. */
  samplerId: number;
  inIf: number;
  outIf: number;
  /** MAC addresses as 48-bit integers (exact in a JS number); 0 when absent. */
  srcMac: number;
  dstMac: number;
  /** Outer 802.1Q VLAN id (0 = untagged/unknown) and inner id for QinQ (0 = none). */
  vlan: number;
  innerVlan: number;
  /** Ethertype of the (innermost) payload, e.g. 0x0800; 0 when unknown. */
  etherType: number;
  /** 4, 6, or 0 for non-IP. */
  ipVersion: 4 | 6 | 0;
  /** Addresses as text (dotted IPv4 or canonical IPv6), '' when absent. */
  srcAddr: string;
  dstAddr: string;
  ipProto: number;
  srcPort: number;
  /** For ICMP/ICMPv6: type*256+code, as NetFlow does. */
  dstPort: number;
  tcpFlags: number;
  tos: number;
  /** 1 when the packet is an IP fragment (sFlow headers, or IPFIX fragment flags); 0 otherwise. */
  fragment: 0 | 1;
  /** 0 ingress, 1 egress, 255 unknown (v9/IPFIX IE 61). */
  direction: number;
  /** Counts as exported, NOT yet multiplied by samplingRate. */
  packets: number;
  /** IP (layer-3) octets as exported: NetFlow/IPFIX octet counts; sFlow frame less L2 header, tags, FCS. */
  l3Octets: number;
  /** Layer-2 frame octets incl. Ethernet header and FCS (contract.md): sFlow frame_length; NetFlow/IPFIX l3 + 18/22 per packet. */
  frameOctets: number;
  samplingRate: number;
  samplingSource: SamplingSource;
  /** Member attribution, set by the collector (pipeline/attribution.ts); decoders leave 0 / 'none'. */
  srcAsn: number;
  dstAsn: number;
  srcAttr: AttrMethod;
  dstAttr: AttrMethod;
}

/** sFlow interface counters (generic counters_sample record 1, plus ethernet record 2 fields where present). */
export interface InterfaceCounters {
  receivedAtMs: number;
  exporter: string;
  agent: string;
  subAgentId: number;
  sourceId: number;
  sequence: number;
  ifIndex: number;
  ifType: number;
  ifSpeed: number;
  ifDirection: number;
  ifStatus: number;
  ifInOctets: number;
  ifInUcastPkts: number;
  ifInMulticastPkts: number;
  ifInBroadcastPkts: number;
  ifInDiscards: number;
  ifInErrors: number;
  ifInUnknownProtos: number;
  ifOutOctets: number;
  ifOutUcastPkts: number;
  ifOutMulticastPkts: number;
  ifOutBroadcastPkts: number;
  ifOutDiscards: number;
  ifOutErrors: number;
  ifPromiscuousMode: number;
}

/** Stable reason codes for everything a decoder refuses or skips. Each becomes a metric label. */
export type DecodeErrorReason =
  | 'truncated' // datagram or structure shorter than its header says
  | 'bad_version' // unknown protocol version
  | 'bad_length' // set/record length inconsistent (0, < header, past end)
  | 'bad_template' // template definition invalid (0-length field in v9, length overflow...)
  | 'template_missing' // data for an unknown template (held as pending, or dropped when pending is full/expired)
  | 'pending_expired' // pending data dropped after the hold time
  | 'pending_overflow' // pending data dropped because the hold buffer is full
  | 'enterprise_field' // IPFIX enterprise-specific IE skipped (counted, not an error of the datagram)
  | 'unknown_sample' // sFlow sample format (or enterprise) not decoded: the sample is skipped by its length
  | 'unknown_record' // sFlow flow/counter record format not decoded inside a known sample (skipped by its length)
  | 'bad_header' // raw packet header could not be parsed (record kept with what was parsed)
  | 'bad_address'; // unsupported agent/exporter address type

export interface DecodeCounters {
  /** Reason -> count for this datagram. */
  errors: Partial<Record<DecodeErrorReason, number>>;
  templatesLearned: number;
  templatesWithdrawn: number;
  /** Data records held back waiting for their template (released later by another decode call). */
  pendingHeld: number;
  /** Lost datagrams (NetFlow v5/v9/IPFIX sequence gaps) and lost sFlow samples (sample_pool/drops/seq gaps). */
  lostDatagrams: number;
  lostSamples: number;
  /** sFlow 'drops' field sum: samples the agent itself dropped for lack of resources. */
  agentDrops: number;
}

export interface DecodeResult {
  flows: FlowRecord[];
  counters: InterfaceCounters[];
  stats: DecodeCounters;
}

/** The datagram as the listener received it. */
export interface RawDatagram {
  receivedAtMs: number;
  /** UDP source address (exporter), text form. */
  exporter: string;
  exporterPort: number;
  payload: Uint8Array;
}

export function emptyStats(): DecodeCounters {
  return {
    errors: {},
    templatesLearned: 0,
    templatesWithdrawn: 0,
    pendingHeld: 0,
    lostDatagrams: 0,
    lostSamples: 0,
    agentDrops: 0,
  };
}

export function countError(stats: DecodeCounters, reason: DecodeErrorReason, n = 1): void {
  stats.errors[reason] = (stats.errors[reason] ?? 0) + n;
}

/** Ethernet header (14) + FCS (4) = 18 octets added per packet to IP octets; 22 with one 802.1Q tag. */
export function frameOctetsFromL3(l3Octets: number, packets: number, vlanTagged: boolean): number {
  return l3Octets + packets * (vlanTagged ? 22 : 18);
}

/**
 * Sampling-rate policy from configuration, per exporter address.
 * Precedence when a decoder assigns a record's rate:
 *   override(exporter) → rate in the record itself → exporter's options data / sFlow sample → fallback(exporter) → 1 ('unknown').
 */
export interface SamplingPolicy {
  /** A forced rate for this exporter (operator knows better than the device), or undefined. */
  override(exporter: string): number | undefined;
  /** A configured default used only when the device tells nothing, or undefined. */
  fallback(exporter: string): number | undefined;
}

export const NO_SAMPLING_POLICY: SamplingPolicy = { override: () => undefined, fallback: () => undefined };
