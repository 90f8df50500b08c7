// One merchant's real-time updates to Google as its managers see them (GET
// /admin/v1/merchants/{m}/rtu/status): waiting, delivered in the last 24 hours, dead letters and
// the latest unresolved failure, counting only that merchant's updates (bookings and availability).
// Real app and store (SQLite and PostgreSQL), a fake Google, the worker drained by hand.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { nowSeconds } from '../clock.js';
import { DEMO_WAITLIST_MERCHANT, seedDemo } from '../demo/seed.js';
import { DIALECTS, forDialect } from '../test-support/app.js';
import { DEMO_M, adminOk, book, ny } from '../test-support/bookings.js';
import { startRtu, type RtuHarness } from '../test-support/rtu.js';
import { backfillOutboxMerchants } from '../store/migrations/0010-host-stand-status.js';

for (const dialect of DIALECTS) {
  describe(dialect, () => {
    const startApp = forDialect(dialect);
    let h: RtuHarness;
    let merchantToken: string;
    before(async () => {
      h = await startRtu(startApp);
      await seedDemo(h.t.services, h.t.clock);
      await h.settle();
      merchantToken = (await adminOk(h.t, 'POST', '/tokens', { merchant_id: DEMO_M, label: 'manager' }, 201)).token;
    });
    after(() => h.close());

    // The demo merchant's own token (its manager); the bootstrap token for the other merchant.
    const status = (merchant = DEMO_M) =>
      adminOk(h.t, 'GET', `/merchants/${merchant}/rtu/status`, undefined, 200, merchant === DEMO_M ? merchantToken : undefined);
    const now = () => nowSeconds(h.t.clock);

    test("a change waits, a failure shows with its error and next attempt, then delivery counts it; another merchant's view is untouched", async () => {
      const start = await status();
      assert.deepEqual(
        { ...start, delivered_last_24h: 0 },
        {
          merchant_id: DEMO_M,
          pending: 0,
          pending_by_kind: {},
          delivered_last_24h: 0,
          failed: 0,
          oldest_pending_age_sec: null,
          last_failure: null,
        },
      );
      const booking = await book(h.t, { start: ny('2026-01-20 09:00') });
      await h.settle();
      const deliveredBefore = (await status()).delivered_last_24h;

      h.fake.down(500);
      await adminOk(h.t, 'POST', `/merchants/${DEMO_M}/bookings/${booking.booking_id}/cancel`);
      const waiting = await status();
      assert.equal(waiting.pending, 2, 'the booking update and the availability update it frees');
      assert.deepEqual(waiting.pending_by_kind, { availability: 1, booking: 1 });
      assert.equal(waiting.oldest_pending_age_sec, 0);
      assert.equal(waiting.last_failure, null, 'not tried yet');
      assert.equal((await status(DEMO_WAITLIST_MERCHANT)).pending, 0, "another merchant's status counts only its own");

      await h.drain();
      h.t.clock.advanceSeconds(5);
      const retrying = await status();
      assert.equal(retrying.pending, 2);
      assert.equal(retrying.failed, 0);
      assert.equal(retrying.oldest_pending_age_sec, 5);
      assert.equal(retrying.last_failure.status, 'retrying');
      assert.equal(retrying.last_failure.attempts, 1);
      assert.match(retrying.last_failure.error, /500/);
      assert.ok(retrying.last_failure.next_attempt_at > now() - 5, 'a later attempt is due');

      h.fake.up();
      h.t.clock.advanceSeconds(3600);
      await h.drain();
      const delivered = await status();
      assert.equal(delivered.pending, 0);
      assert.equal(delivered.last_failure, null, 'a delivered update is no longer a failure');
      assert.equal(delivered.delivered_last_24h, deliveredBefore + 2);
    });

    test('an update Google refuses is counted as failed, with its error, until replayed', async () => {
      const booking = await book(h.t, { start: ny('2026-01-21 09:00') });
      await h.settle();
      h.fake.rejectWhen((c) => c.path.endsWith(`/bookings/${booking.booking_id}`), 400);
      await adminOk(h.t, 'POST', `/merchants/${DEMO_M}/bookings/${booking.booking_id}/cancel`);
      await h.drain();
      h.fake.clearRejections();
      const s = await status();
      assert.equal(s.failed, 1);
      assert.equal(s.pending, 0);
      assert.equal(s.last_failure.status, 'dead');
      assert.equal(s.last_failure.kind, 'booking');
      assert.equal(s.last_failure.next_attempt_at, null);
      assert.match(s.last_failure.error, /^HTTP 400/);
      assert.equal((await status(DEMO_WAITLIST_MERCHANT)).failed, 0);

      await adminOk(h.t, 'POST', '/rtu/dead-letters/replay', {});
      await h.drain();
      const after = await status();
      assert.equal(after.failed, 0);
      assert.equal(after.last_failure, null);
    });

    test('a merchant token reads only its own merchant; an unknown merchant is 404', async () => {
      assert.equal((await h.t.admin('GET', `/merchants/${DEMO_WAITLIST_MERCHANT}/rtu/status`, undefined, merchantToken)).statusCode, 403);
      assert.equal((await h.t.admin('GET', '/rtu/status', undefined, merchantToken)).statusCode, 403, "every merchant's outbox stays the operator's");
      assert.equal((await h.t.admin('GET', '/merchants/no-such-merchant/rtu/status')).statusCode, 404);
    });
  });
}

// Rows written before migration 0010 carry no merchant: the migration sets it from the payload
// (availability) or the booking (booking updates); a row whose booking is gone stays without one.
for (const dialect of DIALECTS) {
  describe(`${dialect}: migration 0010 backfill`, () => {
    test('every outbox row written before the migration gets its merchant', async () => {
      const t = await forDialect(dialect)();
      try {
        await seedDemo(t.services, t.clock);
        const booking = await book(t, { start: ny('2026-01-22 09:00') });
        await adminOk(t, 'POST', `/merchants/${DEMO_M}/bookings/${booking.booking_id}/cancel`);
        await t.store.db
          .insertInto('outbox')
          .values({
            kind: 'booking',
            entity_key: 'booking:gone',
            payload: JSON.stringify({ bookingId: 'gone', fields: [] }),
            status: 'pending',
            attempts: 0,
            available_at: 0,
            created_at: 0,
          })
          .execute();
        const before = await t.store.db.selectFrom('outbox').select(['id', 'kind', 'merchant_id']).orderBy('id').execute();
        assert.ok(before.some((r) => r.kind === 'booking' && r.merchant_id === DEMO_M) && before.some((r) => r.kind === 'availability'));
        await t.store.db.updateTable('outbox').set({ merchant_id: null }).execute();
        await backfillOutboxMerchants(t.store.db as never);
        const after = await t.store.db.selectFrom('outbox').select(['id', 'kind', 'merchant_id']).orderBy('id').execute();
        assert.deepEqual(after, before);
        assert.equal(after.at(-1)!.merchant_id, null, 'the row whose booking is gone');
      } finally {
        await t.close();
      }
    });
  });
}
