/** Time helpers: ISO 8601 with the offset of a time zone (API output), 5-minute buckets aligned to the epoch. */

export const BUCKET_SECONDS = 300;

const fmtCache = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = fmtCache.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    fmtCache.set(tz, f);
  }
  return f;
}

/** Offset of `tz` at instant `ms`, in minutes east of UTC. */
export function zoneOffsetMinutes(ms: number, tz: string): number {
  const parts = Object.fromEntries(
    formatter(tz)
      .formatToParts(new Date(ms))
      .map((p) => [p.type, p.value]),
  );
  const asUtc = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60_000);
}

/** e.g. 2026-11-26T08:00:00+08:00 (milliseconds when not zero). */
export function isoInZone(ms: number, tz: string): string {
  const off = zoneOffsetMinutes(ms, tz);
  const local = new Date(ms + off * 60_000).toISOString().replace('Z', '');
  const trimmed = local.endsWith('.000') ? local.slice(0, -4) : local;
  const sign = off >= 0 ? '+' : '-';
  const a = Math.abs(off);
  return `${trimmed}${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

export function floorToBucket(ms: number, seconds = BUCKET_SECONDS): number {
  return Math.floor(ms / (seconds * 1000)) * seconds * 1000;
}
