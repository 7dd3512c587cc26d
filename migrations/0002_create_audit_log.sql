-- Why: every write, and every read of another party's data, is recorded (MLPS level-3 audit: time,
-- subject, event, outcome). Append-only and tamper-evident: each row carries the SHA-256 of the
-- previous row of its chain and its own hash over (prev_hash, fields). A chain is one writer process.
-- Retention: kept at least one year (no TTL here; deletion is an explicit operator action).
-- @replicated
CREATE TABLE IF NOT EXISTS audit_log (
  ts DateTime64(3, 'UTC'),
  chain_id String,
  seq UInt64,
  actor String,
  role LowCardinality(String),
  action LowCardinality(String),
  object String,
  outcome LowCardinality(String),
  source_ip String,
  details String,
  prev_hash FixedString(64),
  hash FixedString(64)
) ENGINE = MergeTree ORDER BY (chain_id, seq);
