/**
 * End-to-end collector comparison: ixmeter (`node bin/ixmeter.js serve`, embedded ClickHouse) vs
 * nfdump's nfcapd and pmacct's nfacctd (sfacctd for sFlow). Each run offers the same datagrams
 * (tests/bench/udp-blaster.ts) at the same target rate to one freshly started collector with its own
 * temp data dir and ports on 127.0.0.1, waits until the collector has drained, stops it gracefully
 * and counts what it stored:
 *
 * - ixmeter: rows in `flows_raw` — counted in chDB after SIGTERM (flushes everything), falling back
 *   to `ixmeter_writer_rows_total{table="flows_raw"}` from /metrics;
 * - nfcapd: `nfdump -R DIR -I` "Flows:" after SIGTERM (the file is closed on exit);
 * - nfacctd/sfacctd: Σ PACKETS in the print plugin's CSV output after SIGINT (the cache is purged on
 *   exit). The blaster's records carry packets = 1 and sFlow samples count one packet each
 *   (no renormalization), so Σ PACKETS = flow records received.
 *
 * Every collector asks for SO_RCVBUF = 32 MiB (nfcapd -B, pmacct *_pipe_size, ixmeter's default
 * IXMETER_UDP_RECV_BUFFER_BYTES); net.core.rmem_max is raised to 64 MiB first when running as root
 * and restored at the end. Per run the kernel's drop counter of the collector's socket
 * (/proc/net/udp "drops") and the collector's CPU time (/proc/PID/stat, process + children) are
 * recorded. Every child process is started by e2e/processes.ts, tracked by pid and killed at the end.
 *
 * This file holds the run loop (one run per protocol × rate × collector) and the public API;
 * e2e/types.ts the types, e2e/processes.ts the process and /proc helpers, e2e/nfcapd.ts,
 * e2e/pmacct.ts and e2e/ixmeter.ts the collector adapters, e2e/markdown.ts the Markdown report.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blast, type BlastProtocol } from './udp-blaster.js';
import { startIxmeter } from './e2e/ixmeter.js';
import { startNfcapd } from './e2e/nfcapd.js';
import { startPmacct } from './e2e/pmacct.js';
import {
  cpuSeconds,
  freeTcpPort,
  freeUdpPort,
  killAllChildren,
  readRmemMax,
  setRmemMax,
  start,
  stopChild,
  udpSockets,
  version,
  waitCpuIdle,
  waitFor,
  waitRxEmpty,
} from './e2e/processes.js';
import type { CollectorName, E2eOptions, E2eReport, RunCtx, RunResult, Running } from './e2e/types.js';

export { COLLECTORS, type CollectorName, type E2eOptions, type E2eReport, type RunResult } from './e2e/types.js';
export { killAllChildren, udpSockets } from './e2e/processes.js';
export { e2eMarkdown } from './e2e/markdown.js';

const RMEM_WANTED = 64 * 1024 * 1024;

const STARTERS: Record<CollectorName, (ctx: RunCtx) => Promise<Running>> = {
  ixmeter: startIxmeter,
  nfcapd: startNfcapd,
  nfacctd: startPmacct,
};

function supports(c: CollectorName, proto: BlastProtocol): boolean {
  return !(c === 'nfcapd' && proto === 'sflow'); // Debian's nfdump has no sfcapd
}

async function oneRun(
  c: CollectorName,
  protocol: BlastProtocol,
  rate: number,
  ctx0: Omit<RunCtx, 'dir' | 'port' | 'protocol'>,
  root: string,
): Promise<RunResult> {
  const dir = join(root, `run${ctx0.runId}-${c}-${protocol}-${rate || 'max'}`);
  mkdirSync(dir, { recursive: true });
  const port = await freeUdpPort();
  const res: RunResult = {
    collector: c,
    daemon: c,
    protocol,
    targetFlowsPerSecond: rate,
    sent: null,
    stored: null,
    countedBy: '',
    lossPct: null,
    sustainedFlowsPerSecond: null,
    socketDrainSeconds: null,
    kernelDrops: null,
    cpuSeconds: null,
    cpuPctOfCore: null,
    cpuSecondsPerMillionFlows: null,
    drainSeconds: null,
    storedSeconds: null,
    extra: {},
  };
  let r: Running | null = null;
  try {
    const t0 = Date.now();
    r = await STARTERS[c]({ ...ctx0, dir, port, protocol });
    res.daemon = r.daemon;
    res.extra.startSeconds = (Date.now() - t0) / 1000;
    const drops0 = udpSockets(port).reduce((s, x) => s + x.drops, 0);
    const cpu0 = cpuSeconds(r.pid);
    const b = await blast({ protocol, port, flowsPerSecond: rate, durationMs: ctx0.opts.durationMs });
    const tEnd = Date.now();
    r.trackRows?.();
    const cpuBlast = cpuSeconds(r.pid);
    res.sent = {
      datagrams: b.datagrams,
      templateDatagrams: b.templateDatagrams,
      flows: b.flows,
      bytes: b.bytes,
      sendErrors: b.sendErrors,
      elapsedMs: b.elapsedMs,
      offeredFlowsPerSecond: b.offeredFlowsPerSecond,
    };
    const emptyAt = await waitRxEmpty(port, 500, 60_000);
    res.socketDrainSeconds = Math.max(0, (emptyAt - tEnd) / 1000);
    await waitCpuIdle(r.pid, 60_000);
    const settled = await r.settle(Date.now() + 60_000);
    Object.assign(res.extra, settled);
    if (typeof settled.lastRowsAtMs === 'number') res.storedSeconds = Math.max(0, (settled.lastRowsAtMs - tEnd) / 1000);
    res.drainSeconds = (Date.now() - tEnd) / 1000;
    res.kernelDrops = udpSockets(port).reduce((s, x) => s + x.drops, 0) - drops0;
    const cpu1 = cpuSeconds(r.pid);
    if (cpu0 !== null && cpu1 !== null) res.cpuSeconds = Math.round((cpu1 - cpu0) * 100) / 100;
    if (cpu0 !== null && cpuBlast !== null)
      res.cpuPctOfCore = Math.round(((cpuBlast - cpu0) / (b.elapsedMs / 1000)) * 100);
    const t1 = Date.now();
    Object.assign(res.extra, await r.stop());
    const t2 = Date.now();
    const n = await r.count();
    res.extra.stopSeconds = (t2 - t1) / 1000;
    res.extra.countSeconds = (Date.now() - t2) / 1000;
    res.stored = n.stored;
    res.countedBy = n.countedBy;
    Object.assign(res.extra, n.extra ?? {});
    res.lossPct = b.flows > 0 ? Math.max(0, ((b.flows - n.stored) / b.flows) * 100) : null;
    res.sustainedFlowsPerSecond =
      n.stored / (b.elapsedMs / 1000 + Math.max(res.socketDrainSeconds, res.storedSeconds ?? 0));
    if (res.cpuSeconds !== null && n.stored > 0)
      res.cpuSecondsPerMillionFlows = Math.round((res.cpuSeconds / (n.stored / 1e6)) * 100) / 100;
  } catch (e) {
    res.error = e instanceof Error ? e.message : String(e);
    if (r) res.extra.logTail = r.logTail();
  } finally {
    if (r) await r.stop().catch(() => undefined);
    if (!ctx0.opts.keepDirs) rmSync(dir, { recursive: true, force: true });
  }
  return res;
}

async function startRedis(dir: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await freeTcpPort();
  mkdirSync(dir, { recursive: true });
  const p = start('redis-server', [
    '--bind',
    '127.0.0.1',
    '--port',
    String(port),
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    'no',
    '--daemonize',
    'no',
    '--protected-mode',
    'yes',
  ]);
  await waitFor('redis-server', 10_000, () =>
    /Ready to accept connections/.test(p.out())
      ? true
      : p.child.exitCode !== null
        ? Promise.reject(new Error(`redis-server exited: ${p.out().slice(-500)}`))
        : null,
  );
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      await stopChild(p.child, p.exited, 'SIGTERM', 5_000);
    },
  };
}

export async function runE2e(opts: E2eOptions): Promise<E2eReport> {
  const report: E2eReport = {
    startedAt: new Date().toISOString(),
    rmemMax: { before: readRmemMax(), used: null, restored: false },
    recvBufferBytes: opts.recvBufferBytes,
    durationMs: opts.durationMs,
    versions: {},
    runs: [],
    ixmeterZeroLoss: [],
    unavailable: {},
  };
  const isRoot = process.getuid?.() === 0;
  const before = report.rmemMax.before;
  let raised = false;
  if (isRoot && before !== null && before < RMEM_WANTED) raised = setRmemMax(RMEM_WANTED);
  report.rmemMax.used = readRmemMax();
  report.versions = {
    node: process.version,
    nfcapd: version('nfcapd', ['-V'], /Version:\s*\S+/),
    nfacctd: version('nfacctd', ['-V'], /nfacctd \S+/),
    sfacctd: version('sfacctd', ['-V'], /sfacctd \S+/),
  };
  const root = mkdtempSync(join(tmpdir(), 'ixmeter-bench-'));
  const onSignal = () => {
    killAllChildren();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const onExit = () => killAllChildren();
  process.once('exit', onExit);
  let redis: { url: string; stop: () => Promise<void> } | null = null;
  try {
    const collectors = opts.collectors.filter((c) => {
      if (c === 'ixmeter') {
        if (
          !existsSync(join(opts.repoRoot, 'dist/src/cli/main.js')) &&
          !existsSync(join(opts.repoRoot, 'bin/ixmeter.js'))
        ) {
          report.unavailable.ixmeter = 'not built';
          return false;
        }
        return true;
      }
      const bin = c === 'nfcapd' ? 'nfcapd' : 'nfacctd';
      if (spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0) {
        report.unavailable[c] = `${bin} not installed`;
        return false;
      }
      return true;
    });
    if (collectors.includes('ixmeter')) {
      try {
        redis = await startRedis(join(root, 'redis'));
      } catch (e) {
        report.unavailable.ixmeter = `no redis-server: ${String(e)}`;
      }
    }
    let runId = 0;
    for (const protocol of opts.protocols) {
      for (const rate of opts.rates) {
        for (const c of collectors) {
          if (!supports(c, protocol) || report.unavailable[c]) continue;
          runId++;
          opts.log(`e2e ${protocol} @ ${rate ? `${rate} flows/s` : 'max'} → ${c} …`);
          const r = await oneRun(c, protocol, rate, { opts, runId, redisUrl: redis?.url ?? null }, root);
          report.runs.push(r);
          opts.log(
            r.error
              ? `  ${r.daemon}: ERROR ${r.error.slice(0, 300)}`
              : `  ${r.daemon}: sent ${r.sent?.flows} flows (${Math.round(r.sent?.offeredFlowsPerSecond ?? 0)}/s), stored ${r.stored}, loss ${r.lossPct?.toFixed(2)}%, kernel drops ${r.kernelDrops}, cpu ${r.cpuPctOfCore}%`,
          );
          // A collector that cannot even start is not retried at every step.
          if (r.error && r.sent === null) report.unavailable[c] = `failed to start: ${r.error.slice(0, 500)}`;
        }
      }
    }
  } finally {
    if (redis) await redis.stop().catch(() => undefined);
    killAllChildren();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', onExit);
    if (!opts.keepDirs) rmSync(root, { recursive: true, force: true });
    if (raised && before !== null) report.rmemMax.restored = setRmemMax(before);
  }
  for (const protocol of opts.protocols) {
    const ok = report.runs.filter(
      (r) => r.collector === 'ixmeter' && r.protocol === protocol && r.lossPct === 0 && r.targetFlowsPerSecond > 0,
    );
    const best = ok.sort((a, b) => b.targetFlowsPerSecond - a.targetFlowsPerSecond)[0];
    const maxRun = report.runs.find(
      (r) => r.collector === 'ixmeter' && r.protocol === protocol && r.lossPct === 0 && r.targetFlowsPerSecond === 0,
    );
    const pick = maxRun ?? best;
    report.ixmeterZeroLoss.push({
      protocol,
      targetFlowsPerSecond: pick ? pick.targetFlowsPerSecond : null,
      sustainedFlowsPerSecond: pick?.sustainedFlowsPerSecond ?? null,
    });
  }
  return report;
}
