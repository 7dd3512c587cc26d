/**
 * One entry for every datagram on every port: the protocol is taken from the header, not the port
 * (NetFlow v1/v5/v9 and IPFIX start with a 16-bit version 1/5/9/10; sFlow with a 32-bit 5).
 */
import {
  createNetflowState,
  decodeNetflow,
  describeNetflowState,
  expireNetflowState,
  restoreNetflowState,
  serializeNetflowState,
  type NetflowState,
  type NetflowStateOptions,
} from './netflow/index.js';
import {
  createSflowState,
  decodeSflow,
  describeSflowState,
  restoreSflowState,
  serializeSflowState,
  type SflowState,
} from './sflow/index.js';
import {
  countError,
  emptyStats,
  type DecodeCounters,
  type DecodeResult,
  type FlowProtocol,
  type RawDatagram,
  type SamplingPolicy,
} from './types.js';

export interface DecoderState {
  netflow: NetflowState;
  sflow: SflowState;
}

export function createDecoderState(opts?: Partial<NetflowStateOptions>): DecoderState {
  return { netflow: createNetflowState(opts), sflow: createSflowState() };
}

/** Which protocol a datagram claims to be, from its first bytes; null when none. */
export function sniffProtocol(b: Uint8Array): FlowProtocol | null {
  if (b.length < 4) return null;
  const v16 = (b[0]! << 8) | b[1]!;
  if (v16 === 9) return 'netflow-v9';
  if (v16 === 10) return 'ipfix';
  if (v16 === 5 || v16 === 1) return 'netflow-v5';
  if (v16 === 0 && ((b[2]! << 8) | b[3]!) === 5) return 'sflow-v5';
  return null;
}

export function decodeDatagram(d: RawDatagram, state: DecoderState, sampling: SamplingPolicy): DecodeResult {
  const proto = sniffProtocol(d.payload);
  if (proto === 'sflow-v5') return decodeSflow(d, state.sflow, sampling);
  if (proto !== null) return decodeNetflow(d, state.netflow, sampling);
  const res: DecodeResult = { flows: [], counters: [], stats: emptyStats() };
  countError(res.stats, d.payload.length < 4 ? 'truncated' : 'bad_version');
  return res;
}

export function expireDecoderState(state: DecoderState, nowMs: number): DecodeCounters {
  return expireNetflowState(state.netflow, nowMs);
}

export interface SerializedDecoderState {
  format: 'ixmeter-decoder-state/1';
  savedAt: string;
  netflow: unknown;
  sflow: unknown;
}

export function serializeDecoderState(state: DecoderState): SerializedDecoderState {
  return {
    format: 'ixmeter-decoder-state/1',
    savedAt: new Date().toISOString(),
    netflow: serializeNetflowState(state.netflow),
    sflow: serializeSflowState(state.sflow),
  };
}

export function restoreDecoderState(json: unknown, opts?: Partial<NetflowStateOptions>): DecoderState {
  const j = json as Partial<SerializedDecoderState> | null;
  if (!j || j.format !== 'ixmeter-decoder-state/1') return createDecoderState(opts);
  return {
    netflow: restoreNetflowState(j.netflow, opts),
    sflow: typeof j.sflow === 'string' ? restoreSflowState(j.sflow) : createSflowState(),
  };
}

export function describeDecoderState(state: DecoderState) {
  return { netflow: describeNetflowState(state.netflow), sflow: describeSflowState(state.sflow) };
}
