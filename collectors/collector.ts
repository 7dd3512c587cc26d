/**
 * Main-thread side of the collectors: starts the socket thread (UDP sockets → datagram ring) and the
 * decode thread (ring → decode → batches), hands the batches to the batch writer (ClickHouse stays on
 * this thread), turns both threads' stats into metrics and exporter status, and on stop drains
 * everything received: sockets closed first, then the ring consumed to the end. A crashed thread is
 * restarted; the ring and the decoder state (reloaded from disk) outlive it.
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
import { createDatagramRing } from './udp/datagram-ring.js';
import type {
  DecodeThreadOptions,
  DecodeToMain,
  ListenerState,
  MainToDecode,
  MainToSocket,
  SocketThreadOptions,
  SocketToMain,
} from './udp/protocol.js';

export interface BatchSink {
  enqueue(b: {
    id: string;
    table: string;
    format: 'JSONCompactEachRow' | 'RowBinary';
    body: string | Uint8Array;
    rows: number;
  }): void;
}

export interface CollectorHandle {
  readonly id: string;
  listeners(): ListenerState[];
  exporters(): { stats: ExporterStats[]; templates: Record<string, number>; atMs: number };
  kernelDrops(): Record<number, number>;
  /** The queue between the socket thread and the decode thread: datagrams dropped because it was full, bytes waiting, size. */
  queue(): { drops: number; bytes: number; capacity: number };
  healthy(): boolean;
  /** Replace the attribution keys (after a member import); kept for worker restarts. */
  setAssignments(list: AssignmentInterval[]): void;
  stop(): Promise<void>;
}

/** Stable per data directory, so exporter status rows of a restarted collector replace its old ones. */
export function collectorId(dataDir: string): string {
  const file = join(dataDir, 'collector', 'id');
  try {
    const id = readFileSync(file, 'utf8').trim();
    if (/^c[0-9a-f]{8}$/.test(id)) return id;
  } catch {
    /* first start */
  }
  const id = `c${randomBytes(4).toString('hex')}`;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${id}\n`);
  return id;
}

/** The built entry (dist/…/udp/NAME.js); under vitest the sources are TypeScript and load through tsx. */
function createThread(name: 'socket-entry' | 'decode-entry', workerData: unknown): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL(`./udp/${name}.js`, import.meta.url), { workerData });
  const entry = new URL(`./udp/${name}.ts`, import.meta.url).href;
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true, workerData });
}

export interface CollectorHooks {
  /** Fast-path detector candidates from the receiving thread. */
  onAlerts?: (candidates: AlertCandidate[]) => void;
  /** Detector settings input (validated); null disables the fast path. */
  security?: unknown;
  /** Exporter counters this collector stored before (exporter_status): health and last-seen survive a restart. */
  seedStats?: ExporterStats[];
}

export async function startCollector(
  config: Config,
  log: Logger,
  metrics: CollectorMetrics,
  sink: BatchSink,
  assignments: AssignmentInterval[] = [],
  hooks: CollectorHooks = {},
): Promise<CollectorHandle> {
  const id = collectorId(config.dataDir);
  const ring = createDatagramRing(config.IXMETER_UDP_QUEUE_BYTES);
  const socketOptions: SocketThreadOptions = {
    host: config.IXMETER_UDP_HOST,
    listeners: [
      { name: 'netflow', port: config.IXMETER_NETFLOW_PORT },
      { name: 'ipfix', port: config.IXMETER_IPFIX_PORT },
      { name: 'sflow', port: config.IXMETER_SFLOW_PORT },
    ].filter((l) => l.port !== 0),
    recvBufferBytes: config.IXMETER_UDP_RECV_BUFFER_BYTES,
    nice: config.IXMETER_UDP_RECEIVER_NICE,
    statsIntervalMs: 1000,
    ring,
  };
  const decodeOptions: DecodeThreadOptions = {
    collectorId: id,
    nice: config.IXMETER_UDP_DECODER_NICE,
    batchRows: config.IXMETER_BATCH_SIZE,
    batchMaxWaitMs: Math.max(20, Math.floor(config.IXMETER_FLUSH_INTERVAL_MS / 2)),
    samplingOverrides: config.IXMETER_SAMPLING_OVERRIDES,
    samplingDefaults: config.IXMETER_SAMPLING_DEFAULTS,
    templateHoldMs: config.IXMETER_TEMPLATE_HOLD_MS,
    statePath: join(config.dataDir, 'collector', 'decoder-state.json'),
    statsIntervalMs: 1000,
    assignments,
    security: hooks.security ?? null,
    ring,
    flowDirectionOverrides: config.IXMETER_FLOW_DIRECTION_OVERRIDES,
    corePorts: config.IXMETER_CORE_PORTS,
    activityFlushMs: Math.min(5000, Math.max(1000, config.IXMETER_FLUSH_INTERVAL_MS)),
    seedStats: hooks.seedStats ?? [],
  };
  let listeners: ListenerState[] = [];
  let last: { stats: ExporterStats[]; templates: Record<string, number>; atMs: number } = {
    stats: hooks.seedStats ?? [],
    templates: {},
    atMs: 0,
  };
  if (hooks.seedStats?.length) metrics.primeExporterStats(hooks.seedStats);
  let stopping = false;
  const crashed = { socket: false, decode: false };
  let onClosed: (() => void) | null = null;
  let onStopped: (() => void) | null = null;
  let queue = { drops: 0, bytes: 0, capacity: config.IXMETER_UDP_QUEUE_BYTES };
  let lastSocketDrops = 0; // the socket thread's running total (restarts at 0 with the thread)

  /** Starts a thread; restarts it 1 s after an unexpected exit (the ring and the decoder state outlive it). */
  function supervise<M>(
    name: 'socket' | 'decode',
    spawn: () => Worker,
    onMessage: (m: M) => void,
    started: (m: M) => boolean,
  ): { current: () => Worker; ready: Promise<void> } {
    let worker: Worker;
    let resolveReady!: () => void;
    const ready = new Promise<void>((r) => {
      resolveReady = r;
    });
    const launch = (): void => {
      worker = spawn();
      worker.on('message', (m: M) => {
        if (started(m)) {
          crashed[name] = false;
          resolveReady();
        }
        onMessage(m);
      });
      worker.once('error', (err) => {
        log.error({ err, thread: name }, 'collector thread crashed');
        crashed[name] = true;
      });
      worker.once('exit', (code) => {
        if (stopping) return;
        crashed[name] = true;
        log.error({ code, thread: name }, 'collector thread exited; restarting in 1 s');
        setTimeout(() => {
          if (!stopping) launch();
        }, 1000).unref();
      });
    };
    launch();
    return { current: () => worker, ready };
  }

  const decode = supervise<DecodeToMain>(
    'decode',
    () => createThread('decode-entry', decodeOptions),
    (m) => {
      switch (m.type) {
        case 'batch':
          sink.enqueue(m.batch);
          break;
        case 'stats':
          last = { stats: m.exporters, templates: m.templates, atMs: m.atMs };
          metrics.applyExporterStats(m.exporters, m.templates);
          break;
        case 'log':
          log[m.level]({ component: 'collector', thread: 'decode', ...m.data }, m.msg);
          break;
        case 'alerts':
          hooks.onAlerts?.(m.candidates);
          break;
        case 'stopped':
          onStopped?.();
          break;
        case 'ready':
          break;
      }
    },
    (m) => m.type === 'ready',
  );
  await decode.ready;

  let resolveListening!: (l: ListenerState[]) => void;
  const listening = new Promise<ListenerState[]>((r) => {
    resolveListening = r;
  });
  const socket = supervise<SocketToMain>(
    'socket',
    () => createThread('socket-entry', socketOptions),
    (m) => {
      switch (m.type) {
        case 'listening':
          listeners = m.listeners;
          resolveListening(m.listeners);
          break;
        case 'socket-stats': {
          // Running totals since the thread started: a smaller total means a restarted thread counting from 0.
          const newDrops = m.queueDrops >= lastSocketDrops ? m.queueDrops - lastSocketDrops : m.queueDrops;
          lastSocketDrops = m.queueDrops;
          queue = { drops: queue.drops + newDrops, bytes: m.queueBytes, capacity: m.queueCapacity };
          metrics.applySocketStats(m, newDrops);
          break;
        }
        case 'log':
          log[m.level]({ component: 'collector', thread: 'socket', ...m.data }, m.msg);
          break;
        case 'closed':
          onClosed?.();
          break;
      }
    },
    (m) => m.type === 'listening',
  );
  listeners = await listening;
  for (const l of listeners) {
    if (!l.bound) log.error({ listener: l.name, port: l.port, error: l.error }, 'collector port not bound');
    else if ((l.recvBufferBytes ?? 0) < config.IXMETER_UDP_RECV_BUFFER_BYTES) {
      log.warn(
        { listener: l.name, asked: config.IXMETER_UDP_RECV_BUFFER_BYTES, got: l.recvBufferBytes },
        'UDP receive buffer capped by the kernel: raise net.core.rmem_max (sysctl -w net.core.rmem_max=67108864)',
      );
    }
  }
  log.info(
    { listeners: listeners.map((l) => `${l.name}:${l.port}${l.bound ? '' : ' (not bound)'}`) },
    'collectors listening',
  );

  const boundPorts = () => new Set(listeners.filter((l) => l.bound).map((l) => l.port));
  let drops: Record<number, number> = {};
  const dropTimer = setInterval(() => {
    drops = Object.fromEntries(readKernelDrops(boundPorts()));
    for (const [p, n] of Object.entries(drops)) metrics.kernelDrops.set({ port: p }, n);
  }, 5000);
  dropTimer.unref();

  /** Posts `message` to a thread and waits until `set`'s callback is called (its reply), the thread exits, or 15 s. */
  function until(
    w: Worker,
    set: (f: (() => void) | null) => void,
    message: MainToSocket | MainToDecode,
  ): Promise<void> {
    return new Promise<void>((resolve) => {
      set(resolve);
      w.once('exit', () => resolve());
      setTimeout(resolve, 15_000).unref();
      w.postMessage(message);
    });
  }

  return {
    id,
    listeners: () => listeners,
    exporters: () => last,
    kernelDrops: () => drops,
    queue: () => queue,
    healthy: () => !crashed.socket && !crashed.decode && listeners.every((l) => l.bound),
    setAssignments(list) {
      decodeOptions.assignments = list;
      decode.current().postMessage({ type: 'assignments', list } satisfies MainToDecode);
    },
    async stop() {
      stopping = true;
      clearInterval(dropTimer);
      // Sockets first; then the decode thread consumes everything they queued, flushes and saves its state.
      await until(
        socket.current(),
        (f) => {
          onClosed = f;
        },
        { type: 'stop' },
      );
      await socket.current().terminate();
      await until(
        decode.current(),
        (f) => {
          onStopped = f;
        },
        { type: 'stop' },
      );
      await decode.current().terminate();
    },
  };
}
