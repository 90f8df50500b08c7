// Leases (CreateLease, src/bookings/leases.ts): a lease holds its spot until it expires or a booking
// uses it; CreateLease is idempotent on user_reference; expiry is capped at the service maximum.
// Real app; the demo merchant 1001/12310 (two spots a slot); "now" is Monday 2026-01-05 12:00 New York.
// Leases among concurrent bookers: overbooking.test.ts; the sweep of expired leases: rtu/triggers.test.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { seedDemo } from '../demo/seed.js';
import { type TestApp, DIALECTS, forDialect } from '../test-support/app.js';
import {
  DEMO_M,
  DEMO_S,
  book,
  bookingCause,
  bookingRequest,
  createLease,
  failureOf,
  holdingBookings,
  isAvailable,
  ny,
  spotsOpen,
  wireSlot,
} from '../test-support/bookings.js';

// Every test below runs once on SQLite and once on PostgreSQL (when the suite started one).
for (const dialect of DIALECTS) {
  describe(dialect, () => {
    const startApp = forDialect(dialect);

    const NOW = ny('2026-01-05 12:00');

    let t: TestApp;
    before(async () => {
      t = await startApp();
      await seedDemo(t.services, t.clock);
    });
    after(() => t.close());

    describe('leases', () => {
      test('a lease holds its spot against other bookers until it expires', async () => {
        const start = ny('2026-01-07 09:00');
        const held = await createLease(t, start, 'lease-holds');
        assert.deepEqual(Object.keys(held), ['lease']);
        assert.equal(held.lease.user_reference, 'lease-holds');
        assert.deepEqual(held.lease.slot, wireSlot({ start }));
        assert.equal(held.lease.lease_expiration_time_sec, String(NOW + 600), 'the service default: 10 minutes');
        await book(t, { start });
        assert.equal(await isAvailable(t, start), false);
        assert.equal(await bookingCause(t, { start }), 'SLOT_UNAVAILABLE');
        assert.equal(failureOf(await createLease(t, start, 'lease-too-late')).cause, 'SLOT_UNAVAILABLE');

        t.clock.set((NOW + 600) * 1000);
        try {
          assert.equal(await isAvailable(t, start), true, 'the lease has expired');
          assert.equal((await book(t, { start })).status, 'CONFIRMED');
          assert.equal(await bookingCause(t, { start, extra: { lease_ref: { lease_id: held.lease.lease_id } } }), 'LEASE_EXPIRED');
        } finally {
          t.clock.set(NOW * 1000);
        }
      });

      test('CreateBooking with lease_ref consumes the lease, using its spot even when the slot is otherwise full', async () => {
        const start = ny('2026-01-07 09:30');
        const held = await createLease(t, start, 'lease-consumed', NOW + 120);
        assert.equal(held.lease.lease_expiration_time_sec, String(NOW + 120), 'a shorter expiry than the longest is kept');
        await book(t, { start });
        assert.equal(await bookingCause(t, { start }), 'SLOT_UNAVAILABLE');
        const booking = await book(t, { start, extra: { lease_ref: { lease_id: held.lease.lease_id } } });
        assert.equal(booking.status, 'CONFIRMED');
        assert.equal((await holdingBookings(t, start)).length, 2);
        assert.equal((await holdingBookings(t, start)).find((b) => b.id === booking.booking_id)?.lease_id, held.lease.lease_id);
        // Consumed: it cannot be used twice, and its expiry no longer frees anything.
        assert.equal(await bookingCause(t, { start, extra: { lease_ref: { lease_id: held.lease.lease_id } } }), 'LEASE_EXPIRED');
        t.clock.set((NOW + 3600) * 1000);
        try {
          assert.equal(await spotsOpen(t, DEMO_M, DEMO_S, start), 0);
        } finally {
          t.clock.set(NOW * 1000);
        }
      });

      test('CreateLease is idempotent on user_reference and holds one spot however often it is retried', async () => {
        const start = ny('2026-01-07 10:00');
        const first = await t.google('CreateLease', { lease: { slot: wireSlot({ start }), user_reference: 'lease-retried' } });
        const again = await t.google('CreateLease', { lease: { slot: wireSlot({ start }), user_reference: 'lease-retried' } });
        assert.equal(again.body, first.body);
        assert.equal(await spotsOpen(t, DEMO_M, DEMO_S, start), 1);
      });

      test('lease expiry is capped at the service maximum', async () => {
        const held = await createLease(t, ny('2026-01-07 10:30'), 'lease-long', NOW + 86_400);
        assert.equal(held.lease.lease_expiration_time_sec, String(NOW + 600));
      });

      test('an unknown lease, or a slot that does not match the lease: 400', async () => {
        const start = ny('2026-01-07 11:00');
        const unknown = await t.google('CreateBooking', bookingRequest({ start, extra: { lease_ref: { lease_id: 'no-such-lease' } } }));
        assert.equal(unknown.statusCode, 400);
        assert.match(unknown.json().error.message, /no-such-lease/);
        const held = await createLease(t, start, 'lease-mismatch');
        const mismatch = await t.google(
          'CreateBooking',
          bookingRequest({ start: ny('2026-01-07 11:30'), extra: { lease_ref: { lease_id: held.lease.lease_id } } }),
        );
        assert.equal(mismatch.statusCode, 400);
        assert.match(mismatch.json().error.message, /lease/);
      });
    });
  });
}
