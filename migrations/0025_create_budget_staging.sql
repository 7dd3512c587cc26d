-- Why: the programme budget (policy budget: { annual_cny, on_exceed }) scales a whole month by one factor,
-- so a member-month's result is final only once every member of the month has its amount before the
-- budget step. Each compute of a budgeted month writes that result here (the latest per member-month
-- wins); the budget phase (src/programme/budget-phase.ts) reads the whole month, decides the factor and
-- writes the statements. Rows are replaced on recompute and never read for anything else.
-- Cost: one row per member-month of budgeted months (the statement document before the budget line).
-- @replicated
CREATE TABLE IF NOT EXISTS budget_staging (
  month String,
  asn UInt32,
  run_id String,
  inputs_hash String,
  amount_fen Int64,
  document String,
  staged_at DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(staged_at) ORDER BY (month, asn);
