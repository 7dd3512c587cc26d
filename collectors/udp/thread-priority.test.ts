/** The receive thread's nice value applies to that thread only (Linux per-thread priority). */
import { getPriority } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/shared/paths.js';

describe('receive thread priority', () => {
  it('sets the nice value of the calling thread and leaves the rest of the process alone', async () => {
    const mod = join(packageRoot(), 'dist', 'collectors', 'udp', 'thread-priority.js');
    const code = `const { parentPort } = require('node:worker_threads');
      import(${JSON.stringify(mod)}).then((m) => parentPort.postMessage(m.setCurrentThreadNice(7)), (e) => parentPort.postMessage({ ok: false, reason: String(e) }));`;
    const before = getPriority();
    const w = new Worker(code, { eval: true });
    const res = await new Promise<{ ok: boolean; nice?: number; tid?: number; reason?: string }>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
    await w.terminate();
    expect(res).toMatchObject({ ok: true, nice: 7 });
    expect(res.tid).not.toBe(process.pid);
    expect(getPriority()).toBe(before);
  });
});
