/** Test helpers: a flow builder with sensible defaults (sFlow 1:1, IPv4 UDP, known MACs). */
import type { SecurityContext, SecurityFlow } from '../types.js';

export const T0 = 1_800_000_000_000;
export const MAC_A = 0x02000000000a;
export const MAC_B = 0x02000000000b;

export function flow(p: Partial<SecurityFlow> = {}): SecurityFlow {
  return {
    receivedAtMs: T0,
    protocol: 'sflow-v5',
    exporter: '10.0.0.1',
    inIf: 1,
    outIf: 2,
    srcMac: MAC_A,
    dstMac: MAC_B,
    vlan: 0,
    etherType: 0x0800,
    ipVersion: 4,
    srcAddr: '198.51.99.1',
    dstAddr: '203.0.114.10',
    ipProto: 17,
    srcPort: 40000,
    dstPort: 443,
    tcpFlags: 0,
    fragment: 0,
    packets: 1,
    l3Octets: 100,
    frameOctets: 118,
    samplingRate: 1,
    srcAsn: 64500,
    dstAsn: 64501,
    ...p,
  };
}

export function context(p: Partial<SecurityContext> = {}): SecurityContext {
  return {
    knownMacs: new Set([MAC_A, MAC_B]),
    macOwner: new Map([
      [MAC_A, 64500],
      [MAC_B, 64501],
    ]),
    lanIpOwner: new Map([
      ['185.1.0.10', 64500],
      ['185.1.0.11', 64501],
    ]),
    allowedMacsPerPort: new Map(),
    lagPorts: new Set(),
    ...p,
  };
}

/**
 * A seeded stream that exercises every L2 / bogon / DDoS path (known and unknown MACs, link-local and group
 * destinations, odd ethertypes, LAN-IP mismatches, bogon sources, internal ifIndex, several exporters),
 * with `ctx(v)` a matching registry. Used to pin detector results across changes of internal representation.
 */
export function mixedStream(seed: number, n: number): SecurityFlow[] {
  let x = seed >>> 0 || 1;
  const rnd = () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)]!;
  const out: SecurityFlow[] = [];
  let t = T0;
  for (let i = 0; i < n; i++) {
    t += Math.floor(rnd() * 3);
    const r = rnd();
    const srcMac =
      r < 0.4
        ? pick(KNOWN_MACS)
        : r < 0.7
          ? 0x020000000000 + Math.floor(rnd() * 5000)
          : r < 0.75
            ? 0
            : Math.floor(rnd() * 2 ** 48);
    const dstMac = pick([
      0x020000000001,
      0xffffffffffff,
      0x0180c2000000,
      0x01000ccccccc,
      0x0180c200000e,
      0x0180c2000002,
      0x333300000001,
      0x01005e000001,
      0,
      pick(KNOWN_MACS),
    ]);
    const v = rnd() < 0.7 ? 4 : rnd() < 0.9 ? 6 : 0;
    const etherType =
      v === 4
        ? rnd() < 0.9
          ? 0x0800
          : 0x0806
        : v === 6
          ? 0x86dd
          : pick([0x0806, 0x8809, 0x88cc, 0, 0x8100, 0x9000, 0x0800]);
    const srcAddr =
      v === 4
        ? pick([
            `185.1.0.${Math.floor(rnd() * 40)}`,
            '10.1.2.3',
            `192.168.1.${Math.floor(rnd() * 4)}`,
            `8.8.8.${Math.floor(rnd() * 50)}`,
            '0.1.2.3',
            '224.0.0.5',
            '100.64.1.1',
            '203.0.113.9',
          ])
        : v === 6
          ? pick([
              'fe80::1',
              'FE80::2',
              '2001:db8::1',
              `2001:7f8::${Math.floor(rnd() * 99).toString(16)}`,
              'fc00::1',
              '::1',
              '::',
              '2a00:1::5',
              '3fff::1',
              'ff02::1',
            ])
          : '';
    const dstAddr =
      v === 0
        ? ''
        : v === 4
          ? `203.0.${Math.floor(rnd() * 3)}.${Math.floor(rnd() * 60)}`
          : `2001:7f8:2::${Math.floor(rnd() * 30).toString(16)}`;
    const ipProto = v === 0 ? 0 : pick(v === 6 ? [6, 17, 58, 58, 89] : [6, 6, 17, 17, 1, 89, 2, 103, 88, 9]);
    const icmpType = pick([0, 5, 8, 9, 128, 133, 134, 135, 136, 137, 143]);
    out.push({
      receivedAtMs: t,
      protocol: rnd() < 0.8 ? 'sflow-v5' : pick(['ipfix', 'netflow-v9', 'netflow-v5'] as const),
      exporter: `10.0.0.${Math.floor(rnd() * 3)}`,
      inIf: pick([0, 0x3fffffff, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, Math.floor(rnd() * 40)]),
      outIf: 2,
      srcMac,
      dstMac,
      vlan: 0,
      etherType,
      ipVersion: v as 4 | 6 | 0,
      srcAddr,
      dstAddr,
      ipProto,
      srcPort: pick([53, 67, 546, 123, 40000, 1024 + Math.floor(rnd() * 100), 19]),
      dstPort: ipProto === 1 || ipProto === 58 ? icmpType * 256 : pick([443, 80, 68, 547, 22, Math.floor(rnd() * 200)]),
      tcpFlags: pick([0x02, 0x12, 0x18, 0x10]),
      fragment: rnd() < 0.05 ? 1 : 0,
      packets: 1 + Math.floor(rnd() * 3),
      l3Octets: 100,
      frameOctets: 64 + Math.floor(rnd() * 1400),
      samplingRate: pick([1, 1000, 16384, 0]),
      srcAsn: pick([0, 64500, 64501, 64502, 64507]),
      dstAsn: pick([0, 64501, 64505]),
    });
  }
  return out;
}

const KNOWN_MACS = Array.from({ length: 40 }, (_, i) => 0x0a0000000000 + i * 977);

/** Registry for mixedStream; `v` varies it (for setContext). */
export function mixedContext(v: number): SecurityContext {
  const c: SecurityContext = {
    knownMacs: new Set(),
    macOwner: new Map(),
    lanIpOwner: new Map(),
    allowedMacsPerPort: new Map(),
    lagPorts: new Set(),
  };
  KNOWN_MACS.forEach((m, i) => {
    if ((i + v) % 7 !== 0) c.knownMacs.add(m);
    if ((i + v) % 5 !== 0) c.macOwner.set(m, 64500 + (i % 13));
  });
  for (let i = 0; i < 30; i++) c.lanIpOwner.set(`185.1.0.${i}`, 64500 + ((i + v) % 13));
  for (let i = 0; i < 20; i++) {
    c.allowedMacsPerPort.set(`10.0.0.${i % 3}|${i}`, 1 + (i % 3));
    if (i % 4 === 0) c.lagPorts!.add(`10.0.0.${i % 3}|${i}`);
  }
  return c;
}
