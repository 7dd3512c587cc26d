import { describe, expect, it } from 'vitest';
import {
  createDecoderState,
  decodeDatagram,
  restoreDecoderState,
  serializeDecoderState,
  sniffProtocol,
} from './decode.js';
import { NO_SAMPLING_POLICY } from './types.js';
import { dataSet, record, templateSet, v9Packet } from './netflow/testing/encode.js';

describe('protocol dispatch by header', () => {
  it('tells NetFlow v5/v9, IPFIX and sFlow apart from the first bytes', () => {
    expect(sniffProtocol(Uint8Array.of(0, 5, 0, 1))).toBe('netflow-v5');
    expect(sniffProtocol(Uint8Array.of(0, 9, 0, 1))).toBe('netflow-v9');
    expect(sniffProtocol(Uint8Array.of(0, 10, 0, 16))).toBe('ipfix');
    expect(sniffProtocol(Uint8Array.of(0, 0, 0, 5))).toBe('sflow-v5');
    expect(sniffProtocol(Uint8Array.of(0, 0, 0, 4))).toBeNull();
    expect(sniffProtocol(Uint8Array.of(0, 5))).toBeNull();
  });

  it('counts unknown and truncated datagrams', () => {
    const s = createDecoderState();
    const d = (payload: Uint8Array) =>
      decodeDatagram({ receivedAtMs: 0, exporter: '192.0.2.1', exporterPort: 1, payload }, s, NO_SAMPLING_POLICY);
    expect(d(Uint8Array.of(1, 2, 3, 4, 5)).stats.errors).toEqual({ bad_version: 1 });
    expect(d(Uint8Array.of(1)).stats.errors).toEqual({ truncated: 1 });
  });

  it('persists templates through serialize/restore', () => {
    const fields = [
      { id: 8, len: 4 },
      { id: 2, len: 4 },
      { id: 1, len: 4 },
    ];
    const s = createDecoderState();
    const dg = (payload: Uint8Array, st = s) =>
      decodeDatagram({ receivedAtMs: 1, exporter: '192.0.2.1', exporterPort: 1, payload }, st, NO_SAMPLING_POLICY);
    dg(v9Packet({ sourceId: 1 }, [templateSet(9, [{ id: 256, fields }])]));
    const restored = restoreDecoderState(JSON.parse(JSON.stringify(serializeDecoderState(s))));
    const r = dg(v9Packet({ sourceId: 1, seq: 1 }, [dataSet(256, [record(fields, ['10.0.0.1', 3, 300])])]), restored);
    expect(r.flows).toHaveLength(1);
    expect(r.flows[0]).toMatchObject({ srcAddr: '10.0.0.1', packets: 3, l3Octets: 300, frameOctets: 354 });
    expect(restoreDecoderState({ format: 'other' }).netflow).toBeTruthy();
  });
});
