/**
 * Field-level cross-check against tshark: for every flow sample in the captures below, the fields
 * tshark dissects (sampled Ethernet/VLAN/IP/L4 headers, sample rate, interfaces, frame length) must
 * equal what decodeSflow produces. Requires /usr/bin/tshark (CI installs it).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corpusAvailable, corpusPath } from '../../../tests/helpers/corpus.js';
import { readPcapUdp } from '../../../tests/helpers/pcap.js';
import { macText } from '../shared/addr.js';
import { NO_SAMPLING_POLICY, type FlowRecord } from '../types.js';
import { createSflowState, decodeSflow } from './index.js';

const DIR = corpusPath('sflow5');

/** Captures checked (QinQ, IPv6 agent, expanded samples, raw IPv4, ICMP, VXLAN, ethernet/IPv4-data records...). */
const CAPTURES = [
  'akvorado__data-qinq.pcap',
  'tcpdump__sflow-print-v6.pcap',
  'akvorado__data-sflow-expanded-sample.pcap',
  'akvorado__data-sflow-ipv4-data.pcap',
  'akvorado__data-1140.pcap',
  'akvorado__data-vlan-interfaces.pcap',
  'akvorado__data-icmpv4.pcap',
  'akvorado__data-icmpv6.pcap',
  'akvorado__data-encap-vxlan.pcap',
  'akvorado__data-sflow-raw-ipv4.pcap',
  'akvorado__data-discard-interface.pcap',
  'akvorado__data-multiple-interfaces.pcap',
  'akvorado__data-local-interface.pcap',
  'Cistern-sflow__flow_sample_3.dump.pcap',
  'gopacket__sflow_test.go-SFlowTestPacket1.pcap',
  'gopacket__sflow_test.go-SFlowTestPacket2.pcap',
  'gopacket__sflow_test.go-SFlowEthernetFramePacket.pcap',
  'nDPI__sflow.pcap',
  'sflow-parser__sflow.pcap',
];

type J = Record<string, unknown>;
const first = (v: unknown): J | undefined => (Array.isArray(v) ? (v[0] as J) : (v as J | undefined));
const all = (v: unknown): J[] => (v === undefined ? [] : Array.isArray(v) ? (v as J[]) : [v as J]);
const str = (o: J | undefined, k: string): string | undefined =>
  o === undefined ? undefined : (first(o[k]) as unknown as string | undefined);
const int = (o: J | undefined, k: string): number | undefined => {
  const s = str(o, k);
  return s === undefined ? undefined : Number(s);
};

/** Flow sample objects of one datagram, in order. */
function flowSamples(sflow: J): J[] {
  const out: J[] = [];
  for (const [k, v] of Object.entries(sflow)) {
    if (!/^(Expanded )?[Ff]low sample/.test(k)) continue;
    for (const s of all(v)) out.push(s);
  }
  return out;
}

/** What decodeSflow should produce for one tshark flow sample. */
function expected(s: J): Partial<FlowRecord> {
  const e: Partial<FlowRecord> = {};
  const expandedSample = str(s, 'sflow_245.sampletype') === '3';
  e.samplingRate = int(s, 'sflow.flow_sample.sampling_rate');
  const compactIf = (v: number | undefined) => (v === undefined ? 0 : v >>> 30 === 0 ? v & 0x3fffffff : 0);
  if (expandedSample) {
    e.inIf =
      int(s, 'sflow.flow_sample.input_interface_format') === 0 ? int(s, 'sflow.flow_sample.input_interface_value') : 0;
    e.outIf =
      int(s, 'sflow.flow_sample.output_interface.format') === 0
        ? int(s, 'sflow.flow_sample.output_interface_value')
        : 0;
  } else {
    e.inIf = compactIf(int(s, 'sflow.flow_sample.input_interface'));
    e.outIf = compactIf(int(s, 'sflow.flow_sample.output_interface'));
  }
  const raw = first(s['Raw packet header']);
  const sw = first(s['Extended switch data']);
  const tree = first(raw?.['sflow_245.header_tree']);
  let vlan = 0;
  if (raw && tree) {
    const proto = int(raw, 'sflow_245.header_protocol');
    const frameLength = int(raw, 'sflow_245.header.frame_length')!;
    const eth = first(tree['eth']);
    const vlans = all(tree['vlan']);
    if (eth) {
      e.srcMac = parseInt(str(eth, 'eth.src')!.replace(/:/g, ''), 16);
      e.dstMac = parseInt(str(eth, 'eth.dst')!.replace(/:/g, ''), 16);
      e.etherType =
        vlans.length > 0
          ? Number(str(vlans[Math.min(vlans.length, 8) - 1], 'vlan.etype'))
          : Number(str(eth, 'eth.type'));
    }
    vlan = vlans.length > 0 ? int(vlans[0], 'vlan.id')! : 0;
    e.innerVlan = vlans.length > 1 ? int(vlans[1], 'vlan.id') : 0;
    const ip = first(tree['ip']);
    const ip6 = first(tree['ipv6']);
    const tcp = first(tree['tcp']);
    const udp = first(tree['udp']);
    const icmp = first(tree['icmp']) ?? first(tree['icmpv6']);
    if (ip) {
      e.ipVersion = 4;
      e.srcAddr = str(ip, 'ip.src');
      e.dstAddr = str(ip, 'ip.dst');
      e.ipProto = int(ip, 'ip.proto');
      e.tos = Number(str(ip, 'ip.dsfield'));
    } else if (ip6) {
      e.ipVersion = 6;
      e.srcAddr = str(ip6, 'ipv6.src');
      e.dstAddr = str(ip6, 'ipv6.dst');
      e.ipProto = tcp ? 6 : udp ? 17 : icmp ? 58 : int(ip6, 'ipv6.nxt');
      e.tos = Number(str(ip6, 'ipv6.tclass'));
    }
    if (tcp) {
      e.srcPort = int(tcp, 'tcp.srcport');
      e.dstPort = int(tcp, 'tcp.dstport');
      e.tcpFlags = Number(str(tcp, 'tcp.flags')) & 0xff;
    } else if (udp) {
      e.srcPort = int(udp, 'udp.srcport');
      e.dstPort = int(udp, 'udp.dstport');
    } else if (icmp) {
      const t = int(icmp, 'icmp.type') ?? int(icmp, 'icmpv6.type')!;
      const c = int(icmp, 'icmp.code') ?? int(icmp, 'icmpv6.code')!;
      e.dstPort = t * 256 + c;
    }
    if (proto === 1) e.frameOctets = frameLength;
    else if (ip) e.l3Octets = int(ip, 'ip.len');
  } else {
    const ethRec = first(s['Ethernet frame data']);
    const ip4Rec = first(s['IPv4 data']);
    if (ethRec) {
      e.frameOctets = int(ethRec, 'sflow_245.ethernet.length');
      e.srcMac = parseInt(str(ethRec, 'sflow_245.ethernet.source_mac_address')!.replace(/:/g, ''), 16);
      e.dstMac = parseInt(str(ethRec, 'sflow_245.ethernet.destination_mac_address')!.replace(/:/g, ''), 16);
      e.etherType = int(ethRec, 'sflow_245.ethernet.packet_type');
    }
    if (ip4Rec) {
      e.ipVersion = 4;
      e.l3Octets = int(ip4Rec, 'sflow_245.ip.length');
      e.ipProto = int(ip4Rec, 'sflow.ip_protocol');
      e.srcAddr = str(ip4Rec, 'sflow_245.ipv4_src');
      e.dstAddr = str(ip4Rec, 'sflow_245.ipv4_dst');
      e.srcPort = int(ip4Rec, 'sflow_245.ip.source_port');
      e.dstPort = int(ip4Rec, 'sflow.ip.destination_port');
    }
  }
  if (vlan === 0 && sw) {
    const vin = int(sw, 'sflow_245.vlan.in')!;
    const vout = int(sw, 'sflow_245.vlan.out')!;
    vlan = vin > 0 && vin < 4095 ? vin : vout > 0 && vout < 4095 ? vout : 0;
  }
  e.vlan = vlan;
  return e;
}

function pick(f: FlowRecord, e: Partial<FlowRecord>): Partial<FlowRecord> {
  const o: Record<string, unknown> = {};
  for (const k of Object.keys(e)) o[k] = f[k as keyof FlowRecord];
  return o as Partial<FlowRecord>;
}

const hasTshark = (() => {
  try {
    execFileSync('tshark', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.runIf(corpusAvailable() && (hasTshark || process.env.CI))('sFlow decoder vs tshark (field level)', () => {
  for (const file of CAPTURES) {
    it(file, () => {
      const json = execFileSync('tshark', ['-r', join(DIR, file), '-T', 'json', '--no-duplicate-keys'], {
        maxBuffer: 256 << 20,
        stdio: ['ignore', 'pipe', 'ignore'],
      }).toString();
      const packets = JSON.parse(json) as Array<{ _source: { layers: J } }>;
      const udps = readPcapUdp(join(DIR, file));
      expect(udps.length).toBe(packets.length);
      const state = createSflowState();
      let compared = 0;
      for (let i = 0; i < packets.length; i++) {
        const sflow = first(packets[i]!._source.layers['sflow']);
        const u = udps[i]!;
        const r = decodeSflow(
          { receivedAtMs: u.tsMs, exporter: u.srcAddr, exporterPort: u.srcPort, payload: u.payload },
          state,
          NO_SAMPLING_POLICY,
        );
        if (!sflow) {
          expect(r.flows).toHaveLength(0);
          continue;
        }
        const samples = flowSamples(sflow);
        expect(r.flows.length, `packet ${i + 1}: flow samples`).toBe(samples.length);
        samples.forEach((s, j) => {
          const e = expected(s);
          const f = r.flows[j]!;
          expect(pick(f, e), `packet ${i + 1} sample ${j + 1} (src ${macText(f.srcMac)})`).toEqual(e);
          compared++;
        });
      }
      expect(compared).toBeGreaterThan(0);
    });
  }
});
