import { IANAZone } from 'luxon';

/** One weekly opening interval in the merchant's local wall-clock time. */
export interface OpeningInterval {
  /** ISO weekday the interval opens on: 1 = Monday ... 7 = Sunday. */
  day: number;
  /** Local opening time "HH:MM" (00:00-23:59). */
  open: string;
  /** Local closing time "HH:MM"; "24:00" means midnight at the end of `day`; a time <= open means the interval runs past midnight into the next day. */
  close: string;
}

/** Minutes since local midnight; `close < open` marks an interval that ends on the next day. */
interface Compiled {
  day: number;
  open: number;
  close: number;
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;
const DAY_SECONDS = 86_400;

function parseTime(value: unknown, allowEndOfDay: boolean): number | null {
  if (typeof value !== 'string') return null;
  if (allowEndOfDay && value === '24:00') return 1440;
  const m = HHMM.exec(value);
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

export function validateOpeningIntervals(intervals: readonly OpeningInterval[]): string | null {
  if (!Array.isArray(intervals)) return 'opening hours must be an array';
  for (const [i, iv] of intervals.entries()) {
    const at = `opening interval ${i}`;
    if (typeof iv !== 'object' || iv === null) return `${at}: must be an object`;
    if (!Number.isInteger(iv.day) || iv.day < 1 || iv.day > 7) {
      return `${at}: day ${JSON.stringify(iv.day)} must be an ISO weekday 1 (Monday) to 7 (Sunday)`;
    }
    const open = parseTime(iv.open, false);
    if (open === null) return `${at}: open ${JSON.stringify(iv.open)} must be "HH:MM" between 00:00 and 23:59`;
    const close = parseTime(iv.close, true);
    if (close === null) return `${at}: close ${JSON.stringify(iv.close)} must be "HH:MM" between 00:00 and 24:00`;
    // open == close could mean "closed" or "24 hours"; refuse to guess (use 00:00-24:00 for all day).
    if (open === close) return `${at}: close ${JSON.stringify(iv.close)} equals open; use "00:00"-"24:00" for all day`;
  }
  return null;
}

// Luxon's check builds a fresh Intl.DateTimeFormat (~0.1 ms) per call; remembering only the valid
// names keeps the cache bounded by the tz database size whatever callers pass in.
const knownZones = new Set<string>();

export function isValidTimeZone(timeZone: string): boolean {
  if (knownZones.has(timeZone)) return true;
  if (typeof timeZone !== 'string' || !IANAZone.isValidZone(timeZone)) return false;
  knownZones.add(timeZone);
  return true;
}

/**
 * Hours already checked and compiled, by the list itself: a merchant's hours kept in memory
 * (merchants/configs.ts) are the same list at every estimate, which then neither checks nor parses
 * them again (the profile showed it per request). Lists are not changed in place (a change of
 * hours makes a new merchant object); a list read in a transaction is compiled once and dropped
 * with it.
 */
const compiledHours = new WeakMap<readonly OpeningInterval[], readonly Compiled[]>();

// Callers are expected to validate stored data up front, so bad input here is a programming error.
function compile(intervals: readonly OpeningInterval[], timeZone: string, epochSeconds: number): readonly Compiled[] {
  let list = compiledHours.get(intervals);
  if (list === undefined) {
    const problem = validateOpeningIntervals(intervals);
    if (problem !== null) throw new RangeError(problem);
  }
  if (!isValidTimeZone(timeZone)) throw new RangeError(`unknown IANA time zone ${JSON.stringify(timeZone)}`);
  if (!Number.isFinite(epochSeconds)) throw new RangeError(`epochSeconds must be finite, got ${epochSeconds}`);
  if (list === undefined) {
    list = intervals.map((iv) => ({ day: iv.day, open: parseTime(iv.open, false)!, close: parseTime(iv.close, true)! }));
    compiledHours.set(intervals, list);
  }
  return list;
}

// Matching on wall-clock minutes (not on instants computed from the schedule) is what makes DST come out
// right: skipped local times simply never occur, and repeated ones match twice.
function openAtWallClock(list: readonly Compiled[], today: number, minute: number): boolean {
  const yesterday = today === 1 ? 7 : today - 1;
  return list.some((iv) =>
    iv.close > iv.open
      ? iv.day === today && minute >= iv.open && minute < iv.close
      : (iv.day === today && minute >= iv.open) || (iv.day === yesterday && minute < iv.close),
  );
}

/**
 * The zone's UTC offset (minutes) for each zone's current hour: computing it costs an
 * Intl.DateTimeFormat round (luxon), and every request asks for the same zone and hour. One entry
 * per zone (valid zones only, so bounded by the tz database); `offset` is null for an hour in which
 * the offset changes, which is then asked of luxon for the exact second.
 */
const hourOffsets = new Map<string, { readonly hour: number; readonly offset: number | null }>();

/** The zone's offset from UTC in minutes at `epochSeconds` (what luxon's DateTime.offset gives). */
export function utcOffsetMinutes(timeZone: string, epochSeconds: number): number {
  const hour = Math.floor(epochSeconds / 3600) * 3600;
  let entry = hourOffsets.get(timeZone);
  if (entry === undefined || entry.hour !== hour) {
    const zone = IANAZone.create(timeZone);
    // No zone changes its offset twice within an hour: the same offset
    // at both ends of the hour holds for all of it.
    const start = zone.offset(hour * 1000);
    entry = { hour, offset: start === zone.offset((hour + 3600) * 1000) ? start : null };
    hourOffsets.set(timeZone, entry);
  }
  return entry.offset ?? IANAZone.create(timeZone).offset(Math.floor(epochSeconds) * 1000);
}

/**
 * Open at this instant? On every estimate and join: the wall-clock weekday and minute come from the
 * cached offset by arithmetic, without building a luxon DateTime (a profile hotspot).
 */
export function isOpenAt(intervals: readonly OpeningInterval[], timeZone: string, epochSeconds: number): boolean {
  const list = compile(intervals, timeZone, epochSeconds);
  const local = Math.floor(epochSeconds) + utcOffsetMinutes(timeZone, epochSeconds) * 60;
  const days = Math.floor(local / DAY_SECONDS);
  // 1970-01-01 was a Thursday (ISO weekday 4).
  const weekday = ((((days + 3) % 7) + 7) % 7) + 1;
  return openAtWallClock(list, weekday, Math.floor((local - days * DAY_SECONDS) / 60));
}
