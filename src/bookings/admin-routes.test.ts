// The merchant's booking admin API: list and read bookings, book on a guest's behalf, reschedule,
// change party size, mark no-show, cancel, confirm or decline; scoped tokens. Business refusals
// are 422 with Google's cause as the code. Real app, real SQLite file, the demo merchant 1001.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { seedDemo } from '../demo/seed.js';
import { ADMIN_TOKEN, bearer, type TestApp, DIALECTS, forDialect } from '../test-support/app.js';
import { DEMO_M, DEMO_S, addMerchant, adminBookings, adminOk, book, googleOk, ny, spotsOpen } from '../test-support/bookings.js';

// Every test below runs once on SQLite and once on PostgreSQL (when the suite started one).
for (const dialect of DIALECTS) {
  describe(dialect, () => {
    const startApp = forDialect(dialect);

    const NOW = ny('2026-01-05 12:00');

    let t: TestApp;
    before(async () => {
      t = await startApp();
      await seedDemo(t.services, t.clock);
      await addMerchant(t, '2002');
    });
    after(() => t.close());

    const guest = { given_name: 'Ada', family_name: 'Lovelace', telephone: '+44 20 7946 0000', email: 'ada@example.com' };
    const path = (bookingId = '', action = '') => `/merchants/${DEMO_M}/bookings${bookingId ? `/${bookingId}` : ''}${action ? `/${action}` : ''}`;

    /** POST .../bookings for the demo service; the created booking (201). */
    function adminBook(start: number, extra: Record<string, unknown> = {}) {
      return adminOk(t, 'POST', path(), { service_id: DEMO_S, start_sec: start, party_size: 2, ...guest, ...extra }, 201);
    }

    /** A refused action: 422 whose code is Google's cause. */
    async function refused(method: 'POST', url: string, body: unknown, cause: string) {
      const res = await t.admin(method, url, body);
      assert.equal(res.statusCode, 422, res.body);
      assert.equal(res.json().error.code, cause);
    }

    describe('admin bookings', () => {
      test('book on a guest’s behalf: 201, a spot taken, shown in the list; an Idempotency-Key replays it', async () => {
        const start = ny('2026-01-06 09:00');
        const created = await adminBook(start, { additional_request: 'birthday' });
        assert.equal(created.status, 'CONFIRMED');
        assert.equal(created.source, 'merchant');
        assert.deepEqual(created.guest, { google_user_id: null, ...guest, language_code: null });
        assert.equal(created.additional_request, 'birthday');
        assert.equal(created.start_sec, start);
        assert.equal(created.duration_sec, 1800);
        assert.equal(await spotsOpen(t, DEMO_M, DEMO_S, start), 1);
        assert.deepEqual(await adminOk(t, 'GET', path(created.id)), created);

        const body = { service_id: DEMO_S, start_sec: start, party_size: 4, ...guest };
        const keyed = () =>
          t.app.inject({
            method: 'POST',
            url: `/admin/v1${path()}`,
            payload: body,
            headers: { authorization: bearer(ADMIN_TOKEN), 'idempotency-key': 'front-desk-1' },
          });
        const first = await keyed();
        assert.equal(first.statusCode, 201, first.body);
        const again = await keyed();
        assert.equal(again.statusCode, 200);
        assert.deepEqual(again.json(), first.json());
        assert.equal(await spotsOpen(t, DEMO_M, DEMO_S, start), 0);
        await refused('POST', path(), { service_id: DEMO_S, start_sec: start, party_size: 2, ...guest }, 'SLOT_UNAVAILABLE');
      });

      test('refusals: no such slot, a party the service does not take, an unknown service', async () => {
        await refused('POST', path(), { service_id: DEMO_S, start_sec: ny('2026-01-06 09:10'), party_size: 2, ...guest }, 'SLOT_UNAVAILABLE');
        await refused('POST', path(), { service_id: DEMO_S, start_sec: ny('2026-01-06 09:30'), party_size: 9, ...guest }, 'SLOT_UNAVAILABLE');
        const unknown = await t.admin('POST', path(), { service_id: 'nothing', start_sec: ny('2026-01-06 09:30'), party_size: 2, ...guest });
        assert.equal(unknown.statusCode, 400);
        const malformed = await t.admin('POST', path(), { service_id: DEMO_S, start_sec: 'tomorrow', party_size: 2, ...guest });
        assert.equal(malformed.statusCode, 400);
      });

      test('reschedule: the booking moves, its old spot is freed; a full slot is refused', async () => {
        const from = ny('2026-01-06 10:00');
        const to = ny('2026-01-06 10:30');
        const full = ny('2026-01-06 11:00');
        const booking = await adminBook(from);
        const moved = await adminOk(t, 'POST', path(booking.id, 'reschedule'), { start_sec: to });
        assert.deepEqual({ ...moved, updated_at: 0 }, { ...booking, start_sec: to, updated_at: 0 });
        assert.equal(await spotsOpen(t, DEMO_M, DEMO_S, from), 2);
        assert.equal(await spotsOpen(t, DEMO_M, DEMO_S, to), 1);
        await adminBook(full);
        await adminBook(full);
        await refused('POST', path(booking.id, 'reschedule'), { start_sec: full }, 'SLOT_UNAVAILABLE');
        assert.equal((await adminOk(t, 'GET', path(booking.id))).start_sec, to);
      });

      test('a Google booking rescheduled by the merchant is what Google then reads', async () => {
        const booking = await book(t, { start: ny('2026-01-06 12:00'), userId: 'moved-by-staff' });
        await adminOk(t, 'POST', path(booking.booking_id, 'reschedule'), { start_sec: ny('2026-01-06 12:30') });
        const listed = (await googleOk(t, 'ListBookings', { user_id: 'moved-by-staff' })).bookings;
        assert.deepEqual(listed, [{ ...booking, slot: { ...booking.slot, start_sec: String(ny('2026-01-06 12:30')) } }]);
      });

      test('party size: changed in place; out of range refused', async () => {
        const booking = await adminBook(ny('2026-01-06 13:00'));
        const changed = await adminOk(t, 'POST', path(booking.id, 'party-size'), { party_size: 8 });
        assert.equal(changed.party_size, 8);
        assert.equal(changed.start_sec, booking.start_sec);
        await refused('POST', path(booking.id, 'party-size'), { party_size: 9 }, 'SLOT_UNAVAILABLE');
        const tooMany = await t.admin('POST', path(booking.id, 'party-size'), { party_size: 9 });
        assert.equal(tooMany.json().error.message, "a party of 9 is above this service's largest party size, 8");
        assert.equal(await spotsOpen(t, DEMO_M, DEMO_S, booking.start_sec), 1);
      });

      test('no-show and cancel; cancelling twice is harmless; a no-show cannot be cancelled', async () => {
        const start = ny('2026-01-05 14:00');
        const shows = await adminBook(start);
        const cancels = await adminBook(start);
        t.clock.set((start + 900) * 1000);
        try {
          const noShow = await adminOk(t, 'POST', path(shows.id, 'no-show'));
          assert.equal(noShow.status, 'NO_SHOW');
          await refused('POST', path(shows.id, 'cancel'), {}, 'BOOKING_NOT_CANCELLABLE');
        } finally {
          t.clock.set(NOW * 1000);
        }
        const canceled = await adminOk(t, 'POST', path(cancels.id, 'cancel'));
        assert.equal(canceled.status, 'CANCELED');
        assert.equal(canceled.canceled_by, 'merchant');
        assert.equal(canceled.canceled_at, NOW);
        assert.deepEqual(await adminOk(t, 'POST', path(cancels.id, 'cancel')), canceled);
      });

      test('a cancelled booking cannot be rescheduled or resized: 400 ILLEGAL_TRANSITION, not SLOT_UNAVAILABLE', async () => {
        const booking = await adminBook(ny('2026-01-06 15:00'));
        // An empty body sent as JSON is no body: actions take none.
        const cancel = await t.app.inject({
          method: 'POST',
          url: `/admin/v1${path(booking.id, 'cancel')}`,
          headers: { authorization: bearer(ADMIN_TOKEN), 'content-type': 'application/json' },
        });
        assert.equal(cancel.statusCode, 200, cancel.body);
        assert.equal(cancel.json().status, 'CANCELED');
        for (const [action, body] of [
          ['reschedule', { start_sec: ny('2026-01-06 15:30') }],
          ['party-size', { party_size: 3 }],
        ] as const) {
          const res = await t.admin('POST', path(booking.id, action), body);
          assert.equal(res.statusCode, 400, res.body);
          assert.equal(res.json().error.code, 'ILLEGAL_TRANSITION');
          assert.match(res.json().error.message, /a CANCELED booking cannot be rescheduled/);
        }
        assert.equal((await adminOk(t, 'GET', path(booking.id))).status, 'CANCELED');
        assert.equal(await spotsOpen(t, DEMO_M, DEMO_S, ny('2026-01-06 15:30')), 2, 'no spot taken');
      });

      test('no-show is refused before the booking starts, saying when it starts; allowed from the start on', async () => {
        const start = ny('2026-01-06 16:00');
        const booking = await adminBook(start);
        const early = await t.admin('POST', path(booking.id, 'no-show'));
        assert.equal(early.statusCode, 400, early.body);
        assert.equal(early.json().error.code, 'ILLEGAL_TRANSITION');
        assert.equal(
          early.json().error.message,
          'a booking can be marked no-show only once it has started; this one starts at 2026-01-06T21:00:00.000Z, in 28 h 0 min',
        );
        assert.equal((await adminOk(t, 'GET', path(booking.id))).status, 'CONFIRMED');
        t.clock.set(start * 1000);
        try {
          assert.equal((await adminOk(t, 'POST', path(booking.id, 'no-show'))).status, 'NO_SHOW');
        } finally {
          t.clock.set(NOW * 1000);
        }
      });

      test('confirm and decline only apply to pending bookings: 400 otherwise', async () => {
        const booking = await adminBook(ny('2026-01-06 14:30'));
        assert.equal((await adminOk(t, 'POST', path(booking.id, 'confirm'))).status, 'CONFIRMED', 'already confirmed: unchanged');
        const res = await t.admin('POST', path(booking.id, 'decline'));
        assert.equal(res.statusCode, 400);
        assert.match(res.json().error.message, /decline/);
      });

      test('list filters by status and service; unknown bookings are 404', async () => {
        const start = ny('2026-01-07 09:00');
        const kept = await adminBook(start);
        const dropped = await adminBook(start);
        await adminOk(t, 'POST', path(dropped.id, 'cancel'));
        const window = `from=${start}&to=${start + 1}`;
        assert.deepEqual((await adminBookings(t, DEMO_M, `?${window}`)).map((b) => b.id).sort(), [kept.id, dropped.id].sort());
        assert.deepEqual(
          (await adminBookings(t, DEMO_M, `?${window}&status=canceled`)).map((b) => b.id),
          [dropped.id],
        );
        assert.deepEqual(await adminBookings(t, DEMO_M, `?${window}&service_id=other`), []);
        assert.equal((await t.admin('GET', `${path()}?status=LOST`)).statusCode, 400);
        assert.equal((await t.admin('GET', path('no-such-booking'))).statusCode, 404);
        assert.equal((await t.admin('POST', path('no-such-booking', 'cancel'))).statusCode, 404);
      });

      test("a token scoped to another merchant cannot see or change merchant 1001's bookings", async () => {
        const booking = await adminBook(ny('2026-01-07 10:00'));
        const { token: other } = await adminOk(t, 'POST', '/tokens', { merchant_id: '2002', label: 'other desk' }, 201);
        const { token: own } = await adminOk(t, 'POST', '/tokens', { merchant_id: DEMO_M, label: 'own desk' }, 201);
        assert.equal((await t.admin('GET', path(), undefined, other)).statusCode, 403);
        assert.equal((await t.admin('GET', path(booking.id), undefined, other)).statusCode, 403);
        assert.equal((await t.admin('POST', path(booking.id, 'cancel'), undefined, other)).statusCode, 403);
        // Through its own merchant's path the booking of another merchant does not exist.
        assert.equal((await t.admin('GET', `/merchants/2002/bookings/${booking.id}`, undefined, other)).statusCode, 404);
        assert.equal((await t.admin('POST', `/merchants/2002/bookings/${booking.id}/cancel`, undefined, other)).statusCode, 404);
        assert.deepEqual((await adminOk(t, 'GET', '/merchants/2002/bookings', undefined, 200, other)).bookings, []);
        assert.equal((await adminOk(t, 'GET', path(booking.id), undefined, 200, own)).status, 'CONFIRMED');
      });
    });
  });
}
