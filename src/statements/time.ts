/**
 * Calendar arithmetic for billing periods, with `Intl` only (no date library).
 *
 * - Instants are epoch milliseconds (UTC). Calendar dates are ISO strings `YYYY-MM-DD`; months `YYYY-MM`.
 * - A billing month is [00:00 on the 1st, 00:00 on the 1st of the next month) in the billing time zone
 *   (settlement rule Art. 6: "00:00 on the 1st to 24:00 on the last day").
 * - Buckets are 5-minute intervals aligned to the epoch; a bucket belongs to the period when its start
 *   lies in [start, end).
 * - If local midnight does not exist (a DST jump at 00:00), the day starts at the first instant of that
 *   local date (the moment of the jump). If it exists twice, the earlier instant is used.
 */

export const BUCKET_MS = 300_000;
export const BUCKET_SECONDS = 300;
const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      });
    } catch {
      throw new RangeError(`unknown time zone "${timeZone}": must be an IANA time zone such as Asia/Shanghai`);
    }
    formatters.set(timeZone, f);
  }
  return f;
}

export interface ZonedParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** Wall-clock fields of an instant in a time zone. */
export function zonedParts(instant: number, timeZone: string): ZonedParts {
  const out: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(instant))) {
    if (p.type !== 'literal') out[p.type] = Number(p.value);
  }
  return {
    year: out.year,
    month: out.month,
    day: out.day,
    hour: out.hour % 24,
    minute: out.minute,
    second: out.second,
  };
}

/** UTC offset (ms, east positive) of a time zone at an instant. */
export function tzOffsetMs(instant: number, timeZone: string): number {
  const p = zonedParts(instant, timeZone);
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return wall - Math.floor(instant / 1000) * 1000;
}

/** Instant of a local wall-clock time (see the module note for gaps and overlaps). */
export function zonedToInstant(p: Omit<ZonedParts, 'second'> & { second?: number }, timeZone: string): number {
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second ?? 0);
  const before = tzOffsetMs(wall - DAY_MS, timeZone);
  const after = tzOffsetMs(wall + DAY_MS, timeZone);
  const candidates = [...new Set([wall - before, wall - after])].sort((a, b) => a - b);
  for (const t of candidates) if (t + tzOffsetMs(t, timeZone) === wall) return t;
  // Gap: the wall time is skipped. Find the first instant whose wall time is >= the requested one.
  let lo = Math.min(...candidates);
  let hi = Math.max(...candidates);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (mid + tzOffsetMs(mid, timeZone) >= wall) hi = mid;
    else lo = mid;
  }
  return hi;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** ISO 8601 with the zone's offset, e.g. `2026-03-01T00:00:00+08:00`. */
export function formatInstant(instant: number, timeZone: string): string {
  const p = zonedParts(instant, timeZone);
  const off = Math.round(tzOffsetMs(instant, timeZone) / 60_000);
  const sign = off < 0 ? '-' : '+';
  const a = Math.abs(off);
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

/** Local calendar date (`YYYY-MM-DD`) of an instant. */
export function zonedDate(instant: number, timeZone: string): string {
  const p = zonedParts(instant, timeZone);
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}`;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTH_RE = /^(\d{4})-(\d{2})$/;

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

export function isValidDate(s: string): boolean {
  const m = DATE_RE.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo);
}

export function parseDate(s: string): { year: number; month: number; day: number } {
  if (!isValidDate(s)) throw new RangeError(`invalid date "${s}": expected an existing calendar date YYYY-MM-DD`);
  const [y, m, d] = s.split('-').map(Number);
  return { year: y, month: m, day: d };
}

export function parseMonth(s: string): { year: number; month: number } {
  const m = MONTH_RE.exec(s);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) throw new RangeError(`invalid month "${s}": expected YYYY-MM`);
  return { year: Number(m[1]), month: Number(m[2]) };
}

/** Days since 1970-01-01 of a calendar date (pure calendar arithmetic, no time zone). */
export function dayNumber(date: string): number {
  const { year, month, day } = parseDate(date);
  return Date.UTC(year, month - 1, day) / DAY_MS;
}

export function dateFromDayNumber(n: number): string {
  const d = new Date(n * DAY_MS);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

export function addDays(date: string, n: number): string {
  return dateFromDayNumber(dayNumber(date) + n);
}

/** Add calendar months; the day is clamped to the end of the target month (2024-01-31 + 1 = 2024-02-29). */
export function addMonths(date: string, n: number): string {
  const { year, month, day } = parseDate(date);
  const idx = year * 12 + (month - 1) + n;
  const y = Math.floor(idx / 12);
  const m = idx - y * 12 + 1;
  return `${pad(y, 4)}-${pad(m)}-${pad(Math.min(day, daysInMonth(y, m)))}`;
}

/** Instant of local midnight at the start of a calendar date. */
export function startOfDay(date: string, timeZone: string): number {
  const { year, month, day } = parseDate(date);
  return zonedToInstant({ year, month, day, hour: 0, minute: 0 }, timeZone);
}

/** Number of epoch-aligned 5-minute buckets whose start lies in [start, end). */
export function bucketsBetween(start: number, end: number): number {
  const first = Math.ceil(start / BUCKET_MS) * BUCKET_MS;
  return end <= first ? 0 : Math.ceil((end - first) / BUCKET_MS);
}

export interface MonthBounds {
  month: string;
  timeZone: string;
  /** First calendar date of the period (the 1st, or the start date of a partial month). */
  firstDate: string;
  /** Last calendar date of the period, inclusive. */
  lastDate: string;
  /** Period instants, [start, end). */
  start: number;
  end: number;
  startIso: string;
  endIso: string;
  /** Calendar days in the whole month, and in the period. */
  daysInMonth: number;
  days: number;
  /** 5-minute buckets expected in the period. */
  expectedBuckets: number;
  partial: boolean;
}

/**
 * Bounds of a calendar month in a time zone. `from`/`to` (calendar dates, inclusive) restrict it to a
 * partial month, e.g. a member whose first production date is the 17th.
 */
export function monthBounds(month: string, timeZone: string, opts: { from?: string; to?: string } = {}): MonthBounds {
  const { year, month: mo } = parseMonth(month);
  const dim = daysInMonth(year, mo);
  const monthFirst = `${pad(year, 4)}-${pad(mo)}-01`;
  const monthLast = `${pad(year, 4)}-${pad(mo)}-${pad(dim)}`;
  if (opts.from !== undefined) parseDate(opts.from);
  if (opts.to !== undefined) parseDate(opts.to);
  const firstDate = opts.from && opts.from > monthFirst ? opts.from : monthFirst;
  const lastDate = opts.to && opts.to < monthLast ? opts.to : monthLast;
  const days = firstDate <= lastDate ? dayNumber(lastDate) - dayNumber(firstDate) + 1 : 0;
  const start = startOfDay(firstDate, timeZone);
  const end = days > 0 ? startOfDay(addDays(lastDate, 1), timeZone) : start;
  return {
    month,
    timeZone,
    firstDate,
    lastDate,
    start,
    end,
    startIso: formatInstant(start, timeZone),
    endIso: formatInstant(end, timeZone),
    daysInMonth: dim,
    days,
    expectedBuckets: bucketsBetween(start, end),
    partial: firstDate !== monthFirst || lastDate !== monthLast,
  };
}

/** The calendar dates of the period, in order. */
export function periodDates(b: Pick<MonthBounds, 'firstDate' | 'days'>): string[] {
  const n0 = dayNumber(b.firstDate);
  return Array.from({ length: b.days }, (_, i) => dateFromDayNumber(n0 + i));
}
