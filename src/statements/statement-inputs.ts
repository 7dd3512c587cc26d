/**
 * Statement inputs in normal form (pure; no I/O): ports with their samples checked (aligned, unique, known
 * quality, non-negative bytes) and exclusions checked and sorted. Used by statement.ts.
 */
import type { TimedBytes } from './percentile.js';
import { BUCKET_MS } from './time.js';
import type { ExclusionInput, SampleInput, SampleQuality, StatementInput } from './statement.types.js';
import { EXCLUSION_REASONS } from './statement.types.js';

export const VALID_QUALITIES: ReadonlySet<SampleQuality> = new Set(['ok', 'interpolated']);
const ALL_QUALITIES: ReadonlySet<string> = new Set(['ok', 'interpolated', 'missing', 'counter_reset']);

export function toBytes(v: bigint | number, what: string | (() => string)): bigint {
  const w = () => (typeof what === 'string' ? what : what());
  if (typeof v === 'bigint') {
    if (v < 0n) throw new RangeError(`${w()}: negative byte count ${v}`);
    return v;
  }
  if (!Number.isSafeInteger(v) || v < 0)
    throw new RangeError(`${w()}: byte count must be a non-negative safe integer or a bigint, got ${v}`);
  return BigInt(v);
}

export interface NormSample {
  ts: number;
  inBytes: bigint;
  outBytes: bigint;
  quality: SampleQuality;
}

export interface NormPort {
  portId: string;
  speedGbps: number | null;
  from: number;
  to: number;
  samples: Map<number, NormSample>;
  /** The samples in input order (for the hash). */
  list: NormSample[];
  inSeries: TimedBytes[];
  outSeries: TimedBytes[];
  expected: number;
  valid: number;
  excluded: number;
}

export function normalisePorts(input: StatementInput): NormPort[] {
  if (input.ports && input.samples) throw new RangeError('give either ports or samples, not both');
  const raw = input.ports ?? [{ portId: 'member', samples: input.samples ?? [] }];
  const ids = new Set<string>();
  return raw.map((p) => {
    if (!p.portId || /[\t\n\r]/.test(p.portId)) throw new RangeError(`invalid port id ${JSON.stringify(p.portId)}`);
    if (ids.has(p.portId)) throw new RangeError(`duplicate port id ${p.portId}`);
    ids.add(p.portId);
    const samples = new Map<number, NormSample>();
    const list: NormSample[] = [];
    for (const s of p.samples as readonly SampleInput[]) {
      const where = () => `port ${p.portId} at ${Number.isFinite(s.ts) ? new Date(s.ts).toISOString() : String(s.ts)}`;
      if (!Number.isSafeInteger(s.ts) || s.ts % BUCKET_MS !== 0)
        throw new RangeError(`${where()}: bucket start must be aligned to 5 minutes`);
      if (samples.has(s.ts)) throw new RangeError(`${where()}: duplicate sample`);
      const quality = s.quality ?? 'ok';
      if (!ALL_QUALITIES.has(quality)) throw new RangeError(`${where()}: unknown quality ${String(quality)}`);
      const inBytes = toBytes(s.inBytes, where);
      const outBytes = toBytes(s.outBytes, where);
      // an input sample already in normal form is used as it is (never modified): ~9,000 fewer objects per member-month
      const norm =
        inBytes === s.inBytes && outBytes === s.outBytes && quality === s.quality
          ? (s as NormSample)
          : { ts: s.ts, inBytes, outBytes, quality };
      samples.set(s.ts, norm);
      list.push(norm);
    }
    return {
      portId: p.portId,
      list,
      speedGbps: p.speedGbps ?? null,
      from: p.productionFrom ?? -Infinity,
      to: p.productionTo ?? Infinity,
      samples,
      inSeries: [],
      outSeries: [],
      expected: 0,
      valid: 0,
      excluded: 0,
    };
  });
}

export function checkExclusions(list: readonly ExclusionInput[]): ExclusionInput[] {
  for (const e of list) {
    if (!(Number.isFinite(e.from) && Number.isFinite(e.to) && e.from < e.to))
      throw new RangeError(`exclusion ${e.ref ?? ''}: needs from < to`);
    if (!EXCLUSION_REASONS.includes(e.reason))
      throw new RangeError(`exclusion ${e.ref ?? ''}: unknown reason ${String(e.reason)}`);
  }
  return [...list].sort((a, b) => a.from - b.from || a.to - b.to);
}
