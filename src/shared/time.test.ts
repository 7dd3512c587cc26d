import { describe, expect, it } from 'vitest';
import { floorToBucket, isoInZone, zoneOffsetMinutes } from './time.js';

describe('time helpers', () => {
  it('formats ISO 8601 with the zone offset', () => {
    const t = Date.UTC(2026, 10, 26, 16, 0, 0);
    expect(isoInZone(t, 'Asia/Shanghai')).toBe('2026-11-27T00:00:00+08:00');
    expect(isoInZone(t, 'UTC')).toBe('2026-11-26T16:00:00+00:00');
    expect(isoInZone(t + 5, 'UTC')).toBe('2026-11-26T16:00:00.005+00:00');
    expect(zoneOffsetMinutes(Date.UTC(2026, 6, 1), 'Europe/Amsterdam')).toBe(120);
    expect(zoneOffsetMinutes(Date.UTC(2026, 0, 1), 'America/New_York')).toBe(-300);
    expect(Date.parse(isoInZone(t, 'America/New_York'))).toBe(t);
  });
  it('aligns buckets to the epoch', () => {
    expect(floorToBucket(Date.UTC(2026, 0, 1, 0, 7, 31))).toBe(Date.UTC(2026, 0, 1, 0, 5));
  });
});
