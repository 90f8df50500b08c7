// SQL-looking and Unicode-hostile text is data, not code: a guest or merchant name such as
// `'; DROP TABLE bookings; --`, one with NUL bytes, emoji, bidi marks or combining marks, is stored
// and returned exactly as sent, through every channel that writes it and every one that reads it.
// Text that cannot be stored as sent is refused with 400 rather than silently changed: lone
// surrogates (not well-formed Unicode; no UTF-8 store holds them) and, on PostgreSQL, NUL characters
// (its text type cannot hold U+0000; SQLite stores them as sent).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { DIALECTS } from '../../src/test-support/app.js';
import { assertSane, BK, count, counted, NASTY_STRINGS, runs, startFixture, summary, WL, type Fixture } from './support.js';

const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** Text a name field may hold (the admin API allows 100 characters for guest names). */
const text: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n)), minLength: 1, maxLength: 20 }) },
  { weight: 1, arbitrary: fc.constantFrom(...NASTY_STRINGS).chain((a) => fc.constantFrom(...NASTY_STRINGS).map((b) => `${a}${b}`)) },
);

const json = (body: string): Record<string, unknown> => JSON.parse(body) as Record<string, unknown>;

for (const dialect of DIALECTS) {
  describe(`hostile text round-trips verbatim (${dialect})`, () => {
    let f: Fixture;
    let n = 0;
    before(async () => {
      f = await startFixture({}, dialect);
    });
    after(async () => {
      await f?.t.close();
    });

    /**
     * A refusal must be a 400 and only for text that cannot be stored as sent: lone surrogates
     * (anywhere), NUL characters on PostgreSQL (its text type cannot hold U+0000). Each field is
     * tested on its own: two fields joined could pair a high surrogate ending one with a low one
     * starting the next, and hide both (fast-check found `["\ud800", "\udc00\u0001"]`).
     */
    function refused(response: { statusCode: number; body: string }, values: readonly string[], what: string): boolean {
      if (values.some((value) => LONE_SURROGATE.test(value) || (dialect === 'postgres' && value.includes('\u0000')))) {
        assert.equal(response.statusCode, 400, `${what}: text that cannot be stored as sent must be refused, got ${response.statusCode} ${response.body}`);
        return true;
      }
      return false;
    }

    it('merchant names (admin API)', async () => {
      await fc.assert(
        fc.asyncProperty(
          text,
          counted(`merchant names (${dialect})`, async (name) => {
            const id = `vb-m-${++n}`;
            const created = await f.t.admin('POST', '/merchants', { id, name, time_zone: 'America/New_York', waitlist_advisement: name });
            assertSane(created, `POST /merchants name ${JSON.stringify(name)}`);
            if (refused(created, [name], 'merchant name')) return;
            if (name.trim() === '') {
              assert.equal(created.statusCode, 400, created.body);
              return;
            }
            assert.equal(created.statusCode, 201, created.body);
            assert.equal(json(created.body).name, name);
            const read = json((await f.t.admin('GET', `/merchants/${id}`)).body);
            assert.equal(read.name, name);
            assert.equal(read.waitlist_advisement, name);
          }),
        ),
        { numRuns: runs(120) },
      );
    });

    it('walk-in names (admin API), read back from the entry and the queue', async () => {
      await fc.assert(
        fc.asyncProperty(
          text,
          text,
          counted(`walk-in names (${dialect})`, async (given, family) => {
            const created = await f.t.admin('POST', `/merchants/${WL.merchantId}/services/${WL.serviceId}/walk-ins`, {
              party_size: 2,
              given_name: given,
              family_name: family,
              additional_request: given,
            });
            assertSane(created, `walk-in ${JSON.stringify([given, family])}`);
            if (refused(created, [given, family], 'walk-in name')) return;
            assert.equal(created.statusCode, 201, created.body);
            const entry = json(created.body) as { id: string; guest: { given_name: string; family_name: string }; additional_request: string };
            assert.deepEqual([entry.guest.given_name, entry.guest.family_name, entry.additional_request], [given, family, given]);
            const read = json((await f.t.admin('GET', `/merchants/${WL.merchantId}/waitlist-entries/${entry.id}`)).body) as typeof entry;
            assert.deepEqual([read.guest.given_name, read.guest.family_name], [given, family]);
            // Leave the queue short: seat the party.
            await f.t.admin('POST', `/merchants/${WL.merchantId}/waitlist-entries/${entry.id}/cancel`);
          }),
        ),
        // Two fields whose lone surrogates pair up when joined (a false pass of the refusal check once).
        { numRuns: runs(120), examples: [['\ud800', '\udc00\u0001']] },
      );
    });

    it('CreateWaitlistEntry (Google): user names, request and token, read back by Google and the host', async () => {
      await fc.assert(
        fc.asyncProperty(
          text,
          text,
          counted(`CreateWaitlistEntry names (${dialect})`, async (given, token) => {
            const userId = `vb-wl-user-${++n}`;
            const body = {
              merchant_id: WL.merchantId,
              service_id: WL.serviceId,
              party_size: 2,
              idempotency_token: `${token}#${n}`,
              user_information: { user_id: userId, given_name: given, family_name: given, email: 'guest@example.com' },
              additional_request: given,
            };
            const created = await f.t.google('CreateWaitlistEntry', body);
            assertSane(created, `CreateWaitlistEntry ${JSON.stringify(body)}`);
            if (refused(created, [given, token], 'waitlist user name')) return;
            assert.equal(created.statusCode, 200, created.body);
            const entryId = json(created.body).waitlist_entry_id as string;
            assert.ok(entryId, created.body);
            const replay = await f.t.google('CreateWaitlistEntry', body);
            assert.equal(replay.body, created.body, 'a replay with the same token returns the same response');
            const read = json((await f.t.admin('GET', `/merchants/${WL.merchantId}/waitlist-entries/${entryId}`)).body) as {
              guest: { given_name: string; family_name: string; google_user_id: string };
              additional_request: string;
            };
            assert.deepEqual(
              [read.guest.given_name, read.guest.family_name, read.guest.google_user_id, read.additional_request],
              [given, given, userId, given],
            );
            const deleted = await f.t.google('DeleteWaitlistEntry', { waitlist_entry_id: entryId });
            assert.equal(deleted.statusCode, 200, deleted.body);
          }),
        ),
        // Two fields whose lone surrogates pair up when joined (a false pass of the refusal check once).
        { numRuns: runs(120), examples: [['\ud800', '\udc00\u0001']] },
      );
    });

    it('CreateBooking (Google): user names, user id and token, read back by ListBookings and the host', async () => {
      await fc.assert(
        fc.asyncProperty(
          text,
          text,
          counted(`CreateBooking names (${dialect})`, async (name, userPart) => {
            const userId = `${userPart}#${++n}`;
            const body = {
              slot: {
                merchant_id: BK.merchantId,
                service_id: BK.serviceId,
                start_sec: String(f.slotStart + (n % 40) * 1800),
                duration_sec: '1800',
                resources: { party_size: 2 },
              },
              user_information: { user_id: userId, given_name: name, family_name: name, email: `guest-${n}@example.com` },
              additional_request: name,
              idempotency_token: `${name}#${n}`,
            };
            const created = await f.t.google('CreateBooking', body);
            assertSane(created, `CreateBooking ${JSON.stringify(body)}`);
            if (refused(created, [name, userId], 'booking user name')) return;
            assert.equal(created.statusCode, 200, created.body);
            const booking = (
              json(created.body) as { booking?: { booking_id: string; user_information: { user_id: string; given_name: string; family_name: string } } }
            ).booking;
            assert.ok(booking, created.body);
            assert.deepEqual(
              [booking.user_information.user_id, booking.user_information.given_name, booking.user_information.family_name],
              [userId, name, name],
            );
            const replay = await f.t.google('CreateBooking', body);
            assert.equal(replay.body, created.body, 'a replay with the same token returns the same response');
            const listed = json((await f.t.google('ListBookings', { user_id: userId })).body) as {
              bookings?: { booking_id: string; user_information: { given_name: string } }[];
            };
            assert.deepEqual(
              listed.bookings?.map((b) => [b.booking_id, b.user_information.given_name]),
              [[booking.booking_id, name]],
            );
            const read = json((await f.t.admin('GET', `/merchants/${BK.merchantId}/bookings/${booking.booking_id}`)).body) as {
              guest: { given_name: string; google_user_id: string };
              additional_request: string;
            };
            assert.deepEqual([read.guest.given_name, read.guest.google_user_id, read.additional_request], [name, userId, name]);
          }),
        ),
        // Two fields whose lone surrogates pair up when joined (a false pass of the refusal check once).
        { numRuns: runs(120), examples: [['\ud800', '\udc00\u0001']] },
      );
    });

    it('every listed hostile string, once, as a booking name', async () => {
      for (const name of NASTY_STRINGS) {
        count(`fixed list (${dialect})`);
        const userId = `vb-fixed-${++n}`;
        const response = await f.t.google('CreateBooking', {
          slot: { merchant_id: BK.merchantId, service_id: BK.serviceId, start_sec: String(f.slotStart), duration_sec: '1800', resources: { party_size: 2 } },
          user_information: { user_id: userId, given_name: name },
          idempotency_token: `fixed-${n}`,
        });
        assertSane(response, `CreateBooking given_name ${JSON.stringify(name)}`);
        if (refused(response, [name], 'booking user name')) continue;
        assert.equal((json(response.body) as { booking: { user_information: { given_name: string } } }).booking.user_information.given_name, name);
      }
    });
  });
}

describe('summary', () => {
  it('inputs tried', (t) => {
    t.diagnostic(summary('verbatim'));
  });
});
