import { IANAZone } from 'luxon';
import { isValidTimeZone } from '../merchants/opening-hours.js';

export interface SlotResources {
  readonly staffId: string;
  readonly roomId: string;
  /** 0 = any party size the service accepts. */
  readonly partySize: number;
}

export interface SlotSpec {
  readonly startSec: number;
  readonly durationSec: number;
  readonly spotsTotal: number;
  readonly resources: SlotResources;
  readonly availabilityTag: string;
}

/** Closed-open [beginSec, endSec), epoch seconds, like Google's schedule_exception time_range. */
export interface TimeRange {
  readonly beginSec: number;
  readonly endSec: number;
}

/** Google's availability entry: one slot, or a recurrence of slots every repeatEverySec from startSec up to and including repeatUntilSec, minus exceptions. */
export interface AvailabilityEntry extends SlotSpec {
  readonly recurrence: { readonly repeatEverySec: number; readonly repeatUntilSec: number } | null;
  readonly scheduleExceptions: readonly TimeRange[];
}

/** A weekly schedule in the merchant's local wall-clock time: on each `days` weekday (ISO 1=Mon..7=Sun) from fromDate to toDate (inclusive, 'YYYY-MM-DD' local dates), slots start at firstStart ('HH:MM') and then every repeatEveryMinutes of wall-clock time up to and including lastStart. */
export interface WeeklySchedule {
  readonly fromDate: string;
  readonly toDate: string;
  readonly days: readonly number[];
  readonly firstStart: string;
  readonly lastStart: string;
  readonly repeatEveryMinutes: number;
  readonly durationSec: number;
  readonly spotsTotal: number;
  readonly resources: SlotResources;
  readonly availabilityTag: string;
  readonly exceptions: readonly TimeRange[];
}

const DAY_SECONDS = 86_400;
const MAX_SCHEDULE_DAYS = 400;
const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;
const YMD = /^(\d{4})-(\d{2})-(\d{2})$/;

/** What an entry or a schedule shares with each slot it expands to. */
type SlotTemplate = Omit<SlotSpec, 'startSec'>;

const isInt = (v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): v is number => Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max;

/** Local midnight of a 'YYYY-MM-DD' date as "wall seconds" (the wall time read as if it were UTC), or null if not a real date. */
function parseDate(value: unknown): number | null {
  const m = typeof value === 'string' ? YMD.exec(value) : null;
  if (!m) return null;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  // Date.UTC rolls 02-30 over to 03-02; a round trip catches that.
  return new Date(ms).toISOString().slice(0, 10) === value ? ms / 1000 : null;
}

function parseTime(value: unknown): number | null {
  const m = typeof value === 'string' ? HHMM.exec(value) : null;
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

function validateSlotFields(s: SlotTemplate, exceptions: readonly TimeRange[], exceptionsField: string): string | null {
  if (!isInt(s.durationSec, 60)) return `duration_sec ${JSON.stringify(s.durationSec)} must be an integer >= 60`;
  if (!isInt(s.spotsTotal, 0)) return `spots_total ${JSON.stringify(s.spotsTotal)} must be an integer >= 0`;
  const r = s.resources;
  if (typeof r !== 'object' || r === null) return 'resources must be an object';
  if (typeof r.staffId !== 'string' || typeof r.roomId !== 'string') return 'resources.staff_id and resources.room_id must be strings';
  if (!isInt(r.partySize, 0)) return `resources.party_size ${JSON.stringify(r.partySize)} must be an integer >= 0`;
  if (typeof s.availabilityTag !== 'string') return 'availability_tag must be a string';
  if (!Array.isArray(exceptions)) return `${exceptionsField} must be an array`;
  for (const [i, ex] of exceptions.entries()) {
    if (!isInt(ex?.beginSec, 0) || !isInt(ex?.endSec, 0) || ex.endSec <= ex.beginSec) {
      return `${exceptionsField}[${i}] must have integer begin_sec < end_sec`;
    }
  }
  return null;
}

export function validateEntry(entry: AvailabilityEntry): string | null {
  if (!isInt(entry.startSec, 0)) return `start_sec ${JSON.stringify(entry.startSec)} must be a non-negative integer`;
  const rec = entry.recurrence;
  if (rec !== null) {
    if (typeof rec !== 'object') return 'recurrence must be an object or null';
    if (!isInt(rec.repeatEverySec, 60)) return `recurrence.repeat_every_sec ${JSON.stringify(rec.repeatEverySec)} must be an integer >= 60`;
    // Google: a recurrence must not span more than 24 hours.
    if (!isInt(rec.repeatUntilSec, entry.startSec, entry.startSec + DAY_SECONDS)) {
      return `recurrence.repeat_until_sec ${JSON.stringify(rec.repeatUntilSec)} must be an integer from start_sec to start_sec + 86400`;
    }
  }
  return validateSlotFields(entry, entry.scheduleExceptions, 'schedule_exception');
}

export function validateWeeklySchedule(schedule: WeeklySchedule, timeZone: string): string | null {
  const from = parseDate(schedule.fromDate);
  if (from === null) return `from_date ${JSON.stringify(schedule.fromDate)} must be a real date "YYYY-MM-DD"`;
  const to = parseDate(schedule.toDate);
  if (to === null) return `to_date ${JSON.stringify(schedule.toDate)} must be a real date "YYYY-MM-DD"`;
  if (to < from) return `to_date ${schedule.toDate} is before from_date ${schedule.fromDate}`;
  if ((to - from) / DAY_SECONDS + 1 > MAX_SCHEDULE_DAYS) return `from_date..to_date spans more than ${MAX_SCHEDULE_DAYS} days`;
  const days = schedule.days;
  if (!Array.isArray(days) || days.some((d) => !isInt(d, 1, 7)) || new Set(days).size !== days.length) {
    return `days ${JSON.stringify(days)} must be unique ISO weekdays 1 (Monday) to 7 (Sunday)`;
  }
  const first = parseTime(schedule.firstStart);
  if (first === null) return `first_start ${JSON.stringify(schedule.firstStart)} must be "HH:MM" between 00:00 and 23:59`;
  const last = parseTime(schedule.lastStart);
  if (last === null) return `last_start ${JSON.stringify(schedule.lastStart)} must be "HH:MM" between 00:00 and 23:59`;
  if (last < first) return `last_start ${schedule.lastStart} is before first_start ${schedule.firstStart}`;
  if (!isInt(schedule.repeatEveryMinutes, 1, 1440)) {
    return `repeat_every_minutes ${JSON.stringify(schedule.repeatEveryMinutes)} must be an integer from 1 to 1440`;
  }
  if (!isValidTimeZone(timeZone)) return `unknown IANA time zone ${JSON.stringify(timeZone)}`;
  return validateSlotFields(schedule, schedule.exceptions, 'exceptions');
}

// Google's exceptions are "booked or closed ranges": a slot that merely overlaps one cannot be
// served in full, so it is dropped, not only a slot whose start falls inside.
const blocked = (startSec: number, durationSec: number, exceptions: readonly TimeRange[]): boolean =>
  exceptions.some((ex) => startSec < ex.endSec && ex.beginSec < startSec + durationSec);

const slotOf = (s: SlotTemplate, startSec: number): SlotSpec => ({
  startSec,
  durationSec: s.durationSec,
  spotsTotal: s.spotsTotal,
  resources: s.resources,
  availabilityTag: s.availabilityTag,
});

export function expandEntry(entry: AvailabilityEntry): SlotSpec[] {
  const problem = validateEntry(entry);
  if (problem !== null) throw new RangeError(problem);
  const { repeatEverySec = 1, repeatUntilSec = entry.startSec } = entry.recurrence ?? {};
  const out: SlotSpec[] = [];
  for (let t = entry.startSec; t <= repeatUntilSec; t += repeatEverySec) {
    if (!blocked(t, entry.durationSec, entry.scheduleExceptions)) out.push(slotOf(entry, t));
  }
  return out;
}

/** The instants (seconds, ascending) at which the local clock reads `wall`: none in a spring-forward gap, two in a fall-back overlap. */
function instantsAt(zone: IANAZone, wall: number): number[] {
  // Offsets a day either side bracket any real transition (no zone changes offset twice in two days).
  const offsets = new Set([zone.offset((wall - DAY_SECONDS) * 1000), zone.offset((wall + DAY_SECONDS) * 1000)]);
  const found = [...offsets].map((o) => wall - o * 60).filter((t) => wall - zone.offset(t * 1000) * 60 === t);
  return found.sort((a, b) => a - b);
}

/** First instant at which the local clock reads `wall` or, if a gap skips it, the instant the clock jumps past it. */
function firstInstantAt(zone: IANAZone, wall: number): number {
  const found = instantsAt(zone, wall);
  if (found.length > 0) return found[0]!;
  const after = zone.offset((wall + DAY_SECONDS) * 1000);
  let lo = wall - after * 60; // still on the old (smaller) offset
  let hi = wall - zone.offset((wall - DAY_SECONDS) * 1000) * 60; // already on the new one
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (zone.offset(mid * 1000) === after) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** The UTC window a schedule covers: local midnight starting fromDate to local midnight after toDate. */
export function scheduleWindow(schedule: WeeklySchedule, timeZone: string): TimeRange {
  const problem = validateWeeklySchedule(schedule, timeZone);
  if (problem !== null) throw new RangeError(problem);
  const zone = IANAZone.create(timeZone);
  return {
    beginSec: firstInstantAt(zone, parseDate(schedule.fromDate)!),
    endSec: firstInstantAt(zone, parseDate(schedule.toDate)! + DAY_SECONDS),
  };
}

export function expandWeeklySchedule(schedule: WeeklySchedule, timeZone: string): SlotSpec[] {
  const problem = validateWeeklySchedule(schedule, timeZone);
  if (problem !== null) throw new RangeError(problem);
  const zone = IANAZone.create(timeZone);
  const first = parseTime(schedule.firstStart)!;
  const last = parseTime(schedule.lastStart)!;
  const days = new Set(schedule.days);
  const out: SlotSpec[] = [];
  // Step wall-clock minutes from each local midnight, never instants, so 09:00 stays 09:00 across DST.
  for (let day = parseDate(schedule.fromDate)!; day <= parseDate(schedule.toDate)!; day += DAY_SECONDS) {
    if (!days.has(new Date(day * 1000).getUTCDay() || 7)) continue;
    for (let m = first; m <= last; m += schedule.repeatEveryMinutes) {
      // A skipped time yields no slot (shifting it would collide with a real one); a repeated time
      // yields only its first occurrence. Each instant has one local time, so no duplicates arise.
      const start = instantsAt(zone, day + m * 60)[0];
      if (start !== undefined && !blocked(start, schedule.durationSec, schedule.exceptions)) out.push(slotOf(schedule, start));
    }
  }
  return out.sort((a, b) => a.startSec - b.startSec);
}
