-- Why: a part ClickHouse detached (broken at start, unexpected, …) is billing data missing from queries;
-- ixmeter records each one at start with the table, partition and the months it covers, so the
-- statements of those months are marked as needing review (statement events) and the operator sees it.
-- Cost: a handful of rows per incident; never expires (evidence of what a statement was computed from).
-- @replicated
CREATE TABLE IF NOT EXISTS data_incidents (
  id String,
  detected_at DateTime64(3, 'UTC'),
  kind LowCardinality(String),
  table_name String,
  part String,
  partition_id String,
  reason String,
  months Array(String),
  detail String
) ENGINE = ReplacingMergeTree(detected_at) ORDER BY (table_name, part);
