/** Nothing counted twice: both-directions exporters, declared core ports, the duplicate-sampling symptom; config parsing. */
import { describe, expect, it } from 'vitest';
import type { FlowRecord } from '../decoders/types.js';
import { loadConfig } from '../../src/config/load.js';
import { canonicalExporter, parseCorePorts, parseDirectionRules } from '../../src/shared/exporter-rules.js';
import { exporterProblems } from '../../src/exporters/exporters.service.js';
import { ExporterStatsTable } from './exporter-stats.js';
import { FlowGuard } from './flow-guard.js';

function flow(o: Partial<FlowRecord>): FlowRecord {
  return {
    receivedAtMs: 0,
    flowStartMs: 0,
    flowEndMs: 0,
    protocol: 'ipfix',
    exporter: '192.0.2.1',
    observationDomain: 1,
    samplerId: 0,
    inIf: 1,
    outIf: 2,
    srcMac: 0x020000000001,
    dstMac: 0x020000000002,
    vlan: 0,
    innerVlan: 0,
    etherType: 0x800,
    ipVersion: 4,
    srcAddr: '10.0.0.1',
    dstAddr: '10.0.0.2',
    ipProto: 6,
    srcPort: 1,
    dstPort: 2,
    tcpFlags: 0,
    tos: 0,
    fragment: 0,
    direction: 255,
    packets: 1,
    l3Octets: 100,
    frameOctets: 118,
    samplingRate: 1,
    samplingSource: 'record',
    srcAsn: 0,
    dstAsn: 0,
    srcAttr: 'none',
    dstAttr: 'none',
    ...o,
  };
}

/** Frame i of a conversation: A→B records differ by ports and counts; `reverse` is the B→A half. */
const frame = (i: number, direction: number, reverse = false) =>
  flow({
    direction,
    srcPort: reverse ? 80 : 1000 + i,
    dstPort: reverse ? 1000 + i : 80,
    packets: 1 + (i % 5),
    l3Octets: 100 + i,
    ...(reverse ? { srcMac: 0x020000000002, dstMac: 0x020000000001 } : {}),
  });

describe('both directions', () => {
  it('an exporter+domain sending ingress and egress copies of the same traffic is counted on ingress only, from its first datagram', () => {
    const table = new ExporterStatsTable();
    const g = new FlowGuard({}, table);
    const s = table.recordDatagram('192.0.2.1', 'ipfix', 100, 1000);
    const d1 = Array.from({ length: 10 }, (_, i) => [frame(i, 0), frame(i, 1)]).flat();
    g.apply(d1, s, 1000);
    expect(d1.map((f) => f.direction)).toEqual(Array(10).fill(0));
    expect(s.directionModes).toEqual({ 1: 'both' });
    // Judged to send both: an egress record whose ingress copy has not come (yet) is dropped too.
    const d2 = [frame(50, 1), frame(51, 1)];
    g.apply(d2, s, 2000);
    expect(d2).toHaveLength(0);
    expect(s.ignored).toEqual({ both_directions: 12 });
    s.flows = 22;
    expect(exporterProblems(s, 2000).map((p) => p.code)).toEqual(['BOTH_DIRECTIONS']);
    expect(exporterProblems(s, 2000)[0]!.message).toMatch(/observation domain 1.*12 of 22 records \(54\.5 %\) ignored/);
  });

  it('the two halves of a conversation (A→B ingress, B→A egress, as softflowd marks them) are different traffic: all counted', () => {
    const table = new ExporterStatsTable();
    const g = new FlowGuard({}, table);
    const s = table.recordDatagram('192.0.2.1', 'ipfix', 100, 1000);
    for (let k = 0; k < 5; k++) {
      const d = Array.from({ length: 10 }, (_, i) => [frame(k * 10 + i, 0), frame(k * 10 + i, 1, true)]).flat();
      g.apply(d, s, 1000 + k);
      expect(d).toHaveLength(20);
    }
    expect(s.ignored ?? {}).toEqual({});
    expect(s.directionModes).toBeUndefined();
  });

  it('a verdict carried over a restart (seeded exporter health) drops egress copies from the first datagram', () => {
    const before = new ExporterStatsTable();
    const s0 = before.recordDatagram('192.0.2.1', 'ipfix', 1, 1000);
    new FlowGuard({}, before).apply(Array.from({ length: 10 }, (_, i) => [frame(i, 0), frame(i, 1)]).flat(), s0, 1000);
    const table = new ExporterStatsTable(before.snapshot());
    const g = new FlowGuard({}, table);
    const only = [frame(70, 1)];
    g.apply(only, table.recordDatagram('192.0.2.1', 'ipfix', 1, 5000), 5000);
    expect(only).toHaveLength(0);
    expect(table.byExporter.get('192.0.2.1')!.ignored).toEqual({ both_directions: 11 });
  });

  it('egress-only exporters, other domains, sFlow and `all` overrides count everything; `ingress` forces it', () => {
    const table = new ExporterStatsTable();
    const g = new FlowGuard({ directionOverrides: '192.0.2.0/28=all,198.51.100.0/24=ingress' }, table);
    const only = [flow({ exporter: '203.0.113.1', direction: 1 }), flow({ exporter: '203.0.113.1', direction: 1 })];
    g.apply(only, table.recordDatagram('203.0.113.1', 'ipfix', 1, 1), 1);
    expect(only).toHaveLength(2);
    const forcedAll = [flow({ direction: 0 }), flow({ direction: 1 })];
    g.apply(forcedAll, table.recordDatagram('192.0.2.1', 'ipfix', 1, 1), 1);
    expect(forcedAll).toHaveLength(2);
    const forcedIngress = [flow({ exporter: '198.51.100.9', direction: 1 })];
    g.apply(forcedIngress, table.recordDatagram('198.51.100.9', 'ipfix', 1, 1), 1);
    expect(forcedIngress).toHaveLength(0);
    const sflow = [
      flow({ exporter: '203.0.113.7', protocol: 'sflow-v5', direction: 0 }),
      flow({ exporter: '203.0.113.7', protocol: 'sflow-v5', direction: 1 }),
    ];
    g.apply(sflow, table.recordDatagram('203.0.113.7', 'sflow-v5', 1, 1), 1);
    expect(sflow).toHaveLength(2);
  });
});

describe('core ports', () => {
  it('samples whose input interface is a declared core port are counted, not kept', () => {
    const table = new ExporterStatsTable();
    const g = new FlowGuard({ corePorts: '192.0.2.1:7,[2001:DB8:0::1]:9' }, table);
    const s = table.recordDatagram('192.0.2.1', 'sflow-v5', 1, 1);
    const d = [
      flow({ protocol: 'sflow-v5', inIf: 7 }),
      flow({ protocol: 'sflow-v5', inIf: 3 }),
      flow({ protocol: 'sflow-v5', inIf: 7, direction: 1 }),
    ];
    g.apply(d, s, 1);
    expect(d.map((f) => f.inIf)).toEqual([3]);
    expect(s.ignored).toEqual({ core_port: 2 });
    const v6 = table.recordDatagram('2001:db8::1', 'sflow-v5', 1, 1);
    const d6 = [flow({ exporter: '2001:db8::1', protocol: 'sflow-v5', inIf: 9 })];
    g.apply(d6, v6, 1);
    expect(d6).toHaveLength(0);
  });

  it('parses and refuses IXMETER_CORE_PORTS / IXMETER_FLOW_DIRECTION_OVERRIDES with clear messages', () => {
    expect(
      [...parseCorePorts('192.0.2.1:7, 192.0.2.1:8,[2001:db8::1]:7,[::ffff:192.0.2.9]:1')].map(([e, s]) => [e, [...s]]),
    ).toEqual([
      ['192.0.2.1', [7, 8]],
      ['2001:db8::1', [7]],
      ['192.0.2.9', [1]],
    ]);
    expect(() => parseCorePorts('2001:db8::1:7')).toThrow(
      /'2001:db8::1:7' is not exporter:ifIndex .*\[2001:db8::1\]:7/,
    );
    expect(() => parseCorePorts('192.0.2.1:0')).toThrow(/ifIndex in '192.0.2.1:0' must be/);
    expect(() => parseCorePorts('300.0.2.1:3')).toThrow(/invalid exporter address/);
    expect(() => parseDirectionRules('192.0.2.0/24=egress')).toThrow(
      /mode 'egress' .* must be one of auto, ingress, all \(both = all\)/,
    );
    expect(parseDirectionRules('192.0.2.0/24=both')[0]!.mode).toBe('all');
    expect(() => parseDirectionRules('192.0.2.0=all')).toThrow(/is not CIDR=mode/);
    expect(canonicalExporter('2001:0DB8::0:1')).toBe('2001:db8::1');
    // Validated by the config schema: the error names the key, the value and the expected form.
    expect(() => loadConfig({ IXMETER_CORE_PORTS: '2001:db8::1:7' })).toThrow(
      /IXMETER_CORE_PORTS="2001:db8::1:7": '2001:db8::1:7' is not exporter:ifIndex/,
    );
    expect(() => loadConfig({ IXMETER_FLOW_DIRECTION_OVERRIDES: '10.0.0.0/8=egress' })).toThrow(
      /IXMETER_FLOW_DIRECTION_OVERRIDES="10.0.0.0\/8=egress": mode 'egress'/,
    );
    expect(
      loadConfig({ IXMETER_CORE_PORTS: '[2001:db8::1]:7', IXMETER_FLOW_DIRECTION_OVERRIDES: '10.0.0.0/8=ingress' })
        .IXMETER_CORE_PORTS,
    ).toBe('[2001:db8::1]:7');
  });
});

/** Two exporters, 64 × 64 MAC pairs over two 10-s windows; `each` sends what both see of pair (srcMac, dstMac). */
function twoExporters(
  each: (
    send: (e: 'a' | 'b', f: Partial<FlowRecord>) => FlowRecord[],
    srcMac: number,
    dstMac: number,
    i: number,
  ) => void,
) {
  const table = new ExporterStatsTable();
  const g = new FlowGuard({}, table);
  const s = {
    a: table.recordDatagram('192.0.2.1', 'sflow-v5', 1, 1),
    b: table.recordDatagram('192.0.2.2', 'sflow-v5', 1, 1),
  };
  let now = 0;
  const send = (e: 'a' | 'b', f: Partial<FlowRecord>) => {
    const list = [flow({ protocol: 'sflow-v5', exporter: s[e].exporter, samplingRate: 1000, ...f })];
    g.apply(list, s[e], now);
    return list;
  };
  for (let t = 0; t < 2; t++) {
    for (let i = 0; i < 4096; i++) {
      now = 1000 + t * 11_000 + i;
      each(send, 0x020000000000 + (i >> 6), 0x020000001000 + (i & 63), i);
    }
  }
  return s;
}

describe('duplicate sampling (undeclared core ports)', () => {
  it('the same MAC pairs from two exporters within seconds at similar volumes are reported on both, with the likely core ifIndex', () => {
    // 1/64 of the pairs are looked at (MAC hash); each frame seen by both exporters (edge port 3 on .1, core port 49 on .2).
    const { a, b } = twoExporters((send, srcMac, dstMac) => {
      expect(send('a', { inIf: 3, srcMac, dstMac })).toHaveLength(1);
      send('b', { inIf: 49, srcMac, dstMac });
    });
    expect(a.duplicateSampling).toMatchObject({ peer: '192.0.2.2', inIf: 3 });
    expect(b.duplicateSampling).toMatchObject({ peer: '192.0.2.1', inIf: 49 });
    expect(b.duplicateSampling!.pairs).toBeGreaterThanOrEqual(32);
    const p = exporterProblems(b, 20_000).find((x) => x.code === 'DUPLICATE_SAMPLING');
    expect(p?.message).toMatch(
      /also arrive from 192\.0\.2\.1 .*ifIndex 49.*IXMETER_CORE_PORTS \(e\.g\. 192\.0\.2\.2:49/,
    );
  });

  it('pairs seen by one exporter only, or at very different volumes, are not reported', () => {
    const { a, b } = twoExporters((send, srcMac, dstMac, i) => {
      send('a', { srcMac, dstMac });
      send('b', { srcMac, dstMac: dstMac + 64 });
      if (i % 64 === 0) send('b', { srcMac, dstMac, samplingRate: 10 });
    });
    expect(a.duplicateSampling).toBeUndefined();
    expect(b.duplicateSampling).toBeUndefined();
  });
});
