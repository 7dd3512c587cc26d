/** State persistence, expiry, sequence accounting and record normalization. */
import { describe, expect, it } from 'vitest';
import { NO_SAMPLING_POLICY } from '../types.js';
import {
  createNetflowState,
  decodeNetflow,
  describeNetflowState,
  expireNetflowState,
  restoreNetflowState,
  serializeNetflowState,
  type NetflowState,
} from './index.js';
import {
  BENCH_FIELDS_V4,
  benchValues,
  dataSet,
  ipfixPacket,
  optionsTemplateSet,
  record,
  templateSet,
  v5Packet,
  v9Packet,
  type FieldSpec,
} from './testing/encode.js';

const EXP = '2001:db8::10';
const dec = (s: NetflowState, p: Uint8Array, t = 1_000) =>
  decodeNetflow({ receivedAtMs: t, exporter: EXP, exporterPort: 1, payload: p }, s, NO_SAMPLING_POLICY);
const F: FieldSpec[] = [
  { id: 8, len: 4 },
  { id: 12, len: 4 },
  { id: 2, len: 4 },
  { id: 48, len: 1 },
];

describe('serialize / restore', () => {
  it('round-trips templates, options templates, sampler tables and sequence trackers through JSON', () => {
    const s = createNetflowState();
    const scope: FieldSpec[] = [{ id: 1, len: 4 }];
    const opt: FieldSpec[] = [
      { id: 48, len: 1 },
      { id: 34, len: 4 },
    ];
    dec(
      s,
      v9Packet({ sourceId: 4, seq: 10 }, [
        templateSet(9, [{ id: 256, fields: F }]),
        optionsTemplateSet(9, 300, scope, opt),
        dataSet(300, [record([...scope, ...opt], [0, 3, 250])]),
      ]),
    );
    dec(s, ipfixPacket({ domain: 7, seq: 5 }, [templateSet(10, [{ id: 256, fields: BENCH_FIELDS_V4 }])]));
    dec(s, v9Packet({ seq: 1 }, [dataSet(999, [new Uint8Array(8)])])); // pending data is not persisted
    const json = JSON.parse(JSON.stringify(serializeNetflowState(s))) as unknown;
    const r = restoreNetflowState(json, { pendingHoldMs: 1 });
    expect(r.opts.pendingHoldMs).toBe(1);
    expect(describeNetflowState(r)[EXP]).toEqual({ templates: 3, samplingRates: { 'v9/4/3': 250 }, pending: 0 });
    const a = dec(r, v9Packet({ sourceId: 4, seq: 12 }, [dataSet(256, [record(F, ['10.0.0.1', '10.0.0.2', 5, 3])])]));
    expect(a.flows[0]).toMatchObject({ srcAddr: '10.0.0.1', packets: 5, samplingRate: 250, samplingSource: 'options' });
    expect(a.stats.lostDatagrams).toBe(1); // seq 11 missing: the tracker survived the restart
    const b = dec(
      r,
      ipfixPacket({ domain: 7, seq: 5 }, [dataSet(256, [record(BENCH_FIELDS_V4, benchValues(1, false))])]),
    );
    expect(b.flows).toHaveLength(1);
    expect(
      serializeNetflowState(restoreNetflowState(JSON.parse(JSON.stringify(serializeNetflowState(r))) as unknown)),
    ).toEqual(serializeNetflowState(r));
  });
  it('ignores garbage', () => {
    expect(describeNetflowState(restoreNetflowState({ format: 'x' }))).toEqual({});
    expect(describeNetflowState(restoreNetflowState(null))).toEqual({});
    expect(
      describeNetflowState(
        restoreNetflowState({
          format: 'ixmeter-netflow-state/1',
          exporters: [{ addr: 'a', templates: [{ v: 9 }], samplers: [[1]] }],
        }),
      ),
    ).toEqual({ a: { templates: 0, samplingRates: {}, pending: 0 } });
  });
});

describe('template expiry', () => {
  it('drops templates not refreshed within templateTimeoutMs; a refresh keeps them', () => {
    const s = createNetflowState({ templateTimeoutMs: 10_000 });
    dec(
      s,
      v9Packet({}, [
        templateSet(9, [
          { id: 256, fields: F },
          { id: 257, fields: F },
        ]),
      ]),
      0,
    );
    dec(s, v9Packet({}, [templateSet(9, [{ id: 257, fields: F }])]), 8_000);
    expect(expireNetflowState(s, 12_000).templatesWithdrawn).toBe(1);
    expect(describeNetflowState(s)[EXP]!.templates).toBe(1);
  });
});

describe('sequence accounting', () => {
  it('v9 counts datagrams (lostDatagrams), with wrap-around and restart', () => {
    const s = createNetflowState();
    const lost = (seq: number, sourceId = 0) => dec(s, v9Packet({ seq, sourceId }, [])).stats.lostDatagrams;
    expect([lost(0xfffffffe), lost(0xffffffff), lost(2), lost(3), lost(5), lost(1), lost(2), lost(7, 9)]).toEqual([
      0, 0, 2, 0, 1, 0, 0, 0,
    ]);
  });
  it('IPFIX counts data records (lostSamples)', () => {
    const s = createNetflowState();
    const tpl = templateSet(10, [{ id: 256, fields: F }]);
    const recs = (n: number) =>
      dataSet(
        256,
        Array.from({ length: n }, () => record(F, ['1.1.1.1', '2.2.2.2', 1, 0])),
      );
    expect(dec(s, ipfixPacket({ seq: 0xfffffffe }, [tpl, recs(3)])).stats.lostSamples).toBe(0);
    expect(dec(s, ipfixPacket({ seq: 1 }, [recs(2)])).stats.lostSamples).toBe(0);
    expect(dec(s, ipfixPacket({ seq: 10 }, [recs(1)])).stats.lostSamples).toBe(7);
    expect(dec(s, ipfixPacket({ seq: 100_000_000 }, [recs(1)])).stats.lostSamples).toBe(0); // restart: reset
  });
  it('v5 counts flows (lostSamples) per engine', () => {
    const s = createNetflowState();
    const f = { src: '1.1.1.1', dst: '2.2.2.2', packets: 1, octets: 1 };
    expect(dec(s, v5Packet({ seq: 100 }, [f, f])).stats.lostSamples).toBe(0);
    expect(dec(s, v5Packet({ seq: 105 }, [f])).stats.lostSamples).toBe(3);
    expect(dec(s, v5Packet({ seq: 0, engineId: 1 }, [f])).stats.lostSamples).toBe(0);
  });
});

describe('record normalization', () => {
  it('v5: absolute times from sysUptime, frame octets +18 per packet, truncation', () => {
    const s = createNetflowState();
    const p = v5Packet({ sysUptime: 60_000, unixSecs: 1_700_000_000, engineType: 1, engineId: 2 }, [
      {
        src: '10.0.0.1',
        dst: '10.0.0.2',
        inIf: 3,
        outIf: 4,
        packets: 10,
        octets: 1000,
        first: 50_000,
        last: 59_000,
        srcPort: 80,
        dstPort: 1234,
        tcpFlags: 0x12,
        proto: 6,
        tos: 4,
      },
    ]);
    const r = dec(s, p);
    expect(r.flows[0]).toMatchObject({
      flowStartMs: 1_700_000_000_000 - 10_000,
      flowEndMs: 1_700_000_000_000 - 1_000,
      observationDomain: 258,
      inIf: 3,
      outIf: 4,
      packets: 10,
      l3Octets: 1000,
      frameOctets: 1180,
      srcPort: 80,
      dstPort: 1234,
      tcpFlags: 0x12,
      ipProto: 6,
      tos: 4,
      protocol: 'netflow-v5',
    });
    const t = dec(createNetflowState(), p.subarray(0, p.length - 1));
    expect(t.flows).toHaveLength(0);
    expect(t.stats.errors).toEqual({ truncated: 1 });
  });
  it('v9/IPFIX: VLAN frame octets, ICMP type/code, MAC fallbacks, fragments, times', () => {
    const f: FieldSpec[] = [
      { id: 27, len: 16 },
      { id: 28, len: 16 },
      { id: 4, len: 1 },
      { id: 139, len: 2 },
      { id: 81, len: 6 },
      { id: 57, len: 6 },
      { id: 243, len: 2 },
      { id: 2, len: 8 },
      { id: 1, len: 8 },
      { id: 197, len: 1 },
      { id: 152, len: 8 },
      { id: 153, len: 8 },
      { id: 61, len: 1 },
      { id: 253, len: 4 },
    ];
    const s = createNetflowState();
    const r = dec(
      s,
      ipfixPacket({}, [
        templateSet(10, [{ id: 256, fields: f }]),
        dataSet(256, [
          record(f, [
            '2001:db8::1',
            '2001:db8::2',
            58,
            0x8000,
            '02:00:00:00:00:01',
            '02:00:00:00:00:02',
            100,
            2,
            2 ** 40,
            0x20,
            1_700_000_000_123,
            1_700_000_001_000,
            1,
            9,
          ]),
        ]),
      ]),
    );
    expect(r.flows[0]).toMatchObject({
      ipVersion: 6,
      etherType: 0x86dd,
      dstPort: 0x8000,
      srcMac: 0x020000000001,
      dstMac: 0x020000000002,
      vlan: 100,
      packets: 2,
      l3Octets: 2 ** 40,
      frameOctets: 2 ** 40 + 44,
      fragment: 1,
      flowStartMs: 1_700_000_000_123,
      flowEndMs: 1_700_000_001_000,
      direction: 1,
      outIf: 9,
    });
  });
  it('IPFIX sysUpTime-relative times use systemInitTimeMilliseconds from options data', () => {
    const s = createNetflowState();
    const scope: FieldSpec[] = [{ id: 149, len: 4 }];
    const opt: FieldSpec[] = [{ id: 160, len: 8 }];
    const f: FieldSpec[] = [
      { id: 8, len: 4 },
      { id: 22, len: 4 },
      { id: 21, len: 4 },
    ];
    const r = dec(
      s,
      ipfixPacket({}, [
        optionsTemplateSet(10, 300, scope, opt),
        dataSet(300, [record([...scope, ...opt], [0, 1_600_000_000_000])]),
        templateSet(10, [{ id: 256, fields: f }]),
        dataSet(256, [record(f, ['1.2.3.4', 1_000, 2_000])]),
      ]),
    );
    expect(r.flows[0]).toMatchObject({ flowStartMs: 1_600_000_001_000, flowEndMs: 1_600_000_002_000 });
  });
});

describe('exporter expiry', () => {
  it('forgets exporters idle for templateTimeoutMs once their templates are gone', () => {
    const s = createNetflowState({ templateTimeoutMs: 1_000 });
    decodeNetflow(
      {
        receivedAtMs: 0,
        exporter: '192.0.2.5',
        exporterPort: 1,
        payload: v5Packet({}, [{ src: '1.1.1.1', dst: '2.2.2.2', packets: 1, octets: 1 }]),
      },
      s,
      NO_SAMPLING_POLICY,
    );
    dec(s, v9Packet({}, [templateSet(9, [{ id: 256, fields: F }])]), 0);
    expireNetflowState(s, 500);
    expect(Object.keys(describeNetflowState(s)).sort()).toEqual(['192.0.2.5', EXP]);
    expireNetflowState(s, 2_000);
    expect(describeNetflowState(s)).toEqual({});
  });
});
