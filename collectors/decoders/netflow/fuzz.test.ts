/**
 * Fuzz: ≥ 100,000 mutated datagrams derived from the corpus (bit flips, truncations, length-field
 * corruption, random bytes, splices) through decodeNetflow. No call may throw or take ≥ 50 ms.
 * Seeded PRNG: failures are reproducible.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { corpusAvailable, corpusPath } from '../../../tests/helpers/corpus.js';
import { readPcapUdp } from '../../../tests/helpers/pcap.js';
import { NO_SAMPLING_POLICY, type DecodeErrorReason, type SamplingPolicy } from '../types.js';
import { createNetflowState, decodeNetflow, expireNetflowState, type NetflowState } from './index.js';

function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

function seeds(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const dir of ['netflow1', 'netflow5', 'netflow9', 'ipfix', '_sequences']) {
    for (const f of readdirSync(corpusPath(dir))) {
      if (!f.endsWith('.pcap') || (dir === '_sequences' && !/_(v9|nf9|ipfix)_/.test(f))) continue;
      for (const p of readPcapUdp(corpusPath(dir, f))) out.push(new Uint8Array(p.payload));
    }
  }
  return out;
}

function mutate(src: Uint8Array, all: Uint8Array[], r: () => number): Uint8Array {
  const b = new Uint8Array(src);
  const kind = Math.floor(r() * 6);
  const at = (): number => Math.floor(r() * b.length);
  switch (kind) {
    case 0: {
      // bit flips
      const n = 1 + Math.floor(r() * 8);
      for (let i = 0; i < n && b.length > 0; i++) {
        const o = at();
        b[o] = b[o]! ^ (1 << Math.floor(r() * 8));
      }
      return b;
    }
    case 1:
      return b.subarray(0, Math.floor(r() * b.length)); // truncation
    case 2: {
      // 16-bit length / count / id fields set to edge values at plausible offsets
      const vals = [0, 1, 3, 4, 5, 0xff, 0x100, 0x7fff, 0x8000, 0xfffe, 0xffff, b.length, b.length + 1];
      const n = 1 + Math.floor(r() * 3);
      for (let i = 0; i < n && b.length > 1; i++) {
        const o = r() < 0.3 ? 2 : at() & ~1;
        const v = vals[Math.floor(r() * vals.length)]!;
        if (o + 1 < b.length) {
          b[o] = v >> 8;
          b[o + 1] = v & 0xff;
        }
      }
      return b;
    }
    case 3: {
      // random bytes over a region (header kept so the version dispatch is exercised)
      const o = Math.min(b.length, 2 + Math.floor(r() * 40));
      const n = Math.floor(r() * 64);
      for (let i = o; i < Math.min(b.length, o + n); i++) b[i] = Math.floor(r() * 256);
      return b;
    }
    case 4: {
      // splice: head of one datagram, tail of another
      const other = all[Math.floor(r() * all.length)]!;
      const cut = at();
      const out = new Uint8Array(cut + other.length - Math.min(other.length, cut));
      out.set(b.subarray(0, cut));
      out.set(other.subarray(Math.min(other.length, cut)), cut);
      return out;
    }
    default: {
      // fully random body after a valid version
      const out = new Uint8Array(Math.floor(r() * 1500));
      for (let i = 0; i < out.length; i++) out[i] = Math.floor(r() * 256);
      if (out.length >= 2) {
        out[0] = 0;
        out[1] = [1, 5, 9, 10][Math.floor(r() * 4)]!;
      }
      return out;
    }
  }
}

describe.skipIf(!corpusAvailable())('fuzz', () => {
  it('survives 100,000 mutated datagrams', () => {
    const all = seeds();
    expect(all.length).toBeGreaterThan(1000);
    const r = rng(0x1f2e3d4c);
    const totals: Partial<Record<DecodeErrorReason | 'flows' | 'calls', number>> = {};
    const sampling: SamplingPolicy = { override: () => (r() < 0.1 ? 10 : undefined), fallback: () => undefined };
    let state: NetflowState = createNetflowState({ maxPendingTotal: 512 });
    let slowest = 0;
    const N = 100_000;
    for (let i = 0; i < N; i++) {
      if (i % 5000 === 0) state = createNetflowState({ maxPendingTotal: 512 });
      const seed = all[Math.floor(r() * all.length)]!;
      // Feed some clean datagrams too, so templates exist and mutated data reaches the record decoders.
      const payload = r() < 0.15 ? seed : mutate(seed, all, r);
      const d = { receivedAtMs: i, exporter: r() < 0.5 ? '192.0.2.1' : '192.0.2.2', exporterPort: 1, payload };
      const pol = i % 2 ? sampling : NO_SAMPLING_POLICY;
      let t0 = performance.now();
      const res = decodeNetflow(d, state, pol);
      let dt = performance.now() - t0;
      // Wall time on a shared 2-core box includes preemption and GC: a slow call is re-timed
      // (same datagram, same state) and only a call that is slow every time fails the test.
      for (let k = 0; k < 3 && dt >= 50; k++) {
        t0 = performance.now();
        decodeNetflow(d, state, pol);
        dt = Math.min(dt, performance.now() - t0);
      }
      if (i % 1000 === 999) expireNetflowState(state, i);
      if (dt > slowest) slowest = dt;
      totals.flows = (totals.flows ?? 0) + res.flows.length;
      for (const [k, v] of Object.entries(res.stats.errors))
        totals[k as DecodeErrorReason] = (totals[k as DecodeErrorReason] ?? 0) + v;
      for (const f of res.flows) {
        if (!Number.isFinite(f.packets) || !Number.isFinite(f.l3Octets) || !(f.samplingRate > 0))
          throw new Error(`bad record at ${i}`);
      }
    }
    totals.calls = N;
    console.log('fuzz totals', JSON.stringify(totals), `slowest ${slowest.toFixed(2)} ms`);
    expect(slowest).toBeLessThan(50);
    expect(totals.flows).toBeGreaterThan(0);
    expect(state.pendingTotal).toBeLessThanOrEqual(512);
  });
});
