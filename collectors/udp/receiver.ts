/**
 * The receiving side, run inside a worker thread: UDP sockets → decode → rows → batches posted to
 * the main thread. Only cheap work per datagram; ClickHouse never runs here (chDB stays on the main
 * thread). State (templates, samplers, sequences) is restored at start and saved periodically and on stop.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { decodeDatagram, describeDecoderState, expireDecoderState, sniffProtocol, type DecoderState } from '../decoders/decode.js';
import { createSamplingPolicy } from '../sampling-policy.js';
import { ExporterStatsTable } from '../pipeline/exporter-stats.js';
import { counterRow } from '../pipeline/rows.js';
import { RowBinaryWriter } from '../pipeline/rowbinary.js';
import { Attributor, type AssignmentInterval } from '../pipeline/attribution.js';
import { createFastPathEngine } from '../../src/security/detectors/engine.js';
import { parseSecuritySettings } from '../../src/security/thresholds.js';
import { securityContext } from '../pipeline/security-context.js';
import { loadDecoderState, saveDecoderState } from '../pipeline/state-store.js';
import { setCurrentThreadNice } from './thread-priority.js';
import type { ListenerState, ReceiverOptions, WorkerToMain } from './protocol.js';

export interface Receiver {
  start(): Promise<ListenerState[]>;
  setAssignments(list: AssignmentInterval[]): void;
  stop(): Promise<{ statePersisted: boolean }>;
}

const STATE_SAVE_INTERVAL_MS = 30_000;

export function createReceiver(opts: ReceiverOptions, post: (m: WorkerToMain, transfer?: ArrayBuffer[]) => void): Receiver {
  const loaded = loadDecoderState(opts.statePath, { pendingHoldMs: opts.templateHoldMs });
  const state: DecoderState = loaded.state;
  if (loaded.error) post({ type: 'log', level: 'warn', msg: loaded.error });
  if (loaded.restored) post({ type: 'log', level: 'info', msg: 'decoder state restored (templates, samplers, sequences)', data: { path: opts.statePath } });
  const sampling = createSamplingPolicy(opts.samplingOverrides, opts.samplingDefaults);
  const stats = new ExporterStatsTable();
  const sockets: Socket[] = [];
  const timers: NodeJS.Timeout[] = [];
  const flows = new RowBinaryWriter();
  let counters: string[] = [];
  let batchSeq = 0;
  let socketErrors = 0;
  let stopped = false;
  let attributor = new Attributor(opts.assignments);
  const engine = opts.security ? createFastPathEngine(parseSecuritySettings(opts.security), securityContext(opts.assignments, Date.now())) : null;

  function flushRows(): void {
    if (flows.rows) {
      const rows = flows.rows;
      const body = flows.take();
      post({ type: 'batch', batch: { id: `${opts.collectorId}-${batchSeq++}`, table: 'flows_raw', format: 'RowBinary', body, rows } }, [body.buffer as ArrayBuffer]);
    }
    if (counters.length) {
      post({ type: 'batch', batch: { id: `${opts.collectorId}-${batchSeq++}`, table: 'interface_counters_raw', format: 'JSONCompactEachRow', body: counters.join('\n'), rows: counters.length } });
      counters = [];
    }
  }

  function onMessage(msg: Buffer, rinfo: RemoteInfo): void {
    if (stopped) return;
    const now = Date.now();
    const exporter = rinfo.address.startsWith('::ffff:') ? rinfo.address.slice(7) : rinfo.address;
    const s = stats.recordDatagram(exporter, sniffProtocol(msg), msg.length, now);
    const res = decodeDatagram({ receivedAtMs: now, exporter, exporterPort: rinfo.port, payload: msg }, state, sampling);
    stats.recordResult(s, res);
    for (const f of res.flows) {
      attributor.attribute(f);
      flows.flowRow(f);
      engine?.observe(f);
    }
    for (const c of res.counters) counters.push(counterRow(c));
    if (flows.rows >= opts.batchRows || counters.length >= opts.batchRows) flushRows();
  }

  function bind(l: { name: string; port: number }): Promise<ListenerState> {
    return new Promise((resolve) => {
      const type = isIPv6(opts.host) ? 'udp6' : 'udp4';
      const sock = createSocket({ type, ipv6Only: false, recvBufferSize: opts.recvBufferBytes });
      sock.on('message', onMessage);
      sock.once('error', (e) => resolve({ name: l.name, port: l.port, bound: false, error: e.message }));
      sock.bind({ port: l.port, address: opts.host, exclusive: true }, () => {
        sock.removeAllListeners('error');
        sock.on('error', () => { socketErrors++; });
        let rcv = 0;
        try {
          sock.setRecvBufferSize(opts.recvBufferBytes);
        } catch { /* capped by net.core.rmem_max; reported below */ }
        try { rcv = sock.getRecvBufferSize(); } catch { rcv = 0; }
        sockets.push(sock);
        resolve({ name: l.name, port: sock.address().port, bound: true, recvBufferBytes: rcv });
      });
    });
  }

  function postStats(): void {
    const described = describeDecoderState(state).netflow;
    const templates: Record<string, number> = {};
    for (const [exp, d] of Object.entries(described)) templates[exp] = (d as { templates?: number }).templates ?? 0;
    post({ type: 'stats', exporters: stats.snapshot(), templates, socketErrors, atMs: Date.now() });
  }

  function persist(): boolean {
    try {
      saveDecoderState(opts.statePath, state);
      return true;
    } catch (e) {
      post({ type: 'log', level: 'error', msg: `cannot save decoder state: ${(e as Error).message}` });
      return false;
    }
  }

  return {
    setAssignments(list) {
      attributor = new Attributor(list);
      engine?.setContext(securityContext(list, Date.now()));
      post({ type: 'log', level: 'info', msg: 'attribution keys loaded', data: { keys: list.length } });
    },
    async start() {
      if (opts.receiverNice !== null) {
        const p = setCurrentThreadNice(opts.receiverNice);
        if (p.ok) post({ type: 'log', level: 'info', msg: 'UDP receive thread priority set', data: { tid: p.tid, nice: p.nice } });
        else post({ type: 'log', level: 'warn', msg: `UDP receive thread keeps its priority: ${p.reason}`, data: { nice: opts.receiverNice } });
      }
      const states = await Promise.all(opts.listeners.map(bind));
      timers.push(setInterval(flushRows, opts.batchMaxWaitMs));
      timers.push(setInterval(() => {
        const exp = expireDecoderState(state, Date.now());
        for (const [reason, n] of Object.entries(exp.errors)) if (n) stats.recordExpiry('pending', reason, n, Date.now());
      }, 1000));
      timers.push(setInterval(postStats, opts.statsIntervalMs));
      if (engine) {
        timers.push(setInterval(() => {
          const candidates = engine.tick(Date.now());
          if (candidates.length) post({ type: 'alerts', candidates });
        }, 1000));
      }
      timers.push(setInterval(persist, STATE_SAVE_INTERVAL_MS));
      return states;
    },
    async stop() {
      stopped = true;
      await Promise.all(sockets.map((s) => new Promise<void>((r) => s.close(() => r()))));
      for (const t of timers) clearInterval(t);
      flushRows();
      postStats();
      return { statePersisted: persist() };
    },
  };
}
