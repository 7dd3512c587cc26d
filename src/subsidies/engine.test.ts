import { describe, expect, it } from 'vitest';
import { buildMonthlyStatement, type MonthlyStatement } from '../statements/statement.js';
import { monthBounds } from '../statements/time.js';
import { computeSubsidy, type SubsidyInput, type SubsidyMember } from './engine.js';
import { parseFen } from './money.js';
import { loadExamplePolicy } from './policy.loader.js';
import { parsePolicy, type SubsidyPolicy, type SubsidyPolicyDocument } from './policy.schema.js';

const TZ = 'Asia/Shanghai';
const EXAMPLE = loadExamplePolicy();
const gbpsBytes = (g: string) => (BigInt(Math.round(Number(g) * 1e6)) * 1000n * 300n) / 8n; // bytes per bucket at g Gbps

/** A month of constant traffic at the given Gbps per direction (so P95 = that rate). */
function statement(
  month: string,
  inG: string,
  outG: string,
  opts: { method?: SubsidyPolicy['percentile_method']; activeFrom?: string; everyNth?: number } = {},
): MonthlyStatement {
  const b = monthBounds(month, TZ, { from: opts.activeFrom });
  const samples = [];
  for (let i = 0; i < b.expectedBuckets; i++) {
    if (opts.everyNth && i % opts.everyNth === 0) continue;
    samples.push({ ts: b.start + i * 300_000, inBytes: gbpsBytes(inG), outBytes: gbpsBytes(outG) });
  }
  return buildMonthlyStatement({
    asn: 64500,
    month,
    timeZone: TZ,
    activeFrom: opts.activeFrom,
    percentileMethod: opts.method ?? 'MAX_DIRECTION',
    samples,
  });
}

const member = (over: Partial<SubsidyMember> = {}): SubsidyMember => ({
  type: 'cdn',
  firstProductionDate: '2024-01-01',
  portCapacityGbps: 10,
  enrolled: true,
  ...over,
});
const withPolicy = (over: Partial<SubsidyPolicyDocument>): SubsidyPolicy => parsePolicy({ ...EXAMPLE, ...over });

function run(over: Partial<SubsidyInput> & { statement: MonthlyStatement }) {
  const r = computeSubsidy({
    policy: EXAMPLE,
    member: member(),
    month: over.statement.period,
    yearToDatePaidFen: 0n,
    ...over,
  });
  // invariant: the line amounts add up to the result, and subtotals run
  let sum = 0n;
  for (const l of r.lines) {
    sum += parseFen(l.amount);
    expect(l.subtotal).toBe(fmt(sum));
  }
  expect(sum).toBe(r.amountFen);
  expect(r.amount).toBe(fmt(r.amountFen));
  return r;
}
const fmt = (f: bigint) =>
  `${f < 0n ? '-' : ''}${(f < 0n ? -f : f) / 100n}.${String((f < 0n ? -f : f) % 100n).padStart(2, '0')}`;
const codes = (r: ReturnType<typeof run>) => r.lines.map((l) => l.code);
const lineOf = (r: ReturnType<typeof run>, code: string) => r.lines.find((l) => l.code === code)!;

describe('domain.md §5.4 worked examples (first 12 months, factor 1.0)', () => {
  const month = '2024-06'; // month 6 of eligibility from 2024-01-01

  it('A (CDN, 1×10G), P95 2.4 / 3.1, MAX → ¥3,100; cap tier 10–100G → 400k (10 is not < 10)', () => {
    const r = run({ statement: statement(month, '2.4', '3.1') });
    expect(r.status).toBe('ok');
    expect(r.amount).toBe('3100.00');
    expect(lineOf(r, 'BASIS').quantity).toBe('3.1');
    expect(lineOf(r, 'TIER_1')).toMatchObject({ quantity: '3.1', rate: '1000.00', amount: '3100.00' });
    expect(lineOf(r, 'TIER_2').amount).toBe('0.00');
    expect(lineOf(r, 'TAPER')).toMatchObject({ rate: '1.0', amount: '0.00' });
    expect(lineOf(r, 'PRORATE')).toMatchObject({ rate: '30/30', amount: '0.00' });
    expect(r.annualCap!.capFen).toBe(40_000_000n);
    expect(lineOf(r, 'CAP_ANNUAL').label_en).toMatch(/10 ≤ … < 100 Gbps/);
    expect(r.annualCap!.headroomAfterFen).toBe(40_000_000n - 310_000n);
    expect(r.policy).toMatchObject({ id: 'EXAMPLE-ZW-TRAFFIC-2022', version: 1, official: false });
    expect(r.lines[0].label_en).toMatch(/EXAMPLE parameters, not official/);
    expect(r.lines[0].label_zh).toMatch(/示例/);
  });

  it('A with MEAN_DIRECTION → ¥2,750 (12.7 % less than MAX)', () => {
    const r = run({
      policy: withPolicy({ percentile_method: 'MEAN_DIRECTION' }),
      statement: statement(month, '2.4', '3.1', { method: 'MEAN_DIRECTION' }),
    });
    expect(r.amount).toBe('2750.00');
    // the engine applies the policy's method even if the statement was printed with another one
    const r2 = run({
      policy: withPolicy({ percentile_method: 'MEAN_DIRECTION' }),
      statement: statement(month, '2.4', '3.1'),
    });
    expect(r2.amount).toBe('2750.00');
  });

  it('B (cloud, 2×100G LAG), 48 / 62 → 10×1,000 + 52×600 = ¥41,200', () => {
    const r = run({
      member: member({ type: 'cloud', portCapacityGbps: 200 }),
      statement: statement(month, '48', '62'),
    });
    expect(r.amount).toBe('41200.00');
    expect(lineOf(r, 'TIER_1')).toMatchObject({ quantity: '10', amount: '10000.00' });
    expect(lineOf(r, 'TIER_2')).toMatchObject({ quantity: '52', rate: '600.00', amount: '31200.00' });
    expect(r.annualCap!.capFen).toBe(80_000_000n);
    // the same member as two 100G LAG members at 24 / 31 Gbps each: summed per interval first
    const b = monthBounds(month, TZ);
    const port = (id: string) => ({
      portId: id,
      speedGbps: 100,
      samples: Array.from({ length: b.expectedBuckets }, (_, i) => ({
        ts: b.start + i * 300_000,
        inBytes: gbpsBytes('24'),
        outBytes: gbpsBytes('31'),
      })),
    });
    const st = buildMonthlyStatement({
      asn: 64501,
      month,
      percentileMethod: 'MAX_DIRECTION',
      ports: [port('lag1/1'), port('lag1/2')],
    });
    expect(st.billable_bps).toBe(62e9);
    expect(run({ member: member({ type: 'cloud', portCapacityGbps: 200 }), statement: st }).amount).toBe('41200.00');
  });

  it('C (IDC, 1×100G), 90 / 97 → ¥62,200 every month; 12 months = ¥746,400, under the 800k cap', () => {
    let ytd = 0n;
    for (let m = 1; m <= 12; m++) {
      const month2 = `2024-${String(m).padStart(2, '0')}`;
      const r = run({
        member: member({ type: 'idc', portCapacityGbps: 100 }),
        statement: statement(month2, '90', '97'),
        yearToDatePaidFen: ytd,
      });
      expect(r.amount).toBe('62200.00');
      ytd += r.amountFen;
    }
    expect(ytd).toBe(74_640_000n);
  });

  it('D (1×10G at 9.5 Gbps) → ¥9,500; annualised ¥114,000 under the 400k cap', () => {
    const r = run({
      member: member({ type: 'internet_enterprise' }),
      statement: statement(month, '9.5', '9.5'),
      yearToDatePaidFen: 104_500_00n,
    });
    expect(r.amount).toBe('9500.00');
    expect(r.annualCap!.headroomAfterFen).toBe(40_000_000n - 11_400_000n);
  });
});

describe('taper, pro-rating, minimum, caps', () => {
  it('taper by month of eligibility: month 13 → 0.7, month 25 → 0.4, month 37 → window ended', () => {
    expect(run({ statement: statement('2025-01', '2.4', '3.1') }).amount).toBe('2170.00');
    expect(
      run({ statement: statement('2026-01', '2.4', '3.1'), policy: withPolicy({ effective_to: null }) }).amount,
    ).toBe('1240.00');
    const ended = run({ statement: statement('2027-01', '2.4', '3.1'), policy: withPolicy({ effective_to: null }) });
    expect(ended.status).toBe('not_eligible');
    expect(codes(ended)).toContain('NOT_ELIGIBLE_ELIGIBILITY_WINDOW_ENDED');
    expect(ended.amount).toBe('0.00');
  });

  it('taper boundary inside a month: day-weighted factor (14×1.0 + 16×0.7)/30', () => {
    // first production 2024-06-15: month 13 starts 2025-06-15
    const r = run({
      member: member({ firstProductionDate: '2024-06-15' }),
      statement: statement('2025-06', '2.4', '3.1'),
    });
    const t = lineOf(r, 'TAPER');
    expect(t.rate).toBe('(14×1.0 + 16×0.7)/30');
    expect(t.quantity).toBe('0.84');
    expect(r.amount).toBe('2604.00'); // 3,100 × 0.84
  });

  it('partial first month: pro-rated by eligible days (joined on the 17th of a 30-day month)', () => {
    const r = run({
      member: member({ firstProductionDate: '2024-06-17' }),
      statement: statement('2024-06', '2.4', '3.1', { activeFrom: '2024-06-17' }),
    });
    expect(lineOf(r, 'PRORATE')).toMatchObject({ quantity: '14', rate: '14/30', amount: '-1653.33' });
    expect(r.amount).toBe('1446.67'); // 3,100 × 14/30 = 1,446.666… → 1,446.67
  });

  it('policy effective window cuts the month (effective_to 2025-12-31 → January 2026 not eligible)', () => {
    const r = run({
      member: member({ firstProductionDate: '2025-06-01' }),
      statement: statement('2026-01', '2.4', '3.1'),
    });
    expect(codes(r)).toContain('NOT_ELIGIBLE_OUTSIDE_POLICY_PERIOD');
    const p = withPolicy({ effective_to: '2025-12-20' });
    const r2 = run({
      policy: p,
      member: member({ firstProductionDate: '2025-06-01' }),
      statement: statement('2025-12', '2.4', '3.1'),
    });
    expect(lineOf(r2, 'PRORATE').rate).toBe('20/31');
    expect(r2.amount).toBe('2000.00');
  });

  it('minimum billable 0.1 Gbps', () => {
    const below = run({ statement: statement('2024-06', '0.05', '0.0999') });
    expect(lineOf(below, 'MIN_BILLABLE').amount).toBe('-99.90');
    expect(below.amount).toBe('0.00');
    expect(run({ statement: statement('2024-06', '0.05', '0.1') }).amount).toBe('100.00');
  });

  it('monthly cap', () => {
    const r = run({
      policy: withPolicy({ cap_monthly_cny: '2500.00' }),
      statement: statement('2024-06', '2.4', '3.1'),
    });
    expect(lineOf(r, 'CAP_MONTHLY').amount).toBe('-600.00');
    expect(r.amount).toBe('2500.00');
  });

  it('annual cap by capacity tier with year-to-date: pays the headroom, then nothing', () => {
    const m = member({ type: 'cloud', portCapacityGbps: 400 });
    const st = statement('2024-11', '150', '150'); // 10×1000 + 90×600 + 50×300 = 79,000
    const r = run({ member: m, statement: st, yearToDatePaidFen: 79_000_000n }); // 790,000 paid
    expect(lineOf(r, 'TIER_3')).toMatchObject({ quantity: '50', rate: '300.00', amount: '15000.00' });
    expect(lineOf(r, 'CAP_ANNUAL')).toMatchObject({ quantity: '10000.00', rate: '800000.00', amount: '-69000.00' });
    expect(lineOf(r, 'CAP_ANNUAL').label_en).toMatch(/remaining after this month CNY 0\.00/);
    expect(r.amount).toBe('10000.00');
    const r2 = run({ member: m, statement: statement('2024-12', '150', '150'), yearToDatePaidFen: 80_000_000n });
    expect(r2.amount).toBe('0.00');
    expect(r2.annualCap!.headroomBeforeFen).toBe(0n);
    // below 10G of capacity: 150k tier
    expect(
      run({
        member: member({ portCapacityGbps: 9 }),
        statement: statement('2024-06', '2.4', '3.1'),
        yearToDatePaidFen: 14_800_000n,
      }).amount,
    ).toBe('2000.00');
  });

  it('cap to actual fees: needs the fees, otherwise held for review', () => {
    const p = withPolicy({ cap_to_actual_fees: { enabled: true, pct: '30' } });
    const held = run({ policy: p, statement: statement('2024-06', '2.4', '3.1') });
    expect(held.status).toBe('needs_review');
    expect(held.amount).toBe('0.00');
    expect(held.provisionalAmountFen).toBe(310_000n);
    const r = run({ policy: p, statement: statement('2024-06', '2.4', '3.1'), actualFeesFen: 500_001n }); // 5,000.01 × 30 % = 1,500.003
    expect(lineOf(r, 'CAP_FEES').quantity).toBe('1500.00');
    expect(r.amount).toBe('1500.00');
  });

  it('coverage below min_coverage_pct: computed, then held for manual review', () => {
    const r = run({ statement: statement('2024-06', '2.4', '3.1', { everyNth: 10 }) }); // 90 % coverage
    expect(r.status).toBe('needs_review');
    expect(codes(r).slice(-2)).toEqual(['COVERAGE', 'HOLD_REVIEW']);
    expect(r.provisionalAmountFen).toBe(310_000n);
    expect(r.amount).toBe('0.00');
  });
});

describe('eligibility and other bases', () => {
  it('not eligible: each reason is a zero line', () => {
    const p = withPolicy({ eligible_member_types: ['cdn', 'cloud'], require_local_registration: true });
    const r = run({
      policy: p,
      member: member({ type: 'basic_telecom', enrolled: false, blacklisted: true }),
      statement: statement('2024-06', '2.4', '3.1'),
    });
    expect(r.status).toBe('not_eligible');
    expect(codes(r)).toEqual([
      'POLICY',
      'ELIG_LOCAL_REG',
      'ELIG_BLACKLIST',
      'NOT_ELIGIBLE_NOT_ENROLLED',
      'NOT_ELIGIBLE_MEMBER_TYPE',
      'NOT_ELIGIBLE_NOT_LOCALLY_REGISTERED',
      'NOT_ELIGIBLE_BLACKLISTED',
    ]);
    expect(r.lines.every((l) => l.amount === '0.00')).toBe(true);
    expect(
      codes(run({ member: member({ firstProductionDate: null }), statement: statement('2024-06', '1', '1') })),
    ).toContain('NOT_ELIGIBLE_NO_PRODUCTION_DATE');
    expect(
      codes(run({ member: member({ firstProductionDate: '2024-07-01' }), statement: statement('2024-06', '1', '1') })),
    ).toContain('NOT_ELIGIBLE_BEFORE_PRODUCTION');
  });

  it('VOLUME basis: CNY per TB over eligible days only, no day pro-rating', () => {
    const p = withPolicy({ basis: 'VOLUME', tiers: [{ lower: 0, upper: null, rate: '5.00' }], min_billable: null });
    // 1 Gbps each way for the 14 days from the 17th: 1e9/8 × 86400 × 14 × 2 = 302.4 TB
    const r = run({
      policy: p,
      member: member({ firstProductionDate: '2024-06-17' }),
      statement: statement('2024-06', '1', '1'),
    });
    expect(lineOf(r, 'BASIS').quantity).toBe('302.4');
    expect(codes(r)).not.toContain('PRORATE');
    expect(r.amount).toBe('1512.00');
  });

  it('PORT_CAPACITY basis', () => {
    const p = withPolicy({ basis: 'PORT_CAPACITY', tiers: [{ lower: 0, upper: null, rate: '12.345' }] });
    expect(
      run({ policy: p, member: member({ portCapacityGbps: 2.5 }), statement: statement('2024-06', '0', '0') }).amount,
    ).toBe('30.86'); // 30.8625 → 30.86
  });

  it("rounding half-up at line level: an exact x.xx5 goes up (floats and banker's rounding would not)", () => {
    const flat = (rate: string, extra: Partial<SubsidyPolicyDocument> = {}) =>
      withPolicy({ tiers: [{ lower: 0, upper: null, rate }], min_billable: null, ...extra });
    const one = statement('2024-06', '0', '1');
    expect(run({ policy: flat('2.675'), statement: one }).amount).toBe('2.68'); // (2.675).toFixed(2) === '2.67' in floating point
    expect(run({ policy: flat('1.005'), statement: one }).amount).toBe('1.01');
    expect(run({ policy: flat('0.005'), statement: one }).amount).toBe('0.01'); // banker's rounding gives 0.00
    expect(run({ policy: flat('0.0049'), statement: one }).amount).toBe('0.00');
    expect(run({ policy: flat('0.005'), statement: statement('2024-06', '0', '3.1') }).amount).toBe('0.02'); // 0.0155
    // taper line: 1.05 × 0.5 = 0.525 → 0.53
    const halfTaper = flat('1.05', { taper: [{ from: 1, to: 36, factor: '0.5' }] });
    expect(lineOf(run({ policy: halfTaper, statement: one }), 'TAPER').amount).toBe('-0.52');
    // pro-rating line: 0.01 × 15/30 = 0.005 → 0.01
    const r = run({
      policy: flat('0.01'),
      member: member({ firstProductionDate: '2024-06-16' }),
      statement: statement('2024-06', '0', '1', { activeFrom: '2024-06-16' }),
    });
    expect(lineOf(r, 'PRORATE')).toMatchObject({ rate: '15/30', amount: '0.00' });
    expect(r.amount).toBe('0.01');
  });

  it('inputsHash is stable and changes with any input', () => {
    const st = statement('2024-06', '2.4', '3.1');
    const a = run({ statement: st });
    expect(run({ statement: st }).inputsHash).toBe(a.inputsHash);
    expect(run({ statement: st, yearToDatePaidFen: 1n }).inputsHash).not.toBe(a.inputsHash);
    expect(run({ statement: st, policy: withPolicy({ version: 2 }) }).inputsHash).not.toBe(a.inputsHash);
    expect(a.inputsHash).toMatch(/^[0-9a-f]{64}$/);
  });
});
