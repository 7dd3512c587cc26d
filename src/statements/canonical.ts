/**
 * Canonical serializations and hashes, so that a statement or a subsidy calculation can be re-derived
 * and checked byte for byte by anyone holding the inputs.
 */
import { createHash } from 'node:crypto';

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Deep copy with every bigint turned into its decimal string (JSON-safe). */
export function jsonSafe<T>(value: T): JsonSafe<T> {
  return convert(value) as JsonSafe<T>;
}

function convert(v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return v.map(convert);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = convert(x);
    return out;
  }
  return v;
}

export type JsonSafe<T> = T extends bigint
  ? string
  : T extends (infer U)[]
    ? JsonSafe<U>[]
    : T extends readonly (infer U)[]
      ? readonly JsonSafe<U>[]
      : T extends object
        ? { [K in keyof T]: JsonSafe<T[K]> }
        : T;

/**
 * Canonical JSON: keys sorted (UTF-16 code unit order), no whitespace, bigints as decimal strings,
 * `undefined` members dropped. Numbers must be finite.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return JSON.stringify(value.toString());
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError('canonicalJson: non-finite number');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  throw new TypeError(`canonicalJson: unsupported ${typeof value}`);
}

export interface HashableSample {
  portId: string;
  ts: number;
  inBytes: bigint;
  outBytes: bigint;
  quality: string;
}

export const SAMPLES_HASH_FORMAT = 'ixmeter-samples-v1';

/**
 * The canonical text of a sample set (format `ixmeter-samples-v1`):
 *
 *   ixmeter-samples-v1\n
 *   <port id>\t<bucket start, epoch seconds>\t<in bytes>\t<out bytes>\t<quality>\n   (one per sample)
 *
 * sorted by port id (UTF-16 order) then bucket start; bytes as decimal integers. `sha256sum` of this
 * text is the statement's `samples_hash`.
 */
export function canonicalSamplesText(samples: readonly HashableSample[]): string {
  const sorted = [...samples].sort((a, b) => (a.portId < b.portId ? -1 : a.portId > b.portId ? 1 : a.ts - b.ts));
  let out = `${SAMPLES_HASH_FORMAT}\n`;
  for (const s of sorted) out += `${s.portId}\t${Math.floor(s.ts / 1000)}\t${s.inBytes}\t${s.outBytes}\t${s.quality}\n`;
  return out;
}

/**
 * The same text from samples grouped by port (port ids distinct, bucket starts distinct within a port),
 * without a flat copy: ports by id, each port's samples by bucket start (copied and sorted only when
 * not in order already, e.g. a statement's ~9,000 samples per member-month are).
 */
export function canonicalPortSamplesText(
  ports: ReadonlyArray<{ portId: string; samples: ReadonlyArray<Omit<HashableSample, 'portId'>> }>,
): string {
  const byId = [...ports].sort((a, b) => (a.portId < b.portId ? -1 : a.portId > b.portId ? 1 : 0));
  let out = `${SAMPLES_HASH_FORMAT}\n`;
  for (const p of byId) {
    let inOrder = true;
    for (let i = 1; i < p.samples.length && inOrder; i++) inOrder = p.samples[i - 1]!.ts < p.samples[i]!.ts;
    const list = inOrder ? p.samples : [...p.samples].sort((a, b) => a.ts - b.ts);
    for (const s of list) out += `${p.portId}\t${Math.floor(s.ts / 1000)}\t${s.inBytes}\t${s.outBytes}\t${s.quality}\n`;
  }
  return out;
}

export function samplesHash(samples: readonly HashableSample[]): string {
  return sha256Hex(canonicalSamplesText(samples));
}
