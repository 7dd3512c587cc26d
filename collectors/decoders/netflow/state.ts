/**
 * Decoder state kept across datagrams: templates, sampler tables, sequence trackers and the
 * bounded buffer of data sets waiting for their template. Everything is per exporter address;
 * inside an exporter, v9 (index 0) and IPFIX (index 1) are kept apart, and keys are
 * (observation domain / source id, template id) packed into one number: domain * 65536 + id.
 */
import { emptyStats, countError, type DecodeCounters } from '../types.js';
import { compileTemplate, type FieldDef, type Template } from './template.js';

export interface NetflowStateOptions {
  /** Data sets without template are kept this long (ms) waiting for it. */
  pendingHoldMs: number;
  /** Max pending data sets per (exporter, version, domain, template id). */
  maxPendingPerKey: number;
  /** Max pending data sets overall. */
  maxPendingTotal: number;
  /** Templates not refreshed for this long (ms) expire. */
  templateTimeoutMs: number;
  /** Max octets held in the pending buffer overall (extra safety bound; sets are ≤ 64 KiB). */
  maxPendingBytes: number;
  /** Max templates (data + options, v9 + IPFIX) per exporter; further new ones → bad_template. */
  maxTemplatesPerExporter: number;
}

export const DEFAULT_OPTIONS: NetflowStateOptions = {
  pendingHoldMs: 10_000,
  maxPendingPerKey: 64,
  maxPendingTotal: 4096,
  templateTimeoutMs: 24 * 3600 * 1000,
  maxPendingBytes: 32 * 1024 * 1024,
  maxTemplatesPerExporter: 16_384,
};

/** A data set held until its template arrives, with the header context of its datagram. */
export interface PendingSet {
  bytes: Uint8Array;
  receivedAtMs: number;
  /** v9: sysUptime (ms) and unix secs; IPFIX: export time (s). */
  sysUptime: number;
  exportSecs: number;
}

export interface SeqTracker {
  /** Expected next sequence number (uint32), or -1 when unknown. */
  next: number;
}

export interface ExporterState {
  addr: string;
  /** [v9, ipfix]: key domain*65536+templateId. */
  templates: [Map<number, Template>, Map<number, Template>];
  /** [v9, ipfix]: domain → (samplerId → rate). */
  samplers: [Map<number, Map<number, number>>, Map<number, Map<number, number>>];
  /** IPFIX domain → systemInitTimeMilliseconds (from options data). */
  sysInit: Map<number, number>;
  /** [v9, ipfix] key domain*65536+templateId → pending sets. */
  pending: [Map<number, PendingSet[]>, Map<number, PendingSet[]>];
  pendingCount: number;
  /** Sequence trackers: 'v5/<engine>', 'v9/<source id>', 'ipfix/<domain>'. */
  seq: Map<string, SeqTracker>;
  /** Receive time of the last datagram from this exporter (idle exporters are dropped by expiry). */
  lastSeenMs: number;
}

export interface NetflowState {
  opts: NetflowStateOptions;
  exporters: Map<string, ExporterState>;
  pendingTotal: number;
  pendingBytes: number;
  /** Running totals for tests and health: options data records decoded. */
  optionsRecords: number;
}

export function createNetflowState(opts?: Partial<NetflowStateOptions>): NetflowState {
  return {
    opts: { ...DEFAULT_OPTIONS, ...(opts ?? {}) },
    exporters: new Map(),
    pendingTotal: 0,
    pendingBytes: 0,
    optionsRecords: 0,
  };
}

export function exporterState(state: NetflowState, addr: string, nowMs = 0): ExporterState {
  let ex = state.exporters.get(addr);
  if (ex === undefined) {
    ex = {
      addr,
      templates: [new Map(), new Map()],
      samplers: [new Map(), new Map()],
      sysInit: new Map(),
      pending: [new Map(), new Map()],
      pendingCount: 0,
      seq: new Map(),
      lastSeenMs: nowMs,
    };
    state.exporters.set(addr, ex);
  } else if (nowMs > ex.lastSeenMs) {
    ex.lastSeenMs = nowMs;
  }
  return ex;
}

export function tkey(domain: number, id: number): number {
  return domain * 65536 + id;
}

/** Drops pending sets older than pendingHoldMs and templates older than templateTimeoutMs. */
export function expireNetflowState(state: NetflowState, nowMs: number): DecodeCounters {
  const stats = emptyStats();
  const holdLimit = nowMs - state.opts.pendingHoldMs;
  const tplLimit = nowMs - state.opts.templateTimeoutMs;
  for (const [addr, ex] of state.exporters) {
    for (const pend of ex.pending) {
      for (const [key, list] of pend) {
        let keep = 0;
        for (let i = 0; i < list.length; i++) {
          const p = list[i]!;
          if (p.receivedAtMs < holdLimit) {
            countError(stats, 'pending_expired');
            ex.pendingCount--;
            state.pendingTotal--;
            state.pendingBytes -= p.bytes.length;
          } else {
            list[keep++] = p;
          }
        }
        list.length = keep;
        if (keep === 0) pend.delete(key);
      }
    }
    for (const tpls of ex.templates) {
      for (const [key, t] of tpls) {
        if (t.lastSeenMs < tplLimit) {
          tpls.delete(key);
          stats.templatesWithdrawn++;
        }
      }
    }
    // An exporter silent for templateTimeoutMs with nothing left to decode with is forgotten
    // (sampler tables and sequence trackers of a long-gone or spoofed source).
    if (ex.pendingCount === 0 && ex.templates[0].size === 0 && ex.templates[1].size === 0 && ex.lastSeenMs < tplLimit) {
      state.exporters.delete(addr);
    }
  }
  return stats;
}

interface SerializedTemplate {
  v: 9 | 10;
  d: number;
  id: number;
  o: boolean;
  s: number;
  f: number[];
  t: number;
}
interface SerializedExporter {
  addr: string;
  templates: SerializedTemplate[];
  samplers: Array<[number, number, number, number]>;
  sysInit: Array<[number, number]>;
  seq: Array<[string, number]>;
  lastSeenMs: number;
}
export interface SerializedNetflowState {
  format: 'ixmeter-netflow-state/1';
  exporters: SerializedExporter[];
}

/** Plain JSON snapshot (templates, options templates, sampler tables, sequence trackers; no pending data). */
export function serializeNetflowState(state: NetflowState): SerializedNetflowState {
  const exporters: SerializedExporter[] = [];
  for (const ex of state.exporters.values()) {
    const templates: SerializedTemplate[] = [];
    for (const tpls of ex.templates) {
      for (const t of tpls.values()) {
        const f: number[] = [];
        for (const fd of t.fields) f.push(fd.id, fd.len, fd.pen);
        templates.push({ v: t.version, d: t.domain, id: t.id, o: t.options, s: t.scopeCount, f, t: t.lastSeenMs });
      }
    }
    const samplers: Array<[number, number, number, number]> = [];
    ex.samplers.forEach((m, vi) => {
      for (const [dom, tbl] of m) for (const [sid, rate] of tbl) samplers.push([vi === 0 ? 9 : 10, dom, sid, rate]);
    });
    exporters.push({
      addr: ex.addr,
      templates,
      samplers,
      sysInit: [...ex.sysInit.entries()],
      seq: [...ex.seq.entries()].map(([k, s]) => [k, s.next]),
      lastSeenMs: ex.lastSeenMs,
    });
  }
  return { format: 'ixmeter-netflow-state/1', exporters };
}

function isObj(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null;
}
const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** Rebuilds a state from serializeNetflowState output (after JSON round trip). Invalid entries are skipped. */
export function restoreNetflowState(json: unknown, opts?: Partial<NetflowStateOptions>): NetflowState {
  const state = createNetflowState(opts);
  if (!isObj(json) || json.format !== 'ixmeter-netflow-state/1' || !Array.isArray(json.exporters)) return state;
  for (const e of json.exporters as unknown[]) {
    if (!isObj(e) || typeof e.addr !== 'string') continue;
    const ex = exporterState(state, e.addr, isNum(e.lastSeenMs) ? e.lastSeenMs : 0);
    if (Array.isArray(e.templates)) {
      for (const st of e.templates as unknown[]) {
        if (!isObj(st) || (st.v !== 9 && st.v !== 10) || !isNum(st.d) || !isNum(st.id) || !Array.isArray(st.f))
          continue;
        const f = st.f as unknown[];
        const fields: FieldDef[] = [];
        for (let i = 0; i + 2 < f.length; i += 3) {
          const id = f[i],
            len = f[i + 1],
            pen = f[i + 2];
          if (isNum(id) && isNum(len) && isNum(pen)) fields.push({ id, len, pen });
        }
        const t = compileTemplate(
          st.v,
          st.d,
          st.id,
          st.o === true,
          isNum(st.s) ? st.s : 0,
          fields,
          isNum(st.t) ? st.t : 0,
        );
        if (t) ex.templates[st.v === 9 ? 0 : 1].set(tkey(t.domain, t.id), t);
      }
    }
    if (Array.isArray(e.samplers)) {
      for (const s of e.samplers as unknown[]) {
        if (!Array.isArray(s) || s.length !== 4 || !s.every(isNum)) continue;
        const [v, dom, sid, rate] = s as number[];
        const m = ex.samplers[v === 9 ? 0 : 1];
        let tbl = m.get(dom!);
        if (!tbl) {
          tbl = new Map();
          m.set(dom!, tbl);
        }
        tbl.set(sid!, rate!);
      }
    }
    if (Array.isArray(e.sysInit)) {
      for (const s of e.sysInit as unknown[])
        if (Array.isArray(s) && isNum(s[0]) && isNum(s[1])) ex.sysInit.set(s[0], s[1]);
    }
    if (Array.isArray(e.seq)) {
      for (const s of e.seq as unknown[])
        if (Array.isArray(s) && typeof s[0] === 'string' && isNum(s[1])) ex.seq.set(s[0], { next: s[1] });
    }
  }
  return state;
}

export interface ExporterDescription {
  templates: number;
  /** '<v9|ipfix>/<domain>/<samplerId>' → rate. */
  samplingRates: Record<string, number>;
  pending: number;
}

export function describeNetflowState(state: NetflowState): Record<string, ExporterDescription> {
  const out: Record<string, ExporterDescription> = {};
  for (const ex of state.exporters.values()) {
    const samplingRates: Record<string, number> = {};
    ex.samplers.forEach((m, vi) => {
      for (const [dom, tbl] of m)
        for (const [sid, rate] of tbl) samplingRates[`${vi === 0 ? 'v9' : 'ipfix'}/${dom}/${sid}`] = rate;
    });
    out[ex.addr] = { templates: ex.templates[0].size + ex.templates[1].size, samplingRates, pending: ex.pendingCount };
  }
  return out;
}

/**
 * Sequence gap accounting. `seq` is the number carried by this message, `advance` how far it moves
 * the counter (1 datagram for v9; the record count for v5 and IPFIX). Returns the number lost.
 * A backwards jump (reorder, duplicate or exporter restart) or a forward jump above `maxGap`
 * (restart with a new random start) resets the tracker without counting loss.
 */
export function trackSequence(ex: ExporterState, key: string, seq: number, advance: number, maxGap: number): number {
  let trk = ex.seq.get(key);
  if (trk === undefined) {
    trk = { next: -1 };
    ex.seq.set(key, trk);
  }
  let lost = 0;
  if (trk.next >= 0) {
    const gap = (seq - trk.next) >>> 0;
    if (gap !== 0 && gap <= maxGap) lost = gap;
  }
  trk.next = advance < 0 ? -1 : (seq + advance) >>> 0;
  return lost;
}
