import { describe, expect, it } from 'vitest';
import { isBogonSource } from './bogons.js';
import { amplificationService, DEFAULT_AMPLIFICATION_PORTS } from './ports.js';

describe('bogon sources', () => {
  it('IPv4 Team Cymru list', () => {
    for (const a of [
      '0.1.2.3',
      '10.9.9.9',
      '100.64.0.1',
      '100.127.255.255',
      '127.0.0.1',
      '169.254.1.1',
      '172.16.0.1',
      '172.31.255.255',
      '192.0.0.8',
      '192.0.2.1',
      '192.168.1.1',
      '198.18.0.1',
      '198.19.255.255',
      '198.51.100.7',
      '203.0.113.9',
      '224.0.0.5',
      '239.1.1.1',
      '240.0.0.1',
      '255.255.255.255',
    ]) {
      expect(isBogonSource(a), a).toBe(true);
    }
    for (const a of [
      '1.1.1.1',
      '100.63.255.255',
      '100.128.0.0',
      '172.32.0.1',
      '192.0.1.1',
      '198.20.0.1',
      '8.8.8.8',
      '223.255.255.255',
    ]) {
      expect(isBogonSource(a), a).toBe(false);
    }
  });

  it('IPv6: outside 2000::/3, documentation, ULA', () => {
    for (const a of [
      '::',
      '::1',
      '::ffff:1.2.3.4',
      'fc00::1',
      'fd12:3456::1',
      'fe80::1',
      'ff02::1',
      '2001:db8::1',
      '2001:DB8:1::',
      '4000::1',
      '100::1',
    ]) {
      expect(isBogonSource(a), a).toBe(true);
    }
    for (const a of ['2001:7f8::1', '2400:cb00::1', '2a00:1450:4001::1', '3fff:ffff::1', '2001::1', '2001:db9::1']) {
      expect(isBogonSource(a), a).toBe(false);
    }
    expect(isBogonSource('')).toBe(false);
    expect(isBogonSource('not-an-ip')).toBe(false);
  });

  it('amplification ports carry names and factors', () => {
    expect(DEFAULT_AMPLIFICATION_PORTS).toEqual([
      0, 19, 53, 111, 123, 137, 161, 389, 1900, 3702, 5353, 5683, 11211, 27015,
    ]);
    expect(amplificationService(11211)).toMatchObject({ service: 'memcached', factor: [10_000, 51_000] });
    expect(amplificationService(123)!.factor).toEqual([556, 556]);
  });
});
