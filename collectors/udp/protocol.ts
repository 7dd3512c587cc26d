/** Messages between the collector's receiving worker thread and the main (ClickHouse) thread. */
import type { AssignmentInterval } from '../pipeline/attribution.js';
import type { ExporterStats } from '../pipeline/exporter-stats.js';
import type { AlertCandidate } from '../../src/security/types.js';

export interface ReceiverOptions {
  collectorId: string;
  host: string;
  listeners: Array<{ name: string; port: number }>;
  recvBufferBytes: number;
  /** Nice value for the receiving thread (Linux, per thread); null leaves it alone. */
  receiverNice: number | null;
  /** Rows per batch handed to the writer, and the longest time a row waits in the worker. */
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
}

export interface BatchMessage {
  type: 'batch';
  batch: { id: string; table: 'flows_raw' | 'interface_counters_raw'; format: 'JSONCompactEachRow' | 'RowBinary'; body: string | Uint8Array; rows: number };
}

export interface ListenerState { name: string; port: number; bound: boolean; error?: string; recvBufferBytes?: number }

export type WorkerToMain =
  | { type: 'listening'; listeners: ListenerState[] }
  | BatchMessage
  | { type: 'stats'; exporters: ExporterStats[]; templates: Record<string, number>; socketErrors: number; atMs: number }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; msg: string; data?: Record<string, unknown> }
  | { type: 'alerts'; candidates: AlertCandidate[] }
  | { type: 'stopped'; statePersisted: boolean };

export type MainToWorker = { type: 'stop' } | { type: 'assignments'; list: AssignmentInterval[] };
