import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { isOpenAt, isValidTimeZone, utcOffsetMinutes, validateOpeningIntervals, type OpeningInterval } from './opening-hours.js';

const NY = 'America/New_York';
const LONDON = 'Europe/London';
const HOUR = 3600;
const DAY = 86_400;

// Epoch seconds below were worked out by hand (2026-01-01T00:00Z = 1767225600) and double-checked with `date -u`.
const MON_JAN5_0900_EST = 1767621600; // 2026-01-05T14:00Z
const MON_JAN5_1700_EST = 1767650400; // 2026-01-05T22:00Z
const FRI_JAN9_1700_EST = 1767996000; // 2026-01-09T22:00Z
const FRI_JAN9_1800_EST = 1767999600; // 2026-01-09T23:00Z
const SAT_JAN10_0130_EST = 1768026600; // 2026-01-10T06:30Z
const SAT_JAN10_0200_EST = 1768028400; // 2026-01-10T07:00Z
const NY_SPRING_0000_EST = 1772946000; // 2026-03-08T05:00Z, Sunday 00:00 EST
const NY_SPRING_0300_EDT = 1772953200; // 2026-03-08T07:00Z, the instant 02:00 EST jumps to 03:00 EDT
const NY_FALL_0030_EDT = 1793507400; // 2026-11-01T04:30Z, Sunday
const NY_FALL_0115_EDT = 1793510100; // 2026-11-01T05:15Z
const NY_FALL_0100_EST = 1793512800; // 2026-11-01T06:00Z, the instant 02:00 EDT falls back to 01:00 EST
const NY_FALL_0115_EST = 1793513700; // 2026-11-01T06:15Z
const LON_SPRING_0000_GMT = 1774742400; // 2026-03-29T00:00Z, Sunday; 01:00 GMT jumps to 02:00 BST at 01:00Z
const LON_FALL_0000_UTC = 1792886400; // 2026-10-25T00:00Z = 01:00 BST, Sunday; 02:00 BST falls back to 01:00 GMT at 01:00Z
const START_2026 = 1767225600;
const START_2027 = 1798761600;

const weekdays = (open: string, close: string): OpeningInterval[] => [1, 2, 3, 4, 5].map((day) => ({ day, open, close }));
const allWeek = (open: string, close: string): OpeningInterval[] => [1, 2, 3, 4, 5, 6, 7].map((day) => ({ day, open, close }));

/** Real minutes open in [from, to), sampled at each minute start (open state is constant within a minute). */
function openMinutes(intervals: OpeningInterval[], zone: string, from: number, to: number): number {
  let n = 0;
  for (let s = from; s < to; s += 60) if (isOpenAt(intervals, zone, s)) n++;
  return n;
}

test('plain weekday hours: open at 09:00, closed at 17:00, closed on weekends', () => {
  const hours = weekdays('09:00', '17:00');
  assert.equal(isOpenAt(hours, NY, MON_JAN5_0900_EST - 1), false);
  assert.equal(isOpenAt(hours, NY, MON_JAN5_0900_EST), true);
  assert.equal(isOpenAt(hours, NY, MON_JAN5_1700_EST - 1), true);
  assert.equal(isOpenAt(hours, NY, MON_JAN5_1700_EST), false);
  assert.equal(isOpenAt(hours, NY, MON_JAN5_0900_EST + 4 * DAY + 4 * HOUR), true); // Fri 13:00
  assert.equal(isOpenAt(hours, NY, MON_JAN5_0900_EST + 5 * DAY + 4 * HOUR), false); // Sat 13:00
  assert.equal(isOpenAt(hours, NY, MON_JAN5_0900_EST + 6 * DAY + 4 * HOUR), false); // Sun 13:00
  // The same instant is 14:00 in London: still open there, but evaluated in a different zone.
  assert.equal(isOpenAt(hours, LONDON, MON_JAN5_1700_EST - 3 * HOUR), false); // 19:00 GMT
});

test('overnight interval: Fri 18:00-02:00 is open Sat 01:30', () => {
  const hours: OpeningInterval[] = [{ day: 5, open: '18:00', close: '02:00' }];
  assert.equal(isOpenAt(hours, NY, FRI_JAN9_1800_EST - 1), false);
  assert.equal(isOpenAt(hours, NY, FRI_JAN9_1800_EST), true);
  assert.equal(isOpenAt(hours, NY, SAT_JAN10_0130_EST), true);
  assert.equal(isOpenAt(hours, NY, SAT_JAN10_0200_EST - 1), true);
  assert.equal(isOpenAt(hours, NY, SAT_JAN10_0200_EST), false);
  assert.equal(isOpenAt(hours, NY, SAT_JAN10_0130_EST - 2 * DAY), false); // Thu 01:30
  assert.equal(openMinutes(hours, NY, FRI_JAN9_1700_EST, FRI_JAN9_1700_EST + DAY), 8 * 60);
});

test('overnight interval wraps from Sunday into Monday', () => {
  const hours: OpeningInterval[] = [{ day: 7, open: '22:00', close: '03:00' }];
  assert.equal(isOpenAt(hours, 'UTC', MON_JAN5_0900_EST - 12 * HOUR), true); // Mon 02:00Z
  assert.equal(isOpenAt(hours, 'UTC', MON_JAN5_0900_EST - 11 * HOUR), false); // Mon 03:00Z
  assert.equal(isOpenAt(hours, 'UTC', MON_JAN5_0900_EST - 16 * HOUR), true); // Sun 22:00Z
});

test('00:00-24:00 every day is open around the clock, including both DST changes', () => {
  const hours = allWeek('00:00', '24:00');
  for (let s = START_2026; s < START_2027; s += HOUR - 7) assert.equal(isOpenAt(hours, NY, s), true);
  assert.equal(openMinutes(hours, NY, NY_SPRING_0000_EST, NY_SPRING_0000_EST + DAY), 24 * 60);
  assert.equal(openMinutes(hours, NY, NY_FALL_0030_EDT, NY_FALL_0030_EDT + DAY), 24 * 60);
});

test('closed days and empty schedules', () => {
  const hours = weekdays('09:00', '24:00');
  // Friday 24:00 closes at midnight, so all of Saturday and Sunday (local) are closed.
  const satMidnight = MON_JAN5_0900_EST + 5 * DAY - 9 * HOUR;
  assert.equal(isOpenAt(hours, NY, satMidnight - 1), true);
  assert.equal(openMinutes(hours, NY, satMidnight, satMidnight + 2 * DAY), 0);
  assert.equal(isOpenAt([], NY, MON_JAN5_0900_EST), false);
});

test('New York spring forward: 01:00-04:00 lasts 2 real hours', () => {
  const hours: OpeningInterval[] = [{ day: 7, open: '01:00', close: '04:00' }];
  assert.equal(isOpenAt(hours, NY, NY_SPRING_0000_EST + HOUR - 1), false);
  assert.equal(isOpenAt(hours, NY, NY_SPRING_0000_EST + HOUR), true); // 01:00 EST
  assert.equal(isOpenAt(hours, NY, NY_SPRING_0300_EDT), true);
  assert.equal(isOpenAt(hours, NY, NY_SPRING_0300_EDT + HOUR - 1), true);
  assert.equal(isOpenAt(hours, NY, NY_SPRING_0300_EDT + HOUR), false); // 04:00 EDT
  assert.equal(openMinutes(hours, NY, NY_SPRING_0000_EST, NY_SPRING_0000_EST + DAY), 120);
});

test('New York spring forward: opening at the non-existent 02:30 opens at 03:00 EDT', () => {
  const hours: OpeningInterval[] = [{ day: 7, open: '02:30', close: '05:00' }];
  assert.equal(isOpenAt(hours, NY, NY_SPRING_0300_EDT - 1), false); // 01:59:59 EST
  assert.equal(isOpenAt(hours, NY, NY_SPRING_0300_EDT), true);
  assert.equal(openMinutes(hours, NY, NY_SPRING_0000_EST, NY_SPRING_0000_EST + DAY), 120);
});

test('New York fall back: 01:00-02:00 covers both 01:xx hours', () => {
  const hours: OpeningInterval[] = [{ day: 7, open: '01:00', close: '02:00' }];
  const firstOne = NY_FALL_0030_EDT + HOUR / 2; // 01:00 EDT = 05:00Z
  assert.equal(isOpenAt(hours, NY, firstOne - 1), false);
  assert.equal(isOpenAt(hours, NY, firstOne), true);
  assert.equal(isOpenAt(hours, NY, NY_FALL_0100_EST), true);
  assert.equal(isOpenAt(hours, NY, NY_FALL_0100_EST + HOUR - 1), true);
  assert.equal(isOpenAt(hours, NY, NY_FALL_0100_EST + HOUR), false); // 02:00 EST
  assert.equal(openMinutes(hours, NY, NY_FALL_0030_EDT, NY_FALL_0030_EDT + DAY), 120);
});

test('New York fall back: a closed hour that replays reopens at the offset change', () => {
  const hours: OpeningInterval[] = [{ day: 7, open: '00:30', close: '01:15' }];
  assert.equal(isOpenAt(hours, NY, NY_FALL_0115_EDT), false);
  assert.equal(isOpenAt(hours, NY, NY_FALL_0100_EST - 1), false); // 01:59:59 EDT
  assert.equal(isOpenAt(hours, NY, NY_FALL_0100_EST), true); // 01:00 EST: open again
  assert.equal(isOpenAt(hours, NY, NY_FALL_0115_EST - 1), true);
  assert.equal(isOpenAt(hours, NY, NY_FALL_0115_EST), false);
  assert.equal(openMinutes(hours, NY, NY_FALL_0030_EDT, NY_FALL_0030_EDT + DAY), 45 + 15);
});

test('London spring forward (2026-03-29): 00:30-02:30 lasts 1 real hour', () => {
  const hours: OpeningInterval[] = [{ day: 7, open: '00:30', close: '02:30' }];
  assert.equal(isOpenAt(hours, LONDON, LON_SPRING_0000_GMT + 1800), true); // 00:30 GMT
  assert.equal(isOpenAt(hours, LONDON, LON_SPRING_0000_GMT + HOUR), true); // 02:00 BST
  assert.equal(isOpenAt(hours, LONDON, LON_SPRING_0000_GMT + HOUR + 1800), false); // 02:30 BST
  assert.equal(openMinutes(hours, LONDON, LON_SPRING_0000_GMT, LON_SPRING_0000_GMT + DAY), 60);
});

test('London fall back (2026-10-25): 01:00-02:00 lasts 2 real hours', () => {
  const hours: OpeningInterval[] = [{ day: 7, open: '01:00', close: '02:00' }];
  assert.equal(isOpenAt(hours, LONDON, LON_FALL_0000_UTC - 1), false); // 00:59:59 BST
  assert.equal(isOpenAt(hours, LONDON, LON_FALL_0000_UTC), true); // 01:00 BST
  assert.equal(isOpenAt(hours, LONDON, LON_FALL_0000_UTC + HOUR), true); // 01:00 GMT
  assert.equal(isOpenAt(hours, LONDON, LON_FALL_0000_UTC + 2 * HOUR), false); // 02:00 GMT
  assert.equal(openMinutes(hours, LONDON, LON_FALL_0000_UTC - HOUR, LON_FALL_0000_UTC + DAY), 120);
});

test('validateOpeningIntervals names the bad entry and field', () => {
  assert.equal(validateOpeningIntervals([]), null);
  assert.equal(validateOpeningIntervals([...allWeek('00:00', '24:00'), { day: 5, open: '18:00', close: '02:00' }]), null);
  assert.equal(
    validateOpeningIntervals([{ day: 1, open: '25:00', close: '26:00' }]),
    'opening interval 0: open "25:00" must be "HH:MM" between 00:00 and 23:59',
  );
  assert.equal(
    validateOpeningIntervals([
      { day: 1, open: '09:00', close: '17:00' },
      { day: 8, open: '09:00', close: '17:00' },
    ]),
    'opening interval 1: day 8 must be an ISO weekday 1 (Monday) to 7 (Sunday)',
  );
  assert.equal(
    validateOpeningIntervals([{ day: 2, open: '09:00', close: '09:00' }]),
    'opening interval 0: close "09:00" equals open; use "00:00"-"24:00" for all day',
  );
  assert.match(validateOpeningIntervals([{ day: 0, open: '09:00', close: '17:00' }]) ?? '', /interval 0: day 0/);
  assert.match(validateOpeningIntervals([{ day: 1, open: '24:00', close: '24:00' }]) ?? '', /interval 0: open "24:00"/);
  assert.match(validateOpeningIntervals([{ day: 1, open: '9:00', close: '17:00' }]) ?? '', /interval 0: open "9:00"/);
  assert.match(validateOpeningIntervals([{ day: 1, open: '09:00', close: '24:01' }]) ?? '', /interval 0: close "24:01"/);
  assert.throws(() => isOpenAt([{ day: 1, open: '09:00', close: '25:00' }], NY, MON_JAN5_0900_EST), RangeError);
  assert.throws(() => isOpenAt(weekdays('09:00', '17:00'), 'Mars/Olympus_Mons', MON_JAN5_0900_EST), RangeError);
});

test('isValidTimeZone', () => {
  assert.equal(isValidTimeZone(NY), true);
  assert.equal(isValidTimeZone('Europe/London'), true);
  assert.equal(isValidTimeZone('UTC'), true);
  assert.equal(isValidTimeZone('Mars/Olympus_Mons'), false);
  assert.equal(isValidTimeZone(''), false);
});

// ---- Property tests against an independent reference (Intl, not Luxon; a weekly grid of local minutes). ----

const ZONES = [NY, LONDON, 'UTC', 'Asia/Kolkata', 'Australia/Lord_Howe', 'America/Santiago', 'America/Havana', 'Pacific/Chatham'];
const WEEKDAY: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };
const formatters = new Map<string, Intl.DateTimeFormat>();
const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

function reference(intervals: readonly OpeningInterval[], zone: string): (epochSeconds: number) => boolean {
  const grid = new Uint8Array(7 * 1440);
  for (const iv of intervals) {
    const [oh, om] = iv.open.split(':').map(Number) as [number, number];
    const [ch, cm] = iv.close.split(':').map(Number) as [number, number];
    const open = oh * 60 + om;
    const close = ch * 60 + cm;
    const length = close > open ? close - open : 1440 - open + close;
    for (let k = 0; k < length; k++) grid[((iv.day - 1) * 1440 + open + k) % grid.length] = 1;
  }
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(zone, f);
  }
  const fmt = f;
  return (epochSeconds) => {
    const parts = Object.fromEntries(fmt.formatToParts(Math.floor(epochSeconds) * 1000).map((p) => [p.type, p.value]));
    const minuteOfWeek = (WEEKDAY[parts.weekday!]! - 1) * 1440 + Number(parts.hour) * 60 + Number(parts.minute);
    return grid[minuteOfWeek] === 1;
  };
}

const intervalArb = fc
  .record({ day: fc.integer({ min: 1, max: 7 }), open: fc.integer({ min: 0, max: 1439 }), close: fc.integer({ min: 0, max: 1440 }) })
  .filter((r) => r.open !== r.close)
  .map((r): OpeningInterval => ({ day: r.day, open: hhmm(r.open), close: hhmm(r.close) }));
// Half the instants land within a day of a DST change, where bugs live.
const DST_CHANGES = [NY_SPRING_0300_EDT, NY_FALL_0100_EST, LON_SPRING_0000_GMT + HOUR, LON_FALL_0000_UTC + HOUR];
const instantArb = fc.oneof(
  fc.integer({ min: START_2026, max: START_2027 - 1 }),
  fc.tuple(fc.constantFrom(...DST_CHANGES), fc.integer({ min: -DAY, max: DAY })).map(([t, d]) => t + d),
);

test('property: isOpenAt matches a minute-grid reference', () => {
  fc.assert(
    fc.property(fc.array(intervalArb, { maxLength: 5 }), fc.constantFrom(...ZONES), instantArb, (intervals, zone, t) => {
      assert.equal(validateOpeningIntervals(intervals), null);
      assert.equal(isOpenAt(intervals, zone, t), reference(intervals, zone)(t));
    }),
    { numRuns: 200 },
  );
});

test("property: the hourly cached UTC offset equals luxon's, also inside hours where the offset changes", () => {
  // Instants in runs through the same hour, so that most answers come from the cache.
  fc.assert(
    fc.property(fc.constantFrom(...ZONES), instantArb, fc.array(fc.integer({ min: 0, max: 3599 }), { minLength: 1, maxLength: 20 }), (zone, t, steps) => {
      const hour = Math.floor(t / HOUR) * HOUR;
      for (const s of [t, ...steps.map((d) => hour + d)]) {
        assert.equal(utcOffsetMinutes(zone, s), DateTime.fromSeconds(s, { zone }).offset, `${zone} at ${s}`);
      }
    }),
    { numRuns: 300 },
  );
  // Every minute of the hours around each DST change in New York and London, in order (cache warm).
  for (const [zone, change] of [
    [NY, NY_SPRING_0300_EDT],
    [NY, NY_FALL_0100_EST],
    [LONDON, LON_SPRING_0000_GMT + HOUR],
    [LONDON, LON_FALL_0000_UTC + HOUR],
  ] as const) {
    for (let s = change - 2 * HOUR; s <= change + 2 * HOUR; s += 60) {
      for (const at of [s - 1, s]) assert.equal(utcOffsetMinutes(zone, at), DateTime.fromSeconds(at, { zone }).offset, `${zone} at ${at}`);
    }
  }
});

test('a list of hours is checked and compiled once: asked again it answers the same, and a bad zone or instant is still refused', () => {
  const hours: OpeningInterval[] = [{ day: 1, open: '09:00', close: '17:00' }];
  const monday10 = Date.UTC(2026, 0, 5, 15, 0, 0) / 1000; // 10:00 in New York
  for (let i = 0; i < 3; i++) {
    assert.equal(isOpenAt(hours, 'America/New_York', monday10), true);
    assert.equal(isOpenAt(hours, 'America/New_York', monday10 + 8 * 3600), false);
  }
  assert.throws(() => isOpenAt(hours, 'Mars/Olympus_Mons', monday10), /unknown IANA time zone/);
  assert.throws(() => isOpenAt(hours, 'America/New_York', Number.NaN), /must be finite/);
  const bad = [{ day: 1, open: '9am', close: '17:00' }];
  for (let i = 0; i < 2; i++) assert.throws(() => isOpenAt(bad, 'America/New_York', monday10), /must be "HH:MM"/);
});
