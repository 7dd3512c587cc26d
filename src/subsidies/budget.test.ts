import { describe, expect, it } from 'vitest';
import { budgetLine, decideBudget } from './budget.js';
import { parseFen } from './money.js';

const B = (annual: string, on: 'pro_rata' | 'hold' = 'pro_rata') => ({ annual_cny: annual, on_exceed: on });
const sum = (m: Map<number, bigint>) => [...m.values()].reduce((a, b) => a + b, 0n);

describe('programme budget', () => {
  it('within the budget: factor 1, nothing changes, a line says so', () => {
    const d = decideBudget(B('10000.00'), '2026-03', 200_000n, [
      { asn: 1, amountFen: 100_000n },
      { asn: 2, amountFen: 50_000n },
    ]);
    expect(d.action).toBe('within');
    expect(d.amounts.get(1)).toBe(100_000n);
    const l = budgetLine(d, 1, 100_000n);
    expect(l.line).toMatchObject({ code: 'BUDGET', amount: '0.00', subtotal: '1000.00', quantity: '1' });
    expect(l.line.label_en).toMatch(/within the budget/);
  });

  it('a month twice the remaining budget: total ≤ the budget, every member on the same factor ±0.01 (largest remainder)', () => {
    // remaining = 1000.00; unscaled = 2000.00 from three members with amounts that do not divide evenly
    const members = [
      { asn: 3, amountFen: 66_667n },
      { asn: 1, amountFen: 66_667n },
      { asn: 2, amountFen: 66_666n },
    ];
    const d = decideBudget(B('5000.00'), '2026-07', 400_000n, members);
    expect(d.action).toBe('pro_rata');
    expect(d.factorText).toBe('0.5');
    expect(d.totalFen).toBe(100_000n);
    expect(sum(d.amounts)).toBe(100_000n); // exactly the remaining budget, never more
    for (const m of members) {
      const exact = Number(m.amountFen) * 0.5;
      expect(Math.abs(Number(d.amounts.get(m.asn)!) - exact)).toBeLessThanOrEqual(1); // ±1 fen = ±0.01 CNY
    }
    // 33333.5 fen each for AS1 and AS3 (tie: lower ASN gets the fen), 33333 for AS2: 33334 + 33333 + 33333
    expect([d.amounts.get(1), d.amounts.get(2), d.amounts.get(3)]).toEqual([33_334n, 33_333n, 33_333n]);
    const l = budgetLine(d, 1, 66_667n);
    expect(l.line).toMatchObject({ code: 'BUDGET', amount: '-333.33', subtotal: '333.34', rate: '1000.00' });
  });

  it('rounding never exceeds the budget over many odd amounts', () => {
    const members = Array.from({ length: 97 }, (_, i) => ({ asn: 64500 + i, amountFen: BigInt(12_345 + i * 7_919) }));
    const total = members.reduce((s, m) => s + m.amountFen, 0n);
    for (const remaining of [1n, 99n, total / 3n, total - 1n]) {
      const d = decideBudget(B('1000000.00'), '2026-05', parseFen('1000000.00') - remaining, members);
      expect(d.totalFen).toBe(remaining);
      expect(sum(d.amounts)).toBe(remaining);
      for (const m of members) {
        const exact = (Number(m.amountFen) * Number(remaining)) / Number(total);
        expect(Math.abs(Number(d.amounts.get(m.asn)!) - exact)).toBeLessThan(1.0000001);
      }
    }
  });

  it('the order of the members does not change any amount', () => {
    const members = Array.from({ length: 20 }, (_, i) => ({
      asn: 100 + i,
      amountFen: BigInt(1_000 + ((i * 7_777) % 3_001)),
    }));
    const a = decideBudget(B('100.00'), '2026-02', 0n, members);
    const b = decideBudget(B('100.00'), '2026-02', 0n, [...members].reverse());
    expect([...b.amounts].sort()).toEqual([...a.amounts].sort());
  });

  it('a year over budget from month 7: months 1–6 whole, month 7 scaled to the rest, then nothing', () => {
    const members = [
      { asn: 1, amountFen: 100_000n },
      { asn: 2, amountFen: 50_000n },
    ]; // 1500.00 a month
    let committed = 0n;
    const totals: bigint[] = [];
    for (let m = 1; m <= 12; m++) {
      const d = decideBudget(B('9750.00'), `2026-${String(m).padStart(2, '0')}`, committed, members); // 6.5 months
      totals.push(d.totalFen);
      committed += d.totalFen;
    }
    expect(totals.slice(0, 6)).toEqual(Array(6).fill(150_000n));
    expect(totals[6]).toBe(75_000n);
    expect(totals.slice(7)).toEqual(Array(5).fill(0n));
    expect(committed).toBe(975_000n);
  });

  it('hold: over the budget the month stops at review (amounts held, status needs_review)', () => {
    const d = decideBudget(B('1000.00', 'hold'), '2026-09', 90_000n, [
      { asn: 1, amountFen: 20_000n },
      { asn: 2, amountFen: 0n },
    ]);
    expect(d.action).toBe('hold');
    const l = budgetLine(d, 1, 20_000n);
    expect(l.held).toBe(true);
    expect(l.line).toMatchObject({ code: 'BUDGET_HOLD', amount: '-200.00', subtotal: '0.00' });
    expect(budgetLine(d, 2, 0n).held).toBe(false);
  });
});
