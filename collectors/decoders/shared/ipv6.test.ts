import { describe, expect, it } from 'vitest';
import { ipv6Text } from './addr.js';

/** Straightforward RFC 5952 reference. */
function reference(b: Uint8Array, off: number): string {
  const g = Array.from({ length: 8 }, (_, i) => (b[off + 2 * i]! << 8) | b[off + 2 * i + 1]!);
  let bs = -1,
    bl = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bl) {
      bs = i;
      bl = j - i;
    }
    i = j;
  }
  if (bs === 0 && bl === 5 && g[5] === 0xffff)
    return `::ffff:${b[off + 12]}.${b[off + 13]}.${b[off + 14]}.${b[off + 15]}`;
  if (bs < 0) return g.map((x) => x.toString(16)).join(':');
  return `${g
    .slice(0, bs)
    .map((x) => x.toString(16))
    .join(':')}::${g
    .slice(bs + bl)
    .map((x) => x.toString(16))
    .join(':')}`;
}

describe('ipv6Text', () => {
  it('matches a straightforward RFC 5952 formatter on special and random addresses', () => {
    let x = 12345;
    const rnd = (): number => {
      x = (x * 1103515245 + 12345) >>> 0;
      return x >>> 16;
    };
    const b = new Uint8Array(16);
    const check = (): void => expect(ipv6Text(b, 0)).toBe(reference(b, 0));
    check();
    b.fill(0xff);
    check();
    b.fill(0);
    b[10] = 0xff;
    b[11] = 0xff;
    b[12] = 10;
    b[15] = 1;
    check();
    for (let n = 0; n < 50_000; n++) {
      for (let i = 0; i < 8; i++) {
        const v = rnd() % 4 === 0 ? rnd() : 0; // plenty of zero runs
        b[2 * i] = v >> 8;
        b[2 * i + 1] = v & 0xff;
      }
      if (n % 7 === 0) {
        b[10] = 0xff;
        b[11] = 0xff;
      }
      check();
    }
  });
});
