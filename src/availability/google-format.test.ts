// toGoogleAvailability: both formats, runs and exceptions, DST changes, the 24-hour and
// local-midnight limits, and a round trip through Google's own expansion rule (property-based).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { expandEntry, expandWeeklySchedule } from './expansion.js';
import { toGoogleAvailability, UnrepresentableSlotError, type GoogleAvailability } from './google-format.js';
import type { SlotWithOpen } from './service.js';

const NY = 'America/New_York';
const at = (local: string, zone = NY): number => {
  const t = DateTime.fromFormat(local, 'yyyy-MM-dd HH:mm', { zone });
  assert.ok(t.isValid, local);
  return t.toSeconds();
};

function slot(startSec: number, o: Partial<SlotWithOpen> = {}): SlotWithOpen {
  return {
    merchantId: 'm',
    serviceId: 's',
    startSec,
    durationSec: 1800,
    staffId: '',
    roomId: '',
    partySize: 0,
    spotsTotal: 1,
    spotsOpen: 1,
    availabilityTag: '',
    ...o,
  };
}

/** Slots every `stepMin` minutes from `first`, `count` of them. */
const series = (first: number, count: number, stepMin = 30, o: Partial<SlotWithOpen> = {}): SlotWithOpen[] =>
  Array.from({ length: count }, (_, i) => slot(first + i * stepMin * 60, o));

const SYNC = { confirmationMode: 'SYNCHRONOUS' as const, timeZone: NY };

/** The open instants a set of entries offers, as Google expands them (expansion.ts is our reading of Google's rule). */
function offered(entries: readonly GoogleAvailability[]): number[] {
  return entries.flatMap((e) => expandEntry(e).map((s) => s.startSec)).sort((a, b) => a - b);
}

/** Every instant an entry describes, open or not. */
function described(entries: readonly GoogleAvailability[]): number[] {
  return entries.flatMap((e) => expandEntry({ ...e, scheduleExceptions: [] }).map((s) => s.startSec)).sort((a, b) => a - b);
}

describe('spots_open format', () => {
  test('one entry per slot with its spots, resources, tag and the confirmation mode', () => {
    const slots = [slot(200, { spotsTotal: 3, spotsOpen: 2, partySize: 4, availabilityTag: 't' }), slot(100, { spotsTotal: 2, spotsOpen: 0, staffId: 'ann' })];
    const entries = toGoogleAvailability(slots, 'spots_open', { confirmationMode: 'ASYNCHRONOUS' });
    assert.deepEqual(entries, [
      {
        merchantId: 'm',
        serviceId: 's',
        startSec: 100,
        durationSec: 1800,
        spotsTotal: 2,
        spotsOpen: 0,
        availabilityTag: '',
        resources: { staffId: 'ann', roomId: '', partySize: 0 },
        recurrence: null,
        scheduleExceptions: [],
        confirmationMode: 'ASYNCHRONOUS',
      },
      {
        merchantId: 'm',
        serviceId: 's',
        startSec: 200,
        durationSec: 1800,
        spotsTotal: 3,
        spotsOpen: 2,
        availabilityTag: 't',
        resources: { staffId: '', roomId: '', partySize: 4 },
        recurrence: null,
        scheduleExceptions: [],
        confirmationMode: 'ASYNCHRONOUS',
      },
    ]);
  });
});

describe('recurrence format', () => {
  test('a day of 30-minute slots is one recurrence; booked slots are exceptions, adjacent ones merged', () => {
    const day = series(at('2026-01-06 09:00'), 16);
    const booked = new Set([at('2026-01-06 10:00'), at('2026-01-06 10:30'), at('2026-01-06 15:00')]);
    const slots = day.map((s) => (booked.has(s.startSec) ? { ...s, spotsOpen: 0 } : s));
    const [entry, ...rest] = toGoogleAvailability(slots, 'recurrence', SYNC);
    assert.equal(rest.length, 0);
    assert.deepEqual(entry, {
      merchantId: 'm',
      serviceId: 's',
      startSec: at('2026-01-06 09:00'),
      durationSec: 1800,
      spotsTotal: 1,
      spotsOpen: 1,
      availabilityTag: '',
      resources: { staffId: '', roomId: '', partySize: 0 },
      recurrence: { repeatEverySec: 1800, repeatUntilSec: at('2026-01-06 16:30') },
      scheduleExceptions: [
        { beginSec: at('2026-01-06 10:00'), endSec: at('2026-01-06 11:00') },
        { beginSec: at('2026-01-06 15:00'), endSec: at('2026-01-06 15:30') },
      ],
      confirmationMode: 'SYNCHRONOUS',
    });
    assert.deepEqual(
      offered([entry!]),
      slots.filter((s) => s.spotsOpen > 0).map((s) => s.startSec),
    );
  });

  test("the merchant's own exceptions to a schedule stay schedule exceptions of one recurrence, merged with booked instances, not split recurrences", () => {
    // A weekly schedule 09:00-16:30 every 30 minutes with the merchant's exception 12:00-13:00 (lunch),
    // and the 13:00 slot booked: Google's document keeps these as one recurrence with exceptions.
    const starts = expandWeeklySchedule(
      {
        fromDate: '2026-01-06',
        toDate: '2026-01-06',
        days: [2],
        firstStart: '09:00',
        lastStart: '16:30',
        repeatEveryMinutes: 30,
        durationSec: 1800,
        spotsTotal: 1,
        resources: { staffId: '', roomId: '', partySize: 0 },
        availabilityTag: '',
        exceptions: [{ beginSec: at('2026-01-06 12:00'), endSec: at('2026-01-06 13:00') }],
      },
      NY,
    ).map((s) => s.startSec);
    assert.equal(starts.length, 14, 'the schedule leaves 12:00 and 12:30 out');
    const slots = starts.map((t) => slot(t, { spotsOpen: t === at('2026-01-06 13:00') ? 0 : 1 }));
    const entries = toGoogleAvailability(slots, 'recurrence', SYNC);
    assert.deepEqual(
      entries.map((e) => ({ start: e.startSec, every: e.recurrence!.repeatEverySec, until: e.recurrence!.repeatUntilSec, exceptions: e.scheduleExceptions })),
      [
        {
          start: at('2026-01-06 09:00'),
          every: 1800,
          until: at('2026-01-06 16:30'),
          exceptions: [{ beginSec: at('2026-01-06 12:00'), endSec: at('2026-01-06 13:30') }],
        },
      ],
    );
    assert.deepEqual(
      offered(entries),
      starts.filter((t) => t !== at('2026-01-06 13:00')),
    );
  });

  test('two sittings of a day (a gap of whole steps) are one recurrence; a slot off the grid starts another', () => {
    const lunch = series(at('2026-01-06 12:00'), 3);
    const dinner = series(at('2026-01-06 18:00'), 3);
    const late = slot(at('2026-01-06 22:10'));
    const entries = toGoogleAvailability([...lunch, ...dinner, late], 'recurrence', SYNC);
    assert.deepEqual(
      entries.map((e) => [e.startSec, e.recurrence!.repeatEverySec, e.recurrence!.repeatUntilSec, e.scheduleExceptions]),
      [
        [at('2026-01-06 12:00'), 1800, at('2026-01-06 19:00'), [{ beginSec: at('2026-01-06 13:30'), endSec: at('2026-01-06 18:00') }]],
        [at('2026-01-06 22:10'), 1800, at('2026-01-06 22:10'), []],
      ],
    );
  });

  test('slots shorter than the step: exceptions cover only the booked instance', () => {
    const slots = series(at('2026-01-06 09:00'), 4, 60, { durationSec: 2700 }).map((s, i) => (i === 1 || i === 2 ? { ...s, spotsOpen: 0 } : s));
    const [entry] = toGoogleAvailability(slots, 'recurrence', SYNC);
    assert.deepEqual(entry!.recurrence, { repeatEverySec: 3600, repeatUntilSec: at('2026-01-06 12:00') });
    assert.deepEqual(entry!.scheduleExceptions, [{ beginSec: at('2026-01-06 10:00'), endSec: at('2026-01-06 11:45') }]);
    assert.deepEqual(offered([entry!]), [at('2026-01-06 09:00'), at('2026-01-06 12:00')]);
  });

  test('each day is its own recurrence, and 09:00 local moves by an hour in UTC across the spring DST change', () => {
    // 2026-03-08: New York springs forward at 02:00.
    const slots = ['2026-03-07', '2026-03-08', '2026-03-09'].flatMap((d) => series(at(`${d} 09:00`), 16));
    const entries = toGoogleAvailability(slots, 'recurrence', SYNC);
    assert.equal(entries.length, 3);
    assert.deepEqual(
      entries.map((e) => [e.startSec, e.recurrence!.repeatUntilSec]),
      ['2026-03-07', '2026-03-08', '2026-03-09'].map((d) => [at(`${d} 09:00`), at(`${d} 16:30`)]),
    );
    assert.equal(entries[1]!.startSec - entries[0]!.startSec, 86_400 - 3600, 'the local day of the change is 23 hours long');
  });

  test('a night schedule across the fall-back change stays one recurrence: the repeated hour it skips is an exception', () => {
    // 2026-11-01: New York falls back at 02:00; a wall-clock schedule 00:00-03:30 every 30 minutes
    // keeps only the first 01:00 and 01:30, so the UTC step is 30 minutes, then 90 minutes, then 30.
    const starts = expandWeeklySchedule(
      {
        fromDate: '2026-11-01',
        toDate: '2026-11-01',
        days: [7],
        firstStart: '00:00',
        lastStart: '03:30',
        repeatEveryMinutes: 30,
        durationSec: 1800,
        spotsTotal: 1,
        resources: { staffId: '', roomId: '', partySize: 0 },
        availabilityTag: '',
        exceptions: [],
      },
      NY,
    ).map((s) => s.startSec);
    assert.equal(starts.length, 8);
    assert.equal(starts[4]! - starts[3]!, 5400, 'the fixture has the irregular step');
    const slots = starts.map((t, i) => slot(t, { spotsOpen: i === 1 || i === 6 ? 0 : 1 }));
    const entries = toGoogleAvailability(slots, 'recurrence', SYNC);
    // The 90-minute step is three steps of 30: the two instants in between (the second 01:00 and
    // 01:30, which the schedule leaves out) are exceptions, not a split.
    assert.deepEqual(
      entries.map((e) => ({ start: e.startSec, every: e.recurrence!.repeatEverySec, until: e.recurrence!.repeatUntilSec, exceptions: e.scheduleExceptions })),
      [
        {
          start: starts[0],
          every: 1800,
          until: starts[7],
          exceptions: [
            { beginSec: starts[1], endSec: starts[1]! + 1800 },
            { beginSec: starts[3]! + 1800, endSec: starts[4]! },
            { beginSec: starts[6], endSec: starts[6]! + 1800 },
          ],
        },
      ],
    );
    assert.deepEqual(
      offered(entries),
      starts.filter((_, i) => i !== 1 && i !== 6),
    );
  });

  test('a run stays whole across the spring-forward gap when the UTC step is regular', () => {
    // Every 30 minutes of real time from 00:00 to 05:00 local on 2026-03-08: the clock skips 02:xx,
    // but the instants are evenly spaced, so one recurrence describes them exactly.
    const slots = series(at('2026-03-08 00:00'), 9);
    const entries = toGoogleAvailability(slots, 'recurrence', SYNC);
    assert.equal(entries.length, 1);
    assert.equal(DateTime.fromSeconds(entries[0]!.recurrence!.repeatUntilSec, { zone: NY }).toFormat('HH:mm'), '05:00');
    assert.deepEqual(
      described(entries),
      slots.map((s) => s.startSec),
    );
  });

  test('runs end at local midnight (same entries for a day as for the whole horizon) and span at most 24 hours', () => {
    const allDay = series(at('2026-01-06 00:00'), 48);
    const twoDays = [...allDay, ...series(at('2026-01-07 00:00'), 48)];
    const whole = toGoogleAvailability(twoDays, 'recurrence', SYNC);
    const perDay = [...toGoogleAvailability(allDay, 'recurrence', SYNC), ...toGoogleAvailability(twoDays.slice(48), 'recurrence', SYNC)];
    assert.deepEqual(whole, perDay);
    assert.equal(whole.length, 2);
    // Without a time zone, the 24-hour limit still splits a continuous series.
    const noZone = toGoogleAvailability(twoDays, 'recurrence', { confirmationMode: 'SYNCHRONOUS' });
    for (const e of noZone) assert.ok(e.recurrence!.repeatUntilSec - e.startSec <= 86_400);
    assert.deepEqual(
      described(noZone),
      twoDays.map((s) => s.startSec),
    );
  });

  test('different durations, resources or tags never share a recurrence; an isolated slot is a one-instance recurrence', () => {
    const base = at('2026-01-06 09:00');
    const slots = [
      ...series(base, 3),
      ...series(base, 3, 30, { partySize: 2 }),
      ...series(base, 3, 30, { availabilityTag: 'patio' }),
      slot(base + 7200, { durationSec: 3600, spotsOpen: 0 }),
    ];
    const entries = toGoogleAvailability(slots, 'recurrence', SYNC);
    assert.equal(entries.length, 4);
    const lone = entries.find((e) => e.durationSec === 3600)!;
    assert.deepEqual(lone.recurrence, { repeatEverySec: 3600, repeatUntilSec: base + 7200 });
    assert.deepEqual(lone.scheduleExceptions, [{ beginSec: base + 7200, endSec: base + 10_800 }]);
    assert.ok(
      entries.every((e) => e.recurrence !== null),
      'never a plain slot next to recurrences',
    );
  });

  test('overlapping slots (longer than the step) become one-instance recurrences', () => {
    const slots = series(at('2026-01-06 09:00'), 3, 30, { durationSec: 3600 }).map((s, i) => (i === 1 ? { ...s, spotsOpen: 0 } : s));
    const entries = toGoogleAvailability(slots, 'recurrence', SYNC);
    assert.equal(entries.length, 3);
    assert.deepEqual(offered(entries), [slots[0]!.startSec, slots[2]!.startSec]);
  });

  test('a slot with spots_total other than 1 cannot be described as a recurrence', () => {
    assert.throws(() => toGoogleAvailability([slot(100, { spotsTotal: 2 })], 'recurrence', SYNC), UnrepresentableSlotError);
    assert.throws(() => toGoogleAvailability([slot(100, { spotsTotal: 0 })], 'recurrence', SYNC), /spots_total 0/);
  });

  test('property: the recurrences offer exactly the open slots and describe every slot', () => {
    const zones = ['America/New_York', 'Europe/London', 'Australia/Sydney', 'Asia/Kolkata'];
    // Slots around DST changes of several zones, with random gaps, steps, durations and bookings.
    const arbitrary = fc.record({
      zone: fc.constantFrom(...zones),
      base: fc.constantFrom(at('2026-03-07 20:00'), at('2026-04-04 20:00'), at('2026-10-31 20:00'), at('2026-03-28 20:00')),
      durationMin: fc.constantFrom(15, 30, 45, 60),
      picks: fc.array(fc.record({ offsetQuarter: fc.integer({ min: 0, max: 4 * 60 }), open: fc.boolean(), party: fc.constantFrom(0, 2) }), { maxLength: 80 }),
    });
    fc.assert(
      fc.property(arbitrary, ({ zone, base, durationMin, picks }) => {
        const byKey = new Map<string, SlotWithOpen>();
        for (const p of picks) {
          const s = slot(base + p.offsetQuarter * 900, { durationSec: durationMin * 60, spotsOpen: p.open ? 1 : 0, partySize: p.party });
          byKey.set(`${s.startSec}/${s.partySize}`, s);
        }
        const slots = [...byKey.values()];
        const entries = toGoogleAvailability(slots, 'recurrence', { confirmationMode: 'SYNCHRONOUS', timeZone: zone });
        for (const party of [0, 2]) {
          const mine = entries.filter((e) => e.resources.partySize === party);
          const all = slots.filter((s) => s.partySize === party);
          assert.deepEqual(
            offered(mine),
            all
              .filter((s) => s.spotsOpen > 0)
              .map((s) => s.startSec)
              .sort((a, b) => a - b),
          );
          // Every slot is described; instants on a recurrence's grid with no slot are exceptions (not offered, above).
          const describedSet = new Set(described(mine));
          assert.ok(all.every((s) => describedSet.has(s.startSec)));
        }
        for (const e of entries) {
          assert.ok(e.recurrence!.repeatUntilSec - e.startSec <= 86_400);
          const day = (t: number) => DateTime.fromSeconds(t, { zone }).toISODate();
          assert.equal(day(e.startSec), day(e.recurrence!.repeatUntilSec), 'within one local day');
        }
      }),
      { numRuns: 300 },
    );
  });
});
