import { describe, expect, it } from 'vitest';
import { CN_CALENDAR } from './cn-calendar.js';
import { disputeDeadline, isWorkingDay, nthWorkingDayAfter } from './working-days.js';

describe('working days (China)', () => {
  it('knows holidays and make-up working days', () => {
    expect(isWorkingDay('2025-10-01')).toBe(false); // National Day
    expect(isWorkingDay('2025-10-11')).toBe(true); // Saturday made a working day
    expect(isWorkingDay('2026-02-14')).toBe(true);
    expect(isWorkingDay('2026-02-16')).toBe(false); // Spring Festival, a Monday
    expect(isWorkingDay('2026-03-07')).toBe(false); // an ordinary Saturday
    expect(isWorkingDay('2026-03-09')).toBe(true);
  });

  it('every listed day belongs to its year; holidays and workdays never overlap', () => {
    for (const [y, c] of Object.entries(CN_CALENDAR)) {
      for (const d of [...c.holidays, ...c.workdays]) expect(d.slice(0, 4), d).toBe(y);
      expect(c.holidays.filter((d) => c.workdays.includes(d))).toEqual([]);
      for (const d of c.workdays)
        expect([0, 6], `${d} is a weekend day made a working day`).toContain(new Date(`${d}T00:00:00Z`).getUTCDay());
    }
  });

  it('the 14th working day after issue skips weekends and the National Day week', () => {
    // issued Tue 2025-09-30: Oct 1–8 off, Sat Oct 11 works
    expect(nthWorkingDayAfter('2025-09-30', 1)).toBe('2025-10-09');
    expect(nthWorkingDayAfter('2025-09-30', 3)).toBe('2025-10-11');
    expect(nthWorkingDayAfter('2025-09-30', 14)).toBe('2025-10-27');
    const d = disputeDeadline(Date.parse('2025-09-30T10:00:00+08:00'), 14, 'Asia/Shanghai');
    expect(d).toEqual({
      last_day: '2025-10-27',
      closes_at: Date.parse('2025-10-28T00:00:00+08:00'),
      working_days: 14,
      calendar: 'official',
    });
    expect(disputeDeadline(Date.parse('2029-03-01T10:00:00+08:00'), 1, 'Asia/Shanghai').calendar).toBe('weekends_only');
  });
});
