/**
 * Pins every fast-path result (candidates with evidence, engine stats) on a seeded mixed stream to the digests
 * produced before the L2 state moved from string keys and Map<number> to MAC hash tables (mac-table.ts), the
 * bogon test lost its per-flow arrays and TopK's minimum search was rewritten. A change in any candidate,
 * evidence field, order or counter changes the digest.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseSecuritySettings } from '../thresholds.js';
import { createFastPathEngine } from './engine.js';
import { mixedContext, mixedStream } from './testing.js';

const SETTINGS = [
  {},
  { engine: { maxL2Keys: 16, maxTrackedPorts: 16, maxMacsPerPort: 2, maxTrackedDestinations: 16, maxDetailedDestinations: 16, maxTrackedScanSources: 16, windowMs: 1000, scanWindowMs: 5000 } },
  {
    engine: { maxL2Keys: 40, maxMacsPerPort: 3 }, detectors: { l2: { macMemoryMs: 3000, defaultAllowedMacsPerPort: 2 } },
    overrides: {
      members: [{ asn: 64501, detectors: { l2: { enabled: false } } }, { asn: 64502, detectors: { l2: { macMemoryMs: 60000, nonUnicastFramesPerMinute: 0 }, bogon: { enabled: false } } }],
      prefixes: [{ prefix: '203.0.1.0/24', detectors: { volumetric: { pps: 10 } } }],
    },
  },
];

function digest(k: number, withContext: boolean): string {
  const flows = mixedStream(777 + k, 30_000);
  const e = createFastPathEngine(parseSecuritySettings(SETTINGS[k]), withContext ? mixedContext(0) : undefined);
  const out: unknown[] = [];
  flows.forEach((f, i) => {
    e.observe(f);
    if (i === 12_000) e.setContext(mixedContext(1));
    if (i % 3000 === 2999) out.push(e.tick(f.receivedAtMs + 1), e.stats());
  });
  out.push(e.tick(flows.at(-1)!.receivedAtMs + 400_000), e.stats());
  return createHash('sha256').update(JSON.stringify(out)).digest('hex').slice(0, 16);
}

// Computed with the implementation before the change (string-keyed findings, Map<number> MAC memory).
const EXPECTED: Record<string, string> = {
  '0/ctx': 'd34fcc8deb092202', '0/empty': 'a4689ea5fcca7153', '1/ctx': '0048753f7a193335', '1/empty': '3842b51efc86d2ff',
  '2/ctx': 'b2f0e97077fe8d45', '2/empty': '8f0a1df082c2942f',
};

describe('fast-path results are unchanged by internal representation', () => {
  for (const k of [0, 1, 2]) {
    for (const withContext of [true, false]) {
      const name = `${k}/${withContext ? 'ctx' : 'empty'}`;
      it(`settings ${name}`, () => expect(digest(k, withContext)).toBe(EXPECTED[name]));
    }
  }
});
