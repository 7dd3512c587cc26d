-- Why: the payout files finance exported (GET /statements/{month}/payout): which member-month versions
-- each file paid, the amount and the payee as the member file gave it then. The statements themselves
-- move to `exported` in statement_events (the workflow); this table is the programme report's "paid".
-- Cost: one row per member-month paid.
-- @replicated
CREATE TABLE IF NOT EXISTS payouts (
  payout_id String,
  period String,
  asn UInt32,
  month String,
  version UInt32,
  amount_fen Int64,
  payee String,
  exported_at DateTime64(3, 'UTC'),
  exported_by String
) ENGINE = MergeTree ORDER BY (month, asn, payout_id);
