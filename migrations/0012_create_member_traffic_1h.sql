-- Why: the member × member matrix. Over 30 days it summed every member_traffic_5m row in the range (500
-- members: 62 M rows, 0.8 s); this is the same rollup per hour (UTC hours: every whole-hour time zone,
-- Asia/Shanghai included, has its hour boundaries on them), up to 12 times fewer rows. The matrix reads the whole
-- hours of a range here and only the partial hours at its edges from member_traffic_5m, so its numbers are
-- those of member_traffic_5m for any range. Ordered by hour first: a range reads only its own hours (the
-- matrix groups every pair anyway). Same columns and units as member_traffic_5m; ASN 0 = not attributable.
-- Kept by a materialized view on member_traffic_5m (a cascade from flows_raw), so anything stored there
-- lands here exactly once, a replayed (deduplicated) flow batch included.
-- Cost: 1/12 of member_traffic_5m's rows when pairs talk in every 5-minute bucket (more when they do not),
-- kept as long (IXMETER_ROLLUP_RETENTION_DAYS). The existing rows are copied once below; the copy runs
-- only while this table is empty, so repeating the migration never counts twice, and a check refuses to go
-- on if an interrupted copy left it incomplete.
-- Migrations run before any collector starts: nothing is written to member_traffic_5m meanwhile.
-- @shard_key: cityHash64(src_asn, dst_asn)
CREATE TABLE IF NOT EXISTS member_traffic_1h (
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
ORDER BY (bucket, src_asn, dst_asn, ip_version)
TTL bucket + INTERVAL {{ROLLUP_RETENTION_DAYS}} DAY
-- As for member_traffic_5m: a block deduplicated upstream (spool replay) is dropped here too.
SETTINGS non_replicated_deduplication_window = 10000;

-- Backfill from the rows stored so far, only into an empty table. Row by row (no GROUP BY, so no memory
-- for years of pairs): the rows of one hour are summed as the parts are written and merged.
INSERT INTO member_traffic_1h (bucket, src_asn, dst_asn, ip_version, bytes, l3_bytes, packets, samples)
SELECT toStartOfHour(bucket), src_asn, dst_asn, ip_version, bytes, l3_bytes, packets, samples
FROM member_traffic_5m
WHERE (SELECT count() FROM member_traffic_1h) = 0;

-- The whole hours within retention must add up to member_traffic_5m exactly (TTL merges run on each table
-- at its own time, and an hour expires here with its first 5-minute bucket). Otherwise an earlier copy was
-- interrupted half-way: empty member_traffic_1h (TRUNCATE TABLE member_traffic_1h) and start again.
SELECT throwIf(
  (SELECT (sum(bytes), sum(l3_bytes), sum(packets), sum(samples))
     FROM member_traffic_1h WHERE bucket >= toStartOfHour(now() - INTERVAL {{ROLLUP_RETENTION_DAYS}} DAY) + INTERVAL 1 HOUR)
  != (SELECT (sum(bytes), sum(l3_bytes), sum(packets), sum(samples))
     FROM member_traffic_5m WHERE bucket >= toStartOfHour(now() - INTERVAL {{ROLLUP_RETENTION_DAYS}} DAY) + INTERVAL 1 HOUR),
  'member_traffic_1h does not match member_traffic_5m (an interrupted backfill?): run TRUNCATE TABLE member_traffic_1h, then start again');

CREATE MATERIALIZED VIEW IF NOT EXISTS member_traffic_1h_mv TO member_traffic_1h AS
SELECT toStartOfHour(bucket) AS bucket, src_asn, dst_asn, ip_version, bytes, l3_bytes, packets, samples
FROM member_traffic_5m;
