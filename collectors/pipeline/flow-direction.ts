/**
 * "Both directions": some exporters export every frame twice, once as an ingress record and once as an
 * egress record (NetFlow v9/IPFIX flowDirection, IE 61: 0 ingress, 1 egress). Per exporter and
 * observation domain, from what it sends: while both ingress and egress records arrived within the
 * last DIRECTION_WINDOW_MS, egress records are the second copy and are not counted (ignored:
 * both_directions). A datagram is judged as a whole, so a first datagram carrying both directions is
 * already counted once. Records without a direction (255) and sFlow (direction derived, not exported)
 * always count. IXMETER_FLOW_DIRECTION_OVERRIDES forces `ingress` (always drop egress records) or `all`.
 */
import type { FlowRecord } from '../decoders/types.js';
import { directionModeFor, parseDirectionRules, type DirectionMode, type DirectionRule } from '../../src/shared/exporter-rules.js';

export const DIRECTION_WINDOW_MS = 10 * 60_000;

/** Per exporter+domain: when each direction was last seen; `forced` for an `ingress` override. */
export interface DirectionState { lastIngressMs: number; lastEgressMs: number; both: boolean; forced: boolean; domain: number }

const FORCED: DirectionState = { lastIngressMs: 0, lastEgressMs: 0, both: true, forced: true, domain: -1 };

export class FlowDirectionFilter {
  private readonly rules: DirectionRule[];
  private readonly modes = new Map<string, DirectionMode>();
  private readonly byExporter = new Map<string, Map<number, DirectionState>>();

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

  /** The state the flows of one datagram are judged by, or null when directions do not matter (sFlow, v5, `all`). */
  stateFor(f0: FlowRecord, exporter: string): DirectionState | null {
    if (f0.protocol !== 'ipfix' && f0.protocol !== 'netflow-v9') return null;
    const forced = this.mode(exporter);
    if (forced === 'all') return null;
    if (forced === 'ingress') return FORCED;
    let byDomain = this.byExporter.get(exporter);
    if (byDomain === undefined) {
      if (this.byExporter.size >= 10_000) return null; // bounded like the exporter table; spoofed floods cannot grow it
      this.byExporter.set(exporter, (byDomain = new Map()));
    }
    const domain = f0.observationDomain;
    let st = byDomain.get(domain);
    if (st === undefined) byDomain.set(domain, (st = { lastIngressMs: 0, lastEgressMs: 0, both: false, forced: false, domain }));
    return st;
  }

  /** Restores a domain known to send both directions (exporter health carried over a restart), as last seen at `atMs`. */
  prime(exporter: string, domain: number, atMs: number): void {
    let byDomain = this.byExporter.get(exporter);
    if (byDomain === undefined) this.byExporter.set(exporter, (byDomain = new Map()));
    byDomain.set(domain, { lastIngressMs: atMs, lastEgressMs: atMs, both: true, forced: false, domain });
  }

  /** After a datagram: which directions it carried. True when the exporter+domain now sends both (egress to drop). */
  update(st: DirectionState, ingress: boolean, egress: boolean, nowMs: number, modes?: { directionModes?: Record<string, 'both' | 'single'> }): boolean {
    if (st.forced) return true;
    if (ingress) st.lastIngressMs = nowMs;
    if (egress) st.lastEgressMs = nowMs;
    const both = st.lastIngressMs > 0 && st.lastEgressMs > 0 && nowMs - st.lastIngressMs < DIRECTION_WINDOW_MS && nowMs - st.lastEgressMs < DIRECTION_WINDOW_MS;
    if (both !== st.both) {
      st.both = both;
      if (modes) (modes.directionModes ??= {})[String(st.domain)] = both ? 'both' : 'single';
    }
    return both;
  }
}
