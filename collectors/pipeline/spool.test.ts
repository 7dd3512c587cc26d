/** Spool files: naming/order, atomic write, crash leftovers, corruption → bad/, rejected/. */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLog, tempDir } from '../../tests/helpers/env.js';
import { createSpool, decodeBatch, encodeBatch, spoolFileName, type InsertBatch } from './spool.js';

let dir: ReturnType<typeof tempDir>;
beforeEach(() => {
  dir = tempDir('ixmeter-spool-');
});
afterEach(() => dir.cleanup());

const batch = (id: string, rows = 3): InsertBatch => ({
  id,
  table: 'flows_raw',
  format: 'JSONCompactEachRow',
  rows,
  body: Array.from({ length: rows }, (_, i) => `[${i},"${id}\\n",1.5]`).join('\n'),
});
const batchFiles = (d: string) => readdirSync(d).filter((n) => n.endsWith('.batch'));

describe('spool', () => {
  it('names files so lexical order is sequence order, and round-trips a batch exactly', async () => {
    const spool = createSpool(dir.path, silentLog);
    const names: string[] = [];
    for (const id of ['b', 'a/../x', 'c']) names.push((await spool.write(spool.nextSeq(), batch(id))).name);
    expect(names[0]).toBe('0000000000000000-b.batch');
    expect(names[1]).toBe('0000000000000001-a_.._x.batch');
    expect(batchFiles(dir.path)).toEqual(names);
    expect(readdirSync(dir.path).some((n) => n.endsWith('.tmp'))).toBe(false);
    expect(spoolFileName(1e12, 'z')).toBe('0001000000000000-z.batch');
    const r = await spool.read(names[1]!);
    expect(r).toEqual({ ok: true, batch: batch('a/../x') });
    const header = JSON.parse(readFileSync(join(dir.path, names[1]!), 'utf8').split('\n')[0]!);
    expect(header).toMatchObject({ v: 1, id: 'a/../x', table: 'flows_raw', format: 'JSONCompactEachRow', rows: 3 });
  });

  it('continues the sequence after files already in the spool, bad/ and rejected/', async () => {
    const first = createSpool(dir.path, silentLog);
    await first.write(41, batch('x'));
    await first.reject(57, batch('y'), 'Code: 27. Cannot parse input');
    expect(createSpool(dir.path, silentLog).nextSeq()).toBe(58);
  });

  it('writeSync produces the same file as write', async () => {
    const spool = createSpool(dir.path, silentLog);
    const f = spool.writeSync(spool.nextSeq(), batch('s'));
    expect(readFileSync(join(dir.path, f.name))).toEqual(encodeBatch(batch('s')));
    expect(f).toMatchObject({ seq: 0, rows: 3, table: 'flows_raw', bytes: encodeBatch(batch('s')).length });
  });

  it('detects truncation, bit flips and garbage headers', () => {
    const good = encodeBatch(batch('g'));
    expect(decodeBatch(good).ok).toBe(true);
    expect(decodeBatch(good.subarray(0, good.length - 1))).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/truncated/),
    });
    const flipped = Buffer.from(good);
    flipped[flipped.length - 2] ^= 1;
    expect(decodeBatch(flipped)).toEqual({ ok: false, reason: 'body checksum mismatch' });
    expect(decodeBatch(Buffer.from('{"v":1}\n[1]'))).toMatchObject({ ok: false });
    expect(decodeBatch(Buffer.from('not json\n[1]'))).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/not JSON/),
    });
    expect(decodeBatch(Buffer.from('no newline'))).toEqual({ ok: false, reason: 'no header line' });
  });

  it('after a crash: a half-written .tmp goes to bad/, a complete one is kept, a corrupt file goes to bad/', async () => {
    const old = createSpool(dir.path, silentLog);
    const ok = await old.write(old.nextSeq(), batch('ok'));
    const full = encodeBatch(batch('complete-tmp'));
    writeFileSync(join(dir.path, spoolFileName(old.nextSeq(), 'complete-tmp') + '.tmp'), full);
    writeFileSync(join(dir.path, spoolFileName(old.nextSeq(), 'half') + '.tmp'), full.subarray(0, full.length - 5));
    writeFileSync(join(dir.path, spoolFileName(old.nextSeq(), 'garbage')), 'garbage');

    const spool = createSpool(dir.path, silentLog);
    const mine = await spool.write(spool.nextSeq(), batch('mine')); // written by this process: not "recovered"
    const r = await spool.recover();
    expect(r.files.map((f) => f.name)).toEqual([ok.name, '0000000000000001-complete-tmp.batch']);
    expect(r.files[0]).toEqual(ok);
    expect(r).toMatchObject({ bad: 2, promoted: 1 });
    expect(readdirSync(join(dir.path, 'bad')).sort()).toEqual([
      '0000000000000002-half.batch.tmp',
      '0000000000000002-half.batch.tmp.error.txt',
      '0000000000000003-garbage.batch',
      '0000000000000003-garbage.batch.error.txt',
    ]);
    expect(batchFiles(dir.path)).toEqual([ok.name, '0000000000000001-complete-tmp.batch', mine.name]);
    expect(readdirSync(dir.path).some((n) => n.endsWith('.tmp'))).toBe(false);
  });

  it('quarantine and reject keep the data and say why', async () => {
    const spool = createSpool(dir.path, silentLog);
    const f = await spool.write(spool.nextSeq(), batch('q'));
    await spool.quarantine(f.name, 'checksum');
    expect(readFileSync(join(dir.path, 'bad', f.name))).toEqual(encodeBatch(batch('q')));
    expect(readFileSync(join(dir.path, 'bad', f.name + '.error.txt'), 'utf8')).toBe('checksum\n');

    const g = await spool.write(spool.nextSeq(), batch('spooled'));
    await spool.reject(g.seq, batch('spooled'), 'TYPE_MISMATCH', g.name);
    const p = await spool.reject(spool.nextSeq(), batch('memory'), 'CANNOT_PARSE');
    expect(existsSync(join(dir.path, g.name))).toBe(false);
    expect(decodeBatch(readFileSync(join(dir.path, 'rejected', g.name)))).toEqual({
      ok: true,
      batch: batch('spooled'),
    });
    expect(decodeBatch(readFileSync(p))).toEqual({ ok: true, batch: batch('memory') });
    expect(readFileSync(p + '.error.txt', 'utf8')).toMatch(/flows_raw rows=3 id=memory\nCANNOT_PARSE/);
    expect(batchFiles(dir.path)).toEqual([]);
  });
});
