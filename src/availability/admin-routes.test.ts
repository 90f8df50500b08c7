// The merchant's availability admin API: Google's replace semantics for a window of slots, the
// weekly schedule in the merchant's time zone (across a DST change), and open spots per slot.
// Real app, real SQLite file; "now" is Monday 2026-01-05 12:00 New York.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DateTime } from 'luxon';
import { type TestApp, DIALECTS, forDialect } from '../test-support/app.js';
import { NY, addMerchant, addService, adminBookings, adminOk, book, googleOk, ny, putSlots } from '../test-support/bookings.js';

// Every test below runs once on SQLite and once on PostgreSQL (when the suite started one).
for (const dialect of DIALECTS) {
  describe(dialect, () => {
    const startApp = forDialect(dialect);

    const M = 'salon';
    const S = 'cut';
    const TUE = [ny('2026-01-06 00:00'), ny('2026-01-07 00:00')] as const;
    const WED = [ny('2026-01-07 00:00'), ny('2026-01-08 00:00')] as const;

    let t: TestApp;
    before(async () => {
      t = await startApp();
      await addMerchant(t, M);
      await addService(t, M, S);
    });
    after(() => t.close());

    interface ListedSlot {
      start_sec: number;
      duration_sec: number;
      spots_total: number;
      spots_open: number;
      availability_tag: string;
      resources: { staff_id: string; room_id: string; party_size: number };
    }

    async function listSlots(from: number, to: number, merchantId = M, serviceId = S): Promise<ListedSlot[]> {
      return (await adminOk(t, 'GET', `/merchants/${merchantId}/services/${serviceId}/availability?from=${from}&to=${to}`)).slots;
    }

    /** "HH:MM spots_open/spots_total" of each slot in a window, New York time. */
    async function summary(window: readonly [number, number]): Promise<string[]> {
      return (await listSlots(...window)).map((s) => `${DateTime.fromSeconds(s.start_sec, { zone: NY }).toFormat('HH:mm')} ${s.spots_open}/${s.spots_total}`);
    }

    describe('PUT availability (replace a window)', () => {
      test('slots in the window are replaced, slots outside it kept, and bookings keep their spots', async () => {
        assert.deepEqual(
          await putSlots(t, M, S, TUE, [{ start: ny('2026-01-06 09:00') }, { start: ny('2026-01-06 10:00') }, { start: ny('2026-01-06 11:00') }]),
          { slots_written: 3 },
        );
        await putSlots(t, M, S, WED, [{ start: ny('2026-01-07 09:00') }]);
        const booking = await book(t, { merchantId: M, serviceId: S, start: ny('2026-01-06 10:00') });
        assert.deepEqual(await summary(TUE), ['09:00 2/2', '10:00 1/2', '11:00 2/2']);

        await putSlots(t, M, S, TUE, [
          { start: ny('2026-01-06 10:00'), spots: 3 },
          { start: ny('2026-01-06 13:00'), spots: 1 },
        ]);
        assert.deepEqual(await summary(TUE), ['10:00 2/3', '13:00 1/1'], 'the booking still holds a spot on the replaced slot');
        assert.deepEqual(await summary(WED), ['09:00 2/2'], 'outside the window: untouched');
        const listed = (await adminBookings(t, M)).find((b) => b.id === booking.booking_id);
        assert.equal(listed?.status, 'CONFIRMED');
      });

      test('removing a booked slot keeps the booking; offering it again with fewer spots counts it', async () => {
        const window = [ny('2026-01-08 00:00'), ny('2026-01-09 00:00')] as const;
        const start = ny('2026-01-08 09:00');
        await putSlots(t, M, S, window, [{ start }]);
        const booking = await book(t, { merchantId: M, serviceId: S, start });
        await putSlots(t, M, S, window, []);
        assert.deepEqual(await listSlots(...window), []);
        assert.equal((await googleOk(t, 'GetBookingStatus', { booking_id: booking.booking_id })).booking_status, 'CONFIRMED');
        await putSlots(t, M, S, window, [{ start, spots: 1 }]);
        assert.deepEqual(await summary(window), ['09:00 0/1']);
      });

      test('a recurrence with an exception, and a duration restrict that leaves other lengths alone', async () => {
        const window = [ny('2026-01-09 00:00'), ny('2026-01-10 00:00')] as const;
        const nine = ny('2026-01-09 09:00');
        await adminOk(t, 'PUT', `/merchants/${M}/services/${S}/availability`, {
          start_time_restrict: window[0],
          end_time_restrict: window[1],
          availability: [
            {
              start_sec: nine,
              duration_sec: 1800,
              spots_total: 1,
              recurrence: { repeat_every_sec: 1800, repeat_until_sec: nine + 4 * 1800 },
              schedule_exception: [{ time_range: { begin_sec: nine + 3600, end_sec: nine + 5400 } }],
            },
            { start_sec: nine, duration_sec: 3600, spots_total: 1 },
          ],
        });
        assert.deepEqual(await summary(window), ['09:00 1/1', '09:00 1/1', '09:30 1/1', '10:30 1/1', '11:00 1/1']);
        await adminOk(t, 'PUT', `/merchants/${M}/services/${S}/availability`, {
          start_time_restrict: window[0],
          end_time_restrict: window[1],
          duration_restrict: 3600,
          availability: [],
        });
        const left = await listSlots(...window);
        assert.deepEqual(new Set(left.map((s) => s.duration_sec)), new Set([1800]));
        assert.equal(left.length, 4);
      });

      test('a slot outside the window, an empty window or an unknown service: 4xx with a message', async () => {
        const outside = await t.admin('PUT', `/merchants/${M}/services/${S}/availability`, {
          start_time_restrict: TUE[0],
          end_time_restrict: TUE[1],
          availability: [{ start_sec: WED[0] + 3600, duration_sec: 1800, spots_total: 1 }],
        });
        assert.equal(outside.statusCode, 400);
        assert.match(outside.json().error.message, /outside the window/);
        const empty = await t.admin('PUT', `/merchants/${M}/services/${S}/availability`, {
          start_time_restrict: TUE[0],
          end_time_restrict: TUE[0],
          availability: [],
        });
        assert.equal(empty.statusCode, 400);
        const unknown = await t.admin('PUT', `/merchants/${M}/services/nothing/availability`, {
          start_time_restrict: TUE[0],
          end_time_restrict: TUE[1],
          availability: [],
        });
        assert.equal(unknown.statusCode, 404);
        assert.deepEqual(await summary(WED), ['09:00 2/2'], 'nothing was written');
      });
    });

    describe('PUT availability/weekly-schedule', () => {
      test('New York 09:00-16:30 every 30 minutes across the 2026-11-01 DST change: the same local times every day', async () => {
        const res = await adminOk(t, 'PUT', `/merchants/${M}/services/${S}/availability/weekly-schedule`, {
          from_date: '2026-10-30',
          to_date: '2026-11-03',
          days: [1, 2, 3, 4, 5, 6, 7],
          first_start: '09:00',
          last_start: '16:30',
          repeat_every_minutes: 30,
          duration_sec: 1800,
          spots_total: 2,
        });
        assert.deepEqual(res, {
          start_time_restrict: Date.parse('2026-10-30T04:00:00Z') / 1000, // midnight EDT
          end_time_restrict: Date.parse('2026-11-04T05:00:00Z') / 1000, // midnight EST
          slots_written: 5 * 16,
        });
        const slots = await listSlots(res.start_time_restrict, res.end_time_restrict);
        const expected = Array.from({ length: 16 }, (_, k) =>
          DateTime.fromObject({ hour: 9 })
            .plus({ minutes: 30 * k })
            .toFormat('HH:mm'),
        );
        const byDate = new Map<string, string[]>();
        for (const s of slots) {
          const local = DateTime.fromSeconds(s.start_sec, { zone: NY });
          byDate.set(local.toISODate()!, [...(byDate.get(local.toISODate()!) ?? []), local.toFormat('HH:mm')]);
          assert.equal(s.spots_open, 2);
        }
        assert.deepEqual([...byDate.keys()], ['2026-10-30', '2026-10-31', '2026-11-01', '2026-11-02', '2026-11-03']);
        for (const [date, times] of byDate) assert.deepEqual(times, expected, date);
        const starts = slots.map((s) => s.start_sec);
        assert.ok(starts.includes(Date.parse('2026-10-31T13:00:00Z') / 1000), '09:00 EDT');
        assert.ok(starts.includes(Date.parse('2026-11-01T14:00:00Z') / 1000), '09:00 EST');
      });

      test('a bad schedule is 400 with a message naming the field', async () => {
        const res = await t.admin('PUT', `/merchants/${M}/services/${S}/availability/weekly-schedule`, {
          from_date: '2026-02-30',
          to_date: '2026-03-01',
          days: [1],
          first_start: '09:00',
          last_start: '16:30',
          repeat_every_minutes: 30,
          duration_sec: 1800,
          spots_total: 2,
        });
        assert.equal(res.statusCode, 400);
        assert.match(res.json().error.message, /^from_date "2026-02-30" must be a real date/);
      });
    });

    describe('GET availability', () => {
      test('shows each slot with spots_total and spots_open, live', async () => {
        const window = [ny('2026-01-12 00:00'), ny('2026-01-13 00:00')] as const;
        const start = ny('2026-01-12 09:00');
        await putSlots(t, M, S, window, [{ start, spots: 3, tag: 'chair-1', partySize: 2 }]);
        await book(t, { merchantId: M, serviceId: S, start });
        assert.deepEqual(await listSlots(...window), [
          {
            start_sec: start,
            duration_sec: 1800,
            spots_total: 3,
            spots_open: 2,
            availability_tag: 'chair-1',
            resources: { staff_id: '', room_id: '', party_size: 2 },
          },
        ]);
      });

      test('a window that is empty or longer than 400 days: 400', async () => {
        assert.equal((await t.admin('GET', `/merchants/${M}/services/${S}/availability?from=${TUE[1]}&to=${TUE[0]}`)).statusCode, 400);
        assert.equal((await t.admin('GET', `/merchants/${M}/services/${S}/availability?from=0&to=${401 * 86_400}`)).statusCode, 400);
      });

      test("a token scoped to another merchant can neither read nor replace this merchant's availability", async () => {
        await addMerchant(t, 'elsewhere');
        const { token } = await adminOk(t, 'POST', '/tokens', { merchant_id: 'elsewhere', label: 'front desk' }, 201);
        assert.equal((await t.admin('GET', `/merchants/${M}/services/${S}/availability?from=${TUE[0]}&to=${TUE[1]}`, undefined, token)).statusCode, 403);
        const put = await t.admin(
          'PUT',
          `/merchants/${M}/services/${S}/availability`,
          { start_time_restrict: TUE[0], end_time_restrict: TUE[1], availability: [] },
          token,
        );
        assert.equal(put.statusCode, 403);
        assert.equal((await listSlots(...TUE)).length, 2);
      });
    });
  });
}
