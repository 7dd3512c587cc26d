/**
 * The socket thread's contract: every datagram it receives is either in the ring, whole, with its
 * exporter announced before it, or counted as dropped — in its totals and, once there is room, as a
 * DROPPED record for that exporter. Nothing disappears uncounted when the decode side stalls.
 */
import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { createDatagramRing, RecordKind, RingReader } from './datagram-ring.js';
import type { SocketStats, SocketToMain } from './protocol.js';
import { createSocketReader } from './socket-thread.js';

describe('socket thread', () => {
  it(
    'with nobody consuming: the ring fills, the rest is counted, and the count reaches the ring',
    { timeout: 30_000 },
    async () => {
      const ring = createDatagramRing(1 << 20); // 1 MiB: room for ~700 datagrams of 1,400 octets
      const messages: SocketToMain[] = [];
      const reader = createSocketReader(
        {
          host: '127.0.0.1',
          listeners: [{ name: 'sflow', port: 0 }],
          recvBufferBytes: 8 << 20,
          nice: null,
          statsIntervalMs: 50,
          ring,
        },
        (m) => messages.push(m),
      );
      const [l] = await reader.start();
      expect(l?.bound).toBe(true);
      const tx = createSocket('udp4');
      const sent = 2_000;
      for (let i = 0; i < sent; i++) {
        const p = Buffer.alloc(1_400, i & 0xff);
        p.writeUInt32BE(i, 0);
        await new Promise<void>((resolve, reject) =>
          tx.send(p, l!.port, '127.0.0.1', (e) => (e ? reject(e) : resolve())),
        );
        if (i % 200 === 199) await new Promise((r) => setTimeout(r, 5)); // stay inside the socket buffer
      }
      tx.close();
      // While the ring is full the thread naps 1 ms per refused datagram (the kernel queues meanwhile): wait
      // until it has read everything sent (the 8 MiB socket buffer holds all of it).
      const last = () => messages.filter((m): m is SocketStats => m.type === 'socket-stats').at(-1);
      for (let t = Date.now(); (last()?.datagrams ?? 0) < sent && Date.now() - t < 20_000;)
        await new Promise((r) => setTimeout(r, 50));

      const rr = new RingReader(ring);
      const seq: number[] = [];
      let exporter = '';
      let droppedInRing = 0;
      const take = () =>
        rr.drain(1e9, (rec) => {
          if (rec.kind === RecordKind.EXPORTER) exporter = new TextDecoder().decode(rec.payload);
          else if (rec.kind === RecordKind.DATAGRAM) {
            expect(rec.length).toBe(1_400);
            seq.push(new DataView(rec.payload.buffer, rec.payload.byteOffset).getUint32(0));
          } else if (rec.kind === RecordKind.DROPPED) droppedInRing += rec.length;
        });
      take();
      await reader.stop(); // posts the final totals, announcing the drops now that the ring is empty
      take();
      const stats = last()!;
      expect(exporter).toBe('127.0.0.1');
      expect(stats.datagrams).toBe(sent);
      expect(seq.length).toBeGreaterThan(500);
      expect(seq.length).toBeLessThan(sent);
      expect(seq).toEqual([...Array(seq.length).keys()]); // the first ones, in order, none skipped
      expect(stats.queueDrops).toBe(sent - seq.length);
      expect(droppedInRing).toBe(sent - seq.length);
    },
  );
});
