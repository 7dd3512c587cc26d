/**
 * The fast path on the live collector: sampled sFlow of an NTP amplification attack from one member
 * toward another raises one DDOS_AMPLIFICATION alert (type, target, source and victim member) within
 * 10 s of the first attack datagram; background traffic alone raises nothing; an LLDP frame and an
 * unknown source MAC raise peering-LAN hygiene alerts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  datagram,
  ethernet,
  ETH_IPV4,
  ETH_LLDP,
  flowSample,
  ipv4,
  rawHeader,
  udp,
} from '../../collectors/decoders/sflow/testing/encode.js';
import { tempDir } from '../helpers/env.js';
import { sendDatagrams, startTestService, waitFor, type TestService } from '../helpers/in-process.js';
import { ixfDoc } from '../helpers/ixf.js';

const dir = tempDir();
let t: TestService;
let seq = 0;
let sampleSeq = 0;
const VICTIM_MAC = '02:00:00:00:00:0a',
  SOURCE_MAC = '02:00:00:00:00:0b',
  STRANGER = '02:00:00:00:00:ee';

/** Each member sends through its own switch port (ifIndex): one source MAC per port, as the peering-LAN rules require. */
function sflow(
  frames: Array<{
    src: string;
    dst: string;
    etherType?: number;
    srcIp?: string;
    dstIp?: string;
    srcPort?: number;
    input?: number;
  }>,
  rate: number,
): Uint8Array {
  return datagram({
    agent: '192.0.2.50',
    sequence: ++seq,
    samples: frames.map((f) =>
      flowSample({
        sequence: ++sampleSeq,
        sourceIndex: f.input ?? 7,
        samplingRate: rate,
        samplePool: sampleSeq * rate,
        input: f.input ?? 7,
        output: f.input === 9 ? 7 : 9,
        records: [
          rawHeader(
            f.etherType === ETH_LLDP
              ? ethernet({ dst: '01:80:c2:00:00:0e', src: f.src, etherType: ETH_LLDP, payload: new Uint8Array(40) })
              : ethernet({
                  dst: f.dst,
                  src: f.src,
                  etherType: ETH_IPV4,
                  payload: ipv4({
                    src: f.srcIp ?? '198.51.100.7',
                    dst: f.dstIp ?? '203.0.113.10',
                    proto: 17,
                    payload: udp({ srcPort: f.srcPort ?? 40000, dstPort: 443, payloadLength: 440 }),
                  }),
                }),
            { frameLength: 490 },
          ),
        ],
      }),
    ),
  });
}

const api = async (path: string) =>
  (await (await fetch(`${t.svc.url}/api/v1${path}`, { headers: { authorization: `Bearer ${t.admin}` } })).json()) as {
    alerts: Array<{
      type: string;
      target: string;
      source_asn: number | null;
      victim_asn: number | null;
      evidence: Record<string, unknown>;
    }>;
  };

beforeAll(async () => {
  t = await startTestService(dir.path);
  const r = await fetch(`${t.svc.url}/api/v1/members/import`, {
    method: 'POST',
    headers: { authorization: `Bearer ${t.admin}`, 'content-type': 'application/json' },
    body: JSON.stringify(
      ixfDoc([
        { asn: 64500, macs: [VICTIM_MAC] },
        { asn: 64501, macs: [SOURCE_MAC] },
      ]),
    ),
  });
  expect(r.status).toBe(200);
  await new Promise((res) => setTimeout(res, 500)); // collector reloads keys and detector context
});
afterAll(async () => {
  await t?.svc.stop();
  dir.cleanup();
});

describe('security fast path', () => {
  it('stays quiet on background traffic', async () => {
    const background = Array.from({ length: 20 }, () =>
      sflow(
        [
          { src: SOURCE_MAC, dst: VICTIM_MAC },
          { src: VICTIM_MAC, dst: SOURCE_MAC, srcIp: '203.0.113.10', dstIp: '198.51.100.7', input: 9 },
        ],
        100,
      ),
    );
    await sendDatagrams(t.port, background, { from: '127.0.0.50', perSecond: 10 });
    await new Promise((r) => setTimeout(r, 2500));
    expect((await api('/alerts')).alerts.map((a) => `${a.type} ${a.target}`)).toEqual([]);
  });

  it('raises one amplification alert within 10 s, with source and victim members', async () => {
    // 1:1000 sampling, 40 samples/s of UDP source port 123 → ≈ 40,000 pps toward 203.0.113.10 (threshold 20,000).
    const attack = Array.from({ length: 60 }, () =>
      sflow(
        Array.from({ length: 4 }, () => ({ src: SOURCE_MAC, dst: VICTIM_MAC, srcPort: 123, srcIp: '198.51.100.99' })),
        1000,
      ),
    );
    const t0 = Date.now();
    const sending = sendDatagrams(t.port, attack, { from: '127.0.0.50', perSecond: 10 });
    let latency = 0;
    await waitFor(
      async () => {
        const a = (await api('/alerts?type=DDOS_AMPLIFICATION')).alerts;
        if (a.length && !latency) latency = Date.now() - t0;
        return a.length > 0;
      },
      12_000,
      'the amplification alert',
    );
    await sending;
    expect(latency).toBeLessThan(10_000);
    await new Promise((r) => setTimeout(r, 2000));
    const alerts = (await api('/alerts?type=DDOS_AMPLIFICATION')).alerts;
    expect(alerts).toHaveLength(1); // the ongoing attack stays one alert
    expect(alerts[0]).toMatchObject({ target: '203.0.113.10', source_asn: 64501, victim_asn: 64500 });
    expect(JSON.stringify(alerts[0]!.evidence)).toContain('198.51.100.99'); // attack source IP in the evidence
    console.info(`fast-path latency: ${latency} ms from the first attack datagram to the alert in the API`);
  }, 30_000);

  it('flags link-local protocols and unknown source MACs on the peering LAN', async () => {
    await sendDatagrams(
      t.port,
      [
        sflow(
          [
            { src: SOURCE_MAC, dst: '', etherType: ETH_LLDP },
            { src: STRANGER, dst: VICTIM_MAC },
          ],
          1,
        ),
      ],
      { from: '127.0.0.50' },
    );
    await waitFor(
      async () => {
        const types = new Set((await api('/alerts')).alerts.map((a) => a.type));
        return types.has('L2_LINK_LOCAL_PROTOCOL') && types.has('L2_UNKNOWN_SRC_MAC');
      },
      12_000,
      'L2 hygiene alerts',
    );
  }, 20_000);
});
