import { describe, expect, it } from 'vitest';
import { detectChanges, type PartRow } from './cache-watch.js';

const NOW = Date.UTC(2026, 10, 26, 12, 7, 30);
const s = (iso: string) => Date.parse(iso) / 1000;
const part = (table: string, partition: string, lo: number, hi: number, minTime: number, h = 'node1'): PartRow => ({
  h,
  table,
  partition_id: partition,
  lo,
  hi,
  min_time: minTime,
});

describe('cache watch: detectChanges', () => {
  const base = [
    part('member_traffic_5m', '202610', 1, 40, s('2026-10-01T00:00:00Z')),
    part('member_traffic_5m', '202611', 41, 90, s('2026-11-01T00:00:00Z')),
    part('statements', '2026-10', 1, 5, 0),
    part('statement_events', '2026-10', 1, 9, 0),
  ];

  it('learns on the first call and reports nothing while nothing changed', () => {
    const seen = new Map<string, number>();
    expect(detectChanges(base, seen, NOW, true)).toEqual(new Set());
    expect(detectChanges(base, seen, NOW, false)).toEqual(new Set());
    // A merge keeps the highest block: no change.
    const merged = [...base.slice(1), part('member_traffic_5m', '202610', 1, 40, s('2026-10-01T00:00:00Z'))];
    expect(detectChanges(merged, seen, NOW, false)).toEqual(new Set());
  });

  it('any new statement block invalidates statements', () => {
    const seen = new Map<string, number>();
    detectChanges(base, seen, NOW, true);
    expect(detectChanges([...base, part('statement_events', '2026-10', 10, 10, 0)], seen, NOW, false)).toEqual(
      new Set(['statements']),
    );
    expect(detectChanges([...base, part('statement_events', '2026-10', 10, 10, 0)], seen, NOW, false)).toEqual(
      new Set(),
    );
  });

  it('live rollup parts leave traffic alone; a part reaching into settled buckets invalidates it', () => {
    const seen = new Map<string, number>();
    detectChanges(base, seen, NOW, true);
    const live = part('member_io_5m', '202611', 91, 91, s('2026-11-26T12:05:00Z'));
    expect(detectChanges([...base, live], seen, NOW, false)).toEqual(new Set());
    // A spool replay: rows keep their receive time (yesterday).
    const replay = part('member_io_5m', '202611', 92, 92, s('2026-11-25T09:00:00Z'));
    expect(detectChanges([...base, live, replay], seen, NOW, false)).toEqual(new Set(['traffic']));
    // Into last month's partition (first time seen there).
    const old = part('member_traffic_5m_local', '202609', 93, 93, s('2026-09-30T23:55:00Z'));
    expect(detectChanges([...base, live, replay, old], seen, NOW, false)).toEqual(new Set(['traffic']));
  });

  it('a vanished partition (TTL, DROP) counts as a change; other tables are ignored', () => {
    const seen = new Map<string, number>();
    detectChanges(base, seen, NOW, true);
    expect(detectChanges(base.slice(1), seen, NOW, false)).toEqual(new Set(['traffic']));
    expect(detectChanges([...base.slice(1), part('audit_log', 'all', 1, 1000, 0)], seen, NOW, false)).toEqual(
      new Set(),
    );
  });

  it('keys by host: the same block numbers on another shard are new parts', () => {
    const seen = new Map<string, number>();
    detectChanges(base, seen, NOW, true);
    expect(detectChanges([...base, part('statements', '2026-10', 1, 5, 0, 'node2')], seen, NOW, false)).toEqual(
      new Set(['statements']),
    );
  });
});
