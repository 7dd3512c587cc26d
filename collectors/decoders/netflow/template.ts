/**
 * Template compilation shared by NetFlow v9 (RFC 3954) and IPFIX (RFC 7011/7012).
 *
 * A template is compiled once into a flat list of (target, field index) operations. Precedence
 * between alternative IEs (packetDeltaCount 2 vs packetTotalCount 86 vs postPacketDeltaCount 24,
 * sourceMacAddress 56 vs postSourceMacAddress 81, ...) is resolved here, at compile time, so the
 * per-record loop only reads the fields it will use and never decides between alternatives.
 */

/** Variable-length marker in an IPFIX field specifier. */
export const VARLEN = 0xffff;

export interface FieldDef {
  /** Information element id (enterprise bit cleared). */
  id: number;
  /** Field length in octets, or VARLEN (IPFIX only). */
  len: number;
  /** Private enterprise number, 0 for IANA IEs. */
  pen: number;
}

// Operation targets. Data-record targets and options-record targets share one numbering.
export const T = {
  IN_IF: 1,
  OUT_IF: 2,
  SRC_MAC: 3,
  DST_MAC: 4,
  VLAN: 5,
  INNER_VLAN: 6,
  ETHERTYPE: 7,
  IPVER: 8,
  SRC4: 9,
  DST4: 10,
  SRC6: 11,
  DST6: 12,
  PROTO: 13,
  SRC_PORT: 14,
  DST_PORT: 15,
  ICMP_TC: 16,
  ICMP_T: 17,
  ICMP_C: 18,
  TCP_FLAGS: 19,
  TOS: 20,
  FRAG_FLAGS: 21,
  FRAG_OFF: 22,
  DIRECTION: 23,
  PACKETS: 24,
  OCTETS: 25,
  FRAME_SIZE: 26,
  DATALINK: 27,
  RATE: 28,
  PKT_INT: 29,
  PKT_SPACE: 30,
  S_SIZE: 31,
  S_POP: 32,
  PROB: 33,
  SAMPLER_ID: 34,
  START_SEC: 35,
  END_SEC: 36,
  START_MS: 37,
  END_MS: 38,
  START_NTP: 39,
  END_NTP: 40,
  START_DELTA: 41,
  END_DELTA: 42,
  START_UP: 43,
  END_UP: 44,
  SYSINIT: 45,
} as const;

export interface Template {
  version: 9 | 10;
  domain: number;
  id: number;
  options: boolean;
  /** Number of leading scope fields (options templates). */
  scopeCount: number;
  fields: FieldDef[];
  lastSeenMs: number;
  // ---- compiled ----
  /** Record length when every field is fixed, else -1. */
  fixedLen: number;
  /** Smallest possible record (varlen fields count 1 octet): anything shorter at a set end is padding. */
  minLen: number;
  /** Field offsets relative to the record start and lengths. Precomputed when fixed; scratch otherwise. */
  offs: Int32Array;
  lens: Int32Array;
  /** Pairs (target, field index). */
  ops: Int32Array;
  /** Number of enterprise-specific fields in the template. */
  enterpriseFields: number;
  /** Template carries both IPv4 and IPv6 address IEs (choose the non-zero family per record). */
  dualFamily: boolean;
}

function pick(index: Map<number, number>, ...ids: number[]): number {
  for (const id of ids) {
    const fi = index.get(id);
    if (fi !== undefined) return fi;
  }
  return -1;
}

/**
 * Builds the compiled template. Returns null when the template can never make progress over
 * data (zero fields, or every field zero-length): such a template is rejected as `bad_template`.
 * Zero-length fields are otherwise tolerated and simply occupy no octets (Cisco/Juniper send them).
 */
export function compileTemplate(
  version: 9 | 10,
  domain: number,
  id: number,
  options: boolean,
  scopeCount: number,
  fields: FieldDef[],
  nowMs: number,
): Template | null {
  const n = fields.length;
  const offs = new Int32Array(n);
  const lens = new Int32Array(n);
  let fixed = true;
  let off = 0;
  let minLen = 0;
  let enterprise = 0;
  const index = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const f = fields[i]!;
    if (f.pen !== 0) enterprise++;
    if (f.len === VARLEN) {
      fixed = false;
      minLen += 1;
    } else {
      minLen += f.len;
      offs[i] = off;
      lens[i] = f.len;
      off += f.len;
    }
    // v9 options scope fields use their own type space (1 = System, 2 = Interface...): never IEs.
    const isV9Scope = options && version === 9 && i < scopeCount;
    if (f.pen === 0 && !isV9Scope && f.len !== 0 && !index.has(f.id)) index.set(f.id, i);
  }
  if (minLen === 0) return null;

  const ops: number[] = [];
  const add = (target: number, fi: number): void => {
    if (fi >= 0) ops.push(target, fi);
  };
  let dual = false;
  if (!options) {
    add(T.IN_IF, pick(index, 10, 252));
    add(T.OUT_IF, pick(index, 14, 253));
    add(T.SRC_MAC, pick(index, 56, 81));
    add(T.DST_MAC, pick(index, 80, 57));
    add(T.VLAN, pick(index, 58, 243, 59));
    add(T.INNER_VLAN, pick(index, 245));
    add(T.ETHERTYPE, pick(index, 256));
    add(T.IPVER, pick(index, 60));
    const s4 = pick(index, 8),
      d4 = pick(index, 12),
      s6 = pick(index, 27),
      d6 = pick(index, 28);
    dual = (s4 >= 0 || d4 >= 0) && (s6 >= 0 || d6 >= 0);
    add(T.SRC4, s4);
    add(T.DST4, d4);
    add(T.SRC6, s6);
    add(T.DST6, d6);
    add(T.PROTO, pick(index, 4));
    add(T.SRC_PORT, pick(index, 7, 180, 182));
    add(T.DST_PORT, pick(index, 11, 181, 183));
    const tc = pick(index, 32, 139);
    if (tc >= 0) add(T.ICMP_TC, tc);
    else if (index.has(176) || index.has(177)) {
      add(T.ICMP_T, pick(index, 176));
      add(T.ICMP_C, pick(index, 177));
    } else {
      add(T.ICMP_T, pick(index, 178));
      add(T.ICMP_C, pick(index, 179));
    }
    add(T.TCP_FLAGS, pick(index, 6));
    add(T.TOS, pick(index, 5));
    add(T.FRAG_FLAGS, pick(index, 197));
    add(T.FRAG_OFF, pick(index, 88));
    add(T.DIRECTION, pick(index, 61));
    add(T.PACKETS, pick(index, 2, 86, 24));
    add(T.OCTETS, pick(index, 1, 85, 23));
    add(T.FRAME_SIZE, pick(index, 312));
    add(T.DATALINK, pick(index, 315));
    const st = pickTime(index, true);
    const en = pickTime(index, false);
    if (st) add(st[0], st[1]);
    if (en) add(en[0], en[1]);
  }
  // Sampling (data and options records alike).
  add(T.RATE, pick(index, 34, 50));
  add(T.PKT_INT, pick(index, 305));
  add(T.PKT_SPACE, pick(index, 306));
  add(T.S_SIZE, pick(index, 309));
  add(T.S_POP, pick(index, 310));
  add(T.PROB, pick(index, 311));
  add(T.SAMPLER_ID, pick(index, 48, 302));
  add(T.SYSINIT, pick(index, 160));

  return {
    version,
    domain,
    id,
    options,
    scopeCount,
    fields,
    lastSeenMs: nowMs,
    fixedLen: fixed ? off : -1,
    minLen,
    offs,
    lens,
    ops: Int32Array.from(ops),
    enterpriseFields: enterprise,
    dualFamily: dual,
  };
}

function pickTime(index: Map<number, number>, start: boolean): [number, number] | null {
  const cands: Array<[number, number]> = start
    ? [
        [152, T.START_MS],
        [150, T.START_SEC],
        [154, T.START_NTP],
        [156, T.START_NTP],
        [158, T.START_DELTA],
        [22, T.START_UP],
      ]
    : [
        [153, T.END_MS],
        [151, T.END_SEC],
        [155, T.END_NTP],
        [157, T.END_NTP],
        [159, T.END_DELTA],
        [21, T.END_UP],
      ];
  for (const [ie, target] of cands) {
    const fi = index.get(ie);
    if (fi !== undefined) return [target, fi];
  }
  return null;
}

export function sameFields(a: FieldDef[], b: FieldDef[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!,
      y = b[i]!;
    if (x.id !== y.id || x.len !== y.len || x.pen !== y.pen) return false;
  }
  return true;
}

/** Unsigned big-endian integer of 1..8 octets (longer fields: the last 8 octets). Exact below 2^53. */
export function readUint(b: Uint8Array, o: number, n: number): number {
  switch (n) {
    case 1:
      return b[o]!;
    case 2:
      return (b[o]! << 8) | b[o + 1]!;
    case 4:
      return ((b[o]! << 24) >>> 0) + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!);
    case 8:
      return (
        (((b[o]! << 24) >>> 0) + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!)) * 4294967296 +
        (((b[o + 4]! << 24) >>> 0) + ((b[o + 5]! << 16) | (b[o + 6]! << 8) | b[o + 7]!))
      );
    default: {
      if (n <= 0) return 0;
      if (n > 8) {
        o += n - 8;
        n = 8;
      }
      let v = 0;
      for (let i = 0; i < n; i++) v = v * 256 + b[o + i]!;
      return v;
    }
  }
}
