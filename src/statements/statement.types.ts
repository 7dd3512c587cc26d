/** Input and output types of `buildMonthlyStatement` (see statement.ts for the rules). */
import type { PercentileMethod } from './percentile.js';

/** `ok` and `interpolated` samples are valid; `missing` and `counter_reset` are not (never zero traffic). */
export type SampleQuality = 'ok' | 'interpolated' | 'missing' | 'counter_reset';
export type ExclusionReason = 'maintenance' | 'confirmed_attack' | 'data_fault';
export const EXCLUSION_REASONS: readonly ExclusionReason[] = ['maintenance', 'confirmed_attack', 'data_fault'];

export interface SampleInput {
  /** Bucket start, epoch ms, aligned to 5 minutes. */
  ts: number;
  /** L2 octets in the bucket; bigint or a non-negative safe integer. */
  inBytes: bigint | number;
  outBytes: bigint | number;
  quality?: SampleQuality;
}

export interface PortInput {
  portId: string;
  speedGbps?: number;
  /** Production window of the port, epoch ms [from, to); open when omitted. */
  productionFrom?: number;
  productionTo?: number;
  samples: readonly SampleInput[];
}

export interface ExclusionInput {
  /** [from, to), epoch ms. Every bucket overlapping it is removed whole. */
  from: number;
  to: number;
  reason: ExclusionReason;
  /** Alert id or maintenance ticket. */
  ref?: string;
}

export interface PeerInput {
  asn: number;
  name?: string;
  /** Bytes this member sent to the peer (in) and received from it (out), over the month. */
  inBytes: bigint | number;
  outBytes: bigint | number;
}

export interface StatementInput {
  asn: number;
  memberName?: string;
  /** `YYYY-MM`. */
  month: string;
  /** Billing time zone (IXMETER_TIMEZONE); default Asia/Shanghai. */
  timeZone?: string;
  /** Partial month: first / last calendar date (inclusive) the member was connected. */
  activeFrom?: string;
  activeTo?: string;
  percentileMethod: PercentileMethod;
  /** Percentile for `billable_bps` (default 95). The p95_* fields are always P95. */
  percentile?: number;
  /** Per-port samples (summed per interval for the member row). */
  ports?: readonly PortInput[];
  /** Alternatively, already-summed member samples (treated as one port `member`). */
  samples?: readonly SampleInput[];
  exclusions?: readonly ExclusionInput[];
  peers?: readonly PeerInput[];
  /** How many top peers to list (default 10). */
  topPeers?: number;
}

export interface UsageMetrics {
  expected_buckets: number;
  /** Buckets with valid data (before exclusions). */
  valid_buckets: number;
  missing_buckets: number;
  /** Valid buckets removed by exclusions. */
  excluded_buckets: number;
  /** N: buckets used for totals, averages, peaks and percentiles. */
  used_buckets: number;
  /** valid / expected (1 when nothing is expected). */
  coverage: number;
  in_bytes: bigint;
  out_bytes: bigint;
  avg_in_bps: number | null;
  avg_out_bps: number | null;
  peak_in_bps: number | null;
  peak_in_at: string | null;
  peak_out_bps: number | null;
  peak_out_at: string | null;
  p95_in_bps: number | null;
  p95_out_bps: number | null;
  /** Exact byte counts of the P95 buckets (the rates are these × 8 / 300). */
  p95_in_bucket_bytes: bigint | null;
  p95_out_bucket_bytes: bigint | null;
  /** ⌊0.05·N⌋ and the 1-based rank used. */
  p95_discarded: number;
  p95_rank: number;
}

export interface PortUsage extends UsageMetrics {
  port_id: string;
  speed_gbps: number | null;
  /** max(p95_in, p95_out) / capacity, null without a speed. */
  utilisation_p95: number | null;
}

export interface DailyUsage {
  date: string;
  expected_buckets: number;
  valid_buckets: number;
  excluded_buckets: number;
  in_bytes: bigint;
  out_bytes: bigint;
  avg_in_bps: number | null;
  avg_out_bps: number | null;
  peak_in_bps: number | null;
  peak_out_bps: number | null;
}

export interface ExcludedInterval {
  from: string;
  to: string;
  reason: ExclusionReason;
  ref: string | null;
  /** Valid member buckets removed by this interval (a bucket is counted under the first interval covering it). */
  buckets: number;
  in_bytes: bigint;
  out_bytes: bigint;
}

export interface TopPeer {
  asn: number;
  name: string | null;
  in_bytes: bigint;
  out_bytes: bigint;
  total_bytes: bigint;
}

export interface MonthlyStatement extends UsageMetrics {
  format: 'ixmeter-statement-v1';
  asn: number;
  member_name: string | null;
  period: string;
  time_zone: string;
  period_start: string;
  period_end: string;
  first_date: string;
  last_date: string;
  partial: boolean;
  days_in_month: number;
  days_in_period: number;
  direction_convention: { zh: string; en: string };
  percentile_method: string;
  percentile_method_text: { zh: string; en: string };
  percentile: number;
  /** Percentile bucket bytes per direction used for billable_bps (equal to p95_* when percentile = 95). */
  billable_in_bucket_bytes: bigint | null;
  billable_out_bucket_bytes: bigint | null;
  /** Whole bit/s, rounded half-up from the exact value; null without data. */
  billable_bps: number | null;
  coverage_pct: string;
  ports: PortUsage[];
  excluded_intervals: ExcludedInterval[];
  daily: DailyUsage[];
  top_peers: TopPeer[];
  /** Input samples outside the period or a port's production window (ignored). */
  samples_ignored: number;
  samples_hash: string;
  samples_hash_format: string;
}
