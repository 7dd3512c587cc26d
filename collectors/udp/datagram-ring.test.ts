import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { createDatagramRing, RecordKind, RingReader, RingWriter, type RingRecord } from './datagram-ring.js';

const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (seed + i) & 0xff);
const copy = (r: RingRecord) => ({
  kind: r.kind,
  exporterId: r.exporterId,
  port: r.port,
  listener: r.listener,
  length: r.length,
  at: r.receivedAtMs,
  payload: [...r.payload],
});

describe('datagram ring', () => {
  it('keeps records whole and in order across many wrap-arounds', () => {
    const sab = createDatagramRing(1 << 16);
    const w = new RingWriter(sab),
      r = new RingReader(sab);
    let written = 0,
      read = 0,
      refused = 0;
    for (let round = 0; round < 2000; round++) {
      const len = (round * 131) % 1400;
      if (w.write(RecordKind.DATAGRAM, round & 0xffff, 2055, 1, round + 0.5, bytes(len, round))) written++;
      else refused++;
      if (round % 3 === 0) {
        r.drain(2, (rec) => {
          const i = rec.exporterId; // = round it was written in (all < 65536)
          expect(rec.kind).toBe(RecordKind.DATAGRAM);
          expect(rec.receivedAtMs).toBe(i + 0.5);
          expect(rec.length).toBe((i * 131) % 1400);
          expect([...rec.payload]).toEqual([...bytes(rec.length, i)]);
          read++;
        });
      }
    }
    read += r.drain(1e9, () => undefined);
    expect(refused).toBeGreaterThan(0); // the consumer was slower: the ring filled and said so
    expect(read).toBe(written);
    expect(r.usedBytes()).toBe(0);
  });

  it('refuses a record that does not fit, then takes it once there is room; DROPPED carries a count', () => {
    const sab = createDatagramRing(1 << 16);
    const w = new RingWriter(sab),
      r = new RingReader(sab);
    const big = bytes(20_000, 1);
    expect(w.write(RecordKind.DATAGRAM, 1, 1, 0, 1, big)).toBe(true);
    expect(w.write(RecordKind.DATAGRAM, 2, 1, 0, 2, big)).toBe(true);
    expect(w.write(RecordKind.DATAGRAM, 3, 1, 0, 3, big)).toBe(true);
    expect(w.write(RecordKind.DATAGRAM, 4, 1, 0, 4, big)).toBe(false);
    expect(r.drain(1, () => undefined)).toBe(1);
    expect(w.write(RecordKind.DROPPED, 4, 0, 0, 5, null, 17)).toBe(true);
    const seen: ReturnType<typeof copy>[] = [];
    r.drain(10, (rec) => seen.push(copy(rec)));
    expect(seen.map((s) => s.exporterId)).toEqual([2, 3, 4]);
    expect(seen[2]).toMatchObject({ kind: RecordKind.DROPPED, length: 17, payload: [] });
  });

  it('after a consumer died inside a record, a new consumer skips exactly that record', () => {
    const sab = createDatagramRing(1 << 16);
    const w = new RingWriter(sab);
    for (let i = 0; i < 3; i++) w.write(RecordKind.DATAGRAM, i, 1, 0, i, bytes(10, i));
    expect(() =>
      new RingReader(sab).drain(10, (rec) => {
        if (rec.exporterId === 1) throw new Error('decoder bug');
      }),
    ).toThrow('decoder bug');
    const next = new RingReader(sab);
    expect(next.skipCrashed()).toBe(true);
    const ids: number[] = [];
    next.drain(10, (rec) => ids.push(rec.exporterId));
    expect(ids).toEqual([2]);
    expect(next.skipCrashed()).toBe(false);
  });

  it('between two threads: 200,000 records arrive complete, in order, byte for byte', async () => {
    const sab = createDatagramRing(1 << 20);
    const count = 200_000;
    const entry = new URL('./testing/ring-producer.ts', import.meta.url).href;
    const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
    const worker = new Worker(boot, { eval: true, workerData: { ring: sab, count } });
    const done = new Promise<{ full: number }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    const r = new RingReader(sab);
    let next = 0,
      bad = 0;
    while (next < count) {
      const n = r.drain(4096, (rec) => {
        const i = new DataView(rec.payload.buffer, rec.payload.byteOffset, 4).getUint32(0, true);
        const len = 4 + ((i * 7919) % 1500);
        if (
          i !== next ||
          rec.length !== len ||
          rec.receivedAtMs !== i ||
          rec.port !== 1000 + (i % 100) ||
          (len > 4 && rec.payload[len - 1] !== ((i + len - 1) & 0xff))
        )
          bad++;
        next++;
      });
      if (n === 0) await r.waitForData(50);
    }
    const { full } = await done;
    await worker.terminate();
    expect(bad).toBe(0);
    expect(next).toBe(count);
    expect(full).toBeGreaterThanOrEqual(0);
  });
});
