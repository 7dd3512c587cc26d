/**
 * sFlow decoder state: per (agent, sub-agent) datagram sequence, and per (agent, sub-agent, data
 * source) flow-sample sequence, sample_pool, cumulative drops and sampling rate. Everything here
 * is plain data so it can be persisted (serialize/restore) and inspected (describe).
 */

export interface SflowSourceState {
  /** Data source as ds_type * 2^32 + ds_index (exact in a double). */
  key: number;
  /** Last flow-sample sequence number, -1 before the first flow sample. */
  flowSeq: number;
  /** Last counter-sample sequence number, -1 before the first counter sample. */
  counterSeq: number;
  samplePool: number;
  /** Last cumulative drops value, -1 before the first flow sample. */
  drops: number;
  samplingRate: number;
  lostSamples: number;
  agentDrops: number;
  flowSamples: number;
}

export interface SflowAgentState {
  agent: string;
  subAgentId: number;
  /** Last datagram sequence, -1 before the first datagram. */
  seq: number;
  uptimeMs: number;
  datagrams: number;
  lostDatagrams: number;
  lostSamples: number;
  agentDrops: number;
  restarts: number;
  /** Samples seen by kind (compact + expanded), for reconciliation with the agent's own counts. */
  flowSamples: number;
  counterSamples: number;
  discardedSamples: number;
  sources: Map<number, SflowSourceState>;
}

export interface SflowState {
  /** Key: `${agent}/${subAgentId}`. Insertion order = least recently created first (for eviction). */
  agents: Map<string, SflowAgentState>;
  maxAgents: number;
  maxSourcesPerAgent: number;
}

export function createSflowState(opts: { maxAgents?: number; maxSourcesPerAgent?: number } = {}): SflowState {
  return {
    agents: new Map(),
    maxAgents: opts.maxAgents ?? 10_000,
    maxSourcesPerAgent: opts.maxSourcesPerAgent ?? 8_192,
  };
}

/** A datagram sequence that goes back by more than this is an agent restart; less is reordering. */
export const REORDER_WINDOW = 64;
/** A late datagram's uptime may be older than the last one by up to this; more means a restart. */
const RESTART_UPTIME_BACK_MS = 60_000;
/** With a forward sequence, the clock going back by more than this means a restart. */
const FORWARD_UPTIME_BACK_MS = 10_000;
const HALF = 2 ** 31;
const TWO32 = 2 ** 32;

export function agentState(state: SflowState, agent: string, subAgentId: number): SflowAgentState {
  const key = `${agent}/${subAgentId}`;
  let a = state.agents.get(key);
  if (a === undefined) {
    if (state.agents.size >= state.maxAgents) {
      const oldest = state.agents.keys().next();
      if (!oldest.done) state.agents.delete(oldest.value);
    }
    a = {
      agent,
      subAgentId,
      seq: -1,
      uptimeMs: 0,
      datagrams: 0,
      lostDatagrams: 0,
      lostSamples: 0,
      agentDrops: 0,
      restarts: 0,
      flowSamples: 0,
      counterSamples: 0,
      discardedSamples: 0,
      sources: new Map(),
    };
    state.agents.set(key, a);
  }
  return a;
}

/**
 * Account one datagram header. Returns the number of datagrams lost before it (0 on the first
 * datagram, a duplicate, a reordered datagram, or a restart). On restart the per-source sequences
 * and cumulative drops are forgotten so that they start over without counting loss.
 */
export function trackDatagram(a: SflowAgentState, seq: number, uptimeMs: number): number {
  a.datagrams++;
  if (a.seq < 0) {
    a.seq = seq;
    a.uptimeMs = uptimeMs;
    return 0;
  }
  const delta = (seq - a.seq + TWO32) % TWO32; // forward distance modulo 2^32 (handles wrap)
  // Uptime is ms modulo 2^32 (wraps every ~49.7 days); a wrap is a jump from the top to the bottom quarter.
  const uptimeWrapped = a.uptimeMs >= 0xc0000000 && uptimeMs < 0x40000000;
  // How far the agent clock went back (0 when forward or wrapped). Late datagrams are a little
  // older; a restart sets the clock back by at least the time the agent had been up.
  const back = uptimeMs < a.uptimeMs && !uptimeWrapped ? a.uptimeMs - uptimeMs : 0;
  if (delta === 0) {
    if (back > RESTART_UPTIME_BACK_MS) restart(a, seq, uptimeMs);
    return 0; // duplicate
  }
  if (delta >= HALF) {
    // Sequence went backwards: a late datagram (already counted as lost) or a restart.
    if (TWO32 - delta <= REORDER_WINDOW && back <= RESTART_UPTIME_BACK_MS) return 0;
    restart(a, seq, uptimeMs);
    return 0;
  }
  if (back > FORWARD_UPTIME_BACK_MS) {
    // Sequence moved forward but the clock went back: the agent restarted (and sent a lot since).
    restart(a, seq, uptimeMs);
    return 0;
  }
  a.seq = seq;
  a.uptimeMs = uptimeMs;
  const lost = delta - 1;
  a.lostDatagrams += lost;
  return lost;
}

function restart(a: SflowAgentState, seq: number, uptimeMs: number): void {
  a.restarts++;
  a.seq = seq;
  a.uptimeMs = uptimeMs;
  // Keep the sources (rates, totals) but forget their sequences and cumulative drops.
  for (const s of a.sources.values()) {
    s.flowSeq = -1;
    s.counterSeq = -1;
    s.drops = -1;
  }
}

export function sourceState(state: SflowState, a: SflowAgentState, key: number): SflowSourceState {
  let s = a.sources.get(key);
  if (s === undefined) {
    if (a.sources.size >= state.maxSourcesPerAgent) {
      const oldest = a.sources.keys().next();
      if (!oldest.done) a.sources.delete(oldest.value);
    }
    s = {
      key,
      flowSeq: -1,
      counterSeq: -1,
      samplePool: 0,
      drops: -1,
      samplingRate: 0,
      lostSamples: 0,
      agentDrops: 0,
      flowSamples: 0,
    };
    a.sources.set(key, s);
  }
  return s;
}

/**
 * Flow-sample sequence gap for one source: 0 on the first sample or a source reset, -1 for a
 * duplicate or late (reordered) sample, whose drops/pool must not be applied.
 */
export function trackFlowSample(s: SflowSourceState, seq: number): number {
  s.flowSamples++;
  if (s.flowSeq < 0) {
    s.flowSeq = seq;
    return 0;
  }
  const delta = (seq - s.flowSeq + TWO32) % TWO32;
  if (delta === 0) return -1;
  if (delta >= HALF) {
    if (TWO32 - delta <= REORDER_WINDOW) return -1;
    s.flowSeq = seq;
    s.drops = -1; // source reset
    return 0;
  }
  s.flowSeq = seq;
  const lost = delta - 1;
  s.lostSamples += lost;
  return lost;
}

/** Delta of the cumulative drops counter (0 on first sight or when it goes backwards = reset). */
export function trackDrops(s: SflowSourceState, drops: number): number {
  const prev = s.drops;
  s.drops = drops;
  if (prev < 0) return 0;
  const delta = drops - prev;
  if (delta >= 0) {
    s.agentDrops += delta;
    return delta;
  }
  // Went backwards: a 32-bit wrap when prev was near the top, otherwise a reset.
  if (prev >= 0xc0000000 && drops < 0x40000000) {
    const d = drops + TWO32 - prev;
    s.agentDrops += d;
    return d;
  }
  return 0;
}

// ---- persistence -------------------------------------------------------------------------------

type SerializedSource = SflowSourceState;
interface SerializedAgent extends Omit<SflowAgentState, 'sources'> {
  sources: SerializedSource[];
}
interface SerializedState {
  version: 1;
  maxAgents: number;
  maxSourcesPerAgent: number;
  agents: SerializedAgent[];
}

export function serializeSflowState(state: SflowState): string {
  const out: SerializedState = {
    version: 1,
    maxAgents: state.maxAgents,
    maxSourcesPerAgent: state.maxSourcesPerAgent,
    agents: [],
  };
  for (const a of state.agents.values()) {
    const { sources, ...rest } = a;
    out.agents.push({ ...rest, sources: [...sources.values()].map((s) => ({ ...s })) });
  }
  return JSON.stringify(out);
}

const num = (v: unknown, d: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : d);

/** Restore from serializeSflowState output. Invalid input yields an empty state (never throws). */
export function restoreSflowState(json: string): SflowState {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return createSflowState();
  }
  const p = parsed as Partial<SerializedState> | null;
  if (p === null || typeof p !== 'object' || p.version !== 1 || !Array.isArray(p.agents)) return createSflowState();
  const state = createSflowState({
    maxAgents: num(p.maxAgents, 10_000),
    maxSourcesPerAgent: num(p.maxSourcesPerAgent, 8_192),
  });
  for (const ra of p.agents) {
    if (ra === null || typeof ra !== 'object' || typeof ra.agent !== 'string') continue;
    const a = agentState(state, ra.agent, num(ra.subAgentId, 0));
    a.seq = num(ra.seq, -1);
    a.uptimeMs = num(ra.uptimeMs, 0);
    a.datagrams = num(ra.datagrams, 0);
    a.lostDatagrams = num(ra.lostDatagrams, 0);
    a.lostSamples = num(ra.lostSamples, 0);
    a.agentDrops = num(ra.agentDrops, 0);
    a.restarts = num(ra.restarts, 0);
    a.discardedSamples = num(ra.discardedSamples, 0);
    a.flowSamples = num(ra.flowSamples, 0);
    a.counterSamples = num(ra.counterSamples, 0);
    for (const rs of Array.isArray(ra.sources) ? ra.sources : []) {
      if (rs === null || typeof rs !== 'object') continue;
      const s = sourceState(state, a, num(rs.key, 0));
      s.flowSeq = num(rs.flowSeq, -1);
      s.counterSeq = num(rs.counterSeq, -1);
      s.samplePool = num(rs.samplePool, 0);
      s.drops = num(rs.drops, -1);
      s.samplingRate = num(rs.samplingRate, 0);
      s.lostSamples = num(rs.lostSamples, 0);
      s.agentDrops = num(rs.agentDrops, 0);
      s.flowSamples = num(rs.flowSamples, 0);
    }
  }
  return state;
}

export interface SflowSourceDescription {
  dsType: number;
  dsIndex: number;
  samplingRate: number;
  lastSequence: number | null;
  samplePool: number;
  drops: number | null;
  flowSamples: number;
  lostSamples: number;
  agentDrops: number;
}

export interface SflowAgentDescription {
  agent: string;
  subAgentId: number;
  lastSequence: number | null;
  uptimeMs: number;
  datagrams: number;
  lostDatagrams: number;
  lostSamples: number;
  agentDrops: number;
  restarts: number;
  flowSamples: number;
  counterSamples: number;
  discardedSamples: number;
  /** Distinct sampling rates in use across this agent's sources. */
  samplingRates: number[];
  sources: SflowSourceDescription[];
}

export function describeSflowState(state: SflowState): SflowAgentDescription[] {
  const out: SflowAgentDescription[] = [];
  for (const a of state.agents.values()) {
    const sources: SflowSourceDescription[] = [];
    const rates = new Set<number>();
    for (const s of a.sources.values()) {
      if (s.samplingRate > 0) rates.add(s.samplingRate);
      sources.push({
        dsType: Math.floor(s.key / TWO32),
        dsIndex: s.key % TWO32,
        samplingRate: s.samplingRate,
        lastSequence: s.flowSeq < 0 ? null : s.flowSeq,
        samplePool: s.samplePool,
        drops: s.drops < 0 ? null : s.drops,
        flowSamples: s.flowSamples,
        lostSamples: s.lostSamples,
        agentDrops: s.agentDrops,
      });
    }
    out.push({
      agent: a.agent,
      subAgentId: a.subAgentId,
      lastSequence: a.seq < 0 ? null : a.seq,
      uptimeMs: a.uptimeMs,
      datagrams: a.datagrams,
      lostDatagrams: a.lostDatagrams,
      lostSamples: a.lostSamples,
      agentDrops: a.agentDrops,
      restarts: a.restarts,
      flowSamples: a.flowSamples,
      counterSamples: a.counterSamples,
      discardedSamples: a.discardedSamples,
      samplingRates: [...rates].sort((x, y) => x - y),
      sources,
    });
  }
  return out;
}
