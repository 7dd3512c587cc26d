-- Why: monthly statements and subsidies (finance), their workflow and inputs.
--  collector_activity_5m: which 5-minute buckets had flow data at all (coverage: a bucket without
--    any exporter data is missing, never zero traffic);
--  statements: every computed version of a member-month (JSON document, hashes, amount); a recompute
--    with unchanged inputs adds nothing, changed inputs add a version and keep the old;
--  statement_events: append-only workflow (draft → reviewed → approved → exported), who/when/what;
--  statement_runs: one row per month run (members expected), so an interrupted run is completed;
--  subsidy_policies: versioned policy documents, never edited in place;
--  statement_exclusions: intervals removed from a member's statement (maintenance, confirmed attacks).
-- Cost: small tables; statements are kept ≥ 10 years (no TTL).
-- @shard_key: cityHash64(exporter)
CREATE TABLE IF NOT EXISTS collector_activity_5m (
  bucket DateTime('UTC'),
  exporter IPv6,
  flows UInt64
) ENGINE = SummingMergeTree((flows))
PARTITION BY toYYYYMM(bucket)
ORDER BY (bucket, exporter)
TTL bucket + INTERVAL {{ROLLUP_RETENTION_DAYS}} DAY
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS collector_activity_5m_mv TO collector_activity_5m AS
SELECT toStartOfFiveMinutes(toDateTime(received_at, 'UTC')) AS bucket, exporter, count() AS flows
FROM flows_raw
GROUP BY bucket, exporter;

-- @replicated
CREATE TABLE IF NOT EXISTS statements (
  asn UInt32,
  month String,
  version UInt32,
  run_id String,
  inputs_hash String,
  samples_hash String,
  policy_id String,
  policy_version UInt32,
  amount_fen Int64,
  document String,
  created_at DateTime64(3, 'UTC'),
  created_by String
) ENGINE = MergeTree ORDER BY (month, asn, version);

-- @replicated
CREATE TABLE IF NOT EXISTS statement_events (
  asn UInt32,
  month String,
  version UInt32,
  at DateTime64(3, 'UTC'),
  action LowCardinality(String),
  from_status LowCardinality(String),
  to_status LowCardinality(String),
  actor String,
  role LowCardinality(String),
  note String
) ENGINE = MergeTree ORDER BY (month, asn, version, at);

-- @replicated
CREATE TABLE IF NOT EXISTS statement_runs (
  run_id String,
  month String,
  asns Array(UInt32),
  requested_at DateTime64(3, 'UTC'),
  requested_by String
) ENGINE = MergeTree ORDER BY (month, requested_at);

-- @replicated
CREATE TABLE IF NOT EXISTS subsidy_policies (
  policy_id String,
  version UInt32,
  effective_from Date,
  effective_to Nullable(Date),
  official UInt8,
  document String,
  created_at DateTime64(3, 'UTC'),
  created_by String
) ENGINE = MergeTree ORDER BY (policy_id, version);

-- @replicated
CREATE TABLE IF NOT EXISTS statement_exclusions (
  id String,
  asn UInt32,
  from_ts DateTime64(3, 'UTC'),
  to_ts DateTime64(3, 'UTC'),
  reason LowCardinality(String),
  ref String,
  created_at DateTime64(3, 'UTC'),
  created_by String,
  active UInt8
) ENGINE = ReplacingMergeTree(created_at) ORDER BY (asn, id);
