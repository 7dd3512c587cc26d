/**
 * Monthly flow-subsidy calculation (domain.md §5.4), pure and explainable: every step is a line whose
 * `amount` is the change it makes (CNY, 2 decimals) and whose `subtotal` is the running total, so the
 * amounts sum to the result and a finance officer can redo each line by hand. Order:
 *   POLICY, BASIS (info) → TIER_n (Σ = gross) → TAPER → PRORATE → MIN_BILLABLE → CAP_MONTHLY →
 *   CAP_FEES → CAP_ANNUAL (with the remaining headroom) → HOLD_REVIEW (coverage below the minimum).
 * Every multiplicative step rounds its new subtotal half-up to the fen (line-level rounding); caps are
 * fen differences and need no rounding. A member who is not eligible gets one zero line per reason.
 */
import { canonicalJson, sha256Hex } from '../statements/canonical.js';
import { billableBps } from '../statements/percentile.js';
import type { MonthlyStatement } from '../statements/statement.types.js';
import { evaluateEligibility, type SubsidyMember } from './eligibility.js';
import { capacityTierText, line, type Ctx } from './lines.js';
import {
  add,
  cmp,
  div,
  formatFen,
  formatRatio,
  mul,
  parseDecimal,
  parseFen,
  ratio,
  ratioFromNumber,
  roundToFen,
  sub,
  ZERO,
  type Ratio,
} from './money.js';
import type { SubsidyPolicy } from './policy.schema.js';

export type { SubsidyMember } from './eligibility.js';
export type { SubsidyLine } from './lines.js';

export interface SubsidyInput {
  policy: SubsidyPolicy;
  member: SubsidyMember;
  /** `YYYY-MM`; must equal statement.period. */
  month: string;
  statement: MonthlyStatement;
  /** Subsidy already accrued for earlier months of the same calendar year (for the annual cap). */
  yearToDatePaidFen: bigint;
  /** Fees actually paid to the IXC operator for the month (needed when cap_to_actual_fees is enabled). */
  actualFeesFen?: bigint | null;
  /** Fees invoiced for the month (FEE_PERCENT with fee_basis INVOICED). */
  invoicedFeesFen?: bigint | null;
}

export type SubsidyStatus = 'ok' | 'not_eligible' | 'needs_review';

export interface SubsidyResult {
  status: SubsidyStatus;
  amountFen: bigint;
  amount: string;
  /** Amount before a review hold (equals amountFen unless status is needs_review). */
  provisionalAmountFen: bigint;
  lines: import('./lines.js').SubsidyLine[];
  policy: { id: string; version: number; official: boolean; name_zh: string; name_en: string };
  annualCap: { capFen: bigint; ytdPaidFen: bigint; headroomBeforeFen: bigint; headroomAfterFen: bigint } | null;
  inputsHash: string;
}

const UNIT: Record<SubsidyPolicy['basis'], { unit: string; zh: string; en: string }> = {
  P95_RATE: { unit: 'Gbps', zh: '计费速率', en: 'billable rate' },
  VOLUME: { unit: 'TB', zh: '流量', en: 'volume' },
  PORT_CAPACITY: { unit: 'Gbps', zh: '端口容量', en: 'port capacity' },
  FEE_PERCENT: { unit: 'CNY', zh: '缴费', en: 'fees' },
};

/** FEE_PERCENT: the month's imported fee (src/fees), null when none was imported. */
function feeQuantity(p: SubsidyPolicy, input: SubsidyInput): { q: Ratio; zh: string; en: string } | null {
  const fen = p.fee_basis === 'INVOICED' ? input.invoicedFeesFen : input.actualFeesFen;
  if (fen == null) return null;
  const [zh, en] = p.fee_basis === 'INVOICED' ? ['开票金额', 'fees invoiced'] : ['实际缴费', 'fees paid'];
  return {
    q: ratio(fen, 100n),
    zh: `本月${zh} ${formatFen(fen)} 元（导入的缴费记录）`,
    en: `${en} this month CNY ${formatFen(fen)} (imported fee record)`,
  };
}

/** Basis quantity Q as an exact rational, with its derivation. */
function basisQuantity(
  p: SubsidyPolicy,
  input: SubsidyInput,
  eligibleDates: string[],
): { q: Ratio; zh: string; en: string } {
  const s = input.statement;
  if (p.basis === 'P95_RATE') {
    if (s.percentile !== p.percentile)
      throw new RangeError(`statement was built with P${s.percentile}; policy ${p.policy_id} needs P${p.percentile}`);
    const bi = s.billable_in_bucket_bytes;
    const bo = s.billable_out_bucket_bytes;
    if (bi === null || bo === null)
      return { q: ZERO, zh: '本月无有效样本，计费速率为 0', en: 'no valid sample this month: billable rate 0' };
    const bps = billableBps(p.percentile_method, bi, bo);
    const m = p.percentile_method;
    const fEn = m === 'MAX_DIRECTION' ? 'max(in, out)' : m === 'MEAN_DIRECTION' ? '(in + out) / 2' : 'in + out';
    const fZh =
      m === 'MAX_DIRECTION' ? '取两方向较大值' : m === 'MEAN_DIRECTION' ? '取两方向算术平均值' : '取两方向之和';
    return {
      q: ratio(bps, 1_000_000_000n),
      zh: `计费速率：P${p.percentile} 流入 = ${bi} 字节 × 8 / 300 秒，流出 = ${bo} 字节 × 8 / 300 秒；${fZh} = ${bps} bit/s（四舍五入到 1 bit/s）`,
      en: `Billable rate: P${p.percentile} in = ${bi} B × 8 / 300 s, out = ${bo} B × 8 / 300 s; ${m} = ${fEn} = ${bps} bit/s (rounded half-up to 1 bit/s)`,
    };
  }
  if (p.basis === 'FEE_PERCENT')
    return feeQuantity(p, input) ?? { q: ZERO, zh: '本月无缴费记录', en: 'no fee record for this month' };
  if (p.basis === 'VOLUME') {
    const days = new Set(eligibleDates);
    let i = 0n;
    let o = 0n;
    for (const d of s.daily) if (days.has(d.date)) ((i += d.in_bytes), (o += d.out_bytes));
    const bytes = p.volume_direction === 'SUM' ? i + o : i > o ? i : o;
    const how = p.volume_direction === 'SUM' ? ['in + out', '流入 + 流出'] : ['max(in, out)', '取两方向较大值'];
    return {
      q: ratio(bytes, 1_000_000_000_000n),
      zh: `流量（仅计 ${eligibleDates.length} 个符合条件的天数）：流入 ${i} 字节，流出 ${o} 字节，${how[1]} = ${bytes} 字节 / 10^12`,
      en: `Volume (${eligibleDates.length} eligible days only): in ${i} B, out ${o} B, ${how[0]} = ${bytes} B / 10^12`,
    };
  }
  const cap = ratioFromNumber(input.member.portCapacityGbps);
  return {
    q: cap,
    zh: `生产端口容量 ${formatRatio(cap)} Gbps`,
    en: `production port capacity ${formatRatio(cap)} Gbps`,
  };
}

export function computeSubsidy(input: SubsidyInput): SubsidyResult {
  const { policy: p, member, month, statement: s } = input;
  if (s.period !== month) throw new RangeError(`statement period ${s.period} does not match month ${month}`);
  if (input.yearToDatePaidFen < 0n) throw new RangeError('yearToDatePaidFen cannot be negative');
  const stray = s.excluded_intervals.filter((e) => !p.exclude_reasons.includes(e.reason));
  if (stray.length > 0)
    throw new RangeError(
      `statement excludes intervals for reasons the policy does not allow: ${[...new Set(stray.map((e) => e.reason))].join(', ')}`,
    );

  const ctx: Ctx = { lines: [], subtotal: 0n };
  const u = UNIT[p.basis];
  const tagZh = p.official || /示例/.test(p.name_zh) ? '' : '（示例/非正式）';
  const tagEn = p.official || /EXAMPLE/i.test(p.name_en) ? '' : ' (EXAMPLE / not official)';
  line(
    ctx,
    'POLICY',
    `政策 ${p.policy_id} 第${p.version}版：${p.name_zh}${tagZh}`,
    `Policy ${p.policy_id} v${p.version}: ${p.name_en}${tagEn}`,
    {},
    0n,
  );

  const el = evaluateEligibility(p, member, month, { first_date: s.first_date, last_date: s.last_date });
  let annualCap: SubsidyResult['annualCap'] = null;
  let status: SubsidyStatus = 'ok';
  for (const d of el.decisions) line(ctx, `ELIG_${d.code}`, d.zh, d.en, {}, 0n);

  if (el.reasons.length > 0) {
    status = 'not_eligible';
    for (const r of el.reasons)
      line(ctx, `NOT_ELIGIBLE_${r.code}`, `不符合条件：${r.zh}`, `Not eligible: ${r.en}`, {}, 0n);
  } else {
    const { q, zh, en } = basisQuantity(p, input, el.eligibleDates);
    line(ctx, 'BASIS', zh, en, { quantity: formatRatio(q), unit: u.unit }, 0n);
    if (p.basis === 'FEE_PERCENT' && feeQuantity(p, input) === null) {
      status = 'needs_review';
      line(
        ctx,
        'FEES_MISSING',
        '缺少本月缴费记录（财务导入），转人工复核',
        'No fee record imported for this month: manual review',
        {},
        0n,
      );
    }

    // Marginal tiers.
    p.tiers.forEach((t, i) => {
      const lo = parseDecimal(t.lower);
      const hi = t.upper === null ? null : parseDecimal(t.upper);
      let part = cmp(q, lo) > 0 ? sub(q, lo) : ZERO;
      if (hi !== null && cmp(part, sub(hi, lo)) > 0) part = sub(hi, lo);
      const range = `${t.lower}–${t.upper ?? '∞'} ${u.unit}`;
      line(
        ctx,
        `TIER_${i + 1}`,
        `第${i + 1}档（${range}）：${formatRatio(part)} × ${t.rate} 元`,
        `Tier ${i + 1} (${range}): ${formatRatio(part)} × CNY ${t.rate}`,
        { quantity: formatRatio(part), unit: u.unit, rate: t.rate },
        roundToFen(mul(part, parseDecimal(t.rate))),
      );
    });
    const top = p.tiers[p.tiers.length - 1];
    if (top.upper !== null && cmp(q, parseDecimal(top.upper)) > 0) {
      const over = formatRatio(sub(q, parseDecimal(top.upper)));
      line(
        ctx,
        'ABOVE_TOP_TIER',
        `超出最高档上限部分 ${over} ${u.unit} 不予补贴`,
        `${over} ${u.unit} above the top tier is not subsidised`,
        { quantity: over, unit: u.unit, rate: '0' },
        0n,
      );
    }

    // Taper: day-weighted factor over the eligible days.
    const eligibleDays = el.eligibleDates.length;
    if (p.taper.length > 0) {
      let w = ZERO;
      for (const g of el.segments) w = add(w, mul(g.factor, ratio(BigInt(g.days))));
      const factor = div(w, ratio(BigInt(eligibleDays)));
      const months = (g: (typeof el.segments)[number]) =>
        `${g.monthFrom}${g.monthTo !== g.monthFrom ? `–${g.monthTo}` : ''}`;
      const segEn = el.segments.map(
        (g) => `${g.firstDate}..${g.lastDate} (eligibility month ${months(g)}) × ${g.factorText}`,
      );
      const segZh = el.segments.map(
        (g) => `${g.firstDate}..${g.lastDate}（补贴第 ${months(g)} 个月）× ${g.factorText}`,
      );
      const rate =
        el.segments.length === 1
          ? el.segments[0].factorText
          : `(${el.segments.map((g) => `${g.days}×${g.factorText}`).join(' + ')})/${eligibleDays}`;
      const next = roundToFen(mul(ratio(ctx.subtotal, 100n), factor));
      line(
        ctx,
        'TAPER',
        `递减系数：${segZh.join('；')}`,
        `Taper: ${segEn.join('; ')}`,
        { quantity: formatRatio(factor), unit: 'factor', rate },
        next - ctx.subtotal,
      );
    }

    // Pro-rating by eligible days (VOLUME already counts only eligible days' traffic).
    if (p.prorate === 'ELIGIBLE_DAYS' && p.basis !== 'VOLUME') {
      const frac = `${eligibleDays}/${el.daysInMonth}`;
      const next = roundToFen(mul(ratio(ctx.subtotal, 100n), ratio(BigInt(eligibleDays), BigInt(el.daysInMonth))));
      line(
        ctx,
        'PRORATE',
        `按符合条件天数折算：${el.eligibleDates[0]}..${el.eligibleDates[eligibleDays - 1]}，${frac} 天`,
        `Pro-rating by eligible days: ${el.eligibleDates[0]}..${el.eligibleDates[eligibleDays - 1]}, ${frac} days`,
        { quantity: `${eligibleDays}`, unit: 'days', rate: frac },
        next - ctx.subtotal,
      );
    }

    if (p.min_billable !== null) {
      const below = cmp(q, parseDecimal(p.min_billable)) < 0;
      line(
        ctx,
        'MIN_BILLABLE',
        `最低计费量 ${p.min_billable} ${u.unit}：${below ? '未达到，不予补贴' : '已达到'}`,
        `Minimum billable ${p.min_billable} ${u.unit}: ${below ? 'not reached, no subsidy' : 'reached'}`,
        { quantity: formatRatio(q), unit: u.unit, rate: p.min_billable },
        below ? -ctx.subtotal : 0n,
      );
    }

    if (p.cap_monthly_cny !== null) {
      const cap = parseFen(p.cap_monthly_cny);
      const cut = ctx.subtotal > cap ? cap - ctx.subtotal : 0n;
      line(
        ctx,
        'CAP_MONTHLY',
        `月度上限 ${p.cap_monthly_cny} 元${cut < 0n ? '，已封顶' : '，未触及'}`,
        `Monthly cap CNY ${p.cap_monthly_cny}${cut < 0n ? ': applied' : ': not reached'}`,
        { quantity: formatFen(cap), unit: 'CNY' },
        cut,
      );
    }

    if (p.cap_to_actual_fees.enabled) {
      if (input.actualFeesFen == null) {
        status = 'needs_review';
        line(
          ctx,
          'CAP_FEES',
          `按实际缴费封顶（${p.cap_to_actual_fees.pct}%）：缺少实际缴费数据`,
          `Cap to ${p.cap_to_actual_fees.pct}% of fees actually paid: fees paid are unknown`,
          {},
          0n,
        );
      } else {
        const cap = roundToFen(
          mul(
            ratio(input.actualFeesFen, 100n),
            ratio(parseDecimal(p.cap_to_actual_fees.pct).num, parseDecimal(p.cap_to_actual_fees.pct).den * 100n),
          ),
        );
        const cut = ctx.subtotal > cap ? cap - ctx.subtotal : 0n;
        line(
          ctx,
          'CAP_FEES',
          `实际缴费 ${formatFen(input.actualFeesFen)} 元 × ${p.cap_to_actual_fees.pct}% = ${formatFen(cap)} 元`,
          `Fees paid CNY ${formatFen(input.actualFeesFen)} × ${p.cap_to_actual_fees.pct}% = CNY ${formatFen(cap)}`,
          { quantity: formatFen(cap), unit: 'CNY', rate: `${p.cap_to_actual_fees.pct}%` },
          cut,
        );
      }
    }

    if (p.cap_annual_by_capacity.length > 0) {
      const cap = ratioFromNumber(member.portCapacityGbps);
      const idx = p.cap_annual_by_capacity.findIndex(
        (c) => c.capacity_lt_gbps === null || cmp(cap, parseDecimal(c.capacity_lt_gbps)) < 0,
      );
      const tier = idx >= 0 ? p.cap_annual_by_capacity[idx] : null;
      const capFen = tier ? parseFen(tier.cap_cny) : 0n;
      const ytd = input.yearToDatePaidFen;
      const before = capFen > ytd ? capFen - ytd : 0n;
      const cut = ctx.subtotal > before ? before - ctx.subtotal : 0n;
      const after = before - (ctx.subtotal + cut);
      const tierTxt = capacityTierText(p, idx, formatRatio(cap));
      annualCap = { capFen, ytdPaidFen: ytd, headroomBeforeFen: before, headroomAfterFen: after };
      line(
        ctx,
        'CAP_ANNUAL',
        `年度上限 ${formatFen(capFen)} 元（${tierTxt.zh}）：本年已补贴 ${formatFen(ytd)} 元，剩余额度 ${formatFen(before)} 元${cut < 0n ? '，已封顶' : ''}；本月后剩余 ${formatFen(after)} 元`,
        `Annual cap CNY ${formatFen(capFen)} (${tierTxt.en}): paid this year CNY ${formatFen(ytd)}, headroom CNY ${formatFen(before)}${cut < 0n ? ', cap applied' : ''}; remaining after this month CNY ${formatFen(after)}`,
        { quantity: formatFen(before), unit: 'CNY', rate: formatFen(capFen) },
        cut,
      );
    }

    const cov = s;
    const minPct = parseDecimal(p.min_coverage_pct);
    if (
      cov.expected_buckets > 0 &&
      BigInt(cov.valid_buckets) * 100n * minPct.den < minPct.num * BigInt(cov.expected_buckets)
    ) {
      status = 'needs_review';
      line(
        ctx,
        'COVERAGE',
        `数据完整率 ${s.coverage_pct}% 低于 ${p.min_coverage_pct}%（${cov.valid_buckets}/${cov.expected_buckets}），转人工复核`,
        `Coverage ${s.coverage_pct}% is below ${p.min_coverage_pct}% (${cov.valid_buckets}/${cov.expected_buckets} buckets): manual review`,
        { quantity: s.coverage_pct, unit: '%', rate: p.min_coverage_pct },
        0n,
      );
    }
  }

  const provisional = ctx.subtotal;
  if (status === 'needs_review' && ctx.subtotal !== 0n) {
    line(
      ctx,
      'HOLD_REVIEW',
      `待人工复核，暂不支付（暂计金额 ${formatFen(provisional)} 元）`,
      `Held for manual review (provisional amount CNY ${formatFen(provisional)})`,
      {},
      -ctx.subtotal,
    );
  }

  const inputsHash = sha256Hex(
    canonicalJson({
      format: 'ixmeter-subsidy-inputs-v1',
      policy: p,
      member,
      month,
      statement: {
        asn: s.asn,
        samples_hash: s.samples_hash,
        period: s.period,
        first_date: s.first_date,
        last_date: s.last_date,
        percentile: s.percentile,
        billable_in_bucket_bytes: s.billable_in_bucket_bytes,
        billable_out_bucket_bytes: s.billable_out_bucket_bytes,
        coverage: [s.expected_buckets, s.valid_buckets, s.excluded_buckets],
        daily: s.daily.map((d) => [d.date, d.in_bytes, d.out_bytes]),
        excluded: s.excluded_intervals.map((e) => [e.from, e.to, e.reason]),
      },
      yearToDatePaidFen: input.yearToDatePaidFen,
      actualFeesFen: input.actualFeesFen ?? null,
      ...(input.invoicedFeesFen != null ? { invoicedFeesFen: input.invoicedFeesFen } : {}),
    }),
  );

  return {
    status,
    amountFen: ctx.subtotal,
    amount: formatFen(ctx.subtotal),
    provisionalAmountFen: provisional,
    lines: ctx.lines,
    policy: { id: p.policy_id, version: p.version, official: p.official, name_zh: p.name_zh, name_en: p.name_en },
    annualCap,
    inputsHash,
  };
}
