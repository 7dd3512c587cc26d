/**
 * The programme budget of a month (policy `budget: { annual_cny, on_exceed }`), pure. It works on the
 * whole month at once (every member's amount after all other steps), so the result does not depend on the
 * order in which members were computed:
 *   remaining = annual budget − committed (the year's earlier months, latest amounts);
 *   unscaled total ≤ remaining → nothing changes (a line says so);
 *   over, `pro_rata` → every member's amount × f, f = remaining / unscaled total, rounded to the fen by
 *     LARGEST REMAINDER: each amount is rounded down, then the fen left to reach ⌊remaining⌋ go one each to
 *     the largest fractional parts (ties: lower ASN). The month's total is exactly the remaining budget, never
 *     more; each member is within 0.01 CNY of amount × f;
 *   over, `hold` → the month stops at review: each amount is held (status needs_review) until finance acts
 *     (a larger budget as a new policy version, then a recompute).
 * The scaling is a BUDGET (or BUDGET_HOLD) line on every statement of the month.
 */
import type { SubsidyLine } from './lines.js';
import { formatFen, formatRatio, parseFen, ratio, type Ratio } from './money.js';
import type { SubsidyPolicy } from './policy.schema.js';

export interface BudgetMember {
  asn: number;
  /** The member's amount before the budget step (fen). */
  amountFen: bigint;
}

export interface BudgetDecision {
  month: string;
  on_exceed: 'pro_rata' | 'hold';
  action: 'within' | 'pro_rata' | 'hold';
  budgetFen: bigint;
  committedBeforeFen: bigint;
  remainingBeforeFen: bigint;
  unscaledTotalFen: bigint;
  /** The month's total after the budget step. */
  totalFen: bigint;
  factor: Ratio;
  factorText: string;
  /** Amount of each member after the budget step. */
  amounts: Map<number, bigint>;
}

export function decideBudget(
  budget: NonNullable<SubsidyPolicy['budget']>,
  month: string,
  committedBeforeFen: bigint,
  members: readonly BudgetMember[],
): BudgetDecision {
  const budgetFen = parseFen(budget.annual_cny);
  const remaining = budgetFen > committedBeforeFen ? budgetFen - committedBeforeFen : 0n;
  const total = members.reduce((s, m) => s + (m.amountFen > 0n ? m.amountFen : 0n), 0n);
  const base = {
    month,
    on_exceed: budget.on_exceed,
    budgetFen,
    committedBeforeFen,
    remainingBeforeFen: remaining,
    unscaledTotalFen: total,
  };
  if (total <= remaining) {
    return {
      ...base,
      action: 'within',
      totalFen: total,
      factor: ratio(1n),
      factorText: '1',
      amounts: new Map(members.map((m) => [m.asn, m.amountFen])),
    };
  }
  const factor = ratio(remaining, total);
  if (budget.on_exceed === 'hold') {
    return {
      ...base,
      action: 'hold',
      totalFen: 0n,
      factor,
      factorText: formatRatio(factor),
      amounts: new Map(members.map((m) => [m.asn, m.amountFen > 0n ? 0n : m.amountFen])),
    };
  }
  const shares = [...members]
    .sort((a, b) => a.asn - b.asn)
    .map((m) => {
      const exact = m.amountFen > 0n ? m.amountFen * remaining : 0n; // fen × total
      return { asn: m.asn, fen: exact / total, rest: exact % total, keep: m.amountFen <= 0n ? m.amountFen : null };
    });
  let left = remaining - shares.reduce((s, x) => s + x.fen, 0n);
  const order = shares
    .filter((x) => x.keep === null)
    .sort((a, b) => (a.rest === b.rest ? a.asn - b.asn : a.rest > b.rest ? -1 : 1));
  for (const x of order) {
    if (left <= 0n || x.rest === 0n) break;
    x.fen += 1n;
    left -= 1n;
  }
  const amounts = new Map(shares.map((x) => [x.asn, x.keep ?? x.fen]));
  return { ...base, action: 'pro_rata', totalFen: remaining - left, factor, factorText: formatRatio(factor), amounts };
}

/** The budget line of one member's statement: the change it makes and the new running total. */
export function budgetLine(
  d: BudgetDecision,
  asn: number,
  subtotalFen: bigint,
): { line: SubsidyLine; amountFen: bigint; held: boolean } {
  const after = d.amounts.get(asn) ?? subtotalFen;
  const y = d.month.slice(0, 4);
  const head = {
    zh: `${y} 年项目预算 ${formatFen(d.budgetFen)} 元：本年此前已承诺 ${formatFen(d.committedBeforeFen)} 元，剩余 ${formatFen(d.remainingBeforeFen)} 元；本月按比例前合计 ${formatFen(d.unscaledTotalFen)} 元`,
    en: `Programme budget ${y} CNY ${formatFen(d.budgetFen)}: committed in earlier months CNY ${formatFen(d.committedBeforeFen)}, remaining CNY ${formatFen(d.remainingBeforeFen)}; this month's total before the budget CNY ${formatFen(d.unscaledTotalFen)}`,
  };
  const tail =
    d.action === 'within'
      ? { zh: '，未超出预算，系数 1', en: ', within the budget: factor 1' }
      : d.action === 'pro_rata'
        ? {
            zh: `，超出预算，全体会员按同一系数 ${d.factorText} 折算（舍入到分：最大余数法，合计不超过剩余预算）`,
            en: `, over the budget: every member × the same factor ${d.factorText} (to the fen by largest remainder; the month's total never exceeds the remaining budget)`,
          }
        : {
            zh: `，超出预算，按政策（on_exceed: hold）本月暂停于复核，暂计金额 ${formatFen(subtotalFen)} 元`,
            en: `, over the budget: by the policy (on_exceed: hold) the month stops at review; provisional amount CNY ${formatFen(subtotalFen)}`,
          };
  const held = d.action === 'hold' && subtotalFen > 0n;
  return {
    held,
    amountFen: after,
    line: {
      code: held ? 'BUDGET_HOLD' : 'BUDGET',
      label_zh: head.zh + tail.zh,
      label_en: head.en + tail.en,
      quantity: d.factorText,
      unit: 'factor',
      rate: formatFen(d.remainingBeforeFen),
      amount: formatFen(after - subtotalFen),
      subtotal: formatFen(after),
    },
  };
}
