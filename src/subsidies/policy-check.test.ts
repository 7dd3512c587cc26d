import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkPolicyText } from './policy-check.js';

const example = readFileSync('policies/example-policy.yaml', 'utf8');
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

describe('policy check with lines', () => {
  it('the example is valid', () => {
    expect(checkPolicyText(example).ok).toBe(true);
  });

  it('each problem points at the line of its value, a missing key at its mapping, a syntax error at its place', () => {
    const bad =
      example.replace('rate: "600.00"', 'rate: 600').replace('eligibility_months: 36', 'eligibility_months: 0') +
      'budget: { annual_cny: "1000.00", on_exceed: later }\n';
    const r = checkPolicyText(bad);
    expect(r.ok).toBe(false);
    const byPath = new Map(r.problems.map((p) => [p.path, p]));
    expect(byPath.get('tiers.1.rate')!.line).toBe(lineOf(bad, 'rate: 600'));
    expect(byPath.get('eligibility_months')!.line).toBe(lineOf(bad, 'eligibility_months: 0'));
    expect(byPath.get('budget.on_exceed')).toMatchObject({
      line: lineOf(bad, 'on_exceed: later'),
      message: expect.stringMatching(/pro_rata/),
    });
    const missing = checkPolicyText(example.replace(/^name_en: .*\n/m, ''));
    expect(missing.problems[0]).toMatchObject({ path: 'name_en', line: lineOf(example, 'policy_id:') }); // the mapping's first key
    const syntax = checkPolicyText(example.replace('tiers:', 'tiers: [oops'));
    expect(syntax.problems[0]!.path).toBe('(syntax)');
    expect(syntax.problems[0]!.line).toBeGreaterThanOrEqual(lineOf(example, 'tiers:'));
  });
});
