/**
 * Batch writer against real embedded ClickHouse (chDB) through ClickHouse outages.
 *
 * The insert wraps the real one and fails like a refused connection while "down". Some failures are
 * ambiguous: the real insert succeeded and the error comes after it (a connection reset on the
 * response). Fixture: batches of 1,000 rows with distinct keys `batch * 1000 + row`, so
 * `count()` = `uniqExact(key)` = rows enqueued proves nothing was lost and nothing doubled.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clickHouseInsert,
  createBatchWriter,
  type InsertBatch,
  type InsertFn,
} from '../../collectors/pipeline/writer.js';
import { openStorage, type Storage } from '../../src/storage/clickhouse/client.js';
import { silentLog, tempDir, testConfig } from '../helpers/env.js';

const ROWS = 1000;
let dir: ReturnType<typeof tempDir>;
let storage: Storage;

beforeAll(async () => {
  dir = tempDir('ixmeter-writer-outage-');
  storage = await openStorage(testConfig(join(dir.path, 'data')), silentLog);
});
afterAll(async () => {
  await storage?.close();
  dir?.cleanup();
});

async function createTable(name: string): Promise<void> {
  await storage.client.command({
    query: `CREATE TABLE ${name} (key UInt64, member LowCardinality(String)) ENGINE = MergeTree ORDER BY key
            SETTINGS non_replicated_deduplication_window = 1000`,
  });
}
function batch(table: string, i: number): InsertBatch {
  const lines: string[] = [];
  for (let r = 0; r < ROWS; r++) lines.push(`[${i * ROWS + r},"AS${(i * ROWS + r) % 300}"]`);
  return { id: `${table}-${i}`, table, format: 'JSONCompactEachRow', rows: ROWS, body: lines.join('\n') };
}
async function counts(table: string): Promise<{ n: number; u: number }> {
  const rs = await storage.client.query({
    query: `SELECT count() AS n, uniqExact(key) AS u FROM ${table}`,
    format: 'JSONEachRow',
  });
  const [row] = await rs.json<{ n: string | number; u: string | number }>();
  return { n: Number(row!.n), u: Number(row!.u) };
}
const spoolFiles = (d: string) => readdirSync(d).filter((n) => n.endsWith('.batch') || n.endsWith('.tmp'));
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitFor(cond: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('waitFor: timed out');
    await tick(10);
  }
}

/** The real insert, behind a switchable fault: refused while down; ambiguous = inserted, then the error. */
function faultyInsert(real: InsertFn) {
  const fault = { down: false, ambiguousWhileDown: 0, ambiguousIds: new Set<string>(), realInserts: 0 };
  const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' });
  const reset = () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
  const insert: InsertFn = async (b) => {
    if (fault.ambiguousIds.delete(b.id)) {
      await real(b);
      fault.realInserts++;
      throw reset();
    }
    if (fault.down) {
      if (fault.ambiguousWhileDown > 0) {
        fault.ambiguousWhileDown--;
        await real(b);
        fault.realInserts++;
      }
      throw refused();
    }
    await real(b);
    fault.realInserts++;
  };
  return { fault, insert };
}

describe('batch writer through ClickHouse outages (chDB)', () => {
  it('200 batches across an outage with ambiguous failures: exactly 200,000 rows, spool empty', async () => {
    await createTable('outage_flows');
    const spoolDir = join(dir.path, 'spool-outage');
    const { fault, insert } = faultyInsert(clickHouseInsert(storage.client));
    const events: string[] = [];
    const w = createBatchWriter({
      insert,
      spoolDir,
      log: silentLog,
      retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 50 },
      probeIntervalMs: 50,
      onEvent: (e) => events.push(e.type),
    });
    await w.start();

    fault.ambiguousIds.add('outage_flows-10'); // succeeds, then errors: the retry must be a no-op
    for (let i = 0; i < 60; i++) w.enqueue(batch('outage_flows', i));
    await w.drain();
    expect(await counts('outage_flows')).toEqual({ n: 60_000, u: 60_000 });

    fault.down = true;
    fault.ambiguousWhileDown = 1; // the outage starts with an insert that landed although it "failed"
    for (let i = 60; i < 160; i++) {
      w.enqueue(batch('outage_flows', i));
      if (i % 20 === 0) await tick(20);
    }
    await w.drain();
    expect(w.stats()).toMatchObject({ degraded: true, spooledFiles: 100, spooledRows: 100_000, queuedBatches: 0 });
    expect(spoolFiles(spoolDir)).toHaveLength(100);
    expect(await counts('outage_flows')).toEqual({ n: 61_000, u: 61_000 }); // the ambiguous one is in, and spooled

    fault.down = false;
    fault.ambiguousIds.add('outage_flows-61'); // and one ambiguous failure during the replay
    for (let i = 160; i < 200; i++) {
      w.enqueue(batch('outage_flows', i));
      if (i % 10 === 0) await tick(5);
    }
    await waitFor(() => w.stats().spooledFiles === 0 && w.stats().queuedBatches === 0);
    await w.close();

    expect(await counts('outage_flows')).toEqual({ n: 200_000, u: 200_000 });
    expect(fault.realInserts).toBe(203); // 200 + 3 ambiguous repeats, deduplicated by ClickHouse
    expect(w.stats()).toMatchObject({
      insertedRows: 200_000,
      degraded: false,
      rejectedBatches: 0,
      badFiles: 0,
      spooledFiles: 0,
    });
    expect(w.stats().replayedRows).toBeGreaterThanOrEqual(100_000);
    expect(events.filter((t) => t === 'degraded' || t === 'recovered')).toEqual(['degraded', 'recovered']);
    expect(spoolFiles(spoolDir)).toEqual([]);
    expect(readdirSync(join(spoolDir, 'bad'))).toEqual([]);
    expect(readdirSync(join(spoolDir, 'rejected'))).toEqual([]);
  });

  it('closed while degraded: the files stay; a new writer replays them at start; exact count', async () => {
    await createTable('restart_flows');
    const spoolDir = join(dir.path, 'spool-restart');
    const { fault, insert } = faultyInsert(clickHouseInsert(storage.client));
    const opts = {
      spoolDir,
      log: silentLog,
      retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 20 },
      probeIntervalMs: 60_000,
    };

    const first = createBatchWriter({ ...opts, insert });
    await first.start();
    for (let i = 0; i < 10; i++) first.enqueue(batch('restart_flows', i));
    await first.drain();
    fault.down = true;
    fault.ambiguousWhileDown = 1;
    for (let i = 10; i < 50; i++) first.enqueue(batch('restart_flows', i));
    await first.close(); // SIGTERM while ClickHouse is down
    expect(first.stats()).toMatchObject({ degraded: true, queuedBatches: 0, spooledFiles: 40 });
    expect(spoolFiles(spoolDir)).toHaveLength(40);
    expect(await counts('restart_flows')).toEqual({ n: 11_000, u: 11_000 });

    fault.down = false;
    const second = createBatchWriter({ ...opts, insert });
    for (let i = 50; i < 60; i++) second.enqueue(batch('restart_flows', i)); // collectors may start first
    await second.start();
    expect(spoolFiles(spoolDir)).toEqual([]);
    expect((await counts('restart_flows')).n).toBeGreaterThanOrEqual(50_000);
    await second.close();
    expect(await counts('restart_flows')).toEqual({ n: 60_000, u: 60_000 });
    expect(second.stats()).toMatchObject({
      replayedRows: 40_000,
      insertedRows: 50_000,
      spooledFiles: 0,
      degraded: false,
    });
  });
});
