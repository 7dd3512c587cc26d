/**
 * sFlow v5 decoder: public API.
 *
 *   const state = createSflowState();
 *   const { flows, counters, stats } = decodeSflow(datagram, state, samplingPolicy);
 *
 * State (datagram/sample sequences, cumulative drops, sampling rates per source) persists across
 * calls; `serializeSflowState` / `restoreSflowState` round-trip it through JSON and
 * `describeSflowState` summarises it per agent for the operator.
 */
export { decodeSflow } from './decode.js';
export {
  createSflowState,
  serializeSflowState,
  restoreSflowState,
  describeSflowState,
  type SflowState,
  type SflowAgentState,
  type SflowSourceState,
  type SflowAgentDescription,
  type SflowSourceDescription,
} from './state.js';
