/**
 * Fast-path detection engine for the live flow stream. Pure: no timers, no I/O; the caller feeds flows
 * with `observe` and evaluates with `tick(nowMs)` (the collector ticks every `engine.stepMs`, 250 ms).
 *
 * - DDoS rules per destination IP over a SLIDING window (`engine.windowMs`, default 5 s) made of
 *   sub-buckets of `engine.stepMs` (window-ring.ts); each tick evaluates the buckets closed since the
 *   last one. A rule opens in one of two ways (docs/security-guide, section 1):
 *   1. onset — the rule fires in EVERY one of the last `sustainMs / stepMs` sub-buckets (default 4 × 250 ms)
 *      and those hold ≥ `minSustainSamples` sampled packets: a rate above the threshold for the whole guard, so a
 *      single burst (shorter than the guard) never opens it; metrics are over the guard span;
 *   2. window — the rule fires on the whole window (rate = Σ / windowMs: the 5-s semantics of the
 *      thresholds, as the tumbling windows before), with no sub-bucket counting for more than twice the
 *      threshold rate (sliding-ddos.ts BURST_CAP) — so a burst cannot carry the window over a threshold either.
 *   Guard resolution is one step: a burst of ≤ sustainMs − 2 steps (500 ms) never spans the guard's sub-buckets;
 *   a longer one (still under sustainMs) opens it only when its partly covered first and last steps also
 *   exceed the threshold.
 *   An ongoing rule is re-emitted at most once per window; the alert service folds the repeats.
 * - L2 hygiene (sFlow only) over the tumbling fast window: it opens at the first flow or tick and closes at
 *   the first tick ≥ windowMs later; a finding is emitted at the first tick it qualifies for the whole window. Scans and bogons over the tumbling scan window (`engine.scanWindowMs`).
 * - Memory: destinations are capped (`maxTrackedDestinations`); when full the lower half by packets is
 *   evicted (quickselect, O(1) amortised per flow) and counted in `stats().evictions`. A destination is
 *   forgotten one window after its last flow; its state (ring, evidence) goes back to a pool.
 *   Scan sources, ports with MAC memory and L2/bogon keys are capped likewise.
 */
import type { AlertCandidate, SecurityContext, SecurityFlow } from '../types.js';
import {
  hasOverrides,
  mergeDetectors,
  resolveThresholds,
  type DetectorThresholds,
  type SecuritySettings,
} from '../thresholds.js';
import { BogonState, isCheckedBogon } from './bogon.js';
import { L2State } from './l2.js';
import { ScanState } from './scans.js';
import { SlidingDdos } from './sliding-ddos.js';

export interface EngineStats {
  flowsObserved: number;
  /** Sliding-window evaluations (one per tick that closed at least one sub-bucket). */
  evaluations: number;
  /** Flows older than the sliding window when observed (counted into the newest sub-bucket). */
  lateFlows: number;
  windowsClosed: number;
  scanWindowsClosed: number;
  trackedDestinations: number;
  trackedScanSources: number;
  trackedPorts: number;
  evictions: {
    destinations: number;
    details: number;
    scanSources: number;
    l2Findings: number;
    ports: number;
    macs: number;
    bogonPorts: number;
  };
}

export interface FastPathEngine {
  observe(flow: SecurityFlow): void;
  tick(nowMs: number): AlertCandidate[];
  /** Sub-bucket length: call `tick` at least this often (right after multiples of it). */
  readonly stepMs: number;
  setContext(context: SecurityContext): void;
  stats(): EngineStats;
}

export function emptyContext(): SecurityContext {
  return {
    knownMacs: new Set(),
    macOwner: new Map(),
    lanIpOwner: new Map(),
    allowedMacsPerPort: new Map(),
    lagPorts: new Set(),
  };
}

export function createFastPathEngine(
  settings: SecuritySettings,
  context: SecurityContext = emptyContext(),
): FastPathEngine {
  const cfg = settings.engine;
  const base = settings.detectors;
  const overridden = hasOverrides(settings);
  const variants: DetectorThresholds[] = [
    base,
    ...settings.overrides.members.map((m) => mergeDetectors(base, m.detectors)),
    ...settings.overrides.prefixes.map((p) => mergeDetectors(base, p.detectors)),
    ...settings.overrides.members.flatMap((m) =>
      settings.overrides.prefixes.map((p) => mergeDetectors(mergeDetectors(base, m.detectors), p.detectors)),
    ),
  ];
  // Amplification ports of every variant (the per-destination counter keeps them apart, see volumetric.ts).
  const ampPort = new Uint8Array(65536);
  for (const v of variants) for (const p of v.amplification.sourcePorts) ampPort[p] = 1;
  const ampUnion: number[] = [];
  ampPort.forEach((x, p) => {
    if (x) ampUnion.push(p);
  });
  const ddos = new SlidingDdos(settings, variants, ampPort, ampUnion, overridden);
  const l2Enabled = variants.some((v) => v.l2.enabled);
  const scanEnabled = variants.some((v) => v.scan.enabled);
  const bogonEnabled = variants.some((v) => v.bogon.enabled);
  const tcpSynOnly = base.scan.tcpSynOnly;
  const asnCache = new Map<number, DetectorThresholds>();
  const byAsn = (asn: number | null | undefined): DetectorThresholds => {
    if (!overridden || !asn) return base;
    let t = asnCache.get(asn);
    if (t === undefined) {
      if (asnCache.size >= 10_000) asnCache.clear();
      t = resolveThresholds(settings, { asn });
      asnCache.set(asn, t);
    }
    return t;
  };

  const l2For = (asn: number | null) => byAsn(asn).l2;
  let ctx = context;
  const l2 = new L2State(cfg.maxL2Keys, cfg.maxTrackedPorts, cfg.maxMacsPerPort);
  const scans = new ScanState(cfg.maxTrackedScanSources);
  const bogons = new BogonState(cfg.maxL2Keys);
  let openedMs = -1;
  let scanOpenedMs = -1;
  const st: EngineStats = {
    flowsObserved: 0,
    evaluations: 0,
    lateFlows: 0,
    windowsClosed: 0,
    scanWindowsClosed: 0,
    trackedDestinations: 0,
    trackedScanSources: 0,
    trackedPorts: 0,
    evictions: { destinations: 0, details: 0, scanSources: 0, l2Findings: 0, ports: 0, macs: 0, bogonPorts: 0 },
  };

  function observe(f: SecurityFlow): void {
    st.flowsObserved++;
    if (openedMs < 0) openedMs = f.receivedAtMs;
    if (scanOpenedMs < 0) scanOpenedMs = f.receivedAtMs;
    if (f.ipVersion !== 0 && f.dstAddr !== '') {
      ddos.observe(f);
      if (scanEnabled) scans.observe(f, tcpSynOnly);
      if (bogonEnabled && isCheckedBogon(f)) bogons.observe(f);
    }
    if (l2Enabled && f.protocol === 'sflow-v5') l2.observe(f, ctx, l2For);
  }

  function closeFast(nowMs: number, out: AlertCandidate[]): void {
    const sec = Math.max(nowMs - openedMs, 1) / 1000;
    l2.close(nowMs, openedMs, sec, ctx, (asn) => byAsn(asn).l2, out);
    st.windowsClosed++;
    openedMs = nowMs;
  }

  function closeScan(nowMs: number, out: AlertCandidate[]): void {
    const sec = Math.max(nowMs - scanOpenedMs, 1) / 1000;
    scans.close(sec, (asn) => byAsn(asn).scan, out);
    bogons.close(sec, (asn) => byAsn(asn).bogon, cfg.topN, out);
    st.scanWindowsClosed++;
    scanOpenedMs = nowMs;
  }

  return {
    observe,
    tick(nowMs: number): AlertCandidate[] {
      const out: AlertCandidate[] = [];
      if (openedMs < 0) openedMs = nowMs;
      if (scanOpenedMs < 0) scanOpenedMs = nowMs;
      ddos.evaluate(nowMs, base, cfg.topN, out);
      if (nowMs - openedMs >= cfg.windowMs) closeFast(nowMs, out);
      else if (l2Enabled) l2.early(cfg.windowMs / 1000, l2For, out);
      if (nowMs - scanOpenedMs >= cfg.scanWindowMs) closeScan(nowMs, out);
      return out;
    },
    stepMs: ddos.stepMs,
    setContext(next: SecurityContext): void {
      ctx = next;
      l2.contextChanged();
    },
    stats(): EngineStats {
      return {
        ...st,
        evaluations: ddos.counters.evaluations,
        lateFlows: ddos.counters.lateFlows,
        trackedDestinations: ddos.dsts.size,
        trackedScanSources: scans.sources.size,
        trackedPorts: l2.portCount,
        evictions: {
          ...st.evictions,
          destinations: ddos.counters.evictedDestinations,
          details: ddos.counters.evictedDetails,
          scanSources: scans.evictions,
          l2Findings: l2.counters.findingsDropped,
          ports: l2.counters.portsDropped,
          macs: l2.counters.macsDropped,
          bogonPorts: bogons.dropped,
        },
      };
    },
  };
}
