/**
 * Exporter liveness for per-member coverage (exporter_activity_5m, migration 0014): datagrams per
 * (5-minute bucket of the receive time, exporter). Counted once per accepted datagram of any kind —
 * flows, templates, options, sFlow counter samples — so an exporter whose members send nothing is
 * still alive. Kept in the decode thread; `take()` turns what was counted since the last call into
 * JSONCompactEachRow lines (bucket, exporter, datagrams) for the batch writer. The table is a
 * SummingMergeTree: rows of the same bucket from several flushes add up.
 */
export const ACTIVITY_BUCKET_MS = 300_000;

export class ExporterActivity {
  private readonly buckets = new Map<number, Map<string, number>>();
  private lastBucket = -1;
  private last: Map<string, number> | undefined;

  /** One datagram from `exporter` (the identity stored in flows_raw.exporter) received at `nowMs`. */
  count(exporter: string, nowMs: number): void {
    const b = nowMs - (nowMs % ACTIVITY_BUCKET_MS);
    let m = this.last;
    if (b !== this.lastBucket || m === undefined) {
      m = this.buckets.get(b);
      if (m === undefined) this.buckets.set(b, (m = new Map()));
      this.lastBucket = b;
      this.last = m;
    }
    m.set(exporter, (m.get(exporter) ?? 0) + 1);
  }

  get size(): number {
    let n = 0;
    for (const m of this.buckets.values()) n += m.size;
    return n;
  }

  /** Rows counted since the previous call, then forgets them. */
  take(): string[] {
    const rows: string[] = [];
    for (const [b, m] of this.buckets) for (const [e, n] of m) rows.push(JSON.stringify([b / 1000, e, n]));
    this.buckets.clear();
    this.last = undefined;
    this.lastBucket = -1;
    return rows;
  }
}
