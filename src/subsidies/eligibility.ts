/**
 * Eligibility of a member for a policy, day by day within a calendar month.
 *
 * A calendar day d is eligible when all hold:
 * - first production date ≤ d < first production date + eligibility_months (calendar months, day clamped
 *   to month end: 2024-01-31 + 1 month = 2024-02-29);
 * - effective_from ≤ d ≤ effective_to (inclusive; open-ended when effective_to is null);
 * - d lies in the statement's period (the member was connected that day).
 * Eligibility month k of day d (1-based, for the taper) counts month anniversaries of the first
 * production date: month 1 = [fpd, fpd + 1 month), month 13 starts on fpd + 12 months. A calendar month
 * can therefore hold two taper segments.
 */
import { addMonths, daysInMonth, parseMonth } from '../statements/time.js';
import { cmp, parseDecimal, ONE, type Ratio } from './money.js';
import { eligibilityInputs } from './eligibility-inputs.js';
import type { MemberType, SubsidyPolicy } from './policy.schema.js';

export interface SubsidyMember {
  type: MemberType;
  /** `YYYY-MM-DD`, in the billing time zone; null if the member never went live. */
  firstProductionDate: string | null;
  /** Cumulative production port capacity (Gbps): selects the annual cap tier; quantity of PORT_CAPACITY. */
  portCapacityGbps: number;
  enrolled: boolean;
  /** Listed for the whole time (older callers); periods are in `blacklist`. */
  blacklisted?: boolean;
  /** The member file's ixmeter.local_registration (a bare boolean from older callers). */
  localRegistration?: boolean | { registered: boolean; date?: string; reference?: string };
  /** The member file's ixmeter.blacklist periods: from inclusive, to exclusive (absent: still listed). */
  blacklist?: ReadonlyArray<{ from: string; to?: string; reason: string }>;
}

export interface Reason {
  code: string;
  zh: string;
  en: string;
}

export interface TaperSegment {
  /** Eligibility months (1-based) spanned by the segment's days. */
  monthFrom: number;
  monthTo: number;
  factor: Ratio;
  factorText: string;
  firstDate: string;
  lastDate: string;
  days: number;
}

export interface Eligibility {
  reasons: Reason[];
  /** Each eligibility input the policy checks and what it decided (a zero line on the statement each). */
  decisions: Reason[];
  daysInMonth: number;
  eligibleDates: string[];
  segments: TaperSegment[];
  windowEnd: string | null;
}

/** 1-based eligibility month of `date` counted from the first production date. */
export function eligibilityMonthOf(firstProduction: string, date: string): number {
  if (date < firstProduction) return 0;
  const a = parseMonth(firstProduction.slice(0, 7));
  const b = parseMonth(date.slice(0, 7));
  let k = Math.max(1, (b.year - a.year) * 12 + (b.month - a.month) - 1);
  while (addMonths(firstProduction, k) <= date) k++;
  while (k > 1 && addMonths(firstProduction, k - 1) > date) k--;
  return k;
}

export function taperFor(policy: SubsidyPolicy, monthNo: number): { factor: Ratio; text: string } {
  if (policy.taper.length === 0) return { factor: ONE, text: '1' };
  const row = policy.taper.find((t) => t.from <= monthNo && monthNo <= t.to);
  if (!row)
    throw new RangeError(
      `policy ${policy.policy_id} v${policy.version}: no taper row for eligibility month ${monthNo}`,
    );
  return { factor: parseDecimal(row.factor), text: row.factor };
}

export function evaluateEligibility(
  policy: SubsidyPolicy,
  member: SubsidyMember,
  month: string,
  period: { first_date: string; last_date: string },
): Eligibility {
  const { year, month: mo } = parseMonth(month);
  const dim = daysInMonth(year, mo);
  const dates = Array.from({ length: dim }, (_, i) => `${month}-${String(i + 1).padStart(2, '0')}`);
  const reasons: Reason[] = [];
  const r = (code: string, zh: string, en: string) => reasons.push({ code, zh, en });

  if (!member.enrolled)
    r('NOT_ENROLLED', '会员未登记参加本补贴政策', 'the member is not enrolled in this subsidy policy');
  if (!policy.eligible_member_types.includes(member.type)) {
    r(
      'MEMBER_TYPE',
      `会员类型 ${member.type} 不在本政策的适用范围内`,
      `member type ${member.type} is not eligible under this policy (eligible: ${policy.eligible_member_types.join(', ')})`,
    );
  }
  const monthFirst = dates[0];
  const monthLast = dates[dim - 1];
  const inputs = eligibilityInputs(policy, member, monthFirst, monthLast, dates);
  reasons.push(...inputs.reasons);
  if (policy.effective_from > monthLast || (policy.effective_to !== null && policy.effective_to < monthFirst)) {
    r(
      'OUTSIDE_POLICY_PERIOD',
      `本月不在政策有效期（${policy.effective_from} 至 ${policy.effective_to ?? '长期'}）内`,
      `the month is outside the policy's effective period (${policy.effective_from} to ${policy.effective_to ?? 'open'})`,
    );
  }
  const fpd = member.firstProductionDate;
  const windowEnd = fpd ? addMonths(fpd, policy.eligibility_months) : null;
  if (!fpd) r('NO_PRODUCTION_DATE', '会员尚无首次投产日期', 'the member has no first production date');
  else if (fpd > monthLast)
    r('BEFORE_PRODUCTION', `首次投产日期 ${fpd} 晚于本月`, `first production date ${fpd} is after this month`);
  else if (windowEnd! <= monthFirst) {
    r(
      'ELIGIBILITY_WINDOW_ENDED',
      `补贴期（自 ${fpd} 起 ${policy.eligibility_months} 个月）已于 ${windowEnd} 前结束`,
      `the ${policy.eligibility_months}-month eligibility window from ${fpd} ended before ${windowEnd}`,
    );
  }

  const eligibleDates =
    reasons.length > 0 || !fpd
      ? []
      : dates.filter(
          (d) =>
            d >= fpd &&
            d < windowEnd! &&
            d >= policy.effective_from &&
            (policy.effective_to === null || d <= policy.effective_to) &&
            d >= period.first_date &&
            d <= period.last_date &&
            !inputs.excludedDates.has(d),
        );
  if (reasons.length === 0 && eligibleDates.length === 0) {
    r(
      'NO_ELIGIBLE_DAYS',
      '本月无符合条件的天数（未接入或不在有效期内）',
      'no eligible day in this month (not connected, or outside the eligibility and policy periods)',
    );
  }

  const segments: TaperSegment[] = [];
  for (const d of eligibleDates) {
    const k = eligibilityMonthOf(fpd!, d);
    const t = taperFor(policy, k);
    const last = segments[segments.length - 1];
    if (last && cmp(last.factor, t.factor) === 0) {
      last.lastDate = d;
      last.days++;
      last.monthTo = k;
    } else
      segments.push({
        monthFrom: k,
        monthTo: k,
        factor: t.factor,
        factorText: t.text,
        firstDate: d,
        lastDate: d,
        days: 1,
      });
  }
  return { reasons, decisions: inputs.decisions, daysInMonth: dim, eligibleDates, segments, windowEnd };
}
