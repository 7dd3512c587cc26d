import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { examplePolicyPath, loadExamplePolicy, loadPolicyFile, parsePolicyText } from './policy.loader.js';
import { parsePolicy, PolicyValidationError } from './policy.schema.js';

const example = loadExamplePolicy();
const problems = (doc: unknown): string[] => {
  try {
    parsePolicy(doc, 'test');
  } catch (e) {
    if (e instanceof PolicyValidationError) return e.problems;
    throw e;
  }
  return [];
};

describe('subsidy policy documents', () => {
  it('ships the domain.md example, labelled 示例 / EXAMPLE and not official', () => {
    expect(example.policy_id).toBe('EXAMPLE-ZW-TRAFFIC-2022');
    expect(example.official).toBe(false);
    expect(example.name_zh).toMatch(/示例/);
    expect(example.name_en).toMatch(/EXAMPLE/);
    expect(example.basis).toBe('P95_RATE');
    expect(example.tiers).toEqual([
      { lower: '0', upper: '10', rate: '1000.00' },
      { lower: '10', upper: '100', rate: '600.00' },
      { lower: '100', upper: null, rate: '300.00' },
    ]);
    expect(example.taper.map((t) => t.factor)).toEqual(['1.0', '0.7', '0.4']);
    expect(example.cap_annual_by_capacity.map((c) => c.cap_cny)).toEqual(['150000.00', '400000.00', '800000.00']);
    expect(example.eligibility_months).toBe(36);
    expect(example.min_billable).toBe('0.1');
    expect(example.rounding).toEqual({ unit: '0.01', mode: 'HALF_UP' });
  });

  it('reads JSON as well as YAML', () => {
    expect(parsePolicyText(JSON.stringify(example), 'x.json')).toEqual(example);
  });

  it('rejects overlapping, gapped, unordered and open-ended-in-the-middle tiers', () => {
    expect(
      problems({
        ...example,
        tiers: [
          { lower: 0, upper: 10, rate: '1' },
          { lower: 5, upper: null, rate: '1' },
        ],
      }),
    ).toEqual([
      'tiers.1.lower: tier 2 (lower 5) overlaps tier 1 (upper 10); tiers must be ordered and non-overlapping',
    ]);
    expect(
      problems({
        ...example,
        tiers: [
          { lower: 0, upper: 10, rate: '1' },
          { lower: 12, upper: null, rate: '1' },
        ],
      })[0],
    ).toMatch(/gap between tier 1/);
    expect(
      problems({
        ...example,
        tiers: [
          { lower: 0, upper: null, rate: '1' },
          { lower: 10, upper: 20, rate: '1' },
        ],
      })[0],
    ).toMatch(/only the last tier may be open-ended/);
    expect(problems({ ...example, tiers: [{ lower: 1, upper: 1, rate: '1' }] })).toEqual([
      'tiers.0.lower: the first tier must start at 0, not 1',
      'tiers.0.upper: tier 1: upper 1 must be greater than lower 1',
    ]);
    expect(problems({ ...example, tiers: [] })[0]).toMatch(/at least one tier/);
  });

  it('money and factors must be non-negative decimal strings, never floats', () => {
    expect(problems({ ...example, tiers: [{ lower: 0, upper: null, rate: 1000.5 }] })[0]).toMatch(
      /tiers\.0\.rate: .*quoted decimal string.*not the number 1000.5/,
    );
    expect(problems({ ...example, tiers: [{ lower: 0, upper: null, rate: '-5' }] })[0]).toMatch(/non-negative decimal/);
    expect(problems({ ...example, cap_monthly_cny: '1.005' })[0]).toMatch(/more than 2 decimals/);
    expect(problems({ ...example, taper: [{ from: 1, to: 36, factor: 0.7 }] })[0]).toMatch(/taper\.0\.factor/);
  });

  it('validates dates, taper coverage, capacity tiers, and lists every problem', () => {
    expect(problems({ ...example, effective_from: '2022-02-30' })[0]).toMatch(
      /effective_from: effective_from must be an existing calendar date/,
    );
    expect(problems({ ...example, effective_to: '2021-01-01' })[0]).toMatch(
      /effective_to 2021-01-01 is before effective_from 2022-07-01/,
    );
    expect(
      problems({
        ...example,
        taper: [
          { from: 1, to: 12, factor: '1' },
          { from: 14, to: 36, factor: '0.5' },
        ],
      })[0],
    ).toMatch(/taper row 2 must start at month 13/);
    expect(problems({ ...example, taper: [{ from: 1, to: 12, factor: '1' }] })[0]).toMatch(/cover months 1\.\.36/);
    expect(
      problems({
        ...example,
        cap_annual_by_capacity: [
          { capacity_lt_gbps: 100, cap_cny: '1.00' },
          { capacity_lt_gbps: 10, cap_cny: '1.00' },
        ],
      })[0],
    ).toMatch(/increasing order/);
    expect(problems({ ...example, official: true })[0]).toMatch(/EXAMPLE \(示例\) policy cannot be marked official/);
    const many = problems({ ...example, basis: 'FEES', version: 0, eligible_member_types: ['telco'], colour: 'red' });
    expect(many.length).toBeGreaterThanOrEqual(4);
    expect(many.join('\n')).toMatch(/basis: .*must be one of .*FEE_PERCENT/);
    expect(many.join('\n')).toMatch(/version/);
    expect(many.join('\n')).toMatch(/eligible_member_types\.0/);
    expect(many.join('\n')).toMatch(/colour/);
  });

  it('the loader reports file and YAML errors clearly', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ixm-policy-'));
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'policy_id: [unclosed\n');
    expect(() => loadPolicyFile(bad)).toThrow(/invalid subsidy policy .*bad\.yaml:\n  - YAML syntax/);
    expect(() => loadPolicyFile(join(dir, 'nope.yaml'))).toThrow(/cannot read the file/);
    const dup = join(dir, 'dup.yaml');
    writeFileSync(dup, 'version: 1\nversion: 2\n');
    expect(() => loadPolicyFile(dup)).toThrow(/YAML syntax/);
    expect(examplePolicyPath()).toMatch(/policies[/\\]example-policy\.yaml$/);
  });
});
