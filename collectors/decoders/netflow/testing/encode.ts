/**
 * Tiny NetFlow v5/v9/IPFIX encoder for tests and benchmarks (never used by production code).
 * Values: numbers are written big-endian in the field length (up to 8 octets, exact below 2^53);
 * strings are IPv4 dotted, IPv6 (full or '::' form) or MAC 'aa:bb:cc:dd:ee:ff' text; Uint8Array is
 * copied as is (variable-length fields get their 1- or 3-octet length prefix).
 */
export interface FieldSpec {
  id: number;
  len: number;
  pen?: number;
}
export type Value = number | string | Uint8Array;

export const VARLEN = 0xffff;

function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function u16(v: number): Uint8Array {
  return Uint8Array.of((v >>> 8) & 0xff, v & 0xff);
}
function u32(v: number): Uint8Array {
  return Uint8Array.of((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
}

function uint(v: number, len: number): Uint8Array {
  const out = new Uint8Array(len);
  let x = BigInt(Math.floor(v));
  for (let i = len - 1; i >= 0; i--) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

function textBytes(s: string): Uint8Array {
  if (/^\d+\.\d+\.\d+\.\d+$/.test(s)) return Uint8Array.from(s.split('.').map(Number));
  if (/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(s)) return Uint8Array.from(s.split(':').map((h) => parseInt(h, 16)));
  // IPv6
  const [head, tail] = s.includes('::') ? (s.split('::') as [string, string]) : [s, undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 0xff;
  });
  return out;
}

export function encodeValue(f: FieldSpec, v: Value): Uint8Array {
  let raw: Uint8Array;
  if (typeof v === 'number') raw = uint(v, f.len === VARLEN ? 4 : f.len);
  else if (typeof v === 'string') raw = textBytes(v);
  else raw = v;
  if (f.len !== VARLEN) {
    if (raw.length === f.len) return raw;
    const out = new Uint8Array(f.len);
    out.set(raw.subarray(0, f.len));
    return out;
  }
  if (raw.length < 255) return concat([Uint8Array.of(raw.length), raw]);
  return concat([Uint8Array.of(255), u16(raw.length), raw]);
}

export function record(fields: FieldSpec[], values: Value[]): Uint8Array {
  return concat(fields.map((f, i) => encodeValue(f, values[i] ?? 0)));
}

function fieldSpecs(fields: FieldSpec[], ipfix: boolean): Uint8Array {
  return concat(
    fields.map((f) =>
      ipfix && f.pen ? concat([u16(f.id | 0x8000), u16(f.len), u32(f.pen)]) : concat([u16(f.id), u16(f.len)]),
    ),
  );
}

/** A set (v9 flowset) with its 4-octet header; optional zero padding octets at the end. */
export function set(id: number, body: Uint8Array, padding = 0): Uint8Array {
  return concat([u16(id), u16(body.length + 4 + padding), body, new Uint8Array(padding)]);
}

export function templateSet(version: 9 | 10, templates: Array<{ id: number; fields: FieldSpec[] }>): Uint8Array {
  const ipfix = version === 10;
  return set(
    ipfix ? 2 : 0,
    concat(templates.map((t) => concat([u16(t.id), u16(t.fields.length), fieldSpecs(t.fields, ipfix)]))),
  );
}

/** IPFIX template withdrawal (field count 0); id 2 withdraws all templates, id 3 (options set) all options templates. */
export function withdrawalSet(ids: number[], options = false): Uint8Array {
  return set(options ? 3 : 2, concat(ids.map((id) => concat([u16(id), u16(0)]))));
}

export function optionsTemplateSet(version: 9 | 10, id: number, scope: FieldSpec[], fields: FieldSpec[]): Uint8Array {
  if (version === 10) {
    return set(
      3,
      concat([u16(id), u16(scope.length + fields.length), u16(scope.length), fieldSpecs([...scope, ...fields], true)]),
    );
  }
  const body = concat([
    u16(id),
    u16(scope.length * 4),
    u16(fields.length * 4),
    fieldSpecs(scope, false),
    fieldSpecs(fields, false),
  ]);
  const pad = (4 - ((body.length + 4) % 4)) % 4;
  return set(1, body, pad);
}

export function dataSet(id: number, records: Uint8Array[], padding = 0): Uint8Array {
  return set(id, concat(records), padding);
}

export interface V9Header {
  sysUptime?: number;
  unixSecs?: number;
  seq?: number;
  sourceId?: number;
  count?: number;
}
export function v9Packet(h: V9Header, sets: Uint8Array[]): Uint8Array {
  return concat([
    u16(9),
    u16(h.count ?? sets.length),
    u32(h.sysUptime ?? 100_000),
    u32(h.unixSecs ?? 1_700_000_000),
    u32(h.seq ?? 0),
    u32(h.sourceId ?? 0),
    ...sets,
  ]);
}

export interface IpfixHeader {
  exportTime?: number;
  seq?: number;
  domain?: number;
}
export function ipfixPacket(h: IpfixHeader, sets: Uint8Array[]): Uint8Array {
  const body = concat(sets);
  return concat([
    u16(10),
    u16(16 + body.length),
    u32(h.exportTime ?? 1_700_000_000),
    u32(h.seq ?? 0),
    u32(h.domain ?? 0),
    body,
  ]);
}

export interface V5Flow {
  src: string;
  dst: string;
  nextHop?: string;
  inIf?: number;
  outIf?: number;
  packets: number;
  octets: number;
  first?: number;
  last?: number;
  srcPort?: number;
  dstPort?: number;
  tcpFlags?: number;
  proto?: number;
  tos?: number;
}
export interface V5Header {
  sysUptime?: number;
  unixSecs?: number;
  unixNsecs?: number;
  seq?: number;
  engineType?: number;
  engineId?: number;
  samplingInterval?: number;
}
export function v5Packet(h: V5Header, flows: V5Flow[]): Uint8Array {
  const hdr = concat([
    u16(5),
    u16(flows.length),
    u32(h.sysUptime ?? 100_000),
    u32(h.unixSecs ?? 1_700_000_000),
    u32(h.unixNsecs ?? 0),
    u32(h.seq ?? 0),
    Uint8Array.of(h.engineType ?? 0, h.engineId ?? 0),
    u16(h.samplingInterval ?? 0),
  ]);
  const recs = flows.map((f) =>
    concat([
      textBytes(f.src),
      textBytes(f.dst),
      textBytes(f.nextHop ?? '0.0.0.0'),
      u16(f.inIf ?? 0),
      u16(f.outIf ?? 0),
      u32(f.packets),
      u32(f.octets),
      u32(f.first ?? 0),
      u32(f.last ?? 0),
      u16(f.srcPort ?? 0),
      u16(f.dstPort ?? 0),
      Uint8Array.of(0, f.tcpFlags ?? 0, f.proto ?? 6, f.tos ?? 0),
      u16(0),
      u16(0),
      Uint8Array.of(0, 0),
      u16(0),
    ]),
  );
  return concat([hdr, ...recs]);
}

/** A 16-field IPv4 template used by tests and benchmarks (61-octet records). */
export const BENCH_FIELDS_V4: FieldSpec[] = [
  { id: 8, len: 4 },
  { id: 12, len: 4 },
  { id: 7, len: 2 },
  { id: 11, len: 2 },
  { id: 4, len: 1 },
  { id: 6, len: 1 },
  { id: 5, len: 1 },
  { id: 1, len: 8 },
  { id: 2, len: 8 },
  { id: 10, len: 4 },
  { id: 14, len: 4 },
  { id: 56, len: 6 },
  { id: 80, len: 6 },
  { id: 22, len: 4 },
  { id: 21, len: 4 },
  { id: 58, len: 2 },
];
/** The same with IPv6 addresses (85-octet records). */
export const BENCH_FIELDS_V6: FieldSpec[] = BENCH_FIELDS_V4.map((f) =>
  f.id === 8 ? { id: 27, len: 16 } : f.id === 12 ? { id: 28, len: 16 } : f,
);

export function benchValues(i: number, v6: boolean): Value[] {
  const a = i & 0xff,
    b = (i >> 8) & 0xff;
  return [
    v6 ? `2001:db8::${a.toString(16)}:${b.toString(16)}` : `10.0.${b}.${a}`,
    v6 ? `2001:db8:1::${a.toString(16)}` : `192.0.2.${a}`,
    1024 + (i % 50000),
    443,
    6,
    0x18,
    0,
    1500 * (1 + (i % 7)),
    1 + (i % 7),
    1 + (i % 4),
    5 + (i % 4),
    `02:00:00:00:${b.toString(16).padStart(2, '0')}:${a.toString(16).padStart(2, '0')}`,
    '02:00:00:00:00:01',
    90_000,
    99_000,
    100 + (i % 10),
  ];
}
