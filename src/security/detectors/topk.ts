/**
 * Fixed-capacity heavy-hitter counter (Space-Saving, Metwally et al.): O(capacity) per update with a tiny
 * capacity (≤ 32), so memory per tracked key is constant whatever the flood. `count - error` is a
 * guaranteed lower bound; entries are reported by that bound.
 */
export class TopK<K extends string | number> {
  readonly keys: K[];
  readonly counts: Float64Array;
  readonly bytes: Float64Array;
  readonly errors: Float64Array;
  readonly asns: Float64Array;
  /** Caller-supplied key hashes: compared before the keys so a miss never touches another string. */
  readonly hashes: Int32Array;
  size = 0;

  /** Arrays are preallocated so a reused (pooled) counter allocates nothing. */
  constructor(
    readonly capacity: number,
    empty: K,
  ) {
    this.keys = new Array<K>(capacity).fill(empty);
    this.counts = new Float64Array(capacity);
    this.bytes = new Float64Array(capacity);
    this.errors = new Float64Array(capacity);
    this.asns = new Float64Array(capacity);
    this.hashes = new Int32Array(capacity);
  }

  reset(): void {
    this.size = 0;
  }

  /** `hash` must be a function of the key (e.g. hashStr(key) for strings, the number itself for ports). */
  add(key: K, hash: number, count: number, bytes = 0, asn = 0): void {
    const keys = this.keys;
    const hashes = this.hashes;
    const n = this.size;
    for (let i = 0; i < n; i++) {
      if (hashes[i] === hash && keys[i] === key) {
        this.counts[i]! += count;
        this.bytes[i]! += bytes;
        if (asn) this.asns[i] = asn;
        return;
      }
    }
    const counts = this.counts;
    let at = n;
    let floor = 0;
    if (n < this.capacity) {
      this.size = n + 1;
    } else {
      // The first entry with the smallest count (a full counter misses on every flow of a spoofed flood).
      at = 0;
      floor = counts[0]!;
      for (let i = 1; i < n; i++) {
        const c = counts[i]!;
        if (c < floor) {
          floor = c;
          at = i;
        }
      }
    }
    keys[at] = key;
    hashes[at] = hash;
    counts[at] = floor + count;
    this.errors[at] = floor;
    this.bytes[at] = bytes;
    this.asns[at] = asn;
  }

  /** Entries sorted by guaranteed count (count − error), then by count. */
  top(n: number): Array<{ key: K; count: number; bytes: number; asn: number }> {
    const idx: number[] = [];
    for (let i = 0; i < this.size; i++) idx.push(i);
    idx.sort(
      (a, b) =>
        this.counts[b]! - this.errors[b]! - (this.counts[a]! - this.errors[a]!) || this.counts[b]! - this.counts[a]!,
    );
    return idx.slice(0, n).map((i) => ({
      key: this.keys[i]!,
      count: this.counts[i]! - this.errors[i]!,
      bytes: this.bytes[i]!,
      asn: this.asns[i]!,
    }));
  }
}

/** FNV-1a over the UTF-16 code units of a string. */
export function hashStr(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}

/**
 * Evict the lower half (by `weight`) of a map in O(n) (quickselect), so an insert into a full map costs
 * O(1) amortised. Returns the number of evicted entries.
 */
export function evictBottomHalf<K, V>(
  map: Map<K, V>,
  weight: (v: V) => number,
  keep: number,
  onEvict?: (v: V) => void,
): number {
  const n = map.size;
  if (n <= keep) return 0;
  const w = new Float64Array(n);
  let i = 0;
  for (const v of map.values()) w[i++] = weight(v);
  const k = n - keep; // evict k smallest
  const pivot = select(w, k - 1);
  let evicted = 0;
  let equalsToEvict = 0;
  for (let j = 0; j < n; j++) if (w[j]! < pivot) evicted++;
  equalsToEvict = k - evicted;
  evicted = 0;
  for (const [key, v] of map) {
    const x = weight(v);
    if (x < pivot || (x === pivot && equalsToEvict > 0)) {
      if (x === pivot) equalsToEvict--;
      map.delete(key);
      onEvict?.(v);
      evicted++;
    }
  }
  return evicted;
}

/** k-th smallest (0-based) of a (scratch) array; reorders it. */
function select(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}

/**
 * Evidence sampling for hot keys: heavy-hitter evidence (top sources and destinations) of a key that has seen more
 * than EVIDENCE_ALL_UP_TO flows is updated for one flow in EVIDENCE_STRIDE, chosen pseudo-randomly (a fixed-seed
 * xorshift, so runs are repeatable and periodic traffic does not alias), with that flow's counts weighted by the
 * stride. Rule metrics are always exact; only the evidence becomes an unbiased estimate. This keeps the per-flow
 * cost of a spoofed-source flood (every flow a new source) flat.
 */
export const EVIDENCE_ALL_UP_TO = 256;
export const EVIDENCE_STRIDE = 8;
let xs = 0x9e3779b9;

/** Weight for this flow's evidence update (0 = skip it): 1 up to EVIDENCE_ALL_UP_TO flows, then EVIDENCE_STRIDE or 0. */
export function evidenceWeight(flowsSoFar: number): number {
  if (flowsSoFar <= EVIDENCE_ALL_UP_TO) return 1;
  xs ^= xs << 13;
  xs ^= xs >>> 17;
  xs ^= xs << 5;
  return (xs & (EVIDENCE_STRIDE - 1)) === 0 ? EVIDENCE_STRIDE : 0;
}
