/**
 * The decode thread: consumes the datagram ring the socket thread fills → decode → attribution →
 * RowBinary rows (+ the security fast path) → batches posted to the main thread. ClickHouse never
 * runs here (chDB stays on the main thread). State (templates, samplers, sequences) is restored at
 * start and saved periodically and on stop.
 */
import {
  decodeDatagram,
  describeDecoderState,
  expireDecoderState,
  sniffProtocol,
  type DecoderState,
} from '../decoders/decode.js';
import { createSamplingPolicy } from '../sampling-policy.js';
import { ExporterStatsTable } from '../pipeline/exporter-stats.js';
import { ExporterActivity } from '../pipeline/exporter-activity.js';
import { exporterIdentity } from '../pipeline/exporter-identity.js';
import { FlowGuard } from '../pipeline/flow-guard.js';
import { counterRow } from '../pipeline/rows.js';
import { RowBinaryWriter } from '../pipeline/rowbinary.js';
import { Attributor, type AssignmentInterval } from '../pipeline/attribution.js';
import { createFastPathEngine } from '../../src/security/detectors/engine.js';
import { parseSecuritySettings } from '../../src/security/thresholds.js';
import { securityContext } from '../pipeline/security-context.js';
import { loadDecoderState, saveDecoderState } from '../pipeline/state-store.js';
import { RecordKind, RingReader, type RingRecord } from './datagram-ring.js';
import { applyThreadNice } from './thread-priority.js';
import type { DecodeThreadOptions, DecodeToMain } from './protocol.js';

export interface DecodeThread {
  start(): void;
  setAssignments(list: AssignmentInterval[]): void;
  /** Call once the socket thread has closed: consumes the ring to the end, flushes, persists. */
  stop(): Promise<{ statePersisted: boolean }>;
}

const STATE_SAVE_INTERVAL_MS = 30_000;
/** Records per slice before the thread lets its timers and messages run. */
const SLICE = 1024;
const dec = new TextDecoder();

export function createDecodeThread(
  opts: DecodeThreadOptions,
  post: (m: DecodeToMain, transfer?: ArrayBuffer[]) => void,
): DecodeThread {
  const loaded = loadDecoderState(opts.statePath, { pendingHoldMs: opts.templateHoldMs });
  const state: DecoderState = loaded.state;
  if (loaded.error) post({ type: 'log', level: 'warn', msg: loaded.error });
  if (loaded.restored)
    post({
      type: 'log',
      level: 'info',
      msg: 'decoder state restored (templates, samplers, sequences)',
      data: { path: opts.statePath },
    });
  const sampling = createSamplingPolicy(opts.samplingOverrides, opts.samplingDefaults);
  const stats = new ExporterStatsTable(opts.seedStats);
  const activity = new ExporterActivity();
  const guard = new FlowGuard({ directionOverrides: opts.flowDirectionOverrides, corePorts: opts.corePorts }, stats);
  const ring = new RingReader(opts.ring);
  /** Exporter address by ring id (announced by the socket thread before first use). */
  const exporters: string[] = [];
  const timers: NodeJS.Timeout[] = [];
  let tickTimer: NodeJS.Timeout | undefined;
  const flows = new RowBinaryWriter();
  let counters: string[] = [];
  let batchSeq = 0;
  // Batch ids are ClickHouse deduplication tokens: unique per thread start, or a restarted collector's
  // first batches (same collector id, seq from 0) would be dropped as duplicates of the previous run's.
  const runId = `${Date.now().toString(36)}${Math.floor(Math.random() * 1296)
    .toString(36)
    .padStart(2, '0')}`;
  let stopping = false;
  let pumping: Promise<void> = Promise.resolve();
  let attributor = new Attributor(opts.assignments);
  const engine = opts.security
    ? createFastPathEngine(parseSecuritySettings(opts.security), securityContext(opts.assignments, Date.now()))
    : null;

  function flushRows(): void {
    if (flows.rows) {
      const rows = flows.rows;
      const body = flows.take();
      post(
        {
          type: 'batch',
          batch: {
            id: `${opts.collectorId}-${runId}-${batchSeq++}`,
            table: 'flows_raw',
            format: 'RowBinary',
            body,
            rows,
          },
        },
        [body.buffer as ArrayBuffer],
      );
    }
    if (counters.length) {
      post({
        type: 'batch',
        batch: {
          id: `${opts.collectorId}-${runId}-${batchSeq++}`,
          table: 'interface_counters_raw',
          format: 'JSONCompactEachRow',
          body: counters.join('\n'),
          rows: counters.length,
        },
      });
      counters = [];
    }
  }

  function flushActivity(): void {
    if (!activity.size) return;
    const rows = activity.take();
    post({
      type: 'batch',
      batch: {
        id: `${opts.collectorId}-${runId}-${batchSeq++}`,
        table: 'exporter_activity_5m',
        format: 'JSONCompactEachRow',
        body: rows.join('\n'),
        rows: rows.length,
      },
    });
  }

  function onDatagram(source: string, port: number, now: number, payload: Uint8Array): void {
    const proto = sniffProtocol(payload);
    const exporter = exporterIdentity(source, proto, payload);
    const s = stats.recordDatagram(exporter, proto, payload.length, now, source);
    if (proto !== null && s.exporter === exporter) activity.count(exporter, now);
    const res = decodeDatagram({ receivedAtMs: now, exporter, exporterPort: port, payload }, state, sampling);
    stats.recordResult(s, res);
    guard.apply(res.flows, s, now);
    for (const f of res.flows) {
      attributor.attribute(f);
      flows.flowRow(f);
      engine?.observe(f);
    }
    for (const c of res.counters) counters.push(counterRow(c));
    if (flows.rows >= opts.batchRows || counters.length >= opts.batchRows) flushRows();
  }

  function onRecord(r: RingRecord): void {
    if (r.kind === RecordKind.DATAGRAM)
      onDatagram(exporters[r.exporterId] ?? 'unknown', r.port, r.receivedAtMs, r.payload);
    else if (r.kind === RecordKind.EXPORTER) {
      const a = dec.decode(r.payload);
      exporters[r.exporterId] = a.startsWith('::ffff:') ? a.slice(7) : a;
    } else if (r.kind === RecordKind.DROPPED) {
      stats.recordErrors(exporters[r.exporterId] ?? 'unknown', 'queue_full', r.length, r.receivedAtMs);
    }
  }

  /**
   * Consume until stopped; between slices the event loop runs (timers, messages). An empty ring while
   * datagrams are flowing means a 1 ms nap (≈ 60 sFlow datagrams accumulate): waking on every single
   * datagram (futex wake, task, promise) cost more than decoding it. Idle for a second: sleep until the
   * socket thread signals.
   */
  async function pump(): Promise<void> {
    let busyAt = 0;
    for (;;) {
      const n = ring.drain(SLICE, onRecord);
      if (n === SLICE) {
        await new Promise<void>((r) => setImmediate(r));
        continue;
      }
      if (stopping) return;
      const now = Date.now();
      if (n > 0) busyAt = now;
      if (now - busyAt < 1000) await new Promise<void>((r) => setTimeout(r, 1));
      else await ring.waitForData(100);
    }
  }

  function postStats(): void {
    const described = describeDecoderState(state).netflow;
    const templates: Record<string, number> = {};
    for (const [exp, d] of Object.entries(described)) templates[exp] = (d as { templates?: number }).templates ?? 0;
    post({ type: 'stats', exporters: stats.snapshot(), templates, atMs: Date.now() });
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
    start() {
      applyThreadNice(opts.nice, 'decode', post);
      if (ring.skipCrashed()) {
        // The previous decode thread died inside this datagram: it is not decoded again (it may be what killed it).
        stats.recordErrors('unknown', 'decoder_crash', 1, Date.now());
        post({ type: 'log', level: 'error', msg: 'skipped the datagram the previous decode thread crashed on' });
      }
      timers.push(setInterval(flushRows, opts.batchMaxWaitMs));
      timers.push(
        setInterval(() => {
          const exp = expireDecoderState(state, Date.now());
          for (const [reason, n] of Object.entries(exp.errors))
            if (n) stats.recordErrors('pending', reason, n, Date.now());
        }, 1000),
      );
      timers.push(setInterval(postStats, opts.statsIntervalMs));
      timers.push(setInterval(flushActivity, opts.activityFlushMs ?? 5000));
      if (engine) {
        // Ticks just after each sub-bucket boundary (engine.stepMs): a closed bucket is judged at once.
        const tick = () => {
          const candidates = engine.tick(Date.now());
          if (candidates.length) post({ type: 'alerts', candidates });
          if (!stopping) tickTimer = setTimeout(tick, engine.stepMs - (Date.now() % engine.stepMs) + 2);
        };
        tickTimer = setTimeout(tick, engine.stepMs - (Date.now() % engine.stepMs) + 2);
      }
      timers.push(setInterval(persist, STATE_SAVE_INTERVAL_MS));
      pumping = pump();
      post({ type: 'ready' });
    },
    async stop() {
      stopping = true;
      await pumping;
      while (ring.drain(SLICE, onRecord) > 0) {
        /* the rest the socket thread wrote before it closed */
      }
      for (const t of timers) clearInterval(t);
      clearTimeout(tickTimer);
      flushRows();
      flushActivity();
      postStats();
      return { statePersisted: persist() };
    },
  };
}
