import { describe, expect, it } from 'vitest';
import { canonicalPortSamplesText, canonicalSamplesText, type HashableSample } from './canonical.js';

describe('canonical samples text', () => {
  it('is the same from samples grouped by port, in order or not', () => {
    const flat: HashableSample[] = [];
    for (const portId of ['p2', 'member', 'p10']) {
      for (let k = 0; k < 50; k++) {
        flat.push({
          portId,
          ts: 1_764_518_400_000 + ((k * 37) % 50) * 300_000,
          inBytes: BigInt(k * 1_000_003),
          outBytes: 2n ** 60n + BigInt(k),
          quality: k % 7 ? 'ok' : 'missing',
        });
      }
    }
    const grouped = ['p2', 'member', 'p10'].map((portId) => ({
      portId,
      samples: flat.filter((s) => s.portId === portId),
    }));
    const sorted = grouped.map((p) => ({ ...p, samples: [...p.samples].sort((a, b) => a.ts - b.ts) }));
    const text = canonicalSamplesText(flat);
    expect(canonicalPortSamplesText(grouped)).toBe(text);
    expect(canonicalPortSamplesText(sorted)).toBe(text);
    expect(text.split('\n')[1]).toBe(`member\t1764518400\t0\t${2n ** 60n}\tmissing`);
  });
});
