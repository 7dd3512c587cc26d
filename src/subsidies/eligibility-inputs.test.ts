import { describe, expect, it } from 'vitest';
import { evaluateEligibility, type SubsidyMember } from './eligibility.js';
import { loadExamplePolicy } from './policy.loader.js';
import { parsePolicy } from './policy.schema.js';

const EXAMPLE = loadExamplePolicy();
const policy = parsePolicy({ ...EXAMPLE, require_local_registration: true, exclude_blacklisted: true });
const member = (over: Partial<SubsidyMember> = {}): SubsidyMember => ({
  type: 'cdn',
  firstProductionDate: '2024-01-01',
  portCapacityGbps: 10,
  enrolled: true,
  ...over,
});
const period = { first_date: '2024-06-01', last_date: '2024-06-30' };
const ev = (m: SubsidyMember) => evaluateEligibility(policy, m, '2024-06', period);

describe('eligibility inputs from the member file', () => {
  it('local registration: none → not eligible; registered mid-month → eligible from that day; each a decision', () => {
    expect(ev(member()).reasons.map((r) => r.code)).toEqual(['NOT_LOCALLY_REGISTERED']);
    expect(ev(member({ localRegistration: { registered: false } })).decisions[0]!.en).toMatch(/not registered/);
    expect(
      ev(member({ localRegistration: { registered: true, date: '2024-07-02' } })).reasons.map((r) => r.code),
    ).toEqual(['NOT_LOCALLY_REGISTERED']);
    const mid = ev(member({ localRegistration: { registered: true, date: '2024-06-11', reference: 'ZW-2024-17' } }));
    expect(mid.reasons).toEqual([]);
    expect(mid.eligibleDates[0]).toBe('2024-06-11');
    expect(mid.eligibleDates).toHaveLength(20);
    expect(mid.decisions.find((d) => d.code === 'LOCAL_REG')!.en).toMatch(
      /2024-06-11, reference ZW-2024-17; the days before it are not eligible/,
    );
    expect(ev(member({ localRegistration: { registered: true, date: '2023-01-01' } })).eligibleDates).toHaveLength(30);
  });

  it('blacklist periods: days inside [from, to) are left out; a whole month inside one is not eligible', () => {
    const reg = { registered: true };
    const part = ev(
      member({
        localRegistration: reg,
        blacklist: [
          { from: '2024-06-10', to: '2024-06-20', reason: '失信' },
          { from: '2023-01-01', to: '2023-02-01', reason: 'old' },
        ],
      }),
    );
    expect(part.reasons).toEqual([]);
    expect(part.eligibleDates).toHaveLength(20);
    expect(part.eligibleDates).not.toContain('2024-06-10');
    expect(part.eligibleDates).toContain('2024-06-20');
    expect(part.decisions.find((d) => d.code === 'BLACKLIST')!.en).toBe(
      'Serious-dishonesty list: 2024-06-10 to 2024-06-20 (失信); the days listed are not eligible',
    );
    const all = ev(member({ localRegistration: reg, blacklist: [{ from: '2024-05-01', reason: 'listed' }] }));
    expect(all.reasons.map((r) => r.code)).toEqual(['BLACKLISTED']);
    expect(
      ev(member({ localRegistration: reg, blacklist: [] })).decisions.find((d) => d.code === 'BLACKLIST')!.en,
    ).toMatch(/not listed this month/);
  });
});
