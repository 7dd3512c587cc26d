-- Why: the member registry (IX-F export + ixmeter's own fields). Every import appends a version per
-- member; the current record is the latest version, and history is never rewritten (statements of
-- past months keep the member data they were computed with).
-- Cost: a few rows per member per import.
-- @replicated
CREATE TABLE IF NOT EXISTS members (
  asn UInt32,
  name String,
  name_zh String,
  url String,
  member_type LowCardinality(String),
  first_production_date Nullable(Date),
  subsidy_enrolled UInt8,
  port_capacity_mbps UInt64,
  peering_policy String,
  active UInt8,
  import_id String,
  version UInt64
) ENGINE = MergeTree ORDER BY (asn, version);

-- Attribution keys with validity intervals: (kind, key) → asn from valid_from until valid_to
-- (exclusive; 2106-01-01 = open). An import closes intervals that are no longer in the file and opens
-- new ones at its effective time, so a MAC that moves on the 15th stays with its old member before.
-- The latest row version of an interval wins (closing an interval = a new version with valid_to).
-- @replicated
CREATE TABLE IF NOT EXISTS member_assignments (
  kind LowCardinality(String),
  key String,
  asn UInt32,
  valid_from DateTime64(3, 'UTC'),
  valid_to DateTime64(3, 'UTC'),
  import_id String,
  version UInt64
) ENGINE = ReplacingMergeTree(version) ORDER BY (kind, key, asn, valid_from);

-- One row per import: who, when, which file (hash), effective time, counts.
-- @replicated
CREATE TABLE IF NOT EXISTS member_imports (
  import_id String,
  imported_at DateTime64(3, 'UTC'),
  effective_at DateTime64(3, 'UTC'),
  source String,
  sha256 String,
  actor String,
  members UInt32,
  opened UInt32,
  closed UInt32
) ENGINE = MergeTree ORDER BY imported_at;
