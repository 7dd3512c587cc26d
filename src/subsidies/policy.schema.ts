/**
 * A subsidy policy document (domain.md §5.4). Policies are versioned and never edited in place: a change
 * is a new `version` (or a new `policy_id`) with its own effective dates.
 *
 * Money and factors must be quoted decimal strings ("1000.00", "0.7"): a YAML/JSON float would carry
 * binary rounding into money. Quantities (tier bounds, capacities, percentages) may also be plain
 * integers. Units of tier bounds and `min_billable` follow the basis: Gbps (P95_RATE, PORT_CAPACITY) or
 * TB (VOLUME, 10^12 bytes); a tier `rate` is CNY per unit per month.
 */
import { z } from 'zod';
import { isValidDate } from '../statements/time.js';
import { cmp, parseDecimal, type Ratio } from './money.js';

export const MEMBER_TYPES = [
  'basic_telecom',
  'internet_enterprise',
  'cloud',
  'cdn',
  'idc',
  'broadcast',
  'research_edu',
  'other',
] as const;
export type MemberType = (typeof MEMBER_TYPES)[number];
export const BASES = ['P95_RATE', 'VOLUME', 'PORT_CAPACITY', 'FEE_PERCENT'] as const;
export type SubsidyBasis = (typeof BASES)[number];

const DEC = /^\d+(\.\d+)?$/;

/** A non-negative decimal given as a string; plain integers accepted when `integers` is set. */
function decimal(what: string, opts: { integers?: boolean; maxScale?: number } = {}) {
  const example = opts.maxScale === 2 ? '"150000.00"' : '"0.7"';
  return z
    .union([z.string(), z.number()], { error: `${what} must be a decimal string such as ${example}` })
    .transform((v, ctx) => {
      if (typeof v === 'number') {
        if (opts.integers && Number.isSafeInteger(v) && v >= 0) return String(v);
        ctx.addIssue({
          code: 'custom',
          message: `${what} must be a quoted decimal string such as ${example}, not the number ${v} (money and factors never go through floating point)`,
        });
        return z.NEVER;
      }
      const s = v.trim();
      if (!DEC.test(s)) {
        ctx.addIssue({
          code: 'custom',
          message: `${what} must be a non-negative decimal such as ${example}, got "${v}"`,
        });
        return z.NEVER;
      }
      const scale = s.includes('.') ? s.length - s.indexOf('.') - 1 : 0;
      if (opts.maxScale !== undefined && scale > opts.maxScale) {
        ctx.addIssue({ code: 'custom', message: `${what} has more than ${opts.maxScale} decimals: "${v}"` });
        return z.NEVER;
      }
      return s;
    });
}

const date = (what: string) =>
  z
    .string({ error: `${what} must be a date YYYY-MM-DD` })
    .refine(isValidDate, { message: `${what} must be an existing calendar date YYYY-MM-DD` });

const R = (s: string): Ratio => parseDecimal(s);

export const TierSchema = z.object({
  lower: decimal('tier lower bound', { integers: true }),
  upper: decimal('tier upper bound', { integers: true }).nullable(),
  rate: decimal('tier rate (CNY per unit per month)', { maxScale: 6 }),
});

export const TaperSchema = z.object({
  from: z.number().int().min(1, 'taper month numbers start at 1'),
  to: z.number().int().min(1),
  factor: decimal('taper factor'),
});

export const AnnualCapSchema = z.object({
  capacity_lt_gbps: decimal('capacity_lt_gbps', { integers: true }).nullable(),
  cap_cny: decimal('cap_cny', { maxScale: 2 }),
});

export const SubsidyPolicySchema = z
  .object({
    policy_id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'policy_id: letters, digits, ".", "_" or "-"'),
    version: z.number().int().min(1, 'version is a positive integer'),
    name_zh: z.string().min(1),
    name_en: z.string().min(1),
    official: z.boolean({ error: 'official must be true or false (false for examples and drafts)' }),
    notice_zh: z.string().optional(),
    notice_en: z.string().optional(),
    legal_basis: z.string().nullable().default(null),
    payer: z.string().nullable().default(null),
    supersedes: z
      .object({ policy_id: z.string(), version: z.number().int().min(1) })
      .nullable()
      .default(null),
    effective_from: date('effective_from'),
    effective_to: date('effective_to').nullable(),
    eligible_member_types: z.array(z.enum(MEMBER_TYPES)).min(1, 'list at least one eligible member type'),
    exclude_blacklisted: z.boolean().default(true),
    require_local_registration: z.boolean().default(false),
    eligibility_months: z.number().int().min(1, 'eligibility_months must be at least 1'),
    taper: z.array(TaperSchema).default([]),
    basis: z.enum(BASES, { error: `basis must be one of ${BASES.join(', ')}` }),
    /** FEE_PERCENT: which imported fee is the quantity (src/fees): fees paid (default) or invoiced. */
    fee_basis: z.enum(['PAID', 'INVOICED']).default('PAID'),
    volume_direction: z.enum(['SUM', 'MAX']).default('SUM'),
    percentile: z.number().int().min(50).max(100).default(95),
    percentile_method: z.enum(['MAX_DIRECTION', 'MEAN_DIRECTION', 'SUM_DIRECTION']),
    tiers: z.array(TierSchema).min(1, 'at least one tier is needed'),
    min_billable: decimal('min_billable', { integers: true }).nullable().default(null),
    min_coverage_pct: decimal('min_coverage_pct', { integers: true }).default('0'),
    exclude_reasons: z.array(z.enum(['maintenance', 'confirmed_attack', 'data_fault'])).default([]),
    prorate: z.enum(['ELIGIBLE_DAYS', 'NONE']).default('ELIGIBLE_DAYS'),
    cap_monthly_cny: decimal('cap_monthly_cny', { maxScale: 2 }).nullable().default(null),
    cap_annual_by_capacity: z.array(AnnualCapSchema).default([]),
    cap_to_actual_fees: z
      .object({ enabled: z.boolean(), pct: decimal('cap_to_actual_fees.pct', { integers: true }) })
      .default({ enabled: false, pct: '100' }),
    programme_budget_cny: decimal('programme_budget_cny', { maxScale: 2 }).nullable().default(null),
    /** The programme's budget per calendar year and what happens when a month would exceed it (src/subsidies/budget.ts). */
    budget: z
      .object({
        annual_cny: decimal('budget.annual_cny', { maxScale: 2 }),
        on_exceed: z.enum(['pro_rata', 'hold'], { error: 'budget.on_exceed must be "pro_rata" or "hold"' }),
      })
      .strict()
      .nullable()
      .default(null),
    oversubscription_rule: z.enum(['PRO_RATA', 'FIRST_COME', 'NONE']).default('NONE'),
    accrual: z.literal('MONTHLY').default('MONTHLY'),
    payout: z.enum(['MONTHLY', 'QUARTERLY', 'ANNUAL']).default('QUARTERLY'),
    rounding: z
      .object({
        unit: z.literal('0.01', { error: 'rounding.unit must be "0.01" (line-level rounding to the fen)' }),
        mode: z.literal('HALF_UP', { error: 'rounding.mode must be HALF_UP' }),
      })
      .default({ unit: '0.01', mode: 'HALF_UP' }),
    dispute_window: z
      .object({ statement_by_working_day: z.number().int().min(1), objections_by_working_day: z.number().int().min(1) })
      .optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    if (p.effective_to !== null && p.effective_to < p.effective_from)
      issue(['effective_to'], `effective_to ${p.effective_to} is before effective_from ${p.effective_from}`);
    if (new Set(p.eligible_member_types).size !== p.eligible_member_types.length)
      issue(['eligible_member_types'], 'member types are listed twice');

    p.tiers.forEach((t, i) => {
      if (i === 0 && cmp(R(t.lower), R('0')) !== 0)
        issue(['tiers', 0, 'lower'], `the first tier must start at 0, not ${t.lower}`);
      if (i > 0) {
        const prev = p.tiers[i - 1];
        if (prev.upper === null)
          issue(
            ['tiers', i - 1, 'upper'],
            `only the last tier may be open-ended (upper: null); tier ${i + 1} follows it`,
          );
        else if (cmp(R(t.lower), R(prev.upper)) < 0)
          issue(
            ['tiers', i, 'lower'],
            `tier ${i + 1} (lower ${t.lower}) overlaps tier ${i} (upper ${prev.upper}); tiers must be ordered and non-overlapping`,
          );
        else if (cmp(R(t.lower), R(prev.upper)) > 0)
          issue(
            ['tiers', i, 'lower'],
            `gap between tier ${i} (upper ${prev.upper}) and tier ${i + 1} (lower ${t.lower}); tiers must be contiguous`,
          );
      }
      if (t.upper !== null && cmp(R(t.upper), R(t.lower)) <= 0)
        issue(['tiers', i, 'upper'], `tier ${i + 1}: upper ${t.upper} must be greater than lower ${t.lower}`);
    });

    let next = 1;
    p.taper.forEach((t, i) => {
      if (t.from !== next)
        issue(
          ['taper', i, 'from'],
          `taper row ${i + 1} must start at month ${next}, not ${t.from} (rows ordered, contiguous, non-overlapping)`,
        );
      if (t.to < t.from) issue(['taper', i, 'to'], `taper row ${i + 1}: to ${t.to} is before from ${t.from}`);
      next = t.to + 1;
    });
    if (p.taper.length > 0 && next - 1 !== p.eligibility_months) {
      issue(
        ['taper'],
        `the taper table must cover months 1..${p.eligibility_months} (eligibility_months) exactly; it ends at ${next - 1}`,
      );
    }

    p.cap_annual_by_capacity.forEach((c, i) => {
      const last = i === p.cap_annual_by_capacity.length - 1;
      if (c.capacity_lt_gbps === null && !last)
        issue(['cap_annual_by_capacity', i], 'only the last capacity tier may be open-ended (capacity_lt_gbps: null)');
      const prev = p.cap_annual_by_capacity[i - 1];
      if (
        prev?.capacity_lt_gbps != null &&
        c.capacity_lt_gbps !== null &&
        cmp(R(c.capacity_lt_gbps), R(prev.capacity_lt_gbps)) <= 0
      ) {
        issue(['cap_annual_by_capacity', i, 'capacity_lt_gbps'], 'capacity tiers must be in increasing order');
      }
    });
    if (p.programme_budget_cny !== null && p.budget === null)
      issue(
        ['programme_budget_cny'],
        'programme_budget_cny is not applied; write the budget as budget: { annual_cny: "…", on_exceed: pro_rata | hold }',
      );
    if (p.basis === 'FEE_PERCENT')
      p.tiers.forEach((t, i) => {
        if (cmp(R(t.rate), R('1')) > 0)
          issue(
            ['tiers', i, 'rate'],
            `FEE_PERCENT: a tier rate is the share of fees (0.3 = 30 %), not more than 1; got ${t.rate}`,
          );
      });
    if (cmp(R(p.min_coverage_pct), R('100')) > 0) issue(['min_coverage_pct'], 'min_coverage_pct cannot exceed 100');
    if (p.official && /示例|EXAMPLE/i.test(`${p.policy_id} ${p.name_zh} ${p.name_en}`))
      issue(['official'], 'an EXAMPLE (示例) policy cannot be marked official');
  });

export type SubsidyPolicyDocument = z.input<typeof SubsidyPolicySchema>;
export type SubsidyPolicy = z.output<typeof SubsidyPolicySchema>;

/** One line per problem: `path: message`. */
export function formatPolicyIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(document)'}: ${i.message}`);
}

export class PolicyValidationError extends Error {
  readonly problems: string[];
  constructor(source: string, problems: string[]) {
    super(`invalid subsidy policy ${source}:\n  - ${problems.join('\n  - ')}`);
    this.name = 'PolicyValidationError';
    this.problems = problems;
  }
}

/** Validate an already-parsed document; throws PolicyValidationError listing every problem. */
export function parsePolicy(doc: unknown, source = '(inline)'): SubsidyPolicy {
  const r = SubsidyPolicySchema.safeParse(doc);
  if (!r.success) throw new PolicyValidationError(source, formatPolicyIssues(r.error));
  return r.data;
}
