import { describe, expect, it } from 'vitest';
import { monthInputsCache, type MonthInputs } from './month-inputs.js';

const inputs = (n: number) => ({ members: new Map([[n, {}]]), policy: {}, exclusions: [] }) as unknown as MonthInputs;

describe('month inputs cache', () => {
  it('reads once per run and month, afresh for a new run, and again after the TTL', async () => {
    let now = 0;
    const loads: string[] = [];
    const get = monthInputsCache(
      async (month) => (loads.push(month), inputs(loads.length)),
      10_000,
      () => now,
    );
    const [a, b] = await Promise.all([get('run1', '2025-12'), get('run1', '2025-12')]);
    expect(a).toBe(b);
    expect(loads).toEqual(['2025-12']);
    await get('run1', '2025-11');
    await get('run2', '2025-12');
    expect(loads).toEqual(['2025-12', '2025-11', '2025-12']);
    now = 9_999;
    expect(await get('run1', '2025-12')).toBe(a);
    now = 10_000;
    expect(await get('run1', '2025-12')).not.toBe(a);
    expect(loads).toHaveLength(4);
  });

  it('keeps a bounded number of entries', async () => {
    let loads = 0;
    const get = monthInputsCache(async () => inputs(++loads));
    const first = await get('run0', '2025-12');
    for (let i = 1; i <= 8; i++) await get(`run${i}`, '2025-12');
    expect(loads).toBe(9);
    expect(await get('run8', '2025-12')).not.toBe(first);
    expect(loads).toBe(9);
    await get('run0', '2025-12');
    expect(loads).toBe(10);
  });

  it('does not keep a failed read', async () => {
    let fail = true;
    const get = monthInputsCache(async () => {
      if (fail) throw new Error('storage down');
      return inputs(1);
    });
    await expect(get('r', '2025-12')).rejects.toThrow('storage down');
    fail = false;
    expect((await get('r', '2025-12')).members.has(1)).toBe(true);
  });
});
