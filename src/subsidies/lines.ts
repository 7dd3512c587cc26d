/** Subsidy calculation lines: each line is one hand-checkable step with its effect on the running total. */
import { formatFen } from './money.js';
import type { SubsidyPolicy } from './policy.schema.js';

export interface SubsidyLine {
  /** Stable code: POLICY, BASIS, TIER_n, ABOVE_TOP_TIER, TAPER, PRORATE, MIN_BILLABLE, CAP_MONTHLY, CAP_FEES,
   *  CAP_ANNUAL, COVERAGE, HOLD_REVIEW, NOT_ELIGIBLE_<reason>; programme: ELIG_LOCAL_REG, ELIG_BLACKLIST (each
   *  eligibility input the policy checks), FEES_MISSING, BUDGET / BUDGET_HOLD (src/subsidies/budget.ts). */
  code: string;
  label_zh: string;
  label_en: string;
  /** Exact decimal text of the quantity the line works on ("≈" prefix only if it does not terminate within 9 digits). */
  quantity: string | null;
  unit: string | null;
  /** Rate or factor applied (CNY per unit, a factor, a day fraction, or the cap). */
  rate: string | null;
  /** Change this line makes to the running total, CNY "12345.67" (negative for reductions). */
  amount: string;
  /** Running total after this line, CNY. */
  subtotal: string;
}

export interface Ctx {
  lines: SubsidyLine[];
  subtotal: bigint;
}

export function line(
  ctx: Ctx,
  code: string,
  zh: string,
  en: string,
  f: { quantity?: string; unit?: string; rate?: string },
  amountFen: bigint,
): void {
  ctx.subtotal += amountFen;
  ctx.lines.push({
    code,
    label_zh: zh,
    label_en: en,
    quantity: f.quantity ?? null,
    unit: f.unit ?? null,
    rate: f.rate ?? null,
    amount: formatFen(amountFen),
    subtotal: formatFen(ctx.subtotal),
  });
}

/** "capacity 10 Gbps: 10 ≤ capacity < 100 Gbps" — boundaries literal (10 is not < 10). */
export function capacityTierText(p: SubsidyPolicy, idx: number, capText: string): { zh: string; en: string } {
  if (idx < 0)
    return { zh: `容量 ${capText} Gbps 不在任何档位内，上限为 0`, en: `capacity ${capText} Gbps is in no tier: cap 0` };
  const lo = idx === 0 ? '0' : p.cap_annual_by_capacity[idx - 1].capacity_lt_gbps!;
  const hi = p.cap_annual_by_capacity[idx].capacity_lt_gbps;
  const range = hi === null ? `≥ ${lo} Gbps` : idx === 0 ? `< ${hi} Gbps` : `${lo} ≤ … < ${hi} Gbps`;
  return { zh: `端口容量 ${capText} Gbps，档位 ${range}`, en: `port capacity ${capText} Gbps, tier ${range}` };
}
