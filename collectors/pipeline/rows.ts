/**
 * Column order of flows_raw (rows are RowBinary, rowbinary.ts) and InterfaceCounters → JSONCompactEachRow
 * lines of interface_counters_raw (migrations/0003, 0004). Built in the collector worker thread, so the main thread (chDB's) only
 * hands text to ClickHouse. IPv4 addresses go into IPv6 columns as ::ffff:a.b.c.d (ClickHouse maps them).
 */
import type { FlowRecord, InterfaceCounters } from '../decoders/types.js';

export const FLOW_COLUMNS = [
  'received_at', 'flow_start', 'flow_end', 'protocol', 'exporter', 'observation_domain', 'sampler_id', 'in_if', 'out_if',
  'src_mac', 'dst_mac', 'vlan', 'inner_vlan', 'ether_type', 'ip_version', 'src_addr', 'dst_addr', 'ip_proto', 'src_port',
  'dst_port', 'tcp_flags', 'tos', 'fragment', 'direction', 'packets', 'l3_octets', 'frame_octets', 'sampling_rate', 'sampling_source',
  'src_asn', 'dst_asn', 'src_attr', 'dst_attr',
] as const;

function ip(a: string): string {
  return a === '' ? '::' : a;
}

export const COUNTER_COLUMNS = [
  'received_at', 'exporter', 'agent', 'sub_agent_id', 'source_id', 'sequence', 'if_index', 'if_type', 'if_speed', 'if_direction', 'if_status',
  'in_octets', 'in_ucast_pkts', 'in_multicast_pkts', 'in_broadcast_pkts', 'in_discards', 'in_errors', 'in_unknown_protos',
  'out_octets', 'out_ucast_pkts', 'out_multicast_pkts', 'out_broadcast_pkts', 'out_discards', 'out_errors', 'promiscuous_mode',
] as const;

export function counterRow(c: InterfaceCounters): string {
  return JSON.stringify([
    c.receivedAtMs, ip(c.exporter), ip(c.agent), c.subAgentId >>> 0, c.sourceId >>> 0, c.sequence >>> 0, c.ifIndex >>> 0, c.ifType >>> 0, c.ifSpeed, c.ifDirection, c.ifStatus,
    c.ifInOctets, c.ifInUcastPkts, c.ifInMulticastPkts, c.ifInBroadcastPkts, c.ifInDiscards, c.ifInErrors, c.ifInUnknownProtos,
    c.ifOutOctets, c.ifOutUcastPkts, c.ifOutMulticastPkts, c.ifOutBroadcastPkts, c.ifOutDiscards, c.ifOutErrors, c.ifPromiscuousMode,
  ]);
}
