// Never overbook: concurrent bookers (leases among them), and cancellations that free spots (the
// leases themselves: leases.test.ts). Real app; the demo merchant 1001/12310 (two spots a slot).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { seedDemo } from '../demo/seed.js';
import { type TestApp, DIALECTS, forDialect } from '../test-support/app.js';
import {
  DEMO_M,
  DEMO_S,
  adminBookings,
  book,
  bookingCause,
  bookingRequest,
  failureOf,
  googleOk,
  holdingBookings,
  isAvailable,
  ny,
  spotsOpen,
  updateBooking,
  wireSlot,
} from '../test-support/bookings.js';

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

    const holding = (start: number) => holdingBookings(t, start);

    /** Tallies the outcomes of CreateBooking responses: status or failure cause. */
    function tally(bodies: { booking?: { status: string }; booking_failure?: { cause: string } }[]): Record<string, number> {
      const out: Record<string, number> = {};
      for (const b of bodies) {
        const key = b.booking?.status ?? b.booking_failure?.cause ?? 'neither';
        out[key] = (out[key] ?? 0) + 1;
      }
      return out;
    }

    describe('concurrent bookers', () => {
      test('retried tokens queued among losers for a full slot get their original bookings', async () => {
        const start = ny('2026-01-06 16:30');
        const keep = [bookingRequest({ start }), bookingRequest({ start })];
        const originals = await Promise.all(keep.map((request) => googleOk(t, 'CreateBooking', request)));
        assert.deepEqual(
          originals.map((b) => b.booking.status),
          ['CONFIRMED', 'CONFIRMED'],
        );
        // The retries queue behind losers, so at least one loser has read the slot as full first.
        const losers = Array.from({ length: 40 }, () => bookingRequest({ start }));
        const responses = await Promise.all([...losers, ...keep].map((request) => t.google('CreateBooking', request)));
        const bodies = responses.map((r) => r.json());
        assert.deepEqual(tally(bodies.slice(0, 40)), { SLOT_UNAVAILABLE: 40 });
        assert.deepEqual(bodies.slice(40), originals);
        assert.equal((await holding(start)).length, 2);
      });

      test('200 concurrent CreateBooking for a slot with 2 spots: exactly 2 CONFIRMED, 198 SLOT_UNAVAILABLE', async () => {
        const start = ny('2026-01-06 09:00');
        const responses = await Promise.all(Array.from({ length: 200 }, () => t.google('CreateBooking', bookingRequest({ start }))));
        assert.deepEqual(new Set(responses.map((r) => r.statusCode)), new Set([200]));
        assert.deepEqual(tally(responses.map((r) => r.json())), { CONFIRMED: 2, SLOT_UNAVAILABLE: 198 });
        const listed = await adminBookings(t, DEMO_M, `?from=${start}&to=${start + 1}`);
        assert.equal(listed.length, 2);
        assert.equal(await spotsOpen(t, DEMO_M, DEMO_S, start), 0);
        assert.equal(await isAvailable(t, start), false);
      });

      test('cancelling frees the spot and a new booking takes it', async () => {
        const start = ny('2026-01-06 09:30');
        const first = await book(t, { start });
        await book(t, { start });
        assert.equal(await bookingCause(t, { start }), 'SLOT_UNAVAILABLE');
        await updateBooking(t, { booking_id: first.booking_id, status: 'CANCELED' });
        assert.equal(await spotsOpen(t, DEMO_M, DEMO_S, start), 1);
        assert.equal((await book(t, { start })).status, 'CONFIRMED');
        assert.equal((await holding(start)).length, 2);
        assert.equal(await bookingCause(t, { start }), 'SLOT_UNAVAILABLE');
      });

      test('concurrent leases and bookings share the same two spots', async () => {
        const start = ny('2026-01-06 10:00');
        const calls = Array.from({ length: 40 }, (_, i) =>
          i % 2 === 0
            ? t.google('CreateBooking', bookingRequest({ start }))
            : t.google('CreateLease', { lease: { slot: wireSlot({ start }), user_reference: `mixed-${i}` } }),
        );
        const bodies = (await Promise.all(calls)).map((r) => {
          assert.equal(r.statusCode, 200, r.body);
          return r.json();
        });
        const winners = bodies.filter((b) => b.booking !== undefined || b.lease !== undefined);
        assert.equal(winners.length, 2);
        for (const b of bodies) if (b.booking_failure) assert.equal(b.booking_failure.cause, 'SLOT_UNAVAILABLE');
        assert.equal(await spotsOpen(t, DEMO_M, DEMO_S, start), 0);
      });

      test('concurrent reschedules into one slot: only as many as it has spots move; the rest keep their booking', async () => {
        const target = ny('2026-01-06 10:30');
        const sources = ['11:00', '11:30', '12:00', '12:30', '13:00', '13:30'].map((h) => ny(`2026-01-06 ${h}`));
        const booked = await Promise.all(sources.map((start) => book(t, { start })));
        const results = await Promise.all(
          booked.map((b) => updateBooking(t, { booking_id: b.booking_id, slot: { start_sec: String(target), duration_sec: '1800' } })),
        );
        const moved = results.filter((r) => r.booking !== undefined);
        assert.equal(moved.length, 2);
        for (const r of results) if (r.booking_failure) assert.equal(failureOf(r).cause, 'SLOT_UNAVAILABLE');
        assert.equal((await holding(target)).length, 2);
        const stayed = booked.filter((b) => !moved.some((m) => m.booking.booking_id === b.booking_id));
        for (const b of stayed) assert.equal((await holding(Number(b.slot.start_sec))).length, 1, 'still on its old slot');
      });
    });
  });
}
