import { describe, expect, it } from 'vitest';
import { parseSecuritySettings } from '../thresholds.js';
import type { AlertCandidate, SecurityFlow } from '../types.js';
import { createFastPathEngine } from './engine.js';
import { context, flow, T0 } from './testing.js';

const SCAN = 300_000;
function run(flows: Array<Partial<SecurityFlow>>): AlertCandidate[] {
  const e = createFastPathEngine(parseSecuritySettings({}), context());
  flows.forEach((f, i) => e.observe(flow({ receivedAtMs: T0 + i, ...f })));
  const fast = e.tick(T0 + 5_000).filter((c) => c.type.startsWith('SCAN') || c.type === 'IP_BOGON_SOURCE');
  expect(fast).toEqual([]); // scans and bogons close with the 5-minute window only
  return e.tick(T0 + SCAN);
}
const syn = (dstAddr: string, dstPort: number, samplingRate = 1): Partial<SecurityFlow> => ({
  srcAddr: '198.51.99.66',
  dstAddr,
  dstPort,
  ipProto: 6,
  tcpFlags: 0x02,
  samplingRate,
  protocol: 'ipfix',
});
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('scans (Zeek defaults, 5-minute window)', () => {
  it('port scan: ≥ 15 distinct ports on one host (unsampled)', () => {
    const c = run(range(15).map((i) => syn('203.0.114.1', 1000 + i)));
    const s = c.find((x) => x.type === 'SCAN_PORT')!;
    expect(s).toMatchObject({ target: '198.51.99.66', sourceAsn: 64500, severity: 'warning', ruleId: 'SCAN_PORT@1' });
    expect(s.metrics).toMatchObject({ distinctPorts: 15, relativeIndicator: 0 });
    expect(run(range(14).map((i) => syn('203.0.114.1', 1000 + i))).map((x) => x.type)).not.toContain('SCAN_PORT');
  });

  it('address scan: ≥ 25 distinct hosts on one port', () => {
    const c = run(range(25).map((i) => syn(`203.0.114.${i + 1}`, 22)));
    expect(c.find((x) => x.type === 'SCAN_ADDRESS')!.evidence.details).toMatchObject({ port: 22 });
    expect(run(range(24).map((i) => syn(`203.0.114.${i + 1}`, 22))).map((x) => x.type)).not.toContain('SCAN_ADDRESS');
  });

  it('sampled: threshold ÷ rate with a floor of 3, flagged as a relative indicator', () => {
    // 1:4 → port-scan threshold ceil(15/4) = 4 distinct sampled ports
    const c = run(range(4).map((i) => syn('203.0.114.1', 1000 + i, 4)));
    const s = c.find((x) => x.type === 'SCAN_PORT')!;
    expect(s.severity).toBe('info');
    expect(s.thresholds).toMatchObject({ distinctPorts: 4, zeekDistinctPorts: 15, samplingRate: 4 });
    expect(s.metrics).toMatchObject({ relativeIndicator: 1, estimatedDistinctPorts: 16 });
    expect(run(range(3).map((i) => syn('203.0.114.1', 1000 + i, 4))).map((x) => x.type)).not.toContain('SCAN_PORT');
    // 1:1000 → floor of 3 applies
    expect(run(range(3).map((i) => syn(`203.0.114.${i + 1}`, 23, 1000))).map((x) => x.type)).toContain('SCAN_ADDRESS');
    expect(run(range(2).map((i) => syn(`203.0.114.${i + 1}`, 23, 1000))).map((x) => x.type)).not.toContain(
      'SCAN_ADDRESS',
    );
  });

  it('server replies (SYN-ACK, UDP from service ports) are not probes', () => {
    const synAck = range(30).map((i) => ({ ...syn('203.0.114.1', 40000 + i), tcpFlags: 0x12 }));
    const dns = range(30).map((i) => ({ ...syn('203.0.114.1', 40000 + i), ipProto: 17, srcPort: 53, tcpFlags: 0 }));
    expect(run([...synAck, ...dns]).filter((x) => x.type.startsWith('SCAN'))).toEqual([]);
  });
});

describe('bogon sources over the 5-minute window', () => {
  it('any bogon → info; > 1,000 pps → major; link-local ICMPv6 (ND) is ignored', () => {
    const info = run([{ srcAddr: '10.1.2.3' }]).find((x) => x.type === 'IP_BOGON_SOURCE')!;
    expect(info).toMatchObject({ severity: 'info', target: '10.0.0.1|1', sourceAsn: 64500 });
    expect(info.evidence.topSources[0]!.addr).toBe('10.1.2.3');
    // 301 samples × 1000 over 300 s ≈ 1,003 pps
    const major = run(range(301).map(() => ({ srcAddr: '192.168.0.1', samplingRate: 1000 }))).find(
      (x) => x.type === 'IP_BOGON_SOURCE',
    )!;
    expect(major.severity).toBe('major');
    expect(
      run([{ srcAddr: 'fe80::1', ipVersion: 6, ipProto: 58, dstPort: 135 * 256, dstAddr: 'ff02::1:ff00:1' }]).filter(
        (x) => x.type === 'IP_BOGON_SOURCE',
      ),
    ).toEqual([]);
    expect(run([{ srcAddr: '8.8.8.8' }]).filter((x) => x.type === 'IP_BOGON_SOURCE')).toEqual([]);
  });
});
