/** Shared by the sFlow decoder modules: big-endian readers and the per-datagram context. */
import type { DecodeCounters, FlowRecord, InterfaceCounters, RawDatagram, SamplingPolicy } from '../types.js';
import type { SflowAgentState, SflowState } from './state.js';

export const TWO32 = 2 ** 32;
export const r32 = (b: Uint8Array, o: number): number =>
  ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
/** 64-bit unsigned as a double: exact below 2^53, nearest double above. */
export const r64 = (b: Uint8Array, o: number): number => r32(b, o) * TWO32 + r32(b, o + 4);

/** Context for one datagram (reused; the decoder is synchronous). */
export interface Ctx {
  b: Uint8Array;
  d: RawDatagram;
  stats: DecodeCounters;
  flows: FlowRecord[];
  counters: InterfaceCounters[];
  state: SflowState;
  agent: SflowAgentState;
  agentText: string;
  subAgentId: number;
  sampling: SamplingPolicy;
  overrideRate: number;
}
