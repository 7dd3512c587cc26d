/** Counter samples (2) and expanded counter samples (4): generic interface counters → InterfaceCounters. */
import { countError, type InterfaceCounters } from '../types.js';
import { r32, r64, TWO32, type Ctx } from './context.js';
import { sourceState } from './state.js';

/** Counter record formats (enterprise 0) decoded here. */
export const COUNTER_GENERIC = 1;
export const COUNTER_ETHERNET = 2;

export function counterSample(c: Ctx, p: number, end: number, expanded: boolean): void {
  const b = c.b;
  let seq: number, dsType: number, dsIndex: number, nRecords: number;
  if (!expanded) {
    if (p + 12 > end) {
      countError(c.stats, 'bad_length');
      return;
    }
    seq = r32(b, p);
    const src = r32(b, p + 4);
    dsType = src >>> 24;
    dsIndex = src & 0xffffff;
    nRecords = r32(b, p + 8);
    p += 12;
  } else {
    if (p + 16 > end) {
      countError(c.stats, 'bad_length');
      return;
    }
    seq = r32(b, p);
    dsType = r32(b, p + 4);
    dsIndex = r32(b, p + 8);
    nRecords = r32(b, p + 12);
    p += 16;
  }
  sourceState(c.state, c.agent, dsType * TWO32 + dsIndex).counterSeq = seq;
  const sourceId = (dsType & 0xff) * 0x1000000 + (dsIndex & 0xffffff);
  for (let r = 0; r < nRecords; r++) {
    if (p + 8 > end) {
      countError(c.stats, 'bad_length');
      return;
    }
    const rf = r32(b, p);
    const rl = r32(b, p + 4);
    const q = p + 8;
    if (rl > end - q) {
      countError(c.stats, 'bad_length');
      return;
    }
    if (rf === COUNTER_GENERIC) {
      if (rl >= 88) c.counters.push(genericCounters(c, b, q, seq, sourceId));
      else countError(c.stats, 'bad_length');
    } else if (rf === COUNTER_ETHERNET) {
      if (rl < 52) countError(c.stats, 'bad_length'); // 13 × u32 dot3 counters: valid, not used here
    } else countError(c.stats, 'unknown_record');
    p = q + rl;
  }
}

function genericCounters(c: Ctx, b: Uint8Array, q: number, sequence: number, sourceId: number): InterfaceCounters {
  return {
    receivedAtMs: c.d.receivedAtMs,
    exporter: c.d.exporter,
    agent: c.agentText,
    subAgentId: c.subAgentId,
    sourceId,
    sequence,
    ifIndex: r32(b, q),
    ifType: r32(b, q + 4),
    ifSpeed: r64(b, q + 8),
    ifDirection: r32(b, q + 16),
    ifStatus: r32(b, q + 20),
    ifInOctets: r64(b, q + 24),
    ifInUcastPkts: r32(b, q + 32),
    ifInMulticastPkts: r32(b, q + 36),
    ifInBroadcastPkts: r32(b, q + 40),
    ifInDiscards: r32(b, q + 44),
    ifInErrors: r32(b, q + 48),
    ifInUnknownProtos: r32(b, q + 52),
    ifOutOctets: r64(b, q + 56),
    ifOutUcastPkts: r32(b, q + 64),
    ifOutMulticastPkts: r32(b, q + 68),
    ifOutBroadcastPkts: r32(b, q + 72),
    ifOutDiscards: r32(b, q + 76),
    ifOutErrors: r32(b, q + 80),
    ifPromiscuousMode: r32(b, q + 84),
  };
}
