import { describe, expect, it } from 'vitest';
import {
  addMonths,
  bucketsBetween,
  formatInstant,
  monthBounds,
  periodDates,
  startOfDay,
  tzOffsetMs,
  zonedDate,
} from './time.js';

describe('calendar months in a time zone', () => {
  it('Asia/Shanghai: a month is 00:00 on the 1st to 24:00 on the last day, +08:00', () => {
    const b = monthBounds('2026-03', 'Asia/Shanghai');
    expect(new Date(b.start).toISOString()).toBe('2026-02-28T16:00:00.000Z');
    expect(new Date(b.end).toISOString()).toBe('2026-03-31T16:00:00.000Z');
    expect(b.startIso).toBe('2026-03-01T00:00:00+08:00');
    expect(b.endIso).toBe('2026-04-01T00:00:00+08:00');
    expect(b.daysInMonth).toBe(31);
    expect(b.expectedBuckets).toBe(31 * 288);
    expect(b.partial).toBe(false);
  });

  it('30-day month has 8,640 buckets; February of a leap year 8,352; December rolls the year', () => {
    expect(monthBounds('2026-04', 'Asia/Shanghai').expectedBuckets).toBe(8640);
    expect(monthBounds('2024-02', 'Asia/Shanghai').expectedBuckets).toBe(8352);
    expect(monthBounds('2025-02', 'Asia/Shanghai').expectedBuckets).toBe(8064);
    const dec = monthBounds('2026-12', 'Asia/Shanghai');
    expect(dec.endIso).toBe('2027-01-01T00:00:00+08:00');
  });

  it('DST zone: spring-forward month has 12 fewer buckets, fall-back month 12 more', () => {
    const mar = monthBounds('2026-03', 'America/New_York');
    expect(mar.startIso).toBe('2026-03-01T00:00:00-05:00');
    expect(mar.endIso).toBe('2026-04-01T00:00:00-04:00');
    expect(mar.expectedBuckets).toBe(31 * 288 - 12);
    const nov = monthBounds('2026-11', 'America/New_York');
    expect(nov.expectedBuckets).toBe(30 * 288 + 12);
    const ber = monthBounds('2026-10', 'Europe/Berlin');
    expect(ber.startIso).toBe('2026-10-01T00:00:00+02:00');
    expect(ber.endIso).toBe('2026-11-01T00:00:00+01:00');
    expect(ber.expectedBuckets).toBe(31 * 288 + 12);
  });

  it('a local midnight skipped by DST starts the day at the jump', () => {
    // Brazil 2018-11-04: 00:00 -> 01:00; Chile 2026-09-06 likewise.
    expect(formatInstant(startOfDay('2018-11-04', 'America/Sao_Paulo'), 'America/Sao_Paulo')).toBe(
      '2018-11-04T01:00:00-02:00',
    );
    expect(new Date(startOfDay('2026-09-06', 'America/Santiago')).toISOString()).toBe('2026-09-06T04:00:00.000Z');
  });

  it('partial month from the first production date', () => {
    const b = monthBounds('2026-03', 'Asia/Shanghai', { from: '2026-03-17' });
    expect(b.partial).toBe(true);
    expect(b.firstDate).toBe('2026-03-17');
    expect(b.days).toBe(15);
    expect(b.expectedBuckets).toBe(15 * 288);
    expect(b.startIso).toBe('2026-03-17T00:00:00+08:00');
    expect(periodDates(b)).toHaveLength(15);
    // ends mid-month; a start date before the month is the whole month
    expect(monthBounds('2026-03', 'Asia/Shanghai', { to: '2026-03-10' }).expectedBuckets).toBe(10 * 288);
    expect(monthBounds('2026-03', 'Asia/Shanghai', { from: '2025-01-01' }).partial).toBe(false);
    expect(monthBounds('2026-03', 'Asia/Shanghai', { from: '2026-04-02' }).expectedBuckets).toBe(0);
  });

  it('rejects bad months, dates and zones', () => {
    expect(() => monthBounds('2026-13', 'Asia/Shanghai')).toThrow(/invalid month/);
    expect(() => monthBounds('2026-02', 'Asia/Shanghai', { from: '2026-02-30' })).toThrow(/invalid date/);
    expect(() => monthBounds('2026-02', 'Mars/Olympus')).toThrow(/unknown time zone/);
  });

  it('helpers: month arithmetic clamps to month end; buckets are epoch-aligned; offsets', () => {
    expect(addMonths('2024-01-31', 1)).toBe('2024-02-29');
    expect(addMonths('2023-03-15', 36)).toBe('2026-03-15');
    expect(addMonths('2026-11-30', 3)).toBe('2027-02-28');
    expect(bucketsBetween(0, 300_000)).toBe(1);
    expect(bucketsBetween(1, 300_000)).toBe(0);
    expect(bucketsBetween(1, 300_001)).toBe(1);
    expect(tzOffsetMs(Date.UTC(2026, 0, 1), 'Asia/Shanghai')).toBe(8 * 3600_000);
    expect(zonedDate(Date.UTC(2026, 0, 31, 16, 0), 'Asia/Shanghai')).toBe('2026-02-01');
    expect(formatInstant(Date.UTC(2026, 6, 1, 12, 5), 'Asia/Kathmandu')).toBe('2026-07-01T17:50:00+05:45');
  });
});
