/**
 * Per-exporter counters kept by the receiving thread: datagrams and bytes per protocol, records,
 * decode errors by reason, sequence losses, template and sampling state. Bounded: at most
 * MAX_EXPORTERS addresses are tracked (spoofed floods cannot grow memory); the rest are counted
 * under the pseudo exporter 'other'.
 */
import type { ExporterCounters } from '../../src/exporters/exporters.service.js';
import type { DecodeResult, FlowProtocol } from '../decoders/types.js';

export const MAX_EXPORTERS = 10_000;

/** The counters kept per exporter; the type lives with the exporter health service that reads them. */
export type ExporterStats = ExporterCounters;

function fresh(exporter: string, now: number): ExporterStats {
  return {
    exporter,
    firstSeenMs: now,
    lastSeenMs: now,
    datagrams: 0,
    bytes: 0,
    datagramsByProtocol: {},
    flows: 0,
    counterSamples: 0,
    errors: {},
    lostDatagrams: 0,
    lostSamples: 0,
    agentDrops: 0,
    pendingHeld: 0,
    templatesLearned: 0,
    templatesWithdrawn: 0,
    unknownSamplingFlows: 0,
    samplingRates: {},
    samplingSources: {},
    ignored: {},
    lastGapFromMs: 0,
    lastGapToMs: 0,
  };
}

/** A quiet spell at least this long is remembered (lastGapFromMs/lastGapToMs: EXPORTER_SILENT's end time). */
export const GAP_MIN_MS = 60_000;

export class ExporterStatsTable {
  readonly byExporter = new Map<string, ExporterStats>();

  /** `seed`: the counters stored before a restart (exporter_status), so health and last-seen times carry on. */
  constructor(seed: readonly ExporterStats[] = []) {
    for (const e of seed) {
      if (typeof e?.exporter !== 'string' || this.byExporter.size >= MAX_EXPORTERS) continue;
      this.byExporter.set(e.exporter, { ...fresh(e.exporter, e.firstSeenMs), ...structuredClone(e) });
    }
  }

  get(exporter: string, now: number): ExporterStats {
    let s = this.byExporter.get(exporter);
    if (!s) {
      if (this.byExporter.size >= MAX_EXPORTERS) return this.get('other', now);
      s = fresh(exporter, now);
      this.byExporter.set(exporter, s);
    }
    return s;
  }

  /** `source`: the UDP source address when it differs from the identity (sFlow agent behind NAT/relay). */
  recordDatagram(
    exporter: string,
    protocol: FlowProtocol | null,
    bytes: number,
    now: number,
    source?: string,
  ): ExporterStats {
    const s = this.get(exporter, now);
    if (now - s.lastSeenMs >= GAP_MIN_MS) {
      s.lastGapFromMs = s.lastSeenMs;
      s.lastGapToMs = now;
    }
    if (source !== undefined && source !== exporter && s.udpSource !== source) s.udpSource = source;
    s.lastSeenMs = now;
    s.datagrams++;
    s.bytes += bytes;
    const p = protocol ?? 'unknown';
    s.datagramsByProtocol[p] = (s.datagramsByProtocol[p] ?? 0) + 1;
    return s;
  }

  recordResult(s: ExporterStats, r: DecodeResult): void {
    s.flows += r.flows.length;
    s.counterSamples += r.counters.length;
    const st = r.stats;
    for (const [reason, n] of Object.entries(st.errors)) s.errors[reason] = (s.errors[reason] ?? 0) + (n ?? 0);
    s.lostDatagrams += st.lostDatagrams;
    s.lostSamples += st.lostSamples;
    s.agentDrops += st.agentDrops;
    s.pendingHeld += st.pendingHeld;
    s.templatesLearned += st.templatesLearned;
    s.templatesWithdrawn += st.templatesWithdrawn;
    // Per run of equal (rate, source): one key string per run, not per flow (a datagram has one or two).
    const flows = r.flows;
    for (let i = 0; i < flows.length;) {
      const rate = flows[i]!.samplingRate,
        source = flows[i]!.samplingSource;
      let j = i + 1;
      while (j < flows.length && flows[j]!.samplingRate === rate && flows[j]!.samplingSource === source) j++;
      const n = j - i;
      if (source === 'unknown') s.unknownSamplingFlows += n;
      const k = String(rate);
      s.samplingRates[k] = (s.samplingRates[k] ?? 0) + n;
      s.samplingSources[source] = (s.samplingSources[source] ?? 0) + n;
      i = j;
    }
  }

  /**
   * Errors not tied to one decoded datagram, by exporter: pending data expired in the background,
   * datagrams dropped before decoding because the decode queue was full (`queue_full`).
   */
  recordErrors(exporter: string, reason: string, n: number, now: number): void {
    const s = this.get(exporter, now);
    s.errors[reason] = (s.errors[reason] ?? 0) + n;
  }

  /** Records received but not counted as member traffic (`both_directions`, `core_port`): stored nowhere, counted here. */
  recordIgnored(s: ExporterStats, reason: string, n: number): void {
    const m = (s.ignored ??= {});
    m[reason] = (m[reason] ?? 0) + n;
  }

  snapshot(): ExporterStats[] {
    return [...this.byExporter.values()].map((s) => structuredClone(s));
  }
}
