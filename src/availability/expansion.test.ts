import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import {
  expandEntry,
  expandWeeklySchedule,
  scheduleWindow,
  validateEntry,
  validateWeeklySchedule,
  type AvailabilityEntry,
  type SlotSpec,
  type TimeRange,
  type WeeklySchedule,
} from './expansion.js';

const NY = 'America/New_York';
const ZONES = ['America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'America/Santiago', 'UTC'] as const;
// Local dates of each zone's 2026 offset changes (checked against Luxon's IANAZone.offset).
const DST_DATES: Record<string, string[]> = {
  'America/New_York': ['2026-03-08', '2026-11-01'],
  'Europe/London': ['2026-03-29', '2026-10-25'],
  'Australia/Lord_Howe': ['2026-04-05', '2026-10-04'], // 02:00 -> 01:30, 02:00 -> 02:30
  'America/Santiago': ['2026-04-04', '2026-09-06'], // 24:00 -> 23:00, 00:00 -> 01:00
  UTC: ['2026-06-15'],
};
const HOUR = 3600;
const DAY = 86_400;
const at = (iso: string): number => Date.parse(iso) / 1000;

const MON_JAN5_0900_EST = 1767621600; // 2026-01-05T14:00Z
const NY_SPRING_0000_EST = 1772946000; // 2026-03-08T05:00Z
const NY_SPRING_0300_EDT = 1772953200; // 2026-03-08T07:00Z, first instant after 02:00 EST jumps to 03:00 EDT
const NY_FALL_0000_EDT = 1793505600; // 2026-11-01T04:00Z
const NY_FALL_0200_EST = 1793516400; // 2026-11-01T07:00Z

const resources = { staffId: '', roomId: '', partySize: 2 };
const entry = (over: Partial<AvailabilityEntry>): AvailabilityEntry => ({
  startSec: MON_JAN5_0900_EST,
  durationSec: 1800,
  spotsTotal: 1,
  resources,
  availabilityTag: 'tag',
  recurrence: null,
  scheduleExceptions: [],
  ...over,
});
const schedule = (over: Partial<WeeklySchedule>): WeeklySchedule => ({
  fromDate: '2026-01-05',
  toDate: '2026-01-05',
  days: [1, 2, 3, 4, 5, 6, 7],
  firstStart: '09:00',
  lastStart: '16:30',
  repeatEveryMinutes: 30,
  durationSec: 1800,
  spotsTotal: 1,
  resources,
  availabilityTag: 'tag',
  exceptions: [],
  ...over,
});
const starts = (slots: readonly SlotSpec[]): number[] => slots.map((s) => s.startSec);
const localHHMM = (sec: number, zone: string): string => DateTime.fromSeconds(sec, { zone }).toFormat('HH:mm');
const intersects = (start: number, duration: number, exceptions: readonly TimeRange[]): boolean =>
  exceptions.some((ex) => start < ex.endSec && ex.beginSec < start + duration);

test('a recurrence of 16 half-hour slots 09:00-16:30 on a normal day', () => {
  const slots = expandEntry(entry({ recurrence: { repeatEverySec: 1800, repeatUntilSec: MON_JAN5_0900_EST + 15 * 1800 } }));
  assert.equal(slots.length, 16);
  assert.deepEqual(
    starts(slots),
    Array.from({ length: 16 }, (_, k) => MON_JAN5_0900_EST + k * 1800),
  );
  assert.equal(localHHMM(slots[15]!.startSec, NY), '16:30');
  assert.deepEqual(slots[0], { startSec: MON_JAN5_0900_EST, durationSec: 1800, spotsTotal: 1, resources, availabilityTag: 'tag' });
});

test('repeat_until is inclusive', () => {
  const s = MON_JAN5_0900_EST;
  assert.equal(expandEntry(entry({ recurrence: { repeatEverySec: HOUR, repeatUntilSec: s + 2 * HOUR } })).length, 3);
  assert.equal(expandEntry(entry({ recurrence: { repeatEverySec: HOUR, repeatUntilSec: s + 2 * HOUR - 1 } })).length, 2);
  assert.equal(expandEntry(entry({ recurrence: { repeatEverySec: HOUR, repeatUntilSec: s } })).length, 1);
});

test('exceptions are closed-open and exclude every slot they overlap', () => {
  const s = MON_JAN5_0900_EST;
  const slots = expandEntry(
    entry({
      recurrence: { repeatEverySec: 1800, repeatUntilSec: s + 15 * 1800 },
      scheduleExceptions: [
        { beginSec: s + 3 * HOUR, endSec: s + 4 * HOUR }, // 12:00-13:00: drops 12:00 and 12:30, keeps 11:30 and 13:00
        { beginSec: s + 5 * HOUR + 900, endSec: s + 5 * HOUR + 1200 }, // 14:15-14:20 drops the 14:00 slot it overlaps
      ],
    }),
  );
  const times = slots.map((x) => localHHMM(x.startSec, NY));
  assert.equal(slots.length, 13);
  for (const gone of ['12:00', '12:30', '14:00']) assert.ok(!times.includes(gone), gone);
  for (const kept of ['11:30', '13:00', '14:30']) assert.ok(times.includes(kept), kept);
  // A single slot: overlapped -> nothing; touching at either end -> kept.
  assert.deepEqual(expandEntry(entry({ scheduleExceptions: [{ beginSec: s + 1799, endSec: s + 1800 }] })), []);
  assert.equal(expandEntry(entry({ scheduleExceptions: [{ beginSec: s + 1800, endSec: s + 3600 }] })).length, 1);
  assert.equal(expandEntry(entry({ scheduleExceptions: [{ beginSec: s - 60, endSec: s }] })).length, 1);
});

test('validateEntry names the bad field and expandEntry refuses invalid entries', () => {
  const s = MON_JAN5_0900_EST;
  assert.equal(validateEntry(entry({})), null);
  // Fields are named as the admin API spells them (snake_case), not as the code does.
  assert.match(validateEntry(entry({ recurrence: { repeatEverySec: 1800, repeatUntilSec: s + DAY + 1 } }))!, /^recurrence\.repeat_until_sec /);
  assert.equal(validateEntry(entry({ recurrence: { repeatEverySec: 1800, repeatUntilSec: s + DAY } })), null);
  assert.match(validateEntry(entry({ recurrence: { repeatEverySec: 59, repeatUntilSec: s } }))!, /^recurrence\.repeat_every_sec /);
  assert.match(validateEntry(entry({ durationSec: 30 }))!, /^duration_sec /);
  assert.match(validateEntry(entry({ spotsTotal: 1.5 }))!, /^spots_total /);
  assert.match(validateEntry(entry({ scheduleExceptions: [{ beginSec: s, endSec: s }] }))!, /^schedule_exception\[0\] must have integer begin_sec < end_sec$/);
  assert.throws(() => expandEntry(entry({ durationSec: 0 })), RangeError);
});

test('demo-like weekly schedule over the New York spring-forward week keeps 09:00-16:30 local', () => {
  const slots = expandWeeklySchedule(schedule({ fromDate: '2026-03-05', toDate: '2026-03-11' }), NY);
  assert.equal(slots.length, 7 * 16);
  const expected = Array.from({ length: 16 }, (_, k) =>
    DateTime.fromObject({ hour: 9 })
      .plus({ minutes: 30 * k })
      .toFormat('HH:mm'),
  );
  const byDate = new Map<string, string[]>();
  for (const slot of slots) {
    const local = DateTime.fromSeconds(slot.startSec, { zone: NY });
    byDate.set(local.toISODate()!, [...(byDate.get(local.toISODate()!) ?? []), local.toFormat('HH:mm')]);
  }
  assert.equal(byDate.size, 7);
  for (const [date, times] of byDate) assert.deepEqual(times, expected, date);
  // 09:00 EDT on Monday 2026-03-09 is 13:00Z, an hour earlier in UTC than the week before.
  assert.ok(starts(slots).includes(at('2026-03-09T13:00:00Z')));
  assert.ok(starts(slots).includes(at('2026-03-06T14:00:00Z')));
});

test('a spring-forward day skips the missing local times without shifting or duplicating', () => {
  const slots = expandWeeklySchedule(schedule({ fromDate: '2026-03-08', toDate: '2026-03-08', firstStart: '00:00', lastStart: '03:30' }), NY);
  const e = NY_SPRING_0000_EST;
  assert.deepEqual(starts(slots), [e, e + 1800, e + 3600, e + 5400, NY_SPRING_0300_EDT, NY_SPRING_0300_EDT + 1800]);
  assert.deepEqual(
    slots.map((s) => localHHMM(s.startSec, NY)),
    ['00:00', '00:30', '01:00', '01:30', '03:00', '03:30'],
  );
});

test('a fall-back day offers each repeated local time once, at its first occurrence', () => {
  const slots = expandWeeklySchedule(schedule({ fromDate: '2026-11-01', toDate: '2026-11-01', firstStart: '00:00', lastStart: '03:30' }), NY);
  const d = NY_FALL_0000_EDT;
  const est = NY_FALL_0200_EST;
  assert.deepEqual(starts(slots), [d, d + 1800, d + 3600, d + 5400, est, est + 1800, est + 3600, est + 5400]);
  assert.deepEqual(
    slots.map((s) => localHHMM(s.startSec, NY)),
    ['00:00', '00:30', '01:00', '01:30', '02:00', '02:30', '03:00', '03:30'],
  );
});

test('weekdays, exceptions and window of a weekly schedule', () => {
  // Mon 2026-01-05 .. Sun 2026-01-11, Tuesdays and Saturdays only, one slot a day.
  const sched = schedule({ fromDate: '2026-01-05', toDate: '2026-01-11', days: [6, 2], firstStart: '10:00', lastStart: '10:00' });
  assert.deepEqual(starts(expandWeeklySchedule(sched, NY)), [at('2026-01-06T15:00:00Z'), at('2026-01-10T15:00:00Z')]);
  const closed = { ...sched, exceptions: [{ beginSec: at('2026-01-10T15:29:00Z'), endSec: at('2026-01-10T16:00:00Z') }] };
  assert.deepEqual(starts(expandWeeklySchedule(closed, NY)), [at('2026-01-06T15:00:00Z')]);
  assert.deepEqual(scheduleWindow(sched, NY), { beginSec: at('2026-01-05T05:00:00Z'), endSec: at('2026-01-12T05:00:00Z') });
  // The spring-forward day is 23 hours long.
  assert.deepEqual(scheduleWindow(schedule({ fromDate: '2026-03-08', toDate: '2026-03-08' }), NY), {
    beginSec: NY_SPRING_0000_EST,
    endSec: NY_SPRING_0000_EST + 23 * HOUR,
  });
  // Santiago skips 00:00-01:00 on 2026-09-06, so that day starts at the jump; 2026-04-05 starts after the repeated 23:xx.
  const santiago = scheduleWindow(schedule({ fromDate: '2026-09-06', toDate: '2026-09-06' }), 'America/Santiago');
  assert.deepEqual(santiago, { beginSec: at('2026-09-06T04:00:00Z'), endSec: at('2026-09-07T03:00:00Z') });
  const fallBack = scheduleWindow(schedule({ fromDate: '2026-04-05', toDate: '2026-04-05' }), 'America/Santiago');
  assert.equal(fallBack.beginSec, at('2026-04-05T04:00:00Z'));
});

test('validateWeeklySchedule names the bad field as the admin API spells it (snake_case)', () => {
  assert.equal(validateWeeklySchedule(schedule({}), NY), null);
  const cases: [Partial<WeeklySchedule>, RegExp][] = [
    [{ fromDate: '2026-02-30' }, /^from_date "2026-02-30"/],
    [{ toDate: '2026-1-05' }, /^to_date "2026-1-05"/],
    [{ fromDate: '2026-01-06' }, /^to_date .* before from_date /],
    [{ toDate: '2027-02-09' }, /^from_date\.\.to_date spans more than 400 days/],
    [{ days: [1, 1] }, /^days/],
    [{ days: [0] }, /^days/],
    [{ firstStart: '24:00' }, /^first_start /],
    [{ lastStart: '08:59' }, /^last_start .* before first_start /],
    [{ repeatEveryMinutes: 0 }, /^repeat_every_minutes /],
    [{ repeatEveryMinutes: 1441 }, /^repeat_every_minutes /],
    [{ durationSec: 59 }, /^duration_sec /],
    [{ exceptions: [{ beginSec: 10, endSec: 5 }] }, /^exceptions\[0\] must have integer begin_sec < end_sec$/],
  ];
  for (const [over, message] of cases) assert.match(validateWeeklySchedule(schedule(over), NY) ?? 'null', message, JSON.stringify(over));
  assert.equal(validateWeeklySchedule(schedule({ toDate: '2027-02-08' }), NY), null); // exactly 400 days
  assert.match(validateWeeklySchedule(schedule({}), 'Mars/Olympus')!, /time zone/);
  assert.throws(() => expandWeeklySchedule(schedule({}), 'Mars/Olympus'), RangeError);
});

// ---- properties: weekly schedules ----

const addDays = (date: string, n: number): string => new Date(Date.parse(date) + n * DAY * 1000).toISOString().slice(0, 10);
const hhmm = (minute: number): string => `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

/** Independent oracle: the first instant the zone's clock reads `minute` on `date`, or null if that time is skipped. */
function firstOccurrence(zone: string, date: string, minute: number): number | null {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const dt = DateTime.fromObject({ year, month, day, hour: Math.floor(minute / 60), minute: minute % 60 }, { zone });
  if (dt.toISODate() !== date || dt.hour * 60 + dt.minute !== minute) return null; // Luxon shifted a skipped time
  const same = (t: number) => DateTime.fromSeconds(t, { zone }).toFormat('yyyy-MM-dd HH:mm') === dt.toFormat('yyyy-MM-dd HH:mm');
  // Luxon may pick either occurrence of a repeated time; the earlier one is at most an hour before.
  return Math.min(...[0, 1800, 3600].map((back) => dt.toSeconds() - back).filter((t) => same(t) && Number.isInteger(t)));
}

const scheduleArb = fc.constantFrom(...ZONES).chain((zone) =>
  fc
    .record({
      zone: fc.constant(zone),
      from: fc.oneof(
        fc.integer({ min: 0, max: 358 }).map((n) => addDays('2026-01-01', n)),
        fc.tuple(fc.constantFrom(...DST_DATES[zone]!), fc.integer({ min: 0, max: 3 })).map(([d, n]) => addDays(d, -n)),
      ),
      span: fc.integer({ min: 0, max: 4 }),
      days: fc.subarray([1, 2, 3, 4, 5, 6, 7], { minLength: 1 }),
      first: fc.oneof(fc.integer({ min: 0, max: 1439 }), fc.constantFrom(0, 60, 90, 120, 1380)),
      length: fc.integer({ min: 0, max: 1439 }),
      repeat: fc.oneof(fc.constantFrom(15, 30, 60, 1440), fc.integer({ min: 10, max: 240 })),
      durationSec: fc.constantFrom(60, 900, 1800, 3600, 5400),
      exceptions: fc.array(
        fc.oneof(
          fc.tuple(fc.integer({ min: -56, max: 6 * 96 }), fc.integer({ min: 1, max: 16 })).map(([k, n]) => [k * 900, n * 900] as const),
          fc.tuple(fc.integer({ min: -14 * HOUR, max: 6 * DAY }), fc.integer({ min: 1, max: 6 * HOUR })),
        ),
        { maxLength: 3 },
      ),
    })
    .map(({ zone, from, span, days, first, length, repeat, durationSec, exceptions }) => {
      const base = Date.parse(from) / 1000;
      const sched = schedule({
        fromDate: from,
        toDate: addDays(from, span),
        days,
        firstStart: hhmm(first),
        lastStart: hhmm(Math.min(1439, first + length)),
        repeatEveryMinutes: repeat,
        durationSec,
        exceptions: exceptions.map(([b, len]) => ({ beginSec: base + b, endSec: base + b + len })),
      });
      return { zone, sched };
    }),
);

function configured(sched: WeeklySchedule): { dates: string[]; minutes: number[] } {
  const [first, last] = [sched.firstStart, sched.lastStart].map((t) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3)));
  const minutes: number[] = [];
  for (let m = first!; m <= last!; m += sched.repeatEveryMinutes) minutes.push(m);
  const dates: string[] = [];
  for (let d = sched.fromDate; d <= sched.toDate; d = addDays(d, 1)) {
    if (sched.days.includes(new Date(Date.parse(d)).getUTCDay() || 7)) dates.push(d);
  }
  return { dates, minutes };
}

test('property: weekly expansion is sorted, never repeats a slot, and stays inside its window', () => {
  fc.assert(
    fc.property(scheduleArb, ({ zone, sched }) => {
      const s = starts(expandWeeklySchedule(sched, zone));
      for (let i = 1; i < s.length; i++) assert.ok(s[i - 1]! < s[i]!, `not strictly increasing at ${i}`);
      const w = scheduleWindow(sched, zone);
      for (const t of s) assert.ok(t >= w.beginSec && t < w.endSec, `${t} outside ${JSON.stringify(w)}`);
    }),
    { numRuns: 150 },
  );
});

test('property: no weekly slot intersects an exception', () => {
  fc.assert(
    fc.property(scheduleArb, ({ zone, sched }) => {
      for (const slot of expandWeeklySchedule(sched, zone)) assert.ok(!intersects(slot.startSec, slot.durationSec, sched.exceptions));
    }),
    { numRuns: 150 },
  );
});

test('property: every weekly slot is at a configured local time on a configured day', () => {
  fc.assert(
    fc.property(scheduleArb, ({ zone, sched }) => {
      const { dates, minutes } = configured(sched);
      for (const slot of expandWeeklySchedule(sched, zone)) {
        const local = DateTime.fromSeconds(slot.startSec, { zone });
        assert.ok(dates.includes(local.toISODate()!), `${local.toISO()} not on a configured date`);
        assert.ok(minutes.includes(local.hour * 60 + local.minute), `${local.toISO()} not a configured time`);
        assert.equal(local.second, 0);
      }
    }),
    { numRuns: 150 },
  );
});

test('property: every existing configured local time is produced (first occurrence) unless an exception excludes it', () => {
  fc.assert(
    fc.property(scheduleArb, ({ zone, sched }) => {
      const { dates, minutes } = configured(sched);
      const expected: number[] = [];
      for (const date of dates) {
        for (const m of minutes) {
          const t = firstOccurrence(zone, date, m);
          if (t !== null && !intersects(t, sched.durationSec, sched.exceptions)) expected.push(t);
        }
      }
      assert.deepEqual(
        starts(expandWeeklySchedule(sched, zone)),
        expected.sort((a, b) => a - b),
      );
    }),
    { numRuns: 150 },
  );
});

// ---- properties: Google entries ----

const START_2026 = 1767225600;
const entryArb = fc
  .record({
    start: fc.integer({ min: START_2026, max: START_2026 + 364 * DAY }),
    recurrence: fc.option(
      fc.record({ every: fc.oneof(fc.integer({ min: 60, max: 7200 }), fc.integer({ min: 60, max: DAY })), span: fc.integer({ min: 0, max: DAY }) }),
    ),
    durationSec: fc.integer({ min: 60, max: 7200 }),
    exceptions: fc.array(fc.tuple(fc.integer({ min: -2 * HOUR, max: DAY + 2 * HOUR }), fc.integer({ min: 1, max: 3 * HOUR })), { maxLength: 4 }),
  })
  .map(({ start, recurrence, durationSec, exceptions }) =>
    entry({
      startSec: start,
      durationSec,
      recurrence: recurrence && { repeatEverySec: recurrence.every, repeatUntilSec: start + recurrence.span },
      scheduleExceptions: exceptions.map(([b, len]) => ({ beginSec: start + b, endSec: start + b + len })),
    }),
  );

test('property: entry expansion is sorted, unique, on the recurrence grid up to and including repeat_until', () => {
  fc.assert(
    fc.property(entryArb, (e) => {
      const s = starts(expandEntry(e));
      const every = e.recurrence?.repeatEverySec ?? 1;
      const until = e.recurrence?.repeatUntilSec ?? e.startSec;
      for (let i = 1; i < s.length; i++) assert.ok(s[i - 1]! < s[i]!);
      for (const t of s) assert.ok(t >= e.startSec && t <= until && (t - e.startSec) % every === 0);
    }),
    { numRuns: 300 },
  );
});

test('property: entry slots avoid exceptions and every grid start not excluded is produced', () => {
  fc.assert(
    fc.property(entryArb, (e) => {
      const slots = expandEntry(e);
      for (const slot of slots) {
        assert.ok(!intersects(slot.startSec, slot.durationSec, e.scheduleExceptions));
        assert.deepEqual({ ...slot, startSec: 0 }, { startSec: 0, durationSec: e.durationSec, spotsTotal: e.spotsTotal, resources, availabilityTag: 'tag' });
      }
      const grid: number[] = [e.startSec];
      if (e.recurrence) for (let t = e.startSec + e.recurrence.repeatEverySec; t <= e.recurrence.repeatUntilSec; t += e.recurrence.repeatEverySec) grid.push(t);
      assert.deepEqual(
        starts(slots),
        grid.filter((t) => !intersects(t, e.durationSec, e.scheduleExceptions)),
      );
    }),
    { numRuns: 300 },
  );
});
