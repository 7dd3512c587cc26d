import { describe, expect, it } from 'vitest';
import { parseMac } from '../shared/addr.js';
import { NO_SAMPLING_POLICY, type SamplingPolicy } from '../types.js';
import { createSflowState, decodeSflow, describeSflowState } from './index.js';
import {
  arp,
  concat,
  counterSample,
  datagram,
  discardedSample,
  envelope,
  ETH_ARP,
  ETH_IPV4,
  ETH_IPV6,
  ETH_LLDP,
  ETH_QINQ,
  ethernet,
  ethernetCounters,
  ethernetFrameData,
  expandedCounterSample,
  expandedFlowSample,
  extendedGateway,
  extendedRouter,
  extendedSwitch,
  flowSample,
  genericCounters,
  ETH_MPLS,
  ifDiscard,
  ifMultiple,
  ipv4,
  ipv4Data,
  ipv6,
  ipv6Data,
  llcFrame,
  mpls,
  rawHeader,
  tcp,
  u32,
  udp,
} from './testing/encode.js';

const A = '02:00:00:00:00:0a';
const B = '02:00:00:00:00:0b';
const frame4 = (vlans: number[] = [], payloadLength = 1000) =>
  ethernet({
    dst: B,
    src: A,
    vlans,
    etherType: ETH_IPV4,
    payload: ipv4({
      src: '185.1.0.10',
      dst: '185.1.0.20',
      proto: 6,
      tos: 0x20,
      payload: tcp({ srcPort: 443, dstPort: 50123, flags: 0x18, payloadLength }),
    }),
  });
const dg = (samples: Uint8Array[], o: { seq?: number; agent?: string; sub?: number; uptime?: number } = {}) =>
  datagram({
    agent: o.agent ?? '10.0.0.1',
    subAgentId: o.sub ?? 3,
    sequence: o.seq ?? 1,
    uptimeMs: o.uptime ?? 60_000,
    samples,
  });
const run = (payload: Uint8Array, policy: SamplingPolicy = NO_SAMPLING_POLICY, state = createSflowState()) =>
  decodeSflow({ receivedAtMs: 1_700_000_000_000, exporter: '192.0.2.9', exporterPort: 6343, payload }, state, policy);
const fs = (records: Uint8Array[], o: Partial<Parameters<typeof flowSample>[0]> = {}) =>
  flowSample({ sequence: 1, sourceIndex: 7, samplingRate: 4096, samplePool: 4096, input: 7, output: 9, records, ...o });

describe('decodeSflow: flow samples', () => {
  it('raw header + extended switch → a complete FlowRecord', () => {
    const r = run(dg([fs([rawHeader(frame4([100])), extendedSwitch({ srcVlan: 100, dstVlan: 100 })])]));
    expect(r.stats.errors).toEqual({});
    expect(r.flows).toHaveLength(1);
    expect(r.flows[0]).toEqual({
      receivedAtMs: 1_700_000_000_000,
      flowStartMs: 0,
      flowEndMs: 0,
      protocol: 'sflow-v5',
      exporter: '192.0.2.9',
      observationDomain: 3,
      samplerId: 7,
      inIf: 7,
      outIf: 9,
      srcMac: parseMac(A),
      dstMac: parseMac(B),
      vlan: 100,
      innerVlan: 0,
      etherType: 0x0800,
      ipVersion: 4,
      srcAddr: '185.1.0.10',
      dstAddr: '185.1.0.20',
      ipProto: 6,
      srcPort: 443,
      dstPort: 50123,
      tcpFlags: 0x18,
      tos: 0x20,
      fragment: 0,
      direction: 0,
      packets: 1,
      l3Octets: 1040,
      frameOctets: 18 + 1040 + 4,
      samplingRate: 4096,
      samplingSource: 'sflow',
      srcAsn: 0,
      dstAsn: 0,
      srcAttr: 'none',
      dstAttr: 'none',
    });
  });

  it('VLAN from extended switch when the header is untagged; header VLAN wins otherwise', () => {
    const r = run(
      dg([
        fs([rawHeader(frame4()), extendedSwitch({ srcVlan: 0, dstVlan: 200 })]),
        fs([rawHeader(frame4([10])), extendedSwitch({ srcVlan: 300 })], { sequence: 2 }),
      ]),
    );
    expect(r.flows.map((f) => f.vlan)).toEqual([200, 10]);
    expect(r.flows[0]!.frameOctets - r.flows[0]!.l3Octets).toBe(18);
  });

  it('QinQ header: outer and inner VLAN', () => {
    const f = ethernet({
      dst: B,
      src: A,
      vlans: [{ id: 1062, tpid: ETH_QINQ }, 1493],
      etherType: ETH_IPV4,
      payload: ipv4({ src: '49.49.49.2', dst: '49.49.49.109', proto: 6, payload: tcp({ srcPort: 1, dstPort: 443 }) }),
    });
    const r = run(
      dg([
        expandedFlowSample({
          sequence: 1,
          sourceIndex: 5,
          samplingRate: 1000,
          input: 5,
          output: 6,
          records: [rawHeader(f)],
        }),
      ]),
    );
    expect(r.flows[0]).toMatchObject({
      vlan: 1062,
      innerVlan: 1493,
      etherType: 0x0800,
      l3Octets: 40,
      frameOctets: f.length + 4,
      inIf: 5,
      outIf: 6,
    });
  });

  it('ARP, LLDP and STP samples keep ethertype, MACs and ARP addresses', () => {
    const arpF = ethernet({
      dst: 'ff:ff:ff:ff:ff:ff',
      src: A,
      etherType: ETH_ARP,
      payload: arp({ op: 2, senderMac: A, senderIp: '185.1.0.10', targetMac: B, targetIp: '185.1.0.20' }),
    });
    const lldp = ethernet({ dst: '01:80:c2:00:00:0e', src: A, etherType: ETH_LLDP, payload: new Uint8Array(46) });
    const stp = llcFrame({ dst: '01:80:c2:00:00:00', src: A, dsap: 0x42, ssap: 0x42, payload: new Uint8Array(43) });
    const r = run(
      dg([fs([rawHeader(arpF)]), fs([rawHeader(lldp)], { sequence: 2 }), fs([rawHeader(stp)], { sequence: 3 })]),
    );
    expect(r.stats.errors).toEqual({});
    expect(r.flows[0]).toMatchObject({
      etherType: 0x0806,
      dstMac: 0xffffffffffff,
      ipVersion: 0,
      srcAddr: '185.1.0.10',
      dstAddr: '185.1.0.20',
      l3Octets: arpF.length - 14,
    });
    expect(r.flows[1]).toMatchObject({ etherType: 0x88cc, dstMac: 0x0180c200000e, srcMac: parseMac(A), ipVersion: 0 });
    expect(r.flows[2]).toMatchObject({ etherType: 0, dstMac: 0x0180c2000000 });
  });

  it('MPLS frame: wire ethertype 0x8847 kept, inner IPv4 decoded, l3Octets = IP length', () => {
    const inner = ipv4({
      src: '10.1.1.1',
      dst: '10.2.2.2',
      proto: 17,
      payload: udp({ srcPort: 4789, dstPort: 4789, payloadLength: 500 }),
    });
    const f = ethernet({ dst: B, src: A, etherType: ETH_MPLS, payload: mpls([3001, 16], inner) });
    const r = run(dg([fs([rawHeader(f)])]));
    expect(r.stats.errors).toEqual({});
    expect(r.flows[0]).toMatchObject({
      etherType: 0x8847,
      ipVersion: 4,
      srcAddr: '10.1.1.1',
      ipProto: 17,
      dstPort: 4789,
      l3Octets: inner.length,
      frameOctets: f.length + 4,
    });
  });

  it('IPv6 with extension headers and a fragment', () => {
    const f = ethernet({
      dst: B,
      src: A,
      etherType: ETH_IPV6,
      payload: ipv6({
        src: '2001:7f8::1',
        dst: '2001:7f8::2',
        next: 17,
        ext: [{ type: 0 }, { type: 44, moreFragments: true }],
        payload: udp({ srcPort: 53, dstPort: 999, payloadLength: 1300 }),
      }),
    });
    const r = run(dg([fs([rawHeader(f)])]));
    expect(r.flows[0]).toMatchObject({
      ipVersion: 6,
      ipProto: 17,
      srcPort: 53,
      dstPort: 999,
      fragment: 1,
      srcAddr: '2001:7f8::1',
      l3Octets: f.length - 14,
      frameOctets: f.length + 4,
    });
  });

  it('truncated header: record kept with what parsed, bad_header counted', () => {
    const r = run(dg([fs([rawHeader(frame4([42]), { maxHeader: 30 })])]));
    expect(r.stats.errors).toEqual({ bad_header: 1 });
    expect(r.flows[0]).toMatchObject({
      srcMac: parseMac(A),
      dstMac: parseMac(B),
      vlan: 42,
      etherType: 0x0800,
      srcAddr: '',
      frameOctets: frame4([42]).length + 4,
      l3Octets: frame4([42]).length - 18,
    });
  });

  it('interface encodings: discard / multiple → outIf 0, 0x3fffffff kept; expanded formats', () => {
    const r = run(
      dg([
        fs([rawHeader(frame4())], { output: ifDiscard(258) }),
        fs([rawHeader(frame4())], { sequence: 2, output: ifMultiple(4) }),
        fs([rawHeader(frame4())], { sequence: 3, output: 0x3fffffff }),
        expandedFlowSample({
          sequence: 1,
          sourceIndex: 8,
          samplingRate: 1,
          input: 1,
          outputFormat: 2,
          output: 3,
          records: [],
        }),
      ]),
    );
    expect(r.flows.map((f) => f.outIf)).toEqual([0, 0, 0x3fffffff, 0]);
    expect(r.flows[3]).toMatchObject({ inIf: 1, frameOctets: 0, samplerId: 8 });
  });

  it('ethernet frame data + IPv4 / IPv6 data when there is no raw header', () => {
    const r = run(
      dg([
        fs([
          ethernetFrameData({ length: 1518, src: A, dst: B, type: ETH_IPV4 }),
          ipv4Data({
            length: 1500,
            protocol: 17,
            src: '10.1.1.1',
            dst: '10.2.2.2',
            srcPort: 123,
            dstPort: 4444,
            tos: 8,
          }),
        ]),
        fs(
          [
            ipv6Data({
              length: 1280,
              protocol: 6,
              src: '2001:db8::a',
              dst: '2001:db8::b',
              srcPort: 80,
              dstPort: 8080,
              tcpFlags: 0x11,
            }),
          ],
          { sequence: 2 },
        ),
      ]),
    );
    expect(r.stats.errors).toEqual({});
    expect(r.flows[0]).toMatchObject({
      frameOctets: 1518,
      l3Octets: 1500,
      srcMac: parseMac(A),
      etherType: 0x0800,
      ipVersion: 4,
      srcAddr: '10.1.1.1',
      dstPort: 4444,
      tos: 8,
    });
    expect(r.flows[1]).toMatchObject({
      frameOctets: 1298,
      l3Octets: 1280,
      etherType: 0x86dd,
      ipVersion: 6,
      dstAddr: '2001:db8::b',
      tcpFlags: 0x11,
    });
  });

  it('extended router and gateway (IPv4 and IPv6 next hops, AS path) are skipped safely', () => {
    const recs = [
      rawHeader(frame4()),
      extendedRouter({ nextHop: '10.0.0.254', srcMask: 24, dstMask: 16 }),
      extendedRouter({ nextHop: '2001:db8::fe' }),
      extendedGateway({
        nextHop: '2001:db8::1',
        as: 65000,
        srcAs: 64512,
        asPath: [
          { type: 2, asns: [65001, 65002] },
          { type: 1, asns: [1, 2, 3] },
        ],
        communities: [0xffff029a],
        localPref: 100,
      }),
      extendedGateway({ nextHop: '10.0.0.1' }),
    ];
    const r = run(dg([fs(recs)]));
    expect(r.stats.errors).toEqual({});
    expect(r.flows[0]!.srcPort).toBe(443);
    const broken = envelope(1003, concat(u32(1), u32(0x0a000001), u32(0), u32(0), u32(0), u32(1000), u32(2)));
    const r2 = run(dg([fs([rawHeader(frame4()), broken])]));
    expect(r2.stats.errors).toEqual({ bad_length: 1 });
    expect(r2.flows).toHaveLength(1);
  });
});

describe('decodeSflow: sampling rate policy', () => {
  const sample = (rate: number) => dg([fs([rawHeader(frame4())], { samplingRate: rate })]);
  it('override beats the sample, fallback only when the sample says 0, else 1/unknown', () => {
    const override: SamplingPolicy = { override: (e) => (e === '192.0.2.9' ? 2048 : undefined), fallback: () => 512 };
    expect(run(sample(4096), override).flows[0]).toMatchObject({ samplingRate: 2048, samplingSource: 'config' });
    const fallback: SamplingPolicy = { override: () => undefined, fallback: () => 512 };
    expect(run(sample(4096), fallback).flows[0]).toMatchObject({ samplingRate: 4096, samplingSource: 'sflow' });
    expect(run(sample(0), fallback).flows[0]).toMatchObject({ samplingRate: 512, samplingSource: 'config' });
    expect(run(sample(0)).flows[0]).toMatchObject({ samplingRate: 1, samplingSource: 'unknown' });
  });
});

describe('decodeSflow: counters', () => {
  it('generic counters with 64-bit values > 2^32, ethernet counters, expanded counter samples', () => {
    const big = 2 ** 40 + 12345;
    const r = run(
      dg(
        [
          counterSample({
            sequence: 9,
            sourceIndex: 7,
            records: [
              genericCounters({
                ifIndex: 7,
                ifSpeed: 100e9,
                ifInOctets: big,
                ifOutOctets: 2 ** 33 + 1,
                ifInUcastPkts: 0xffffffff,
              }),
              ethernetCounters([1, 2, 3]),
            ],
          }),
          expandedCounterSample({
            sequence: 10,
            sourceType: 0,
            sourceIndex: 8,
            records: [genericCounters({ ifIndex: 8, ifInOctets: 5 })],
          }),
        ],
        { agent: '2001:db8::99', sub: 1 },
      ),
    );
    expect(r.stats.errors).toEqual({});
    expect(r.counters).toHaveLength(2);
    expect(r.counters[0]).toMatchObject({
      agent: '2001:db8::99',
      exporter: '192.0.2.9',
      subAgentId: 1,
      sourceId: 7,
      sequence: 9,
      ifIndex: 7,
      ifSpeed: 100e9,
      ifInOctets: big,
      ifOutOctets: 2 ** 33 + 1,
      ifInUcastPkts: 0xffffffff,
      ifType: 6,
      ifStatus: 3,
    });
    expect(r.counters[1]).toMatchObject({ ifIndex: 8, ifInOctets: 5, sequence: 10 });
  });
});

describe('decodeSflow: malformed and unknown input', () => {
  it('bad version, bad address type, short datagrams', () => {
    expect(run(datagram({ agent: '10.0.0.1', sequence: 1, samples: [], version: 4 })).stats.errors).toEqual({
      bad_version: 1,
    });
    const badAddr = dg([]);
    badAddr.set(u32(3), 4);
    expect(run(badAddr).stats.errors).toEqual({ bad_address: 1 });
    expect(run(new Uint8Array(0)).stats.errors).toEqual({ truncated: 1 });
    expect(run(dg([]).subarray(0, 20)).stats.errors).toEqual({ truncated: 1 });
  });

  it('sample length past the end → bad_length, earlier samples kept', () => {
    const good = fs([rawHeader(frame4())]);
    const bad = fs([rawHeader(frame4())], { sequence: 2 });
    const bytes = dg([good, bad]);
    const cut = bytes.subarray(0, bytes.length - 10);
    const r = run(cut);
    expect(r.stats.errors).toEqual({ bad_length: 1 });
    expect(r.flows).toHaveLength(1);
  });

  it('record length past the sample end → bad_length, sample kept with earlier records', () => {
    const rec = envelope(1001, concat(u32(0), u32(0), u32(0), u32(0)), 0, 4000);
    const r = run(dg([fs([rawHeader(frame4()), rec])]));
    expect(r.stats.errors).toEqual({ bad_length: 1 });
    expect(r.flows[0]!.srcPort).toBe(443);
  });

  it('unknown sample / record formats and enterprise ≠ 0 are skipped and counted; discarded samples are not errors', () => {
    const r = run(
      dg([
        envelope(99, new Uint8Array(12)),
        envelope(1, new Uint8Array(8), 4413),
        discardedSample({ sequence: 1, sourceIndex: 7, reason: 258, records: [rawHeader(frame4())] }),
        fs([rawHeader(frame4()), envelope(1234, new Uint8Array(8)), envelope(1, new Uint8Array(4), 9)]),
        counterSample({ sequence: 1, sourceIndex: 7, records: [envelope(2001, new Uint8Array(36))] }),
      ]),
    );
    expect(r.stats.errors).toEqual({ unknown_sample: 2, unknown_record: 3 });
    expect(r.flows).toHaveLength(1);
    const st = createSflowState();
    run(dg([discardedSample({ sequence: 1, sourceIndex: 7, reason: 1 })]), NO_SAMPLING_POLICY, st);
    expect(describeSflowState(st)[0]!.discardedSamples).toBe(1);
  });

  it('a huge sample count with no samples does not loop', () => {
    const bytes = datagram({ agent: '10.0.0.1', sequence: 1, samples: [], sampleCount: 0xffffffff });
    const t = performance.now();
    expect(run(bytes).stats.errors).toEqual({ truncated: 1 });
    expect(performance.now() - t).toBeLessThan(50);
  });
});
