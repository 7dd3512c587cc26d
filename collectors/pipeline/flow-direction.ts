/**
 * "Both directions": some exporters export every frame twice, once as an ingress record and once as an
 * egress record (NetFlow v9/IPFIX flowDirection, IE 61: 0 ingress, 1 egress). Per exporter and
 * observation domain, from what it sends: while both ingress and egress records arrived within the
 * last WINDOW_MS, egress records are the second copy and are not counted (ignored: both_directions).
 * A datagram is judged as a whole, so a first datagram carrying both directions is already counted
 * once. Records without a direction (255) and sFlow (direction derived, not exported) always count.
 * IXMETER_FLOW_DIRECTION_OVERRIDES forces `ingress` (always drop egress records) or `all` (never).
 */
import type { FlowRecord } from '../decoders/types.js';
import { directionModeFor, parseDirectionRules, type DirectionMode, type DirectionRule } from '../../src/shared/exporter-rules.js';

export const DIRECTION_WINDOW_MS = 10 * 60_000;

interface DomainState { lastIngressMs: number; lastEgressMs: number; both: boolean }

export class FlowDirectionFilter {
  private readonly rules: DirectionRule[];
  private readonly modes = new Map<string, DirectionMode>();
  private readonly byExporter = new Map<string, Map<number, DomainState>>();

  constructor(overrides: string | undefined) {
    this.rules = parseDirectionRules(overrides);
  }

  private mode(exporter: string): DirectionMode {
    let m = this.modes.get(exporter);
    if (m === undefined) {
      if (this.modes.size > 100_000) this.modes.clear();
      this.modes.set(exporter, (m = directionModeFor(this.rules, exporter)));
    }
    return m;
  }

  /**
   * True when the egress records of these flows (one datagram of one exporter) are to be dropped.
   * `onMode` is told when an exporter+domain starts or stops sending both directions.
   */
  dropEgress(flows: readonly FlowRecord[], exporter: string, nowMs: number, onMode?: (domain: number, both: boolean) => void): boolean {
    const f0 = flows[0];
    if (f0 === undefined || (f0.protocol !== 'ipfix' && f0.protocol !== 'netflow-v9')) return false;
    const forced = this.mode(exporter);
    if (forced === 'all') return false;
    let ingress = false, egress = false;
    for (let i = 0; i < flows.length; i++) {
      const d = flows[i]!.direction;
      if (d === 0) ingress = true;
      else if (d === 1) egress = true;
    }
    if (forced === 'ingress') return egress;
    let byDomain = this.byExporter.get(exporter);
    if (byDomain === undefined) {
      if (this.byExporter.size >= 10_000) return false; // bounded like the exporter table; spoofed floods cannot grow it
      this.byExporter.set(exporter, (byDomain = new Map()));
    }
    const domain = f0.observationDomain;
    let st = byDomain.get(domain);
    if (st === undefined) byDomain.set(domain, (st = { lastIngressMs: 0, lastEgressMs: 0, both: false }));
    if (ingress) st.lastIngressMs = nowMs;
    if (egress) st.lastEgressMs = nowMs;
    const both = st.lastIngressMs > 0 && st.lastEgressMs > 0 && nowMs - st.lastIngressMs < DIRECTION_WINDOW_MS && nowMs - st.lastEgressMs < DIRECTION_WINDOW_MS;
    if (both !== st.both) { st.both = both; onMode?.(domain, both); }
    return both && egress;
  }
}
