// Roles per admin route (src/admin/permissions.ts): every route has a deliberate entry, a host is
// refused every manager route with 403 in the API's error shape (by session cookie and by bearer
// token) and allowed every host route, a manager staff member is allowed the manager routes.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { InjectOptions } from 'fastify';
import { DIALECTS, forDialect, seedMerchant, type TestApp } from '../test-support/app.js';
import { routesOf } from '../test-support/routes.js';
import { ROUTE_PERMISSIONS } from './permissions.js';

const PREFIX = '/admin/v1';
const A = 'alpha';
const HOST_REFUSED = /^this action needs a manager \(a host may run the queue/;

for (const dialect of DIALECTS) {
  describe(dialect, () => {
    const startApp = forDialect(dialect);
    let t: TestApp;
    let host: { cookie: string; csrf: string; token: string };
    let manager: { cookie: string; csrf: string; token: string };

    const staffSession = async (role: 'host' | 'manager') => {
      const token = (await t.admin('POST', `/merchants/${A}/staff`, { name: `${role} one`, role })).json().token as string;
      const res = await t.app.inject({ method: 'POST', url: `${PREFIX}/session`, payload: { token } });
      assert.equal(res.statusCode, 201, res.body);
      const cookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('bs_session='))!;
      return { cookie: cookie.slice('bs_session='.length).split(';')[0]!, csrf: res.json().csrf_token as string, token };
    };
    const asSession = (who: { cookie: string; csrf: string }, method: string, path: string, payload?: unknown) =>
      t.app.inject({
        method: method as InjectOptions['method'],
        url: `${PREFIX}${path}`,
        cookies: { bs_session: who.cookie },
        headers: { 'x-csrf-token': who.csrf },
        ...(payload === undefined ? {} : { payload: payload as InjectOptions['payload'] }),
      });

    before(async () => {
      t = await startApp();
      await seedMerchant(t.services, { id: A });
      host = await staffSession('host');
      manager = await staffSession('manager');
    });
    after(() => t.close());

    test('every admin route has an entry in the permission table, and every entry is a route', () => {
      const served = routesOf(t.app)
        .filter((r) => r.path.startsWith(`${PREFIX}/`) && r.path !== `${PREFIX}/openapi.json`)
        .map((r) => `${r.method} ${r.path.slice(PREFIX.length)}`)
        .filter((key) => key !== 'POST /session'); // signing in is public
      const missing = served.filter((key) => !(key in ROUTE_PERMISSIONS));
      assert.deepEqual(missing, [], 'admin routes without a permission');
      const stale = Object.keys(ROUTE_PERMISSIONS).filter((key) => !served.includes(key));
      assert.deepEqual(stale, [], 'permission entries without a route');
    });

    // Each route called with placeholder ids: a refusal by role happens before the route's own
    // checks, so a host route may answer 404 or 400 here, but never the role's 403.
    const concrete = (key: string) => {
      const [method, pattern] = key.split(' ') as [string, string];
      const path = pattern
        .replace(':merchantId', A)
        .replace(':action', 'notify')
        .replace(/:[A-Za-z]+/g, 'no-such-id');
      // A deactivation is asked as a dry run: the walk changes nothing.
      const payload = method === 'GET' || method === 'DELETE' ? undefined : pattern.endsWith('/deactivate') ? { dry_run: true } : {};
      return { method, path, payload };
    };
    const walked = Object.entries(ROUTE_PERMISSIONS).filter(
      // The event stream never ends under inject (its own tests cover it); the session routes act on the caller's own session.
      ([key]) => !key.endsWith('/events') && !key.includes(' /session'),
    );

    test('a host is refused every manager route with 403 FORBIDDEN and a message that says why, by cookie and by bearer token', async () => {
      for (const [key] of walked.filter(([, p]) => p === 'manager')) {
        const { method, path, payload } = concrete(key);
        for (const res of [await asSession(host, method, path, payload), await t.admin(method as InjectOptions['method'], path, payload, host.token)]) {
          assert.equal(res.statusCode, 403, `${key}: ${res.body}`);
          const error = res.json().error;
          assert.equal(error.code, 'FORBIDDEN', key);
          assert.equal(error.status, 403, key);
          assert.match(error.message, HOST_REFUSED, key);
        }
      }
    });

    test('a host is allowed every host route; a manager staff member every manager route; neither the bootstrap routes', async () => {
      for (const [key, permission] of walked) {
        const { method, path, payload } = concrete(key);
        const byHost = await asSession(host, method, path, payload);
        const byManager = await asSession(manager, method, path, payload);
        if (permission === 'host') assert.notEqual(byHost.statusCode, 403, `${key} (host): ${byHost.body}`);
        if (permission !== 'bootstrap') assert.notEqual(byManager.statusCode, 403, `${key} (manager): ${byManager.body}`);
        else {
          assert.equal(byManager.statusCode, 403, key);
          assert.equal(byManager.json().error.message, 'this action needs the bootstrap admin token', key);
        }
      }
    });

    test("a host's refused change leaves the data as it was; a manager's goes through", async () => {
      const tables = [{ id: 'bar', seats: 8 }];
      assert.equal((await asSession(host, 'PUT', `/merchants/${A}/tables`, { tables })).statusCode, 403);
      assert.equal((await asSession(host, 'PUT', `/merchants/${A}/opening-hours`, { opening_hours: [] })).statusCode, 403);
      assert.equal((await asSession(host, 'PATCH', `/merchants/${A}/services/waitlist`, { waitlist: { max_party_size: 2 } })).statusCode, 403);
      assert.equal((await asSession(host, 'PATCH', `/merchants/${A}/services/waitlist`, { waitlist: { paused: true, max_party_size: 2 } })).statusCode, 403);
      assert.equal((await asSession(host, 'PATCH', `/merchants/${A}`, { name: 'Renamed by a host' })).statusCode, 403);
      const merchant = (await t.admin('GET', `/merchants/${A}`)).json();
      assert.notEqual(merchant.name, 'Renamed by a host');
      assert.equal(merchant.opening_hours.length, 7);
      assert.deepEqual(
        (await t.admin('GET', `/merchants/${A}/tables`))
          .json()
          .tables.map((x: { id: string }) => x.id)
          .sort(),
        ['four', 'two'],
      );
      assert.notEqual((await t.admin('GET', `/merchants/${A}/services/waitlist`)).json().waitlist.max_party_size, 2);

      const put = await asSession(manager, 'PUT', `/merchants/${A}/tables`, { tables });
      assert.equal(put.statusCode, 200, put.body);
      assert.deepEqual(
        (await t.admin('GET', `/merchants/${A}/tables`)).json().tables.map((x: { id: string }) => x.id),
        ['bar'],
      );
    });

    test("pausing and resuming Google's joins is the host's (running the queue), as are walk-ins and seating", async () => {
      const paused = await asSession(host, 'PATCH', `/merchants/${A}/services/waitlist`, { waitlist: { paused: true } });
      assert.equal(paused.statusCode, 200, paused.body);
      assert.equal(paused.json().waitlist.paused, true);
      assert.equal((await asSession(host, 'PATCH', `/merchants/${A}/services/waitlist`, { waitlist: { paused: false } })).json().waitlist.paused, false);
      const walkIn = await asSession(host, 'POST', `/merchants/${A}/services/waitlist/walk-ins`, { party_size: 2, given_name: 'Walk' });
      assert.equal(walkIn.statusCode, 201, walkIn.body);
      const notified = await asSession(host, 'POST', `/merchants/${A}/waitlist-entries/${walkIn.json().id}/notify`);
      assert.equal(notified.statusCode, 200, notified.body);
    });
  });
}
