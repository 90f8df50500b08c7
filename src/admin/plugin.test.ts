// Admin API authentication and per-merchant scope: merchant A's token gets nothing of merchant B.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { seedMerchant, type TestApp, DIALECTS, forDialect } from '../test-support/app.js';

// Every test below runs once on SQLite and once on PostgreSQL (when the suite started one).
for (const dialect of DIALECTS) {
  describe(dialect, () => {
    const startApp = forDialect(dialect);

    let t: TestApp;
    let alphaToken: string;
    let alphaTokenId: string;
    let betaTokenId: string;
    let betaEntry: string;
    let alphaEntry: string;

    const A = 'alpha';
    const B = 'beta';

    before(async () => {
      t = await startApp();
      await seedMerchant(t.services, { id: A });
      await seedMerchant(t.services, { id: B, serviceId: 'beta-svc' });
      await t.admin('PATCH', `/merchants/${B}`, { name: 'Beta Secret Bistro' });
      const issued = await t.admin('POST', '/tokens', { merchant_id: A, label: 'alpha host stand' });
      assert.equal(issued.statusCode, 201, issued.body);
      ({ token: alphaToken, id: alphaTokenId } = issued.json());
      betaTokenId = (await t.admin('POST', '/tokens', { merchant_id: B, label: 'beta host stand' })).json().id;
      betaEntry = (
        await t.admin('POST', `/merchants/${B}/services/beta-svc/walk-ins`, { party_size: 2, given_name: 'Bea', telephone: '+1 212-555-0199' })
      ).json().id;
      alphaEntry = (await t.admin('POST', `/merchants/${A}/services/waitlist/walk-ins`, { party_size: 2, given_name: 'Al' })).json().id;
    });
    after(() => t.close());

    describe('authentication', () => {
      test('no token: 401 with a Bearer challenge', async () => {
        const res = await t.app.inject({ method: 'GET', url: '/admin/v1/merchants' });
        assert.equal(res.statusCode, 401);
        assert.match(String(res.headers['www-authenticate']), /^Bearer /);
        assert.equal(res.json().error.message, 'missing bearer token');
      });

      test('an unknown token, or Basic credentials: 401', async () => {
        for (const authorization of ['Bearer bsa_not-a-real-token', 'Basic Z29vZ2xlOnB3', 'Bearer']) {
          const res = await t.app.inject({ method: 'GET', url: '/admin/v1/merchants', headers: { authorization } });
          assert.equal(res.statusCode, 401, authorization);
          assert.equal(res.json().merchants, undefined);
        }
      });

      test('the bootstrap token sees every merchant', async () => {
        const res = await t.admin('GET', '/merchants');
        assert.equal(res.statusCode, 200);
        assert.deepEqual(
          res.json().merchants.map((m: { id: string }) => m.id),
          [A, B],
        );
      });

      test('a created token is shown once, and secret material never appears in listings', async () => {
        const res = await t.admin('POST', '/tokens', { merchant_id: A, label: 'shown once' });
        const created = res.json();
        assert.match(created.token, /^bsa_/);
        assert.deepEqual(Object.keys(created).sort(), ['created_at', 'id', 'label', 'merchant_id', 'revoked_at', 'token']);
        const listed = await t.admin('GET', '/tokens');
        assert.ok(!listed.body.includes(created.token));
        assert.ok(listed.json().tokens.some((x: { id: string }) => x.id === created.id));
      });

      test('a token for an unknown merchant is refused with 404', async () => {
        const res = await t.admin('POST', '/tokens', { merchant_id: 'ghost', label: 'x' });
        assert.equal(res.statusCode, 404);
      });

      test('a revoked token gets 401; revoking twice is 404', async () => {
        const { token, id } = (await t.admin('POST', '/tokens', { merchant_id: A, label: 'to revoke' })).json();
        assert.equal((await t.admin('GET', `/merchants/${A}`, undefined, token)).statusCode, 200);
        assert.equal((await t.admin('DELETE', `/tokens/${id}`)).statusCode, 204);
        const res = await t.admin('GET', `/merchants/${A}`, undefined, token);
        assert.equal(res.statusCode, 401);
        assert.match(res.json().error.message, /revoked/);
        assert.equal((await t.admin('DELETE', `/tokens/${id}`)).statusCode, 404);
      });
    });

    describe('a merchant-scoped token manages its own merchant', () => {
      test('reads and writes on every route family of its merchant', async () => {
        const as = (method: 'GET' | 'POST' | 'PATCH' | 'PUT', path: string, body?: unknown) => t.admin(method, path, body, alphaToken);
        const ok: [number, Awaited<ReturnType<typeof as>>][] = [
          [200, await as('GET', `/merchants/${A}`)],
          [200, await as('PATCH', `/merchants/${A}`, { waitlist_advisement: 'Ten minutes once texted' })],
          [200, await as('PUT', `/merchants/${A}/opening-hours`, { opening_hours: [{ day: 1, open: '00:00', close: '24:00' }] })],
          [201, await as('POST', `/merchants/${A}/services`, { id: 'patio', name: 'Patio' })],
          [200, await as('GET', `/merchants/${A}/services`)],
          [200, await as('PATCH', `/merchants/${A}/services/patio`, { waitlist: { max_party_size: 6 } })],
          [
            200,
            await as('PUT', `/merchants/${A}/tables`, {
              tables: [
                { id: 'p1', seats: 4 },
                { id: 'two', min_seats: 1, seats: 2 },
              ],
            }),
          ],
          [200, await as('GET', `/merchants/${A}/tables`)],
          [200, await as('GET', `/merchants/${A}/services/waitlist/queue`)],
          [200, await as('GET', `/merchants/${A}/waitlist-entries`)],
          [200, await as('GET', `/merchants/${A}/waitlist-entries/${alphaEntry}`)],
          [201, await as('POST', `/merchants/${A}/services/waitlist/walk-ins`, { party_size: 1, given_name: 'Solo' })],
          [200, await as('POST', `/merchants/${A}/waitlist-entries/${alphaEntry}/notify`, {})],
        ];
        for (const [status, res] of ok) assert.equal(res.statusCode, status, res.body);
        assert.deepEqual(
          (await as('GET', '/merchants')).json().merchants.map((m: { id: string }) => m.id),
          [A],
        );
      });

      test('token listing shows only its merchant', async () => {
        const tokens = (await t.admin('GET', '/tokens', undefined, alphaToken)).json().tokens as { id: string; merchant_id: string }[];
        assert.ok(tokens.length >= 1);
        assert.ok(tokens.every((x) => x.merchant_id === A));
        assert.ok(tokens.some((x) => x.id === alphaTokenId));
        assert.ok(!tokens.some((x) => x.id === betaTokenId));
      });
    });

    describe("merchant A's token gets nothing of merchant B", () => {
      // :entry and :token stand for B's entry and B's token, known once before() has run.
      const routes: [string, number, 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', string, unknown?][] = [
        ['merchant', 403, 'GET', `/merchants/${B}`],
        ['merchant', 403, 'PATCH', `/merchants/${B}`, { name: 'Taken over' }],
        ['hours', 403, 'PUT', `/merchants/${B}/opening-hours`, { opening_hours: [] }],
        ['services', 403, 'GET', `/merchants/${B}/services`],
        ['services', 403, 'POST', `/merchants/${B}/services`, { id: 'evil', name: 'Evil' }],
        ['services', 403, 'GET', `/merchants/${B}/services/beta-svc`],
        ['services', 403, 'PATCH', `/merchants/${B}/services/beta-svc`, { waitlist: { paused: true } }],
        ['tables', 403, 'GET', `/merchants/${B}/tables`],
        ['tables', 403, 'PUT', `/merchants/${B}/tables`, { tables: [] }],
        ['queue', 403, 'GET', `/merchants/${B}/services/beta-svc/queue`],
        ['entries', 403, 'GET', `/merchants/${B}/waitlist-entries`],
        ['entries', 403, 'GET', `/merchants/${B}/waitlist-entries/:entry`],
        ['walk-ins', 403, 'POST', `/merchants/${B}/services/beta-svc/walk-ins`, { party_size: 2, given_name: 'Intruder' }],
        ['actions', 403, 'POST', `/merchants/${B}/waitlist-entries/:entry/cancel`, {}],
        ['actions', 403, 'POST', `/merchants/${B}/waitlist-entries/:entry/seat`, {}],
        // B's entry (404, as if it did not exist) and service (400, unknown service) through A's own path.
        ['entries', 404, 'GET', `/merchants/${A}/waitlist-entries/:entry`],
        ['actions', 404, 'POST', `/merchants/${A}/waitlist-entries/:entry/cancel`, {}],
        ['queue', 400, 'GET', `/merchants/${A}/services/beta-svc/queue`],
        ['walk-ins', 400, 'POST', `/merchants/${A}/services/beta-svc/walk-ins`, { party_size: 2, given_name: 'Intruder' }],
        // Routes only the bootstrap token may use.
        ['merchant', 403, 'POST', '/merchants', { id: 'gamma', name: 'Gamma', time_zone: 'UTC' }],
        ['tokens', 403, 'POST', '/tokens', { merchant_id: B, label: 'mine now' }],
        ['tokens', 403, 'POST', '/tokens', { merchant_id: null, label: 'root please' }],
        ['tokens', 403, 'DELETE', '/tokens/:token'],
      ];

      for (const [family, status, method, path, body] of routes) {
        test(`${family}: ${method} ${path} is ${status} without data`, async () => {
          const res = await t.admin(method, path.replace(':entry', betaEntry).replace(':token', betaTokenId), body, alphaToken);
          assert.equal(res.statusCode, status, res.body);
          for (const secret of ['Beta Secret Bistro', 'Bea', '555-0199', 'beta host stand']) assert.ok(!res.body.includes(secret), res.body);
          assert.ok(res.json().error, res.body);
        });
      }

      test("B's data is unchanged afterwards", async () => {
        const merchant = (await t.admin('GET', `/merchants/${B}`)).json();
        assert.equal(merchant.name, 'Beta Secret Bistro');
        assert.equal(merchant.opening_hours.length, 7);
        assert.equal((await t.admin('GET', `/merchants/${B}/tables`)).json().tables.length, 2);
        assert.deepEqual(
          (await t.admin('GET', `/merchants/${B}/services`))
            .json()
            .services.map((s: { id: string; waitlist: { paused: boolean } }) => [s.id, s.waitlist.paused]),
          [['beta-svc', false]],
        );
        const entries = (await t.admin('GET', `/merchants/${B}/waitlist-entries`)).json().entries;
        assert.deepEqual(
          entries.map((e: { id: string; state: string }) => [e.id, e.state]),
          [[betaEntry, 'WAITING']],
        );
        assert.equal((await t.admin('GET', '/merchants')).json().merchants.length, 2, 'no gamma');
        const tokens = (await t.admin('GET', '/tokens')).json().tokens as { id: string; revoked_at: number | null; merchant_id: string | null }[];
        assert.equal(tokens.find((x) => x.id === betaTokenId)?.revoked_at, null);
        assert.equal(tokens.filter((x) => x.merchant_id === B).length, 1);
      });
    });
  });
}
