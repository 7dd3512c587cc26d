/**
 * Fixed-capacity heavy-hitter counter (Space-Saving, Metwally et al.): O(capacity) per update with a tiny
 * capacity (≤ 32), so memory per tracked key is constant whatever the flood. `count - error` is a
 * guaranteed lower bound; entries are reported by that bound.
 */
export class TopK<K extends string | number> {
  readonly keys: K[] = [];
  readonly counts: number[] = [];
  readonly bytes: number[] = [];
  readonly errors: number[] = [];
  readonly asns: number[] = [];

  constructor(readonly capacity: number) {}

  add(key: K, count: number, bytes = 0, asn = 0): void {
    const keys = this.keys;
    const n = keys.length;
    for (let i = 0; i < n; i++) {
      if (keys[i] === key) {
        this.counts[i]! += count;
        this.bytes[i]! += bytes;
        if (asn) this.asns[i] = asn;
        return;
      }
    }
    if (n < this.capacity) {
      keys.push(key); this.counts.push(count); this.bytes.push(bytes); this.errors.push(0); this.asns.push(asn);
      return;
    }
    let min = 0;
    for (let i = 1; i < n; i++) if (this.counts[i]! < this.counts[min]!) min = i;
    const floor = this.counts[min]!;
    keys[min] = key;
    this.counts[min] = floor + count;
    this.errors[min] = floor;
    this.bytes[min] = bytes;
    this.asns[min] = asn;
  }

  /** Entries sorted by guaranteed count (count − error), then by count. */
  top(n: number): Array<{ key: K; count: number; bytes: number; asn: number }> {
    const idx = this.keys.map((_, i) => i);
    idx.sort((a, b) => (this.counts[b]! - this.errors[b]!) - (this.counts[a]! - this.errors[a]!) || this.counts[b]! - this.counts[a]!);
    return idx.slice(0, n).map((i) => ({ key: this.keys[i]!, count: this.counts[i]! - this.errors[i]!, bytes: this.bytes[i]!, asn: this.asns[i]! }));
  }
}

/**
 * Evict the lower half (by `weight`) of a map in O(n) (quickselect), so an insert into a full map costs
 * O(1) amortised. Returns the number of evicted entries.
 */
export function evictBottomHalf<K, V>(map: Map<K, V>, weight: (v: V) => number, keep: number): number {
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
      if (i <= j) { const t = a[i]!; a[i] = a[j]!; a[j] = t; i++; j--; }
    }
    if (k <= j) hi = j; else if (k >= i) lo = i; else return a[k]!;
  }
  return a[k]!;
}
