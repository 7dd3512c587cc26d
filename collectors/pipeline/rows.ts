/**
 * Column order of flows_raw (rows are RowBinary, rowbinary.ts) and InterfaceCounters → JSONCompactEachRow
 * lines of interface_counters_raw (migrations/0003, 0004). Built in the collector worker thread, so the main thread (chDB's) only
 * hands text to ClickHouse. IPv4 addresses go into IPv6 columns as ::ffff:a.b.c.d (ClickHouse maps them).
 */
import type { FlowRecord, InterfaceCounters } from '../decoders/types.js';

export const FLOW_COLUMNS = [
  'received_at',
  'flow_start',
  'flow_end',
  'protocol',
  'exporter',
  'observation_domain',
  'sampler_id',
  'in_if',
  'out_if',
  'src_mac',
  'dst_mac',
  'vlan',
  'inner_vlan',
  'ether_type',
  'ip_version',
  'src_addr',
  'dst_addr',
  'ip_proto',
  'src_port',
  'dst_port',
  'tcp_flags',
  'tos',
  'fragment',
  'direction',
  'packets',
  'l3_octets',
  'frame_octets',
  'sampling_rate',
  'sampling_source',
  'src_asn',
  'dst_asn',
  'src_attr',
  'dst_attr',
] as const;

/**
 * The types RowBinary rows are read as, in FLOW_COLUMNS order: flows_raw's types (migrations/0003) with
 * LowCardinality(String) read as String — the same bytes on the wire, but ClickHouse parses a
 * LowCardinality column value by value (≈ 0.45 µs of the ≈ 2.5 CPU-µs per stored row, measured) and a
 * String column in bulk, then converts it once per block. A test checks this against system.columns.
 */
export const FLOW_ROW_STRUCTURE = [
  "received_at DateTime64(3, 'UTC')",
  "flow_start DateTime64(3, 'UTC')",
  "flow_end DateTime64(3, 'UTC')",
  'protocol String',
  'exporter IPv6',
  'observation_domain UInt32',
  'sampler_id UInt32',
  'in_if UInt32',
  'out_if UInt32',
  'src_mac UInt64',
  'dst_mac UInt64',
  'vlan UInt16',
  'inner_vlan UInt16',
  'ether_type UInt16',
  'ip_version UInt8',
  'src_addr IPv6',
  'dst_addr IPv6',
  'ip_proto UInt8',
  'src_port UInt16',
  'dst_port UInt16',
  'tcp_flags UInt16',
  'tos UInt8',
  'fragment UInt8',
  'direction UInt8',
  'packets UInt64',
  'l3_octets UInt64',
  'frame_octets UInt64',
  'sampling_rate UInt32',
  'sampling_source String',
  'src_asn UInt32',
  'dst_asn UInt32',
  'src_attr String',
  'dst_attr String',
].join(', ');

function ip(a: string): string {
  return a === '' ? '::' : a;
}

export const COUNTER_COLUMNS = [
  'received_at',
  'exporter',
  'agent',
  'sub_agent_id',
  'source_id',
  'sequence',
  'if_index',
  'if_type',
  'if_speed',
  'if_direction',
  'if_status',
  'in_octets',
  'in_ucast_pkts',
  'in_multicast_pkts',
  'in_broadcast_pkts',
  'in_discards',
  'in_errors',
  'in_unknown_protos',
  'out_octets',
  'out_ucast_pkts',
  'out_multicast_pkts',
  'out_broadcast_pkts',
  'out_discards',
  'out_errors',
  'promiscuous_mode',
] as const;

export function counterRow(c: InterfaceCounters): string {
  return JSON.stringify([
    c.receivedAtMs,
    ip(c.exporter),
    ip(c.agent),
    c.subAgentId >>> 0,
    c.sourceId >>> 0,
    c.sequence >>> 0,
    c.ifIndex >>> 0,
    c.ifType >>> 0,
    c.ifSpeed,
    c.ifDirection,
    c.ifStatus,
    c.ifInOctets,
    c.ifInUcastPkts,
    c.ifInMulticastPkts,
    c.ifInBroadcastPkts,
    c.ifInDiscards,
    c.ifInErrors,
    c.ifInUnknownProtos,
    c.ifOutOctets,
    c.ifOutUcastPkts,
    c.ifOutMulticastPkts,
    c.ifOutBroadcastPkts,
    c.ifOutDiscards,
    c.ifOutErrors,
    c.ifPromiscuousMode,
  ]);
}
