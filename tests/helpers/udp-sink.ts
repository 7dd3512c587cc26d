/**
 * A UDP sink on 127.0.0.1 (ephemeral port) that keeps every datagram as a `RawDatagram`.
 */
import { createSocket, type Socket } from 'node:dgram';
import type { RawDatagram } from '../../collectors/decoders/types.js';

export interface UdpSink {
  readonly port: number;
  readonly address: string;
  /** Every datagram received so far, in arrival order. */
  readonly datagrams: RawDatagram[];
  /** Resolve once no datagram has arrived for `quietMs` (and at least `minCount` arrived); reject after `timeoutMs`. */
  waitQuiet(quietMs: number, opts?: { timeoutMs?: number; minCount?: number }): Promise<RawDatagram[]>;
  close(): Promise<void>;
}

export async function startUdpSink(opts: { host?: string; recvBufferSize?: number } = {}): Promise<UdpSink> {
  const host = opts.host ?? '127.0.0.1';
  const sock: Socket = createSocket({
    type: host.includes(':') ? 'udp6' : 'udp4',
    recvBufferSize: opts.recvBufferSize ?? 8 * 1024 * 1024,
  });
  const datagrams: RawDatagram[] = [];
  let lastAt = Date.now();
  sock.on('message', (msg, rinfo) => {
    lastAt = Date.now();
    datagrams.push({
      receivedAtMs: lastAt,
      exporter: rinfo.address,
      exporterPort: rinfo.port,
      payload: new Uint8Array(msg),
    });
  });
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(0, host, () => {
      sock.off('error', reject);
      resolve();
    });
  });
  let closed = false;
  return {
    port: sock.address().port,
    address: host,
    datagrams,
    waitQuiet(quietMs, o = {}) {
      const timeoutMs = o.timeoutMs ?? 30_000;
      const minCount = o.minCount ?? 0;
      const t0 = Date.now();
      return new Promise((resolve, reject) => {
        const tick = () => {
          const now = Date.now();
          if (datagrams.length >= minCount && now - lastAt >= quietMs && now - t0 >= quietMs) return resolve(datagrams);
          if (now - t0 > timeoutMs) {
            return reject(
              new Error(
                `udp sink: not quiet after ${timeoutMs} ms (${datagrams.length} datagrams, wanted >= ${minCount})`,
              ),
            );
          }
          setTimeout(tick, Math.min(50, quietMs));
        };
        tick();
      });
    },
    close() {
      if (closed) return Promise.resolve();
      closed = true;
      return new Promise((resolve) => sock.close(() => resolve()));
    },
  };
}
