/**
 * Datagram pools for the UDP blaster (tests/bench/udp-blaster.ts): pre-built NetFlow v9, IPFIX and
 * sFlow v5 datagrams, built once per blast and sent round-robin.
 *
 * - NetFlow v9 / IPFIX: the 16-field template of the decode bench (addresses, ports, proto, flags,
 *   ToS, 8-byte octets/packets, in/out ifIndex, src/dst MAC, first/last, VLAN), IPv4 and IPv6
 *   templates (256/257) in one template datagram (the blaster re-sends it first and then every
 *   1,000 datagrams like a real exporter). Data datagrams fit a 1,500-octet MTU: 22 IPv4 records
 *   (1,366 octets) or 16 IPv6 records (1,384 octets), alternating. Every record carries packets = 1
 *   so that summing `packets` in a collector's output counts flow records (pmacct); octets vary.
 * - sFlow v5: 8 compact flow samples per datagram (128-octet raw headers of VLAN-tagged IPv4/IPv6
 *   TCP/UDP frames + extended switch), 1-in-16384 sampling, 4 data sources (ifIndex 10–13).
 *
 * Sequence numbers and export times are left at 0 here; the blaster patches them into a copy of
 * each datagram before it is sent.
 */
import {
  BENCH_FIELDS_V4,
  BENCH_FIELDS_V6,
  dataSet,
  ipfixPacket,
  record,
  templateSet,
  v9Packet,
  type Value,
} from '../../collectors/decoders/netflow/testing/encode.js';
import {
  datagram,
  ETH_IPV4,
  ETH_IPV6,
  ethernet,
  extendedSwitch,
  flowSample,
  ipv4,
  ipv6,
  rawHeader,
  tcp,
  udp,
} from '../../collectors/decoders/sflow/testing/encode.js';

export type BlastProtocol = 'netflow-v9' | 'ipfix' | 'sflow';
export const BLAST_PROTOCOLS: readonly BlastProtocol[] = ['netflow-v9', 'ipfix', 'sflow'];

export const V4_RECORDS_PER_DATAGRAM = 22;
export const V6_RECORDS_PER_DATAGRAM = 16;
export const SFLOW_SAMPLES_PER_DATAGRAM = 8;
export const SFLOW_SAMPLING_RATE = 16384;
const SFLOW_SOURCES = 4;
const POOL_SIZE = 64; // distinct data datagrams (even: IPv4/IPv6 alternate)
export const SYS_UPTIME_MS = 100_000;

/** A datagram with the places to patch before each send. */
export interface Prebuilt {
  bytes: Buffer;
  flows: number;
  template: boolean;
}

export interface DatagramPool {
  protocol: BlastProtocol;
  template: Prebuilt | null;
  data: Prebuilt[];
  meanFlowsPerDatagram: number;
}

function blasterValues(i: number, v6: boolean): Value[] {
  const a = i & 0xff,
    b = (i >> 8) & 0xff;
  return [
    v6 ? `2001:db8::${a.toString(16)}:${b.toString(16)}` : `10.${(i >> 16) & 0xff}.${b}.${a}`,
    v6 ? `2001:db8:1::${a.toString(16)}` : `192.0.2.${a}`,
    1024 + (i % 50000),
    443,
    6,
    0x18,
    0,
    64 + (i % 1400), // octets (one packet)
    1, // packets: 1 so that Σ packets = flow records
    1 + (i % 4),
    5 + (i % 4),
    `02:00:00:00:${b.toString(16).padStart(2, '0')}:${a.toString(16).padStart(2, '0')}`,
    '02:00:00:00:00:01',
    SYS_UPTIME_MS - 10_000,
    SYS_UPTIME_MS - 1_000,
    100 + (i % 10),
  ];
}

function templatedPool(version: 9 | 10, domain: number): DatagramPool {
  const tpl = templateSet(version, [
    { id: 256, fields: BENCH_FIELDS_V4 },
    { id: 257, fields: BENCH_FIELDS_V6 },
  ]);
  const template = Buffer.from(
    version === 9
      ? v9Packet({ seq: 0, sourceId: domain, count: 2, sysUptime: SYS_UPTIME_MS }, [tpl])
      : ipfixPacket({ seq: 0, domain }, [tpl]),
  );
  const data: Prebuilt[] = [];
  let n = 0;
  for (let i = 0; i < POOL_SIZE; i++) {
    const v6 = i % 2 === 1;
    const count = v6 ? V6_RECORDS_PER_DATAGRAM : V4_RECORDS_PER_DATAGRAM;
    const fields = v6 ? BENCH_FIELDS_V6 : BENCH_FIELDS_V4;
    const recs: Uint8Array[] = [];
    for (let k = 0; k < count; k++) recs.push(record(fields, blasterValues(n++, v6)));
    const set = dataSet(v6 ? 257 : 256, recs);
    const bytes =
      version === 9
        ? v9Packet({ seq: 0, sourceId: domain, count, sysUptime: SYS_UPTIME_MS }, [set])
        : ipfixPacket({ seq: 0, domain }, [set]);
    data.push({ bytes: Buffer.from(bytes), flows: count, template: false });
  }
  return {
    protocol: version === 9 ? 'netflow-v9' : 'ipfix',
    template: { bytes: template, flows: 0, template: true },
    data,
    meanFlowsPerDatagram: mean(data),
  };
}

function sflowFrame(i: number, k: number): Uint8Array {
  const vlan = 100 + (k % 3);
  const a = (i * 8 + k) & 0xff,
    b = ((i * 8 + k) >> 8) & 0xff;
  if (k % 4 === 3) {
    return ethernet({
      dst: 0x020000000100 + k,
      src: 0x020000010000 + i * 8 + k,
      vlans: [vlan],
      etherType: ETH_IPV6,
      payload: ipv6({
        src: `2001:7f8:1::${a.toString(16)}:${b.toString(16)}`,
        dst: `2001:7f8:2::${k.toString(16)}`,
        next: 6,
        payload: tcp({ srcPort: 443, dstPort: 40000 + i, flags: 0x10, payloadLength: 1400 }),
      }),
    });
  }
  const isUdp = k % 4 === 1;
  return ethernet({
    dst: 0x020000000100 + k,
    src: 0x020000010000 + i * 8 + k,
    vlans: [vlan],
    etherType: ETH_IPV4,
    payload: ipv4({
      src: `185.1.${b}.${a}`,
      dst: `185.2.${k}.20`,
      proto: isUdp ? 17 : 6,
      payload: isUdp
        ? udp({ srcPort: 53, dstPort: 50000 + i, payloadLength: 1200 })
        : tcp({ srcPort: 50000 + i, dstPort: 443, flags: 0x18, payloadLength: 1400 }),
    }),
  });
}

const SFLOW_AGENT = '10.255.0.1';

function sflowPool(): DatagramPool {
  const data: Prebuilt[] = [];
  for (let i = 0; i < POOL_SIZE; i++) {
    const samples: Uint8Array[] = [];
    for (let k = 0; k < SFLOW_SAMPLES_PER_DATAGRAM; k++) {
      const src = 10 + (k % SFLOW_SOURCES);
      samples.push(
        flowSample({
          sequence: 0,
          sourceIndex: src,
          samplingRate: SFLOW_SAMPLING_RATE,
          samplePool: 0,
          drops: 0,
          input: src,
          output: 20 + k,
          records: [
            rawHeader(sflowFrame(i, k), { maxHeader: 128 }),
            extendedSwitch({ srcVlan: 100 + (k % 3), dstVlan: 100 + (k % 3) }),
          ],
        }),
      );
    }
    data.push({
      bytes: Buffer.from(datagram({ agent: SFLOW_AGENT, subAgentId: 0, sequence: 0, uptimeMs: 0, samples })),
      flows: SFLOW_SAMPLES_PER_DATAGRAM,
      template: false,
    });
  }
  return { protocol: 'sflow', template: null, data, meanFlowsPerDatagram: mean(data) };
}

function mean(d: Prebuilt[]): number {
  return d.reduce((s, p) => s + p.flows, 0) / d.length;
}

export function buildPool(protocol: BlastProtocol, domain = 1): DatagramPool {
  if (protocol === 'netflow-v9') return templatedPool(9, domain);
  if (protocol === 'ipfix') return templatedPool(10, domain);
  return sflowPool();
}
