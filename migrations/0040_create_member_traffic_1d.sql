-- Why: long ranges (finance compares years; traffic and matrix accept any range within rollup retention).
-- Over five years member_traffic_1h holds 43,800 hours of pairs; this is the same rollup per UTC day, up to
-- 24 times fewer rows. The matrix and the exchange overview read the whole UTC days of a range here, the
-- whole hours at its edges from member_traffic_1h and the rest from the 5-minute rollups, so their numbers
-- are those of member_traffic_5m for any range. Same columns and units as member_traffic_5m; ASN 0 = not
-- attributable. Kept by a materialized view on member_traffic_5m (a cascade from flows_raw), so anything
-- stored there lands here exactly once, a replayed (deduplicated) flow batch included.
-- Cost: 1/24 of member_traffic_1h's rows when pairs talk every hour, kept as long
-- (IXMETER_ROLLUP_RETENTION_DAYS). The existing rows are copied once below, month by month with a ledger,
-- so repeating the migration or resuming it after a crash never counts twice, and a check compares the
-- copy with member_traffic_5m. Migrations run before any collector starts.
-- @shard_key: cityHash64(src_asn, dst_asn)
CREATE TABLE IF NOT EXISTS member_traffic_1d (
  bucket DateTime('UTC'),
  src_asn UInt32,
  dst_asn UInt32,
  ip_version UInt8,
  bytes UInt64,
  l3_bytes UInt64,
  packets UInt64,
  samples UInt64
) ENGINE = SummingMergeTree((bytes, l3_bytes, packets, samples))
PARTITION BY toYear(bucket)
ORDER BY (bucket, src_asn, dst_asn, ip_version)
TTL bucket + INTERVAL {{ROLLUP_RETENTION_DAYS}} DAY
-- As for member_traffic_5m: a block deduplicated upstream (spool replay) is dropped here too.
SETTINGS non_replicated_deduplication_window = 10000;

-- Backfill from the rows stored so far (row by row: no GROUP BY memory).
-- Copied one source month at a time, resumable after a crash (migrate.ts @backfill): no month twice.
-- @backfill: source=member_traffic_5m chunk=toYYYYMM(bucket) target_chunk=toYYYYMM(bucket)
INSERT INTO member_traffic_1d (bucket, src_asn, dst_asn, ip_version, bytes, l3_bytes, packets, samples)
SELECT toStartOfDay(bucket), src_asn, dst_asn, ip_version, bytes, l3_bytes, packets, samples
FROM member_traffic_5m
WHERE (SELECT count() FROM member_traffic_1d) = 0;

-- The whole days within retention must add up to member_traffic_5m exactly (a day expires here with its
-- first 5-minute bucket). Otherwise an earlier copy was interrupted: TRUNCATE TABLE member_traffic_1d, again.
SELECT throwIf(
  (SELECT (sum(bytes), sum(l3_bytes), sum(packets), sum(samples))
     FROM member_traffic_1d WHERE bucket >= toStartOfDay(now() - INTERVAL {{ROLLUP_RETENTION_DAYS}} DAY) + INTERVAL 1 DAY)
  != (SELECT (sum(bytes), sum(l3_bytes), sum(packets), sum(samples))
     FROM member_traffic_5m WHERE bucket >= toStartOfDay(now() - INTERVAL {{ROLLUP_RETENTION_DAYS}} DAY) + INTERVAL 1 DAY),
  'member_traffic_1d does not match member_traffic_5m (an interrupted backfill?): run TRUNCATE TABLE member_traffic_1d, then start again');

CREATE MATERIALIZED VIEW IF NOT EXISTS member_traffic_1d_mv TO member_traffic_1d AS
SELECT toStartOfDay(bucket) AS bucket, src_asn, dst_asn, ip_version, bytes, l3_bytes, packets, samples
FROM member_traffic_5m;
