/**
 * Field-level cross-check against tshark: every flow record tshark decodes (a "Flow N" / "pdu N"
 * subtree with addresses) must match ours, in order, on addresses, ports, protocol, counters,
 * interfaces and MACs. Requires /usr/bin/tshark (CI installs it).
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createNetflowState } from './index.js';
import { corpusAvailable, corpusPath } from '../../../tests/helpers/corpus.js';
import { replay } from './testing/replay.js';
import { macText } from '../shared/addr.js';
import type { FlowRecord } from '../types.js';

type Obj = Record<string, unknown>;

/** Flow subtrees in document order (tshark -T json keeps packet order and set order). */
function tsharkFlows(path: string, port: number): Obj[] {
  const out = execFileSync('tshark', ['-r', corpusPath(path), '-d', `udp.port==${port},cflow`, '-T', 'json'], {
    maxBuffer: 1 << 30,
    encoding: 'utf8',
  });
  const flows: Obj[] = [];
  const walk = (o: unknown): void => {
    if (Array.isArray(o)) {
      for (const x of o) walk(x);
      return;
    }
    if (typeof o !== 'object' || o === null) return;
    for (const [k, v] of Object.entries(o as Obj)) {
      if (/^(Flow \d+|pdu \d+\/\d+)$/.test(k) && typeof v === 'object' && v !== null) {
        const f = v as Obj;
        if ('cflow.srcaddr' in f || 'cflow.srcaddrv6' in f) flows.push(f);
      } else walk(v);
    }
  };
  walk(JSON.parse(out));
  return flows;
}

function num(v: unknown): number {
  return typeof v === 'string' ? Number(v) : NaN;
}

function compare(ours: FlowRecord, ts: Obj, i: number): void {
  const ctx = `record ${i}`;
  const v6src = ts['cflow.srcaddrv6'];
  const src = typeof v6src === 'string' && v6src !== '::' ? v6src : ts['cflow.srcaddr'];
  const v6dst = ts['cflow.dstaddrv6'];
  const dst = typeof v6dst === 'string' && v6dst !== '::' ? v6dst : ts['cflow.dstaddr'];
  expect(ours.srcAddr, ctx).toBe(src);
  expect(ours.dstAddr, ctx).toBe(dst);
  if ('cflow.protocol' in ts) expect(ours.ipProto, ctx).toBe(num(ts['cflow.protocol']));
  if ('cflow.srcport' in ts) expect(ours.srcPort, ctx).toBe(num(ts['cflow.srcport']));
  if ('cflow.dstport' in ts && ours.ipProto !== 1 && ours.ipProto !== 58)
    expect(ours.dstPort, ctx).toBe(num(ts['cflow.dstport']));
  if ('cflow.packets' in ts) expect(ours.packets, ctx).toBe(num(ts['cflow.packets']));
  if ('cflow.octets' in ts) expect(ours.l3Octets, ctx).toBe(num(ts['cflow.octets']));
  if ('cflow.inputint' in ts) expect(ours.inIf, ctx).toBe(num(ts['cflow.inputint']));
  if ('cflow.outputint' in ts) expect(ours.outIf, ctx).toBe(num(ts['cflow.outputint']));
  if ('cflow.srcmac' in ts) expect(macText(ours.srcMac), ctx).toBe(ts['cflow.srcmac']);
  if ('cflow.dstmac' in ts) expect(macText(ours.dstMac), ctx).toBe(ts['cflow.dstmac']);
}

const CASES: Array<[string, number]> = [
  ['netflow5/akvorado__nfv5.pcap', 9990],
  ['netflow5/logstash-codec-netflow__netflow5_test_juniper_mx80.dat.pcap', 2055],
  ['netflow9/python-netflow-v9-softflowd__tests-lib.py-PACKET_V9_TEMPLATE+PACKETS_V9.pcap', 2055],
  ['netflow9/pmacct-test-automation__102-NFv9-CISCO-f2rd-pretag-sampling-reload__traffic-00.pcap', 9991],
  ['_sequences/logstash-codec-netflow__seq_nf9_macaddr.pcap', 2055],
  ['_sequences/akvorado__seq_v9_multiplesamplingrates.pcap', 2055],
  ['_sequences/logstash-codec-netflow__seq_ipfix_mikrotik.pcap', 4739],
  ['_sequences/logstash-codec-netflow__seq_ipfix_procera.pcap', 4739],
  ['ipfix/pmacct-test-automation__401-IPFIXv10-BMP-IPv6-CISCO-MPLS-multiple-sources__traffic-00.pcap', 9991],
];

describe.skipIf(!corpusAvailable())('field-level cross-check against tshark', () => {
  for (const [path, port] of CASES) {
    it(path, () => {
      const ts = tsharkFlows(path, port);
      const ours = replay(path, createNetflowState()).flows;
      expect(ts.length).toBeGreaterThan(0);
      expect(ours.length).toBe(ts.length);
      ours.forEach((f, i) => compare(f, ts[i]!, i));
    });
  }
});
