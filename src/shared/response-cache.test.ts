import { describe, expect, it } from 'vitest';
import { createResponseCache, settledBeforeMs, TRAFFIC_SETTLE_MS } from './response-cache.js';

const size = () => 100;

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('response cache', () => {
  it('computes every time until enabled, then serves hits', async () => {
    const cache = createResponseCache({ maxBytes: 10_000 });
    let n = 0;
    const compute = async () => ++n;
    expect(await cache.through('traffic', 'k', compute, size)).toBe(1);
    expect(await cache.through('traffic', 'k', compute, size)).toBe(2);
    cache.enable();
    expect(await cache.through('traffic', 'k', compute, size)).toBe(3);
    expect(await cache.through('traffic', 'k', compute, size)).toBe(3);
    expect(cache.stats()).toMatchObject({ bypass: 2, miss: 1, hit: 1 });
  });

  it('never enables with a zero budget', async () => {
    const cache = createResponseCache({ maxBytes: 0 });
    cache.enable();
    expect(cache.enabled).toBe(false);
  });

  it('shares one computation among identical reads in flight (single-flight)', async () => {
    const cache = createResponseCache({ maxBytes: 10_000 });
    cache.enable();
    const d = deferred<string>();
    let calls = 0;
    const compute = () => {
      calls++;
      return d.promise;
    };
    const a = cache.through('statements', 'x', compute, size);
    const b = cache.through('statements', 'x', compute, size);
    d.resolve('v');
    expect(await Promise.all([a, b])).toEqual(['v', 'v']);
    expect(calls).toBe(1);
    expect(cache.stats()).toMatchObject({ miss: 1, coalesced: 1 });
  });

  it('keeps namespaces and keys apart', async () => {
    const cache = createResponseCache({ maxBytes: 10_000 });
    cache.enable();
    await cache.through('traffic', 'member:64500', async () => 'A', size);
    expect(await cache.through('traffic', 'member:64501', async () => 'B', size)).toBe('B');
    expect(await cache.through('statements', 'member:64500', async () => 'S', size)).toBe('S');
    expect(await cache.through('traffic', 'member:64500', async () => 'X', size)).toBe('A');
  });

  it('invalidation drops the namespace and never stores an answer computed across it', async () => {
    const cache = createResponseCache({ maxBytes: 10_000 });
    cache.enable();
    await cache.through('statements', 'k', async () => 'old', size);
    await cache.through('traffic', 'k', async () => 'traffic', size);
    cache.invalidate('statements');
    expect(await cache.through('statements', 'k', async () => 'new', size)).toBe('new');
    expect(await cache.through('traffic', 'k', async () => 'other', size)).toBe('traffic');

    // A read that started before a write must not be served after it, nor joined by later reads.
    const slow = deferred<string>();
    const before = cache.through('statements', 'q', () => slow.promise, size);
    cache.invalidate('statements');
    const after = cache.through('statements', 'q', async () => 'fresh', size);
    slow.resolve('stale');
    expect(await before).toBe('stale');
    expect(await after).toBe('fresh');
    expect(await cache.through('statements', 'q', async () => 'again', size)).toBe('fresh');
  });

  it('written() invalidates and waits for the change watch', async () => {
    const cache = createResponseCache({ maxBytes: 10_000 });
    cache.enable();
    await cache.through('statements', 'k', async () => 'old', size);
    const seen: string[] = [];
    cache.onWritten(async (ns) => {
      seen.push(ns);
    });
    await cache.written('statements');
    expect(seen).toEqual(['statements']);
    expect(await cache.through('statements', 'k', async () => 'new', size)).toBe('new');
  });

  it('does not cache errors', async () => {
    const cache = createResponseCache({ maxBytes: 10_000 });
    cache.enable();
    await expect(
      cache.through(
        'statements',
        'k',
        async () => {
          throw new Error('boom');
        },
        size,
      ),
    ).rejects.toThrow('boom');
    expect(await cache.through('statements', 'k', async () => 'ok', size)).toBe('ok');
  });

  it('evicts the least recently used entries beyond its byte budget and expires old ones', async () => {
    let now = 0;
    const cache = createResponseCache({ maxBytes: 1000, maxAgeMs: 60_000, now: () => now });
    cache.enable();
    for (const k of ['a', 'b', 'c'])
      await cache.through(
        'traffic',
        k,
        async () => k,
        () => 240,
      );
    await cache.through(
      'traffic',
      'a',
      async () => 'a2',
      () => 240,
    ); // hit: a is now the most recent
    await cache.through(
      'traffic',
      'd',
      async () => 'd',
      () => 240,
    );
    await cache.through(
      'traffic',
      'e',
      async () => 'e',
      () => 240,
    ); // 5 × 240 > 1000: b goes
    expect(cache.stats().bytes).toBeLessThanOrEqual(1000);
    expect(
      await cache.through(
        'traffic',
        'a',
        async () => 'miss',
        () => 240,
      ),
    ).toBe('a');
    expect(
      await cache.through(
        'traffic',
        'b',
        async () => 'b2',
        () => 240,
      ),
    ).toBe('b2');
    expect(
      await cache.through(
        'traffic',
        'huge',
        async () => 'h',
        () => 600,
      ),
    ).toBe('h');
    expect(
      await cache.through(
        'traffic',
        'huge',
        async () => 'h2',
        () => 600,
      ),
    ).toBe('h2'); // larger than a quarter: not kept
    now += 60_001;
    expect(
      await cache.through(
        'traffic',
        'a',
        async () => 'expired',
        () => 240,
      ),
    ).toBe('expired');
  });

  it('settles traffic 5 minutes before the current bucket', () => {
    const t = Date.UTC(2026, 10, 26, 12, 7, 30);
    expect(settledBeforeMs(t)).toBe(Date.UTC(2026, 10, 26, 12, 5) - TRAFFIC_SETTLE_MS);
  });
});
