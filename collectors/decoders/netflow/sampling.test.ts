/** Sampling-rate precedence: override → record → options table → v5 header → fallback → unknown. */
import { describe, expect, it } from 'vitest';
import { NO_SAMPLING_POLICY, type SamplingPolicy } from '../types.js';
import { createNetflowState, decodeNetflow, describeNetflowState, type NetflowState } from './index.js';
import {
  dataSet,
  ipfixPacket,
  optionsTemplateSet,
  record,
  templateSet,
  v5Packet,
  v9Packet,
  type FieldSpec,
  type Value,
} from './testing/encode.js';
import { createNetflowState as fresh } from './state.js';
import { corpusAvailable } from '../../../tests/helpers/corpus.js';
import { replay } from './testing/replay.js';

const EXP = '192.0.2.20';
const policy = (override?: number, fallback?: number): SamplingPolicy => ({
  override: () => override,
  fallback: () => fallback,
});
const dec = (s: NetflowState, p: Uint8Array, pol: SamplingPolicy = NO_SAMPLING_POLICY) =>
  decodeNetflow({ receivedAtMs: 1, exporter: EXP, exporterPort: 1, payload: p }, s, pol);

const BASE: FieldSpec[] = [
  { id: 8, len: 4 },
  { id: 12, len: 4 },
  { id: 2, len: 4 },
];
function ipfixRate(extra: FieldSpec[], values: Value[], pol: SamplingPolicy = NO_SAMPLING_POLICY) {
  const f = [...BASE, ...extra];
  const s = createNetflowState();
  const r = dec(
    s,
    ipfixPacket({}, [
      templateSet(10, [{ id: 256, fields: f }]),
      dataSet(256, [record(f, ['10.0.0.1', '10.0.0.2', 1, ...values])]),
    ]),
    pol,
  );
  return { rate: r.flows[0]!.samplingRate, source: r.flows[0]!.samplingSource };
}

describe('rate carried in the record', () => {
  it('samplingInterval (34) and samplerRandomInterval (50)', () => {
    expect(ipfixRate([{ id: 34, len: 4 }], [512])).toEqual({ rate: 512, source: 'record' });
    expect(ipfixRate([{ id: 50, len: 4 }], [100])).toEqual({ rate: 100, source: 'record' });
  });
  it('samplingPacketInterval/Space (305/306): (interval+space)/interval', () => {
    expect(
      ipfixRate(
        [
          { id: 305, len: 4 },
          { id: 306, len: 4 },
        ],
        [1, 999],
      ),
    ).toEqual({ rate: 1000, source: 'record' });
    expect(ipfixRate([{ id: 305, len: 4 }], [1])).toEqual({ rate: 1, source: 'record' });
  });
  it('samplingSize/Population (309/310) and samplingProbability (311)', () => {
    expect(
      ipfixRate(
        [
          { id: 309, len: 4 },
          { id: 310, len: 4 },
        ],
        [1, 4096],
      ),
    ).toEqual({ rate: 4096, source: 'record' });
    const p = new Uint8Array(8);
    new DataView(p.buffer).setFloat64(0, 0.001);
    const r = ipfixRate([{ id: 311, len: 8 }], [p]);
    expect(r.source).toBe('record');
    expect(r.rate).toBeCloseTo(1000, 6);
  });
  it('override beats the record; fallback and unknown when nothing is known', () => {
    expect(ipfixRate([{ id: 34, len: 4 }], [512], policy(64))).toEqual({ rate: 64, source: 'config' });
    expect(ipfixRate([], [], policy(undefined, 32))).toEqual({ rate: 32, source: 'config' });
    expect(ipfixRate([], [])).toEqual({ rate: 1, source: 'unknown' });
    expect(ipfixRate([{ id: 34, len: 4 }], [0], policy(undefined, 8))).toEqual({ rate: 8, source: 'config' });
  });
});

describe('sampler table from options data', () => {
  const OPT_SCOPE: FieldSpec[] = [{ id: 1, len: 4 }]; // v9 scope "System"
  const OPT: FieldSpec[] = [
    { id: 48, len: 1 },
    { id: 49, len: 1 },
    { id: 50, len: 4 },
  ];
  const DATA: FieldSpec[] = [...BASE, { id: 48, len: 1 }];
  it('per sampler id (v9 IE 48), falling back to the sampler-0 entry for flows without id', () => {
    const s = createNetflowState();
    dec(
      s,
      v9Packet({}, [
        optionsTemplateSet(9, 300, OPT_SCOPE, OPT),
        dataSet(300, [
          record([...OPT_SCOPE, ...OPT], [0, 1, 2, 100]),
          record([...OPT_SCOPE, ...OPT], [0, 2, 2, 400]),
          record([...OPT_SCOPE, ...OPT], [0, 0, 2, 7]),
        ]),
        templateSet(9, [
          { id: 256, fields: DATA },
          { id: 257, fields: BASE },
        ]),
      ]),
    );
    const r = dec(
      s,
      v9Packet({}, [
        dataSet(256, [record(DATA, ['1.1.1.1', '2.2.2.2', 1, 1]), record(DATA, ['1.1.1.1', '2.2.2.2', 1, 2])]),
        dataSet(257, [record(BASE, ['1.1.1.1', '2.2.2.2', 1])]),
      ]),
    );
    expect(r.flows.map((f) => [f.samplerId, f.samplingRate, f.samplingSource])).toEqual([
      [1, 100, 'options'],
      [2, 400, 'options'],
      [0, 7, 'options'],
    ]);
    expect(describeNetflowState(s)[EXP]!.samplingRates).toEqual({ 'v9/0/1': 100, 'v9/0/2': 400, 'v9/0/0': 7 });
    // Options are per observation domain.
    const other = dec(
      s,
      v9Packet({ sourceId: 5 }, [
        templateSet(9, [{ id: 257, fields: BASE }]),
        dataSet(257, [record(BASE, ['1.1.1.1', '2.2.2.2', 1])]),
      ]),
    );
    expect(other.flows[0]!.samplingSource).toBe('unknown');
  });
  it('IPFIX selectorId (302) scope with samplingPacketInterval/Space in options', () => {
    const s = createNetflowState();
    const scope: FieldSpec[] = [{ id: 302, len: 8 }];
    const opt: FieldSpec[] = [
      { id: 305, len: 4 },
      { id: 306, len: 4 },
    ];
    const data: FieldSpec[] = [...BASE, { id: 302, len: 8 }];
    const r = dec(
      s,
      ipfixPacket({ domain: 3 }, [
        optionsTemplateSet(10, 400, scope, opt),
        dataSet(400, [record([...scope, ...opt], [9, 1, 99])]),
        templateSet(10, [{ id: 256, fields: data }]),
        dataSet(256, [record(data, ['1.1.1.1', '2.2.2.2', 1, 9])]),
      ]),
    );
    expect(r.flows[0]).toMatchObject({
      samplerId: 9,
      samplingRate: 100,
      samplingSource: 'options',
      observationDomain: 3,
    });
  });
  it.skipIf(!corpusAvailable())('akvorado multiple sampling rates: sampler 1 → 2000, sampler 2 → 4000', () => {
    const t = replay('_sequences/akvorado__seq_v9_multiplesamplingrates.pcap', fresh());
    const bySampler = new Map(t.flows.map((f) => [f.samplerId, `${f.samplingRate}/${f.samplingSource}`]));
    expect(Object.fromEntries(bySampler)).toEqual({ 1: '2000/options', 2: '4000/options' });
  });
  it.skipIf(!corpusAvailable())(
    'akvorado options+template+data: 30000 from the options table; Huawei CE8851: 2048 in the record',
    () => {
      expect(
        new Set(
          replay('_sequences/akvorado__seq_v9_options+template+data.pcap', fresh()).flows.map(
            (f) => `${f.samplingRate}/${f.samplingSource}`,
          ),
        ),
      ).toEqual(new Set(['30000/options']));
      expect(
        new Set(
          replay('_sequences/akvorado__seq_v9_samplingrate.pcap', fresh()).flows.map(
            (f) => `${f.samplingRate}/${f.samplingSource}`,
          ),
        ),
      ).toEqual(new Set(['2048/record']));
    },
  );
});

describe('NetFlow v5 header sampling', () => {
  const flow = { src: '10.0.0.1', dst: '10.0.0.2', packets: 3, octets: 300 };
  it('uses the low 14 bits of sampling_interval, after override and before fallback', () => {
    const p = v5Packet({ samplingInterval: (1 << 14) | 1000 }, [flow]);
    expect(dec(createNetflowState(), p).flows[0]).toMatchObject({ samplingRate: 1000, samplingSource: 'header' });
    expect(dec(createNetflowState(), p, policy(10)).flows[0]).toMatchObject({
      samplingRate: 10,
      samplingSource: 'config',
    });
    const p0 = v5Packet({}, [flow]);
    expect(dec(createNetflowState(), p0, policy(undefined, 50)).flows[0]).toMatchObject({
      samplingRate: 50,
      samplingSource: 'config',
    });
    expect(dec(createNetflowState(), p0).flows[0]).toMatchObject({ samplingRate: 1, samplingSource: 'unknown' });
  });
});
