/** Test helper (worker thread): writes `count` numbered datagrams of varying size into a ring, retrying when full. */
import { parentPort, workerData } from 'node:worker_threads';
import { RecordKind, RingWriter } from '../datagram-ring.js';

const { ring, count } = workerData as { ring: SharedArrayBuffer; count: number };
const w = new RingWriter(ring);
let full = 0;
for (let i = 0; i < count; i++) {
  const len = 4 + ((i * 7919) % 1500);
  const p = new Uint8Array(len);
  new DataView(p.buffer).setUint32(0, i, true);
  for (let k = 4; k < len; k++) p[k] = (i + k) & 0xff;
  while (!w.write(RecordKind.DATAGRAM, i & 0xffff, 1000 + (i % 100), 0, i, p)) full++;
}
parentPort!.postMessage({ full });
