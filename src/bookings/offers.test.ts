// Offers (src/bookings/offers.ts) through the admin API: the list a merchant replaces as a whole,
// and what it refuses. Which offers apply to a booking: create-booking.test.ts (OFFER_UNAVAILABLE).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { seedDemo } from '../demo/seed.js';
import { type TestApp, DIALECTS, forDialect } from '../test-support/app.js';
import { DEMO_M, DEMO_S, adminOk, ny } from '../test-support/bookings.js';

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

    const path = `/merchants/${DEMO_M}/offers`;

    /** A PUT the service refuses: the status, the error code and a message that says why. */
    async function refused(offers: unknown[], status: number, code: string, message: RegExp, merchantPath = path): Promise<void> {
      const res = await t.admin('PUT', merchantPath, { offers });
      assert.equal(res.statusCode, status, res.body);
      assert.equal(res.json().error.code, code);
      assert.match(res.json().error.message, message);
    }

    describe('offers', () => {
      test('a PUT replaces the whole list, with defaults for what it leaves out; GET lists the same', async () => {
        const first = await adminOk(t, 'PUT', path, {
          offers: [
            { id: 'spring', service_id: DEMO_S, valid_from_sec: ny('2026-03-01 00:00'), valid_until_sec: ny('2026-06-01 00:00'), description: 'Spring menu' },
            { id: 'welcome10' },
          ],
        });
        assert.deepEqual(first, await adminOk(t, 'GET', path));
        assert.deepEqual(
          [...first.offers].sort((a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id)),
          [
            {
              id: 'spring',
              service_id: DEMO_S,
              active: true,
              valid_from_sec: ny('2026-03-01 00:00'),
              valid_until_sec: ny('2026-06-01 00:00'),
              description: 'Spring menu',
            },
            { id: 'welcome10', service_id: null, active: true, valid_from_sec: null, valid_until_sec: null, description: '' },
          ],
        );
        const second = await adminOk(t, 'PUT', path, { offers: [{ id: 'retired', active: false }] });
        assert.deepEqual(
          second.offers.map((o: { id: string; active: boolean }) => [o.id, o.active]),
          [['retired', false]],
          'the offers left out are gone',
        );
        assert.deepEqual((await adminOk(t, 'PUT', path, { offers: [] })).offers, []);
      });

      test('refused as a whole: an id that is not 1-100 URL-safe characters, an id twice, a window that ends before it starts', async () => {
        await adminOk(t, 'PUT', path, { offers: [{ id: 'kept' }] });
        await refused([{ id: 'ok' }, { id: 'has space' }], 400, 'INVALID_ARGUMENT', /offers\[1\]\.id must be 1-100 characters/);
        await refused([{ id: '' }], 400, 'INVALID_ARGUMENT', /offers\[0\]\.id must be 1-100 characters/);
        await refused([{ id: 'x'.repeat(101) }], 400, 'INVALID_ARGUMENT', /offers\[0\]\.id must be 1-100 characters/);
        await refused([{ id: 'twice' }, { id: 'twice' }], 400, 'INVALID_ARGUMENT', /offers\[1\]\.id "twice" appears twice/);
        await refused(
          [{ id: 'backwards', valid_from_sec: 2_000, valid_until_sec: 2_000 }],
          400,
          'INVALID_ARGUMENT',
          /offers\[0\]: valid_until_sec must be after valid_from_sec/,
        );
        assert.deepEqual(
          (await adminOk(t, 'GET', path)).offers.map((o: { id: string }) => o.id),
          ['kept'],
          'a refused PUT changes nothing',
        );
      });

      test('an unknown merchant: 404 on GET and PUT', async () => {
        const unknown = '/merchants/no-such-merchant/offers';
        const res = await t.admin('GET', unknown);
        assert.equal(res.statusCode, 404, res.body);
        assert.equal(res.json().error.code, 'NOT_FOUND');
        await refused([{ id: 'welcome10' }], 404, 'NOT_FOUND', /no-such-merchant/, unknown);
      });
    });
  });
}
