/**
 * Fast-path detection engine for the live flow stream. Pure: no timers, no I/O; the caller feeds flows
 * with `observe` and closes windows with `tick(nowMs)`.
 *
 * - Fast window (`engine.windowMs`, default 5 s): DDoS rules per destination IP and L2 hygiene
 *   (sFlow only). The window opens at the first flow or tick and closes at the first tick ≥ windowMs
 *   later; rates divide by the real elapsed time.
 * - Scan window (`engine.scanWindowMs`, default 5 min): SCAN_PORT, SCAN_ADDRESS, IP_BOGON_SOURCE.
 * - Memory: destinations per window are capped (`maxTrackedDestinations`); when full the lower half by
 *   packets is evicted (quickselect, O(1) amortised per flow) and counted in `stats().evictions`.
 *   Scan sources, ports with MAC memory and L2/bogon keys are capped likewise.
 * - Candidates are per window: a persisting attack yields one candidate per window; deduplication into
 *   alerts (first/last seen) belongs to the alert service.
 */
import type { AlertCandidate, SecurityContext, SecurityFlow } from '../types.js';
import { hasOverrides, mergeDetectors, resolveThresholds, type DetectorThresholds, type SecuritySettings } from '../thresholds.js';
import { BogonState, isCheckedBogon } from './bogon.js';
import { L2State } from './l2.js';
import { ScanState } from './scans.js';
import { evictBottomHalf } from './topk.js';
import { accumulate, DstDetail, DstStats, evaluateDst, minimumRates, type AccumulateOptions } from './volumetric.js';

export interface EngineStats {
  flowsObserved: number;
  windowsClosed: number;
  scanWindowsClosed: number;
  trackedDestinations: number;
  trackedScanSources: number;
  trackedPorts: number;
  evictions: { destinations: number; details: number; scanSources: number; l2Findings: number; ports: number; macs: number; bogonPorts: number };
}

export interface FastPathEngine {
  observe(flow: SecurityFlow): void;
  tick(nowMs: number): AlertCandidate[];
  setContext(context: SecurityContext): void;
  stats(): EngineStats;
}

export function emptyContext(): SecurityContext {
  return { knownMacs: new Set(), macOwner: new Map(), lanIpOwner: new Map(), allowedMacsPerPort: new Map(), lagPorts: new Set() };
}

export function createFastPathEngine(settings: SecuritySettings, context: SecurityContext = emptyContext()): FastPathEngine {
  const cfg = settings.engine;
  const base = settings.detectors;
  const overridden = hasOverrides(settings);
  const variants: DetectorThresholds[] = [
    base,
    ...settings.overrides.members.map((m) => mergeDetectors(base, m.detectors)),
    ...settings.overrides.prefixes.map((p) => mergeDetectors(base, p.detectors)),
    ...settings.overrides.members.flatMap((m) => settings.overrides.prefixes.map((p) => mergeDetectors(mergeDetectors(base, m.detectors), p.detectors))),
  ];
  const min = minimumRates(variants);
  // Amplification ports of every variant (the per-destination counter keeps them apart, see volumetric.ts).
  const ampPort = new Uint8Array(65536);
  for (const v of variants) for (const p of v.amplification.sourcePorts) ampPort[p] = 1;
  const ampUnion: number[] = [];
  ampPort.forEach((x, p) => { if (x) ampUnion.push(p); });
  // Evidence starts at 5 % of the smallest pps threshold over one window.
  // Evidence (top sources, ports, samples) is kept for at most maxDetailedDestinations destinations per window,
  // from the moment one reaches 20 % of the smallest pps threshold; holders are pooled across windows, and
  // when the budget is used up the lower half (by packets) of the detailed destinations gives theirs back.
  const ampCapacity = Math.max(16, ampUnion.length);
  const pool: DstDetail[] = [];
  let detailed = 0;
  const acc: AccumulateOptions = {
    ampPort,
    detailAfter: ((min.pps * cfg.windowMs) / 1000) * 0.2,
    detail(): DstDetail | null {
      if (detailed >= cfg.maxDetailedDestinations) reclaim();
      const d = pool.pop() ?? new DstDetail(ampCapacity);
      d.reset();
      detailed++;
      return d;
    },
  };
  function release(s: DstStats): void {
    if (s.detail !== null) { pool.push(s.detail); s.detail = null; detailed--; }
  }
  function reclaim(): void {
    const list: DstStats[] = [];
    for (const s of dsts.values()) if (s.detail !== null) list.push(s);
    list.sort((a, b) => a.pkts - b.pkts);
    const k = list.length >> 1;
    for (let i = 0; i < k; i++) { release(list[i]!); list[i]!.noDetail = true; }
    st.evictions.details += k;
  }
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
  let dsts = new Map<string, DstStats>();
  const l2 = new L2State(cfg.maxL2Keys, cfg.maxTrackedPorts, cfg.maxMacsPerPort);
  const scans = new ScanState(cfg.maxTrackedScanSources);
  const bogons = new BogonState(cfg.maxL2Keys);
  let openedMs = -1;
  let scanOpenedMs = -1;
  const st: EngineStats = {
    flowsObserved: 0, windowsClosed: 0, scanWindowsClosed: 0, trackedDestinations: 0, trackedScanSources: 0, trackedPorts: 0,
    evictions: { destinations: 0, details: 0, scanSources: 0, l2Findings: 0, ports: 0, macs: 0, bogonPorts: 0 },
  };

  function observe(f: SecurityFlow): void {
    st.flowsObserved++;
    if (openedMs < 0) openedMs = f.receivedAtMs;
    if (scanOpenedMs < 0) scanOpenedMs = f.receivedAtMs;
    if (f.ipVersion !== 0 && f.dstAddr !== '') {
      let s = dsts.get(f.dstAddr);
      if (s === undefined) {
        if (dsts.size >= cfg.maxTrackedDestinations) {
          st.evictions.destinations += evictBottomHalf(dsts, (x) => x.pkts, cfg.maxTrackedDestinations >>> 1, release);
        }
        s = new DstStats(f.dstAddr);
        dsts.set(f.dstAddr, s);
      }
      accumulate(s, f, acc);
      if (scanEnabled) scans.observe(f, tcpSynOnly);
      if (bogonEnabled && isCheckedBogon(f)) bogons.observe(f);
    }
    if (l2Enabled && f.protocol === 'sflow-v5') l2.observe(f, ctx, l2For);
  }

  function closeFast(nowMs: number, out: AlertCandidate[]): void {
    const sec = Math.max(nowMs - openedMs, 1) / 1000;
    const topN = cfg.topN;
    for (const s of dsts.values()) {
      const pps = s.pkts / sec;
      if (pps <= min.pps && (s.bytes * 8) / sec <= min.bps && s.flowRecs / sec <= min.fps) continue;
      const t = overridden ? resolveThresholds(settings, { asn: s.victimAsn, dstAddr: s.addr }) : base;
      evaluateDst(s, t, sec, topN, ampUnion, out);
    }
    for (const s of dsts.values()) release(s);
    dsts = new Map();
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
      if (nowMs - openedMs >= cfg.windowMs) closeFast(nowMs, out);
      if (nowMs - scanOpenedMs >= cfg.scanWindowMs) closeScan(nowMs, out);
      return out;
    },
    setContext(next: SecurityContext): void {
      ctx = next;
      l2.contextChanged();
    },
    stats(): EngineStats {
      return {
        ...st, trackedDestinations: dsts.size, trackedScanSources: scans.sources.size, trackedPorts: l2.portCount,
        evictions: {
          ...st.evictions, scanSources: scans.evictions, l2Findings: l2.counters.findingsDropped, ports: l2.counters.portsDropped,
          macs: l2.counters.macsDropped, bogonPorts: bogons.dropped,
        },
      };
    },
  };
}
