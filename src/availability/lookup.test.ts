// BatchAvailabilityLookup and CheckAvailability as Google calls them: real app, real SQLite file,
// live inventory. "Now" is Monday 2026-01-05 12:00 New York; the demo merchant 1001 has 30-minute
// slots 09:00-16:30 with two spots each; a second service 12311 gets a few slots of its own.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { seedDemo } from '../demo/seed.js';
import { type TestApp, DIALECTS, forDialect } from '../test-support/app.js';
import { DEMO_M, DEMO_S, addService, book, createLease, googleOk, ny, putSlots, updateBooking } from '../test-support/bookings.js';

// Every test below runs once on SQLite and once on PostgreSQL (when the suite started one).
for (const dialect of DIALECTS) {
  describe(dialect, () => {
    const startApp = forDialect(dialect);

    const OTHER_S = '12311';

    let t: TestApp;
    before(async () => {
      t = await startApp();
      await seedDemo(t.services, t.clock);
      await addService(t, DEMO_M, OTHER_S, { max_party_size: 4 });
      await putSlots(
        t,
        DEMO_M,
        OTHER_S,
        [ny('2026-01-06 00:00'), ny('2026-01-07 00:00')],
        [
          { start: ny('2026-01-06 10:00'), duration: 3600, spots: 1, tag: 'window-seat' },
          { start: ny('2026-01-06 11:00'), duration: 3600, spots: 1 },
        ],
      );
    });
    after(() => t.close());

    /** A SlotTime as Google sends it (int64 as strings). */
    const slotTime = (serviceId: string, local: string, extra: Record<string, unknown> = {}) => ({
      service_id: serviceId,
      start_sec: String(ny(local)),
      duration_sec: '1800',
      resource_ids: { party_size: 2 },
      ...extra,
    });

    async function lookup(slotTimes: unknown[], merchantId = DEMO_M) {
      return googleOk(t, 'BatchAvailabilityLookup', { merchant_id: merchantId, slot_time: slotTimes });
    }

    /** `available` of each answer, after checking that the answers echo the request one by one. */
    async function available(slotTimes: Record<string, unknown>[]): Promise<boolean[]> {
      const body = await lookup(slotTimes);
      assert.deepEqual(Object.keys(body), ['slot_time_availability']);
      assert.deepEqual(
        body.slot_time_availability.map((a: { slot_time: unknown }) => a.slot_time),
        slotTimes,
      );
      return body.slot_time_availability.map((a: { available?: boolean }) => a.available ?? false);
    }

    describe('BatchAvailabilityLookup', () => {
      test('echoes every slot time exactly, in order, across two services, with live answers', async () => {
        const requested = [
          slotTime(DEMO_S, '2026-01-06 09:00'),
          slotTime(OTHER_S, '2026-01-06 10:00', { duration_sec: '3600', availability_tag: 'window-seat', confirmation_mode: 'CONFIRMATION_MODE_SYNCHRONOUS' }),
          slotTime(DEMO_S, '2026-01-06 09:15'), // no slot starts then
          slotTime(DEMO_S, '2026-01-05 09:00'), // this morning: past
          slotTime('no-such-service', '2026-01-06 09:00'),
          slotTime(DEMO_S, '2026-01-06 09:00', { resource_ids: { party_size: 9 } }), // the demo takes 1-8
          slotTime(OTHER_S, '2026-01-06 11:00', { duration_sec: '3600', resource_ids: { staff_id: 'anyone' } }), // no such staff
          slotTime(DEMO_S, '2026-01-06 09:00'), // the same slot time twice gets two answers
          { service_id: OTHER_S, start_sec: String(ny('2026-01-06 11:00')) }, // no duration or resources: any
        ];
        assert.deepEqual(await available(requested), [true, true, false, false, false, false, false, true, true]);
      });

      test('int64 fields sent as JSON numbers are echoed as strings, camelCase keys as snake_case', async () => {
        const start = ny('2026-01-06 10:00');
        const body = await lookup([{ serviceId: OTHER_S, startSec: start, durationSec: 3600, resourceIds: { partySize: 2 } }]);
        assert.deepEqual(body, {
          slot_time_availability: [
            { slot_time: { service_id: OTHER_S, start_sec: String(start), duration_sec: '3600', resource_ids: { party_size: 2 } }, available: true },
          ],
        });
      });

      test('a booking that takes the last spot makes the slot unavailable; cancelling it makes it available again', async () => {
        const at = '2026-01-07 13:00';
        const query = [slotTime(DEMO_S, at)];
        await book(t, { start: ny(at) });
        assert.deepEqual(await available(query), [true], 'one of two spots left');
        const last = await book(t, { start: ny(at) });
        assert.deepEqual(await available(query), [false]);
        const canceled = await updateBooking(t, { booking_id: last.booking_id, status: 'CANCELED' });
        assert.equal(canceled.booking.status, 'CANCELED');
        assert.deepEqual(await available(query), [true]);
      });

      test('a slot becomes unavailable once it starts', async () => {
        const query = [slotTime(DEMO_S, '2026-01-05 16:30')];
        assert.deepEqual(await available(query), [true]);
        t.clock.set(ny('2026-01-05 16:30') * 1000);
        try {
          assert.deepEqual(await available(query), [false]);
        } finally {
          t.clock.set(ny('2026-01-05 12:00') * 1000);
        }
      });

      test('no slot times: an empty answer, not an error', async () => {
        assert.deepEqual(await lookup([]), {});
      });

      test('an unknown merchant is 400 with a message', async () => {
        const res = await t.google('BatchAvailabilityLookup', { merchant_id: 'nobody', slot_time: [slotTime(DEMO_S, '2026-01-06 09:00')] });
        assert.equal(res.statusCode, 400);
        assert.match(res.json().error.message, /nobody/);
      });

      test('no merchant_id, or a malformed start_sec, is 400 with a message', async () => {
        const missing = await t.google('BatchAvailabilityLookup', { slot_time: [slotTime(DEMO_S, '2026-01-06 09:00')] });
        assert.equal(missing.statusCode, 400);
        assert.match(missing.json().error.message, /merchant_id/);
        const malformed = await t.google('BatchAvailabilityLookup', { merchant_id: DEMO_M, slot_time: [{ service_id: DEMO_S, start_sec: 'soon' }] });
        assert.equal(malformed.statusCode, 400);
        assert.match(malformed.json().error.message, /start_sec|startSec|int64/i);
      });

      test('a start_sec that is not an integer (an ISO date, a fraction) says so; too large or negative says that', async () => {
        const message = async (start: unknown) =>
          (await t.google('BatchAvailabilityLookup', { merchant_id: DEMO_M, slot_time: [{ service_id: DEMO_S, start_sec: start }] })).json().error.message;
        assert.equal(
          await message('2026-12-01T14:00:00Z'),
          'malformed BatchAvailabilityLookupRequest: SlotTime.start_sec must be an integer (int64: a JSON number or a string of digits), got "2026-12-01T14:00:00Z"',
        );
        assert.match(await message(1.5), /SlotTime\.start_sec must be an integer .*, got "1\.5"$/);
        assert.equal(
          await message('99999999999999999999999'),
          'malformed BatchAvailabilityLookupRequest: SlotTime.start_sec 99999999999999999999999 is out of range for int64',
        );
        assert.equal(await message('-5'), 'start_sec -5 must not be negative');
        assert.equal(await message('9007199254740992'), 'start_sec 9007199254740992 is too large (at most 9007199254740991)');
      });
    });

    describe('CheckAvailability', () => {
      const slot = (local: string, extra: Record<string, unknown> = {}) => ({
        merchant_id: DEMO_M,
        service_id: DEMO_S,
        start_sec: String(ny(local)),
        duration_sec: '1800',
        resources: { party_size: 2 },
        ...extra,
      });
      /** count_available, after checking the slot is echoed; proto3 JSON leaves out a count of 0. */
      async function count(s: Record<string, unknown>): Promise<number> {
        const body = await googleOk(t, 'CheckAvailability', { slot: s });
        assert.deepEqual(body.slot, s);
        return body.count_available ?? 0;
      }

      test('count_available counts the open spots of the slot, live', async () => {
        const at = '2026-01-08 11:00';
        assert.equal(await count(slot(at)), 2);
        await book(t, { start: ny(at) });
        assert.equal(await count(slot(at)), 1);
        await book(t, { start: ny(at) });
        assert.equal(await count(slot(at)), 0);
      });

      test('a live lease holds a spot, a booking another: both counted; an expired lease no longer', async () => {
        const at = '2026-01-08 12:00';
        assert.equal(await count(slot(at)), 2);
        await createLease(t, ny(at), 'lookup-lease');
        assert.equal(await count(slot(at)), 1);
        await book(t, { start: ny(at) });
        assert.equal(await count(slot(at)), 0);
        const now = t.clock.nowMs();
        t.clock.advanceSeconds(3600);
        try {
          assert.equal(await count(slot(at)), 1, 'the lease expired an hour ago; the booking holds its spot');
        } finally {
          t.clock.set(now);
        }
      });

      test('no such slot, a past slot or a party size the service does not take: 0', async () => {
        assert.equal(await count(slot('2026-01-08 11:10')), 0);
        assert.equal(await count(slot('2026-01-05 09:00')), 0);
        assert.equal(await count(slot('2026-01-08 11:30', { resources: { party_size: 12 } })), 0);
      });

      test('an unknown merchant or no slot: 400', async () => {
        assert.equal((await t.google('CheckAvailability', { slot: slot('2026-01-08 11:00', { merchant_id: 'nobody' }) })).statusCode, 400);
        const res = await t.google('CheckAvailability', {});
        assert.equal(res.statusCode, 400);
        assert.match(res.json().error.message, /slot/);
      });
    });
  });
}
