/**
 * Eligibility inputs from the member file (ixmeter.local_registration, ixmeter.blacklist), day by day in
 * a calendar month. Each input the policy checks gives one decision (a zero line on the statement):
 * - require_local_registration: not registered, or registered after the month → not eligible; registered
 *   during the month → eligible from the registration date (earlier days are left out);
 * - exclude_blacklisted: the days inside a blacklist period [from, to) are left out; a month entirely
 *   inside one (or a member flagged `blacklisted` without periods) is not eligible.
 */
import type { Reason, SubsidyMember } from './eligibility.js';
import type { SubsidyPolicy } from './policy.schema.js';

export interface EligibilityInputs {
  reasons: Reason[];
  decisions: Reason[];
  /** Dates of the month left out by these inputs. */
  excludedDates: Set<string>;
}

export function eligibilityInputs(
  policy: SubsidyPolicy,
  member: SubsidyMember,
  monthFirst: string,
  monthLast: string,
  dates: readonly string[],
): EligibilityInputs {
  const out: EligibilityInputs = { reasons: [], decisions: [], excludedDates: new Set() };
  const decide = (code: string, zh: string, en: string) => out.decisions.push({ code, zh, en });

  if (policy.require_local_registration) {
    const reg =
      typeof member.localRegistration === 'object'
        ? member.localRegistration
        : { registered: member.localRegistration === true };
    const ref = reg.reference ? `, reference ${reg.reference}` : '';
    const refZh = reg.reference ? `，登记号 ${reg.reference}` : '';
    if (!reg.registered) {
      out.reasons.push({
        code: 'NOT_LOCALLY_REGISTERED',
        zh: '会员未在本地注册（成员文件 local_registration）',
        en: 'the policy requires local registration; the member file shows none (local_registration)',
      });
      decide('LOCAL_REG', '本地注册：未注册，不符合条件', 'Local registration: not registered, not eligible');
    } else if (reg.date && reg.date > monthLast) {
      out.reasons.push({
        code: 'NOT_LOCALLY_REGISTERED',
        zh: `本地注册日期 ${reg.date} 晚于本月`,
        en: `local registration on ${reg.date} is after this month`,
      });
      decide(
        'LOCAL_REG',
        `本地注册：${reg.date} 注册${refZh}，晚于本月`,
        `Local registration: registered on ${reg.date}${ref}, after this month`,
      );
    } else if (reg.date && reg.date > monthFirst) {
      for (const d of dates) if (d < reg.date) out.excludedDates.add(d);
      decide(
        'LOCAL_REG',
        `本地注册：${reg.date} 注册${refZh}，此前的天数不予补贴`,
        `Local registration: registered on ${reg.date}${ref}; the days before it are not eligible`,
      );
    } else {
      decide(
        'LOCAL_REG',
        `本地注册：已注册${reg.date ? `（${reg.date}）` : ''}${refZh}`,
        `Local registration: registered${reg.date ? ` on ${reg.date}` : ''}${ref}`,
      );
    }
  }

  if (policy.exclude_blacklisted) {
    const periods = (member.blacklist ?? []).filter(
      (b) => b.from <= monthLast && (b.to === undefined || b.to > monthFirst),
    );
    if (member.blacklisted && periods.length === 0) {
      out.reasons.push({
        code: 'BLACKLISTED',
        zh: '会员列入严重失信主体名单',
        en: 'the member is on the serious-dishonesty list (严重失信主体名单)',
      });
      decide('BLACKLIST', '失信名单：已列入', 'Serious-dishonesty list: listed');
    } else if (periods.length === 0) {
      decide('BLACKLIST', '失信名单：本月无列入记录', 'Serious-dishonesty list: not listed this month');
    } else {
      for (const d of dates)
        if (periods.some((b) => b.from <= d && (b.to === undefined || d < b.to))) out.excludedDates.add(d);
      const zh = periods.map((b) => `${b.from} 至 ${b.to ?? '今'}（${b.reason}）`).join('；');
      const en = periods.map((b) => `${b.from} to ${b.to ?? 'open'} (${b.reason})`).join('; ');
      const all = dates.every((d) => out.excludedDates.has(d));
      if (all)
        out.reasons.push({
          code: 'BLACKLISTED',
          zh: `本月全部在失信名单期间内：${zh}`,
          en: `the whole month is inside a serious-dishonesty listing: ${en}`,
        });
      decide(
        'BLACKLIST',
        `失信名单：${zh}${all ? '，本月不符合条件' : '，期间内的天数不予补贴'}`,
        `Serious-dishonesty list: ${en}${all ? '; not eligible this month' : '; the days listed are not eligible'}`,
      );
    }
  }
  return out;
}
