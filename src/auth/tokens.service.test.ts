import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TokenRow, TokensRepository } from './tokens.repository.js';
import { CACHE_TTL_MS, createTokensService, hashToken } from './tokens.service.js';

function fakeRepo() {
  const rows = new Map<string, TokenRow>();
  const repo = {
    insert: vi.fn(async (r: TokenRow) => {
      rows.set(r.token_hash, r);
    }),
    findByHash: vi.fn(async (h: string) => {
      const row = rows.get(h) ?? null; // read now, answered later (a query in flight)
      await new Promise((r) => setImmediate(r));
      return row;
    }),
    findById: vi.fn(async (id: string) => [...rows.values()].find((r) => r.id === id) ?? null),
    list: vi.fn(async () => []),
    countActiveAdmins: vi.fn(async () => 0),
    recordUsage: vi.fn(async () => undefined),
  };
  return { repo: repo as unknown as TokensRepository, spy: repo };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('token lookups', () => {
  it('share one lookup among concurrent requests and cache it for CACHE_TTL_MS (≤ 5 s)', async () => {
    expect(CACHE_TTL_MS).toBeLessThanOrEqual(5000);
    const { repo, spy } = fakeRepo();
    const svc = createTokensService(repo);
    const { token } = await svc.create({ role: 'finance', createdBy: 'test' });
    const principals = await Promise.all(Array.from({ length: 16 }, () => svc.authenticate(token, '127.0.0.1')));
    expect(principals.every((p) => p?.role === 'finance')).toBe(true);
    expect(spy.findByHash).toHaveBeenCalledTimes(1);
    await svc.authenticate(token, '127.0.0.1');
    expect(spy.findByHash).toHaveBeenCalledTimes(1);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + CACHE_TTL_MS + 1);
    await svc.authenticate(token, '127.0.0.1');
    expect(spy.findByHash).toHaveBeenCalledTimes(2);
  });

  it('revocation takes effect at once in this process, even against a lookup in flight', async () => {
    const { repo } = fakeRepo();
    const svc = createTokensService(repo);
    const { id, token } = await svc.create({ role: 'member', asn: 64500, createdBy: 'test' });
    expect(await svc.authenticate(token, '127.0.0.1')).toMatchObject({ asn: 64500 });
    const inFlight = svc.authenticate(`${token}x`, '127.0.0.1'); // another lookup running meanwhile
    await svc.revoke(id);
    await inFlight;
    expect(await svc.authenticate(token, '127.0.0.1')).toBeNull();
  });

  it('a lookup that started before a revocation is not cached', async () => {
    const { repo } = fakeRepo();
    const svc = createTokensService(repo);
    const { id, token } = await svc.create({ role: 'admin', createdBy: 'test' });
    const racing = svc.authenticate(token, '127.0.0.1'); // reads the row before it is revoked
    await svc.revoke(id);
    await racing;
    expect(await svc.authenticate(token, '127.0.0.1')).toBeNull();
    expect(hashToken(token)).toHaveLength(64);
  });

  it('writes last-used times only when flushed, one row per token', async () => {
    const { repo, spy } = fakeRepo();
    const svc = createTokensService(repo);
    const { token } = await svc.create({ role: 'auditor', createdBy: 'test' });
    for (let i = 0; i < 100; i++) await svc.authenticate(token, '127.0.0.1');
    expect(spy.recordUsage).not.toHaveBeenCalled();
    await svc.flushUsage();
    expect(spy.recordUsage).toHaveBeenCalledTimes(1);
    expect((spy.recordUsage.mock.calls[0] as unknown as [unknown[]])[0]).toHaveLength(1);
  });
});
