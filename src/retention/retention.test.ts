// Retention: past RETENTION_DAYS, guests' names, phones, emails, Google ids and requests are gone
// from waitlist entries, bookings and the idempotency ledger, while counts, states and times stay
// (the history the wait estimates learn from); newer data is untouched; a second run changes
// nothing; one replica runs the day's run; the log holds counts, never the data removed.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { retentionTargets } from '../app.js';
import { seedDemo } from '../demo/seed.js';
import { createLogger } from '../logger.js';
import { DIALECTS, forDialect, type TestApp } from '../test-support/app.js';
import { book, DAY, ny } from '../test-support/bookings.js';
import { MIN_RETENTION_DAYS, Retention } from './retention.js';

const OLD_GUEST = { given_name: 'Ada', family_name: 'Lovelace', telephone: '+1 212-555-0142', email: 'ada.lovelace@example.com' };
const OLD_SECRETS = [
  'Ada',
  'Lovelace',
  '555-0142',
  '5550142',
  'ada.lovelace@example.com',
  'ada.lovelace+',
  'ADA.LOVELACE',
  'Grace',
  'Hopper',
  '+12125550123',
  'Ada-user-',
  'window seat please',
];

function logSink(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write: (chunk, _encoding, done) => {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, stream };
}

/** Every row of the tables that hold guests' data, as text. */
async function dump(t: TestApp): Promise<string> {
  const [entries, bookings, ledger] = await Promise.all([
    t.store.db.selectFrom('waitlist_entries').selectAll().execute(),
    t.store.db.selectFrom('bookings').selectAll().execute(),
    t.store.db.selectFrom('idempotency_records').selectAll().execute(),
  ]);
  return JSON.stringify({ entries, bookings, ledger });
}

for (const dialect of DIALECTS) {
  describe(dialect, () => {
    const startApp = forDialect(dialect);

    test('anonymises entries and bookings past the retention period in place, keeps aggregates, is idempotent', async () => {
      const t = await startApp();
      try {
        await seedDemo(t.services, t.clock);
        // Old data: three waitlist entries (one seated, one canceled, one left waiting) and two bookings.
        const join = async (n: number, guest: Record<string, string>, request = 'window seat please') => {
          const res = await t.google('CreateWaitlistEntry', {
            merchant_id: 'dining-1',
            service_id: 'reservation',
            party_size: n,
            idempotency_token: `retention-${n}-${guest.given_name}`,
            additional_request: request,
            user_information: { user_id: `${guest.given_name}-user-${n}`, ...guest },
          });
          assert.equal(res.statusCode, 200, res.body);
          return (res.json() as { waitlist_entry_id: string }).waitlist_entry_id;
        };
        const seated = await join(2, OLD_GUEST);
        const canceled = await join(3, { ...OLD_GUEST, email: 'ADA.LOVELACE+2@example.com' });
        const waiting = await join(4, { ...OLD_GUEST, email: 'ada.lovelace+3@example.com' });
        assert.equal((await t.admin('POST', `/merchants/dining-1/waitlist-entries/${seated}/seat`, {})).statusCode, 200);
        assert.equal((await t.google('DeleteWaitlistEntry', { waitlist_entry_id: canceled })).statusCode, 200);
        const b1 = await book(t, { start: ny('2026-01-06 09:00') });
        const b2 = await book(t, { start: ny('2026-01-07 10:00') });
        const before = await t.store.db.selectFrom('waitlist_entries').selectAll().orderBy('id').execute();
        const bookingsBefore = await t.store.db.selectFrom('bookings').selectAll().orderBy('id').execute();
        const historyBefore = await t.services.waitlist.history('dining-1', 0, t.clock.nowMs() / 1000 + DAY);
        assert.equal(historyBefore.length, 3);

        // 100 days later, a new guest joins.
        t.clock.advanceSeconds(100 * DAY);
        const recent = await join(2, { given_name: 'Recent', family_name: 'Guest', telephone: '+1 212-555-0199', email: 'recent@example.com' }, 'high chair');

        const sink = logSink();
        const retention = new Retention({
          store: t.store,
          clock: t.clock,
          days: 90,
          targets: retentionTargets(t.services, t.store),
          logger: createLogger('info', sink.stream),
        });
        const report = await retention.runDaily('2026-04-15');
        assert.ok(report);
        assert.deepEqual({ entries: report.counts.waitlist_entries, bookings: report.counts.bookings }, { entries: 3, bookings: 2 });
        assert.ok((report.counts.idempotency_records ?? 0) >= 5, JSON.stringify(report.counts));

        // The old guests' data is nowhere in the tables any more; the recent guest's is.
        const text = await dump(t);
        for (const secret of OLD_SECRETS) assert.ok(!text.includes(secret), `${secret} is still stored`);
        assert.ok(text.includes('recent@example.com'));

        // Counts, states, party sizes and times stay.
        const after = await t.store.db.selectFrom('waitlist_entries').selectAll().orderBy('id').execute();
        for (const row of before) {
          const now = after.find((r) => r.id === row.id);
          assert.ok(now);
          const { given_name, family_name, telephone, email, email_key, google_user_id, additional_request, anonymised_at, ...kept } = now;
          const {
            anonymised_at: _was,
            given_name: _g,
            family_name: _f,
            telephone: _t,
            email: _e,
            email_key: _k,
            google_user_id: _u,
            additional_request: _a,
            ...keptBefore
          } = row;
          assert.deepEqual(kept, keptBefore, 'state, party size, queue position and times unchanged');
          assert.deepEqual(
            { given_name, family_name, telephone, email, email_key, google_user_id, additional_request },
            { given_name: '', family_name: '', telephone: null, email: null, email_key: null, google_user_id: null, additional_request: null },
          );
          assert.ok(anonymised_at !== null);
        }
        const bookingsAfter = await t.store.db.selectFrom('bookings').selectAll().orderBy('id').execute();
        assert.deepEqual(
          bookingsAfter.map((b) => [b.id, b.status, b.party_size, Number(b.start_sec), Number(b.created_at), b.user_id, b.email, b.given_name]),
          bookingsBefore.map((b) => [b.id, b.status, b.party_size, Number(b.start_sec), Number(b.created_at), null, null, '']),
        );
        assert.deepEqual(new Set(bookingsAfter.map((b) => b.id)), new Set([b1.booking_id, b2.booking_id]));
        const recentRow = after.find((r) => r.id === recent);
        assert.equal(recentRow?.given_name, 'Recent');
        assert.equal(recentRow?.anonymised_at, null);
        assert.deepEqual(
          await t.services.waitlist.history('dining-1', 0, t.clock.nowMs() / 1000 - 99 * DAY),
          historyBefore,
          'the learning history is the same',
        );
        // An anonymised entry still reads (Google and the host stand), without a name.
        const read = await t.google('GetWaitlistEntry', { waitlist_entry_id: waiting });
        assert.equal(read.statusCode, 200, read.body);

        // The log has the counts and nothing of the guests.
        const log = sink.lines.join('');
        assert.match(log, /"waitlist_entries":3/);
        for (const secret of OLD_SECRETS) assert.ok(!log.includes(secret), `${secret} logged`);

        // Idempotent: nothing left to do, by this run or another replica's.
        const again = await retention.runNow();
        assert.deepEqual(again.counts, { waitlist_entries: 0, bookings: 0, guest_messages: 0, idempotency_records: 0 });
        const other = new Retention({
          store: t.store,
          clock: t.clock,
          days: 90,
          targets: retentionTargets(t.services, t.store),
          logger: createLogger('silent'),
          replicaId: 'other',
        });
        assert.equal(await other.runDaily('2026-04-15'), null, 'the day is claimed by the first replica');
      } finally {
        await t.close();
      }
    });

    test('a booking that ended recently, or is still ahead, keeps its guest data', async () => {
      const t = await startApp();
      try {
        await seedDemo(t.services, t.clock);
        const booking = await book(t, { start: ny('2026-02-03 09:00') });
        // 31 days later: the booking ended 2 days ago; the period is 30 days.
        t.clock.advanceSeconds(31 * DAY);
        const retention = new Retention({
          store: t.store,
          clock: t.clock,
          days: MIN_RETENTION_DAYS,
          targets: retentionTargets(t.services, t.store),
          logger: createLogger('silent'),
        });
        assert.equal((await retention.runNow()).counts.bookings, 0);
        const row = await t.store.db.selectFrom('bookings').selectAll().where('id', '=', booking.booking_id).executeTakeFirstOrThrow();
        assert.equal(row.given_name, 'Grace');
        assert.throws(() => new Retention({ store: t.store, clock: t.clock, days: 29, targets: [], logger: createLogger('silent') }), /at least 30 days/);
      } finally {
        await t.close();
      }
    });
  });
}
