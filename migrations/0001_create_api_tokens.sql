-- Why: API access control (contract.md roles). Tokens are stored as SHA-256 hashes, never in clear.
-- A revocation is a new row version (ReplacingMergeTree on `version`), so the table stays append-only.
-- Cost: a handful of rows; replicated to every node in cluster mode.
-- @replicated
CREATE TABLE IF NOT EXISTS api_tokens (
  id String,
  token_hash FixedString(64),
  role LowCardinality(String),
  asn Nullable(UInt32),
  name String,
  created_at DateTime64(3, 'UTC'),
  created_by String,
  revoked_at Nullable(DateTime64(3, 'UTC')),
  version UInt64
) ENGINE = ReplacingMergeTree(version) ORDER BY id;

-- Last use is written in batches by the API (one row per token per flush), kept apart so that
-- auth never rewrites the token row.
-- @replicated
CREATE TABLE IF NOT EXISTS api_token_usage (
  id String,
  last_used_at DateTime64(3, 'UTC'),
  last_ip String
) ENGINE = ReplacingMergeTree(last_used_at) ORDER BY id;
