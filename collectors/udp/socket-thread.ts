/**
 * The socket thread: binds the collector's UDP sockets and copies every datagram into the
 * datagram ring, with its receive time and exporter — nothing else, so that it always keeps up
 * with the kernel (decoding, attribution, detection and batching run in the decode thread). When
 * the ring is full the datagram is dropped here and counted per exporter; the count reaches the
 * decode thread in the ring itself (a DROPPED record, as soon as there is room) so exporter health
 * shows it as `queue_full`, and the main thread gets running totals for the metrics every second.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { RecordKind, RingWriter } from './datagram-ring.js';
import { applyThreadNice } from './thread-priority.js';
import type { ListenerState, SocketThreadOptions, SocketToMain } from './protocol.js';

/** Exporter ids are 16 bits in the ring; past that the table restarts (ids are re-announced). */
const MAX_EXPORTER_IDS = 65_535;
const enc = new TextEncoder();
const nap = new Int32Array(new SharedArrayBuffer(4));

export interface SocketReader {
  start(): Promise<ListenerState[]>;
  /** Closes the sockets; every datagram received before is in the ring (or counted as dropped). */
  stop(): Promise<void>;
}

export function createSocketReader(opts: SocketThreadOptions, post: (m: SocketToMain) => void): SocketReader {
  const ring = new RingWriter(opts.ring);
  const sockets: Socket[] = [];
  const ids = new Map<string, number>();
  /** Drops not yet announced in the ring, by exporter id. */
  const unannounced = new Map<number, number>();
  let datagrams = 0,
    bytes = 0,
    dropped = 0,
    socketErrors = 0;
  let statsTimer: NodeJS.Timeout | null = null;

  function exporterId(address: string, now: number): number {
    const known = ids.get(address);
    if (known !== undefined) return known;
    if (ids.size >= MAX_EXPORTER_IDS) {
      announceDrops(now);
      ids.clear();
      unannounced.clear();
    }
    const id = ids.size;
    if (!ring.write(RecordKind.EXPORTER, id, 0, 0, now, enc.encode(address))) return -1;
    ids.set(address, id);
    return id;
  }

  function announceDrops(now: number): void {
    for (const [id, n] of unannounced) {
      if (!ring.write(RecordKind.DROPPED, id, 0, 0, now, null, n)) return;
      unannounced.delete(id);
    }
  }

  function onMessage(listener: number, msg: Buffer, rinfo: RemoteInfo): void {
    const now = Date.now();
    datagrams++;
    bytes += msg.length;
    const id = exporterId(rinfo.address, now);
    if (unannounced.size > 0 && id >= 0) announceDrops(now);
    if (id >= 0 && ring.write(RecordKind.DATAGRAM, id, rinfo.port, listener, now, msg)) return;
    dropped++;
    // Without an id (the ring was too full to announce the exporter) the drop is counted in the totals only.
    if (id >= 0) unannounced.set(id, (unannounced.get(id) ?? 0) + 1);
    // Overload: the decode thread is behind. Reading datagrams only to drop them would take the CPU it
    // needs (measured: at 2× capacity it stored less than half of what it stores at capacity), so this
    // thread pauses 1 ms per refused datagram; meanwhile the kernel queues, and beyond its buffer drops
    // (cheaply, counted in ixmeter_collector_kernel_drops).
    Atomics.wait(nap, 0, 0, 1);
  }

  function bind(l: { name: string; port: number }, index: number): Promise<ListenerState> {
    return new Promise((resolve) => {
      const type = isIPv6(opts.host) ? 'udp6' : 'udp4';
      const sock = createSocket({ type, ipv6Only: false, recvBufferSize: opts.recvBufferBytes });
      sock.on('message', (msg, rinfo) => onMessage(index, msg, rinfo));
      sock.once('error', (e) => resolve({ name: l.name, port: l.port, bound: false, error: e.message }));
      sock.bind({ port: l.port, address: opts.host, exclusive: true }, () => {
        sock.removeAllListeners('error');
        sock.on('error', () => {
          socketErrors++;
        });
        let rcv = 0;
        try {
          sock.setRecvBufferSize(opts.recvBufferBytes);
        } catch {
          /* capped by net.core.rmem_max; reported below */
        }
        try {
          rcv = sock.getRecvBufferSize();
        } catch {
          rcv = 0;
        }
        sockets.push(sock);
        resolve({ name: l.name, port: sock.address().port, bound: true, recvBufferBytes: rcv });
      });
    });
  }

  function postStats(): void {
    if (unannounced.size > 0) announceDrops(Date.now());
    post({
      type: 'socket-stats',
      datagrams,
      bytes,
      queueDrops: dropped,
      queueBytes: ring.usedBytes(),
      queueCapacity: ring.capacity,
      socketErrors,
    });
  }

  return {
    async start() {
      applyThreadNice(opts.nice, 'UDP socket', post);
      const states = await Promise.all(opts.listeners.map(bind));
      statsTimer = setInterval(postStats, opts.statsIntervalMs);
      return states;
    },
    async stop() {
      await Promise.all(sockets.map((s) => new Promise<void>((r) => s.close(() => r()))));
      if (statsTimer) clearInterval(statsTimer);
      // Drops still unannounced when the ring stays full are in the totals posted here.
      postStats();
    },
  };
}
