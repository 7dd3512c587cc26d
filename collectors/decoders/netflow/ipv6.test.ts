import { describe, expect, it } from 'vitest';
import { ipv6Text } from '../shared/addr.js';
import { ipv6TextFast } from './ipv6.js';

describe('ipv6TextFast', () => {
  it('matches shared ipv6Text (RFC 5952) on special and random addresses', () => {
    let x = 12345;
    const rnd = (): number => { x = (x * 1103515245 + 12345) >>> 0; return x >>> 16; };
    const b = new Uint8Array(16);
    const check = (): void => expect(ipv6TextFast(b, 0)).toBe(ipv6Text(b, 0));
    check();
    b.fill(0xff); check();
    b.fill(0); b[10] = 0xff; b[11] = 0xff; b[12] = 10; b[15] = 1; check();
    for (let n = 0; n < 50_000; n++) {
      for (let i = 0; i < 8; i++) {
        const v = rnd() % 4 === 0 ? rnd() : 0; // plenty of zero runs
        b[2 * i] = v >> 8; b[2 * i + 1] = v & 0xff;
      }
      if (n % 7 === 0) { b[10] = 0xff; b[11] = 0xff; }
      check();
    }
  });
});
