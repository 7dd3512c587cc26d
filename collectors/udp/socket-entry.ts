/** Worker-thread entry of the socket thread: binds the sockets, fills the datagram ring. */
import { parentPort, workerData } from 'node:worker_threads';
import type { MainToSocket, SocketThreadOptions, SocketToMain } from './protocol.js';
import { createSocketReader } from './socket-thread.js';

const port = parentPort;
if (!port) throw new Error('socket-entry must run in a worker thread');
const post = (m: SocketToMain) => port.postMessage(m);
const reader = createSocketReader(workerData as SocketThreadOptions, post);

port.on('message', (m: MainToSocket) => {
  if (m.type === 'stop') {
    void reader.stop().then(() => {
      post({ type: 'closed' });
      port.close();
    });
  }
});

reader.start().then(
  (listeners) => post({ type: 'listening', listeners }),
  (e: unknown) => {
    post({ type: 'log', level: 'error', msg: `collector sockets failed: ${(e as Error).message}` });
    post({ type: 'listening', listeners: [] });
  },
);
