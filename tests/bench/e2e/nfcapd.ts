/** End-to-end benchmark adapter for nfdump's nfcapd (NetFlow v9 / IPFIX; counted with `nfdump -R DIR -I`). */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { start, stopChild, udpSockets, waitFor } from './processes.js';
import type { RunCtx, Running } from './types.js';

export async function startNfcapd(ctx: RunCtx): Promise<Running> {
  const flows = join(ctx.dir, 'flows');
  mkdirSync(flows, { recursive: true });
  const p = start('nfcapd', [
    '-b',
    '127.0.0.1',
    '-p',
    String(ctx.port),
    '-w',
    flows,
    '-t',
    '60',
    '-B',
    String(ctx.opts.recvBufferBytes),
  ]);
  await waitFor('nfcapd socket', 15_000, () =>
    udpSockets(ctx.port).length > 0
      ? true
      : p.child.exitCode !== null
        ? Promise.reject(new Error(`nfcapd exited: ${p.out().slice(-500)}`))
        : null,
  );
  return {
    daemon: 'nfcapd',
    pid: p.child.pid,
    settle: async () => ({}),
    stop: async () => ({ ...(await stopChild(p.child, p.exited, 'SIGTERM', 20_000)) }),
    count: async () => {
      const r = spawnSync('nfdump', ['-R', flows, '-I'], { encoding: 'utf8', timeout: 120_000 });
      const m = /^Flows:\s*(\d+)/m.exec(r.stdout ?? '');
      const seq = /^Sequence failures:\s*(\d+)/m.exec(r.stdout ?? '');
      // nfcapd's own summary line(s) on stdout, one per file cycle.
      let logged = 0;
      for (const x of p.out().matchAll(/Ident: '[^']*' Flows: (\d+)/g)) logged += Number(x[1]);
      if (!m)
        throw new Error(
          `nfdump -I gave no Flows line: ${(r.stdout ?? '').slice(0, 300)} ${(r.stderr ?? '').slice(0, 300)}`,
        );
      return {
        stored: Number(m[1]),
        countedBy: 'nfdump -R DIR -I (Flows)',
        extra: { nfcapdSummaryFlows: logged, sequenceFailures: seq ? Number(seq[1]) : null },
      };
    },
    logTail: () => p.out().slice(-2000),
  };
}
