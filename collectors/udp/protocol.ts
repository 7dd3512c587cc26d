/**
 * Messages between the collector's threads: the socket thread (sockets → datagram ring), the decode
 * thread (ring → decode → rows → batches) and the main thread (ClickHouse, metrics). The two worker
 * threads share only the ring (a SharedArrayBuffer, collectors/udp/datagram-ring.ts).
 */
import type { AssignmentInterval } from '../pipeline/attribution.js';
import type { ExporterStats } from '../pipeline/exporter-stats.js';
import type { AlertCandidate } from '../../src/security/types.js';

export interface SocketThreadOptions {
  host: string;
  listeners: Array<{ name: string; port: number }>;
  recvBufferBytes: number;
  /** Nice value for the socket thread (Linux, per thread); null leaves it alone. */
  nice: number | null;
  statsIntervalMs: number;
  ring: SharedArrayBuffer;
}

export interface DecodeThreadOptions {
  collectorId: string;
  /** Nice value for the decode thread (Linux, per thread); null leaves it alone. */
  nice: number | null;
  /** Rows per batch handed to the writer, and the longest time a row waits in the thread. */
  batchRows: number;
  batchMaxWaitMs: number;
  samplingOverrides: string | undefined;
  samplingDefaults: string | undefined;
  templateHoldMs: number;
  statePath: string;
  statsIntervalMs: number;
  /** Attribution keys with validity intervals (replaced at runtime by an 'assignments' message). */
  assignments: AssignmentInterval[];
  /** Security detector settings (src/security/thresholds.ts input); null disables the fast path. */
  security: unknown;
  ring: SharedArrayBuffer;
  /** IXMETER_FLOW_DIRECTION_OVERRIDES and IXMETER_CORE_PORTS (src/shared/exporter-rules.ts; validated by the config). */
  flowDirectionOverrides?: string | undefined;
  corePorts?: string | undefined;
  /** How often exporter liveness rows (exporter_activity_5m) are handed to the writer; default 5 s. */
  activityFlushMs?: number;
  /** Exporter counters this collector stored before a restart (exporter_status): the table starts from them. */
  seedStats?: ExporterStats[];
}

export interface BatchMessage {
  type: 'batch';
  batch: {
    id: string;
    table: 'flows_raw' | 'interface_counters_raw' | 'exporter_activity_5m';
    format: 'JSONCompactEachRow' | 'RowBinary';
    body: string | Uint8Array;
    rows: number;
  };
}

export interface ListenerState {
  name: string;
  port: number;
  bound: boolean;
  error?: string;
  recvBufferBytes?: number;
}

export type LogMessage = { type: 'log'; level: 'info' | 'warn' | 'error'; msg: string; data?: Record<string, unknown> };

/** Running totals of the socket thread (since it started). */
export interface SocketStats {
  type: 'socket-stats';
  datagrams: number;
  bytes: number;
  /** Datagrams dropped because the ring was full (the decode thread fell behind). */
  queueDrops: number;
  queueBytes: number;
  queueCapacity: number;
  socketErrors: number;
}

export type SocketToMain =
  { type: 'listening'; listeners: ListenerState[] } | SocketStats | LogMessage | { type: 'closed' };

export type DecodeToMain =
  | { type: 'ready' }
  | BatchMessage
  | { type: 'stats'; exporters: ExporterStats[]; templates: Record<string, number>; atMs: number }
  | LogMessage
  | { type: 'alerts'; candidates: AlertCandidate[] }
  | { type: 'stopped'; statePersisted: boolean };

export type MainToSocket = { type: 'stop' };
/** 'stop': the socket thread is closed; consume the ring to the end, flush, persist, exit. */
export type MainToDecode = { type: 'stop' } | { type: 'assignments'; list: AssignmentInterval[] };
