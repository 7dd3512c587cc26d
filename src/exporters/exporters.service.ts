/**
 * Exporter health for operators (GET /api/v1/exporters): what each switch/router sends, what we
 * decoded, what we refused and why, losses, templates, sampling rates in use, and whether it looks
 * misconfigured (flows without any sampling rate, decode errors, silence).
 */
import type { ExportersRepository } from './exporters.repository.js';

/** The collector's per-exporter counters (collectors/pipeline/exporter-stats.ts), as stored. */
export interface ExporterCounters {
  exporter: string;
  firstSeenMs: number;
  lastSeenMs: number;
  datagrams: number;
  bytes: number;
  datagramsByProtocol: Record<string, number>;
  flows: number;
  counterSamples: number;
  errors: Record<string, number>;
  lostDatagrams: number;
  lostSamples: number;
  agentDrops: number;
  pendingHeld: number;
  templatesLearned: number;
  templatesWithdrawn: number;
  unknownSamplingFlows: number;
  samplingRates: Record<string, number>;
  samplingSources: Record<string, number>;
  /** Records received and not counted as member traffic, by reason (both_directions, core_port). */
  ignored?: Record<string, number>;
  /** The last quiet spell of ≥ 1 min: from the datagram before it to the one that ended it (0 = none). */
  lastGapFromMs?: number;
  lastGapToMs?: number;
  /** UDP source of the latest datagram when it is not the identity (sFlow agent behind NAT or a relay). */
  udpSource?: string;
  /** Both-directions state per observation domain (flow-direction.ts): 'both' when ingress and egress of the same traffic arrive. */
  directionModes?: Record<string, 'both' | 'single'>;
  /** The last (src MAC, dst MAC) duplicate-sampling finding against another exporter (duplicate-sampling.ts). */
  duplicateSampling?: { peer: string; inIf: number; pairs: number; sampledPairs: number; atMs: number };
}

export interface ExporterView {
  address: string;
  /** UDP source of its datagrams when that is not the address (sFlow agent behind NAT or a relay); null otherwise. */
  udp_source: string | null;
  collector_id: string;
  protocols: string[];
  packets: number;
  bytes: number;
  flows: number;
  counter_samples: number;
  decode_errors: Record<string, number>;
  decode_errors_total: number;
  /** Records received and not counted as member traffic, by reason (both_directions, core_port). */
  ignored_records: Record<string, number>;
  lost_datagrams: number;
  lost_samples: number;
  agent_drops: number;
  templates: number;
  sampling_rates: Record<string, number>;
  sampling_sources: Record<string, number>;
  unknown_sampling_flows: number;
  first_seen: string;
  last_seen: string;
  /** The last quiet spell of ≥ 1 min (from the datagram before it to the one that ended it); null when none. */
  last_silence: { from: string; to: string } | null;
  status: 'ok' | 'misconfigured' | 'silent';
  problems: ExporterProblem[];
}

/** Errors that are information, not faults of the exporter. */
const BENIGN = new Set(['enterprise_field', 'unknown_sample', 'unknown_record']);
export const SILENT_AFTER_MS = 5 * 60_000;
/** A duplicate-sampling finding older than this is no longer shown. */
const DUPLICATE_SHOWN_MS = 15 * 60_000;

/** Stable problem codes (contract.md: GET /exporters `problems: [{ code, message }]`). */
export type ExporterProblemCode =
  'SILENT' | 'SAMPLING_UNKNOWN' | 'DECODE_ERRORS' | 'SEQUENCE_GAPS' | 'BOTH_DIRECTIONS' | 'DUPLICATE_SAMPLING';
export interface ExporterProblem {
  code: ExporterProblemCode;
  message: string;
}

const pct = (n: number, d: number) => (d > 0 ? `${((100 * n) / d).toFixed(1)} %` : '0 %');

/** What is wrong with an exporter, most urgent first (SILENT is added by toExporterView). */
export function exporterProblems(c: ExporterCounters, nowMs: number): ExporterProblem[] {
  const faults = Object.entries(c.errors).filter(([r, n]) => !BENIGN.has(r) && n > 0);
  const problems: ExporterProblem[] = [];
  const both = c.ignored?.both_directions ?? 0;
  const bothDomains = Object.entries(c.directionModes ?? {})
    .filter(([, m]) => m === 'both')
    .map(([d]) => d);
  if (both > 0 || bothDomains.length) {
    problems.push({
      code: 'BOTH_DIRECTIONS',
      message: `exports ingress and egress records of the same traffic${bothDomains.length ? ` (observation domain ${bothDomains.join(', ')})` : ''}: ${both} of ${c.flows} records (${pct(both, c.flows)}) ignored as egress copies, ingress counted; set IXMETER_FLOW_DIRECTION_OVERRIDES to force it`,
    });
  }
  const dup = c.duplicateSampling;
  if (dup && nowMs - dup.atMs <= DUPLICATE_SHOWN_MS) {
    problems.push({
      code: 'DUPLICATE_SAMPLING',
      message: `the same (src MAC, dst MAC) pairs also arrive from ${dup.peer} within seconds at similar volumes (${dup.pairs} of ${dup.sampledPairs} sampled pairs): frames are likely sampled twice, on a member port and on an inter-switch port (most on ifIndex ${dup.inIf}); declare core ports in IXMETER_CORE_PORTS (e.g. ${c.exporter.includes(':') ? `[${c.exporter}]` : c.exporter}:${dup.inIf} if that is one)`,
    });
  }
  if (c.unknownSamplingFlows > 0)
    problems.push({
      code: 'SAMPLING_UNKNOWN',
      message: `${c.unknownSamplingFlows} flows without a sampling rate (stored at rate 1): export sampler options or set IXMETER_SAMPLING_DEFAULTS`,
    });
  if (faults.length)
    problems.push({
      code: 'DECODE_ERRORS',
      message: `decode errors: ${faults.map(([r, n]) => `${r}=${n}`).join(', ')}`,
    });
  if (c.lostDatagrams + c.lostSamples > 0)
    problems.push({
      code: 'SEQUENCE_GAPS',
      message: `sequence gaps: ${c.lostDatagrams} datagrams, ${c.lostSamples} records/samples lost in transit`,
    });
  return problems;
}

export function toExporterView(
  c: ExporterCounters,
  collectorId: string,
  templates: number,
  nowMs: number,
): ExporterView {
  const faults = Object.entries(c.errors).filter(([r, n]) => !BENIGN.has(r) && n > 0);
  const problems = exporterProblems(c, nowMs);
  const silent = nowMs - c.lastSeenMs > SILENT_AFTER_MS;
  const misconfigured = problems.some((p) => p.code !== 'SEQUENCE_GAPS');
  return {
    address: c.exporter,
    udp_source: c.udpSource ?? null,
    collector_id: collectorId,
    protocols: Object.keys(c.datagramsByProtocol),
    packets: c.datagrams,
    bytes: c.bytes,
    flows: c.flows,
    counter_samples: c.counterSamples,
    decode_errors: c.errors,
    decode_errors_total: faults.reduce((a, [, n]) => a + n, 0),
    ignored_records: c.ignored ?? {},
    lost_datagrams: c.lostDatagrams,
    lost_samples: c.lostSamples,
    agent_drops: c.agentDrops,
    templates,
    sampling_rates: c.samplingRates,
    sampling_sources: c.samplingSources,
    unknown_sampling_flows: c.unknownSamplingFlows,
    first_seen: new Date(c.firstSeenMs).toISOString(),
    last_seen: new Date(c.lastSeenMs).toISOString(),
    last_silence: c.lastGapToMs
      ? { from: new Date(c.lastGapFromMs ?? 0).toISOString(), to: new Date(c.lastGapToMs).toISOString() }
      : null,
    status: silent ? 'silent' : misconfigured ? 'misconfigured' : 'ok',
    problems: silent
      ? [
          { code: 'SILENT', message: `nothing received for ${Math.round((nowMs - c.lastSeenMs) / 60_000)} min` },
          ...problems,
        ]
      : problems,
  };
}

/** Live view from an in-process collector, else the latest snapshots stored by collector processes. */
export function createExportersService(
  repo: ExportersRepository,
  live: (() => { id: string; stats: ExporterCounters[]; templates: Record<string, number> }) | null,
) {
  return {
    async list(nowMs = Date.now()): Promise<ExporterView[]> {
      if (live) {
        const l = live();
        return l.stats.map((c) => toExporterView(c, l.id, l.templates[c.exporter] ?? 0, nowMs));
      }
      const rows = await repo.latest();
      return rows.map((r) => {
        const parsed = JSON.parse(r.stats) as { counters: ExporterCounters; templates: number };
        return toExporterView(parsed.counters, r.collector_id, parsed.templates, nowMs);
      });
    },
  };
}

export type ExportersService = ReturnType<typeof createExportersService>;
