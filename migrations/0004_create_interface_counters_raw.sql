-- Why: sFlow interface counter samples (generic interface counters) per port, the switch's own view of
-- traffic; reconciliation compares them with flow estimates (double sampling, wrong rates, throttling).
-- Cost: one row per port per polling interval (typically 20-30 s); kept like the billing rollups.
-- @shard_key: cityHash64(exporter, if_index)
CREATE TABLE IF NOT EXISTS interface_counters_raw (
  received_at DateTime64(3, 'UTC') CODEC(DoubleDelta, ZSTD(1)),
  exporter IPv6,
  agent IPv6,
  sub_agent_id UInt32,
  source_id UInt32,
  sequence UInt32,
  if_index UInt32,
  if_type UInt32,
  if_speed UInt64,
  if_direction UInt8,
  if_status UInt8,
  in_octets UInt64,
  in_ucast_pkts UInt64,
  in_multicast_pkts UInt64,
  in_broadcast_pkts UInt64,
  in_discards UInt64,
  in_errors UInt64,
  in_unknown_protos UInt64,
  out_octets UInt64,
  out_ucast_pkts UInt64,
  out_multicast_pkts UInt64,
  out_broadcast_pkts UInt64,
  out_discards UInt64,
  out_errors UInt64,
  promiscuous_mode UInt8
) ENGINE = MergeTree
PARTITION BY toYYYYMM(received_at)
ORDER BY (exporter, if_index, received_at)
TTL toDateTime(received_at) + INTERVAL {{ROLLUP_RETENTION_DAYS}} DAY
SETTINGS non_replicated_deduplication_window = 10000;
