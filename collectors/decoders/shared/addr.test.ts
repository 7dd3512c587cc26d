import { describe, expect, it } from 'vitest';
import { ipv6Text, macNumber, macText, parseMac } from './addr.js';

describe('address formatting', () => {
  it('formats IPv6 per RFC 5952', () => {
    const b = (h: string) => Buffer.from(h.replace(/:/g, ''), 'hex');
    expect(ipv6Text(b('20010db8000000000000000000000001'), 0)).toBe('2001:db8::1');
    expect(ipv6Text(b('20010db8000000010000000000000001'), 0)).toBe('2001:db8:0:1::1');
    expect(ipv6Text(b('00000000000000000000000000000000'), 0)).toBe('::');
    expect(ipv6Text(b('fe800000000000000000000000000000'), 0)).toBe('fe80::');
    expect(ipv6Text(b('20010db8000100000001000000000000'), 0)).toBe('2001:db8:1:0:1::');
    expect(ipv6Text(b('00000000000000000000ffffc0000201'), 0)).toBe('::ffff:192.0.2.1');
    expect(ipv6Text(b('20010db800000000000100000000000a'), 0)).toBe('2001:db8::1:0:0:a');
  });
  it('round-trips MACs', () => {
    const m = macNumber(Buffer.from('ffeeddccbbaa', 'hex'), 0);
    expect(m).toBe(0xffeeddccbbaa);
    expect(macText(m)).toBe('ff:ee:dd:cc:bb:aa');
    expect(parseMac('FF-EE-DD-CC-BB-AA')).toBe(m);
  });
});
