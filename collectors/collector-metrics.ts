/**
 * Prometheus metrics of the collectors, per exporter (`ixmeter_collector_*`) and of the writer
 * (`ixmeter_writer_*`). The worker thread reports cumulative counters; counters here advance by the delta.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ExporterStats } from './pipeline/exporter-stats.js';
import type { SocketStats } from './udp/protocol.js';

export function createCollectorMetrics(registry: Registry) {
  const r = [registry];
  const m = {
    datagrams: new Counter({
      name: 'ixmeter_collector_datagrams_total',
      help: 'UDP datagrams received, by exporter and protocol',
      labelNames: ['exporter', 'protocol'] as const,
      registers: r,
    }),
    bytes: new Counter({
      name: 'ixmeter_collector_received_bytes_total',
      help: 'UDP payload bytes received, by exporter',
      labelNames: ['exporter'] as const,
      registers: r,
    }),
    flows: new Counter({
      name: 'ixmeter_collector_flows_total',
      help: 'Flow records decoded, by exporter',
      labelNames: ['exporter'] as const,
      registers: r,
    }),
    counterSamples: new Counter({
      name: 'ixmeter_collector_counter_samples_total',
      help: 'sFlow interface counter samples decoded, by exporter',
      labelNames: ['exporter'] as const,
      registers: r,
    }),
    errors: new Counter({
      name: 'ixmeter_collector_decode_errors_total',
      help: 'Datagrams, sets or records refused or skipped, by exporter and reason',
      labelNames: ['exporter', 'reason'] as const,
      registers: r,
    }),
    lostDatagrams: new Counter({
      name: 'ixmeter_collector_lost_datagrams_total',
      help: 'Datagrams the exporter sent but we never saw (sequence gaps)',
      labelNames: ['exporter'] as const,
      registers: r,
    }),
    lostSamples: new Counter({
      name: 'ixmeter_collector_lost_samples_total',
      help: 'Records/samples missing by sequence (IPFIX, v5, sFlow)',
      labelNames: ['exporter'] as const,
      registers: r,
    }),
    agentDrops: new Counter({
      name: 'ixmeter_collector_agent_drops_total',
      help: 'Samples the sFlow agent itself dropped (drops field)',
      labelNames: ['exporter'] as const,
      registers: r,
    }),
    unknownSampling: new Counter({
      name: 'ixmeter_collector_unknown_sampling_flows_total',
      help: 'Flows stored with rate 1 because no sampling rate was known (exporter misconfigured)',
      labelNames: ['exporter'] as const,
      registers: r,
    }),
    ignoredRecords: new Counter({
      name: 'ixmeter_collector_ignored_records_total',
      help: 'Records received but not counted as member traffic, by exporter and reason (both_directions: the egress copy of ingress-exported traffic; core_port: sampled on a declared inter-switch port)',
      labelNames: ['exporter', 'reason'] as const,
      registers: r,
    }),
    lastSeen: new Gauge({
      name: 'ixmeter_collector_exporter_last_seen_seconds',
      help: 'Unix time of the last datagram per exporter',
      labelNames: ['exporter'] as const,
      registers: r,
    }),
    templates: new Gauge({
      name: 'ixmeter_collector_templates',
      help: 'NetFlow v9/IPFIX templates known per exporter',
      labelNames: ['exporter'] as const,
      registers: r,
    }),
    kernelDrops: new Gauge({
      name: 'ixmeter_collector_kernel_drops',
      help: 'Datagrams dropped by the kernel on a collector socket (/proc/net/udp drops)',
      labelNames: ['port'] as const,
      registers: r,
    }),
    socketErrors: new Gauge({
      name: 'ixmeter_collector_socket_errors',
      help: 'Socket errors on the collector sockets',
      registers: r,
    }),
    queueDrops: new Counter({
      name: 'ixmeter_collector_queue_drops_total',
      help: 'Datagrams received but dropped before decoding because the decode queue was full (per exporter: decode errors, reason queue_full)',
      registers: r,
    }),
    queueBytes: new Gauge({
      name: 'ixmeter_collector_queue_bytes',
      help: 'Bytes waiting in the queue between the socket thread and the decode thread',
      registers: r,
    }),
    queueCapacity: new Gauge({
      name: 'ixmeter_collector_queue_capacity_bytes',
      help: 'Size of the queue between the socket thread and the decode thread (IXMETER_UDP_QUEUE_BYTES)',
      registers: r,
    }),
    writerRows: new Counter({
      name: 'ixmeter_writer_rows_total',
      help: 'Rows inserted into ClickHouse, by table',
      labelNames: ['table'] as const,
      registers: r,
    }),
    writerSpooledRows: new Counter({
      name: 'ixmeter_writer_spooled_rows_total',
      help: 'Rows written to the disk spool because ClickHouse was unavailable or the queue was full',
      registers: r,
    }),
    writerReplayedRows: new Counter({
      name: 'ixmeter_writer_replayed_rows_total',
      help: 'Spooled rows inserted after recovery',
      registers: r,
    }),
    writerDroppedRows: new Counter({
      name: 'ixmeter_writer_dropped_rows_total',
      help: 'Rows dropped by the writer, by reason (disk_full: neither ClickHouse nor the spool had space and memory was at its bound) and table (flows_raw: flows)',
      labelNames: ['reason', 'table'] as const,
      registers: r,
    }),
    writerRetries: new Counter({
      name: 'ixmeter_writer_retries_total',
      help: 'Insert attempts that failed and were retried',
      registers: r,
    }),
    writerRejectedRows: new Counter({
      name: 'ixmeter_writer_rejected_rows_total',
      help: 'Rows ClickHouse refused permanently (kept in spool/rejected)',
      registers: r,
    }),
    writerQueuedRows: new Gauge({
      name: 'ixmeter_writer_queued_rows',
      help: 'Rows waiting in memory for insert',
      registers: r,
    }),
    writerSpoolRows: new Gauge({
      name: 'ixmeter_writer_spool_rows',
      help: 'Rows waiting in the disk spool',
      registers: r,
    }),
    writerDegraded: new Gauge({
      name: 'ixmeter_writer_degraded',
      help: '1 while ClickHouse inserts fail and batches go to the spool',
      registers: r,
    }),
  };
  const seen = new Map<string, number>();
  let priming = false;

  function advance(counter: Counter<string>, key: string, labels: Record<string, string>, total: number): void {
    const prev = seen.get(key) ?? 0;
    if (total > prev && !priming) counter.inc(labels, total - prev);
    seen.set(key, total);
  }

  return {
    ...m,
    /** `newDrops`: queue drops since the previous report (the caller turns the thread's running totals into it). */
    applySocketStats(x: SocketStats, newDrops: number): void {
      if (newDrops > 0) m.queueDrops.inc(newDrops);
      m.queueBytes.set(x.queueBytes);
      m.queueCapacity.set(x.queueCapacity);
      m.socketErrors.set(x.socketErrors);
    },
    applyExporterStats(list: ExporterStats[], templates: Record<string, number>): void {
      for (const s of list) {
        const e = s.exporter;
        for (const [p, n] of Object.entries(s.datagramsByProtocol))
          advance(m.datagrams, `d|${e}|${p}`, { exporter: e, protocol: p }, n ?? 0);
        advance(m.bytes, `b|${e}`, { exporter: e }, s.bytes);
        advance(m.flows, `f|${e}`, { exporter: e }, s.flows);
        advance(m.counterSamples, `c|${e}`, { exporter: e }, s.counterSamples);
        for (const [reason, n] of Object.entries(s.errors))
          advance(m.errors, `e|${e}|${reason}`, { exporter: e, reason }, n);
        advance(m.lostDatagrams, `ld|${e}`, { exporter: e }, s.lostDatagrams);
        advance(m.lostSamples, `ls|${e}`, { exporter: e }, s.lostSamples);
        advance(m.agentDrops, `ad|${e}`, { exporter: e }, s.agentDrops);
        advance(m.unknownSampling, `us|${e}`, { exporter: e }, s.unknownSamplingFlows);
        m.lastSeen.set({ exporter: e }, Math.floor(s.lastSeenMs / 1000));
        m.templates.set({ exporter: e }, templates[e] ?? 0);
        for (const [reason, n] of Object.entries(s.ignored ?? {}))
          advance(m.ignoredRecords, `ir|${e}|${reason}`, { exporter: e, reason }, n);
      }
    },
    /** Counters carried over a restart (exporter_status seed): the baseline, not new increments. */
    primeExporterStats(list: ExporterStats[]): void {
      priming = true;
      try {
        this.applyExporterStats(list, {});
      } finally {
        priming = false;
      }
    },
  };
}

export type CollectorMetrics = ReturnType<typeof createCollectorMetrics>;
