-- Why: security alerts for the 综合监测与安全监管平台, as append-only events (opened, updated,
-- acknowledged, resolved, false_positive) with actor, time and note; the current state of an alert is
-- derived from its events. One ongoing alert per (type, target) is updated while the condition lasts.
-- Attack alerts carry what MLPS level 3 asks for: attack source IP, type, target and time (evidence).
-- Retention: 3 years (≥ 1 year required; CSL/MLPS investigations).
-- @shard_key: cityHash64(alert_id)
CREATE TABLE IF NOT EXISTS alert_events (
  alert_id String,
  at DateTime64(3, 'UTC'),
  event LowCardinality(String),
  type LowCardinality(String),
  severity LowCardinality(String),
  status LowCardinality(String),
  target String,
  source_asn Nullable(UInt32),
  victim_asn Nullable(UInt32),
  first_seen DateTime64(3, 'UTC'),
  last_seen DateTime64(3, 'UTC'),
  rule_id String,
  evidence String,
  confirmed UInt8,
  actor String,
  note String
) ENGINE = MergeTree
PARTITION BY toYYYYMM(at)
ORDER BY (alert_id, at)
TTL toDateTime(at) + INTERVAL 1096 DAY;
