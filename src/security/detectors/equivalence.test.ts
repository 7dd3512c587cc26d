/**
 * Pins the L2, scan and bogon results (candidates with evidence, engine stats) on a seeded mixed stream to the
 * digests produced before the DDoS rules moved to a sliding window (issue 16: sliding-ddos.ts); the DDoS
 * candidates (and a bogon candidate's sampled evidence, see notDdos) and the DDoS-only stats (evaluations, lateFlows, trackedDestinations, destination/detail
 * evictions) are left out — their behaviour changed on purpose and is pinned by ddos.test.ts and
 * sliding.test.ts. A change in any other candidate, evidence field, order or counter changes the digest.
 * (Before that, the same digests over every candidate pinned the move of the L2 state to MAC hash tables.)
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseSecuritySettings } from '../thresholds.js';
import type { AlertCandidate } from '../types.js';
import { createFastPathEngine, type EngineStats } from './engine.js';
import { mixedContext, mixedStream } from './testing.js';

const SETTINGS = [
  {},
  {
    engine: {
      maxL2Keys: 16,
      maxTrackedPorts: 16,
      maxMacsPerPort: 2,
      maxTrackedDestinations: 16,
      maxDetailedDestinations: 16,
      maxTrackedScanSources: 16,
      windowMs: 1000,
      scanWindowMs: 5000,
    },
  },
  {
    engine: { maxL2Keys: 40, maxMacsPerPort: 3 },
    detectors: { l2: { macMemoryMs: 3000, defaultAllowedMacsPerPort: 2 } },
    overrides: {
      members: [
        { asn: 64501, detectors: { l2: { enabled: false } } },
        {
          asn: 64502,
          detectors: { l2: { macMemoryMs: 60000, nonUnicastFramesPerMinute: 0 }, bogon: { enabled: false } },
        },
      ],
      prefixes: [{ prefix: '203.0.1.0/24', detectors: { volumetric: { pps: 10 } } }],
    },
  },
];

const DDOS_STATS = ['evaluations', 'lateFlows', 'trackedDestinations'];
/**
 * Without the DDoS candidates; a bogon candidate's sampled evidence (top sources, destinations: topk.ts
 * evidenceWeight draws from one generator shared with the DDoS evidence, whose draws changed) is left out too.
 */
const notDdos = (c: AlertCandidate[]) =>
  c
    .filter((x) => !x.type.startsWith('DDOS_'))
    .map((x) =>
      x.type !== 'IP_BOGON_SOURCE'
        ? x
        : { ...x, evidence: { ...x.evidence, topSources: [], details: { ...x.evidence.details, destinations: [] } } },
    );
function stats(s: EngineStats): Record<string, unknown> {
  const { destinations: _d, details: _e, ...evictions } = s.evictions;
  return { ...Object.fromEntries(Object.entries(s).filter(([k]) => !DDOS_STATS.includes(k))), evictions };
}

function digest(k: number, withContext: boolean): string {
  const flows = mixedStream(777 + k, 30_000);
  const e = createFastPathEngine(parseSecuritySettings(SETTINGS[k]), withContext ? mixedContext(0) : undefined);
  const out: unknown[] = [];
  flows.forEach((f, i) => {
    e.observe(f);
    if (i === 12_000) e.setContext(mixedContext(1));
    if (i % 3000 === 2999) out.push(notDdos(e.tick(f.receivedAtMs + 1)), stats(e.stats()));
  });
  out.push(notDdos(e.tick(flows.at(-1)!.receivedAtMs + 400_000)), stats(e.stats()));
  return createHash('sha256').update(JSON.stringify(out)).digest('hex').slice(0, 16);
}

// Computed with c81931e and the same filter, then (settings 0 and 2) again once L2 findings were emitted at
// the first tick they qualify instead of at the window's close (engine.ts, l2.ts early): the earlier values
// '6b207e3481b2c617', '309dc3e1b9abe7de', '9f16141b008233ab', '49ee6f301e227514' matched c81931e before that.
const EXPECTED: Record<string, string> = {
  '0/ctx': '9c520b7430cb41ad',
  '0/empty': 'b85b279403a89d44',
  '1/ctx': 'c6a3ee895d4d6e1f',
  '1/empty': '80245e2cbe30e22b',
  '2/ctx': '7378837e1d8ffda2',
  '2/empty': '85e5288344117228',
};

describe('fast-path results are unchanged by internal representation', () => {
  for (const k of [0, 1, 2]) {
    for (const withContext of [true, false]) {
      const name = `${k}/${withContext ? 'ctx' : 'empty'}`;
      it(`settings ${name}`, () => expect(digest(k, withContext)).toBe(EXPECTED[name]));
    }
  }
});
