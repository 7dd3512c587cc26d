/**
 * Hash tables keyed by 48-bit MACs for the per-flow L2 checks.
 *
 * Why not Map<number, …>: a MAC does not fit a small integer, so every Map/Set call with one boxes a heap
 * number (and a Map<number, number> value boxes the timestamp too). At hundreds of thousands of sFlow
 * samples per second that allocation and the garbage collection behind it were a large share of the
 * detector cost. These tables keep keys and times in typed arrays: a lookup allocates nothing.
 *
 * Keys compare with === (as Map's SameValueZero for every MAC a decoder can produce: exact integers).
 */

/** Mixes the two halves of a MAC (an exact integer < 2^48) into 32 bits; the caller masks. */
export function macHash(mac: number): number {
  const h = Math.imul((mac >>> 0) ^ Math.imul((mac / 4294967296) | 0, 0x9e3779b1), 0x85ebca6b);
  return h ^ (h >>> 15);
}

function tableSize(entries: number): number {
  let n = 16;
  while (n < entries * 2) n *= 2;
  return n;
}

/** MAC → value, open addressing (linear probing). Grows when half full; `clear` keeps the capacity. */
export class MacMap<V> {
  private keys: Float64Array;
  private vals: Array<V | undefined>;
  private used: Uint8Array;
  private mask: number;
  size = 0;

  constructor(expected = 8) {
    const n = tableSize(expected);
    this.keys = new Float64Array(n);
    this.vals = new Array<V | undefined>(n).fill(undefined);
    this.used = new Uint8Array(n);
    this.mask = n - 1;
  }

  get(mac: number): V | undefined {
    const used = this.used;
    const keys = this.keys;
    const mask = this.mask;
    for (let i = macHash(mac) & mask; used[i] === 1; i = (i + 1) & mask) if (keys[i] === mac) return this.vals[i];
    return undefined;
  }

  set(mac: number, v: V): void {
    const mask = this.mask;
    let i = macHash(mac) & mask;
    for (; this.used[i] === 1; i = (i + 1) & mask)
      if (this.keys[i] === mac) {
        this.vals[i] = v;
        return;
      }
    this.used[i] = 1;
    this.keys[i] = mac;
    this.vals[i] = v;
    if (++this.size * 2 > mask + 1) this.grow();
  }

  clear(): void {
    if (this.size === 0) return;
    this.used.fill(0);
    this.vals.fill(undefined);
    this.size = 0;
  }

  private grow(): void {
    const { keys, vals, used } = this;
    const n = (this.mask + 1) * 2;
    this.keys = new Float64Array(n);
    this.vals = new Array<V | undefined>(n).fill(undefined);
    this.used = new Uint8Array(n);
    this.mask = n - 1;
    this.size = 0;
    for (let i = 0; i < used.length; i++) if (used[i] === 1) this.set(keys[i]!, vals[i] as V);
  }
}

/**
 * MACs last seen on one port, in first-insertion order (as a Map iterates: updating a MAC keeps its place,
 * a removed and re-seen MAC goes last). Entries are dense arrays; `index` maps a hash slot to entry + 1.
 */
export class MacSeenTable {
  macs = new Float64Array(2);
  seen = new Float64Array(2);
  size = 0;
  private index = new Int32Array(8);

  /** Entry index of `mac`, or -1. */
  find(mac: number): number {
    const index = this.index;
    const mask = index.length - 1;
    for (let i = macHash(mac) & mask, e = index[i]!; e !== 0; i = (i + 1) & mask, e = index[i]!)
      if (this.macs[e - 1] === mac) return e - 1;
    return -1;
  }

  /** Appends a MAC that `find` did not return. */
  push(mac: number, now: number): void {
    const n = this.size;
    if (n === this.macs.length) {
      const macs = new Float64Array(n * 2);
      macs.set(this.macs);
      this.macs = macs;
      const seen = new Float64Array(n * 2);
      seen.set(this.seen);
      this.seen = seen;
    }
    this.macs[n] = mac;
    this.seen[n] = now;
    this.size = n + 1;
    if (this.size * 2 > this.index.length) this.reindex(this.index.length * 2);
    else this.insert(n);
  }

  /** Drops the entries last seen more than `maxAgeMs` before `nowMs`, keeping the order of the rest. */
  expire(nowMs: number, maxAgeMs: number): void {
    let k = 0;
    for (let i = 0; i < this.size; i++) {
      if (nowMs - this.seen[i]! > maxAgeMs) continue;
      this.macs[k] = this.macs[i]!;
      this.seen[k] = this.seen[i]!;
      k++;
    }
    if (k === this.size) return;
    this.size = k;
    this.reindex(this.index.length);
  }

  private insert(e: number): void {
    const index = this.index;
    const mask = index.length - 1;
    let i = macHash(this.macs[e]!) & mask;
    while (index[i] !== 0) i = (i + 1) & mask;
    index[i] = e + 1;
  }

  private reindex(slots: number): void {
    if (slots === this.index.length) this.index.fill(0);
    else this.index = new Int32Array(slots);
    for (let e = 0; e < this.size; e++) this.insert(e);
  }
}
