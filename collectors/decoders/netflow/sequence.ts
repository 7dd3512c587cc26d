/**
 * Sequence accounting for NetFlow v9 / IPFIX messages, per observation domain as the RFCs say — unless the
 * exporter numbers its messages with one counter across domains (seen: domain 0 carrying statistics and
 * options records, domain N the data, both advancing one counter). Then every per-domain tracker sees
 * the other domain's messages as gaps, and an exporter losing nothing would show lost records.
 * An exporter-wide tracker ('v9/*', 'ipfix/*') runs next to the per-domain ones; a per-domain gap that
 * the exporter-wide tracker explains (no gap there) is not a loss. Once that happened at least twice and
 * more often than the opposite, the exporter is treated as numbering across domains and losses are
 * counted on the exporter-wide tracker.
 */
import { trackSequence, type ExporterState } from './state.js';

interface Votes {
  hits: number;
  misses: number;
}
const votes = new WeakMap<ExporterState, Map<string, Votes>>();

/** Records (IPFIX, advance = records) or datagrams (v9, advance = 1) lost before this message. */
export function trackTemplatedSequence(
  ex: ExporterState,
  proto: 'v9' | 'ipfix',
  domain: number,
  seq: number,
  advance: number,
  maxGap: number,
): number {
  const dKey = `${proto}/${domain}`,
    sKey = `${proto}/*`;
  const dNext = ex.seq.get(dKey)?.next ?? -1;
  const sNext = ex.seq.get(sKey)?.next ?? -1;
  const perDomain = trackSequence(ex, dKey, seq, advance, maxGap);
  const shared = trackSequence(ex, sKey, seq, advance, maxGap);
  if (dNext < 0 || sNext < 0) return perDomain;
  // Continuity on each tracker: the exporter-wide one explains a per-domain gap, or the reverse.
  const sharedInOrder = seq === sNext,
    domainInOrder = seq === dNext;
  let byProto = votes.get(ex);
  if (byProto === undefined) votes.set(ex, (byProto = new Map()));
  let v = byProto.get(proto);
  if (v === undefined) byProto.set(proto, (v = { hits: 0, misses: 0 }));
  if (sharedInOrder && !domainInOrder) v.hits++;
  else if (domainInOrder && !sharedInOrder) v.misses++;
  if (v.hits >= 2 && v.hits > v.misses) return shared;
  return sharedInOrder ? 0 : perDomain;
}
/** True once the exporter is judged to number its messages across observation domains. */
export function sharesSequenceAcrossDomains(ex: ExporterState, proto: 'v9' | 'ipfix'): boolean {
  const v = votes.get(ex)?.get(proto);
  return v !== undefined && v.hits >= 2 && v.hits > v.misses;
}
