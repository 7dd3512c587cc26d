-- Why: finance corrections of statements (issue 13).
--  exclusions: maintenance windows and data faults entered by finance or admin for one member (asn) or the
--    whole fabric (asn NULL), proposed by one principal and approved by another (four eyes); an approved
--    exclusion takes effect at the next statement run, as a new version. Every state change is a new row
--    (ReplacingMergeTree by updated_at): the latest row of an id is its state; the audit log keeps the steps.
--  statement_disputes: a member's (or finance's on its behalf) objection to a member-month statement within
--    the policy's dispute window; open → upheld (recompute, new version) | rejected (with a note).
-- `*_by` is the principal (token id, or cli:<name>: the four-eyes identity), `*_by_name` its name as shown.
-- Cost: tiny tables (a few rows a month); kept ≥ 10 years like statements (no TTL).
-- @replicated
CREATE TABLE IF NOT EXISTS exclusions (
  id String,
  asn Nullable(UInt32),
  from_ts DateTime64(3, 'UTC'),
  to_ts DateTime64(3, 'UTC'),
  reason LowCardinality(String),
  note String,
  status LowCardinality(String),
  proposed_by String,
  proposed_by_name String,
  proposed_at DateTime64(3, 'UTC'),
  approved_by String,
  approved_by_name String,
  approved_at Nullable(DateTime64(3, 'UTC')),
  updated_at DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(updated_at) ORDER BY id;

-- @replicated
CREATE TABLE IF NOT EXISTS statement_disputes (
  id String,
  asn UInt32,
  month String,
  version UInt32,
  status LowCardinality(String),
  note String,
  raised_by String,
  raised_by_name String,
  raised_role LowCardinality(String),
  raised_at DateTime64(3, 'UTC'),
  resolution_note String,
  resolved_by String,
  resolved_by_name String,
  resolved_at Nullable(DateTime64(3, 'UTC')),
  new_version UInt32,
  updated_at DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(updated_at) ORDER BY id;
