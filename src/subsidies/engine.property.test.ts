/** Property-style checks over seeded random policies and members: the lines always explain the amount. */
import { describe, expect, it } from 'vitest';
import { buildMonthlyStatement } from '../statements/statement.js';
import { addMonths, monthBounds } from '../statements/time.js';
import { prng } from '../shared/prng.js';
import { computeSubsidy } from './engine.js';
import { parseDecimal, parseFen, roundToFen, mul, cmp, sub, ZERO } from './money.js';
import { loadExamplePolicy } from './policy.loader.js';
import { parsePolicy, MEMBER_TYPES } from './policy.schema.js';

const EXAMPLE = loadExamplePolicy();

describe('computeSubsidy properties (400 seeded random cases)', () => {
  it('Σ line amounts = amount; subtotals run; 0 ≤ amount ≤ every cap; tiers match an independent sum', () => {
    const rnd = prng(20261126);
    const int = (a: number, b: number) => a + Math.floor(rnd() * (b - a + 1));
    const dec = (maxInt: number, scale: number) => (int(0, maxInt * 10 ** scale) / 10 ** scale).toFixed(scale);
    let capped = 0;
    let held = 0;
    let paid = 0;
    for (let n = 0; n < 400; n++) {
      const bounds: string[] = [];
      let lo = 0;
      const nt = int(1, 4);
      for (let i = 0; i < nt; i++) bounds.push(String((lo += int(1, 50))));
      const tiers = bounds.map((b, i) => ({
        lower: i === 0 ? 0 : Number(bounds[i - 1]),
        upper: i === nt - 1 && rnd() < 0.7 ? null : Number(b),
        rate: dec(2000, int(0, 4)),
      }));
      const months = int(6, 48);
      const cut = int(1, months);
      const policy = parsePolicy({
        ...EXAMPLE,
        basis: (['P95_RATE', 'VOLUME', 'PORT_CAPACITY'] as const)[int(0, 2)],
        percentile_method: (['MAX_DIRECTION', 'MEAN_DIRECTION', 'SUM_DIRECTION'] as const)[int(0, 2)],
        tiers,
        eligibility_months: months,
        taper:
          cut === months
            ? [{ from: 1, to: months, factor: dec(1, 2) }]
            : [
                { from: 1, to: cut, factor: '1' },
                { from: cut + 1, to: months, factor: dec(1, 3) },
              ],
        min_billable: rnd() < 0.5 ? null : dec(3, 2),
        min_coverage_pct: rnd() < 0.9 ? 0 : 95,
        cap_monthly_cny: rnd() < 0.5 ? null : dec(50000, 2),
        effective_from: '2020-01-01',
        effective_to: null,
      });
      const month = `202${int(1, 5)}-${String(int(1, 12)).padStart(2, '0')}`;
      const b = monthBounds(month, 'Asia/Shanghai');
      const samples = Array.from({ length: int(0, 60) }, (_, i) => ({
        ts: b.start + i * 300_000 * int(1, 140),
        inBytes: BigInt(int(0, 2 ** 30)) * BigInt(int(1, 5000)),
        outBytes: BigInt(int(0, 2 ** 30)) * BigInt(int(1, 5000)),
      })).filter((s, i, a) => s.ts < b.end && a.findIndex((x) => x.ts === s.ts) === i);
      const fpd =
        rnd() < 0.85
          ? addMonths(`${month}-${String(int(1, 28)).padStart(2, '0')}`, -int(0, months))
          : `20${int(19, 25)}-0${int(1, 9)}-1${int(0, 9)}`;
      const statement = buildMonthlyStatement({
        asn: 1,
        month,
        percentileMethod: policy.percentile_method,
        samples,
        activeFrom: rnd() < 0.3 ? `${month}-${String(int(1, 28)).padStart(2, '0')}` : undefined,
      });
      const ytd = BigInt(int(0, 900_000)) * 100n;
      const r = computeSubsidy({
        policy,
        member: {
          type: MEMBER_TYPES[int(0, 7)],
          firstProductionDate: fpd,
          portCapacityGbps: [1, 10, 20, 100, 400, 2.5][int(0, 5)],
          enrolled: rnd() < 0.95,
        },
        month,
        statement,
        yearToDatePaidFen: ytd,
      });

      let sum = 0n;
      for (const l of r.lines) {
        sum += parseFen(l.amount);
        expect(parseFen(l.subtotal)).toBe(sum);
      }
      expect(sum).toBe(r.amountFen);
      expect(r.amountFen >= 0n).toBe(true);
      expect(r.provisionalAmountFen >= 0n).toBe(true);
      if (r.status === 'needs_review') held++;
      if (r.status === 'ok' && r.amountFen > 0n) paid++;
      if (r.status !== 'needs_review') expect(r.amountFen).toBe(r.provisionalAmountFen);
      if (policy.cap_monthly_cny !== null)
        expect(r.provisionalAmountFen <= parseFen(policy.cap_monthly_cny)).toBe(true);
      if (r.annualCap) {
        expect(r.provisionalAmountFen <= r.annualCap.headroomBeforeFen).toBe(true);
        expect(r.annualCap.headroomAfterFen).toBe(r.annualCap.headroomBeforeFen - r.provisionalAmountFen);
        if (r.lines.find((l) => l.code === 'CAP_ANNUAL')!.amount !== '0.00') capped++;
      }
      if (r.status !== 'not_eligible') {
        // tier lines against an independent marginal computation from the basis quantity
        const q = parseDecimal(r.lines.find((l) => l.code === 'BASIS')!.quantity!.replace('≈', ''));
        let expected = 0n;
        for (const t of policy.tiers) {
          const lo2 = parseDecimal(t.lower);
          if (cmp(q, lo2) <= 0) continue;
          let part = sub(q, lo2);
          if (t.upper !== null && cmp(part, sub(parseDecimal(t.upper), lo2)) > 0)
            part = sub(parseDecimal(t.upper), lo2);
          expected += roundToFen(mul(cmp(part, ZERO) > 0 ? part : ZERO, parseDecimal(t.rate)));
        }
        const tierSum = r.lines.filter((l) => l.code.startsWith('TIER_')).reduce((a, l) => a + parseFen(l.amount), 0n);
        expect(tierSum).toBe(expected);
      } else {
        expect(r.lines.every((l) => l.amount === '0.00')).toBe(true);
      }
    }
    expect(capped).toBeGreaterThan(0);
    expect(held).toBeGreaterThan(0);
    expect(paid).toBeGreaterThan(100);
  });
});
