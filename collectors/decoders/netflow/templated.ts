/**
 * NetFlow v9 and IPFIX message walking: sets, template / options template records, data sets,
 * the pending buffer for data that arrives before its template, and sequence accounting.
 *
 * Error policy: a set whose length is < 4 or runs past the message end → `bad_length`, and the
 * rest of the datagram is skipped (records already decoded are kept). Trailing zero octets after
 * the last set are padding (Palo Alto pads datagrams with zeros), not an error. Inside a set,
 * octets shorter than the template's minimum record length are padding.
 */
import { countError, type DecodeResult, type RawDatagram, type SamplingPolicy } from '../types.js';
import { readUint, type Template } from './template.js';
import { allZero, parseOptionsTemplateSet, parseTemplateSet, type MsgContext } from './template-sets.js';
import { decodeDataRecord, decodeOptionsRecord, layoutVarRecord, type OptionsInfo, type SetContext } from './record.js';
import { exporterState, tkey, type ExporterState, type NetflowState } from './state.js';
import { trackTemplatedSequence } from './sequence.js';

const V9_MAX_GAP = 1 << 20;
const IPFIX_MAX_GAP = 1 << 24;

export function decodeTemplated(
  d: RawDatagram,
  state: NetflowState,
  sampling: SamplingPolicy,
  version: 9 | 10,
  res: DecodeResult,
): void {
  const b = d.payload;
  const stats = res.stats;
  let end = b.length;
  let hdrLen: number,
    domain: number,
    seq: number,
    sysUptime = 0,
    exportSecs: number;
  if (version === 9) {
    if (b.length < 20) {
      countError(stats, 'truncated');
      return;
    }
    sysUptime = readUint(b, 4, 4);
    exportSecs = readUint(b, 8, 4);
    seq = readUint(b, 12, 4);
    domain = readUint(b, 16, 4);
    hdrLen = 20;
  } else {
    if (b.length < 16) {
      countError(stats, 'truncated');
      return;
    }
    const len = readUint(b, 2, 2);
    if (len < 16) {
      countError(stats, 'bad_length');
      return;
    }
    if (len > b.length) countError(stats, 'truncated');
    else end = len;
    exportSecs = readUint(b, 4, 4);
    seq = readUint(b, 8, 4);
    domain = readUint(b, 12, 4);
    hdrLen = 16;
  }
  const ex = exporterState(state, d.exporter, d.receivedAtMs);
  const vi = version === 9 ? 0 : 1;
  const m: MsgContext = { state, ex, vi, version, domain, nowMs: d.receivedAtMs, res, learned: [], withdrewAll: 0 };
  const ctx = makeContext(d.receivedAtMs, d.exporter, version, domain, sysUptime, exportSecs, ex, sampling);
  const tplSet = version === 9 ? 0 : 2;
  const optSet = version === 9 ? 1 : 3;
  let records = 0;
  let held = false;
  let pos = hdrLen;
  while (pos < end) {
    if (pos + 4 > end) {
      if (!allZero(b, pos, end)) countError(stats, 'bad_length');
      break;
    }
    const setId = (b[pos]! << 8) | b[pos + 1]!;
    const setLen = (b[pos + 2]! << 8) | b[pos + 3]!;
    if (setLen < 4 || pos + setLen > end) {
      if (!allZero(b, pos, end)) countError(stats, 'bad_length');
      break;
    }
    const body = pos + 4;
    const setEnd = pos + setLen;
    if (setId === tplSet) parseTemplateSet(b, body, setEnd, m);
    else if (setId === optSet) parseOptionsTemplateSet(b, body, setEnd, m);
    else if (setId >= 256) {
      const t = ex.templates[vi].get(tkey(domain, setId));
      if (t !== undefined) records += decodeDataSet(b, body, setEnd, t, ctx, m);
      else {
        hold(m, tkey(domain, setId), b, body, setEnd, d.receivedAtMs, sysUptime, exportSecs);
        held = true;
      }
    }
    // Set ids 2..255 (v9) / 0,1,4..255 (IPFIX) are reserved: skipped by their length.
    pos = setEnd;
  }
  if (m.learned.length > 0) releasePending(m, d.exporter, sampling);
  if (version === 9) stats.lostDatagrams += trackTemplatedSequence(ex, 'v9', domain, seq, 1, V9_MAX_GAP);
  else stats.lostSamples += trackTemplatedSequence(ex, 'ipfix', domain, seq, held ? -1 : records, IPFIX_MAX_GAP);
}

function makeContext(
  receivedAtMs: number,
  exporter: string,
  version: 9 | 10,
  domain: number,
  sysUptime: number,
  exportSecs: number,
  ex: ExporterState,
  sampling: SamplingPolicy,
): SetContext {
  const vi = version === 9 ? 0 : 1;
  return {
    receivedAtMs,
    exporter,
    protocol: version === 9 ? 'netflow-v9' : 'ipfix',
    domain,
    uptimeBaseMs: exportSecs * 1000 - sysUptime,
    exportMs: exportSecs * 1000,
    sysInitMs: version === 10 ? (ex.sysInit.get(domain) ?? -1) : -1,
    overrideRate: sampling.override(exporter) ?? 0,
    fallbackRate: sampling.fallback(exporter) ?? 0,
    samplers: ex.samplers[vi].get(domain),
  };
}

const optInfo: OptionsInfo = { samplerId: 0, rate: 0, sysInitMs: -1 };

/** Decodes every record of a data set; returns the number of records (flows or options records). */
function decodeDataSet(b: Uint8Array, p: number, end: number, t: Template, ctx: SetContext, m: MsgContext): number {
  const flows = m.res.flows;
  let n = 0;
  const fixed = t.fixedLen;
  if (!t.options) {
    if (fixed > 0) {
      for (; p + fixed <= end; p += fixed) {
        flows.push(decodeDataRecord(b, p, t, ctx));
        n++;
      }
    } else {
      while (end - p >= t.minLen) {
        const next = layoutVarRecord(b, p, end, t);
        if (next < 0) {
          if (!allZero(b, p, end)) countError(m.res.stats, 'truncated');
          break;
        }
        flows.push(decodeDataRecord(b, p, t, ctx));
        n++;
        p = next;
      }
    }
  } else {
    while (end - p >= t.minLen) {
      let next: number;
      if (fixed > 0) next = p + fixed;
      else {
        next = layoutVarRecord(b, p, end, t);
        if (next < 0) {
          if (!allZero(b, p, end)) countError(m.res.stats, 'truncated');
          break;
        }
      }
      decodeOptionsRecord(b, p, t, optInfo);
      applyOptions(m.ex, m.vi, t.domain, optInfo, ctx);
      n++;
      p = next;
    }
    m.state.optionsRecords += n;
  }
  if (t.enterpriseFields > 0 && n > 0) countError(m.res.stats, 'enterprise_field', n);
  return n;
}

function applyOptions(ex: ExporterState, vi: 0 | 1, domain: number, info: OptionsInfo, ctx: SetContext): void {
  if (info.rate > 0) {
    const m = ex.samplers[vi];
    let tbl = m.get(domain);
    if (tbl === undefined) {
      tbl = new Map();
      m.set(domain, tbl);
    }
    tbl.set(info.samplerId, info.rate);
    ctx.samplers = tbl;
  }
  if (info.sysInitMs >= 0 && vi === 1) {
    ex.sysInit.set(domain, info.sysInitMs);
    ctx.sysInitMs = info.sysInitMs;
  }
}

function hold(
  m: MsgContext,
  key: number,
  b: Uint8Array,
  body: number,
  end: number,
  receivedAtMs: number,
  sysUptime: number,
  exportSecs: number,
): void {
  const { state, ex } = m;
  const pend = ex.pending[m.vi];
  const list = pend.get(key);
  const len = end - body;
  if (
    (list !== undefined && list.length >= state.opts.maxPendingPerKey) ||
    state.pendingTotal >= state.opts.maxPendingTotal ||
    state.pendingBytes + len > state.opts.maxPendingBytes
  ) {
    countError(m.res.stats, 'pending_overflow');
    return;
  }
  const entry = { bytes: new Uint8Array(b.subarray(body, end)), receivedAtMs, sysUptime, exportSecs };
  if (list === undefined) pend.set(key, [entry]);
  else list.push(entry);
  ex.pendingCount++;
  state.pendingTotal++;
  state.pendingBytes += len;
  m.res.stats.pendingHeld++;
}

function releasePending(m: MsgContext, exporter: string, sampling: SamplingPolicy): void {
  const { state, ex } = m;
  const pend = ex.pending[m.vi];
  if (pend.size === 0) return;
  for (const key of m.learned) {
    const list = pend.get(key);
    if (list === undefined) continue;
    pend.delete(key);
    const t = ex.templates[m.vi].get(key);
    for (const p of list) {
      ex.pendingCount--;
      state.pendingTotal--;
      state.pendingBytes -= p.bytes.length;
      if (t === undefined) continue;
      const ctx = makeContext(p.receivedAtMs, exporter, m.version, t.domain, p.sysUptime, p.exportSecs, ex, sampling);
      decodeDataSet(p.bytes, 0, p.bytes.length, t, ctx, m);
    }
  }
}
