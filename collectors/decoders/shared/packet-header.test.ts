import { describe, expect, it } from 'vitest';
import { parseMac } from './addr.js';
import { parseFrameHeader } from './packet-header.js';
import {
  arp,
  concat,
  ethernet,
  ETH_ARP,
  ETH_IPV4,
  ETH_IPV6,
  ETH_LLDP,
  ETH_MPLS,
  ETH_QINQ,
  icmp,
  ipv4,
  ipv6,
  llcFrame,
  mpls,
  tcp,
  udp,
  u8,
} from '../sflow/testing/encode.js';

const A = '02:00:00:00:00:0a';
const B = '02:00:00:00:00:0b';
const parse = (f: Uint8Array, proto?: number) => parseFrameHeader(f, 0, f.length, proto);
const tcp4 = ipv4({
  src: '192.0.2.1',
  dst: '198.51.100.2',
  proto: 6,
  tos: 0xb8,
  payload: tcp({ srcPort: 443, dstPort: 50000, flags: 0x12, payloadLength: 100 }),
});

describe('parseFrameHeader', () => {
  it('Ethernet + IPv4 + TCP', () => {
    const h = parse(ethernet({ dst: B, src: A, etherType: ETH_IPV4, payload: tcp4 }));
    expect(h).toMatchObject({
      ok: true,
      truncated: false,
      dstMac: parseMac(B),
      srcMac: parseMac(A),
      vlan: 0,
      etherType: 0x0800,
      l2HeaderLength: 14,
      ipVersion: 4,
      srcAddr: '192.0.2.1',
      dstAddr: '198.51.100.2',
      ipProto: 6,
      srcPort: 443,
      dstPort: 50000,
      tcpFlags: 0x12,
      tos: 0xb8,
      ipTotalLength: 140,
      fragment: 0,
      l3Offset: 14,
      l4Offset: 34,
    });
  });

  it('QinQ (802.1ad outer, 802.1Q inner) and triple tags with 0x9100', () => {
    const q = parse(
      ethernet({
        dst: B,
        src: A,
        vlans: [{ id: 1062, tpid: ETH_QINQ, pcp: 5 }, 1493],
        etherType: ETH_IPV4,
        payload: tcp4,
      }),
    );
    expect(q).toMatchObject({
      ok: true,
      vlan: 1062,
      vlanPriority: 5,
      innerVlan: 1493,
      vlanTags: 2,
      l2HeaderLength: 22,
      etherType: 0x0800,
      srcPort: 443,
    });
    const t = parse(
      ethernet({ dst: B, src: A, vlans: [{ id: 10, tpid: 0x9100 }, 20, 30], etherType: ETH_IPV4, payload: tcp4 }),
    );
    expect(t).toMatchObject({
      ok: true,
      vlan: 10,
      innerVlan: 20,
      vlanTags: 3,
      l2HeaderLength: 26,
      srcAddr: '192.0.2.1',
    });
  });

  it('IPv6 with hop-by-hop, routing, destination options and AH before TCP', () => {
    const pkt = ipv6({
      src: '2001:db8::1',
      dst: '2001:db8:0:1::2',
      next: 6,
      trafficClass: 0x28,
      ext: [{ type: 0 }, { type: 43, body: new Uint8Array(14) }, { type: 60 }, { type: 51 }],
      payload: tcp({ srcPort: 179, dstPort: 40000, flags: 0x02 }),
    });
    const h = parse(ethernet({ dst: B, src: A, etherType: ETH_IPV6, payload: pkt }));
    expect(h).toMatchObject({
      ok: true,
      ipVersion: 6,
      srcAddr: '2001:db8::1',
      dstAddr: '2001:db8:0:1::2',
      ipProto: 6,
      srcPort: 179,
      dstPort: 40000,
      tcpFlags: 2,
      tos: 0x28,
      fragment: 0,
      ipTotalLength: pkt.length,
    });
  });

  it('IPv6 fragments: first fragment has ports, later ones do not', () => {
    const first = parse(
      ethernet({
        dst: B,
        src: A,
        etherType: ETH_IPV6,
        payload: ipv6({
          src: '2001:db8::1',
          dst: '2001:db8::2',
          next: 17,
          ext: [{ type: 44, moreFragments: true }],
          payload: udp({ srcPort: 53, dstPort: 3333, payloadLength: 1200 }),
        }),
      }),
    );
    expect(first).toMatchObject({ ok: true, fragment: 1, ipProto: 17, srcPort: 53, dstPort: 3333 });
    const later = parse(
      ethernet({
        dst: B,
        src: A,
        etherType: ETH_IPV6,
        payload: ipv6({
          src: '2001:db8::1',
          dst: '2001:db8::2',
          next: 17,
          ext: [{ type: 44, fragmentOffset: 150 }],
          payload: new Uint8Array(64),
        }),
      }),
    );
    expect(later).toMatchObject({ ok: true, fragment: 1, fragmentOffset: 150, ipProto: 17, srcPort: 0, dstPort: 0 });
  });

  it('IPv4 fragments: MF on the first fragment keeps ports; offset ≠ 0 skips L4', () => {
    const f1 = parse(
      ethernet({
        dst: B,
        src: A,
        etherType: ETH_IPV4,
        payload: ipv4({
          src: '10.0.0.1',
          dst: '10.0.0.2',
          proto: 17,
          moreFragments: true,
          payload: udp({ srcPort: 123, dstPort: 123, payloadLength: 400 }),
        }),
      }),
    );
    expect(f1).toMatchObject({ ok: true, fragment: 1, srcPort: 123, dstPort: 123 });
    const f2 = parse(
      ethernet({
        dst: B,
        src: A,
        etherType: ETH_IPV4,
        payload: ipv4({
          src: '10.0.0.1',
          dst: '10.0.0.2',
          proto: 17,
          fragmentOffset: 185,
          payload: new Uint8Array(40),
        }),
      }),
    );
    expect(f2).toMatchObject({ ok: true, fragment: 1, fragmentOffset: 185, ipProto: 17, srcPort: 0, dstPort: 0 });
  });

  it('IPv4 options (IHL 6) are skipped', () => {
    const h = parse(
      ethernet({
        dst: B,
        src: A,
        etherType: ETH_IPV4,
        payload: ipv4({
          src: '10.0.0.1',
          dst: '10.0.0.2',
          proto: 6,
          options: u8(0x94, 4, 0, 0),
          payload: tcp({ srcPort: 1, dstPort: 2 }),
        }),
      }),
    );
    expect(h).toMatchObject({ ok: true, srcPort: 1, dstPort: 2, l4Offset: 14 + 24 });
  });

  it('ICMP and ICMPv6 type/code', () => {
    const i4 = parse(
      ethernet({
        dst: B,
        src: A,
        etherType: ETH_IPV4,
        payload: ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 1, payload: icmp({ type: 5, code: 1 }) }),
      }),
    );
    expect(i4).toMatchObject({ ok: true, icmpType: 5, icmpCode: 1, dstPort: 5 * 256 + 1, srcPort: 0 });
    const ra = parse(
      ethernet({
        dst: '33:33:00:00:00:01',
        src: A,
        etherType: ETH_IPV6,
        payload: ipv6({ src: 'fe80::1', dst: 'ff02::1', next: 58, hopLimit: 255, payload: icmp({ type: 134 }) }),
      }),
    );
    expect(ra).toMatchObject({
      ok: true,
      ipProto: 58,
      icmpType: 134,
      icmpCode: 0,
      dstPort: 134 * 256,
      dstMac: 0x333300000001,
      dstAddr: 'ff02::1',
    });
  });

  it('ARP: opcode, sender and target addresses', () => {
    const h = parse(
      ethernet({
        dst: 'ff:ff:ff:ff:ff:ff',
        src: A,
        etherType: ETH_ARP,
        payload: arp({ op: 1, senderMac: A, senderIp: '185.0.0.10', targetIp: '185.0.0.20' }),
      }),
    );
    expect(h).toMatchObject({
      ok: true,
      etherType: 0x0806,
      ipVersion: 0,
      arpOpcode: 1,
      arpSenderMac: parseMac(A),
      srcAddr: '185.0.0.10',
      dstAddr: '185.0.0.20',
      dstMac: 0xffffffffffff,
    });
  });

  it('LLDP and STP keep ethertype / dst MAC / LLC flag for the security monitor', () => {
    const lldp = parse(
      ethernet({ dst: '01:80:c2:00:00:0e', src: A, etherType: ETH_LLDP, payload: new Uint8Array(40) }),
    );
    expect(lldp).toMatchObject({ ok: true, etherType: 0x88cc, dstMac: 0x0180c200000e, llc: false, ipVersion: 0 });
    const stp = parse(
      llcFrame({ dst: '01:80:c2:00:00:00', src: A, dsap: 0x42, ssap: 0x42, payload: new Uint8Array(35) }),
    );
    expect(stp).toMatchObject({
      ok: true,
      llc: true,
      etherType: 0,
      llcDsap: 0x42,
      llcSsap: 0x42,
      dstMac: 0x0180c2000000,
      l2HeaderLength: 14,
    });
  });

  it('MPLS label stack: IPv4 and IPv6 guessed by nibble; wire ethertype kept', () => {
    const m4 = parse(ethernet({ dst: B, src: A, etherType: ETH_MPLS, payload: mpls([100, 200], tcp4) }));
    expect(m4).toMatchObject({
      ok: true,
      etherType: 0x8847,
      payloadEtherType: 0x0800,
      mplsLabels: 2,
      mplsTopLabel: 100,
      l2HeaderLength: 22,
      ipVersion: 4,
      srcPort: 443,
    });
    const m6 = parse(
      ethernet({
        dst: B,
        src: A,
        etherType: ETH_MPLS,
        payload: mpls(
          [16],
          ipv6({ src: '2001:db8::1', dst: '2001:db8::2', next: 17, payload: udp({ srcPort: 1, dstPort: 2 }) }),
        ),
      }),
    );
    expect(m6).toMatchObject({ ok: true, payloadEtherType: 0x86dd, ipVersion: 6, ipProto: 17, dstPort: 2 });
    const pw = parse(ethernet({ dst: B, src: A, etherType: ETH_MPLS, payload: mpls([16], new Uint8Array(20)) }));
    expect(pw).toMatchObject({ ok: true, ipVersion: 0, mplsLabels: 1 });
  });

  it('raw IPv4 (11) and IPv6 (12) headers start at L3', () => {
    expect(parse(tcp4, 11)).toMatchObject({
      ok: true,
      l2HeaderLength: 0,
      etherType: 0x0800,
      srcAddr: '192.0.2.1',
      srcPort: 443,
      srcMac: 0,
    });
    const v6 = ipv6({ src: '2001:db8::1', dst: '2001:db8::2', next: 6, payload: tcp({ srcPort: 7, dstPort: 8 }) });
    expect(parse(v6, 12)).toMatchObject({ ok: true, ipVersion: 6, srcPort: 7, dstPort: 8 });
    expect(parse(tcp4, 4)).toMatchObject({ ok: false, unsupported: true });
  });

  it('truncated headers keep what was parsed', () => {
    const f = ethernet({ dst: B, src: A, vlans: [42], etherType: ETH_IPV4, payload: tcp4 });
    expect(parseFrameHeader(f, 0, 10, 1)).toMatchObject({ ok: false, truncated: true, dstMac: parseMac(B), srcMac: 0 });
    expect(parseFrameHeader(f, 0, 30, 1)).toMatchObject({
      ok: false,
      truncated: true,
      srcMac: parseMac(A),
      vlan: 42,
      etherType: 0x0800,
      ipVersion: 4,
      srcAddr: '',
    });
    // IPv4 complete, TCP cut after the ports: ports kept, flags unknown.
    expect(parseFrameHeader(f, 0, 18 + 20 + 6, 1)).toMatchObject({
      ok: false,
      truncated: true,
      srcAddr: '192.0.2.1',
      srcPort: 443,
      dstPort: 50000,
      tcpFlags: 0,
    });
  });

  it('honours offset/length windows and never reads outside them', () => {
    const f = concat(new Uint8Array(7).fill(0xff), ethernet({ dst: B, src: A, etherType: ETH_IPV4, payload: tcp4 }));
    expect(parseFrameHeader(f, 7, f.length - 7)).toMatchObject({ ok: true, srcPort: 443, l3Offset: 21 });
    expect(parseFrameHeader(f, 7, 1_000_000)).toMatchObject({ ok: true, srcPort: 443 });
    for (const [o, l] of [
      [-1, 10],
      [f.length, 10],
      [0, 0],
      [3, -5],
      [Number.NaN, 4],
    ] as const) {
      expect(() => parseFrameHeader(f, o, l)).not.toThrow();
    }
  });

  it('never throws on random bytes', () => {
    let seed = 12345;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    for (let i = 0; i < 20_000; i++) {
      const b = new Uint8Array(rnd() % 160);
      for (let j = 0; j < b.length; j++) b[j] = rnd() & 0xff;
      if (b.length > 13 && i % 3 === 0) {
        b[12] = 0x81;
        b[13] = 0x00;
      }
      if (b.length > 17 && i % 5 === 0) {
        b[16] = 0x86;
        b[17] = 0xdd;
      }
      expect(() => parseFrameHeader(b, 0, b.length, [1, 11, 12, 13][i % 4])).not.toThrow();
    }
  });
});
