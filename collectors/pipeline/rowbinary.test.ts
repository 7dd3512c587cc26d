/** RowBinary rows read back by ClickHouse (chDB) equal the records, through the production insert path. */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMigratedStorage } from '../../src/runtime/storage-setup.js';
import type { Storage } from '../../src/storage/clickhouse/client.js';
import { silentLog, tempDir, testConfig } from '../../tests/helpers/env.js';
import type { FlowRecord } from '../decoders/types.js';
import { ipv4Text, ipv6Text } from '../decoders/shared/addr.js';
import { Attributor } from './attribution.js';
import { clickHouseInsert } from './insert.js';
import { RowBinaryWriter, writeIp } from './rowbinary.js';

const dir = tempDir();
let storage: Storage;
beforeAll(async () => {
  ({ storage } = await openMigratedStorage(testConfig(join(dir.path, 'd')), silentLog));
});
afterAll(async () => {
  await storage?.close();
  dir.cleanup();
});

// Recent times: rows older than the raw retention are dropped by the TTL at insert.
const NOW = Math.floor(Date.now() / 1000) * 1000 + 123;
const base: FlowRecord = {
  receivedAtMs: NOW,
  flowStartMs: NOW - 10_123,
  flowEndMs: NOW - 124,
  protocol: 'ipfix',
  exporter: '192.0.2.7',
  observationDomain: 4_000_000_000,
  samplerId: 3,
  inIf: 11,
  outIf: 4_294_967_295,
  srcMac: 0x020000000001,
  dstMac: 0xffeeddccbbaa,
  vlan: 4094,
  innerVlan: 7,
  etherType: 0x86dd,
  ipVersion: 6,
  srcAddr: '2001:db8::1',
  dstAddr: 'fe80::1:2',
  ipProto: 17,
  srcPort: 53,
  dstPort: 65535,
  tcpFlags: 0x1ff,
  tos: 255,
  fragment: 1,
  direction: 1,
  packets: 2 ** 40,
  l3Octets: 2 ** 52 + 1,
  frameOctets: 123456789012,
  samplingRate: 16384,
  samplingSource: 'options',
  srcAsn: 0,
  dstAsn: 0,
  srcAttr: 'none',
  dstAttr: 'none',
};

describe('RowBinary flow rows', () => {
  it('writes IPv4 and IPv6 addresses in network order', () => {
    const b = new Uint8Array(16);
    writeIp(b, 0, '10.1.2.3');
    expect(Buffer.from(b).toString('hex')).toBe('00000000000000000000ffff0a010203');
    writeIp(b, 0, '2001:db8::ff:1');
    expect(Buffer.from(b).toString('hex')).toBe('20010db80000000000000000 00ff0001'.replace(' ', ''));
    writeIp(b, 0, '::');
    expect(Buffer.from(b).toString('hex')).toBe('0'.repeat(32));
  });

  it('parses every address text the decoders produce back to the same 16 bytes', () => {
    const src = new Uint8Array(16),
      out = new Uint8Array(16);
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 16;
    for (let n = 0; n < 20_000; n++) {
      // Runs of zero groups of every length and position, so '::' compression is exercised everywhere.
      for (let g = 0; g < 8; g++) {
        const x = rnd() % 3 === 0 ? 0 : rnd();
        src[2 * g] = x >> 8;
        src[2 * g + 1] = x & 0xff;
      }
      if (src[0] === 0 && src[1] === 0 && n % 2) src[1] = 1; // keep some out of ::/96 and ::ffff:0:0/96
      const text = ipv6Text(src, 0);
      writeIp(out, 0, text);
      expect(Buffer.from(out).toString('hex'), text).toBe(Buffer.from(src).toString('hex'));
    }
    for (let n = 0; n < 2_000; n++) {
      const v4 = new Uint8Array([rnd() & 255, rnd() & 255, rnd() & 255, rnd() & 255]);
      writeIp(out, 0, ipv4Text(v4, 0));
      expect(Buffer.from(out).toString('hex')).toBe(`00000000000000000000ffff${Buffer.from(v4).toString('hex')}`);
    }
  });

  it('round-trips every column through ClickHouse', async () => {
    const w = new RowBinaryWriter();
    const attr = new Attributor([{ kind: 'mac', key: '4094|020000000001', asn: 64500, fromMs: 0, toMs: 2 ** 50 }]);
    const put = (f: FlowRecord) => {
      attr.attribute(f);
      w.flowRow(f);
    };
    put(base);
    put({ ...base, srcAddr: '198.51.100.9', dstAddr: '', ipVersion: 4, srcMac: 0, samplingRate: 0.5 });
    const rows = w.rows;
    await clickHouseInsert(
      storage.client,
      'embedded',
    )({ id: 'rb-1', table: 'flows_raw', format: 'RowBinary', body: w.take(), rows });
    const rs = await storage.client.query({
      query: `SELECT toUnixTimestamp64Milli(received_at) AS r, toUnixTimestamp64Milli(flow_end) AS fe, protocol, toString(exporter) AS e, observation_domain, out_if,
        toString(src_mac) AS sm, toString(dst_mac) AS dm, vlan, inner_vlan, ether_type, toString(src_addr) AS sa, toString(dst_addr) AS da, src_port, dst_port, tcp_flags, tos,
        fragment, direction, toString(packets) AS p, toString(l3_octets) AS l3, toString(frame_octets) AS fo, sampling_rate, sampling_source, src_asn, dst_asn, src_attr, dst_attr
        FROM flows_raw ORDER BY src_asn DESC`,
      format: 'JSONEachRow',
      clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
    });
    const [a, b] = await rs.json<Record<string, unknown>>();
    expect(a).toMatchObject({
      r: NOW,
      fe: NOW - 124,
      protocol: 'ipfix',
      e: '::ffff:192.0.2.7',
      observation_domain: 4_000_000_000,
      out_if: 4_294_967_295,
      sm: String(0x020000000001),
      dm: String(0xffeeddccbbaa),
      vlan: 4094,
      inner_vlan: 7,
      ether_type: 0x86dd,
      sa: '2001:db8::1',
      da: 'fe80::1:2',
      src_port: 53,
      dst_port: 65535,
      tcp_flags: 0x1ff,
      tos: 255,
      fragment: 1,
      direction: 1,
      p: String(2 ** 40),
      l3: String(2 ** 52 + 1),
      fo: '123456789012',
      sampling_rate: 16384,
      sampling_source: 'options',
      src_asn: 64500,
      dst_asn: 0,
      src_attr: 'mac',
      dst_attr: 'none',
    });
    expect(b).toMatchObject({ sa: '::ffff:198.51.100.9', da: '::', sampling_rate: 1, src_asn: 0 });
  });
});
