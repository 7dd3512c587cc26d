-- Why: exporter health snapshots written by every collector process (GET /api/v1/exporters works in server
-- mode where the API runs apart from the collectors). Latest row per (exporter, collector) wins.
-- @replicated
CREATE TABLE IF NOT EXISTS exporter_status (
  exporter String,
  collector_id String,
  updated_at DateTime64(3, 'UTC'),
  stats String
) ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (exporter, collector_id)
TTL toDateTime(updated_at) + INTERVAL 30 DAY;
