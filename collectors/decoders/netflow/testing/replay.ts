/** Test helper: replay pcap captures through one NetflowState and total what came out. */
import { corpusPath } from '../../../../tests/helpers/corpus.js';
import { readPcapUdp } from '../../../../tests/helpers/pcap.js';
import { NO_SAMPLING_POLICY, type DecodeErrorReason, type FlowRecord, type SamplingPolicy } from '../../types.js';
import { decodeNetflow, expireNetflowState, type NetflowState } from '../index.js';

export interface ReplayTotals {
  flows: FlowRecord[];
  /** Flows + options data records. */
  records: number;
  templates: number;
  pendingHeld: number;
  lostDatagrams: number;
  lostSamples: number;
  errors: Partial<Record<DecodeErrorReason, number>>;
  lastMs: number;
}

export function emptyTotals(): ReplayTotals {
  return {
    flows: [],
    records: 0,
    templates: 0,
    pendingHeld: 0,
    lostDatagrams: 0,
    lostSamples: 0,
    errors: {},
    lastMs: 0,
  };
}

/** Decodes every UDP payload of `path` (relative to the corpus) in order into `state`. */
export function replay(
  path: string,
  state: NetflowState,
  sampling: SamplingPolicy = NO_SAMPLING_POLICY,
  t: ReplayTotals = emptyTotals(),
): ReplayTotals {
  for (const p of readPcapUdp(corpusPath(path))) {
    const opts0 = state.optionsRecords;
    const r = decodeNetflow(
      { receivedAtMs: p.tsMs, exporter: p.srcAddr, exporterPort: p.srcPort, payload: p.payload },
      state,
      sampling,
    );
    for (const f of r.flows) t.flows.push(f);
    t.records += r.flows.length + (state.optionsRecords - opts0);
    t.templates += r.stats.templatesLearned;
    t.pendingHeld += r.stats.pendingHeld;
    t.lostDatagrams += r.stats.lostDatagrams;
    t.lostSamples += r.stats.lostSamples;
    for (const [k, v] of Object.entries(r.stats.errors))
      t.errors[k as DecodeErrorReason] = (t.errors[k as DecodeErrorReason] ?? 0) + v;
    t.lastMs = Math.max(t.lastMs, p.tsMs);
  }
  return t;
}

/** Expires everything still pending (as the pipeline's periodic expiry would) and adds the counts. */
export function expireAll(state: NetflowState, t: ReplayTotals): void {
  const e = expireNetflowState(state, t.lastMs + state.opts.pendingHoldMs + 1);
  for (const [k, v] of Object.entries(e.errors))
    t.errors[k as DecodeErrorReason] = (t.errors[k as DecodeErrorReason] ?? 0) + v;
}
