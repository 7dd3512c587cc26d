/** Data incidents → one operations alert per affected table (type DATA_PARTS_DETACHED, critical). */
import type { AlertsService } from '../alerts/alerts.service.js';
import type { DataIncident } from './data-incidents.js';

export function incidentAlerts(alerts: AlertsService): (incidents: DataIncident[]) => Promise<void> {
  return async (incidents) => {
    const now = Date.now();
    const tables = [...new Set(incidents.map((i) => i.table))];
    await alerts.ingest(
      tables.map((table) => {
        const mine = incidents.filter((i) => i.table === table);
        return {
          type: 'DATA_PARTS_DETACHED' as const,
          severity: 'critical' as const,
          target: `clickhouse:${table}`,
          sourceAsn: null,
          victimAsn: null,
          firstSeenMs: now,
          lastSeenMs: now,
          ruleId: 'DATA_PARTS_DETACHED@1',
          metrics: { parts: mine.length },
          thresholds: {},
          evidence: {
            table,
            months: [...new Set(mine.flatMap((i) => i.months))].sort(),
            parts: mine.map((i) => ({ id: i.id, part: i.part, reason: i.reason, detail: i.detail })),
          },
        };
      }),
    );
  };
}
