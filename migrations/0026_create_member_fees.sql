-- Why: fees a member was invoiced and paid to the IXC operator per month, imported by finance (CSV, XLSX
-- or JSON; src/fees). cap_to_actual_fees and the FEE_PERCENT basis read them (domain.md §5.4, §5.7).
-- A later import of the same member-month replaces the earlier one (ReplacingMergeTree on imported_at);
-- every import keeps its id, file hash and actor in fee_imports.
-- Cost: one row per member-month.
-- @replicated
CREATE TABLE IF NOT EXISTS member_fees (
  asn UInt32,
  month String,
  invoiced_fen Int64,
  paid_fen Int64,
  import_id String,
  imported_at DateTime64(3, 'UTC'),
  imported_by String
) ENGINE = ReplacingMergeTree(imported_at) ORDER BY (asn, month);

-- @replicated
CREATE TABLE IF NOT EXISTS fee_imports (
  import_id String,
  source String,
  sha256 String,
  rows UInt32,
  imported_at DateTime64(3, 'UTC'),
  imported_by String
) ENGINE = MergeTree ORDER BY (imported_at, import_id);
