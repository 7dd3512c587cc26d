/**
 * Types of the end-to-end collector benchmark (tests/bench/e2e-collectors.ts): the options, the
 * per-run result and the report, plus the interface every collector adapter (e2e/nfcapd.ts,
 * e2e/pmacct.ts, e2e/ixmeter.ts) implements and the context it is started with.
 */
import type { BlastProtocol, BlastResult } from '../udp-blaster.js';

export type CollectorName = 'ixmeter' | 'nfcapd' | 'nfacctd';
export const COLLECTORS: readonly CollectorName[] = ['ixmeter', 'nfcapd', 'nfacctd'];

export interface E2eOptions {
  repoRoot: string;
  protocols: BlastProtocol[];
  /** Target offered rates in flows/s; 0 = as fast as the blaster can. */
  rates: number[];
  durationMs: number;
  collectors: CollectorName[];
  /** Count ixmeter's rows in chDB after it exited (default true). */
  verifyDb: boolean;
  keepDirs: boolean;
  recvBufferBytes: number;
  log: (msg: string) => void;
}

export interface RunResult {
  collector: CollectorName;
  /** Daemon actually run (sfacctd for sFlow under 'nfacctd'). */
  daemon: string;
  protocol: BlastProtocol;
  /** Target flows/s; 0 = max. */
  targetFlowsPerSecond: number;
  sent: Pick<
    BlastResult,
    'datagrams' | 'templateDatagrams' | 'flows' | 'bytes' | 'sendErrors' | 'elapsedMs' | 'offeredFlowsPerSecond'
  > | null;
  /** Flow records the collector stored (ixmeter rows / nfcapd flows / pmacct Σ packets). */
  stored: number | null;
  /** How `stored` was obtained. */
  countedBy: string;
  lossPct: number | null;
  /** stored / (blast duration + socket drain time). */
  sustainedFlowsPerSecond: number | null;
  /** Seconds after the blast until the socket's receive queue was empty (0 = kept up). */
  socketDrainSeconds: number | null;
  /** /proc/net/udp drops of the collector's socket (read after draining, before stopping). */
  kernelDrops: number | null;
  /** Collector CPU seconds during blast + drain; % of one core during the blast; CPU s per 10^6 stored flows. */
  cpuSeconds: number | null;
  cpuPctOfCore: number | null;
  cpuSecondsPerMillionFlows: number | null;
  /** Seconds from end of blast until the collector had drained (rx queue empty, counts stable). */
  drainSeconds: number | null;
  /** ixmeter: seconds from end of blast until the last row was in ClickHouse (its queue, decoder and writer had caught up). */
  storedSeconds: number | null;
  extra: Record<string, unknown>;
  error?: string;
}

export interface E2eReport {
  startedAt: string;
  rmemMax: { before: number | null; used: number | null; restored: boolean };
  recvBufferBytes: number;
  durationMs: number;
  versions: Record<string, string>;
  runs: RunResult[];
  /** Per protocol: largest target step at which ixmeter lost nothing. */
  ixmeterZeroLoss: Array<{
    protocol: BlastProtocol;
    targetFlowsPerSecond: number | null;
    sustainedFlowsPerSecond: number | null;
  }>;
  unavailable: Partial<Record<CollectorName, string>>;
}

/** A started collector as the run loop drives it; one adapter per collector starts it. */
export interface Running {
  daemon: string;
  pid: number | undefined;
  /** Collector-specific wait after the socket queue is empty (e.g. ixmeter's writer). */
  settle(deadlineMs: number): Promise<Record<string, unknown>>;
  /** ixmeter: from the end of the blast, note the stored row count every 250 ms (until `settle` is done). */
  trackRows?(): void;
  stop(): Promise<Record<string, unknown>>;
  /** After stop. */
  count(): Promise<{ stored: number; countedBy: string; extra?: Record<string, unknown> }>;
  logTail(): string;
}

export interface RunCtx {
  dir: string;
  port: number;
  protocol: BlastProtocol;
  opts: E2eOptions;
  runId: number;
  redisUrl: string | null;
}
