import { describe, expect, it } from 'vitest';
import { groupCommit } from './group-insert.js';

function recorder(fail?: (items: number[]) => boolean) {
  const writes: number[][] = [];
  let running = 0;
  let overlap = false;
  const write = async (items: number[]) => {
    if (running++) overlap = true;
    await new Promise((r) => setTimeout(r, 5));
    running--;
    writes.push(items);
    if (fail?.(items)) throw new Error(`write of ${items.join(',')} failed`);
  };
  return { writes, write, overlap: () => overlap };
}

describe('group commit', () => {
  it('writes a lone item at once, and items queued meanwhile together, one write at a time', async () => {
    const r = recorder();
    const put = groupCommit(r.write);
    const t0 = Date.now();
    await put(1);
    expect(Date.now() - t0).toBeLessThan(200);
    await Promise.all([put(2), put(3), put(4)]);
    expect(r.writes).toEqual([[1], [2], [3, 4]]);
    expect(r.overlap()).toBe(false);
  });

  it('lets the oldest item wait for others up to the linger, or until enough are queued', async () => {
    const r = recorder();
    const put = groupCommit(r.write, { lingerMs: (queued) => (queued >= 3 ? 0 : 1000) });
    const t0 = Date.now();
    const a = put(1);
    await new Promise((res) => setTimeout(res, 20));
    await Promise.all([a, put(2), put(3)]);
    expect(r.writes).toEqual([[1, 2, 3]]);
    expect(Date.now() - t0).toBeLessThan(900);
    const late = Date.now();
    await put(4);
    expect(Date.now() - late).toBeGreaterThanOrEqual(990);
    expect(r.writes).toEqual([[1, 2, 3], [4]]);
  });

  it('fails every caller of a failed write, and only them', async () => {
    const r = recorder((items) => items.includes(2));
    const put = groupCommit(r.write, { lingerMs: () => 30, maxItems: 2 });
    const results = await Promise.allSettled([put(1), put(2), put(3)]);
    expect(results.map((x) => x.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
    expect(r.writes).toEqual([[1, 2], [3]]);
  });
});
