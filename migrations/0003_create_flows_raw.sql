-- Why: every decoded flow record, normalized across NetFlow v5/v9, IPFIX and sFlow v5 (contract.md
-- units): counts as exported plus the sampling rate, so billing can always be recomputed. Member
-- attribution and 5-minute rollups build on this table.
-- Cost: the largest table; partitioned by day, rows expire after IXMETER_RAW_RETENTION_DAYS (CSL Art. 21
-- floor 6 months; PIPL: no longer than necessary). Inserts carry a deduplication token, so a batch
-- replayed from the spool after an ambiguous failure is stored once.
-- @shard_key: cityHash64(exporter, src_mac, dst_mac)
CREATE TABLE IF NOT EXISTS flows_raw (
  received_at DateTime64(3, 'UTC') CODEC(DoubleDelta, ZSTD(1)),
  flow_start DateTime64(3, 'UTC') CODEC(DoubleDelta, ZSTD(1)),
  flow_end DateTime64(3, 'UTC') CODEC(DoubleDelta, ZSTD(1)),
  protocol LowCardinality(String),
  exporter IPv6,
  observation_domain UInt32,
  sampler_id UInt32,
  in_if UInt32,
  out_if UInt32,
  src_mac UInt64,
  dst_mac UInt64,
  vlan UInt16,
  inner_vlan UInt16,
  ether_type UInt16,
  ip_version UInt8,
  src_addr IPv6,
  dst_addr IPv6,
  ip_proto UInt8,
  src_port UInt16,
  dst_port UInt16,
  tcp_flags UInt16,
  tos UInt8,
  fragment UInt8,
  direction UInt8,
  packets UInt64,
  l3_octets UInt64,
  frame_octets UInt64,
  sampling_rate UInt32,
  sampling_source LowCardinality(String),
  -- Member attribution at ingest (0 = not attributable), and how: 'mac', 'port', 'ip' or 'none'.
  src_asn UInt32,
  dst_asn UInt32,
  src_attr LowCardinality(String),
  dst_attr LowCardinality(String)
) ENGINE = MergeTree
PARTITION BY toYYYYMMDD(received_at)
ORDER BY (exporter, received_at)
TTL toDateTime(received_at) + INTERVAL {{RAW_RETENTION_DAYS}} DAY
SETTINGS non_replicated_deduplication_window = 10000;
