/**
 * The benchmark blaster's counts must be exact: every datagram it reports as sent arrives on a
 * loopback sink (low rate, big receive buffer), decodes with ixmeter's own decoders to exactly the
 * reported number of flow records, and carries gap-free sequence numbers.
 */
import { describe, expect, it } from 'vitest';
import { createDecoderState, decodeDatagram } from '../../collectors/decoders/decode.js';
import { NO_SAMPLING_POLICY } from '../../collectors/decoders/types.js';
import { startUdpSink } from '../helpers/udp-sink.js';
import { blast, TEMPLATE_EVERY, type BlastProtocol } from './udp-blaster.js';

async function roundTrip(protocol: BlastProtocol, maxDatagrams: number, datagramsPerSecond: number) {
  const sink = await startUdpSink({ recvBufferSize: 16 * 1024 * 1024 });
  try {
    const r = await blast({ protocol, port: sink.port, maxDatagrams, datagramsPerSecond, durationMs: 20_000 });
    await sink.waitQuiet(200, { timeoutMs: 10_000, minCount: r.datagrams });
    const state = createDecoderState();
    let flows = 0,
      lostDatagrams = 0,
      lostSamples = 0,
      errors = 0,
      held = 0;
    for (const d of sink.datagrams) {
      const out = decodeDatagram(d, state, NO_SAMPLING_POLICY);
      flows += out.flows.length;
      lostDatagrams += out.stats.lostDatagrams;
      lostSamples += out.stats.lostSamples;
      held += out.stats.pendingHeld;
      errors += Object.values(out.stats.errors).reduce((s, n) => s + (n ?? 0), 0);
    }
    return {
      r,
      received: sink.datagrams.length,
      flows,
      lostDatagrams,
      lostSamples,
      errors,
      held,
      first: sink.datagrams[0]?.payload,
    };
  } finally {
    await sink.close();
  }
}

describe('udp-blaster', () => {
  it.each(['netflow-v9', 'ipfix'] as const)(
    '%s: exact datagram/record counts, templates every 1000, no sequence gaps',
    async (protocol) => {
      const n = 2_345;
      const x = await roundTrip(protocol, n, 20_000);
      expect(x.r.sendErrors).toBe(0);
      expect(x.r.datagrams).toBe(n);
      expect(x.r.templateDatagrams).toBe(Math.ceil(n / TEMPLATE_EVERY)); // datagrams 0, 1000, 2000
      expect(x.r.dataDatagrams).toBe(n - x.r.templateDatagrams);
      expect(x.received).toBe(n);
      expect(x.flows).toBe(x.r.flows);
      // 22 IPv4 / 16 IPv6 records alternating
      const d = x.r.dataDatagrams;
      expect(x.r.flows).toBe(Math.ceil(d / 2) * 22 + Math.floor(d / 2) * 16);
      expect(x.first?.[1]).toBe(protocol === 'ipfix' ? 10 : 9);
      expect(x.lostDatagrams).toBe(0);
      expect(x.lostSamples).toBe(0);
      expect(x.errors).toBe(0);
      expect(x.held).toBe(0);
    },
  );

  it('sflow: 8 flow samples per datagram, exact counts, no sequence gaps', async () => {
    const n = 1_500;
    const x = await roundTrip('sflow', n, 20_000);
    expect(x.r.sendErrors).toBe(0);
    expect(x.r.datagrams).toBe(n);
    expect(x.r.templateDatagrams).toBe(0);
    expect(x.r.flows).toBe(n * 8);
    expect(x.received).toBe(n);
    expect(x.flows).toBe(n * 8);
    expect(x.lostDatagrams).toBe(0);
    expect(x.lostSamples).toBe(0);
    expect(x.errors).toBe(0);
  });

  it('paces to the offered rate and stops at the duration', async () => {
    const sink = await startUdpSink({ recvBufferSize: 16 * 1024 * 1024 });
    try {
      const r = await blast({ protocol: 'netflow-v9', port: sink.port, flowsPerSecond: 20_000, durationMs: 1_000 });
      expect(r.elapsedMs).toBeGreaterThanOrEqual(1_000);
      expect(r.elapsedMs).toBeLessThan(1_500);
      // 20k flows/s ≈ 1053 datagrams/s at 19 records/datagram on average (templates carry none)
      expect(r.offeredFlowsPerSecond).toBeGreaterThan(15_000);
      expect(r.offeredFlowsPerSecond).toBeLessThan(21_000);
    } finally {
      await sink.close();
    }
  });
});
