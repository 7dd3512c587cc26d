-- Why: the switches' own view of each port (sFlow generic interface counters), per 5-minute bucket:
-- the largest cumulative counter seen in the bucket; traffic in a bucket is the difference to the
-- previous bucket (counter resets are detected as decreases). Reconciliation compares it with the
-- flow estimate per port and day.
-- Cost: ports × buckets rows; kept like the billing rollups.
-- @shard_key: cityHash64(exporter, if_index)
CREATE TABLE IF NOT EXISTS port_counters_5m (
  bucket DateTime('UTC'),
  exporter IPv6,
  if_index UInt32,
  in_octets SimpleAggregateFunction(max, UInt64),
  out_octets SimpleAggregateFunction(max, UInt64),
  in_pkts SimpleAggregateFunction(max, UInt64),
  out_pkts SimpleAggregateFunction(max, UInt64),
  if_speed SimpleAggregateFunction(max, UInt64),
  samples SimpleAggregateFunction(sum, UInt64)
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (exporter, if_index, bucket)
TTL bucket + INTERVAL {{ROLLUP_RETENTION_DAYS}} DAY
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS port_counters_5m_mv TO port_counters_5m AS
SELECT
  toStartOfFiveMinutes(toDateTime(received_at, 'UTC')) AS bucket,
  exporter,
  if_index,
  max(in_octets) AS in_octets,
  max(out_octets) AS out_octets,
  max(in_ucast_pkts + in_multicast_pkts + in_broadcast_pkts) AS in_pkts,
  max(out_ucast_pkts + out_multicast_pkts + out_broadcast_pkts) AS out_pkts,
  max(if_speed) AS if_speed,
  count() AS samples
FROM interface_counters_raw
GROUP BY bucket, exporter, if_index;
