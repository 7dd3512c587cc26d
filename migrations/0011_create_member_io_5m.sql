-- Why: the per-member rollup. member_traffic_5m is ordered by (src_asn, dst_asn, …), so "all traffic of
-- member X" (src_asn = X OR dst_asn = X) can use its sort key for one side only and scans the rest; member
-- traffic and statements read this table instead, ordered by the member. Every member_traffic_5m row is
-- here twice: under asn = src_asn with peer_asn = dst_asn in the in_* columns (the member sends), and under
-- asn = dst_asn with peer_asn = src_asn in the out_* columns (the member receives); self-traffic
-- (src = dst) fills both on one row. ASN 0 = not attributable, kept like any other. Same units as
-- member_traffic_5m. Kept by a materialized view on member_traffic_5m (a cascade from flows_raw), so
-- anything stored there lands here exactly once, a replayed (deduplicated) flow batch included.
-- Cost: two rows per member_traffic_5m row, kept as long (IXMETER_ROLLUP_RETENTION_DAYS). The existing
-- rows are copied once below; the copy runs only while this table is empty, so repeating the migration
-- never counts twice, and a check refuses to go on if an interrupted copy left it incomplete.
-- Migrations run before any collector starts: nothing is written to member_traffic_5m meanwhile.
-- @shard_key: cityHash64(asn)
CREATE TABLE IF NOT EXISTS member_io_5m (
  asn UInt32,
  bucket DateTime('UTC'),
  peer_asn UInt32,
  ip_version UInt8,
  in_bytes UInt64,
  in_l3_bytes UInt64,
  in_packets UInt64,
  in_samples UInt64,
  out_bytes UInt64,
  out_l3_bytes UInt64,
  out_packets UInt64,
  out_samples UInt64
) ENGINE = SummingMergeTree((in_bytes, in_l3_bytes, in_packets, in_samples, out_bytes, out_l3_bytes, out_packets, out_samples))
PARTITION BY toYYYYMM(bucket)
ORDER BY (asn, bucket, peer_asn, ip_version)
TTL bucket + INTERVAL {{ROLLUP_RETENTION_DAYS}} DAY
-- As for member_traffic_5m: a block deduplicated upstream (spool replay) is dropped here too.
SETTINGS non_replicated_deduplication_window = 10000;

-- Backfill from the rows stored so far, only into an empty table (side 0 = as sender, 1 = as receiver).
INSERT INTO member_io_5m (asn, bucket, peer_asn, ip_version, in_bytes, in_l3_bytes, in_packets, in_samples, out_bytes, out_l3_bytes, out_packets, out_samples)
SELECT
  if(side = 0, src_asn, dst_asn), bucket, if(side = 0, dst_asn, src_asn), ip_version,
  if(side = 0, bytes, 0), if(side = 0, l3_bytes, 0), if(side = 0, packets, 0), if(side = 0, samples, 0),
  if(side = 1, bytes, 0), if(side = 1, l3_bytes, 0), if(side = 1, packets, 0), if(side = 1, samples, 0)
FROM member_traffic_5m
ARRAY JOIN [0, 1] AS side
WHERE (SELECT count() FROM member_io_5m) = 0;

-- Both directions must add up to member_traffic_5m exactly (rows within retention: TTL merges run on
-- each table at its own time). Otherwise an earlier copy was interrupted half-way: empty member_io_5m
-- (TRUNCATE TABLE member_io_5m) and start again.
SELECT throwIf(
  (SELECT (sum(in_bytes), sum(in_l3_bytes), sum(in_packets), sum(in_samples), sum(out_bytes), sum(out_l3_bytes), sum(out_packets), sum(out_samples))
     FROM member_io_5m WHERE bucket > now() - INTERVAL {{ROLLUP_RETENTION_DAYS}} DAY)
  != (SELECT (sum(bytes), sum(l3_bytes), sum(packets), sum(samples), sum(bytes), sum(l3_bytes), sum(packets), sum(samples))
     FROM member_traffic_5m WHERE bucket > now() - INTERVAL {{ROLLUP_RETENTION_DAYS}} DAY),
  'member_io_5m does not match member_traffic_5m (an interrupted backfill?): run TRUNCATE TABLE member_io_5m, then start again');

CREATE MATERIALIZED VIEW IF NOT EXISTS member_io_5m_mv TO member_io_5m AS
SELECT
  if(side = 0, src_asn, dst_asn) AS asn,
  bucket,
  if(side = 0, dst_asn, src_asn) AS peer_asn,
  ip_version,
  if(side = 0, bytes, 0) AS in_bytes,
  if(side = 0, l3_bytes, 0) AS in_l3_bytes,
  if(side = 0, packets, 0) AS in_packets,
  if(side = 0, samples, 0) AS in_samples,
  if(side = 1, bytes, 0) AS out_bytes,
  if(side = 1, l3_bytes, 0) AS out_l3_bytes,
  if(side = 1, packets, 0) AS out_packets,
  if(side = 1, samples, 0) AS out_samples
FROM member_traffic_5m
ARRAY JOIN [0, 1] AS side;
