// What is sent to Google, and when: the exact BookingNotification PATCH (path, updateMask, body)
// for each merchant-side change to a booking made through Google, none for changes Google made
// itself or for bookings from other channels, and an availability replace of every affected local
// day whenever open spots change. Then coalescing: bursts become one call with the latest state.
// Real app, real store (SQLite and PostgreSQL), the worker drained by hand against a fake Google.
// "Now" is Monday 2026-01-05 12:00 New York.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { seedDemo } from '../demo/seed.js';
import { createLogger } from '../logger.js';
import { createRtuWorker } from './setup.js';
import { DIALECTS, forDialect } from '../test-support/app.js';
import { DEMO_M, DEMO_S, addMerchant, addService, adminOk, book, ny, putSlots, updateBooking } from '../test-support/bookings.js';
import {
  PARTNER,
  PATCH_PREFIX,
  assertMatchesListing,
  patchesOf,
  replacesOf,
  rfc3339,
  startRtu,
  type RtuHarness,
  type WindowEntry,
} from '../test-support/rtu.js';

for (const dialect of DIALECTS) {
  describe(dialect, () => {
    const startApp = forDialect(dialect);
    const ASYNC_S = 'async'; // ASYNCHRONOUS: Google's bookings wait for the merchant
    const FLEX_S = 'flex'; // a 60-minute slot and a 30-minute slot, for reschedules that change the duration
    const PAID_S = 'paid';
    const OTHER_M = '2002'; // Europe/Berlin
    const BERLIN = 'Europe/Berlin';

    let h: RtuHarness;
    before(async () => {
      h = await startRtu(startApp);
      const { t } = h;
      await seedDemo(t.services, t.clock);
      await addService(t, DEMO_M, ASYNC_S, { confirmation_mode: 'ASYNCHRONOUS' });
      await putSlots(
        t,
        DEMO_M,
        ASYNC_S,
        [ny('2026-01-07 00:00'), ny('2026-01-08 00:00')],
        [{ start: ny('2026-01-07 10:00') }, { start: ny('2026-01-07 10:30') }],
      );
      await addService(t, DEMO_M, FLEX_S);
      await putSlots(
        t,
        DEMO_M,
        FLEX_S,
        [ny('2026-01-06 00:00'), ny('2026-01-09 00:00')],
        [
          { start: ny('2026-01-06 10:00'), duration: 3600 },
          { start: ny('2026-01-08 11:00'), duration: 1800 },
        ],
      );
      await addService(t, DEMO_M, PAID_S, { price: { price_micros: 25_000_000, currency_code: 'USD' } });
      await putSlots(t, DEMO_M, PAID_S, [ny('2026-01-07 00:00'), ny('2026-01-08 00:00')], [{ start: ny('2026-01-07 12:00') }]);
      await addMerchant(t, OTHER_M, BERLIN);
      await addService(t, OTHER_M, 'table');
      await h.settle();
    });
    after(() => h.close());
    beforeEach(() => h.settle());

    const admin = (method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown, status = 200) => adminOk(h.t, method, path, body, status);
    const merchantAction = (id: string, action: string, body: unknown = {}, merchant = DEMO_M) =>
      admin('POST', `/merchants/${merchant}/bookings/${id}/${action}`, body);

    /** The single PATCH the fake received for `bookingId`: its updateMask and body. */
    function onlyPatch(bookingId: string): { mask: string | null; body: Record<string, unknown> } {
      const patches = patchesOf(h.fake, bookingId);
      assert.equal(patches.length, 1, `one PATCH for ${bookingId}, got ${patches.length}: ${JSON.stringify(h.fake.calls.map((c) => c.path))}`);
      const call = patches[0]!;
      assert.deepEqual([...call.query.keys()], ['updateMask'], 'updateMask is the only query parameter');
      assert.equal(call.status, 200);
      assert.match(call.authorization, /^Bearer fake-token-\d+$/);
      return { mask: call.query.get('updateMask'), body: call.body as Record<string, unknown> };
    }

    const identity = (bookingId: string, serviceId = DEMO_S, merchantId = DEMO_M) => ({
      name: `partners/${PARTNER}/bookings/${bookingId}`,
      merchantId,
      serviceId,
    });

    /** All extendedServiceAvailability entries the fake received, in order. */
    const windows = (): WindowEntry[] =>
      replacesOf(h.fake).flatMap((c) => (c.body as { extendedServiceAvailability: WindowEntry[] }).extendedServiceAvailability);

    /** Checks the replaces sent: exactly `days` (local midnights, as [merchant, service, ISO start, ISO end]) matching the admin listing. */
    async function assertReplaced(expected: [string, string, number, number][]): Promise<void> {
      const sent = windows();
      assert.deepEqual(
        sent.map((w) => [w.merchantId, w.serviceId, w.startTimeRestrict, w.endTimeRestrict]),
        expected.map(([m, s, from, to]) => [m, s, rfc3339(from), rfc3339(to)]),
      );
      for (const w of sent) await assertMatchesListing(h.t, w);
    }

    describe('BookingNotification: exact path, updateMask and body', () => {
      test('merchant cancels a Google booking: PATCH ...?updateMask=status with name, merchantId, serviceId, status CANCELED; and the day is replaced', async () => {
        const booking = await book(h.t, { start: ny('2026-01-06 09:00') });
        await h.settle();
        await merchantAction(booking.booking_id, 'cancel');
        await h.drain();

        const call = patchesOf(h.fake, booking.booking_id)[0]!;
        assert.equal(call.method, 'PATCH');
        assert.equal(call.path, `/v1alpha/notification/partners/${PARTNER}/bookings/${booking.booking_id}`);
        const { mask, body } = onlyPatch(booking.booking_id);
        assert.equal(mask, 'status');
        assert.deepEqual(body, { ...identity(booking.booking_id), status: 'CANCELED' });
        assert.equal(h.fake.calls.length, 2, 'the PATCH and one availability replace');
        await assertReplaced([[DEMO_M, DEMO_S, ny('2026-01-06 00:00'), ny('2026-01-07 00:00')]]);
        assert.equal(windows()[0]!.availability!.find((a) => a.startTime === rfc3339(ny('2026-01-06 09:00')))!.spotsOpen, '2', 'the spot is free again');
      });

      test('merchant declines a pending booking: status DECLINED_BY_MERCHANT, and the spot is freed', async () => {
        const booking = await book(h.t, { serviceId: ASYNC_S, start: ny('2026-01-07 10:00') });
        assert.equal(booking.status, 'PENDING_MERCHANT_CONFIRMATION');
        await h.settle();
        await merchantAction(booking.booking_id, 'decline');
        await h.drain();
        const { mask, body } = onlyPatch(booking.booking_id);
        assert.equal(mask, 'status');
        assert.deepEqual(body, { ...identity(booking.booking_id, ASYNC_S), status: 'DECLINED_BY_MERCHANT' });
        await assertReplaced([[DEMO_M, ASYNC_S, ny('2026-01-07 00:00'), ny('2026-01-08 00:00')]]);
      });

      test('merchant confirms a pending booking: status CONFIRMED, and no availability replace (the spot was already held)', async () => {
        const booking = await book(h.t, { serviceId: ASYNC_S, start: ny('2026-01-07 10:30') });
        await h.settle();
        await merchantAction(booking.booking_id, 'confirm');
        await h.drain();
        const { mask, body } = onlyPatch(booking.booking_id);
        assert.equal(mask, 'status');
        assert.deepEqual(body, { ...identity(booking.booking_id, ASYNC_S), status: 'CONFIRMED' });
        assert.equal(replacesOf(h.fake).length, 0);
      });

      test('merchant reschedules to a slot of another length: updateMask=startTime,duration with RFC 3339 and "1800s"; both days replaced in one call', async () => {
        const booking = await book(h.t, { serviceId: FLEX_S, start: ny('2026-01-06 10:00'), duration: 3600 });
        await h.settle();
        await merchantAction(booking.booking_id, 'reschedule', { start_sec: ny('2026-01-08 11:00'), duration_sec: 1800 });
        await h.drain();
        const { mask, body } = onlyPatch(booking.booking_id);
        assert.equal(mask, 'startTime,duration');
        assert.deepEqual(body, { ...identity(booking.booking_id, FLEX_S), startTime: '2026-01-08T16:00:00Z', duration: '1800s' });
        assert.equal(replacesOf(h.fake).length, 1, 'one service: one replace carrying both days');
        await assertReplaced([
          [DEMO_M, FLEX_S, ny('2026-01-06 00:00'), ny('2026-01-07 00:00')],
          [DEMO_M, FLEX_S, ny('2026-01-08 00:00'), ny('2026-01-09 00:00')],
        ]);
      });

      test('merchant moves a booking to another time of the same length: updateMask=startTime only', async () => {
        const booking = await book(h.t, { start: ny('2026-01-06 11:00') });
        await h.settle();
        await merchantAction(booking.booking_id, 'reschedule', { start_sec: ny('2026-01-06 13:30') });
        await h.drain();
        const { mask, body } = onlyPatch(booking.booking_id);
        assert.equal(mask, 'startTime');
        assert.deepEqual(body, { ...identity(booking.booking_id), startTime: '2026-01-06T18:30:00Z' });
        await assertReplaced([[DEMO_M, DEMO_S, ny('2026-01-06 00:00'), ny('2026-01-07 00:00')]]);
      });

      test('merchant changes the party size: updateMask=partySize, partySize as a JSON string; the slot is unchanged, so no replace', async () => {
        const booking = await book(h.t, { start: ny('2026-01-06 12:00'), partySize: 2 });
        await h.settle();
        await merchantAction(booking.booking_id, 'party-size', { party_size: 4 });
        await h.drain();
        const { mask, body } = onlyPatch(booking.booking_id);
        assert.equal(mask, 'partySize');
        assert.deepEqual(body, { ...identity(booking.booking_id), partySize: '4' });
        assert.equal(replacesOf(h.fake).length, 0);
      });

      test('merchant marks a no-show: status NO_SHOW', async () => {
        const booking = await book(h.t, { start: ny('2026-01-06 12:30') });
        await h.settle();
        // A no-show can be marked once the booking has started.
        const before = h.t.clock.nowMs();
        h.t.clock.set((ny('2026-01-06 12:30') + 60) * 1000);
        try {
          await merchantAction(booking.booking_id, 'no-show');
          await h.drain();
        } finally {
          h.t.clock.set(before);
        }
        const { mask, body } = onlyPatch(booking.booking_id);
        assert.equal(mask, 'status');
        assert.deepEqual(body, { ...identity(booking.booking_id), status: 'NO_SHOW' });
      });

      test('merchant cancels a PROCESSED_BY_PARTNER booking: refunded; updateMask=status,paymentInformation.prepaymentStatus with PREPAYMENT_REFUNDED', async () => {
        const booking = await book(h.t, {
          serviceId: PAID_S,
          start: ny('2026-01-07 12:00'),
          extra: {
            payment_information: {
              prepayment_status: 'PREPAYMENT_NOT_PROVIDED',
              payment_processed_by: 'PROCESSED_BY_PARTNER',
              price: { price_micros: '25000000', currency_code: 'USD' },
            },
            payment_processing_parameters: { unparsed_payment_method_token: 'tok_visa' },
          },
        });
        const transactionId = booking.payment_information.payment_transaction_id as string;
        assert.match(transactionId, /^test_/);
        await h.settle();
        await merchantAction(booking.booking_id, 'cancel');
        await h.drain();
        const { mask, body } = onlyPatch(booking.booking_id);
        assert.equal(mask, 'status,paymentInformation.prepaymentStatus');
        assert.deepEqual(body, {
          ...identity(booking.booking_id, PAID_S),
          status: 'CANCELED',
          paymentInformation: { prepaymentStatus: 'PREPAYMENT_REFUNDED', paymentTransactionId: transactionId },
        });
      });

      test('changes Google made itself (UpdateBooking: cancel, reschedule) send no BookingNotification, only the availability replace', async () => {
        const booking = await book(h.t, { start: ny('2026-01-06 14:00') });
        await h.settle();
        await updateBooking(h.t, { booking_id: booking.booking_id, slot: { start_sec: String(ny('2026-01-06 14:30')), duration_sec: '1800' } });
        await h.drain();
        assert.equal(patchesOf(h.fake).length, 0);
        await assertReplaced([[DEMO_M, DEMO_S, ny('2026-01-06 00:00'), ny('2026-01-07 00:00')]]);
        h.fake.reset();
        await updateBooking(h.t, { booking_id: booking.booking_id, status: 'CANCELED' });
        await h.drain();
        assert.equal(patchesOf(h.fake).length, 0);
        await assertReplaced([[DEMO_M, DEMO_S, ny('2026-01-06 00:00'), ny('2026-01-07 00:00')]]);
      });

      test('bookings made through the admin API: no BookingNotification for any change, but every change of spots is replaced', async () => {
        const made = await admin(
          'POST',
          `/merchants/${DEMO_M}/bookings`,
          { service_id: DEMO_S, start_sec: ny('2026-01-06 15:00'), party_size: 2, given_name: 'Walk', family_name: 'In' },
          201,
        );
        assert.equal(made.source, 'merchant');
        await h.drain();
        assert.equal(patchesOf(h.fake).length, 0);
        await assertReplaced([[DEMO_M, DEMO_S, ny('2026-01-06 00:00'), ny('2026-01-07 00:00')]]);
        assert.equal(windows()[0]!.availability!.find((a) => a.startTime === rfc3339(ny('2026-01-06 15:00')))!.spotsOpen, '1', 'an admin booking fills a spot');

        h.fake.reset();
        await merchantAction(made.id, 'party-size', { party_size: 3 });
        await merchantAction(made.id, 'reschedule', { start_sec: ny('2026-01-06 15:30') });
        await merchantAction(made.id, 'cancel');
        await h.drain();
        assert.equal(patchesOf(h.fake).length, 0);
        await assertReplaced([[DEMO_M, DEMO_S, ny('2026-01-06 00:00'), ny('2026-01-07 00:00')]]);
      });
    });

    describe('availability replace: one entry per affected local day, restricts at local midnights, spots as the admin API lists them', () => {
      test("a booking through Google: POST .../inventory/partners/{pid}/availability:replace of the slot's day", async () => {
        await book(h.t, { start: ny('2026-01-09 09:30') });
        await h.drain();
        const calls = replacesOf(h.fake);
        assert.equal(calls.length, 1);
        assert.equal(calls[0]!.method, 'POST');
        assert.equal(calls[0]!.path, `/v1alpha/inventory/partners/${PARTNER}/availability:replace`);
        assert.equal([...calls[0]!.query.keys()].length, 0);
        assert.deepEqual(Object.keys(calls[0]!.body), ['extendedServiceAvailability']);
        await assertReplaced([[DEMO_M, DEMO_S, ny('2026-01-09 00:00'), ny('2026-01-10 00:00')]]);
        const entry = windows()[0]!;
        assert.equal(entry.startTimeRestrict, '2026-01-09T05:00:00Z', 'New York midnight in winter');
        assert.equal(entry.availability!.length, 16, '09:00 to 16:30 every 30 minutes');
        assert.deepEqual(
          entry.availability!.find((a) => a.startTime === '2026-01-09T14:30:00Z'),
          { startTime: '2026-01-09T14:30:00Z', duration: '1800s', spotsTotal: '2', spotsOpen: '1', confirmationMode: 'CONFIRMATION_MODE_SYNCHRONOUS' },
        );
      });

      test('a schedule edit (PUT availability) across the spring DST change: one entry per local day, the 23-hour day included', async () => {
        await putSlots(
          h.t,
          DEMO_M,
          DEMO_S,
          [ny('2026-03-07 00:00'), ny('2026-03-10 00:00')],
          [
            { start: ny('2026-03-07 10:00'), spots: 3 },
            { start: ny('2026-03-08 10:00'), spots: 1 },
            { start: ny('2026-03-09 10:00'), spots: 4 },
          ],
        );
        await h.drain();
        assert.equal(replacesOf(h.fake).length, 1);
        await assertReplaced([
          [DEMO_M, DEMO_S, ny('2026-03-07 00:00'), ny('2026-03-08 00:00')],
          [DEMO_M, DEMO_S, ny('2026-03-08 00:00'), ny('2026-03-09 00:00')],
          [DEMO_M, DEMO_S, ny('2026-03-09 00:00'), ny('2026-03-10 00:00')],
        ]);
        assert.deepEqual(
          windows().map((w) => [w.startTimeRestrict, w.endTimeRestrict]),
          [
            ['2026-03-07T05:00:00Z', '2026-03-08T05:00:00Z'],
            ['2026-03-08T05:00:00Z', '2026-03-09T04:00:00Z'],
            ['2026-03-09T04:00:00Z', '2026-03-10T04:00:00Z'],
          ],
        );
        assert.deepEqual(
          windows().map((w) => w.availability!.map((a) => a.spotsOpen)),
          [['3'], ['1'], ['4']],
        );
      });

      test("a window edited inside a day replaces the whole local day (a complete snapshot), in the merchant's own time zone", async () => {
        const berlinNoon = Date.UTC(2026, 0, 10, 11, 0, 0) / 1000; // 12:00 in Berlin
        await putSlots(h.t, OTHER_M, 'table', [berlinNoon, berlinNoon + 7200], [{ start: berlinNoon }, { start: berlinNoon + 3600, spots: 5 }]);
        await h.drain();
        const berlinMidnight = Date.UTC(2026, 0, 9, 23, 0, 0) / 1000;
        await assertReplaced([[OTHER_M, 'table', berlinMidnight, berlinMidnight + 86_400]]);
        assert.equal(windows()[0]!.startTimeRestrict, '2026-01-09T23:00:00Z');
      });

      test('a service in the recurrence format gets recurrences with schedule exceptions, as its feed does (never two formats for one service)', async () => {
        await addService(h.t, DEMO_M, 'rec', { availability_format: 'recurrence' });
        await putSlots(
          h.t,
          DEMO_M,
          'rec',
          [ny('2026-01-15 00:00'), ny('2026-01-16 00:00')],
          [
            { start: ny('2026-01-15 10:00'), spots: 1, tag: 'r' },
            { start: ny('2026-01-15 10:30'), spots: 1, tag: 'r' },
            { start: ny('2026-01-15 11:00'), spots: 1, tag: 'r' },
          ],
        );
        await h.settle();
        await book(h.t, { serviceId: 'rec', start: ny('2026-01-15 10:30') });
        await h.drain();
        const entry = windows()[0]!;
        assert.equal(windows().length, 1);
        assert.deepEqual(
          [entry.merchantId, entry.serviceId, entry.startTimeRestrict, entry.endTimeRestrict],
          [DEMO_M, 'rec', rfc3339(ny('2026-01-15 00:00')), rfc3339(ny('2026-01-16 00:00'))],
        );
        assert.deepEqual(entry.availability, [
          {
            startTime: '2026-01-15T15:00:00Z',
            duration: '1800s',
            spotsTotal: '1',
            spotsOpen: '1',
            availabilityTag: 'r',
            recurrence: { repeatEvery: '1800s', repeatUntil: '2026-01-15T16:00:00Z' },
            scheduleException: [{ timeRange: { startTime: '2026-01-15T15:30:00Z', endTime: '2026-01-15T16:00:00Z' } }],
            confirmationMode: 'CONFIRMATION_MODE_SYNCHRONOUS',
          },
        ]);
      });

      test("the merchant's own exception inside a recurrence is a schedule exception of that recurrence, with the booked instances, not a split", async () => {
        await addService(h.t, DEMO_M, 'rec-gap', { availability_format: 'recurrence' });
        // 10:00 to 12:00 every 30 minutes, without 10:30 (the merchant's exception); 11:30 booked.
        await putSlots(
          h.t,
          DEMO_M,
          'rec-gap',
          [ny('2026-01-16 00:00'), ny('2026-01-17 00:00')],
          ['10:00', '11:00', '11:30', '12:00'].map((hhmm) => ({ start: ny(`2026-01-16 ${hhmm}`), spots: 1 })),
        );
        await h.settle();
        await book(h.t, { serviceId: 'rec-gap', start: ny('2026-01-16 11:30') });
        await h.drain();
        assert.deepEqual(windows()[0]!.availability, [
          {
            startTime: '2026-01-16T15:00:00Z',
            duration: '1800s',
            spotsTotal: '1',
            spotsOpen: '1',
            recurrence: { repeatEvery: '1800s', repeatUntil: '2026-01-16T17:00:00Z' },
            scheduleException: [
              { timeRange: { startTime: '2026-01-16T15:30:00Z', endTime: '2026-01-16T16:00:00Z' } },
              { timeRange: { startTime: '2026-01-16T16:30:00Z', endTime: '2026-01-16T17:00:00Z' } },
            ],
            confirmationMode: 'CONFIRMATION_MODE_SYNCHRONOUS',
          },
        ]);
      });

      test('slots with staff, room and party-size resources carry them, each ID with its name as the feed writes it', async () => {
        await addService(h.t, OTHER_M, 'res');
        await adminOk(h.t, 'PUT', `/merchants/${OTHER_M}/services/res/availability`, {
          start_time_restrict: Date.UTC(2026, 0, 20, 9) / 1000,
          end_time_restrict: Date.UTC(2026, 0, 20, 10) / 1000,
          availability: [
            {
              start_sec: Date.UTC(2026, 0, 20, 9) / 1000,
              duration_sec: 3600,
              spots_total: 1,
              resources: { staff_id: 'ana', room_id: 'terrace', party_size: 4 },
            },
          ],
        });
        await h.drain();
        const slot = windows()[0]!.availability![0]!;
        assert.deepEqual(slot.resources, { staffId: 'ana', staffName: 'ana', roomId: 'terrace', roomName: 'terrace', partySize: 4 });
        await assertMatchesListing(h.t, windows()[0]!);
      });

      test('emptying a day sends the day with no slots, so Google clears it', async () => {
        await putSlots(h.t, OTHER_M, 'table', [Date.UTC(2026, 0, 9, 23) / 1000, Date.UTC(2026, 0, 10, 23) / 1000], []);
        await h.drain();
        const entry = windows()[0]!;
        assert.equal(entry.startTimeRestrict, '2026-01-09T23:00:00Z');
        assert.equal(entry.endTimeRestrict, '2026-01-10T23:00:00Z');
        assert.equal(entry.availability, undefined, 'an empty list (proto3 JSON leaves it out)');
      });
    });

    describe('changes that write no slot but change what Google would see', () => {
      const spotsAt = (w: WindowEntry, start: number) => w.availability?.find((a) => a.startTime === rfc3339(start))?.spotsOpen;

      test('a lease that expires unused: the sweep replaces its day with the spot open again, once, whichever worker sweeps', async () => {
        const start = ny('2026-01-19 09:00');
        const res = await h.t.google('CreateLease', {
          lease: { slot: { merchant_id: DEMO_M, service_id: DEMO_S, start_sec: String(start), duration_sec: '1800' }, user_reference: 'sweep-lease' },
        });
        assert.equal(res.statusCode, 200, res.body);
        const expiresAt = Number(res.json().lease.lease_expiration_time_sec);
        await h.drain();
        assert.equal(spotsAt(windows().at(-1)!, start), '1', 'the lease holds one of the two spots');
        h.fake.reset();
        const before = h.t.clock.nowMs();
        try {
          h.t.clock.set((expiresAt - 1) * 1000);
          await h.drain();
          assert.equal(replacesOf(h.fake).length, 0, 'not expired yet');
          h.t.clock.advanceSeconds(1);
          await h.drain();
          assert.equal(replacesOf(h.fake).length, 0, 'expired, but the next sweep is due 30 s after the last');
          h.t.clock.advanceSeconds(29);
          await h.drain();
          assert.equal(windows().length, 1, 'the expiry is announced within the sweep interval');
          assert.equal(spotsAt(windows()[0]!, start), '2', 'both spots open again');
          await assertMatchesListing(h.t, windows()[0]!);
          // Announced once: later sweeps, and another replica's worker, send nothing more.
          h.fake.reset();
          h.t.clock.advanceSeconds(60);
          await h.drain();
          const other = createRtuWorker(h.t.config, {
            store: h.t.store,
            clock: h.t.clock,
            availability: h.t.services.availability,
            leases: h.t.services.bookings,
            log: createLogger('silent'),
          });
          assert.ok(other.worker !== null);
          await other.worker.drain();
          assert.equal(replacesOf(h.fake).length, 0);
        } finally {
          h.t.clock.set(before);
        }
      });

      test("turning a service's bookings off sends its upcoming days empty (Google clears them); turning them on sends the slots again", async () => {
        await addService(h.t, DEMO_M, 'toggle');
        await putSlots(
          h.t,
          DEMO_M,
          'toggle',
          [ny('2026-01-20 00:00'), ny('2026-01-22 00:00')],
          [{ start: ny('2026-01-20 10:00') }, { start: ny('2026-01-21 10:00') }],
        );
        await h.settle();
        await adminOk(h.t, 'PATCH', `/merchants/${DEMO_M}/services/toggle`, { booking: { enabled: false } });
        await h.drain();
        assert.deepEqual(
          windows().map((w) => [w.serviceId, w.startTimeRestrict, w.availability ?? []]),
          [
            ['toggle', rfc3339(ny('2026-01-20 00:00')), []],
            ['toggle', rfc3339(ny('2026-01-21 00:00')), []],
          ],
        );
        const lookup = await h.t.google('BatchAvailabilityLookup', {
          merchant_id: DEMO_M,
          slot_time: [{ service_id: 'toggle', start_sec: String(ny('2026-01-20 10:00')), duration_sec: '1800' }],
        });
        assert.equal(lookup.json().slot_time_availability[0].available, undefined, 'BatchAvailabilityLookup says unavailable, as the update does');
        h.fake.reset();
        await adminOk(h.t, 'PATCH', `/merchants/${DEMO_M}/services/toggle`, { booking: { enabled: true } });
        await h.drain();
        assert.equal(windows().length, 2);
        for (const w of windows()) await assertMatchesListing(h.t, w);
      });

      test('a party-size limit or confirmation mode change announces the upcoming days; a rename or new opening hours announce nothing', async () => {
        await addService(h.t, DEMO_M, 'sizes');
        await putSlots(h.t, DEMO_M, 'sizes', [ny('2026-01-23 00:00'), ny('2026-01-24 00:00')], [{ start: ny('2026-01-23 10:00') }]);
        await h.settle();
        await adminOk(h.t, 'PATCH', `/merchants/${DEMO_M}/services/sizes`, { name: 'Renamed' });
        await adminOk(h.t, 'PUT', `/merchants/${DEMO_M}/opening-hours`, { opening_hours: [{ day: 1, open: '10:00', close: '14:00' }] });
        await h.drain();
        assert.equal(replacesOf(h.fake).length, 0, 'nothing Google sees changed');
        await adminOk(h.t, 'PATCH', `/merchants/${DEMO_M}/services/sizes`, { booking: { max_party_size: 4 } });
        await h.drain();
        assert.deepEqual(
          windows().map((w) => [w.serviceId, w.startTimeRestrict]),
          [['sizes', rfc3339(ny('2026-01-23 00:00'))]],
        );
        h.fake.reset();
        await adminOk(h.t, 'PATCH', `/merchants/${DEMO_M}/services/sizes`, { booking: { confirmation_mode: 'ASYNCHRONOUS' } });
        await h.drain();
        assert.equal(windows()[0]!.availability![0]!.confirmationMode, 'CONFIRMATION_MODE_ASYNCHRONOUS');
      });

      test("a new time zone announces every bookable service's upcoming days, cut at the new zone's midnights; the same zone again, or a rename, nothing", async () => {
        const ZONED = '3003';
        await addMerchant(h.t, ZONED, BERLIN);
        await addService(h.t, ZONED, 'dinner');
        await addService(h.t, ZONED, 'closed', { enabled: false });
        // 20:00 and 22:00 in New York: the next day in Berlin.
        await putSlots(
          h.t,
          ZONED,
          'dinner',
          [ny('2026-01-27 00:00'), ny('2026-01-29 00:00')],
          [{ start: ny('2026-01-27 20:00') }, { start: ny('2026-01-28 22:00') }],
        );
        await putSlots(h.t, ZONED, 'closed', [ny('2026-01-27 00:00'), ny('2026-01-28 00:00')], [{ start: ny('2026-01-27 20:00') }]);
        await h.settle();
        await adminOk(h.t, 'PATCH', `/merchants/${ZONED}`, { time_zone: 'America/New_York' });
        await h.drain();
        assert.deepEqual(
          windows().map((w) => [w.merchantId, w.serviceId, w.startTimeRestrict, w.endTimeRestrict]),
          [
            [ZONED, 'dinner', rfc3339(ny('2026-01-27 00:00')), rfc3339(ny('2026-01-28 00:00'))],
            [ZONED, 'dinner', rfc3339(ny('2026-01-28 00:00')), rfc3339(ny('2026-01-29 00:00'))],
          ],
          "the bookable service's days in New York; the service without bookings sends nothing",
        );
        for (const w of windows()) await assertMatchesListing(h.t, w);
        h.fake.reset();
        await adminOk(h.t, 'PATCH', `/merchants/${ZONED}`, { time_zone: 'America/New_York', name: 'Renamed' });
        await h.drain();
        assert.equal(replacesOf(h.fake).length, 0, 'the same zone again changes nothing Google sees');
      });
    });

    describe('coalescing', () => {
      test('a burst of 20 changes on one service becomes one replace carrying the latest state', async () => {
        // 12 admin bookings, 4 Google bookings, 3 cancellations and a schedule edit, all before the worker runs.
        const day = (hhmm: string) => ny(`2026-01-12 ${hhmm}`);
        const made: string[] = [];
        for (const hhmm of ['09:00', '09:00', '09:30', '10:00', '10:30', '11:00', '11:30', '12:00', '12:30', '13:00', '13:30', '14:00']) {
          made.push(
            (await admin('POST', `/merchants/${DEMO_M}/bookings`, { service_id: DEMO_S, start_sec: day(hhmm), party_size: 2, given_name: 'Burst' }, 201)).id,
          );
        }
        for (const hhmm of ['14:30', '14:30', '15:00', '15:30']) await book(h.t, { start: day(hhmm) });
        for (const id of made.slice(0, 3)) await merchantAction(id, 'cancel');
        await putSlots(
          h.t,
          DEMO_M,
          DEMO_S,
          [day('16:00'), day('16:31')],
          [
            { start: day('16:00'), spots: 7 },
            { start: day('16:30'), spots: 1 },
          ],
        );
        const pending = (await admin('GET', '/rtu/status')).pending_by_kind;
        assert.equal(pending.availability, 20);

        const handled = await h.drain();
        assert.equal(handled, 1, 'one entity');
        assert.equal(h.fake.calls.length, 1);
        assert.equal(replacesOf(h.fake).length, 1);
        await assertReplaced([[DEMO_M, DEMO_S, ny('2026-01-12 00:00'), ny('2026-01-13 00:00')]]);
        const open = Object.fromEntries(windows()[0]!.availability!.map((a) => [a.startTime, a.spotsOpen]));
        assert.equal(open[rfc3339(day('09:00'))], '2', 'two bookings, both cancelled');
        assert.equal(open[rfc3339(day('09:30'))], '2', 'booked, then cancelled');
        assert.equal(open[rfc3339(day('14:30'))], undefined, 'full: spotsOpen 0, which proto3 JSON leaves out');
        assert.equal(open[rfc3339(day('16:00'))], '7');
        assert.equal((await admin('GET', '/rtu/status')).pending, 0);
      });

      test('several changes to one booking become one PATCH with the union mask and the latest values', async () => {
        const booking = await book(h.t, { start: ny('2026-01-13 09:00'), partySize: 2 });
        await h.settle();
        await merchantAction(booking.booking_id, 'party-size', { party_size: 3 });
        await merchantAction(booking.booking_id, 'reschedule', { start_sec: ny('2026-01-13 10:00') });
        await merchantAction(booking.booking_id, 'party-size', { party_size: 5 });
        await merchantAction(booking.booking_id, 'reschedule', { start_sec: ny('2026-01-13 11:00') });
        await h.drain();
        const { mask, body } = onlyPatch(booking.booking_id);
        assert.equal(mask, 'startTime,partySize');
        assert.deepEqual(body, { ...identity(booking.booking_id), startTime: rfc3339(ny('2026-01-13 11:00')), partySize: '5' });
        assert.equal(replacesOf(h.fake).length, 1, 'the day, once');

        h.fake.reset();
        await merchantAction(booking.booking_id, 'party-size', { party_size: 2 });
        await merchantAction(booking.booking_id, 'cancel');
        await h.drain();
        const last = onlyPatch(booking.booking_id);
        assert.equal(last.mask, 'status,partySize');
        assert.deepEqual(last.body, { ...identity(booking.booking_id), status: 'CANCELED', partySize: '2' });
      });

      test('updates of different entities are not merged: each booking and each service gets its own call', async () => {
        const a = await book(h.t, { start: ny('2026-01-14 09:00') });
        const b = await book(h.t, { serviceId: FLEX_S, start: ny('2026-01-08 11:00') });
        await h.settle();
        await merchantAction(a.booking_id, 'cancel');
        await merchantAction(b.booking_id, 'cancel');
        await h.drain();
        assert.equal(patchesOf(h.fake).length, 2);
        assert.ok(patchesOf(h.fake).every((c) => c.path.startsWith(PATCH_PREFIX)));
        assert.deepEqual(
          replacesOf(h.fake).map((c) => (c.body as { extendedServiceAvailability: WindowEntry[] }).extendedServiceAvailability.map((w) => w.serviceId)),
          [[DEMO_S], [FLEX_S]],
        );
      });
    });
  });
}
