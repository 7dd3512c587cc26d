-- Why: the billing rollup. Member → member traffic per 5-minute bucket (epoch-aligned), in contract
-- units scaled by the sampling rate: bytes = L2 frame octets incl. FCS, l3_bytes = IP octets,
-- packets; plus the number of flow records/samples behind each number (statistical confidence).
-- ASN 0 = not attributable. Kept by a materialized view from flows_raw, so every stored flow lands
-- here exactly once. Retention: IXMETER_ROLLUP_RETENTION_DAYS (default 5 years) as billing evidence.
-- @shard_key: cityHash64(src_asn, dst_asn)
CREATE TABLE IF NOT EXISTS member_traffic_5m (
  bucket DateTime('UTC'),
  src_asn UInt32,
  dst_asn UInt32,
  ip_version UInt8,
  bytes UInt64,
  l3_bytes UInt64,
  packets UInt64,
  samples UInt64
) ENGINE = SummingMergeTree((bytes, l3_bytes, packets, samples))
PARTITION BY toYYYYMM(bucket)
ORDER BY (src_asn, dst_asn, bucket, ip_version)
TTL bucket + INTERVAL {{ROLLUP_RETENTION_DAYS}} DAY
-- A flow batch replayed from the spool is deduplicated by its token in flows_raw; the view's block
-- inherits a token derived from it, and this window makes the rollup drop the repeat too (measured:
-- without it, a deduplicated source insert is still added to the rollup).
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS member_traffic_5m_mv TO member_traffic_5m AS
SELECT
  toStartOfFiveMinutes(toDateTime(received_at, 'UTC')) AS bucket,
  src_asn,
  dst_asn,
  ip_version,
  sum(frame_octets * sampling_rate) AS bytes,
  sum(l3_octets * sampling_rate) AS l3_bytes,
  sum(packets * sampling_rate) AS packets,
  count() AS samples
FROM flows_raw
GROUP BY bucket, src_asn, dst_asn, ip_version;
