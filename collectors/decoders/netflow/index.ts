/**
 * NetFlow v1/v5/v9 and IPFIX decoder: public API.
 *
 * - decodeNetflow(datagram, state, sampling): one datagram → normalized FlowRecords + counters.
 *   Dispatches on the version in the header (1, 5, 9, 10); anything else → `bad_version`.
 *   Never throws on any input.
 * - State (templates, options templates, sampler tables, sequence trackers, pending data) lives in
 *   a NetflowState created by createNetflowState() and can be persisted without its pending data
 *   with serializeNetflowState()/restoreNetflowState().
 *
 * Counting conventions (see also the DecodeCounters docs):
 * - templatesLearned: every valid template / options template record received (refreshes included).
 * - pendingHeld: data *sets* held for a missing template (record count is unknown without it);
 *   pending_overflow / pending_expired are also counted per set.
 * - enterprise_field: once per decoded data record whose template has ≥ 1 enterprise-specific IE.
 * - lostDatagrams: v9 sequence gaps (v9 counts export packets).
 *   lostSamples: v5 and IPFIX sequence gaps, in records (those protocols count flows/records).
 *   A backwards jump or a jump above 2^20 datagrams / 2^24 records resets the tracker (restart).
 * - templatesWithdrawn also counts templates dropped by expireNetflowState (timeout).
 *
 * Deliberate leniencies (real exporters in shared/corpus need them):
 * - v9 template fields of length 0 (Cisco sends type 0 / length 0; Juniper SRX a 0-length System
 *   scope) are accepted and occupy no octets; only a template with no octets at all (zero fields,
 *   or every field 0-length) is `bad_template`, since it could never make progress over data.
 * - v9 field length 65535 is read as an IPFIX variable-length field (H3C NetStream varstring).
 * - Trailing zero octets after the last set are padding (Palo Alto zero-filled datagrams).
 *
 * Record notes: frameOctets = IE 312 dataLinkFrameSize + 4 (FCS) for one-packet records, else l3 + 18/22 per packet;
 * IE 315 dataLinkFrameSection is parsed with shared/packet-header.ts parseFrameHeader for
 * MACs/VLAN/addresses/ports the record's own IEs do not carry. v5 observationDomain is
 * engine_type<<8 | engine_id; v1 records are labelled 'netflow-v5'.
 */
import { countError, emptyStats, type DecodeResult, type RawDatagram, type SamplingPolicy } from '../types.js';
import { decodeV1V5 } from './v5.js';
import { decodeTemplated } from './templated.js';
import type { NetflowState } from './state.js';

export {
  createNetflowState,
  expireNetflowState,
  serializeNetflowState,
  restoreNetflowState,
  describeNetflowState,
  DEFAULT_OPTIONS,
} from './state.js';
export type { NetflowState, NetflowStateOptions, ExporterDescription, SerializedNetflowState } from './state.js';

export function decodeNetflow(d: RawDatagram, state: NetflowState, sampling: SamplingPolicy): DecodeResult {
  const res: DecodeResult = { flows: [], counters: [], stats: emptyStats() };
  const b = d.payload;
  if (b.length < 2) {
    countError(res.stats, 'truncated');
    return res;
  }
  const version = (b[0]! << 8) | b[1]!;
  switch (version) {
    case 1:
      decodeV1V5(d, state, sampling, 1, res);
      break;
    case 5:
      decodeV1V5(d, state, sampling, 5, res);
      break;
    case 9:
      decodeTemplated(d, state, sampling, 9, res);
      break;
    case 10:
      decodeTemplated(d, state, sampling, 10, res);
      break;
    default:
      countError(res.stats, 'bad_version');
      break;
  }
  return res;
}
