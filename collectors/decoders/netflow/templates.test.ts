/** Template engine behaviour on hand-built v9/IPFIX datagrams. */
import { describe, expect, it } from 'vitest';
import { NO_SAMPLING_POLICY, type RawDatagram } from '../types.js';
import {
  createNetflowState,
  decodeNetflow,
  describeNetflowState,
  expireNetflowState,
  type NetflowState,
} from './index.js';
import {
  BENCH_FIELDS_V4,
  VARLEN,
  benchValues,
  dataSet,
  ipfixPacket,
  optionsTemplateSet,
  record,
  set,
  templateSet,
  v9Packet,
  withdrawalSet,
  type FieldSpec,
} from './testing/encode.js';

const EXP = '192.0.2.10';
const dg = (payload: Uint8Array, t = 1_000, exporter = EXP): RawDatagram => ({
  receivedAtMs: t,
  exporter,
  exporterPort: 2055,
  payload,
});
const dec = (s: NetflowState, p: Uint8Array, t = 1_000) => decodeNetflow(dg(p, t), s, NO_SAMPLING_POLICY);

const F4: FieldSpec[] = [
  { id: 8, len: 4 },
  { id: 12, len: 4 },
  { id: 4, len: 1 },
  { id: 2, len: 4 },
  { id: 1, len: 4 },
];
const F6: FieldSpec[] = [
  { id: 27, len: 16 },
  { id: 28, len: 16 },
  { id: 1, len: 8 },
];
const r4 = (i: number) => record(F4, [`10.0.0.${i}`, '10.0.1.1', 6, i, 100 * i]);

describe('data before template', () => {
  it('holds data sets and releases them when the template arrives in a later datagram', () => {
    const s = createNetflowState();
    const a = dec(s, v9Packet({ seq: 1 }, [dataSet(256, [r4(1), r4(2)])]), 1_000);
    expect(a.flows).toHaveLength(0);
    expect(a.stats.pendingHeld).toBe(1);
    expect(describeNetflowState(s)[EXP]!.pending).toBe(1);
    const b = dec(s, v9Packet({ seq: 2 }, [templateSet(9, [{ id: 256, fields: F4 }])]), 2_000);
    expect(b.flows.map((f) => f.srcAddr)).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(b.flows[0]!.receivedAtMs).toBe(1_000);
    expect(b.stats.errors).toEqual({});
    expect(describeNetflowState(s)[EXP]!.pending).toBe(0);
  });

  it('releases a data set that precedes its template in the same datagram', () => {
    const s = createNetflowState();
    const r = dec(
      s,
      ipfixPacket({}, [dataSet(300, [r4(3)]), templateSet(10, [{ id: 300, fields: F4 }]), dataSet(300, [r4(4)])]),
    );
    expect(r.flows.map((f) => f.srcAddr).sort()).toEqual(['10.0.0.3', '10.0.0.4']);
    expect(r.stats.pendingHeld).toBe(1);
  });

  it('expires held data after pendingHoldMs and counts overflow', () => {
    const s = createNetflowState({ maxPendingPerKey: 2, pendingHoldMs: 5_000 });
    for (let i = 0; i < 3; i++) {
      const r = dec(s, v9Packet({ seq: i }, [dataSet(256, [r4(i)])]), 1_000 + i);
      expect(r.stats.errors.pending_overflow ?? 0).toBe(i === 2 ? 1 : 0);
    }
    expect(expireNetflowState(s, 5_500).errors).toEqual({});
    expect(expireNetflowState(s, 6_002).errors).toEqual({ pending_expired: 2 });
    expect(dec(s, v9Packet({}, [templateSet(9, [{ id: 256, fields: F4 }])])).flows).toHaveLength(0);
  });

  it('bounds the total pending buffer', () => {
    const s = createNetflowState({ maxPendingTotal: 3 });
    let overflow = 0;
    for (let i = 0; i < 5; i++)
      overflow += dec(s, v9Packet({}, [dataSet(256 + i, [r4(i)])])).stats.errors.pending_overflow ?? 0;
    expect(overflow).toBe(2);
    expect(s.pendingTotal).toBe(3);
  });
});

describe('template keying', () => {
  it('keeps two source ids of one exporter apart (same template id, different layouts)', () => {
    const s = createNetflowState();
    dec(s, v9Packet({ sourceId: 1 }, [templateSet(9, [{ id: 256, fields: F4 }])]));
    dec(s, v9Packet({ sourceId: 2 }, [templateSet(9, [{ id: 256, fields: F6 }])]));
    const a = dec(s, v9Packet({ sourceId: 1 }, [dataSet(256, [r4(7)])]));
    const b = dec(s, v9Packet({ sourceId: 2 }, [dataSet(256, [record(F6, ['2001:db8::1', '2001:db8::2', 1234])])]));
    expect(a.flows[0]).toMatchObject({
      srcAddr: '10.0.0.7',
      observationDomain: 1,
      packets: 7,
      l3Octets: 700,
      ipVersion: 4,
    });
    expect(b.flows[0]).toMatchObject({
      srcAddr: '2001:db8::1',
      dstAddr: '2001:db8::2',
      observationDomain: 2,
      l3Octets: 1234,
      ipVersion: 6,
    });
  });

  it('keeps exporters and v9/IPFIX apart', () => {
    const s = createNetflowState();
    dec(s, v9Packet({}, [templateSet(9, [{ id: 256, fields: F4 }])]));
    expect(dec(s, ipfixPacket({}, [dataSet(256, [r4(1)])])).stats.pendingHeld).toBe(1);
    expect(
      decodeNetflow(dg(v9Packet({}, [dataSet(256, [r4(1)])]), 1, '192.0.2.99'), s, NO_SAMPLING_POLICY).stats
        .pendingHeld,
    ).toBe(1);
  });

  it('replaces a template redefined with another layout', () => {
    const s = createNetflowState();
    dec(s, ipfixPacket({}, [templateSet(10, [{ id: 256, fields: F4 }])]));
    dec(s, ipfixPacket({}, [templateSet(10, [{ id: 256, fields: F6 }])]));
    expect(dec(s, ipfixPacket({}, [dataSet(256, [record(F6, ['::1', '::2', 5])])])).flows[0]!.srcAddr).toBe('::1');
  });
});

describe('IPFIX template withdrawal', () => {
  it('withdraws one template, all templates (id 2) and all options templates (id 3)', () => {
    const s = createNetflowState();
    const opt = optionsTemplateSet(10, 400, [{ id: 302, len: 4 }], [{ id: 305, len: 4 }]);
    dec(
      s,
      ipfixPacket({}, [
        templateSet(10, [
          { id: 256, fields: F4 },
          { id: 257, fields: F4 },
          { id: 258, fields: F4 },
        ]),
        opt,
      ]),
    );
    expect(describeNetflowState(s)[EXP]!.templates).toBe(4);
    expect(dec(s, ipfixPacket({}, [withdrawalSet([256])])).stats.templatesWithdrawn).toBe(1);
    expect(dec(s, ipfixPacket({}, [dataSet(256, [r4(1)])])).stats.pendingHeld).toBe(1);
    expect(dec(s, ipfixPacket({}, [withdrawalSet([2])])).stats.templatesWithdrawn).toBe(2);
    expect(describeNetflowState(s)[EXP]!.templates).toBe(1);
    expect(dec(s, ipfixPacket({}, [withdrawalSet([3], true)])).stats.templatesWithdrawn).toBe(1);
    expect(describeNetflowState(s)[EXP]!.templates).toBe(0);
  });
});

describe('malformed structures', () => {
  it('stops at a zero-length set (bad_length) but keeps records already decoded', () => {
    const s = createNetflowState();
    const zero = Uint8Array.of(1, 0, 0, 0, 0xff);
    const r = dec(
      s,
      v9Packet({}, [templateSet(9, [{ id: 256, fields: F4 }]), dataSet(256, [r4(1)]), zero, dataSet(256, [r4(2)])]),
    );
    expect(r.flows).toHaveLength(1);
    expect(r.stats.errors).toEqual({ bad_length: 1 });
  });

  it('treats trailing zero octets as padding, not a record or an error', () => {
    const s = createNetflowState();
    const r = dec(
      s,
      v9Packet({}, [templateSet(9, [{ id: 256, fields: F4 }]), dataSet(256, [r4(1), r4(2)], 3), new Uint8Array(200)]),
    );
    expect(r.flows).toHaveLength(2);
    expect(r.stats.errors).toEqual({});
  });

  it('rejects zero-field v9 templates and templates without octets, without hanging', () => {
    const s = createNetflowState();
    const zeroField = set(0, Uint8Array.of(1, 0, 0, 0));
    const allZeroLen = templateSet(9, [
      {
        id: 257,
        fields: [
          { id: 0, len: 0 },
          { id: 8, len: 0 },
        ],
      },
    ]);
    const r = dec(s, v9Packet({}, [zeroField, allZeroLen, dataSet(256, [r4(1)]), dataSet(257, [r4(1)])]));
    expect(r.stats.errors).toEqual({ bad_template: 2 });
    expect(r.flows).toHaveLength(0);
    expect(r.stats.pendingHeld).toBe(2);
  });

  it('tolerates zero-length fields next to real ones (Cisco/Juniper do this)', () => {
    const s = createNetflowState();
    const f = [...F4, { id: 0, len: 0 }];
    const r = dec(s, v9Packet({}, [templateSet(9, [{ id: 256, fields: f }]), dataSet(256, [r4(5)])]));
    expect(r.flows[0]).toMatchObject({ srcAddr: '10.0.0.5', packets: 5 });
  });

  it('counts truncation at every cut of a valid datagram and never throws', () => {
    const full = ipfixPacket({ seq: 9 }, [
      templateSet(10, [{ id: 256, fields: BENCH_FIELDS_V4 }]),
      dataSet(
        256,
        [0, 1, 2].map((i) => record(BENCH_FIELDS_V4, benchValues(i, false))),
      ),
    ]);
    for (let cut = 0; cut < full.length; cut++) {
      const r = dec(createNetflowState(), full.subarray(0, cut));
      expect(r.flows.length).toBeLessThan(3);
      if (cut < full.length) expect(Object.keys(r.stats.errors).length + r.stats.pendingHeld).toBeGreaterThan(0);
    }
  });

  it('bad_version for anything else', () => {
    expect(dec(createNetflowState(), Uint8Array.of(0, 7, 0, 0)).stats.errors).toEqual({ bad_version: 1 });
    expect(dec(createNetflowState(), Uint8Array.of(0)).stats.errors).toEqual({ truncated: 1 });
  });
});

describe('IPFIX variable-length and enterprise fields', () => {
  it('reads 1- and 3-octet length prefixes and skips enterprise IEs, counting each record once', () => {
    const s = createNetflowState();
    const f: FieldSpec[] = [
      { id: 8, len: 4 },
      { id: 82, len: VARLEN },
      { id: 12, len: 4 },
      { id: 100, len: VARLEN, pen: 9 },
      { id: 2, len: 4 },
    ];
    const long = new Uint8Array(300).fill(0x41);
    const recs = [
      record(f, ['10.1.1.1', new Uint8Array(3), '10.2.2.2', long, 11]),
      record(f, ['10.1.1.2', long, '10.2.2.3', new Uint8Array(0), 12]),
    ];
    const r = dec(s, ipfixPacket({}, [templateSet(10, [{ id: 256, fields: f }]), dataSet(256, recs, 2)]));
    expect(r.flows.map((x) => [x.srcAddr, x.dstAddr, x.packets])).toEqual([
      ['10.1.1.1', '10.2.2.2', 11],
      ['10.1.1.2', '10.2.2.3', 12],
    ]);
    expect(r.stats.errors).toEqual({ enterprise_field: 2 });
  });

  it('stops a variable-length record that overruns its set (truncated)', () => {
    const s = createNetflowState();
    const f: FieldSpec[] = [
      { id: 8, len: 4 },
      { id: 82, len: VARLEN },
    ];
    const bad = Uint8Array.of(10, 0, 0, 1, 200, 1, 2);
    const r = dec(
      s,
      ipfixPacket({}, [
        templateSet(10, [{ id: 256, fields: f }]),
        dataSet(256, [record(f, ['10.0.0.1', new Uint8Array(1)]), bad]),
      ]),
    );
    expect(r.flows).toHaveLength(1);
    expect(r.stats.errors).toEqual({ truncated: 1 });
  });
});
