import { describe, expect, it } from 'vitest';
import { NO_SAMPLING_POLICY } from '../types.js';
import {
  createSflowState,
  decodeSflow,
  describeSflowState,
  restoreSflowState,
  serializeSflowState,
  type SflowState,
} from './index.js';
import { datagram, ethernet, ETH_IPV4, flowSample, ipv4, rawHeader, udp } from './testing/encode.js';

const frame = ethernet({
  dst: 2,
  src: 1,
  etherType: ETH_IPV4,
  payload: ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17, payload: udp({ srcPort: 1, dstPort: 2 }) }),
});

interface S {
  seq: number;
  src?: number;
  drops?: number;
  rate?: number;
}
function send(
  state: SflowState,
  seq: number,
  samples: S[] = [],
  o: { uptime?: number; agent?: string; sub?: number } = {},
) {
  const payload = datagram({
    agent: o.agent ?? '10.9.9.9',
    subAgentId: o.sub ?? 0,
    sequence: seq,
    uptimeMs: o.uptime ?? 1_000_000 + seq * 1000,
    samples: samples.map((s) =>
      flowSample({
        sequence: s.seq,
        sourceIndex: s.src ?? 1,
        samplingRate: s.rate ?? 1000,
        samplePool: s.seq * 1000,
        drops: s.drops ?? 0,
        input: 1,
        output: 2,
        records: [rawHeader(frame)],
      }),
    ),
  });
  return decodeSflow({ receivedAtMs: 0, exporter: '192.0.2.1', exporterPort: 6343, payload }, state, NO_SAMPLING_POLICY)
    .stats;
}

describe('sFlow loss accounting', () => {
  it('datagram sequence gaps per (agent, sub-agent); first datagram is not loss', () => {
    const st = createSflowState();
    expect(send(st, 100).lostDatagrams).toBe(0);
    expect(send(st, 101).lostDatagrams).toBe(0);
    expect(send(st, 105).lostDatagrams).toBe(3);
    expect(send(st, 1, [], { sub: 1 }).lostDatagrams).toBe(0); // another sub-agent: its own sequence
    expect(send(st, 3, [], { sub: 1 }).lostDatagrams).toBe(1);
    expect(send(st, 106).lostDatagrams).toBe(0);
    const d = describeSflowState(st);
    expect(d.map((a) => [a.subAgentId, a.lastSequence, a.lostDatagrams])).toEqual([
      [0, 106, 3],
      [1, 3, 1],
    ]);
  });

  it('wrap-around of the 32-bit sequence is not loss', () => {
    const st = createSflowState();
    send(st, 0xfffffffe);
    expect(send(st, 0xffffffff).lostDatagrams).toBe(0);
    expect(send(st, 0).lostDatagrams).toBe(0);
    expect(send(st, 2).lostDatagrams).toBe(1);
  });

  it('duplicates and slightly late datagrams are not loss and do not move the sequence back', () => {
    const st = createSflowState();
    send(st, 10);
    expect(send(st, 10).lostDatagrams).toBe(0);
    expect(send(st, 12).lostDatagrams).toBe(1);
    expect(send(st, 11).lostDatagrams).toBe(0);
    expect(send(st, 13).lostDatagrams).toBe(0);
    expect(describeSflowState(st)[0]!.restarts).toBe(0);
  });

  it('agent restart (sequence back a lot, or uptime back) resets instead of counting loss', () => {
    const st = createSflowState();
    send(st, 5000, [{ seq: 900, drops: 50 }], { uptime: 9_000_000 });
    // Restart: sequence 1, uptime small; sample sequence and drops restart too.
    const s1 = send(st, 1, [{ seq: 1, drops: 0 }], { uptime: 2_000 });
    expect(s1).toMatchObject({ lostDatagrams: 0, lostSamples: 0, agentDrops: 0 });
    expect(send(st, 2, [{ seq: 2, drops: 4 }], { uptime: 3_000 })).toMatchObject({
      lostDatagrams: 0,
      lostSamples: 0,
      agentDrops: 4,
    });
    // Sequence forward but uptime went back by minutes: also a restart.
    expect(send(st, 60, [{ seq: 3 }], { uptime: 120_000 })).toMatchObject({ lostDatagrams: 57, lostSamples: 0 });
    expect(send(st, 500, [{ seq: 100 }], { uptime: 1_000 })).toMatchObject({ lostDatagrams: 0, lostSamples: 0 });
    expect(describeSflowState(st)[0]!.restarts).toBe(2);
  });

  it('uptime wrap (49.7 days) with a continuous sequence is not a restart', () => {
    const st = createSflowState();
    send(st, 7, [], { uptime: 0xffffff00 });
    expect(send(st, 8, [], { uptime: 500 }).lostDatagrams).toBe(0);
    expect(send(st, 10, [], { uptime: 1500 }).lostDatagrams).toBe(1);
    expect(describeSflowState(st)[0]!.restarts).toBe(0);
  });

  it('flow-sample sequence gaps per source id, and drops deltas', () => {
    const st = createSflowState();
    expect(
      send(st, 1, [
        { seq: 10, src: 1, drops: 100 },
        { seq: 50, src: 2, drops: 7 },
      ]),
    ).toMatchObject({ lostSamples: 0, agentDrops: 0 });
    const s = send(st, 2, [
      { seq: 11, src: 1, drops: 100 },
      { seq: 53, src: 2, drops: 9 },
      { seq: 15, src: 1, drops: 130 },
    ]);
    expect(s).toMatchObject({ lostSamples: 2 + 3, agentDrops: 2 + 30, lostDatagrams: 0 });
    // Drops counter going backwards on its own = source reset: no negative drops.
    expect(send(st, 3, [{ seq: 16, src: 1, drops: 3 }])).toMatchObject({ lostSamples: 0, agentDrops: 0 });
    expect(send(st, 4, [{ seq: 17, src: 1, drops: 5 }])).toMatchObject({ agentDrops: 2 });
    // A late datagram's older drops value is ignored (no double counting afterwards).
    expect(send(st, 8, [{ seq: 19, src: 1, drops: 9 }])).toMatchObject({ agentDrops: 4, lostSamples: 1 });
    expect(send(st, 7, [{ seq: 18, src: 1, drops: 7 }])).toMatchObject({
      agentDrops: 0,
      lostSamples: 0,
      lostDatagrams: 0,
    });
    expect(send(st, 9, [{ seq: 20, src: 1, drops: 9 }])).toMatchObject({ agentDrops: 0, lostSamples: 0 });
    // Sample sequence wrap.
    send(st, 10, [{ seq: 0xffffffff, src: 3 }]);
    expect(send(st, 11, [{ seq: 1, src: 3 }]).lostSamples).toBe(1);
    const d = describeSflowState(st)[0]!;
    expect(d.lostSamples).toBe(7);
    expect(d.agentDrops).toBe(38);
    expect(d.sources.find((x) => x.dsIndex === 2)).toMatchObject({
      dsType: 0,
      lastSequence: 53,
      samplingRate: 1000,
      lostSamples: 2,
      drops: 9,
      samplePool: 53_000,
    });
  });

  it('sampling rates in use per agent', () => {
    const st = createSflowState();
    send(st, 1, [
      { seq: 1, src: 1, rate: 2048 },
      { seq: 1, src: 2, rate: 16384 },
      { seq: 2, src: 1, rate: 2048 },
    ]);
    expect(describeSflowState(st)[0]!.samplingRates).toEqual([2048, 16384]);
  });

  it('serialize / restore round-trips and continues accounting', () => {
    const st = createSflowState();
    send(st, 1, [{ seq: 10, drops: 5 }]);
    send(st, 3, [{ seq: 12, drops: 6 }]);
    const json = serializeSflowState(st);
    const back = restoreSflowState(json);
    expect(describeSflowState(back)).toEqual(describeSflowState(st));
    expect(serializeSflowState(back)).toBe(json);
    expect(send(back, 5, [{ seq: 14, drops: 9 }])).toMatchObject({ lostDatagrams: 1, lostSamples: 1, agentDrops: 3 });
    expect(describeSflowState(restoreSflowState('not json'))).toEqual([]);
    expect(describeSflowState(restoreSflowState('{"version":1,"agents":[null,{"agent":5}]}'))).toEqual([]);
  });

  it('bounds the number of agents kept', () => {
    const st = createSflowState({ maxAgents: 3 });
    for (let i = 0; i < 10; i++) send(st, 1, [], { agent: `10.0.0.${i}` });
    expect(describeSflowState(st).map((a) => a.agent)).toEqual(['10.0.0.7', '10.0.0.8', '10.0.0.9']);
  });
});
