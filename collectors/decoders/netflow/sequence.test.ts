/** Sequence numbers shared across observation domains are not losses; per-domain counters still count real gaps. */
import { describe, expect, it } from 'vitest';
import { NO_SAMPLING_POLICY } from '../types.js';
import { createNetflowState, decodeNetflow, type NetflowState } from './index.js';
import {
  dataSet,
  ipfixPacket,
  optionsTemplateSet,
  record,
  templateSet,
  v9Packet,
  type FieldSpec,
} from './testing/encode.js';

const EXP = '192.0.2.50';
const dec = (s: NetflowState, p: Uint8Array) =>
  decodeNetflow({ receivedAtMs: 1_000, exporter: EXP, exporterPort: 1, payload: p }, s, NO_SAMPLING_POLICY);
const F: FieldSpec[] = [
  { id: 8, len: 4 },
  { id: 12, len: 4 },
  { id: 2, len: 4 },
  { id: 1, len: 4 },
];
const SCOPE: FieldSpec[] = [{ id: 149, len: 4 }];
const STATS: FieldSpec[] = [
  { id: 41, len: 8 },
  { id: 42, len: 8 },
];
const flow = (i: number) => record(F, [`10.0.0.${i % 250}`, '10.0.1.1', 1, 100]);

describe('sequence numbers across observation domains', () => {
  it('IPFIX: one counter for domain 0 statistics records and domain 5 data → no lost records; a real gap is still counted once', () => {
    const s = createNetflowState();
    let seq = 0;
    let lost = 0,
      flows = 0;
    const stats0 = () => {
      const p = ipfixPacket({ domain: 0, seq }, [
        optionsTemplateSet(10, 400, SCOPE, STATS),
        dataSet(400, [record([...SCOPE, ...STATS], [0, 10, 5])]),
      ]);
      seq += 1;
      return p;
    };
    const data5 = (n: number) => {
      const p = ipfixPacket({ domain: 5, seq }, [
        templateSet(10, [{ id: 300, fields: F }]),
        dataSet(
          300,
          Array.from({ length: n }, (_, i) => flow(i)),
        ),
      ]);
      seq += n;
      return p;
    };
    for (let round = 0; round < 20; round++) {
      for (const p of [stats0(), data5(10), data5(7)]) {
        const r = dec(s, p);
        lost += r.stats.lostSamples;
        flows += r.flows.length;
      }
    }
    expect(flows).toBe(20 * 17);
    expect(lost).toBe(0);
    seq += 4; // four records lost in transit
    const r = dec(s, data5(3));
    expect(r.stats.lostSamples).toBe(4);
  });

  it('NetFlow v9: one export-packet counter for source ids 0 and 9 → no lost datagrams', () => {
    const s = createNetflowState();
    let seq = 1,
      lost = 0;
    for (let i = 0; i < 30; i++) {
      const sourceId = i % 3 === 0 ? 0 : 9;
      lost += dec(
        s,
        v9Packet({ sourceId, seq: seq++ }, [templateSet(9, [{ id: 300, fields: F }]), dataSet(300, [flow(i)])]),
      ).stats.lostDatagrams;
    }
    expect(lost).toBe(0);
  });

  it('independent counters per domain keep per-domain accounting (a gap in one domain is a loss)', () => {
    const s = createNetflowState();
    let lost = 0;
    const seqs: Record<number, number> = { 1: 1000, 2: 5_000_000 };
    for (let i = 0; i < 30; i++) {
      const d = i % 2 === 0 ? 1 : 2;
      if (i === 21) seqs[d]! += 2; // domain 2 loses two datagrams
      lost += dec(
        s,
        v9Packet({ sourceId: d, seq: seqs[d]!++ }, [templateSet(9, [{ id: 300, fields: F }]), dataSet(300, [flow(i)])]),
      ).stats.lostDatagrams;
    }
    expect(lost).toBe(2);
  });
});
