/**
 * Main-thread side of the collectors: starts the receiving worker thread, hands its batches to the
 * batch writer (ClickHouse stays on this thread), turns its stats into metrics and exporter status,
 * and on stop drains everything received. A crashed worker is restarted (state reloads from disk).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Config } from '../src/config/load.js';
import type { Logger } from '../src/shared/logger.js';
import type { CollectorMetrics } from './collector-metrics.js';
import { readKernelDrops } from './kernel-drops.js';
import type { ExporterStats } from './pipeline/exporter-stats.js';
import type { AssignmentInterval } from './pipeline/attribution.js';
import type { AlertCandidate } from '../src/security/types.js';
import type { ListenerState, MainToWorker, ReceiverOptions, WorkerToMain } from './udp/protocol.js';

export interface BatchSink {
  enqueue(b: { id: string; table: string; format: 'JSONCompactEachRow' | 'RowBinary'; body: string | Uint8Array; rows: number }): void;
}

export interface CollectorHandle {
  readonly id: string;
  listeners(): ListenerState[];
  exporters(): { stats: ExporterStats[]; templates: Record<string, number>; atMs: number };
  kernelDrops(): Record<number, number>;
  healthy(): boolean;
  /** Replace the attribution keys (after a member import); kept for worker restarts. */
  setAssignments(list: AssignmentInterval[]): void;
  stop(): Promise<void>;
}

/** The built worker (dist/…/worker-entry.js); under vitest the sources are TypeScript and load through tsx. */
/** Stable per data directory, so exporter status rows of a restarted collector replace its old ones. */
function collectorId(dataDir: string): string {
  const file = join(dataDir, 'collector', 'id');
  try {
    const id = readFileSync(file, 'utf8').trim();
    if (/^c[0-9a-f]{8}$/.test(id)) return id;
  } catch { /* first start */ }
  const id = `c${randomBytes(4).toString('hex')}`;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${id}\n`);
  return id;
}

function createReceiverWorker(workerData: ReceiverOptions): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./udp/worker-entry.js', import.meta.url), { workerData });
  const entry = new URL('./udp/worker-entry.ts', import.meta.url).href;
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true, workerData });
}

export interface CollectorHooks {
  /** Fast-path detector candidates from the receiving thread. */
  onAlerts?: (candidates: AlertCandidate[]) => void;
  /** Detector settings input (validated); null disables the fast path. */
  security?: unknown;
}

export async function startCollector(config: Config, log: Logger, metrics: CollectorMetrics, sink: BatchSink, assignments: AssignmentInterval[] = [], hooks: CollectorHooks = {}): Promise<CollectorHandle> {
  const id = collectorId(config.dataDir);
  const listenersCfg = [
    { name: 'netflow', port: config.IXMETER_NETFLOW_PORT },
    { name: 'ipfix', port: config.IXMETER_IPFIX_PORT },
    { name: 'sflow', port: config.IXMETER_SFLOW_PORT },
  ].filter((l) => l.port !== 0);
  const options: ReceiverOptions = {
    collectorId: id,
    host: config.IXMETER_UDP_HOST,
    listeners: listenersCfg,
    recvBufferBytes: config.IXMETER_UDP_RECV_BUFFER_BYTES,
    receiverNice: config.IXMETER_UDP_RECEIVER_NICE,
    batchRows: config.IXMETER_BATCH_SIZE,
    batchMaxWaitMs: Math.max(20, Math.floor(config.IXMETER_FLUSH_INTERVAL_MS / 2)),
    samplingOverrides: config.IXMETER_SAMPLING_OVERRIDES,
    samplingDefaults: config.IXMETER_SAMPLING_DEFAULTS,
    templateHoldMs: config.IXMETER_TEMPLATE_HOLD_MS,
    statePath: join(config.dataDir, 'collector', 'decoder-state.json'),
    statsIntervalMs: 1000,
    assignments,
    security: hooks.security ?? null,
  };
  let listeners: ListenerState[] = [];
  let last: { stats: ExporterStats[]; templates: Record<string, number>; atMs: number } = { stats: [], templates: {}, atMs: 0 };
  let worker: Worker;
  let stopping = false;
  let crashed = false;
  let onStopped: (() => void) | null = null;

  function handle(m: WorkerToMain): void {
    switch (m.type) {
      case 'batch': sink.enqueue(m.batch); break;
      case 'stats':
        last = { stats: m.exporters, templates: m.templates, atMs: m.atMs };
        metrics.applyExporterStats(m.exporters, m.templates);
        metrics.socketErrors.set(m.socketErrors);
        break;
      case 'log': log[m.level]({ component: 'collector', ...m.data }, m.msg); break;
      case 'listening': break;
      case 'alerts': hooks.onAlerts?.(m.candidates); break;
      case 'stopped': onStopped?.(); break;
    }
  }

  function spawnWorker(): Promise<ListenerState[]> {
    worker = createReceiverWorker(options);
    return new Promise((resolve, reject) => {
      worker.on('message', (m: WorkerToMain) => {
        if (m.type === 'listening') resolve(m.listeners);
        handle(m);
      });
      worker.once('error', (err) => {
        log.error({ err }, 'collector worker crashed');
        crashed = true;
        reject(err);
      });
      worker.once('exit', (code) => {
        if (stopping) return;
        log.error({ code }, 'collector worker exited; restarting in 1 s');
        crashed = true;
        setTimeout(() => {
          if (!stopping) void spawnWorker().then((l) => { listeners = l; crashed = false; }, () => undefined);
        }, 1000).unref();
      });
    });
  }

  listeners = await spawnWorker();
  for (const l of listeners) {
    if (!l.bound) log.error({ listener: l.name, port: l.port, error: l.error }, 'collector port not bound');
    else if ((l.recvBufferBytes ?? 0) < config.IXMETER_UDP_RECV_BUFFER_BYTES) {
      log.warn({ listener: l.name, asked: config.IXMETER_UDP_RECV_BUFFER_BYTES, got: l.recvBufferBytes },
        'UDP receive buffer capped by the kernel: raise net.core.rmem_max (sysctl -w net.core.rmem_max=67108864)');
    }
  }
  log.info({ listeners: listeners.map((l) => `${l.name}:${l.port}${l.bound ? '' : ' (not bound)'}`) }, 'collectors listening');

  const boundPorts = () => new Set(listeners.filter((l) => l.bound).map((l) => l.port));
  let drops: Record<number, number> = {};
  const dropTimer = setInterval(() => {
    drops = Object.fromEntries(readKernelDrops(boundPorts()));
    for (const [p, n] of Object.entries(drops)) metrics.kernelDrops.set({ port: p }, n);
  }, 5000);
  dropTimer.unref();

  return {
    id,
    listeners: () => listeners,
    exporters: () => last,
    kernelDrops: () => drops,
    healthy: () => !crashed && listeners.every((l) => l.bound),
    setAssignments(list) {
      options.assignments = list;
      worker.postMessage({ type: 'assignments', list } satisfies MainToWorker);
    },
    async stop() {
      stopping = true;
      clearInterval(dropTimer);
      const done = new Promise<void>((resolve) => {
        onStopped = resolve;
        worker.once('exit', () => resolve());
        setTimeout(resolve, 15_000).unref();
      });
      worker.postMessage({ type: 'stop' } satisfies MainToWorker);
      await done;
      await worker.terminate();
    },
  };
}
