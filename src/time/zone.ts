/**
 * Calendar arithmetic in an IANA time zone without a date library: Intl gives
 * the wall-clock fields of an instant, and everything else (day keys, the
 * instant a local day starts) is derived from that.
 */

export interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

interface WallClock extends CalendarDate {
  hour: number;
  minute: number;
  second: number;
}

function readWallClock(instant: number, zone: string): WallClock {
  const fields: Record<string, number> = {};
  for (const part of formatterFor(zone).formatToParts(instant)) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  return {
    year: fields['year'] ?? 1970,
    month: fields['month'] ?? 1,
    day: fields['day'] ?? 1,
    hour: fields['hour'] ?? 0,
    minute: fields['minute'] ?? 0,
    second: fields['second'] ?? 0,
  };
}

/** Milliseconds to add to UTC to get the zone's wall clock at `instant`. */
export function readZoneOffset(instant: number, zone: string): number {
  const wall = readWallClock(instant, zone);
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  return asUtc - (instant - (((instant % 1000) + 1000) % 1000));
}

export function formatCalendarDate(date: CalendarDate): string {
  return `${String(date.year).padStart(4, '0')}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;
}

export function readCalendarDate(instant: number, zone: string): CalendarDate {
  const { year, month, day } = readWallClock(instant, zone);
  return { year, month, day };
}

// Zone offsets only change on quarter-hour boundaries, so one Intl call per
// quarter hour serves every record inside it.
const QUARTER_HOUR = 15 * 60 * 1000;

/** Returns a memoized `instant → 'YYYY-MM-DD'` in the given zone. */
export function createDayKeyer(zone: string): (instant: number) => string {
  const cache = new Map<number, string>();
  return (instant) => {
    const bucket = Math.floor(instant / QUARTER_HOUR);
    let key = cache.get(bucket);
    if (key === undefined) {
      key = formatCalendarDate(readCalendarDate(bucket * QUARTER_HOUR, zone));
      if (cache.size > 100_000) cache.clear();
      cache.set(bucket, key);
    }
    return key;
  };
}

/** The first instant of a calendar day in a zone. */
export function startOfDay(date: CalendarDate, zone: string): number {
  const guess = Date.UTC(date.year, date.month - 1, date.day);
  let instant = guess - readZoneOffset(guess, zone);
  // A second pass settles days whose offset differs from the guess's (DST changes).
  instant = guess - readZoneOffset(instant, zone);
  const wall = readCalendarDate(instant, zone);
  // Where midnight does not exist (a DST jump at 00:00), step to the next hour.
  if (wall.day !== date.day) instant += 60 * 60 * 1000;
  return instant;
}

export function addDays(date: CalendarDate, days: number): CalendarDate {
  const moved = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: moved.getUTCFullYear(), month: moved.getUTCMonth() + 1, day: moved.getUTCDate() };
}

/** Parses `YYYY-MM-DD` or `YYYYMMDD`; undefined when it is not a real date. */
export function parseCalendarDate(text: string): CalendarDate | undefined {
  const match = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(text.trim());
  if (!match) return undefined;
  const date = { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
  const check = new Date(Date.UTC(date.year, date.month - 1, date.day));
  if (check.getUTCFullYear() !== date.year || check.getUTCMonth() + 1 !== date.month || check.getUTCDate() !== date.day) {
    return undefined;
  }
  return date;
}

export function parseDayKey(key: string): CalendarDate {
  const date = parseCalendarDate(key);
  if (!date) throw new Error(`not a day key: ${key}`);
  return date;
}
