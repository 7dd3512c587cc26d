/**
 * Working days (cn-calendar.ts) and the dispute deadline: a statement issued on day D (billing time zone)
 * may be disputed until the end of the N-th working day after D (D itself not counted; domain.md §5.4
 * dispute_window; the 2006 settlement rule's 14th working day).
 */
import { CN_CALENDAR } from './cn-calendar.js';
import { addDays, startOfDay, zonedDate } from '../statements/time.js';

export const DEFAULT_DISPUTE_WORKING_DAYS = 14;

const holidays = new Set(Object.values(CN_CALENDAR).flatMap((y) => y.holidays));
const workdays = new Set(Object.values(CN_CALENDAR).flatMap((y) => y.workdays));

export function isWorkingDay(date: string): boolean {
  if (workdays.has(date)) return true;
  if (holidays.has(date)) return false;
  const wd = new Date(`${date}T00:00:00Z`).getUTCDay();
  return wd !== 0 && wd !== 6;
}

/** Which calendar a date's year uses: official, provisional, or weekends only (not in the file). */
export function calendarStatus(date: string): 'official' | 'provisional' | 'weekends_only' {
  return CN_CALENDAR[date.slice(0, 4)]?.status ?? 'weekends_only';
}

/** The N-th working day after `date` (not counting `date`). */
export function nthWorkingDayAfter(date: string, n: number): string {
  let d = date;
  for (let k = 0; k < n;) {
    d = addDays(d, 1);
    if (isWorkingDay(d)) k++;
  }
  return d;
}

export interface DisputeDeadline {
  /** Last day disputes are accepted (inclusive), and the instant the window closes (its end). */
  last_day: string;
  closes_at: number;
  working_days: number;
  calendar: ReturnType<typeof calendarStatus>;
}

export function disputeDeadline(issuedAtMs: number, workingDays: number, timeZone: string): DisputeDeadline {
  const last = nthWorkingDayAfter(zonedDate(issuedAtMs, timeZone), workingDays);
  return {
    last_day: last,
    closes_at: startOfDay(addDays(last, 1), timeZone),
    working_days: workingDays,
    calendar: calendarStatus(last),
  };
}
