/** Worker-thread entry of the decode thread: runs it and talks to the main thread by messages. */
import { parentPort, workerData } from 'node:worker_threads';
import type { DecodeThreadOptions, DecodeToMain, MainToDecode } from './protocol.js';
import { createDecodeThread } from './decode-thread.js';

const port = parentPort;
if (!port) throw new Error('decode-entry must run in a worker thread');
const post = (m: DecodeToMain, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer);
const thread = createDecodeThread(workerData as DecodeThreadOptions, post);

port.on('message', (m: MainToDecode) => {
  if (m.type === 'assignments') thread.setAssignments(m.list);
  if (m.type === 'stop') {
    void thread.stop().then(({ statePersisted }) => {
      post({ type: 'stopped', statePersisted });
      port.close();
    });
  }
});
thread.start();
