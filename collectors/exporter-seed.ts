/**
 * Exporter health survives a restart: the counters a collector last stored in exporter_status (every
 * 10 s and at stop, collectors/part.ts) seed its in-memory table at start, so GET /exporters, the
 * metrics' baselines and EXPORTER_SILENT see the same exporters and last-seen times before new traffic.
 */
import type { ExportersRepository } from '../src/exporters/exporters.repository.js';
import type { Logger } from '../src/shared/logger.js';
import type { ExporterStats } from './pipeline/exporter-stats.js';

export async function loadStoredExporterStats(
  repo: ExportersRepository,
  collectorId: string,
  log: Logger,
): Promise<ExporterStats[]> {
  try {
    const out: ExporterStats[] = [];
    for (const r of await repo.latest()) {
      if (r.collector_id !== collectorId) continue;
      const parsed = JSON.parse(r.stats) as { counters?: ExporterStats };
      if (parsed.counters && typeof parsed.counters.exporter === 'string') out.push(parsed.counters);
    }
    if (out.length)
      log.info({ exporters: out.length, collector: collectorId }, 'exporter health restored from exporter_status');
    return out;
  } catch (err) {
    log.warn({ err }, 'exporter health could not be restored (starting empty)');
    return [];
  }
}
