-- Why: per-member coverage needs the exporters that carry a member. A member with registered ports
-- (ixmeter.ports[].exporter) is carried by those exporters; one without is carried by the exporters that
-- saw its MACs as a source (attributed by MAC, src_attr = 'mac') in the month: learned here, per UTC day,
-- member and exporter. Kept by a materialized view on flows_raw, so a replayed (deduplicated) flow batch is
-- counted once.
-- Cost: at most one row per (day, member, exporter) after merges: a few thousand rows a day. The existing
-- flows_raw rows (raw retention) are copied once below, month by month with a ledger, so repeating the
-- migration or resuming it after a crash never counts twice, and a check compares the copy with flows_raw.
-- Migrations run before any collector starts: nothing is written to flows_raw meanwhile.
-- @shard_key: cityHash64(asn)
CREATE TABLE IF NOT EXISTS member_exporters_1d (
  day Date,
  asn UInt32,
  exporter IPv6,
  flows UInt64
) ENGINE = SummingMergeTree((flows))
PARTITION BY toYYYYMM(day)
ORDER BY (day, asn, exporter)
TTL day + INTERVAL {{ROLLUP_RETENTION_DAYS}} DAY
SETTINGS non_replicated_deduplication_window = 10000;

-- Copied one source month at a time, resumable after a crash (migrate.ts @backfill): no month twice.
-- @backfill: source=flows_raw chunk=toYYYYMM(received_at) target_chunk=toYYYYMM(day)
INSERT INTO member_exporters_1d (day, asn, exporter, flows)
SELECT toDate(received_at, 'UTC') AS day, src_asn AS asn, exporter, count() AS flows
FROM flows_raw
WHERE src_attr = 'mac' AND src_asn != 0 AND (SELECT count() FROM member_exporters_1d) = 0
GROUP BY day, asn, exporter;

-- The copy must match flows_raw (rows within raw retention). Otherwise an earlier copy was interrupted
-- half-way: empty member_exporters_1d (TRUNCATE TABLE member_exporters_1d) and start again.
SELECT throwIf(
  (SELECT sum(flows) FROM member_exporters_1d WHERE day > today() - {{RAW_RETENTION_DAYS}})
  != (SELECT count() FROM flows_raw WHERE src_attr = 'mac' AND src_asn != 0 AND toDate(received_at, 'UTC') > today() - {{RAW_RETENTION_DAYS}}),
  'member_exporters_1d does not match flows_raw (an interrupted backfill?): run TRUNCATE TABLE member_exporters_1d, then start again');

CREATE MATERIALIZED VIEW IF NOT EXISTS member_exporters_1d_mv TO member_exporters_1d AS
SELECT toDate(received_at, 'UTC') AS day, src_asn AS asn, exporter, count() AS flows
FROM flows_raw
WHERE src_attr = 'mac' AND src_asn != 0
GROUP BY day, asn, exporter;
