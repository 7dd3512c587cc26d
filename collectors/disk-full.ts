/**
 * A full data disk: the writer can neither insert (ClickHouse has no space) nor spool, keeps what fits in
 * memory and counts what it drops (reason disk_full). This watch logs the transition at once (/health
 * shows `disk_full` and turns degraded; ixmeter_writer_dropped_rows_total{reason="disk_full"} counts), and
 * opens a critical STORAGE_DISK_FULL operations alert for the episode as soon as it can be written: alerts
 * live in ClickHouse, on the full disk, so it is recorded (and notified) when space is back, with the
 * episode's start as first_seen and the rows dropped meanwhile.
 */
import { statfsSync } from 'node:fs';
import type { AlertCandidate } from '../src/security/types.js';
import type { Logger } from '../src/shared/logger.js';
import type { WriterStats } from './pipeline/writer.js';

function freeBytes(dir: string): number | null {
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return null;
  }
}

export interface DiskFullWatch {
  since: number;
  droppedAtStart: number;
}

/** Called every second with the writer's stats; returns the watch state. */
export function watchDiskFull(
  s: WriterStats,
  w: DiskFullWatch,
  dataDir: string,
  log: Logger,
  onAlerts?: (c: AlertCandidate[]) => void,
): DiskFullWatch {
  const now = Date.now();
  if (s.diskFull) {
    if (w.since) return w;
    log.error(
      { dataDir, freeBytes: freeBytes(dataDir), lastError: s.lastError },
      'DATA DISK FULL: inserts and the spool fail; flows beyond the memory queue are dropped (reason disk_full) until space is freed',
    );
    return { since: now, droppedAtStart: s.droppedFlowRows };
  }
  if (!w.since) return w;
  const dropped = s.droppedFlowRows - w.droppedAtStart;
  log.warn(
    { dataDir, droppedRows: dropped, fullForMs: now - w.since, freeBytes: freeBytes(dataDir) },
    'data disk has space again: writing and replaying resume',
  );
  onAlerts?.([
    {
      type: 'STORAGE_DISK_FULL',
      severity: 'critical',
      target: `disk:${dataDir}@${new Date(w.since).toISOString()}`,
      sourceAsn: null,
      victimAsn: null,
      firstSeenMs: w.since,
      lastSeenMs: now,
      ruleId: 'STORAGE_DISK_FULL@1',
      thresholds: {},
      metrics: { droppedRows: dropped, fullForMs: now - w.since },
      evidence: {
        topSources: [],
        topSrcPorts: [],
        topDstPorts: [],
        protocols: [],
        sampleFlows: [],
        samplingRates: [],
        details: { dataDir, lastError: s.lastError ?? '' },
      },
    },
  ]);
  return { since: 0, droppedAtStart: 0 };
}
