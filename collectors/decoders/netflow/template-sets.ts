/**
 * Template sets and options template sets (v9 flowsets 0/1, IPFIX sets 2/3): parsing, learning,
 * IPFIX withdrawal. A malformed template record stops its set with `bad_template`.
 */
import { countError, type DecodeResult } from '../types.js';
import { compileTemplate, readUint, sameFields, type FieldDef } from './template.js';
import { tkey, type ExporterState, type NetflowState } from './state.js';

export function allZero(b: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (b[i] !== 0) return false;
  return true;
}

export interface MsgContext {
  state: NetflowState;
  ex: ExporterState;
  vi: 0 | 1;
  version: 9 | 10;
  domain: number;
  nowMs: number;
  res: DecodeResult;
  /** Template keys learned in this datagram (pending data for them is released at the end). */
  learned: number[];
  /** Withdraw-all already applied in this message: bit 0 templates, bit 1 options templates. */
  withdrewAll: number;
}

function learn(m: MsgContext, tid: number, options: boolean, scopeCount: number, fields: FieldDef[]): void {
  const stats = m.res.stats;
  const key = tkey(m.domain, tid);
  const tpls = m.ex.templates[m.vi];
  const old = tpls.get(key);
  stats.templatesLearned++;
  if (old !== undefined && old.options === options && old.scopeCount === scopeCount && sameFields(old.fields, fields)) {
    old.lastSeenMs = m.nowMs;
  } else {
    const t = compileTemplate(m.version, m.domain, tid, options, scopeCount, fields, m.nowMs);
    if (t === null) {
      stats.templatesLearned--;
      countError(stats, 'bad_template');
      if (old !== undefined) tpls.delete(key);
      return;
    }
    if (old === undefined && m.ex.templates[0].size + m.ex.templates[1].size >= m.state.opts.maxTemplatesPerExporter) {
      // Bound memory per exporter (a spoofed source could otherwise define templates without end).
      stats.templatesLearned--;
      countError(stats, 'bad_template');
      return;
    }
    tpls.set(key, t);
  }
  m.learned.push(key);
}

function withdraw(m: MsgContext, tid: number, options: boolean): void {
  const tpls = m.ex.templates[m.vi];
  const stats = m.res.stats;
  if ((!options && tid === 2) || (options && tid === 3)) {
    const bit = options ? 2 : 1;
    if ((m.withdrewAll & bit) !== 0) return; // repeated withdraw-all in one message: nothing left to do
    m.withdrewAll |= bit;
    for (const [key, t] of tpls) {
      if (t.domain === m.domain && t.options === options) {
        tpls.delete(key);
        stats.templatesWithdrawn++;
      }
    }
  } else if (tid >= 256) {
    if (tpls.delete(tkey(m.domain, tid))) stats.templatesWithdrawn++;
  } else {
    countError(stats, 'bad_template');
  }
}

/** Field specifiers; IPFIX ones may carry an enterprise number. Returns the end offset, or -1. */
function readFields(b: Uint8Array, p: number, end: number, count: number, ipfix: boolean, out: FieldDef[]): number {
  for (let i = 0; i < count; i++) {
    if (p + 4 > end) return -1;
    let id = (b[p]! << 8) | b[p + 1]!;
    const len = (b[p + 2]! << 8) | b[p + 3]!;
    p += 4;
    let pen = 0;
    if (ipfix && (id & 0x8000) !== 0) {
      if (p + 4 > end) return -1;
      id &= 0x7fff;
      pen = readUint(b, p, 4);
      p += 4;
    }
    // v9 has no variable-length fields in RFC 3954, but H3C NetStream sends 65535 with the
    // IPFIX encoding (1- or 3-octet length prefix): accepted the same way.
    out.push({ id, len, pen });
  }
  return p;
}

export function parseTemplateSet(b: Uint8Array, p: number, end: number, m: MsgContext): void {
  const ipfix = m.version === 10;
  while (p + 4 <= end) {
    const tid = (b[p]! << 8) | b[p + 1]!;
    const fc = (b[p + 2]! << 8) | b[p + 3]!;
    if (tid === 0 && fc === 0 && allZero(b, p, end)) return; // padding
    if (fc === 0) {
      if (ipfix) withdraw(m, tid, false);
      else countError(m.res.stats, 'bad_template'); // v9 has no withdrawal: a zero-field template is invalid
      p += 4;
      continue;
    }
    if (tid < 256) {
      countError(m.res.stats, 'bad_template');
      return;
    }
    const fields: FieldDef[] = [];
    const next = readFields(b, p + 4, end, fc, ipfix, fields);
    if (next < 0) {
      countError(m.res.stats, 'bad_template');
      return;
    }
    learn(m, tid, false, 0, fields);
    p = next;
  }
}

export function parseOptionsTemplateSet(b: Uint8Array, p: number, end: number, m: MsgContext): void {
  const stats = m.res.stats;
  if (m.version === 10) {
    while (p + 4 <= end) {
      const tid = (b[p]! << 8) | b[p + 1]!;
      const fc = (b[p + 2]! << 8) | b[p + 3]!;
      if (tid === 0 && fc === 0 && allZero(b, p, end)) return;
      if (fc === 0) {
        withdraw(m, tid, true);
        p += 4;
        continue;
      }
      if (p + 6 > end) {
        countError(stats, 'bad_template');
        return;
      }
      const sc = (b[p + 4]! << 8) | b[p + 5]!;
      if (tid < 256 || sc === 0 || sc > fc) {
        countError(stats, 'bad_template');
        return;
      }
      const fields: FieldDef[] = [];
      const next = readFields(b, p + 6, end, fc, true, fields);
      if (next < 0) {
        countError(stats, 'bad_template');
        return;
      }
      learn(m, tid, true, sc, fields);
      p = next;
    }
    return;
  }
  // v9: template id, scope length and option length in octets (4 per field), then padding.
  while (p + 6 <= end) {
    const tid = (b[p]! << 8) | b[p + 1]!;
    const scopeLen = (b[p + 2]! << 8) | b[p + 3]!;
    const optLen = (b[p + 4]! << 8) | b[p + 5]!;
    if (tid === 0 && allZero(b, p, end)) return;
    if (
      tid < 256 ||
      scopeLen % 4 !== 0 ||
      optLen % 4 !== 0 ||
      scopeLen + optLen === 0 ||
      p + 6 + scopeLen + optLen > end
    ) {
      countError(stats, 'bad_template');
      return;
    }
    const fields: FieldDef[] = [];
    const next = readFields(b, p + 6, end, (scopeLen + optLen) / 4, false, fields);
    if (next < 0) {
      countError(stats, 'bad_template');
      return;
    }
    learn(m, tid, true, scopeLen / 4, fields);
    p = next;
  }
}
