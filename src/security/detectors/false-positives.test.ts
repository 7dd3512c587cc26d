/**
 * No false alarms from the sliding DDoS window: 10 minutes of generated member traffic in VIRTUAL time
 * (flow timestamps; ticks every 250 ms, as the collector does), with slow swings and thousands of bursts
 * that exceed the thresholds for a moment, raise no DDoS candidate. The same engine still catches a real
 * flood afterwards, within the sustained guard + one step.
 *
 * Scale: every rate threshold is the default / 100 (volumetric 200 pps, per protocol 100 pps, …) so 10
 * minutes of 120 destinations fit in a few million flows; ratios are the defaults'. Background per
 * destination stays ≤ 0.4× every threshold; bursts are 20–500 ms at 2–12× the volumetric threshold, or
 * 500–700 ms at ≤ 1.4× (both shorter than the 1-s guard), at least 2 s apart on one destination (bursts
 * back to back are traffic above the threshold for longer than the guard: an attack by definition).
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_DETECTORS, parseSecuritySettings } from '../thresholds.js';
import type { SecurityFlow } from '../types.js';
import { createFastPathEngine } from './engine.js';
import { context, flow, T0 } from './testing.js';

const K = 100;
const D = DEFAULT_DETECTORS;
const SETTINGS = parseSecuritySettings({
  detectors: {
    volumetric: {
      pps: D.volumetric.pps / K,
      bps: D.volumetric.bps / K,
      flowsPerSecond: D.volumetric.flowsPerSecond / K,
    },
    protocol: {
      tcpPps: D.protocol.tcpPps / K,
      udpPps: D.protocol.udpPps / K,
      icmpPps: D.protocol.icmpPps / K,
      tcpBps: D.protocol.tcpBps / K,
      udpBps: D.protocol.udpBps / K,
      icmpBps: D.protocol.icmpBps / K,
    },
    amplification: { pps: D.amplification.pps / K, bps: D.amplification.bps / K },
    synFlood: { pps: D.synFlood.pps / K },
    fragments: { pps: D.fragments.pps / K },
  },
});
const VOL = SETTINGS.detectors.volumetric.pps;
const STEP = 250;
const MINUTES = 10;
const DESTS = 60;

function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

interface Burst {
  dst: number;
  from: number;
  to: number;
  pps: number;
}

/** Flows of one 250-ms slice [t, t + STEP): background of every destination plus the bursts active then. */
function slice(t: number, rnd: () => number, base: number[], phase: number[], bursts: Burst[]): SecurityFlow[] {
  const out: SecurityFlow[] = [];
  const emit = (dst: number, at: number, kind: number) => {
    const addr = `203.0.${dst >> 6}.${dst & 63}`;
    const tcp = kind < 0.6;
    const udp = !tcp && kind < 0.9;
    const ipfix = rnd() < 0.25;
    out.push(
      flow({
        receivedAtMs: at,
        dstAddr: addr,
        dstAsn: 64600 + (dst % 30),
        srcAddr: `198.51.${(rnd() * 256) | 0}.${(rnd() * 256) | 0}`,
        srcAsn: 64500 + ((rnd() * 40) | 0),
        protocol: ipfix ? 'ipfix' : 'sflow-v5',
        ipProto: tcp ? 6 : udp ? 17 : 1,
        tcpFlags: tcp ? (rnd() < 0.08 ? 0x02 : 0x10) : 0,
        srcPort: udp && rnd() < 0.1 ? 53 : 1024 + ((rnd() * 60000) | 0),
        dstPort: tcp ? 443 : udp ? 4000 + ((rnd() * 1000) | 0) : 0x0800,
        fragment: rnd() < 0.01 ? 1 : 0,
        packets: 1,
        frameOctets: 64 + ((rnd() * 1400) | 0),
        samplingRate: 1,
      }),
    );
  };
  for (let d = 0; d < DESTS; d++) {
    const rate = base[d]! * (1 + 0.3 * Math.sin((t - T0) / 15_000 + phase[d]!)); // slow swing
    let n = (rate * STEP) / 1000;
    const whole = Math.floor(n);
    n = whole + (rnd() < n - whole ? 1 : 0);
    for (let i = 0; i < n; i++) emit(d, t + Math.floor(rnd() * STEP), rnd());
  }
  for (const b of bursts) {
    const from = Math.max(b.from, t);
    const to = Math.min(b.to, t + STEP);
    if (to <= from) continue;
    const n = Math.round(((to - from) / 1000) * b.pps);
    for (let i = 0; i < n; i++) emit(b.dst, from + Math.floor((i * (to - from)) / n), 0.95); // ICMP-ish other traffic: volumetric only
  }
  return out.sort((a, b) => a.receivedAtMs - b.receivedAtMs);
}

describe('false positives of the sliding DDoS window', () => {
  it('10 minutes of mixed member traffic with bursts (virtual time) raise no DDoS alert; a real flood afterwards does', () => {
    const rnd = rng(2026);
    const base = Array.from({ length: DESTS }, () => 2 + rnd() * 30); // ≤ 32 × 1.3 = 41.6 pps ≤ 0.42 × 100 (per protocol: ≤ 60 % of it)
    const phase = Array.from({ length: DESTS }, () => rnd() * 6.28);
    const end = T0 + MINUTES * 60_000;
    const bursts: Burst[] = [];
    const quietFrom = new Array<number>(DESTS).fill(0);
    for (let t = T0; t < end; t += 150 + rnd() * 300) {
      // ≈ 2,000 bursts
      const short = rnd() < 0.8;
      const len = short ? 20 + rnd() * 480 : 500 + rnd() * 200;
      const pps = short ? VOL * (2 + rnd() * 10) : VOL * (1.05 + rnd() * 0.35);
      const dst = (rnd() * DESTS) | 0;
      if (t < quietFrom[dst]!) continue;
      bursts.push({ dst, from: t, to: t + len, pps });
      quietFrom[dst] = t + len + 2000;
    }
    const e = createFastPathEngine(SETTINGS, context());
    const alerts: string[] = [];
    let flows = 0;
    let active: Burst[] = [];
    let next = 0;
    for (let t = T0; t < end; t += STEP) {
      while (next < bursts.length && bursts[next]!.from < t + STEP) active.push(bursts[next++]!);
      const batch = slice(t, rnd, base, phase, active);
      active = active.filter((b) => b.to > t + STEP);
      for (const f of batch) e.observe(f);
      flows += batch.length;
      for (const c of e.tick(t + STEP))
        if (c.type.startsWith('DDOS_'))
          alerts.push(`${(t + STEP - T0) / 1000}s ${c.type} ${c.target} ${c.ruleId} pps=${c.metrics.pps?.toFixed(0)}`);
    }
    expect(alerts).toEqual([]);
    // The bursts did exceed the threshold (else "no alert" would prove nothing), and the traffic is real.
    expect(bursts.filter((b) => b.pps > VOL).length).toBeGreaterThan(1_500);
    expect(flows).toBeGreaterThan(500_000);

    // A real flood (3× the volumetric threshold, 3 s) on one of those destinations is caught within guard + step.
    const start = end + 130;
    const flood: Burst = { dst: 7, from: start, to: start + 3000, pps: 3 * VOL };
    let firstAlert = -1;
    for (let t = end; t < end + 6000; t += STEP) {
      for (const f of slice(t, rnd, base, phase, [flood])) e.observe(f);
      const c = e.tick(t + STEP).filter((x) => x.type === 'DDOS_VOLUMETRIC_DST' && x.target === '203.0.0.7');
      if (c.length && firstAlert < 0) firstAlert = t + STEP;
    }
    expect(firstAlert).toBeGreaterThan(0);
    expect(firstAlert - start).toBeLessThanOrEqual(SETTINGS.engine.sustainMs + STEP);
  }, 120_000);
});
