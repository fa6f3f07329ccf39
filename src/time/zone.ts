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

/**
 * Zones that are UTC by definition are handled without Intl: the first use
 * of Intl initialises ICU's zone data, ~13 ms of every run's start-up.
 */
function isUtc(zone: string): boolean {
  return zone === 'UTC' || zone === 'Etc/UTC';
}

export function isValidTimeZone(zone: string): boolean {
  if (isUtc(zone)) return true;
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
  if (isUtc(zone)) {
    const date = new Date(instant);
    return {
      year: date.getUTCFullYear(),
      month: date.getUTCMonth() + 1,
      day: date.getUTCDate(),
      hour: date.getUTCHours(),
      minute: date.getUTCMinutes(),
      second: date.getUTCSeconds(),
    };
  }
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

const DAY = 24 * 60 * 60 * 1000;
const HALF_DAY = DAY / 2;

/**
 * Returns a memoized `instant → 'YYYY-MM-DD'` in the given zone. Intl is
 * slow (microseconds a call), so it is asked only for the zone's offset at
 * the start, middle and end of each UTC day an instant falls in; when the
 * three agree, no offset change happens that day (no zone changes its offset
 * twice within twelve hours) and the local date is plain arithmetic.
 * A day with a change asks Intl for each instant's own offset.
 */
export function createDayKeyer(zone: string): (instant: number) => string {
  const steadyOffsets = new Map<number, number | null>();
  const keysByLocalDay = new Map<number, string>();
  const keyLocalDay = (localDay: number): string => {
    let key = keysByLocalDay.get(localDay);
    if (key === undefined) {
      key = new Date(localDay * DAY).toISOString().slice(0, 10);
      if (keysByLocalDay.size > 100_000) keysByLocalDay.clear();
      keysByLocalDay.set(localDay, key);
    }
    return key;
  };
  // The instants [lastFrom, lastTo) all have the key lastKey: records come in time order, many to a day.
  let lastFrom = 0;
  let lastTo = 0;
  let lastKey = '';
  return (instant) => {
    if (instant >= lastFrom && instant < lastTo) return lastKey;
    const utcDay = Math.floor(instant / DAY);
    let offset = steadyOffsets.get(utcDay);
    if (offset === undefined) {
      const start = utcDay * DAY;
      const first = readZoneOffset(start, zone);
      const steady = readZoneOffset(start + HALF_DAY, zone) === first && readZoneOffset(start + DAY - 1000, zone) === first;
      offset = steady ? first : null;
      if (steadyOffsets.size > 100_000) steadyOffsets.clear();
      steadyOffsets.set(utcDay, offset);
    }
    if (offset === null) return keyLocalDay(Math.floor((instant + readZoneOffset(instant, zone)) / DAY));
    // A steady UTC day: one offset for all of it. The local date found holds the
    // instants of that local day that fall within this UTC day.
    const localDay = Math.floor((instant + offset) / DAY);
    lastFrom = Math.max(localDay * DAY - offset, utcDay * DAY);
    lastTo = Math.min((localDay + 1) * DAY - offset, (utcDay + 1) * DAY);
    lastKey = keyLocalDay(localDay);
    return lastKey;
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
