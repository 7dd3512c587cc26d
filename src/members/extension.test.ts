import { describe, expect, it } from 'vitest';
import { IxfMemberSchema } from './ixf.schema.js';

const member = (ixmeter: Record<string, unknown>) => ({ asnum: 64500, name: 'M', ixmeter });
const issues = (ixmeter: Record<string, unknown>) => {
  const r = IxfMemberSchema.safeParse(member(ixmeter));
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('member file: eligibility inputs and payee', () => {
  it('accepts registration, blacklist periods and a payee', () => {
    expect(
      issues({
        local_registration: { registered: true, date: '2025-06-01', reference: 'ZW-17' },
        blacklist: [
          { from: '2026-03-10', to: '2026-04-01', reason: '失信' },
          { from: '2026-09-01', reason: 'still listed' },
        ],
        payee: { name: '收款人', bank: '中国银行', account: '6222 0000 1234', tax_id: '91640500MA76XXXX0A' },
      }),
    ).toEqual([]);
  });

  it('refuses a blacklist period that ends before it starts, a dated non-registration, bad dates and accounts', () => {
    const all = issues({
      local_registration: { registered: false, date: '2025-06-01' },
      blacklist: [
        { from: '2026-04-01', to: '2026-03-10', reason: 'x' },
        { from: '2026-02-30', reason: 'x' },
      ],
      payee: { name: 'p', bank: 'b', account: '12' },
    }).join('\n');
    expect(all).toMatch(
      /ixmeter\.local_registration\.date: local_registration: a date is given but registered is false/,
    );
    expect(all).toMatch(/ixmeter\.blacklist\.0\.to: blacklist period: to \(exclusive\) must be after from/);
    expect(all).toMatch(/ixmeter\.blacklist\.1\.from: is not a calendar date/);
    expect(all).toMatch(/ixmeter\.payee\.account: is not a bank account number/);
  });
});
