-- Why: per-exporter liveness for per-member coverage (a 5-minute bucket is valid for a member only if
-- every exporter carrying it was alive then). An exporter is alive in a bucket when any datagram of it
-- arrived: flows, templates, options or counter samples, so a member sending nothing on a live switch
-- stays valid with zero traffic. Written by the collectors (one row per exporter per bucket per flush);
-- `exporter` is the same identity as flows_raw.exporter (sFlow: the agent address).
-- Cost: one row per exporter per 5 minutes after merges.
-- @shard_key: cityHash64(exporter)
CREATE TABLE IF NOT EXISTS exporter_activity_5m (
  bucket DateTime('UTC'),
  exporter IPv6,
  datagrams UInt64
) ENGINE = SummingMergeTree((datagrams))
PARTITION BY toYYYYMM(bucket)
ORDER BY (bucket, exporter)
TTL bucket + INTERVAL {{ROLLUP_RETENTION_DAYS}} DAY;
