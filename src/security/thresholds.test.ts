import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DETECTORS,
  parseSecuritySettings,
  resolveThresholds,
  SecuritySettingsError,
  SecuritySettingsSchema,
} from './thresholds.js';

describe('security settings', () => {
  it('defaults parse and match the documented values', () => {
    const s = SecuritySettingsSchema.parse({});
    expect(s.detectors).toEqual(DEFAULT_DETECTORS);
    expect(s.detectors.volumetric).toMatchObject({ pps: 20_000, bps: 1e9, flowsPerSecond: 3_500 });
    expect(s.detectors.protocol.udpPps).toBe(10_000);
    expect(s.detectors.synFlood).toMatchObject({ pps: 10_000, minShare: 0.5 });
    expect(s.detectors.fragments.pps).toBe(5_000);
    expect(s.detectors.scan).toMatchObject({ portScanPorts: 15, addressScanHosts: 25 });
    expect(s.detectors.amplification.sourcePorts).toEqual(
      expect.arrayContaining([0, 19, 53, 111, 123, 137, 161, 389, 1900, 3702, 5353, 5683, 11211, 27015]),
    );
    expect(s.engine.windowMs).toBe(5_000);
  });

  it('partial detector settings inherit the other defaults', () => {
    const s = parseSecuritySettings({ detectors: { volumetric: { pps: 1000 } } });
    expect(s.detectors.volumetric).toMatchObject({ pps: 1000, bps: 1e9, flowsPerSecond: 3_500 });
  });

  it('reports every invalid path clearly', () => {
    try {
      parseSecuritySettings({
        detectors: { volumetric: { pps: -1, bogus: 1 } },
        overrides: { prefixes: [{ prefix: '10.0.0.1/8', detectors: {} }] },
      });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SecuritySettingsError);
      const m = (e as Error).message;
      expect(m).toContain('security.detectors.volumetric.pps');
      expect(m).toContain('bogus');
      expect(m).toMatch(/host bits set/);
    }
    expect(() =>
      parseSecuritySettings({
        overrides: {
          members: [
            { asn: 1, detectors: {} },
            { asn: 1, detectors: {} },
          ],
        },
      }),
    ).toThrow(/duplicate override for AS1/);
    expect(() => parseSecuritySettings({ overrides: { prefixes: [{ prefix: 'nope', detectors: {} }] } })).toThrow(
      /not a CIDR/,
    );
  });

  it('resolves longest prefix, then member, then base', () => {
    const s = parseSecuritySettings({
      overrides: {
        members: [{ asn: 64501, detectors: { volumetric: { pps: 50_000, bps: 5e9 } } }],
        prefixes: [
          { prefix: '203.0.113.0/24', detectors: { volumetric: { pps: 1_000 } } },
          { prefix: '203.0.113.128/25', detectors: { volumetric: { pps: 500 } } },
          { prefix: '2001:db8::/32', detectors: { fragments: { pps: 10 } } },
        ],
      },
    });
    expect(resolveThresholds(s, { asn: 64999, dstAddr: '198.51.100.1' }).volumetric.pps).toBe(20_000);
    expect(resolveThresholds(s, { asn: 64501, dstAddr: '198.51.100.1' }).volumetric.pps).toBe(50_000);
    const p = resolveThresholds(s, { asn: 64501, dstAddr: '203.0.113.200' });
    expect(p.volumetric.pps).toBe(500); // longest prefix wins over member
    expect(p.volumetric.bps).toBe(5e9); // member value where the prefix says nothing
    expect(resolveThresholds(s, { asn: null, dstAddr: '203.0.113.5' }).volumetric.pps).toBe(1_000);
    expect(resolveThresholds(s, { dstAddr: '2001:db8::1' }).fragments.pps).toBe(10);
  });
});
