/**
 * Nothing counted twice, in the decode thread between decode and attribution: records that are not
 * member traffic are removed from a datagram's flows (never stored, never in the matrix or the member
 * rollups) and counted per exporter with a reason (ExporterCounters.ignored):
 *  - `both_directions`: the egress copy from an exporter+domain exporting ingress and egress (flow-direction.ts);
 *  - `core_port`: sampled on a declared inter-switch port (IXMETER_CORE_PORTS, input ifIndex).
 * What is kept feeds the duplicate-sampling detector (undeclared core ports, duplicate-sampling.ts).
 * Per flow: one direction compare, one Set lookup when the exporter has core ports, one MAC hash test.
 */
import type { FlowRecord } from '../decoders/types.js';
import { parseCorePorts } from '../../src/shared/exporter-rules.js';
import { DuplicateSamplingDetector, type DuplicateFinding } from './duplicate-sampling.js';
import type { ExporterStats, ExporterStatsTable } from './exporter-stats.js';
import { FlowDirectionFilter } from './flow-direction.js';

export interface FlowGuardOptions {
  directionOverrides?: string | undefined;
  corePorts?: string | undefined;
  /** Off: only the counting checks run (bench comparison). */
  duplicateDetector?: boolean;
}

export class FlowGuard {
  private readonly direction: FlowDirectionFilter;
  private readonly core: Map<string, Set<number>>;
  private readonly dup: DuplicateSamplingDetector | null;
  private readonly onFindings: (list: DuplicateFinding[]) => void;

  constructor(
    opts: FlowGuardOptions,
    private readonly table: ExporterStatsTable,
  ) {
    this.direction = new FlowDirectionFilter(opts.directionOverrides);
    // Exporters seeded from before a restart keep their both-directions verdict (no egress copy slips in
    // while the window refills).
    for (const s of table.byExporter.values()) {
      for (const [d, m] of Object.entries(s.directionModes ?? {}))
        if (m === 'both') this.direction.prime(s.exporter, Number(d), s.lastSeenMs);
    }
    this.core = parseCorePorts(opts.corePorts);
    this.dup = opts.duplicateDetector === false ? null : new DuplicateSamplingDetector();
    this.onFindings = (list) => {
      for (const d of list) {
        const s = this.table.byExporter.get(d.exporter);
        if (s)
          s.duplicateSampling = {
            peer: d.peer,
            inIf: d.inIf,
            pairs: d.pairs,
            sampledPairs: d.sampledPairs,
            atMs: d.atMs,
          };
      }
    };
  }

  /**
   * Removes the records of one datagram (exporter `s`) that are not member traffic, in place; counts them.
   * One pass for core ports, the duplicate-sampling detector and the directions seen; egress copies only
   * when the datagram carries egress records (flow-direction.ts).
   */
  apply(flows: FlowRecord[], s: ExporterStats, nowMs: number): void {
    const n = flows.length;
    if (n === 0) return;
    const f0 = flows[0]!;
    const core = this.core.size ? this.core.get(f0.exporter) : undefined;
    const dup = this.dup;
    let j = 0,
      egress = 0,
      corePort = 0,
      sawIn = false,
      sawOut = false;
    for (let i = 0; i < n; i++) {
      const f = flows[i]!;
      const d = f.direction;
      if (d === 0) sawIn = true;
      else if (d === 1) sawOut = true;
      if (core !== undefined && core.has(f.inIf)) {
        corePort++;
        continue;
      }
      if (dup !== null) dup.observe(f, nowMs, this.onFindings);
      if (j !== i) flows[j] = f;
      j++;
    }
    if (sawIn || sawOut) {
      const dir = this.direction.stateFor(f0, f0.exporter, nowMs);
      if (dir !== null && sawOut) {
        const k = this.direction.dropCopies(dir, flows, j, sawIn, nowMs, s);
        egress = j - k;
        j = k;
      } else if (dir !== null) this.direction.noEgress(dir, flows, j, sawIn, nowMs, s);
    }
    if (j === n) return;
    flows.length = j;
    if (egress) this.table.recordIgnored(s, 'both_directions', egress);
    if (corePort) this.table.recordIgnored(s, 'core_port', corePort);
  }
}
