import { describe, expect, it } from 'vitest';
import { createSamplingPolicy } from './sampling-policy.js';
import { parseSamplingRules } from '../src/shared/sampling-rules.js';
import { loadConfig } from '../src/config/load.js';

describe('sampling policy from configuration', () => {
  it('picks the longest matching prefix, IPv4 and IPv6, mapped addresses too', () => {
    const p = createSamplingPolicy('192.0.2.0/24=4096,192.0.2.128/25=1024,2001:db8::/32=16384', '0.0.0.0/0=2048');
    expect(p.override('192.0.2.10')).toBe(4096);
    expect(p.override('192.0.2.200')).toBe(1024);
    expect(p.override('::ffff:192.0.2.200')).toBe(1024);
    expect(p.override('2001:db8:1::1')).toBe(16384);
    expect(p.override('198.51.100.1')).toBeUndefined();
    expect(p.fallback('198.51.100.1')).toBe(2048);
    expect(p.fallback('2001:db8::1')).toBeUndefined();
  });

  it('rejects malformed rules with the key named', () => {
    expect(() => parseSamplingRules('192.0.2.0=1', 'K')).toThrow(/K: '192.0.2.0=1' is not CIDR=rate/);
    expect(() => parseSamplingRules('192.0.2.0/33=1', 'K')).toThrow(/invalid prefix/);
    expect(() => parseSamplingRules('192.0.2.0/24=0', 'K')).toThrow(/rate/);
    expect(() => loadConfig({ IXMETER_SAMPLING_OVERRIDES: '10.0.0.0/8=x' })).toThrow(
      /IXMETER_SAMPLING_OVERRIDES="10.0.0.0\/8=x"/,
    );
  });
});
