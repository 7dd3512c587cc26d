/**
 * "Both directions": some exporters export every frame twice, once as an ingress record and once as an
 * egress record (NetFlow v9/IPFIX flowDirection, IE 61: 0 ingress, 1 egress). Other exporters mark the
 * two halves of a conversation (A→B and B→A, e.g. softflowd) or different ports with different
 * directions: those are different traffic and must all count. So an egress record is a copy only when
 * it matches an ingress record of the same exporter and observation domain: same MACs, VLAN, ports,
 * protocol, packets and octets (a 32-bit key). Per exporter+domain:
 *  - matched egress records are always dropped (ignored: both_directions);
 *  - once most egress records match (≥ 8, ≥ 90 % within DIRECTION_WINDOW_MS) the exporter+domain is
 *    judged to send both directions, and every egress record is dropped (its ingress copy may come in a
 *    later datagram), until no egress or no ingress record arrived for DIRECTION_WINDOW_MS.
 * Keys are kept only while egress records arrive and live 2–4 s (a copy is exported within seconds of its
 * ingress record; older identical records are new traffic), so ingress-only exporters pay one compare
 * per record. Records without a direction (255), NetFlow v5 and sFlow always count.
 * IXMETER_FLOW_DIRECTION_OVERRIDES forces `ingress` (drop every egress record) or `all` (drop none).
 */
import type { FlowRecord } from '../decoders/types.js';
import {
  directionModeFor,
  parseDirectionRules,
  type DirectionMode,
  type DirectionRule,
} from '../../src/shared/exporter-rules.js';

export const DIRECTION_WINDOW_MS = 10 * 60_000;
const MAX_KEYS = 8192;
/** A copy is exported within seconds of its ingress record (same device, same export interval): keys live 2–4 s. */
const KEY_GENERATION_MS = 2000;
const MIN_MATCHED = 8;
const MATCH_SHARE = 0.9;

/** Per exporter+domain. */
export interface DirectionState {
  lastIngressMs: number;
  lastEgressMs: number;
  both: boolean;
  forced: boolean;
  domain: number;
  /** Keys of ingress records of the last KEY_GENERATION_MS (while egress records arrive), and of the one before. */
  keys: Set<number>;
  prevKeys: Set<number>;
  keysAt: number;
  matched: number;
  unmatched: number;
  windowStart: number;
}

const FORCED: DirectionState = {
  lastIngressMs: 0,
  lastEgressMs: 0,
  both: true,
  forced: true,
  domain: -1,
  keys: new Set(),
  prevKeys: new Set(),
  keysAt: 0,
  matched: 0,
  unmatched: 0,
  windowStart: 0,
};

/** Rotates the key generations of `st` at `nowMs`. */
function rotate(st: DirectionState, nowMs: number): void {
  if (nowMs - st.keysAt < KEY_GENERATION_MS && st.keys.size <= MAX_KEYS) return;
  st.prevKeys = nowMs - st.keysAt < 2 * KEY_GENERATION_MS ? st.keys : new Set();
  st.keys = new Set();
  st.keysAt = nowMs;
}

/** The traffic a record describes, without its direction and interfaces (an egress copy has the same key). */
export function trafficKey(f: FlowRecord): number {
  let h = Math.imul((f.srcMac | 0) ^ 0x9e3779b1, 0x85ebca6b);
  h = Math.imul(h ^ (f.dstMac | 0), 0xc2b2ae35);
  h = Math.imul(h ^ ((f.srcPort << 16) | f.dstPort), 0x85ebca6b);
  h = Math.imul(h ^ ((f.ipProto << 24) ^ (f.vlan << 8) ^ f.srcAddr.length ^ (f.dstAddr.length << 4)), 0xc2b2ae35);
  h = Math.imul(h ^ (f.packets | 0), 0x85ebca6b);
  h = Math.imul(h ^ (f.l3Octets | 0), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

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

  private fresh(domain: number, nowMs: number): DirectionState {
    return {
      lastIngressMs: 0,
      lastEgressMs: 0,
      both: false,
      forced: false,
      domain,
      keys: new Set(),
      prevKeys: new Set(),
      keysAt: nowMs,
      matched: 0,
      unmatched: 0,
      windowStart: nowMs,
    };
  }

  /** The state the flows of one datagram are judged by, or null when directions do not matter (sFlow, v5, `all`). */
  stateFor(f0: FlowRecord, exporter: string, nowMs: number): DirectionState | null {
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
    if (st === undefined) byDomain.set(domain, (st = this.fresh(domain, nowMs)));
    return st;
  }

  /** Restores a domain judged to send both directions before a restart (seeded exporter health), as last seen at `atMs`. */
  prime(exporter: string, domain: number, atMs: number): void {
    let byDomain = this.byExporter.get(exporter);
    if (byDomain === undefined) this.byExporter.set(exporter, (byDomain = new Map()));
    byDomain.set(domain, { ...this.fresh(domain, atMs), lastIngressMs: atMs, lastEgressMs: atMs, both: true });
  }

  /**
   * Drops the egress copies among `flows[0..n)` (one datagram that carries egress records) in place;
   * returns the new length. `sawIn`: the datagram carried ingress records too.
   */
  dropCopies(
    st: DirectionState,
    flows: FlowRecord[],
    n: number,
    sawIn: boolean,
    nowMs: number,
    modes: { directionModes?: Record<string, 'both' | 'single'> },
  ): number {
    if (st.forced) return compact(flows, n, () => true);
    st.lastEgressMs = nowMs;
    if (sawIn) st.lastIngressMs = nowMs;
    rotate(st, nowMs);
    const wasBoth = st.both && nowMs - st.lastIngressMs < DIRECTION_WINDOW_MS;
    if (!wasBoth) for (let i = 0; i < n; i++) if (flows[i]!.direction === 0) st.keys.add(trafficKey(flows[i]!));
    const m = compact(flows, n, (f) => {
      if (wasBoth) return true;
      const key = trafficKey(f);
      const copy = st.keys.has(key) || st.prevKeys.has(key);
      if (copy) st.matched++;
      else st.unmatched++;
      return copy;
    });
    if (nowMs - st.windowStart >= DIRECTION_WINDOW_MS) {
      st.matched = 0;
      st.unmatched = 0;
      st.windowStart = nowMs;
    }
    // The verdict is reached on evidence and lapses only when a direction stops (noEgress, wasBoth above).
    if (!wasBoth)
      this.judge(st, st.matched >= MIN_MATCHED && st.matched >= MATCH_SHARE * (st.matched + st.unmatched), modes);
    return m;
  }

  /**
   * A datagram without egress records: ingress seen; while egress records are arriving its ingress keys are
   * kept (their copies may come in a later datagram); a verdict lapses once no egress record came for a window.
   */
  noEgress(
    st: DirectionState,
    flows: readonly FlowRecord[],
    n: number,
    sawIn: boolean,
    nowMs: number,
    modes: { directionModes?: Record<string, 'both' | 'single'> },
  ): void {
    if (st.forced || !sawIn) return;
    st.lastIngressMs = nowMs;
    if (nowMs - st.lastEgressMs >= DIRECTION_WINDOW_MS) {
      if (st.both) this.judge(st, false, modes);
      return;
    }
    rotate(st, nowMs);
    for (let i = 0; i < n; i++) if (flows[i]!.direction === 0) st.keys.add(trafficKey(flows[i]!));
  }

  private judge(
    st: DirectionState,
    both: boolean,
    modes: { directionModes?: Record<string, 'both' | 'single'> },
  ): void {
    if (both === st.both) return;
    st.both = both;
    (modes.directionModes ??= {})[String(st.domain)] = both ? 'both' : 'single';
  }
}

/** Removes egress records for which `drop` says so from flows[0..n); returns the new length. */
function compact(flows: FlowRecord[], n: number, drop: (f: FlowRecord) => boolean): number {
  let k = 0;
  for (let i = 0; i < n; i++) {
    const f = flows[i]!;
    if (f.direction === 1 && drop(f)) continue;
    flows[k++] = f;
  }
  return k;
}
