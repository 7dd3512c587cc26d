/**
 * Write-ahead: every enqueued batch is on disk until it is settled, a "crashed" writer's batches are
 * replayed by the next one with their own ids, and merged-insert markers resolve to exactly one replay.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLog, tempDir } from '../../tests/helpers/env.js';
import { createSpool, type InsertBatch } from './spool.js';
import { createBatchWriter } from './writer.js';
import { resolveGroups } from './write-ahead.js';

let dir: ReturnType<typeof tempDir>;
beforeEach(() => {
  dir = tempDir('ixmeter-wal-');
});
afterEach(() => dir.cleanup());

const bin = (i: number, rows = 4): InsertBatch => ({
  id: `b${i}`,
  table: 'flows_raw',
  format: 'RowBinary',
  rows,
  body: new Uint8Array(rows * 4).fill(i),
});
const files = (ext = '.batch') =>
  readdirSync(dir.path)
    .filter((n) => n.endsWith(ext))
    .sort();
async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('until: timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('write-ahead', () => {
  it("keeps every unsettled batch on disk, deletes it once inserted, and a crashed writer's batches replay in order", async () => {
    const release: Array<() => void> = [];
    const first = createBatchWriter({
      insert: () => new Promise<void>((r) => release.push(r)),
      spoolDir: dir.path,
      log: silentLog,
      writeAhead: true,
      maxCoalesceRows: 1,
    });
    await first.start();
    for (let i = 0; i < 5; i++) first.enqueue(bin(i));
    await until(() => files().length === 5 && release.length === 1);
    release.shift()!(); // b0 inserted: its file goes
    await until(() => files().length === 4 && release.length === 1);
    // kill -9 here: b1 is being inserted (ambiguous), b2..b4 only queued. Nothing of this writer runs any more.
    const replayed: string[] = [];
    const second = createBatchWriter({
      insert: async (b) => void replayed.push(b.id),
      spoolDir: dir.path,
      log: silentLog,
      writeAhead: true,
    });
    await second.start();
    await second.drain();
    expect(replayed).toEqual(['b1', 'b2', 'b3', 'b4']); // b1 again with its own id: deduplicated by ClickHouse if it had landed
    expect(second.stats().replayedRows).toBe(16);
    second.enqueue(bin(9));
    await second.close();
    expect(files()).toEqual([]);
  });

  it('resolves merged-insert markers: all parts → one merged file with the merged id; parts partly deleted → none', async () => {
    const spool = createSpool(dir.path, silentLog);
    const parts = [];
    for (let i = 0; i < 3; i++) parts.push(await spool.write(i, bin(i)));
    writeFileSync(
      join(dir.path, '0000000000000000-b0..b2.group'),
      JSON.stringify({ id: 'b0..b2', parts: parts.map((p) => p.name) }),
    );
    const b3 = await spool.write(3, bin(3));
    const b4 = await spool.write(4, bin(4));
    // b3..b4 were inserted merged; b3's file was already deleted when the process died.
    writeFileSync(
      join(dir.path, '0000000000000003-b3..b4.group'),
      JSON.stringify({ id: 'b3..b4', parts: [b3.name, b4.name] }),
    );
    await spool.remove(b3.name);
    expect(await resolveGroups(createSpool(dir.path, silentLog), silentLog)).toBe(2);
    expect(files()).toEqual(['0000000000000000-b0..b2.batch']);
    expect(files('.group')).toEqual([]);
    const replayed: InsertBatch[] = [];
    const w = createBatchWriter({
      insert: async (b) => void replayed.push(b),
      spoolDir: dir.path,
      log: silentLog,
      writeAhead: true,
    });
    await w.start();
    await w.close();
    expect(replayed.map((b) => [b.id, b.rows])).toEqual([['b0..b2', 12]]);
    expect(existsSync(join(dir.path, b4.name))).toBe(false);
  });

  it('a merged batch that has to be spooled replaces its parts by one file', async () => {
    let down = true;
    const ids: string[] = [];
    const gate: Array<() => void> = [];
    const w = createBatchWriter({
      insert: async (b) => {
        if (!ids.length && !gate.length) await new Promise<void>((r) => gate.push(r));
        if (down && b.id.includes('..'))
          throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
        ids.push(b.id);
      },
      spoolDir: dir.path,
      log: silentLog,
      writeAhead: true,
      retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
      probeIntervalMs: 20,
    });
    await w.start();
    w.enqueue(bin(0));
    await until(() => gate.length === 1);
    for (let i = 1; i < 4; i++) w.enqueue(bin(i));
    await until(() => files().length === 4);
    gate.shift()!(); // b0 lands, then b1..b3 go merged, fail, and are spooled as one
    await until(
      () =>
        w.stats().spooledFiles >= 1 &&
        files().includes('0000000000000001-b1..b3.batch') &&
        !files().includes('0000000000000002-b2.batch'),
    );
    down = false;
    await until(() => ids.length === 2); // replayed from the spool by the probe
    await w.close();
    expect(ids.sort()).toEqual(['b0', 'b1..b3']);
    expect(files()).toEqual([]);
  });
});
