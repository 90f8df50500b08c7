// Admin API for merchants, opening hours, services and tables, with the bootstrap token.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type TestApp, DIALECTS, forDialect } from '../test-support/app.js';

// Every test below runs once on SQLite and once on PostgreSQL (when the suite started one).
for (const dialect of DIALECTS) {
  describe(dialect, () => {
    const startApp = forDialect(dialect);

    let t: TestApp;
    before(async () => {
      t = await startApp();
    });
    after(() => t.close());

    const merchant = (id: string, extra: Record<string, unknown> = {}) => ({ id, name: `Bistro ${id}`, time_zone: 'America/New_York', ...extra });

    async function created(path: string, body: unknown) {
      const res = await t.admin('POST', path, body);
      assert.equal(res.statusCode, 201, res.body);
      return res.json();
    }

    /** A 400 whose message matches `message`. */
    async function badRequest(method: 'POST' | 'PATCH' | 'PUT', path: string, body: unknown, message: RegExp) {
      const res = await t.admin(method, path, body);
      assert.equal(res.statusCode, 400, `${method} ${path} ${JSON.stringify(body)}: ${res.body}`);
      assert.match(res.json().error.message, message);
    }

    describe('merchants', () => {
      test('the bootstrap token creates a merchant; defaults are filled in', async () => {
        const body = await created('/merchants', merchant('m1', { telephone: '+1 212-555-0100', address: { locality: 'New York', country: 'US' } }));
        assert.deepEqual(body, {
          id: 'm1',
          name: 'Bistro m1',
          time_zone: 'America/New_York',
          telephone: '+1 212-555-0100',
          address: { street_address: null, locality: 'New York', region: null, postal_code: null, country: 'US' },
          waitlist_advisement: null,
          turn_times: [
            { max_party_size: 2, minutes: 45 },
            { max_party_size: 4, minutes: 60 },
            { max_party_size: 6, minutes: 75 },
            { max_party_size: 1000, minutes: 90 },
          ],
          opening_hours: [],
          guest_messages: { language: 'en', grace_minutes: 10, almost_turn_position: null },
          deactivated_at: null,
        });
        assert.deepEqual((await t.admin('GET', '/merchants/m1')).json(), body);
      });

      test('PATCH changes only what it names', async () => {
        await created('/merchants', merchant('m2', { waitlist_advisement: 'Text when ready' }));
        const res = await t.admin('PATCH', '/merchants/m2', { name: 'Renamed', turn_times: [{ max_party_size: 20, minutes: 50 }] });
        assert.equal(res.statusCode, 200, res.body);
        const body = res.json();
        assert.equal(body.name, 'Renamed');
        assert.equal(body.waitlist_advisement, 'Text when ready');
        assert.equal(body.time_zone, 'America/New_York');
        assert.deepEqual(body.turn_times, [{ max_party_size: 20, minutes: 50 }]);
      });

      test('null clears an optional text field (it does not become "")', async () => {
        await created('/merchants', merchant('m-null', { telephone: '+1 212-555-0100', waitlist_advisement: 'x', address: { locality: 'NYC' } }));
        const res = await t.admin('PATCH', '/merchants/m-null', { telephone: null, waitlist_advisement: null, address: { locality: null } });
        assert.equal(res.statusCode, 200, res.body);
        assert.deepEqual([res.json().telephone, res.json().waitlist_advisement, res.json().address.locality], [null, null, null]);
      });

      test('opening hours are replaced as a whole and kept in order', async () => {
        await created('/merchants', merchant('m3'));
        const hours = [
          { day: 5, open: '17:00', close: '02:00' },
          { day: 1, open: '09:00', close: '24:00' },
        ];
        const res = await t.admin('PUT', '/merchants/m3/opening-hours', { opening_hours: hours });
        assert.equal(res.statusCode, 200, res.body);
        assert.deepEqual(res.json(), { opening_hours: hours });
        assert.deepEqual((await t.admin('GET', '/merchants/m3')).json().opening_hours, hours);
      });

      test('a second merchant with the same id: 409; an unknown one: 404', async () => {
        const dup = await t.admin('POST', '/merchants', merchant('m1'));
        assert.equal(dup.statusCode, 409);
        assert.match(dup.json().error.message, /m1/);
        assert.equal((await t.admin('GET', '/merchants/nobody')).statusCode, 404);
        assert.equal((await t.admin('PATCH', '/merchants/nobody', { name: 'x' })).statusCode, 404);
      });

      test('invalid merchants are refused with a message', async () => {
        await badRequest('POST', '/merchants', merchant('tz', { time_zone: 'Mars/Olympus_Mons' }), /time_zone "Mars\/Olympus_Mons"/);
        await badRequest('POST', '/merchants', merchant('bad id'), /id must be/);
        await badRequest('POST', '/merchants', { id: 'noname', time_zone: 'UTC' }, /name/);
        await badRequest('POST', '/merchants', merchant('tt', { turn_times: [{ max_party_size: 2, minutes: 0 }] }), /turn_times\[0\]\.minutes/);
        for (const [hours, message] of [
          [{ day: 8, open: '09:00', close: '17:00' }, /day 8/],
          [{ day: 0, open: '09:00', close: '17:00' }, /day 0/],
          [{ day: 1, open: '25:00', close: '17:00' }, /open "25:00"/],
          [{ day: 1, open: '9am', close: '17:00' }, /open "9am"/],
          [{ day: 1, open: '09:00', close: '24:30' }, /close "24:30"/],
          [{ day: 1, open: '09:00', close: '09:00' }, /equals open/],
        ] as const) {
          await badRequest('POST', '/merchants', merchant('hours', { opening_hours: [hours] }), message);
          await badRequest('PUT', '/merchants/m1/opening-hours', { opening_hours: [hours] }, message);
        }
        await badRequest('PATCH', '/merchants/m1', { time_zone: 'EST5EDT-ish' }, /time_zone/);
        assert.equal((await t.admin('GET', '/merchants/hours')).statusCode, 404, 'nothing half-created');
        assert.equal((await t.admin('GET', '/merchants/m1')).json().time_zone, 'America/New_York', 'nothing half-changed');
      });
    });

    describe('services', () => {
      before(async () => {
        await created('/merchants', merchant('svc'));
      });

      test('a service takes the default waitlist rules where the body says nothing', async () => {
        const body = await created('/merchants/svc/services', {
          id: 'dinner',
          name: 'Dinner',
          waitlist: { max_party_size: 8, allowed_phone_countries: ['US', 'CA'] },
        });
        assert.deepEqual([body.merchant_id, body.id, body.name], ['svc', 'dinner', 'Dinner']);
        assert.deepEqual(body.waitlist, {
          enabled: true,
          paused: false,
          min_party_size: 1,
          max_party_size: 8,
          max_queue_length: null,
          allowed_phone_countries: ['US', 'CA'],
          supports_additional_request: true,
          confirmation_mode: 'SYNCHRONOUS',
          walk_in_when_no_wait: false,
          max_quoted_wait_minutes: null,
          call_merchant_above_max_party_size: false,
        });
        assert.deepEqual((await t.admin('GET', '/merchants/svc/services/dinner')).json(), body);
        assert.deepEqual((await t.admin('GET', '/merchants/svc/services')).json(), { services: [body] });
      });

      test('PATCH merges rules; null clears a limit and 0 stays 0', async () => {
        await created('/merchants/svc/services', { id: 'lunch', name: 'Lunch', waitlist: { max_queue_length: 5, max_quoted_wait_minutes: 30 } });
        const res = await t.admin('PATCH', '/merchants/svc/services/lunch', { waitlist: { confirmation_mode: 'ASYNCHRONOUS', paused: true } });
        assert.equal(res.statusCode, 200, res.body);
        const w = res.json().waitlist;
        assert.deepEqual(
          [res.json().name, w.max_queue_length, w.max_quoted_wait_minutes, w.confirmation_mode, w.paused],
          ['Lunch', 5, 30, 'ASYNCHRONOUS', true],
        );
        // null must not be coerced to 0: a max_queue_length of 0 would close the waitlist for good.
        const cleared = await t.admin('PATCH', '/merchants/svc/services/lunch', { waitlist: { max_queue_length: null, max_quoted_wait_minutes: null } });
        assert.equal(cleared.statusCode, 200, cleared.body);
        assert.deepEqual([cleared.json().waitlist.max_queue_length, cleared.json().waitlist.max_quoted_wait_minutes], [null, null]);
        const zero = await t.admin('PATCH', '/merchants/svc/services/lunch', { waitlist: { max_queue_length: 0 } });
        assert.equal(zero.json().waitlist.max_queue_length, 0);
      });

      test('duplicates 409, unknown merchant or service 404', async () => {
        assert.equal((await t.admin('POST', '/merchants/svc/services', { id: 'dinner', name: 'Again' })).statusCode, 409);
        assert.equal((await t.admin('POST', '/merchants/nobody/services', { id: 'x', name: 'X' })).statusCode, 404);
        assert.equal((await t.admin('GET', '/merchants/svc/services/brunch')).statusCode, 404);
        assert.equal((await t.admin('PATCH', '/merchants/svc/services/brunch', { name: 'x' })).statusCode, 404);
      });

      test('invalid rules are refused with a message', async () => {
        const rules = (waitlist: Record<string, unknown>) => ({ id: 'bad', name: 'Bad', waitlist });
        await badRequest('POST', '/merchants/svc/services', rules({ min_party_size: 6, max_party_size: 4 }), /max_party_size must not be below min_party_size/);
        await badRequest('POST', '/merchants/svc/services', rules({ min_party_size: 0 }), /min_party_size must be at least 1/);
        await badRequest('POST', '/merchants/svc/services', rules({ max_queue_length: -1 }), /max_queue_length/);
        await badRequest('POST', '/merchants/svc/services', rules({ allowed_phone_countries: ['usa'] }), /"usa" is not an ISO 3166-1/);
        await badRequest('POST', '/merchants/svc/services', rules({ confirmation_mode: 'SOMETIMES' }), /confirmation_mode/);
        await badRequest('POST', '/merchants/svc/services', rules({ max_party_size: 'ten' }), /max_party_size/);
        await badRequest('PATCH', '/merchants/svc/services/dinner', { waitlist: { min_party_size: 9 } }, /max_party_size must not be below min_party_size/);
        assert.equal((await t.admin('GET', '/merchants/svc/services/dinner')).json().waitlist.min_party_size, 1, 'unchanged');
        assert.equal((await t.admin('GET', '/merchants/svc/services/bad')).statusCode, 404);
      });
    });

    describe('tables', () => {
      before(async () => {
        await created('/merchants', merchant('tbl'));
      });

      test('a waitlist service warns when no tables are set up, or when its largest party fits no table; joining says why', async () => {
        await created('/merchants', merchant('bare'));
        const service = await created('/merchants/bare/services', { id: 'wl', name: 'Waitlist', waitlist: { max_party_size: 6 } });
        const noTables = ['the waitlist is on but no tables are set up (PUT /merchants/{id}/tables): every party that tries to join is refused'];
        assert.deepEqual(service.warnings, noTables);
        assert.deepEqual((await t.admin('GET', '/merchants/bare/services/wl')).json().warnings, noTables);
        assert.deepEqual((await t.admin('GET', '/merchants/bare/services')).json().services[0].warnings, noTables);
        const walkIn = await t.admin('POST', '/merchants/bare/services/wl/walk-ins', { party_size: 2, given_name: 'Ann' });
        assert.equal(walkIn.statusCode, 422, walkIn.body);
        assert.equal(walkIn.json().error.message, 'no tables are set up for this waitlist, so no party can be seated');

        await t.admin('PUT', '/merchants/bare/tables', { tables: [{ id: 'four', seats: 4 }] });
        assert.deepEqual((await t.admin('GET', '/merchants/bare/services/wl')).json().warnings, [
          'the waitlist takes parties up to 6 but the largest table seats 4: larger parties are refused',
        ]);
        await t.admin('PUT', '/merchants/bare/tables', { tables: [{ id: 'six', seats: 6 }] });
        assert.deepEqual((await t.admin('PATCH', '/merchants/bare/services/wl', { name: 'Waitlist' })).json().warnings, []);
        // A service without a waitlist has nothing to warn about.
        const off = await created('/merchants/bare/services', { id: 'off', name: 'No waitlist', waitlist: { enabled: false, max_party_size: 20 } });
        assert.deepEqual(off.warnings, []);
      });

      test('PUT replaces the floor; tables come back by size; min_seats defaults to 1 and name to the id', async () => {
        const res = await t.admin('PUT', '/merchants/tbl/tables', {
          tables: [
            { id: 'big', name: 'Big table', min_seats: 5, seats: 10 },
            { id: 't1', seats: 2 },
          ],
        });
        assert.equal(res.statusCode, 200, res.body);
        const expected = [
          { id: 't1', name: 't1', min_seats: 1, seats: 2 },
          { id: 'big', name: 'Big table', min_seats: 5, seats: 10 },
        ];
        assert.deepEqual(res.json(), { tables: expected });
        assert.deepEqual((await t.admin('GET', '/merchants/tbl/tables')).json(), { tables: expected });
        const replaced = await t.admin('PUT', '/merchants/tbl/tables', { tables: [{ id: 'only', seats: 4 }] });
        assert.deepEqual(
          replaced.json().tables.map((x: { id: string }) => x.id),
          ['only'],
        );
      });

      test('invalid tables are refused with a message', async () => {
        await badRequest('PUT', '/merchants/tbl/tables', { tables: [{ id: 'a', min_seats: 5, seats: 4 }] }, /min_seats <= seats/);
        await badRequest('PUT', '/merchants/tbl/tables', { tables: [{ id: 'a', seats: 0 }] }, /seats/);
        await badRequest(
          'PUT',
          '/merchants/tbl/tables',
          {
            tables: [
              { id: 'a', seats: 2 },
              { id: 'a', seats: 4 },
            ],
          },
          /appears twice/,
        );
        await badRequest('PUT', '/merchants/tbl/tables', { tables: [{ seats: 2 }] }, /id/);
        assert.deepEqual(
          (await t.admin('GET', '/merchants/tbl/tables')).json().tables.map((x: { id: string }) => x.id),
          ['only'],
          'unchanged',
        );
        assert.equal((await t.admin('PUT', '/merchants/nobody/tables', { tables: [] })).statusCode, 404);
      });
    });
  });
}
