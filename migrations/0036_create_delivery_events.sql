-- Why: every delivery attempt of a notification (alert or notice) to a channel of IXMETER_WEBHOOKS
-- (webhook, dingtalk, wecom, feishu, email), append-only: queued, sent, failed (with the error and the
-- attempt number), gave_up. Shown on the alert or notice, and /health reports a channel that keeps failing.
-- Cost: a few rows per notification and channel; read by subject id and per channel for the last day.
-- Retention: 1 year.
-- @shard_key: cityHash64(subject_id)
CREATE TABLE IF NOT EXISTS delivery_events (
  subject_kind LowCardinality(String),
  subject_id String,
  event LowCardinality(String),
  channel UInt16,
  channel_name String,
  kind LowCardinality(String),
  recipient String,
  at DateTime64(3, 'UTC'),
  status LowCardinality(String),
  attempt UInt16,
  error String
) ENGINE = MergeTree
PARTITION BY toYYYYMM(at)
ORDER BY (subject_id, at)
TTL toDateTime(at) + INTERVAL 366 DAY;
