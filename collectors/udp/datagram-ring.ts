/**
 * Single-producer / single-consumer byte ring in a SharedArrayBuffer, between the socket thread
 * (producer: copies each received datagram in, nothing else) and the decode thread (consumer).
 *
 * Why: the socket thread must never wait for decoding, so that a burst, a garbage collection, a
 * detector window closing or a slow database never makes the kernel drop datagrams. The ring is a
 * user-space queue far larger than the socket buffer the kernel allows (net.core.rmem_max), and
 * when it is full the drop happens here, counted per exporter (reason `queue_full`), not silently
 * in the kernel.
 *
 * Layout: control words (Int32) then data. Records are 8-byte aligned and never split:
 *   u32 record length (0xFFFFFFFF = "wrapped, continue at 0") · u16 kind · u16 exporter id ·
 *   u16 source port · u16 listener · u32 payload length · f64 receive time (ms) · payload.
 * Kinds: DATAGRAM (payload = UDP payload), EXPORTER (payload = the exporter's address text; defines
 * the id for the records after it), DROPPED (payload empty; `payload length` = datagrams of that
 * exporter dropped while the ring was full).
 * The write offset only ever moves after a record is complete (Atomics.store), so the consumer
 * sees whole records; the read offset moves after the consumer is done with a record, so the
 * producer never overwrites a datagram being decoded.
 */

export const RecordKind = { DATAGRAM: 1, EXPORTER: 2, DROPPED: 3 } as const;

const CTRL_BYTES = 64;
const W = 0; // write offset (bytes into data)
const R = 1; // read offset
const SIGNAL = 2; // bumped by the producer to wake a sleeping consumer
const SLEEPING = 3; // 1 while the consumer waits
const BUSY = 4; // read offset + 1 of the record being consumed, 0 between records (crash recovery)
const HEADER = 24;
const WRAP = 0xffffffff;

/** Atomics.waitAsync (V8, Node ≥ 16); typed here because the project's TypeScript lib predates ES2024. */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(
      a: Int32Array,
      index: number,
      value: number,
      timeoutMs: number,
    ): { async: boolean; value: Promise<string> | string };
  }
).waitAsync.bind(Atomics);

export function createDatagramRing(dataBytes: number): SharedArrayBuffer {
  const size = Math.max(1 << 16, Math.floor(dataBytes / 8) * 8);
  return new SharedArrayBuffer(CTRL_BYTES + size);
}

abstract class RingView {
  protected readonly ctrl: Int32Array;
  protected readonly bytes: Uint8Array;
  protected readonly view: DataView;
  readonly capacity: number;

  constructor(sab: SharedArrayBuffer) {
    this.ctrl = new Int32Array(sab, 0, CTRL_BYTES / 4);
    this.capacity = sab.byteLength - CTRL_BYTES;
    this.bytes = new Uint8Array(sab, CTRL_BYTES, this.capacity);
    this.view = new DataView(sab, CTRL_BYTES, this.capacity);
  }

  /** Bytes in use (records not yet consumed). */
  usedBytes(): number {
    const w = Atomics.load(this.ctrl, W),
      r = Atomics.load(this.ctrl, R);
    return w >= r ? w - r : this.capacity - r + w;
  }
}

export class RingWriter extends RingView {
  /**
   * Appends one record; false when it does not fit (the ring is full: the caller counts the drop).
   * One byte is always left free so that "write offset = read offset" only ever means empty.
   */
  write(
    kind: number,
    exporterId: number,
    port: number,
    listener: number,
    receivedAtMs: number,
    payload: Uint8Array | null,
    count = 0,
  ): boolean {
    const plen = payload === null ? 0 : payload.length;
    const n = (HEADER + plen + 7) & ~7;
    const w = Atomics.load(this.ctrl, W);
    const r = Atomics.load(this.ctrl, R);
    let at: number;
    if (w >= r) {
      if (this.capacity - w > n) at = w;
      else if (r > n) {
        this.view.setUint32(w, WRAP, true);
        at = 0;
      } // space only at the start
      else return false;
    } else if (r - w > n) at = w;
    else return false;
    const v = this.view;
    v.setUint32(at, n, true);
    v.setUint16(at + 4, kind, true);
    v.setUint16(at + 6, exporterId, true);
    v.setUint16(at + 8, port, true);
    v.setUint16(at + 10, listener, true);
    v.setUint32(at + 12, payload === null ? count : plen, true);
    v.setFloat64(at + 16, receivedAtMs, true);
    if (payload !== null) this.bytes.set(payload, at + HEADER);
    Atomics.store(this.ctrl, W, at + n);
    if (Atomics.load(this.ctrl, SLEEPING) === 1) {
      Atomics.store(this.ctrl, SLEEPING, 0);
      Atomics.add(this.ctrl, SIGNAL, 1);
      Atomics.notify(this.ctrl, SIGNAL);
    }
    return true;
  }
}

/** One record as the consumer sees it; `payload` is a view into the ring, valid only inside the callback. */
export interface RingRecord {
  kind: number;
  exporterId: number;
  port: number;
  listener: number;
  /** DATAGRAM/EXPORTER: payload length; DROPPED: datagrams dropped. */
  length: number;
  receivedAtMs: number;
  payload: Uint8Array;
}

export class RingReader extends RingView {
  private readonly rec: RingRecord = {
    kind: 0,
    exporterId: 0,
    port: 0,
    listener: 0,
    length: 0,
    receivedAtMs: 0,
    payload: new Uint8Array(0),
  };

  /**
   * After a crash of the previous consumer: true if it died inside a record. That record is skipped
   * (it may be what crashed it) and the caller counts it.
   */
  skipCrashed(): boolean {
    const busy = Atomics.load(this.ctrl, BUSY);
    if (busy === 0) return false;
    const r = busy - 1;
    Atomics.store(this.ctrl, R, r + this.view.getUint32(r, true));
    Atomics.store(this.ctrl, BUSY, 0);
    return true;
  }

  /** Calls `each` for up to `max` records in order; returns how many were consumed. */
  drain(max: number, each: (r: RingRecord) => void): number {
    const ctrl = this.ctrl,
      v = this.view,
      rec = this.rec;
    let r = Atomics.load(ctrl, R);
    let w = Atomics.load(ctrl, W);
    let done = 0;
    while (done < max) {
      if (r === w) {
        w = Atomics.load(ctrl, W);
        if (r === w) break;
      }
      const n = v.getUint32(r, true);
      if (n === WRAP) {
        r = 0;
        Atomics.store(ctrl, R, 0);
        continue;
      }
      rec.kind = v.getUint16(r + 4, true);
      rec.exporterId = v.getUint16(r + 6, true);
      rec.port = v.getUint16(r + 8, true);
      rec.listener = v.getUint16(r + 10, true);
      rec.length = v.getUint32(r + 12, true);
      rec.receivedAtMs = v.getFloat64(r + 16, true);
      rec.payload = this.bytes.subarray(r + HEADER, r + HEADER + (rec.kind === RecordKind.DROPPED ? 0 : rec.length));
      Atomics.store(ctrl, BUSY, r + 1);
      each(rec);
      r += n;
      Atomics.store(ctrl, R, r);
      Atomics.store(ctrl, BUSY, 0);
      done++;
    }
    return done;
  }

  /**
   * Resolves when the producer has written something (or after `timeoutMs`). Never blocks the
   * thread: the decode thread's timers and messages keep running while it waits.
   */
  async waitForData(timeoutMs: number): Promise<void> {
    const ctrl = this.ctrl;
    Atomics.store(ctrl, SLEEPING, 1);
    const s = Atomics.load(ctrl, SIGNAL);
    if (Atomics.load(ctrl, W) !== Atomics.load(ctrl, R)) {
      Atomics.store(ctrl, SLEEPING, 0);
      return;
    }
    const res = waitAsync(ctrl, SIGNAL, s, timeoutMs);
    if (res.async) await res.value;
    Atomics.store(ctrl, SLEEPING, 0);
  }
}
