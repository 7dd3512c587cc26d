/**
 * The stored statement document of one member-month version: the contract's statement fields at the
 * top (contract.md: in_bytes, out_bytes, avg_in_bps, …, subsidy { amount_cny, lines, policy }), the full
 * statement and subsidy calculation beneath, all JSON-safe (bigints as decimal strings).
 */
import { jsonSafe, type JsonSafe } from './canonical.js';
import type { MonthlyStatement } from './statement.types.js';
import type { SubsidyResult } from '../subsidies/engine.js';
import type { CoverageSection } from './statement-sources.js';

export type StatementStatus = 'draft' | 'reviewed' | 'approved' | 'exported' | 'disputed';

/** Coverage fields (issue 13) are set on documents computed since; older versions lack them. */
export interface StatementDocument extends Partial<CoverageSection> {
  format: 'ixmeter-statement-document-v1';
  asn: number;
  month: string;
  version: number;
  member: {
    asn: number;
    name: string;
    name_zh: string;
    member_type: string;
    first_production_date: string | null;
    subsidy_enrolled: boolean;
    port_capacity_mbps: number;
  };
  in_bytes: string;
  out_bytes: string;
  avg_in_bps: number | null;
  avg_out_bps: number | null;
  peak_in_bps: number | null;
  peak_in_at: string | null;
  peak_out_bps: number | null;
  peak_out_at: string | null;
  p95_in_bps: number | null;
  p95_out_bps: number | null;
  billable_bps: number | null;
  percentile_method: string;
  coverage: number;
  subsidy: {
    amount_cny: string;
    status: SubsidyResult['status'] | 'not_enrolled';
    lines: JsonSafe<SubsidyResult['lines']>;
    policy: SubsidyResult['policy'];
    annual_cap: JsonSafe<SubsidyResult['annualCap']>;
    inputs_hash: string;
  };
  statement: JsonSafe<MonthlyStatement>;
  inputs_hash: string;
  computed_at: string;
  computed_by: string;
}

export function buildDocument(args: {
  version: number;
  member: StatementDocument['member'];
  statement: MonthlyStatement;
  subsidy: SubsidyResult | null;
  policy: SubsidyResult['policy'];
  inputsHash: string;
  computedAt: string;
  computedBy: string;
}): StatementDocument {
  const s = args.statement;
  return {
    format: 'ixmeter-statement-document-v1',
    asn: s.asn,
    month: s.period,
    version: args.version,
    member: args.member,
    in_bytes: s.in_bytes.toString(),
    out_bytes: s.out_bytes.toString(),
    avg_in_bps: s.avg_in_bps,
    avg_out_bps: s.avg_out_bps,
    peak_in_bps: s.peak_in_bps,
    peak_in_at: s.peak_in_at,
    peak_out_bps: s.peak_out_bps,
    peak_out_at: s.peak_out_at,
    p95_in_bps: s.p95_in_bps,
    p95_out_bps: s.p95_out_bps,
    billable_bps: s.billable_bps,
    percentile_method: s.percentile_method,
    coverage: s.coverage,
    subsidy: args.subsidy
      ? {
          amount_cny: args.subsidy.amount,
          status: args.subsidy.status,
          lines: jsonSafe(args.subsidy.lines),
          policy: args.subsidy.policy,
          annual_cap: jsonSafe(args.subsidy.annualCap),
          inputs_hash: args.subsidy.inputsHash,
        }
      : {
          amount_cny: '0.00',
          status: 'not_enrolled',
          lines: [],
          policy: args.policy,
          annual_cap: null,
          inputs_hash: '',
        },
    statement: jsonSafe(s),
    inputs_hash: args.inputsHash,
    computed_at: args.computedAt,
    computed_by: args.computedBy,
  };
}
