import { describe, expect, it } from 'vitest';
import type { FlowRecord } from '../../../collectors/decoders/types.js';
import { parseSecuritySettings } from '../thresholds.js';
import type { AlertCandidate, SecurityFlow } from '../types.js';
import { createFastPathEngine } from './engine.js';
import { context, flow, T0 } from './testing.js';

// Compile-time: a decoder FlowRecord plus attribution is accepted by observe().
const _typeCheck = (f: FlowRecord & { srcAsn: number; dstAsn: number }): SecurityFlow => f;
void _typeCheck;

/** Feed `n` flows spread over the first 5 s, close the window at T0+5000 and return the candidates. */
function run(
  flows: (i: number) => Partial<SecurityFlow>,
  n: number,
  settings = parseSecuritySettings({}),
): AlertCandidate[] {
  const e = createFastPathEngine(settings, context());
  for (let i = 0; i < n; i++) e.observe(flow({ receivedAtMs: T0 + Math.floor((i * 4999) / n), ...flows(i) }));
  return e.tick(T0 + 5_000);
}
const types = (c: AlertCandidate[]) => c.map((x) => x.type);

describe('DDoS detectors with sampling scaling', () => {
  it('1:1000 sFlow, 25 samples in 5 s = 5,000 pps estimated (fragments fire above 5,000 only)', () => {
    const at = run(() => ({ samplingRate: 1000, fragment: 1 }), 25);
    expect(types(at)).not.toContain('DDOS_FRAGMENTS');
    const above = run(() => ({ samplingRate: 1000, fragment: 1 }), 26);
    const c = above.find((x) => x.type === 'DDOS_FRAGMENTS')!;
    expect(c.metrics.pps).toBeCloseTo(5_200);
    expect(c.thresholds.pps).toBe(5_000);
    expect(c.evidence.samplingRates).toEqual([1000]);
  });

  it('volumetric per destination: fires above 20,000 pps with source IP, target, victim and time', () => {
    expect(types(run((i) => ({ samplingRate: 1000, srcPort: 40000 + i, ipProto: 47 }), 100))).not.toContain(
      'DDOS_VOLUMETRIC_DST',
    );
    const c = run(
      (i) => ({ samplingRate: 1000, ipProto: 47, srcAddr: i % 2 ? '198.51.99.1' : '198.51.99.2' }),
      101,
    ).find((x) => x.type === 'DDOS_VOLUMETRIC_DST')!;
    expect(c.ruleId).toBe('DDOS_VOLUMETRIC_DST@1');
    expect(c.target).toBe('203.0.114.10');
    expect(c.victimAsn).toBe(64501);
    expect(c.sourceAsn).toBe(64500);
    expect(c.metrics.pps).toBeCloseTo(20_200);
    expect(c.evidence.topSources.map((s) => s.addr).sort()).toEqual(['198.51.99.1', '198.51.99.2']);
    expect(c.firstSeenMs).toBe(T0);
    expect(c.lastSeenMs).toBeGreaterThan(T0);
    expect(c.evidence.sampleFlows.length).toBeLessThanOrEqual(10);
  });

  it('volumetric bps and flows/s (NetFlow records scaled by the rate)', () => {
    // 45 records × 20 jumbo packets × rate 100 in 5 s = 18,000 pps (below 20k) and 45·180,360·100·8/5 ≈ 1.3 Gbps
    const big = run(() => ({ samplingRate: 100, frameOctets: 180_360, packets: 20, ipProto: 47 }), 45);
    const c = big.find((x) => x.type === 'DDOS_VOLUMETRIC_DST')!;
    expect(c.metrics.pps).toBeCloseTo(18_000);
    expect(c.metrics.bps).toBeCloseTo(1.298592e9);
    const small = run(() => ({ samplingRate: 100, frameOctets: 130_000, packets: 20, ipProto: 47 }), 45); // ≈ 0.94 Gbps
    expect(types(small)).not.toContain('DDOS_VOLUMETRIC_DST');
    const fps = run((i) => ({ protocol: 'ipfix', samplingRate: 10, ipProto: 47, srcPort: i }), 1_800); // 3,600 flows/s
    expect(fps.find((x) => x.type === 'DDOS_VOLUMETRIC_DST')!.metrics.flowsPerSecond).toBeCloseTo(3_600);
    expect(types(run(() => ({ protocol: 'ipfix', samplingRate: 10, ipProto: 47 }), 1_700))).not.toContain(
      'DDOS_VOLUMETRIC_DST',
    );
  });

  it('per-protocol flood (UDP > 10,000 pps) below the all-protocol threshold', () => {
    const c = run(() => ({ samplingRate: 1000 }), 60).find((x) => x.ruleId === 'DDOS_VOLUMETRIC_PROTO@1')!;
    expect(c.evidence.details).toMatchObject({ protocol: 'udp' });
    expect(types(run(() => ({ samplingRate: 1000 }), 50))).toEqual([]);
  });

  it('amplification by UDP source port', () => {
    const c = run((i) => ({ samplingRate: 1000, srcPort: i % 2 ? 123 : 11211, frameOctets: 500 }), 101).find(
      (x) => x.type === 'DDOS_AMPLIFICATION',
    )!;
    expect(c.evidence.details).toMatchObject({ amplificationPorts: [123, 11211] });
    expect(c.metrics.pps).toBeCloseTo(20_200);
    expect(types(run(() => ({ samplingRate: 1000, srcPort: 123 }), 99))).not.toContain('DDOS_AMPLIFICATION');
    expect(types(run(() => ({ samplingRate: 1000, srcPort: 5000 }), 101))).not.toContain('DDOS_AMPLIFICATION');
  });

  it('SYN flood needs > 10,000 SYN pps and SYN share > 50 %', () => {
    const syn = { ipProto: 6, tcpFlags: 0x02, samplingRate: 1000 };
    const c = run(() => syn, 51).find((x) => x.type === 'DDOS_SYN_FLOOD')!;
    expect(c.metrics.share).toBe(1);
    expect(types(run(() => syn, 50))).not.toContain('DDOS_SYN_FLOOD');
    const mixed = run((i) => (i < 51 ? syn : { ...syn, tcpFlags: 0x10 }), 110); // share 46 %
    expect(types(mixed)).not.toContain('DDOS_SYN_FLOOD');
  });

  it('per-member and per-prefix overrides change the outcome', () => {
    const settings = parseSecuritySettings({
      overrides: {
        members: [{ asn: 64501, detectors: { fragments: { pps: 100_000 } } }],
        prefixes: [{ prefix: '203.0.114.0/24', detectors: { fragments: { pps: 50 } } }],
      },
    });
    const memberOnly = parseSecuritySettings({
      overrides: { members: [{ asn: 64501, detectors: { fragments: { pps: 100_000 } } }] },
    });
    expect(types(run(() => ({ samplingRate: 1000, fragment: 1 }), 26, memberOnly))).not.toContain('DDOS_FRAGMENTS');
    const low = run(() => ({ samplingRate: 1, fragment: 1 }), 300, settings); // 60 pps > 50 (prefix beats member)
    expect(low.find((x) => x.type === 'DDOS_FRAGMENTS')!.thresholds.pps).toBe(50);
  });

  it('severity escalates to critical at the critical factor', () => {
    const c = run(() => ({ samplingRate: 10_000, ipProto: 47 }), 60).find((x) => x.type === 'DDOS_VOLUMETRIC_DST')!; // 120k pps = 6×
    expect(c.severity).toBe('critical');
  });

  it('bounded memory under a flood of random destinations; evictions counted; the victim survives', () => {
    const settings = parseSecuritySettings({ engine: { maxTrackedDestinations: 1_000, maxDetailedDestinations: 64 } });
    const e = createFastPathEngine(settings, context());
    let x = 12345;
    for (let i = 0; i < 50_000; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      const dst = `100.${(x >>> 16) & 255}.${(x >>> 8) & 255}.${x & 255}`;
      e.observe(flow({ receivedAtMs: T0 + (i % 4000), dstAddr: dst, samplingRate: 1000 }));
      if (i % 10 === 0)
        e.observe(flow({ receivedAtMs: T0 + (i % 4000), dstAddr: '203.0.114.99', samplingRate: 1000, ipProto: 47 }));
      expect(e.stats().trackedDestinations).toBeLessThanOrEqual(1_000);
    }
    expect(e.stats().evictions.destinations).toBeGreaterThan(40_000);
    const out = e.tick(T0 + 5_000);
    expect(out.some((c) => c.type === 'DDOS_VOLUMETRIC_DST' && c.target === '203.0.114.99')).toBe(true);
    // Sliding window: a destination is forgotten one window (5 s) after its last flow (here: T0 + 3999).
    expect(e.stats().trackedDestinations).toBeLessThanOrEqual(1_000);
    e.tick(T0 + 9_250);
    expect(e.stats().trackedDestinations).toBe(0);
  });
});
