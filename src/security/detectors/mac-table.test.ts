import { describe, expect, it } from 'vitest';
import { isBogonV4 } from '../bogons.js';
import { MacMap, MacSeenTable } from './mac-table.js';

function rng(seed: number): () => number {
  let x = seed;
  return () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}
/** MACs that collide in the low bits and span the 48-bit range (hash quality does not matter for correctness). */
const mac = (r: () => number) =>
  r() < 0.5 ? 0x020000000000 + Math.floor(r() * 300) * 4096 : Math.floor(r() * 2 ** 48);

describe('MAC tables behave as the Maps they replace', () => {
  it('MacMap: get/set/clear against Map<number, …>', () => {
    const r = rng(1);
    const m = new MacMap<number>(4);
    const ref = new Map<number, number>();
    for (let i = 0; i < 20_000; i++) {
      const k = mac(r);
      if (r() < 0.5) {
        m.set(k, i);
        ref.set(k, i);
      }
      expect(m.get(k)).toBe(ref.get(k));
      if (i % 5_000 === 4_999) {
        m.clear();
        ref.clear();
      }
      expect(m.size).toBe(ref.size);
    }
  });

  it('MacSeenTable: insertion order, updates in place, expiry keeps order (as Map iteration)', () => {
    const r = rng(2);
    const t = new MacSeenTable();
    const ref = new Map<number, number>();
    let now = 0;
    for (let i = 0; i < 20_000; i++) {
      now += Math.floor(r() * 10);
      const k = 0x0a0000000000 + Math.floor(r() * 80) * 65536;
      const e = t.find(k);
      expect(e >= 0).toBe(ref.has(k));
      if (e >= 0) t.seen[e] = now;
      else if (t.size < 64) t.push(k, now);
      if (e >= 0 || ref.size < 64) ref.set(k, now);
      if (i % 500 === 499) {
        t.expire(now, 300);
        for (const [m, seen] of ref) if (now - seen > 300) ref.delete(m);
      }
      expect([...t.macs.subarray(0, t.size)]).toEqual([...ref.keys()]);
      expect([...t.seen.subarray(0, t.size)]).toEqual([...ref.values()]);
    }
  });
});

describe('isBogonV4 by first octet', () => {
  it('agrees with a scan of all 14 prefixes (the previous implementation)', () => {
    const starts = [
      '0.0.0.0/8',
      '10.0.0.0/8',
      '100.64.0.0/10',
      '127.0.0.0/8',
      '169.254.0.0/16',
      '172.16.0.0/12',
      '192.0.0.0/24',
      '192.0.2.0/24',
      '192.168.0.0/16',
      '198.18.0.0/15',
      '198.51.100.0/24',
      '203.0.113.0/24',
      '224.0.0.0/4',
      '240.0.0.0/4',
    ].map((c) => {
      const [a, l] = c.split('/') as [string, string];
      const v = a.split('.').reduce((x, o) => x * 256 + Number(o), 0);
      return [v, 2 ** (32 - Number(l))] as [number, number];
    });
    const ref = (v: number) => starts.some(([n, s]) => v >= n && v < n + s);
    const r = rng(3);
    const probes = [-1, -0.5, 0, 2 ** 32 - 1, 2 ** 32, 2 ** 33, NaN, 1.5];
    for (const [n, s] of starts) probes.push(n - 1, n, n + s - 1, n + s);
    for (let i = 0; i < 20_000; i++) probes.push(Math.floor(r() * 2 ** 32));
    for (const v of probes) expect(isBogonV4(v), String(v)).toBe(ref(v));
  });
});
