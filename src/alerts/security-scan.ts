/**
 * The window/baseline detectors, run every minute by a BullMQ job: exporter health (silent exporter,
 * sampling-rate change, flow-vs-counter disagreement) and per-member traffic anomalies against the same
 * 5-minute slot of previous weeks (median + k·MAD spikes, sustained drops), in and out separately.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { ExportersService } from '../exporters/exporters.service.js';
import type { ReconciliationService } from '../ports/reconciliation.service.js';
import { baselineAnomaly } from '../security/baseline.js';
import { counterMismatch, ExporterChecker, silenceEnded } from '../security/exporter-checks.js';
import type { SecuritySettings } from '../security/thresholds.js';
import { emptyEvidence, type AlertCandidate } from '../security/types.js';
import type { AlertsService } from './alerts.service.js';

const SLOT_MS = 300_000;
const WEEK_MS = 7 * 86_400_000;
const WEEKS = 4;

/** Member rates (bps) at the given bucket starts, in and out. */
async function memberRates(
  client: ClickHouseClient,
  buckets: number[],
): Promise<Map<number, Map<number, { in: number; out: number }>>> {
  const rs = await client.query({
    query: `SELECT asn, toUnixTimestamp(bucket) * 1000 AS t, sum(i) AS i, sum(o) AS o FROM (
              SELECT src_asn AS asn, bucket, bytes AS i, 0 AS o FROM member_traffic_5m WHERE bucket IN {b:Array(DateTime('UTC'))} AND src_asn != 0
              UNION ALL
              SELECT dst_asn AS asn, bucket, 0 AS i, bytes AS o FROM member_traffic_5m WHERE bucket IN {b:Array(DateTime('UTC'))} AND dst_asn != 0)
            GROUP BY asn, bucket`,
    query_params: { b: buckets.map((t) => Math.floor(t / 1000)) },
    format: 'JSONEachRow',
    clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
  });
  const out = new Map<number, Map<number, { in: number; out: number }>>();
  for (const r of await rs.json<{ asn: number; t: number; i: number; o: number }>()) {
    let m = out.get(Number(r.asn));
    if (!m) out.set(Number(r.asn), (m = new Map()));
    m.set(Number(r.t), { in: (Number(r.i) * 8) / 300, out: (Number(r.o) * 8) / 300 });
  }
  return out;
}

export function createSecurityScan(deps: {
  client: ClickHouseClient;
  exporters: ExportersService;
  reconciliation: ReconciliationService;
  alerts: AlertsService;
  settings: SecuritySettings;
}) {
  const checker = new ExporterChecker(deps.settings.detectors.exporter);
  return async function run(nowMs = Date.now()): Promise<{ candidates: number }> {
    const found: AlertCandidate[] = [];
    const views = await deps.exporters.list(nowMs);
    const entries = views.map((v) => ({
      exporter: v.address,
      lastSeenMs: Date.parse(v.last_seen),
      datagrams: v.packets,
      samplingRates: v.sampling_rates,
      lastGapFromMs: v.last_silence ? Date.parse(v.last_silence.from) : 0,
      lastGapToMs: v.last_silence ? Date.parse(v.last_silence.to) : 0,
    }));
    found.push(...checker.check(entries, nowMs));
    // An exporter that sends again ends its EXPORTER_SILENT alert (if one is open) with the silent interval.
    for (const e of entries) {
      const ended = silenceEnded(e, deps.settings.detectors.exporter, nowMs);
      if (ended)
        await deps.alerts.end(
          'EXPORTER_SILENT',
          e.exporter,
          ended.toMs,
          { silentFromMs: ended.fromMs, silentToMs: ended.toMs, silentMs: ended.toMs - ended.fromMs },
          nowMs,
        );
    }
    for (const row of await deps.reconciliation.ports(nowMs - 2 * 86_400_000, nowMs)) {
      const c = counterMismatch(row, deps.settings.detectors.exporter, nowMs);
      if (c) found.push(c);
    }
    const b = deps.settings.detectors.baseline;
    if (b.enabled) {
      // The last complete slots, and the same slots in each of the previous weeks.
      const last = Math.floor(nowMs / SLOT_MS) * SLOT_MS - SLOT_MS;
      const current = Array.from({ length: b.dropSlots }, (_, i) => last - (b.dropSlots - 1 - i) * SLOT_MS);
      const all = [
        ...current,
        ...Array.from({ length: WEEKS }, (_, w) => current.map((t) => t - (w + 1) * WEEK_MS)).flat(),
      ];
      const rates = await memberRates(deps.client, all);
      for (const [asn, m] of rates) {
        for (const dir of ['in', 'out'] as const) {
          const series = (ts: number[]) => ts.map((t) => m.get(t)?.[dir] ?? 0);
          const history = Array.from({ length: WEEKS }, (_, w) => current.map((t) => t - (w + 1) * WEEK_MS))
            .filter((ts) => ts.some((t) => m.has(t)))
            .map(series);
          const r = baselineAnomaly({ history, current: series(current), settings: b });
          if (r.verdict === 'none' || !r.type) continue;
          found.push({
            type: r.type,
            severity: r.verdict === 'spike' ? 'warning' : 'major',
            target: `AS${asn} ${dir}`,
            sourceAsn: dir === 'in' ? asn : null,
            victimAsn: dir === 'out' ? asn : null,
            firstSeenMs: current[0]!,
            lastSeenMs: last + SLOT_MS,
            ruleId: `${r.type}@1`,
            thresholds: {
              spikeAbove: r.thresholds.spikeAbove ?? 0,
              dropBelow: r.thresholds.dropBelow ?? 0,
              minDeltaBps: r.thresholds.minDeltaBps,
            },
            metrics: { currentBps: r.current ?? 0, medianBps: r.median ?? 0, mad: r.mad ?? 0, weeks: r.weeksUsed },
            evidence: { ...emptyEvidence(), details: { reason: r.reason, direction: dir } },
          });
        }
      }
    }
    if (found.length) await deps.alerts.ingest(found, nowMs);
    return { candidates: found.length };
  };
}
