-- Why: the exchange overview (综合监测): the fabric total per 5-minute bucket and IP version. Every byte
-- once: a member_traffic_5m row is one (sender, receiver) pair, so the fabric total is the sum of its rows
-- (the sending side; unattributable traffic, ASN 0, included). Summing 62 M pair rows for 30 days (500
-- members) takes most of a second; this table has two rows per bucket, 17,280 for 30 days.
-- Kept by a materialized view on member_traffic_5m (a cascade from flows_raw), so anything stored there lands
-- here exactly once, a replayed (deduplicated) flow batch included.
-- Cost: negligible (two rows per 5 minutes), kept as long as the member rollups (IXMETER_ROLLUP_RETENTION_DAYS).
-- The existing rows are copied once below, month by month with a ledger (resumable), and checked.
-- @shard_key: cityHash64(bucket)
CREATE TABLE IF NOT EXISTS fabric_traffic_5m (
  bucket DateTime('UTC'),
  ip_version UInt8,
  bytes UInt64,
  l3_bytes UInt64,
  packets UInt64,
  samples UInt64
) ENGINE = SummingMergeTree((bytes, l3_bytes, packets, samples))
PARTITION BY toYear(bucket)
ORDER BY (bucket, ip_version)
TTL bucket + INTERVAL {{ROLLUP_RETENTION_DAYS}} DAY
SETTINGS non_replicated_deduplication_window = 10000;

-- Copied one source month at a time, resumable after a crash (migrate.ts @backfill): no month twice.
-- @backfill: source=member_traffic_5m chunk=toYYYYMM(bucket) target_chunk=toYYYYMM(bucket)
INSERT INTO fabric_traffic_5m (bucket, ip_version, bytes, l3_bytes, packets, samples)
SELECT bucket, ip_version, bytes, l3_bytes, packets, samples
FROM member_traffic_5m
WHERE (SELECT count() FROM fabric_traffic_5m) = 0;

SELECT throwIf(
  (SELECT (sum(bytes), sum(l3_bytes), sum(packets), sum(samples)) FROM fabric_traffic_5m WHERE bucket > now() - INTERVAL {{ROLLUP_RETENTION_DAYS}} DAY)
  != (SELECT (sum(bytes), sum(l3_bytes), sum(packets), sum(samples)) FROM member_traffic_5m WHERE bucket > now() - INTERVAL {{ROLLUP_RETENTION_DAYS}} DAY),
  'fabric_traffic_5m does not match member_traffic_5m (an interrupted backfill?): run TRUNCATE TABLE fabric_traffic_5m, then start again');

CREATE MATERIALIZED VIEW IF NOT EXISTS fabric_traffic_5m_mv TO fabric_traffic_5m AS
SELECT bucket, ip_version, bytes, l3_bytes, packets, samples
FROM member_traffic_5m;
