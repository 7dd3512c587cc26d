import { describe, expect, it } from 'vitest';
import { parseSecuritySettings } from '../thresholds.js';
import type { AlertCandidate, SecurityContext, SecurityFlow } from '../types.js';
import { createFastPathEngine } from './engine.js';
import { context, flow, MAC_A, MAC_B, T0 } from './testing.js';

function run(flows: Array<Partial<SecurityFlow>>, ctx: SecurityContext = context()): AlertCandidate[] {
  const e = createFastPathEngine(parseSecuritySettings({}), ctx);
  for (const f of flows) e.observe(flow({ samplingRate: 1000, ...f }));
  return e.tick(T0 + 5_000);
}
const only = (c: AlertCandidate[]) =>
  c.map((x) => `${x.type}:${String(x.evidence.details?.protocol ?? x.evidence.details?.etherTypeName ?? '')}`);

describe('peering-LAN hygiene (sFlow)', () => {
  it('ordinary unicast IPv4 from a known MAC raises nothing', () => {
    expect(run([{}])).toEqual([]);
  });

  it('STP BPDU (802.3 LLC to 01:80:C2:00:00:00) is a link-local protocol', () => {
    const c = run([{ dstMac: 0x0180c2000000, etherType: 0, ipVersion: 0, srcAddr: '', dstAddr: '', ipProto: 0 }]);
    expect(only(c)).toEqual(['L2_LINK_LOCAL_PROTOCOL:STP (IEEE 802.1D BPDU)']);
    expect(c[0]!.target).toBe('02:00:00:00:00:0a');
    expect(c[0]!.sourceAsn).toBe(64500);
  });

  it('LLDP, CDP, ICMPv6 RA, DHCP, OSPF, ICMP redirect are link-local protocols', () => {
    const cases: Array<[Partial<SecurityFlow>, string]> = [
      [{ etherType: 0x88cc, dstMac: 0x0180c200000e, ipVersion: 0, srcAddr: '', dstAddr: '' }, 'LLDP'],
      [{ dstMac: 0x01000ccccccc, etherType: 0, ipVersion: 0, srcAddr: '', dstAddr: '' }, 'CDP/VTP/DTP/UDLD'],
      [
        {
          etherType: 0x86dd,
          ipVersion: 6,
          ipProto: 58,
          dstPort: 134 * 256,
          dstMac: 0x333300000001,
          srcAddr: 'fe80::1',
          dstAddr: 'ff02::1',
        },
        'ICMPv6 RA',
      ],
      [
        {
          ipProto: 17,
          srcPort: 68,
          dstPort: 67,
          dstMac: 0xffffffffffff,
          srcAddr: '0.0.0.0',
          dstAddr: '255.255.255.255',
        },
        'DHCP/BOOTP',
      ],
      [{ ipProto: 89, dstMac: 0x01005e000005, dstAddr: '224.0.0.5' }, 'OSPF'],
      [{ ipProto: 1, dstPort: 5 * 256 }, 'ICMP redirect'],
    ];
    for (const [f, name] of cases) expect(only(run([f]))).toEqual([`L2_LINK_LOCAL_PROTOCOL:${name}`]);
  });

  it('ARP broadcast and ICMPv6 NS to solicited-node multicast are allowed', () => {
    expect(
      run([
        {
          etherType: 0x0806,
          ipVersion: 0,
          dstMac: 0xffffffffffff,
          srcAddr: '185.1.0.10',
          dstAddr: '185.1.0.11',
          ipProto: 0,
        },
      ]),
    ).toEqual([]);
    expect(
      run([
        {
          etherType: 0x86dd,
          ipVersion: 6,
          ipProto: 58,
          dstPort: 135 * 256,
          dstMac: 0x3333ff000011,
          srcAddr: '2001:7f8::1',
          dstAddr: 'ff02::1:ff00:11',
        },
      ]),
    ).toEqual([]);
  });

  it('other broadcast / multicast is non-unicast above 10 frames/min (scaled)', () => {
    const bc = { dstMac: 0xffffffffffff, ipProto: 17, srcPort: 5000, dstPort: 5000, dstAddr: '185.1.0.255' };
    expect(only(run([bc]))).toEqual(['L2_NON_UNICAST:']); // 1 sample × 1000 in 5 s = 12,000 frames/min
    // With a 1-minute window and no sampling: 10 frames/min is tolerated, 11 is not.
    const minute = (n: number) => {
      const e = createFastPathEngine(parseSecuritySettings({ engine: { windowMs: 60_000 } }), context());
      for (let i = 0; i < n; i++) e.observe(flow({ ...bc, receivedAtMs: T0 + i }));
      return e.tick(T0 + 60_000).map((x) => x.type);
    };
    expect(minute(10)).toEqual([]);
    expect(minute(11)).toEqual(['L2_NON_UNICAST']);
  });

  it('forbidden ethertypes; LACP allowed on LAG members only', () => {
    expect(only(run([{ etherType: 0x8847, ipVersion: 0 }]))).toEqual(['L2_FORBIDDEN_ETHERTYPE:0x8847']);
    const lacp = { etherType: 0x8809, ipVersion: 0 as const, srcAddr: '', dstAddr: '', dstMac: 0x0180c2000002 };
    expect(only(run([lacp]))).toEqual(['L2_FORBIDDEN_ETHERTYPE:0x8809']);
    expect(run([lacp], context({ lagPorts: new Set(['10.0.0.1|1']) }))).toEqual([]);
  });

  it('unknown source MAC', () => {
    const c = run([{ srcMac: 0x02000000ffff }]);
    expect(c.map((x) => x.type)).toContain('L2_UNKNOWN_SRC_MAC');
    expect(c.find((x) => x.type === 'L2_UNKNOWN_SRC_MAC')!.target).toBe('02:00:00:00:ff:ff');
  });

  it('two MACs on one port (allowed 1), and per-port allowance', () => {
    const flows = [{}, { srcMac: MAC_B, receivedAtMs: T0 + 1 }];
    const c = run(flows).filter((x) => x.type === 'L2_MULTIPLE_MACS');
    expect(c).toHaveLength(1);
    expect(c[0]!.target).toBe('10.0.0.1|1');
    expect(c[0]!.metrics.distinctMacs).toBe(2);
    expect(run(flows, context({ allowedMacsPerPort: new Map([['10.0.0.1|1', 2]]) }))).toEqual([]);
  });

  it('no per-port MAC memory for sFlow ifIndex 0 (unknown) or 0x3FFFFFFF (internal / no interface)', () => {
    for (const inIf of [0, 0x3fffffff]) {
      expect(run([{ inIf }, { inIf, srcMac: MAC_B, receivedAtMs: T0 + 1 }]).map((x) => x.type)).not.toContain(
        'L2_MULTIPLE_MACS',
      );
    }
  });

  it("a MAC using another member's peering-LAN IP (ARP sender or IP source)", () => {
    const arp = run([
      {
        etherType: 0x0806,
        ipVersion: 0,
        dstMac: 0xffffffffffff,
        srcAddr: '185.1.0.11',
        dstAddr: '185.1.0.1',
        ipProto: 0,
      },
    ]);
    const m = arp.find((x) => x.type === 'L2_MAC_IP_MISMATCH')!;
    expect(m).toMatchObject({ sourceAsn: 64500, victimAsn: 64501, severity: 'major' });
    expect(m.evidence.details).toMatchObject({ ip: '185.1.0.11', via: 'ARP' });
    const ip = run([{ srcAddr: '185.1.0.11', srcMac: MAC_A }]);
    expect(ip.find((x) => x.type === 'L2_MAC_IP_MISMATCH')!.evidence.details).toMatchObject({ via: 'IP source' });
    expect(run([{ srcAddr: '185.1.0.10' }])).toEqual([]);
  });

  it('NetFlow/IPFIX records get no L2 checks', () => {
    expect(run([{ protocol: 'ipfix', srcMac: 0x02000000ffff, dstMac: 0x0180c2000000, etherType: 0 }])).toEqual([]);
  });

  it('setContext replaces the registry at runtime', () => {
    const e = createFastPathEngine(parseSecuritySettings({}), context({ knownMacs: new Set() }));
    e.observe(flow());
    expect(e.tick(T0 + 5_000).map((x) => x.type)).toContain('L2_UNKNOWN_SRC_MAC');
    e.setContext(context());
    e.observe(flow({ receivedAtMs: T0 + 6_000 }));
    expect(e.tick(T0 + 10_000)).toEqual([]);
  });
});
