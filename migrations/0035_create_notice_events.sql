-- Why: rectification notices (整改通知) from security to a member, as append-only events (issued,
-- acknowledged, reported, rectified, reopened, overdue) with actor, role, time and note; the current
-- state of a notice is its latest status event. Title, body, deadline and the evidence limited to the
-- member's own traffic are written with the issue (and a reopen may set a new deadline).
-- Cost: a few rows per notice; read by notice id or by member (small).
-- Retention: 3 years, like alert_events (supervision records).
-- @shard_key: cityHash64(notice_id)
CREATE TABLE IF NOT EXISTS notice_events (
  notice_id String,
  at DateTime64(3, 'UTC'),
  event LowCardinality(String),
  status LowCardinality(String),
  asn UInt32,
  alert_id String,
  alert_type String,
  title String,
  body String,
  deadline DateTime64(3, 'UTC'),
  evidence String,
  actor String,
  role LowCardinality(String),
  note String
) ENGINE = MergeTree
PARTITION BY toYYYYMM(at)
ORDER BY (notice_id, at)
TTL toDateTime(at) + INTERVAL 1096 DAY;
