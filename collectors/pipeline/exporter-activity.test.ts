import { describe, expect, it } from 'vitest';
import { ACTIVITY_BUCKET_MS, ExporterActivity } from './exporter-activity.js';

describe('exporter activity (liveness per 5-minute bucket)', () => {
  it('counts datagrams per (bucket, exporter) and forgets them once taken', () => {
    const a = new ExporterActivity();
    const t0 = Date.UTC(2026, 0, 1, 10, 0, 0);
    a.count('192.0.2.1', t0 + 1);
    a.count('192.0.2.1', t0 + ACTIVITY_BUCKET_MS - 1);
    a.count('2001:db8::1', t0 + 5);
    a.count('192.0.2.1', t0 + ACTIVITY_BUCKET_MS);
    expect(a.size).toBe(3);
    expect(a.take().map((l) => JSON.parse(l))).toEqual([
      [t0 / 1000, '192.0.2.1', 2],
      [t0 / 1000, '2001:db8::1', 1],
      [(t0 + ACTIVITY_BUCKET_MS) / 1000, '192.0.2.1', 1],
    ]);
    expect(a.take()).toEqual([]);
  });
});
