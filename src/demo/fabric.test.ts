/** The demo fabric: a valid IX-F registry, a late joiner mid-month, a diurnal curve peaking at 21:00. */
import { describe, expect, it } from 'vitest';
import { parseRegistry } from '../members/registry.js';
import { parsePolicyText } from '../subsidies/policy.loader.js';
import {
  buildFabric,
  diurnal,
  DEMO_PREFIX,
  ixfDocument,
  localParts,
  previousMonthRange,
  trafficPairs,
} from './fabric.js';
import { demoPolicyText, DEMO_POLICY_ID } from './policy.js';
import { historyBucket } from './traffic.js';
import { prng } from './fabric.js';

const NOW = Date.UTC(2026, 10, 26, 9, 0, 0);

describe('demo fabric', () => {
  it('20 members of several types and sizes, every one marked DEMO, a valid IX-F export', () => {
    const f = buildFabric(20, NOW, 'Asia/Shanghai');
    expect(f.members).toHaveLength(20);
    expect(f.members.every((m) => m.name.startsWith(`${DEMO_PREFIX} `))).toBe(true);
    expect(new Set(f.members.map((m) => m.type)).size).toBeGreaterThanOrEqual(5);
    expect(new Set(f.members.map((m) => m.switch))).toEqual(new Set(['v9', 'ipfix', 'sflow']));
    expect(f.members.filter((m) => m.enrolled).length).toBeGreaterThan(10);
    const reg = parseRegistry(ixfDocument(f, true), 'demo');
    expect(reg.members).toHaveLength(20);
    expect(reg.assignments.filter((a) => a.kind === 'port').every((a) => a.key.startsWith('198.18.0.'))).toBe(true);
    expect(parseRegistry(ixfDocument(f, false), 'demo').members).toHaveLength(19);
  });

  it('the previous calendar month in the configured zone, and the newcomer joins on its 15th', () => {
    const f = buildFabric(8, NOW, 'Asia/Shanghai');
    expect(f.month).toBe('2026-10');
    expect(new Date(f.monthStartMs).toISOString()).toBe('2026-09-30T16:00:00.000Z');
    expect(new Date(f.monthEndMs).toISOString()).toBe('2026-10-31T16:00:00.000Z');
    expect(f.late.firstProductionDate).toBe('2026-10-15');
    expect(f.late.enrolled).toBe(true); // its first statement is pro-rated by eligible days
    expect(localParts(f.late.joinsAtMs, 'Asia/Shanghai')).toMatchObject({ y: 2026, m: 10, d: 15, h: 0, min: 0 });
    expect(previousMonthRange(Date.UTC(2027, 0, 5), 'UTC').month).toBe('2026-12');
    // Before it joins, the newcomer has no traffic; after, it does.
    const pairs = trafficPairs(f);
    const r = prng(1);
    const before = historyBucket(f, pairs, f.late.joinsAtMs - 3_600_000, r);
    const after = historyBucket(f, pairs, f.late.joinsAtMs + 3 * 86_400_000, r);
    const touches = (x: typeof before) =>
      Object.values(x)
        .flat()
        .some((w) => w.srcMac === f.late.mac || w.dstMac === f.late.mac);
    expect(touches(before)).toBe(false);
    expect(touches(after)).toBe(true);
  });

  it('diurnal: peak at 21:00, trough before dawn', () => {
    const hours = Array.from({ length: 96 }, (_, i) => i / 4);
    const v = hours.map((h) => diurnal(h, 3));
    expect(hours[v.indexOf(Math.max(...v))]).toBeCloseTo(21, 0);
    expect(Math.min(...v)).toBeLessThan(0.35);
    expect(diurnal(4.5, 3)).toBeLessThan(diurnal(12.5, 3));
  });

  it('the demo policy is the shipped example under a DEMO id, open-ended, and valid', () => {
    const p = parsePolicyText(demoPolicyText(), 'demo');
    expect(p.policy_id).toBe(DEMO_POLICY_ID);
    expect(p.effective_to).toBeNull();
    expect(p.official).toBe(false);
  });
});
