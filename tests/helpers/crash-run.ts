/**
 * One kill -9 under load: a real `ixmeter serve` receives NetFlow v9 from the bench blaster, is killed
 * with SIGKILL at the end of the blast, restarted (write-ahead files replayed), stopped, and its
 * flows_raw counted. Returns sent / stored / counted as dropped / still in the decode ring / lost.
 * Used by tests/e2e/crash-loss.e2e.test.ts and the bench (tests/bench/crash-loss.ts).
 */
import { join } from 'node:path';
import { blast } from '../bench/udp-blaster.js';
import { tempDir } from './env.js';
import { serveEnv } from './serve-env.js';
import { dumpDataDir } from './dump-data-dir.js';
import { spawnCli, waitForHealth, type Spawned } from './service.js';

interface Health {
  collectors: {
    writer: { inserted_rows: number; queued_rows: number; spooled_rows?: number };
    kernel_drops: Record<string, number>;
    decode_queue: { drops: number; bytes: number };
  };
}

export interface CrashRun {
  rate: number;
  offered: number;
  sent: number;
  stored: number;
  insertedBeforeKill: number;
  dropped: number;
  droppedDatagrams: number;
  backlog: number;
  lost: number;
  decodedLost: number;
  bound: number;
  lossSeconds: number;
}

export async function crashRun(o: {
  rate: number;
  durationMs: number;
  flushMs: number;
  writeAhead?: boolean;
}): Promise<CrashRun> {
  const dir = tempDir('ixmeter-crash-');
  const procs: Spawned[] = [];
  try {
    const data = join(dir.path, 'data');
    const {
      env,
      db,
      netflow: nf,
      url,
    } = await serveEnv('crash', data, {
      IXMETER_FLUSH_INTERVAL_MS: String(o.flushMs),
      IXMETER_WRITE_AHEAD: String(o.writeAhead ?? true),
    });
    const first = spawnCli(['serve'], env);
    procs.push(first);
    await waitForHealth(url, 60_000);
    let last: Health | undefined;
    const sampler = setInterval(
      () =>
        void fetch(`${url}/api/v1/health`)
          .then(async (r) => {
            last = (await r.json()) as Health;
          })
          .catch(() => undefined),
      200,
    );
    const sent = await blast({ protocol: 'netflow-v9', port: nf, flowsPerSecond: o.rate, durationMs: o.durationMs });
    first.child.kill('SIGKILL');
    clearInterval(sampler);
    await first.exited;
    const droppedDatagrams = last
      ? Object.values(last.collectors.kernel_drops).reduce((a, b) => a + b, 0) + last.collectors.decode_queue.drops
      : 0;
    const perDatagram = sent.flows / Math.max(1, sent.dataDatagrams);
    // Received but not yet decoded when the process died: the shared-memory ring is not durable.
    const backlog = Math.round(
      ((last?.collectors.decode_queue.bytes ?? 0) / Math.max(1, sent.bytes / sent.datagrams)) * perDatagram,
    );

    const second = spawnCli(['serve'], env);
    procs.push(second);
    await waitForHealth(url, 60_000);
    for (let i = 0; i < 240; i++) {
      const h = (await (await fetch(`${url}/api/v1/health`)).json()) as Health;
      if (i > 4 && h.collectors.writer.queued_rows === 0 && !h.collectors.writer.spooled_rows) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    second.child.kill('SIGTERM');
    if ((await second.exited) !== 0) throw new Error(`restarted serve exited badly: ${second.stderr().slice(-2000)}`);
    const stored = Number(dumpDataDir(data, db, { n: 'SELECT count() AS n FROM flows_raw' }).n![0]!.n);
    const dropped = Math.round(droppedDatagrams * perDatagram);
    const lost = sent.flows - stored - dropped;
    return {
      rate: o.rate,
      offered: Math.round(sent.offeredFlowsPerSecond),
      sent: sent.flows,
      stored,
      insertedBeforeKill: last?.collectors.writer.inserted_rows ?? 0,
      dropped,
      droppedDatagrams,
      backlog,
      lost,
      decodedLost: lost - backlog,
      bound: Math.ceil((sent.offeredFlowsPerSecond * (o.flushMs + 500)) / 1000),
      lossSeconds: lost / sent.offeredFlowsPerSecond,
    };
  } finally {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    dir.cleanup();
  }
}

export function crashLine(r: CrashRun): string {
  return (
    `sent ${r.sent} flows (${r.offered}/s offered); stored ${r.stored} (${r.insertedBeforeKill} seen inserted before the kill, the rest replayed at restart); ` +
    `counted dropped ${r.dropped} (${r.droppedDatagrams} datagrams); lost in the crash ${r.lost} = ${r.lossSeconds.toFixed(2)} s, of which ${r.backlog} still undecoded in the ring; ` +
    `decoded and lost ${r.decodedLost} (bound ${r.bound})`
  );
}
