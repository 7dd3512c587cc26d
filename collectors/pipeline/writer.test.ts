/** Batch writer: order, backoff, degraded mode + replay, rejected/, bad/, memory cap, drain/close, stats; one real chDB case. */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStorage } from '../../src/storage/clickhouse/client.js';
import { silentLog, tempDir, testConfig } from '../../tests/helpers/env.js';
import {
  clickHouseInsert,
  createBatchWriter,
  isPermanentInsertError,
  type BatchWriter,
  type InsertBatch,
  type WriterEvent,
} from './writer.js';

let dir: ReturnType<typeof tempDir>;
const writers: BatchWriter[] = [];
beforeEach(() => {
  dir = tempDir('ixmeter-writer-');
});
afterEach(async () => {
  for (const w of writers.splice(0)) await w.close();
  dir.cleanup();
});

const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' });
const parseError = () =>
  Object.assign(new Error('Cannot parse input'), { code: '27', type: 'CANNOT_PARSE_INPUT_ASSERTION_FAILED' });
const batch = (i: number, rows = 10): InsertBatch => ({
  id: `b${i}`,
  table: 't',
  format: 'JSONCompactEachRow',
  rows,
  body: Array.from({ length: rows }, (_, r) => `[${i * 1000 + r}]`).join('\n'),
});
const batchFiles = (d = dir.path) => readdirSync(d).filter((n) => n.endsWith('.batch'));
async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('waitFor: timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A fake ClickHouse: records inserted ids; `down` makes every call fail like a refused connection. */
function fakeClickHouse() {
  const s = {
    down: false,
    ids: [] as string[],
    calls: [] as { id: string; at: number }[],
    fail: new Map<string, () => Error>(),
  };
  const insert = async (b: InsertBatch) => {
    s.calls.push({ id: b.id, at: Date.now() });
    const f = s.fail.get(b.id);
    if (f) throw f();
    if (s.down) throw refused();
    s.ids.push(b.id);
  };
  return { s, insert };
}
function writer(
  insert: (b: InsertBatch) => Promise<void>,
  extra: Partial<Parameters<typeof createBatchWriter>[0]> = {},
) {
  const events: WriterEvent[] = [];
  const w = createBatchWriter({
    insert,
    spoolDir: dir.path,
    log: silentLog,
    retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 },
    probeIntervalMs: 30,
    onEvent: (e) => events.push(e),
    ...extra,
  });
  writers.push(w);
  return { w, events };
}
const ids = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `b${from + i}`);

describe('batch writer', () => {
  it('inserts every batch once, in enqueue order, and counts rows', async () => {
    const ch = fakeClickHouse();
    const { w, events } = writer(ch.insert);
    for (let i = 0; i < 20; i++) w.enqueue(batch(i));
    await w.start();
    for (let i = 20; i < 50; i++) w.enqueue(batch(i));
    await w.drain();
    expect(ch.s.ids).toEqual(ids(0, 50));
    expect(w.stats()).toMatchObject({
      insertedRows: 500,
      insertedBatches: 50,
      queuedRows: 0,
      queuedBatches: 0,
      spooledFiles: 0,
      degraded: false,
    });
    expect(events.filter((e) => e.type === 'inserted')).toHaveLength(50);
  });

  it('retries with exponential backoff capped at maxDelayMs', async () => {
    const ch = fakeClickHouse();
    let failures = 3;
    const flaky = async (b: InsertBatch) => {
      if (failures-- > 0) ch.s.fail.set(b.id, refused);
      else ch.s.fail.delete(b.id);
      await ch.insert(b);
    };
    const { w, events } = writer(flaky, { retry: { attempts: 4, baseDelayMs: 40, maxDelayMs: 60 } });
    await w.start();
    w.enqueue(batch(0));
    await w.drain();
    const at = ch.s.calls.map((c) => c.at);
    expect(at).toHaveLength(4);
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    expect(gaps[0]).toBeGreaterThanOrEqual(38);
    expect(gaps[1]).toBeGreaterThanOrEqual(58); // 80 capped to 60
    expect(gaps[2]).toBeGreaterThanOrEqual(58);
    expect(gaps[2]).toBeLessThan(150);
    expect(ch.s.ids).toEqual(['b0']);
    expect(events.filter((e) => e.type === 'retried').map((e) => e.type === 'retried' && e.attempt)).toEqual([1, 2, 3]);
    expect(w.stats()).toMatchObject({
      retries: 3,
      degraded: false,
      spooledFiles: 0,
      lastError: expect.stringMatching(/ECONNREFUSED/),
    });
  });

  it('spools during an outage, keeps order, probes, replays oldest first, then resumes', async () => {
    const ch = fakeClickHouse();
    const { w, events } = writer(ch.insert);
    await w.start();
    for (let i = 0; i < 3; i++) w.enqueue(batch(i));
    await w.drain();
    ch.s.down = true;
    for (let i = 3; i < 13; i++) w.enqueue(batch(i));
    await w.drain();
    expect(w.stats()).toMatchObject({ degraded: true, spooledFiles: 10, spooledRows: 100, queuedRows: 0 });
    expect(batchFiles()).toEqual(ids(3, 13).map((id, i) => `${String(3 + i).padStart(16, '0')}-${id}.batch`));
    expect(ch.s.calls.filter((c) => c.id !== 'b3')).toHaveLength(3); // later batches never tried while degraded
    await new Promise((r) => setTimeout(r, 100)); // a few failed probes, each on the oldest file
    expect(new Set(ch.s.calls.slice(3).map((c) => c.id))).toEqual(new Set(['b3']));
    ch.s.down = false;
    for (let i = 13; i < 16; i++) w.enqueue(batch(i));
    await waitFor(() => w.stats().spooledFiles === 0 && w.stats().queuedBatches === 0);
    expect(ch.s.ids).toEqual(ids(0, 16));
    expect(batchFiles()).toEqual([]);
    expect(w.stats()).toMatchObject({ degraded: false, insertedRows: 160 });
    expect(w.stats().replayedRows).toBeGreaterThanOrEqual(100); // 13..15 too, unless the probe won the race
    expect(events.map((e) => e.type).filter((t) => t === 'degraded' || t === 'recovered')).toEqual([
      'degraded',
      'recovered',
    ]);
  });

  it('moves a batch ClickHouse refuses for good to rejected/ and carries on', async () => {
    const ch = fakeClickHouse();
    ch.s.fail.set('b1', parseError);
    const { w, events } = writer(ch.insert);
    await w.start();
    for (let i = 0; i < 4; i++) w.enqueue(batch(i));
    await w.drain();
    expect(ch.s.ids).toEqual(['b0', 'b2', 'b3']);
    expect(ch.s.calls.filter((c) => c.id === 'b1')).toHaveLength(1); // not retried
    expect(readdirSync(join(dir.path, 'rejected'))).toEqual([
      '0000000000000001-b1.batch',
      '0000000000000001-b1.batch.error.txt',
    ]);
    expect(w.stats()).toMatchObject({ rejectedBatches: 1, rejectedRows: 10, degraded: false });
    expect(events).toContainEqual({ type: 'rejected', table: 't', rows: 10, error: 'Cannot parse input' });
    // The same refusal during a replay from the spool.
    ch.s.down = true;
    ch.s.fail.set('b5', parseError);
    for (let i = 4; i < 7; i++) w.enqueue(batch(i));
    await w.drain();
    ch.s.down = false;
    await waitFor(() => w.stats().spooledFiles === 0);
    expect(ch.s.ids).toEqual(['b0', 'b2', 'b3', 'b4', 'b6']);
    expect(w.stats().rejectedBatches).toBe(2);
  });

  it('classifies errors: parse/type/schema are permanent, connection and resource errors retryable', () => {
    for (const code of ['62', '27', '60', '53', '117', '6', '26', '33', 72])
      expect(isPermanentInsertError({ code })).toBe(true);
    for (const code of ['241', '159', '202', '252', '210', 'ECONNREFUSED', 'ETIMEDOUT', undefined])
      expect(isPermanentInsertError({ code })).toBe(false);
    expect(isPermanentInsertError(refused())).toBe(false);
    expect(isPermanentInsertError(null)).toBe(false);
  });

  it('spills the oldest batches to disk above maxQueuedRows and still inserts in order', async () => {
    const ch = fakeClickHouse();
    let release!: () => void;
    let blocked = false;
    const gate = new Promise<void>((r) => (release = r));
    const gated = async (b: InsertBatch) => {
      if (b.id === 'b0') {
        blocked = true;
        await gate;
      }
      await ch.insert(b);
    };
    const { w, events } = writer(gated, { maxQueuedRows: 250 });
    try {
      await w.start();
      w.enqueue(batch(0, 100));
      await waitFor(() => blocked); // b0 is in flight
      for (let i = 1; i < 20; i++) w.enqueue(batch(i, 100));
      await waitFor(() => w.stats().overflowBatches === 17); // 1,900 rows queued → oldest 17 spilled, 200 left
      expect(w.stats()).toMatchObject({ queuedRows: 300, queuedBatches: 3, spooledFiles: 17, spooledRows: 1700 }); // + 100 in flight
      expect(batchFiles()).toEqual(ids(1, 18).map((id, i) => `${String(1 + i).padStart(16, '0')}-${id}.batch`));
      expect(events.filter((e) => e.type === 'spooled' && e.reason === 'overflow')).toHaveLength(17);
    } finally {
      release();
    }
    await w.drain();
    await waitFor(() => w.stats().spooledFiles === 0 && w.stats().queuedBatches === 0);
    expect(ch.s.ids).toEqual(ids(0, 20));
  });

  it('drain waits for what was enqueued; close spools what cannot be inserted; a new writer replays it', async () => {
    const ch = fakeClickHouse();
    ch.s.down = true;
    const { w } = writer(ch.insert, { probeIntervalMs: 60_000 });
    await w.start();
    for (let i = 0; i < 5; i++) w.enqueue(batch(i));
    await w.close();
    expect(w.stats()).toMatchObject({ queuedBatches: 0, spooledFiles: 5, degraded: true });
    w.enqueue(batch(5)); // after close: straight to disk
    expect(batchFiles()).toHaveLength(6);
    writeFileSync(join(dir.path, batchFiles()[2]!), 'torn'); // and one file got damaged
    ch.s.down = false;
    const next = writer(ch.insert);
    next.w.enqueue(batch(6));
    await next.w.start();
    expect(ch.s.ids.slice(0, 5)).toEqual(['b0', 'b1', 'b3', 'b4', 'b5']); // start() resolves once the old spool is replayed
    await next.w.drain();
    expect(ch.s.ids).toEqual(['b0', 'b1', 'b3', 'b4', 'b5', 'b6']);
    expect(next.w.stats()).toMatchObject({ badFiles: 1, spooledFiles: 0, replayedRows: 50 });
    expect(readdirSync(join(dir.path, 'bad'))).toEqual([
      '0000000000000002-b2.batch',
      '0000000000000002-b2.batch.error.txt',
    ]);
  });

  it('keeps batches in memory while the spool cannot be written, and loses none', async () => {
    const ch = fakeClickHouse();
    ch.s.down = true;
    const { w } = writer(ch.insert);
    await w.start();
    rmSync(dir.path, { recursive: true }); // the disk "fails"
    try {
      for (let i = 0; i < 4; i++) w.enqueue(batch(i));
      await waitFor(() => w.stats().degraded && w.stats().lastError?.includes('spool write failed') === true);
      expect(w.stats()).toMatchObject({ queuedBatches: 4, queuedRows: 40, spooledFiles: 0 });
    } finally {
      mkdirSync(dir.path); // the disk is back
    }
    await w.drain();
    expect(w.stats()).toMatchObject({ queuedBatches: 0, spooledFiles: 4 });
    ch.s.down = false;
    await waitFor(() => w.stats().spooledFiles === 0);
    expect(ch.s.ids).toEqual(ids(0, 4));
  });

  it('close before start puts memory on disk', async () => {
    const ch = fakeClickHouse();
    const { w } = writer(ch.insert);
    w.enqueue(batch(0));
    w.enqueue(batch(1));
    await w.close();
    expect(batchFiles()).toEqual(['0000000000000000-b0.batch', '0000000000000001-b1.batch']);
    expect(ch.s.calls).toEqual([]);
  });
});

describe('batch writer: coalescing binary batches that queue up', () => {
  const bin = (i: number, rows = 10): InsertBatch => ({
    id: `b${i}`,
    table: 't',
    format: 'RowBinary',
    rows,
    body: new Uint8Array(rows).fill(i),
  });
  /** Holds the first insert until `release()`, so that later batches queue behind it. */
  function gatedClickHouse() {
    const ch = fakeClickHouse();
    const bodies = new Map<string, Uint8Array>();
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const insert = async (b: InsertBatch) => {
      if (ch.s.calls.length === 0) {
        ch.s.calls.push({ id: b.id, at: Date.now() });
        await gate;
        ch.s.ids.push(b.id);
        return;
      }
      bodies.set(b.id, b.body as Uint8Array);
      await ch.insert(b);
    };
    return { ...ch, insert, bodies, release: () => release() };
  }

  it('inserts queued batches of a table as one, with a first..last id and every byte in order', async () => {
    const ch = gatedClickHouse();
    const { w, events } = writer(ch.insert, { maxCoalesceRows: 35 });
    await w.start();
    w.enqueue(bin(0));
    await waitFor(() => ch.s.calls.length === 1);
    for (let i = 1; i < 6; i++) w.enqueue(bin(i));
    w.enqueue(batch(6)); // text batches are never merged
    w.enqueue(bin(7));
    ch.release();
    await w.drain();
    expect(ch.s.ids).toEqual(['b0', 'b1..b3', 'b4..b5', 'b6', 'b7']);
    expect(Array.from(ch.bodies.get('b1..b3')!)).toEqual([
      ...Array(10).fill(1),
      ...Array(10).fill(2),
      ...Array(10).fill(3),
    ]);
    expect(w.stats()).toMatchObject({ insertedRows: 80, insertedBatches: 5, queuedRows: 0, queuedBatches: 0 });
    expect(events.filter((e) => e.type === 'inserted').map((e) => (e as { rows: number }).rows)).toEqual([
      10, 30, 20, 10, 10,
    ]);
  });

  it('spools a merged batch that fails as one file and replays it under the same id', async () => {
    const ch = gatedClickHouse();
    const { w } = writer(ch.insert);
    await w.start();
    w.enqueue(bin(0));
    await waitFor(() => ch.s.calls.length === 1);
    for (let i = 1; i < 4; i++) w.enqueue(bin(i));
    ch.s.down = true;
    ch.release();
    await w.drain();
    expect(batchFiles()).toEqual([`${'1'.padStart(16, '0')}-b1..b3.batch`]);
    await waitFor(() => w.stats().degraded);
    expect(w.stats()).toMatchObject({ spooledFiles: 1, spooledRows: 30, queuedBatches: 0 });
    ch.s.down = false;
    await waitFor(() => w.stats().spooledFiles === 0);
    expect(ch.s.ids).toEqual(['b0', 'b1..b3']);
    expect(w.stats()).toMatchObject({ insertedRows: 40, replayedRows: 30 });
  });
});

describe('batch writer on real chDB', () => {
  const data = tempDir('ixmeter-writer-chdb-');
  afterAll(() => data.cleanup());

  it('inserts batches, deduplicates a repeated id, rejects a type mismatch', async () => {
    const storage = await openStorage(testConfig(join(data.path, 'data')), silentLog);
    try {
      await storage.client.command({
        query:
          'CREATE TABLE w (k UInt64) ENGINE = MergeTree ORDER BY k SETTINGS non_replicated_deduplication_window = 1000',
      });
      const { w, events } = writer(clickHouseInsert(storage.client));
      await w.start();
      for (let i = 0; i < 10; i++) w.enqueue({ ...batch(i, 100), table: 'w' });
      w.enqueue({ ...batch(3, 100), table: 'w' }); // same id again: a replay
      w.enqueue({ id: 'bad', table: 'w', format: 'JSONCompactEachRow', rows: 1, body: '["not a number"]' });
      await w.drain();
      const rs = await storage.client.query({
        query: 'SELECT count() AS n, uniqExact(k) AS u FROM w',
        format: 'JSONEachRow',
      });
      expect((await rs.json<{ n: unknown; u: unknown }>()).map((r) => [Number(r.n), Number(r.u)])).toEqual([
        [1000, 1000],
      ]);
      expect(w.stats()).toMatchObject({ rejectedBatches: 1, degraded: false, retries: 0 });
      expect(events.find((e) => e.type === 'rejected')).toMatchObject({ error: expect.stringMatching(/parse/i) });
      expect(readdirSync(join(dir.path, 'rejected'))).toHaveLength(2);
      await w.close();
      // The token belongs to its insert only: chDB must not keep it for the session (a later token-less
      // insert into a deduplicated table would be dropped as a repeat).
      const tok = await storage.client.query({
        query: "SELECT getSetting('insert_deduplication_token') AS t",
        format: 'JSONEachRow',
      });
      expect(await tok.json()).toEqual([{ t: '' }]);
      await storage.client.command({ query: 'INSERT INTO w FORMAT JSONCompactEachRow\n[5000]' });
      await storage.client.command({ query: 'INSERT INTO w FORMAT JSONCompactEachRow\n[5001]' });
      const after = await storage.client.query({ query: 'SELECT count() AS n FROM w', format: 'JSONEachRow' });
      expect((await after.json<{ n: unknown }>()).map((r) => Number(r.n))).toEqual([1002]);
    } finally {
      await storage.close();
    }
  });
});
