import type { ClickHouseClient } from '@clickhouse/client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../shared/logger.js';
import { createAuditLog, verifyChain, type AuditEvent, type AuditRow } from './audit.service.js';

const log = createLogger('silent');
const ev = (i: number, action = 'read'): AuditEvent => ({
  actor: `tok_${i}`,
  role: 'finance',
  action,
  object: `/api/v1/members/${64500 + i}/traffic`,
  outcome: 'ok',
  sourceIp: '127.0.0.1',
});

function fakeClient(opts: { failFirst?: number } = {}) {
  const inserts: AuditRow[][] = [];
  let failures = opts.failFirst ?? 0;
  const client = {
    insert: vi.fn(async (p: { values: AuditRow[] }) => {
      if (failures > 0) {
        failures--;
        throw new Error('ClickHouse unavailable');
      }
      inserts.push([...p.values]);
    }),
  } as unknown as ClickHouseClient;
  return { client, inserts, rows: () => inserts.flat() };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('audit log batching', () => {
  it('writes batched reads in one insert within the flush interval, chained in call order', async () => {
    vi.useFakeTimers();
    const f = fakeClient();
    const audit = createAuditLog(f.client, log, { flushIntervalMs: 250 });
    const done = Array.from({ length: 50 }, (_, i) => audit.append(ev(i), 'batched'));
    await vi.advanceTimersByTimeAsync(200);
    expect(f.inserts).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(60);
    await Promise.all(done);
    expect(f.inserts).toHaveLength(1);
    expect(f.rows().map((r) => r.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(verifyChain(f.rows())).toBeNull();
  });

  it('writes a write at once, together with the reads waiting before it', async () => {
    vi.useFakeTimers();
    const f = fakeClient();
    const audit = createAuditLog(f.client, log, { flushIntervalMs: 250 });
    void audit.append(ev(1), 'batched');
    void audit.append(ev(2), 'batched');
    await audit.append(ev(3, 'token.create'));
    expect(f.inserts).toHaveLength(1);
    expect(f.rows().map((r) => r.action)).toEqual(['read', 'read', 'token.create']);
  });

  it('writes a full batch without waiting', async () => {
    const f = fakeClient();
    const audit = createAuditLog(f.client, log, { flushIntervalMs: 60_000, maxBatch: 10 });
    await Promise.all(Array.from({ length: 25 }, (_, i) => audit.append(ev(i), i < 20 ? 'batched' : 'now')));
    expect(f.inserts.map((b) => b.length)).toEqual([10, 10, 5]);
    expect(verifyChain(f.rows())).toBeNull();
  });

  it("flush() writes everything buffered (shutdown, auditors' reads)", async () => {
    const f = fakeClient();
    const audit = createAuditLog(f.client, log, { flushIntervalMs: 60_000 });
    for (let i = 0; i < 7; i++) void audit.append(ev(i), 'batched');
    expect(audit.pending()).toBe(7);
    await audit.flush();
    expect(audit.pending()).toBe(0);
    expect(f.rows()).toHaveLength(7);
    await audit.flush(); // nothing waiting: returns at once
  });

  it('keeps rows that could not be written and writes them later: no gap in the chain', async () => {
    const f = fakeClient({ failFirst: 5 }); // one batch's five attempts fail
    const audit = createAuditLog(f.client, log, { flushIntervalMs: 0 });
    const first = audit.append(ev(1, 'token.create'));
    await expect(first).rejects.toThrow('ClickHouse unavailable');
    expect(audit.pending()).toBe(1);
    await audit.append(ev(2, 'token.revoke'));
    await audit.flush();
    expect(f.rows().map((r) => r.seq)).toEqual([0, 1]);
    expect(verifyChain(f.rows())).toBeNull();
  }, 20_000);
});
