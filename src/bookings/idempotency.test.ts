// CreateBooking idempotency as the spec asks: a token that created a booking returns that booking
// forever, a new token never gets an earlier booking, a failed attempt is re-attempted.
// Real app, real SQLite file, the demo merchant 1001/12310 (two spots per slot).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { seedDemo } from '../demo/seed.js';
import { buildApp } from '../app.js';
import { type TestApp, capturedLogger, DIALECTS, NEW_PAIR, forDialect } from '../test-support/app.js';
import { adminBookings, bookingCause, bookingRequest, failureOf, googleOk, ny, updateBooking } from '../test-support/bookings.js';

// Every test below runs once on SQLite and once on PostgreSQL (when the suite started one).
for (const dialect of DIALECTS) {
  describe(dialect, () => {
    const startApp = forDialect(dialect);

    let t: TestApp;
    before(async () => {
      t = await startApp();
      await seedDemo(t.services, t.clock);
    });
    after(() => t.close());

    async function createRaw(request: unknown) {
      const res = await t.google('CreateBooking', request);
      assert.equal(res.statusCode, 200, res.body);
      return res.body;
    }

    /** Bookings the merchant sees on one slot (any status). */
    const bookingsAt = async (start: number) => adminBookings(t, '1001', `?from=${start}&to=${start + 1}`);

    describe('CreateBooking idempotency', () => {
      test('a retry with the same token returns a byte-identical body, even after the booking was cancelled and the slot passed', async () => {
        const start = ny('2026-01-06 09:00');
        const request = bookingRequest({ start });
        const first = await createRaw(request);
        const bookingId = JSON.parse(first).booking.booking_id;
        assert.equal(await createRaw(request), first);

        // The same request in the other proto3 JSON spellings (camelCase keys, int64 as numbers) is the same request.
        const camel = {
          idempotencyToken: request.idempotency_token,
          slot: { merchantId: '1001', serviceId: '12310', startSec: start, durationSec: 1800, resources: { partySize: 2 } },
          userInformation: {
            userId: request.user_information.user_id,
            givenName: 'Grace',
            familyName: 'Hopper',
            telephone: request.user_information.telephone,
            email: request.user_information.email,
          },
          paymentInformation: { prepaymentStatus: 'PREPAYMENT_NOT_PROVIDED' },
        };
        assert.equal(await createRaw(camel), first);

        await updateBooking(t, { booking_id: bookingId, status: 'CANCELED' });
        assert.equal(await createRaw(request), first, 'after the cancel');
        t.clock.set(ny('2026-01-07 12:00') * 1000);
        try {
          assert.equal(await createRaw(request), first, 'after the slot has passed');
        } finally {
          t.clock.set(ny('2026-01-05 12:00') * 1000);
        }
        assert.equal((await bookingsAt(start)).length, 1, 'one booking, however many retries');
      });

      test('a new token never gets an earlier booking', async () => {
        const start = ny('2026-01-06 10:00');
        const first = await googleOk(t, 'CreateBooking', bookingRequest({ start, userId: 'same-user' }));
        // Same user and slot under a new token: a duplicate (business failure), not the earlier booking.
        assert.equal(await bookingCause(t, { start, userId: 'same-user' }), 'OVERLAPPING_RESERVATION');
        // Another user and a new token: a booking of its own.
        const other = await googleOk(t, 'CreateBooking', bookingRequest({ start, userId: 'other-user' }));
        assert.notEqual(other.booking.booking_id, first.booking.booking_id);
        assert.equal((await bookingsAt(start)).length, 2);
      });

      test('the same token with a different request gets the booking that token made (Google), byte-identical, and no second booking', async () => {
        const start = ny('2026-01-06 11:00');
        const request = bookingRequest({ start, token: 'reused-token' });
        const first = await createRaw(request);
        for (const changed of [
          { ...request, slot: { ...request.slot, start_sec: String(ny('2026-01-06 11:30')) } },
          { ...request, user_information: { ...request.user_information, given_name: 'Ada' } },
          { ...request, additional_request: 'window seat' },
        ]) {
          assert.equal(await createRaw(changed), first);
        }
        assert.equal((await bookingsAt(ny('2026-01-06 11:30'))).length, 0);
        assert.equal((await bookingsAt(start)).length, 1);
      });

      test('a reused token with a different body logs a warning with the booking id and none of the request', async () => {
        const { logger, lines } = capturedLogger('warn');
        const logged = await buildApp(t.config, { store: t.store, clock: t.clock, services: t.services, logger });
        try {
          const request = bookingRequest({ start: ny('2026-01-06 11:30'), token: 'logged-token' });
          const post = (body: unknown) =>
            logged.inject({
              method: 'POST',
              url: `${t.config.pathPrefix}/v3/CreateBooking`,
              headers: {
                authorization: `Basic ${Buffer.from(`${NEW_PAIR.user}:${NEW_PAIR.password}`).toString('base64')}`,
                'content-type': 'application/json',
              },
              payload: JSON.stringify(body),
            });
          const first = await post(request);
          assert.equal(lines.length, 0, 'an ordinary booking logs no warning');
          const again = await post({
            ...request,
            additional_request: 'allergic to peanuts',
            user_information: { ...request.user_information, given_name: 'Ada' },
          });
          assert.equal(again.body, first.body);
          await new Promise((resolve) => setImmediate(resolve));
          const warnings = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.level === 40);
          assert.equal(warnings.length, 1, lines.join('\n'));
          assert.equal(warnings[0]!.bookingId, JSON.parse(first.body).booking.booking_id);
          assert.match(String(warnings[0]!.msg), /idempotency token was reused with a different request/);
          for (const secret of ['peanuts', 'Ada', 'Grace', 'Hopper', request.user_information.email, request.user_information.telephone]) {
            assert.ok(!lines.join('\n').includes(secret), `the log carries no personal data (${secret})`);
          }
        } finally {
          await logged.close();
        }
      });

      test('a failed attempt (slot full) is re-attempted on retry and succeeds once a spot is free', async () => {
        const start = ny('2026-01-06 12:00');
        const a = await googleOk(t, 'CreateBooking', bookingRequest({ start }));
        await googleOk(t, 'CreateBooking', bookingRequest({ start }));
        const request = bookingRequest({ start, token: 'retry-after-full' });
        assert.equal(failureOf(await googleOk(t, 'CreateBooking', request)).cause, 'SLOT_UNAVAILABLE');
        assert.equal(failureOf(await googleOk(t, 'CreateBooking', request)).cause, 'SLOT_UNAVAILABLE', 'still full');
        await updateBooking(t, { booking_id: a.booking.booking_id, status: 'CANCELED' });
        const succeeded = await createRaw(request);
        assert.equal(JSON.parse(succeeded).booking.status, 'CONFIRMED');
        assert.equal(await createRaw(request), succeeded, 'the success is now what the token returns');
      });

      test('50 concurrent identical requests: one booking, 50 identical bodies', async () => {
        const start = ny('2026-01-06 13:00');
        const request = bookingRequest({ start, token: 'burst-token' });
        const responses = await Promise.all(Array.from({ length: 50 }, () => t.google('CreateBooking', request)));
        assert.deepEqual(new Set(responses.map((r) => r.statusCode)), new Set([200]));
        const bodies = new Set(responses.map((r) => r.body));
        assert.equal(bodies.size, 1, [...bodies].join('\n'));
        assert.equal(JSON.parse([...bodies][0]!).booking.status, 'CONFIRMED');
        const booked = await bookingsAt(start);
        assert.equal(booked.length, 1);
        assert.equal(booked[0]!.id, JSON.parse([...bodies][0]!).booking.booking_id);
      });
    });
  });
}
