/** Worker-thread entry of the collector: runs the receiver and talks to the main thread by messages. */
import { parentPort, workerData } from 'node:worker_threads';
import type { MainToWorker, ReceiverOptions, WorkerToMain } from './protocol.js';
import { createReceiver } from './receiver.js';

const port = parentPort;
if (!port) throw new Error('worker-entry must run in a worker thread');
const post = (m: WorkerToMain, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer);
const receiver = createReceiver(workerData as ReceiverOptions, post);

port.on('message', (m: MainToWorker) => {
  if (m.type === 'assignments') receiver.setAssignments(m.list);
  if (m.type === 'stop') {
    void receiver.stop().then(({ statePersisted }) => {
      post({ type: 'stopped', statePersisted });
      port.close();
    });
  }
});

receiver.start().then((listeners) => post({ type: 'listening', listeners }), (e: unknown) => {
  post({ type: 'log', level: 'error', msg: `collector start failed: ${(e as Error).message}` });
  post({ type: 'listening', listeners: [] });
});
