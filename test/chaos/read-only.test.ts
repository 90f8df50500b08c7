// Fault suite: the database turns read-only under a running server. Every write (Google's and the
// merchant's) must fail with a clear 503 and Retry-After, every read must keep working, nothing may
// be half-written, and writes must work again, without a restart, once the database takes them.
//   SQLite: `PRAGMA query_only` on the server's connection, which refuses writes with
//   SQLITE_READONLY exactly as a read-only database file does. (As root, file permissions do not
//   stop writes, and a mounted filesystem cannot be remounted read-only while files on it are
//   open for writing, so the file itself cannot be made read-only under the running server here.)
//   PostgreSQL: `default_transaction_read_only` on the database, and every connection dropped, as
//   when the server is reached on a standby after a failover (SQLSTATE 25006).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { seedDemo } from '../../src/demo/seed.js';
import { DIALECTS, NEW_PAIR, basic, forDialect, type TestApp } from '../../src/test-support/app.js';
import { DEMO_M, bookingRequest, ny } from '../../src/test-support/bookings.js';
import { admin, terminateConnections } from '../../src/test-support/postgres.js';

async function setReadOnly(t: TestApp, readOnly: boolean): Promise<void> {
  if (t.store.dialect === 'sqlite') {
    await sql.raw(`pragma query_only = ${readOnly ? 'on' : 'off'}`).execute(t.store.db);
    return;
  }
  assert.ok(t.config.database.kind === 'postgres');
  const name = new URL(t.config.database.url).pathname.slice(1);
  assert.match(name, /^t_[0-9a-f]+$/);
  await admin((c) => c.query(`alter database ${name} set default_transaction_read_only = ${readOnly ? 'on' : 'off'}`));
  // Connections keep the setting they started with: end them all, as a failover does.
  await terminateConnections(t.config.database.url);
  // Let the pool notice its dead connections (each fails once and is replaced) before the checks.
  for (let ok = 0, tries = 0; ok < 12 && tries < 100; tries++) {
    ok = await sql`select 1`.execute(t.store.db).then(
      () => ok + 1,
      () => 0,
    );
  }
}

for (const dialect of DIALECTS) {
  describe(`a read-only database (${dialect})`, () => {
    const startApp = forDialect(dialect);
    let t: TestApp;
    before(async () => {
      t = await startApp();
      await seedDemo(t.services, t.clock);
    });
    after(() => t.close());

    const start = ny('2026-01-06 10:00');
    const joinRequest = (n: number) => ({
      merchant_id: 'dining-1',
      service_id: 'reservation',
      party_size: 2,
      idempotency_token: `read-only-join-${n}`,
      user_information: { user_id: `read-only-user-${n}`, given_name: 'Ada', family_name: 'Lovelace', telephone: '+12125550123' },
    });

    /** Status and body; during the outage the first request may also meet a dropped connection (503 as well). */
    const call = async (method: string, body: unknown) => {
      const res = await t.google(method, body);
      return { status: res.statusCode, body: res.json(), headers: res.headers };
    };

    it('refuses every write with 503 while reads work, and takes writes again when the database does', { timeout: 60_000 }, async () => {
      const joined = await call('CreateWaitlistEntry', joinRequest(1));
      assert.equal(joined.status, 200, JSON.stringify(joined.body));
      const entryId = joined.body.waitlist_entry_id as string;
      const booked = await call('CreateBooking', bookingRequest({ start, token: 'read-only-booking-1' }));
      assert.equal(booked.status, 200, JSON.stringify(booked.body));
      const bookingId = booked.body.booking.booking_id as string;

      await setReadOnly(t, true);
      try {
        const laterBooking = bookingRequest({ start, token: 'read-only-booking-2' });
        const writes: [string, () => Promise<{ status: number; body: { error?: { code: string; message: string } }; headers: Record<string, unknown> }>][] = [
          ['CreateWaitlistEntry', () => call('CreateWaitlistEntry', joinRequest(2))],
          ['CreateBooking', () => call('CreateBooking', laterBooking)],
          ['UpdateBooking (cancel)', () => call('UpdateBooking', { booking: { booking_id: bookingId, status: 'CANCELED' } })],
          ['DeleteWaitlistEntry', () => call('DeleteWaitlistEntry', { waitlist_entry_id: entryId })],
          [
            'admin: notify a party',
            async () => {
              const res = await t.admin('POST', `/merchants/dining-1/waitlist-entries/${entryId}/notify`, {});
              return { status: res.statusCode, body: res.json(), headers: res.headers };
            },
          ],
        ];
        for (const [name, write] of writes) {
          const res = await write();
          assert.equal(res.status, 503, `${name}: ${JSON.stringify(res.body)}`);
          assert.equal(res.body.error?.code, 'UNAVAILABLE', name);
          assert.ok(res.body.error?.message, name);
          assert.ok(res.headers['retry-after'], `${name}: Retry-After`);
        }

        const reads: [string, unknown][] = [
          ['GetWaitlistEntry', { waitlist_entry_id: entryId }],
          ['BatchGetWaitEstimates', { merchant_id: 'dining-1', service_id: 'reservation', party_size: [2] }],
          ['GetBookingStatus', { booking_id: bookingId }],
          ['ListBookings', { user_id: booked.body.booking.user_information.user_id }],
          ['BatchAvailabilityLookup', { merchant_id: DEMO_M, slot_time: [{ service_id: '12310', start_sec: String(start), duration_sec: '1800' }] }],
        ];
        for (const [method, body] of reads) {
          const res = await call(method, body);
          assert.equal(res.status, 200, `${method}: ${JSON.stringify(res.body)}`);
        }
        const health = await t.app.inject({ method: 'GET', url: '/v3/HealthCheck', headers: { authorization: basic(NEW_PAIR.user, NEW_PAIR.password) } });
        assert.equal(health.statusCode, 200, health.body);
        const entry = await call('GetWaitlistEntry', { waitlist_entry_id: entryId });
        assert.equal(entry.body.waitlist_entry.waitlist_entry_state, 'WAITING', 'nothing changed while read-only');
        const status = await call('GetBookingStatus', { booking_id: bookingId });
        assert.equal(status.body.booking_status, 'CONFIRMED', 'the refused cancel changed nothing');
      } finally {
        await setReadOnly(t, false);
      }

      // Writable again: the refused requests, retried with the same tokens, now succeed.
      const retriedJoin = await call('CreateWaitlistEntry', joinRequest(2));
      assert.equal(retriedJoin.status, 200, JSON.stringify(retriedJoin.body));
      const retriedBooking = await call('CreateBooking', bookingRequest({ start, token: 'read-only-booking-2' }));
      assert.equal(retriedBooking.status, 200, JSON.stringify(retriedBooking.body));
      assert.equal(retriedBooking.body.booking.status, 'CONFIRMED');
      const cancelled = await call('UpdateBooking', { booking: { booking_id: bookingId, status: 'CANCELED' } });
      assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
      assert.equal(cancelled.body.booking.status, 'CANCELED');
    });
  });
}
