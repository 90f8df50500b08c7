// UpdateBooking, GetBookingStatus and ListBookings as Google calls them. Real app, real SQLite
// file; "now" is Monday 2026-01-05 12:00 New York. Merchant 1001 is the demo (12310: two spots a
// slot, cancellable until the start) plus a service cancellable only until 24 hours before.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { seedDemo } from '../demo/seed.js';
import { type TestApp, DIALECTS, forDialect } from '../test-support/app.js';
import {
  DEMO_M,
  DEMO_S,
  addMerchant,
  addService,
  adminOk,
  book,
  failureOf,
  googleOk,
  ny,
  putSlots,
  spotsOpen,
  updateBooking,
} from '../test-support/bookings.js';

// Every test below runs once on SQLite and once on PostgreSQL (when the suite started one).
for (const dialect of DIALECTS) {
  describe(dialect, () => {
    const startApp = forDialect(dialect);

    const STRICT_S = 'strict'; // cancel_before_start_sec: 24 hours
    const OTHER_M = '2002';
    const NOW = ny('2026-01-05 12:00');

    let t: TestApp;
    before(async () => {
      t = await startApp();
      await seedDemo(t.services, t.clock);
      await addService(t, DEMO_M, STRICT_S, { cancel_before_start_sec: 86_400 });
      await putSlots(
        t,
        DEMO_M,
        STRICT_S,
        [ny('2026-01-06 00:00'), ny('2026-01-09 00:00')],
        [{ start: ny('2026-01-06 09:00') }, { start: ny('2026-01-08 09:00') }],
      );
      await addMerchant(t, OTHER_M);
      await addService(t, OTHER_M, 'cut');
      await putSlots(t, OTHER_M, 'cut', [ny('2026-01-06 00:00'), ny('2026-01-07 00:00')], [{ start: ny('2026-01-06 15:00') }]);
    });
    after(() => t.close());

    /** UpdateBooking's raw answer (status and body text), for byte comparisons. */
    async function updateRaw(booking: Record<string, unknown>) {
      const res = await t.google('UpdateBooking', { booking });
      assert.equal(res.statusCode, 200, res.body);
      return res.body;
    }

    const cancel = (bookingId: string) => updateBooking(t, { booking_id: bookingId, status: 'CANCELED' });
    const reschedule = (bookingId: string, start: number) =>
      updateBooking(t, { booking_id: bookingId, slot: { start_sec: String(start), duration_sec: '1800' } });
    const bookingStatus = async (bookingId: string) => (await googleOk(t, 'GetBookingStatus', { booking_id: bookingId })).booking_status;

    /** Runs `work` with the clock at `seconds`, then puts it back to the harness's "now". */
    async function at<T>(seconds: number, work: () => Promise<T>): Promise<T> {
      t.clock.set(seconds * 1000);
      try {
        return await work();
      } finally {
        t.clock.set(NOW * 1000);
      }
    }

    describe('UpdateBooking: cancel', () => {
      test('cancel returns the booking CANCELED and frees its spot; replaying the cancel returns the same booking', async () => {
        const start = ny('2026-01-06 09:00');
        const booking = await book(t, { start });
        const first = await updateRaw({ booking_id: booking.booking_id, status: 'CANCELED' });
        const body = JSON.parse(first);
        assert.deepEqual(Object.keys(body), ['booking']);
        assert.deepEqual(body.booking, { ...booking, status: 'CANCELED' });
        assert.equal(await spotsOpen(t, DEMO_M, DEMO_S, start), 2);
        assert.equal(await updateRaw({ booking_id: booking.booking_id, status: 'CANCELED' }), first);
        assert.equal(await at(start + 3600, () => updateRaw({ booking_id: booking.booking_id, status: 'CANCELED' })), first, 'also once the window has closed');
        assert.equal(await bookingStatus(booking.booking_id), 'CANCELED');
        // Cancelled by the guest through Google (merchants/actor.ts: 'google'); the column and the admin API keep their word, 'user'.
        assert.equal((await t.services.bookings.get(booking.booking_id)).canceledBy, 'google');
        const stored = await t.store.db.selectFrom('bookings').select(['source', 'canceled_by']).where('id', '=', booking.booking_id).executeTakeFirstOrThrow();
        assert.deepEqual(stored, { source: 'google', canceled_by: 'user' });
        const seen = await adminOk(t, 'GET', `/merchants/${DEMO_M}/bookings/${booking.booking_id}`);
        assert.deepEqual([seen.source, seen.canceled_by], ['google', 'user']);
      });

      test('OUTSIDE_CANCELLATION_WINDOW inside the service window; the merchant can still cancel', async () => {
        const soon = await book(t, { serviceId: STRICT_S, start: ny('2026-01-06 09:00') }); // 21 hours ahead
        assert.equal(failureOf(await cancel(soon.booking_id)).cause, 'OUTSIDE_CANCELLATION_WINDOW');
        assert.equal(await bookingStatus(soon.booking_id), 'CONFIRMED');
        const later = await book(t, { serviceId: STRICT_S, start: ny('2026-01-08 09:00') });
        assert.equal((await cancel(later.booking_id)).booking.status, 'CANCELED');
        const byMerchant = await adminOk(t, 'POST', `/merchants/${DEMO_M}/bookings/${soon.booking_id}/cancel`);
        assert.equal(byMerchant.status, 'CANCELED');
        assert.equal(byMerchant.canceled_by, 'merchant');
      });

      test('OUTSIDE_CANCELLATION_WINDOW once a booking cancellable until its start has started', async () => {
        const start = ny('2026-01-05 16:30');
        const booking = await book(t, { start });
        const failure = await at(start + 60, () => cancel(booking.booking_id));
        assert.equal(failureOf(failure).cause, 'OUTSIDE_CANCELLATION_WINDOW');
      });

      test('BOOKING_ALREADY_CANCELLED when the merchant cancelled first', async () => {
        const booking = await book(t, { start: ny('2026-01-06 10:00') });
        await adminOk(t, 'POST', `/merchants/${DEMO_M}/bookings/${booking.booking_id}/cancel`);
        assert.equal(failureOf(await cancel(booking.booking_id)).cause, 'BOOKING_ALREADY_CANCELLED');
      });

      test('BOOKING_NOT_CANCELLABLE after a no-show', async () => {
        const start = ny('2026-01-05 15:00');
        const booking = await book(t, { start });
        await at(start + 1800, async () => {
          await adminOk(t, 'POST', `/merchants/${DEMO_M}/bookings/${booking.booking_id}/no-show`);
        });
        assert.equal(await bookingStatus(booking.booking_id), 'NO_SHOW');
        assert.equal(failureOf(await cancel(booking.booking_id)).cause, 'BOOKING_NOT_CANCELLABLE');
      });
    });

    describe('UpdateBooking: reschedule and party size', () => {
      test('reschedule to an open slot returns the full booking; the old spot is freed, the new one taken; replay is harmless', async () => {
        const from = ny('2026-01-06 11:00');
        const to = ny('2026-01-06 14:00');
        const booking = await book(t, { start: from, partySize: 3 });
        const first = await updateRaw({ booking_id: booking.booking_id, slot: { start_sec: String(to), duration_sec: '1800' } });
        const moved = JSON.parse(first).booking;
        assert.deepEqual(moved, { ...booking, slot: { ...booking.slot, start_sec: String(to) } });
        assert.deepEqual(moved.slot, {
          merchant_id: DEMO_M,
          service_id: DEMO_S,
          start_sec: String(to),
          duration_sec: '1800',
          resources: { party_size: 3 },
          confirmation_mode: 'CONFIRMATION_MODE_SYNCHRONOUS',
        });
        assert.equal(await spotsOpen(t, DEMO_M, DEMO_S, from), 2);
        assert.equal(await spotsOpen(t, DEMO_M, DEMO_S, to), 1);
        assert.equal(await updateRaw({ booking_id: booking.booking_id, slot: { start_sec: String(to), duration_sec: '1800' } }), first);
        assert.equal(await spotsOpen(t, DEMO_M, DEMO_S, to), 1, 'the replay took no second spot');
      });

      test('reschedule without duration_sec keeps the duration', async () => {
        const booking = await book(t, { start: ny('2026-01-06 11:30') });
        const moved = await updateBooking(t, { booking_id: booking.booking_id, slot: { start_sec: String(ny('2026-01-06 14:30')) } });
        assert.equal(moved.booking.slot.start_sec, String(ny('2026-01-06 14:30')));
        assert.equal(moved.booking.slot.duration_sec, '1800');
      });

      test('reschedule to a full slot, to no slot or into the past: SLOT_UNAVAILABLE, and the booking stays put', async () => {
        const full = ny('2026-01-06 15:00');
        await book(t, { start: full });
        await book(t, { start: full });
        const start = ny('2026-01-06 12:00');
        const booking = await book(t, { start });
        for (const target of [full, ny('2026-01-06 12:10'), ny('2026-01-05 09:00')]) {
          assert.equal(failureOf(await reschedule(booking.booking_id, target)).cause, 'SLOT_UNAVAILABLE', String(target));
        }
        assert.equal(await spotsOpen(t, DEMO_M, DEMO_S, start), 1);
        assert.equal(await spotsOpen(t, DEMO_M, DEMO_S, full), 0);
      });

      test('reschedule onto another booking of the same user: OVERLAPPING_RESERVATION or SLOT_ALREADY_BOOKED_BY_USER', async () => {
        const a = await book(t, { start: ny('2026-01-07 09:00'), userId: 'mover' });
        const b = await book(t, { start: ny('2026-01-07 10:00'), userId: 'mover' });
        assert.equal(failureOf(await reschedule(b.booking_id, ny('2026-01-07 09:00'))).cause, 'SLOT_ALREADY_BOOKED_BY_USER');
        assert.equal((await reschedule(a.booking_id, ny('2026-01-07 09:30'))).booking.slot.start_sec, String(ny('2026-01-07 09:30')));
      });

      test('party-size change keeps the spot; a size the service does not take is SLOT_UNAVAILABLE', async () => {
        const start = ny('2026-01-06 13:00');
        const booking = await book(t, { start, partySize: 2 });
        const bigger = await updateBooking(t, { booking_id: booking.booking_id, slot: { resources: { party_size: 6 } } });
        assert.deepEqual(bigger.booking, { ...booking, slot: { ...booking.slot, resources: { party_size: 6 } } });
        assert.equal(await spotsOpen(t, DEMO_M, DEMO_S, start), 1);
        assert.equal(failureOf(await updateBooking(t, { booking_id: booking.booking_id, slot: { resources: { party_size: 9 } } })).cause, 'SLOT_UNAVAILABLE');
        assert.equal((await googleOk(t, 'ListBookings', { user_id: booking.user_information.user_id })).bookings[0].slot.resources.party_size, 6);
      });

      test('a cancelled booking cannot be moved: BOOKING_ALREADY_CANCELLED, saying why', async () => {
        const booking = await book(t, { start: ny('2026-01-07 11:00') });
        await cancel(booking.booking_id);
        const failure = failureOf(await reschedule(booking.booking_id, ny('2026-01-07 11:30')));
        assert.equal(failure.cause, 'BOOKING_ALREADY_CANCELLED');
        assert.match(failure.description, /a CANCELED booking cannot be rescheduled/);
        assert.equal(await spotsOpen(t, DEMO_M, DEMO_S, ny('2026-01-07 11:30')), 2);
      });
    });

    describe('UpdateBooking: bad requests', () => {
      test('an unknown booking_id is 400', async () => {
        const res = await t.google('UpdateBooking', { booking: { booking_id: 'no-such-booking', status: 'CANCELED' } });
        assert.equal(res.statusCode, 400);
        assert.match(res.json().error.message, /no-such-booking/);
      });

      test('no booking, no booking_id, nothing to change, or a status other than CANCELED: 400 with a message', async () => {
        const booking = await book(t, { start: ny('2026-01-07 12:00') });
        const cases: [unknown, RegExp][] = [
          [{}, /booking/],
          [{ booking: { status: 'CANCELED' } }, /booking_id/],
          [{ booking: { booking_id: booking.booking_id } }, /nothing to update/],
          [{ booking: { booking_id: booking.booking_id, status: 'CONFIRMED' } }, /CANCELED/],
          [{ booking: { booking_id: booking.booking_id, status: 'NOT_A_STATUS' } }, /status|enum/i],
        ];
        for (const [body, message] of cases) {
          const res = await t.google('UpdateBooking', body);
          assert.equal(res.statusCode, 400, `${JSON.stringify(body)}: ${res.body}`);
          assert.match(res.json().error.message, message);
        }
        assert.equal(await bookingStatus(booking.booking_id), 'CONFIRMED');
      });
    });

    describe('GetBookingStatus', () => {
      test('booking_id, booking_status and prepayment_status', async () => {
        const booking = await book(t, { start: ny('2026-01-07 13:00') });
        assert.deepEqual(await googleOk(t, 'GetBookingStatus', { booking_id: booking.booking_id }), {
          booking_id: booking.booking_id,
          booking_status: 'CONFIRMED',
          prepayment_status: 'PREPAYMENT_NOT_PROVIDED',
        });
      });

      test('an unknown booking is 404; no booking_id is 400', async () => {
        assert.equal((await t.google('GetBookingStatus', { booking_id: 'no-such-booking' })).statusCode, 404);
        assert.equal((await t.google('GetBookingStatus', {})).statusCode, 400);
      });
    });

    describe('ListBookings', () => {
      test("the user's upcoming bookings at any merchant, without cancelled or past ones", async () => {
        const user = 'lister';
        const past = await book(t, { start: ny('2026-01-05 16:00'), userId: user });
        const tomorrow = await book(t, { start: ny('2026-01-06 16:00'), userId: user });
        const elsewhere = await book(t, { merchantId: OTHER_M, serviceId: 'cut', start: ny('2026-01-06 15:00'), userId: user });
        const canceled = await book(t, { start: ny('2026-01-07 16:00'), userId: user });
        await cancel(canceled.booking_id);
        await book(t, { start: ny('2026-01-06 16:00'), userId: 'someone-else' });

        const ids = async () => ((await googleOk(t, 'ListBookings', { user_id: user })).bookings ?? []).map((b: { booking_id: string }) => b.booking_id);
        assert.deepEqual(await ids(), [past.booking_id, elsewhere.booking_id, tomorrow.booking_id]);
        const later = await at(ny('2026-01-05 17:00'), ids);
        assert.deepEqual(later, [elsewhere.booking_id, tomorrow.booking_id]);
        const listed = (await googleOk(t, 'ListBookings', { user_id: user })).bookings.find(
          (b: { booking_id: string }) => b.booking_id === tomorrow.booking_id,
        );
        assert.deepEqual(listed, tomorrow, 'the whole booking, as CreateBooking returned it');
      });

      test('a known user with nothing upcoming gets an empty list; an unknown user 404; no user_id 400', async () => {
        const booking = await book(t, { start: ny('2026-01-08 16:00'), userId: 'all-cancelled' });
        await cancel(booking.booking_id);
        assert.deepEqual(await googleOk(t, 'ListBookings', { user_id: 'all-cancelled' }), {});
        assert.equal((await t.google('ListBookings', { user_id: 'never-seen' })).statusCode, 404);
        assert.equal((await t.google('ListBookings', {})).statusCode, 400);
      });
    });
  });
}
