/**
 * The collector part of a process: batch writer (with spool) + receiving worker + exporter status.
 * Used by `ixmeter serve` and `ixmeter collector`. Stop order: the worker drains into the writer,
 * then the writer inserts or spools everything, then the last exporter snapshot is written.
 */
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Registry } from 'prom-client';
import type { Config } from '../src/config/load.js';
import { createExportersRepository } from '../src/exporters/exporters.repository.js';
import { createMembersRepository } from '../src/members/members.repository.js';
import type { AssignmentInterval } from './pipeline/attribution.js';
import { readSecuritySettings } from '../src/alerts/security-settings.js';
import type { AlertCandidate } from '../src/security/types.js';
import type { Logger } from '../src/shared/logger.js';
import { createCollectorMetrics } from './collector-metrics.js';
import { collectorId, startCollector, type CollectorHandle } from './collector.js';
import { loadStoredExporterStats } from './exporter-seed.js';
import { createBatchWriter, type BatchWriter, type WriterEvent } from './pipeline/writer.js';
import { clickHouseInsert } from './pipeline/insert.js';
import { watchDiskFull } from './disk-full.js';

export interface CollectorPart {
  collector: CollectorHandle;
  /** Reload attribution keys now (after an import in this process). */
  reloadAssignments(): Promise<void>;
  writer: BatchWriter;
  status(): {
    status: 'ok' | 'degraded';
    listeners: Array<{ protocol: string; port: number; bound: boolean }>;
    [k: string]: unknown;
  };
  stop(): Promise<void>;
}

/** Detector settings for the fast path (null when it is switched off). */
export function loadSecuritySettings(config: Config): unknown {
  return config.IXMETER_SECURITY_FAST_PATH ? readSecuritySettings(config).input : null;
}

export async function startCollectorPart(
  config: Config,
  log: Logger,
  registry: Registry,
  client: ClickHouseClient,
  mode: 'embedded' | 'server',
  onAlerts?: (c: AlertCandidate[]) => void,
): Promise<CollectorPart> {
  const metrics = createCollectorMetrics(registry);
  const onEvent = (e: WriterEvent) => {
    switch (e.type) {
      case 'inserted':
        metrics.writerRows.inc({ table: e.table }, e.rows);
        if (e.replayed) metrics.writerReplayedRows.inc(e.rows);
        break;
      case 'retried':
        metrics.writerRetries.inc();
        break;
      case 'spooled':
        metrics.writerSpooledRows.inc(e.rows);
        log.warn({ table: e.table, rows: e.rows, reason: e.reason }, 'batch spooled to disk');
        break;
      case 'rejected':
        metrics.writerRejectedRows.inc(e.rows);
        log.error(
          { table: e.table, rows: e.rows, error: e.error },
          'ClickHouse rejected a batch (kept in spool/rejected)',
        );
        break;
      case 'bad_file':
        log.error({ file: e.file, reason: e.reason }, 'unreadable spool file moved to spool/bad');
        break;
      case 'degraded':
        metrics.writerDegraded.set(1);
        log.error({ error: e.error }, 'ClickHouse inserts failing: spooling to disk');
        break;
      case 'recovered':
        metrics.writerDegraded.set(0);
        log.info('ClickHouse inserts recovered: spool replayed');
        break;
      case 'dropped':
        metrics.writerDroppedRows.inc({ reason: e.reason, table: e.table }, e.rows);
        break;
      default:
        break;
    }
  };
  const writer = createBatchWriter({
    insert: clickHouseInsert(client, mode),
    spoolDir: join(config.dataDir, 'spool'),
    log,
    onEvent,
    writeAhead: config.IXMETER_WRITE_AHEAD,
    maxQueuedRows: config.IXMETER_WRITER_MEMORY_ROWS,
  });
  await writer.start();
  const members = createMembersRepository(client);
  const loadAssignments = async (): Promise<AssignmentInterval[]> =>
    (await members.assignments(Date.now() - 24 * 3600_000)).map((a) => ({
      kind: a.kind,
      key: a.key,
      asn: a.asn,
      fromMs: a.valid_from,
      toMs: a.valid_to,
    }));
  const repo = createExportersRepository(client);
  const seedStats = await loadStoredExporterStats(repo, collectorId(config.dataDir), log);
  const collector = await startCollector(config, log, metrics, writer, await loadAssignments(), {
    security: loadSecuritySettings(config),
    onAlerts,
    seedStats,
  });
  let fingerprint = await members.assignmentsFingerprint();
  async function reloadAssignments(): Promise<void> {
    fingerprint = await members.assignmentsFingerprint();
    collector.setAssignments(await loadAssignments());
  }
  // Other processes (server mode) may import members: poll for changes.
  const pollTimer = setInterval(() => {
    void members
      .assignmentsFingerprint()
      .then((f) => (f !== fingerprint ? reloadAssignments() : undefined))
      .catch((err) => log.warn({ err }, 'attribution keys reload failed'));
  }, 15_000);
  pollTimer.unref();

  async function snapshot(): Promise<void> {
    const { stats, templates, atMs } = collector.exporters();
    if (!atMs) return;
    await repo.upsert(
      stats.map((s) => ({
        exporter: s.exporter,
        collector_id: collector.id,
        updated_at: atMs,
        stats: JSON.stringify({ counters: s, templates: templates[s.exporter] ?? 0 }),
      })),
    );
  }
  let diskFull = { since: 0, droppedAtStart: 0 };
  const gaugeTimer = setInterval(() => {
    const s = writer.stats();
    diskFull = watchDiskFull(s, diskFull, config.dataDir, log, onAlerts);
    metrics.writerQueuedRows.set(s.queuedRows);
    metrics.writerSpoolRows.set(s.spooledRows);
  }, 1000);
  const snapTimer = setInterval(
    () => void snapshot().catch((err) => log.warn({ err }, 'exporter status snapshot failed')),
    10_000,
  );
  gaugeTimer.unref();
  snapTimer.unref();

  return {
    collector,
    writer,
    reloadAssignments,
    status() {
      const w = writer.stats();
      const ok = collector.healthy() && !w.degraded;
      return {
        status: ok ? 'ok' : 'degraded',
        listeners: collector.listeners().map((l) => ({ protocol: l.name, port: l.port, bound: l.bound })),
        exporters: collector.exporters().stats.length,
        writer: {
          queued_rows: w.queuedRows,
          spooled_rows: w.spooledRows,
          degraded: w.degraded,
          inserted_rows: w.insertedRows,
          last_error: w.lastError ?? null,
          disk_full: w.diskFull,
          dropped_rows: { disk_full: w.droppedFlowRows, disk_full_all_tables: w.droppedRows },
        },
        kernel_drops: collector.kernelDrops(),
        decode_queue: collector.queue(),
      };
    },
    async stop() {
      clearInterval(gaugeTimer);
      clearInterval(snapTimer);
      clearInterval(pollTimer);
      await collector.stop();
      await writer.close();
      await snapshot().catch((err) => log.warn({ err }, 'final exporter status snapshot failed'));
    },
  };
}
