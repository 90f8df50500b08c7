// Host stand sessions and staff accounts: the cookie, CSRF on state-changing requests, expiry,
// sign-out, revocation, and staff roles and scope. Bearer callers of /admin/v1 are unchanged.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { ADMIN_TOKEN, bearer, DIALECTS, forDialect, seedMerchant, type TestApp } from '../test-support/app.js';

function sessionCookie(res: LightMyRequestResponse): {
  value: string;
  header: string;
} {
  const header = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('bs_session='));
  assert.ok(header, `no session cookie in ${JSON.stringify(res.headers['set-cookie'])}`);
  return { value: header.slice('bs_session='.length).split(';')[0]!, header };
}

for (const dialect of DIALECTS) {
  describe(dialect, () => {
    const startApp = forDialect(dialect);
    let t: TestApp;
    let alphaToken: string;
    const A = 'alpha';
    const B = 'beta';

    const signIn = async (token: string, body: Record<string, unknown> = {}) => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/admin/v1/session',
        payload: { token, ...body },
      });
      assert.equal(res.statusCode, 201, res.body);
      return {
        cookie: sessionCookie(res).value,
        csrf: res.json().csrf_token as string,
        res,
      };
    };
    const withCookie = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, cookie: string, extra: { csrf?: string; payload?: unknown } = {}) =>
      t.app.inject({
        method,
        url: `/admin/v1${url}`,
        cookies: { bs_session: cookie },
        headers: extra.csrf === undefined ? {} : { 'x-csrf-token': extra.csrf },
        ...(extra.payload === undefined ? {} : { payload: extra.payload as object }),
      });

    before(async () => {
      t = await startApp({ env: { AUTH_FAILURE_LIMIT: '3' } });
      await seedMerchant(t.services, { id: A });
      await seedMerchant(t.services, { id: B });
      alphaToken = (await t.admin('POST', '/tokens', { merchant_id: A, label: 'alpha' })).json().token;
    });
    after(() => t.close());

    test('signing in sets an HttpOnly, SameSite=Strict cookie on / that holds no token, and returns a CSRF token', async () => {
      const { res, cookie } = await signIn(alphaToken);
      const { header } = sessionCookie(res);
      assert.match(header, /HttpOnly/i);
      assert.match(header, /SameSite=Strict/i);
      assert.match(header, /Path=\//);
      assert.doesNotMatch(header, /Secure/i, 'plain HTTP without a https PUBLIC_BASE_URL: no Secure flag');
      assert.ok(!header.includes(alphaToken));
      assert.ok(cookie.length >= 43, 'at least 256 bits');
      const body = res.json();
      assert.equal(body.kind, 'merchant');
      assert.equal(body.merchant_id, A);
      assert.equal(body.role, 'manager');
      assert.equal(body.language, 'en');
      assert.ok(body.csrf_token.length >= 43);
      assert.ok(!res.body.includes(cookie), 'the secret is only in the cookie');
      // Stored as a digest only.
      const rows = await t.store.db.selectFrom('web_sessions').selectAll().execute();
      assert.ok(rows.length >= 1);
      assert.ok(!JSON.stringify(rows).includes(cookie));
    });

    test('the cookie reads without CSRF; a state-changing request needs the X-CSRF-Token header', async () => {
      const { cookie, csrf } = await signIn(alphaToken);
      assert.equal((await withCookie('GET', '/session', cookie)).json().csrf_token, csrf);
      assert.equal((await withCookie('GET', `/merchants/${A}/services/waitlist/queue`, cookie)).statusCode, 200);
      const walkIn = { party_size: 2, given_name: 'Forged' };
      const forged = await withCookie('POST', `/merchants/${A}/services/waitlist/walk-ins`, cookie, { payload: walkIn });
      assert.equal(forged.statusCode, 403);
      assert.equal(forged.json().error.code, 'FORBIDDEN');
      assert.match(forged.json().error.message, /x-csrf-token/);
      const wrong = await withCookie('POST', `/merchants/${A}/services/waitlist/walk-ins`, cookie, { payload: walkIn, csrf: `${csrf.slice(0, -1)}x` });
      assert.equal(wrong.statusCode, 403);
      const other = await signIn(alphaToken);
      assert.equal(
        (await withCookie('POST', `/merchants/${A}/services/waitlist/walk-ins`, cookie, { payload: walkIn, csrf: other.csrf })).statusCode,
        403,
        "another session's token",
      );
      const queue = (await t.admin('GET', `/merchants/${A}/services/waitlist/queue`)).json().entries;
      assert.equal(queue.length, 0, 'no forged walk-in was added');
      const ok = await withCookie('POST', `/merchants/${A}/services/waitlist/walk-ins`, cookie, { payload: walkIn, csrf });
      assert.equal(ok.statusCode, 201, ok.body);
    });

    test('bearer callers need no CSRF token, as before', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: `/admin/v1/merchants/${A}/services/waitlist/walk-ins`,
        headers: { authorization: bearer(alphaToken) },
        payload: { party_size: 2, given_name: 'Api' },
      });
      assert.equal(res.statusCode, 201);
    });

    test("a merchant's session cannot open another merchant's data (403)", async () => {
      const { cookie } = await signIn(alphaToken);
      const res = await withCookie('GET', `/merchants/${B}/services/waitlist/queue`, cookie);
      assert.equal(res.statusCode, 403);
      assert.equal(
        (
          await withCookie('PATCH', '/session', cookie, {
            payload: { merchant_id: B },
            csrf: (await withCookie('GET', '/session', cookie)).json().csrf_token,
          })
        ).statusCode,
        403,
      );
    });

    test('a wrong token is 401, and repeated failures from one address are throttled (429)', async () => {
      const throttled = await startApp({ env: { AUTH_FAILURE_LIMIT: '2' } });
      try {
        const attempt = () =>
          throttled.app.inject({
            method: 'POST',
            url: '/admin/v1/session',
            payload: { token: 'bsa_wrong' },
          });
        const first = await attempt();
        assert.equal(first.statusCode, 401);
        assert.equal(first.headers['set-cookie'], undefined);
        assert.equal((await attempt()).statusCode, 401);
        const third = await attempt();
        assert.equal(third.statusCode, 429);
        assert.ok(Number(third.headers['retry-after']) > 0);
        // The right token still signs in from that address.
        const valid = await throttled.app.inject({ method: 'POST', url: '/admin/v1/session', payload: { token: ADMIN_TOKEN } });
        assert.equal(valid.statusCode, 201, valid.body);
        assert.equal((await attempt()).statusCode, 429, 'and does not reset the count');
      } finally {
        await throttled.close();
      }
    });

    test('a missing or empty token is refused with 400', async () => {
      for (const payload of [{}, { token: '' }]) {
        const res = await t.app.inject({
          method: 'POST',
          url: '/admin/v1/session',
          payload,
        });
        assert.equal(res.statusCode, 400, JSON.stringify(payload));
        assert.equal(res.json().error.code, 'INVALID_ARGUMENT');
      }
    });

    test('signing out ends the session and clears the cookie', async () => {
      const { cookie, csrf } = await signIn(alphaToken);
      const forged = await withCookie('DELETE', '/session', cookie);
      assert.equal(forged.statusCode, 403, 'signing out needs the CSRF token too');
      const res = await withCookie('DELETE', '/session', cookie, { csrf });
      assert.equal(res.statusCode, 204);
      assert.match(String(res.headers['set-cookie']), /bs_session=;/);
      const after = await withCookie('GET', '/session', cookie);
      assert.equal(after.statusCode, 401);
      assert.equal((await withCookie('GET', `/merchants/${A}`, cookie)).statusCode, 401);
    });

    test('a session expires after the configured time without use, and use extends it', async () => {
      const { cookie } = await signIn(alphaToken);
      const ttl = t.config.sessionTtlSeconds;
      t.clock.advanceSeconds((ttl * 3) / 4);
      assert.equal((await withCookie('GET', '/session', cookie)).statusCode, 200, 'used at three quarters: extended');
      t.clock.advanceSeconds((ttl * 3) / 4);
      assert.equal((await withCookie('GET', '/session', cookie)).statusCode, 200, 'still alive thanks to the extension');
      t.clock.advanceSeconds(ttl + 1);
      assert.equal((await withCookie('GET', '/session', cookie)).statusCode, 401);
    });

    test('revoking the token a session was opened with ends the session', async () => {
      const issued = (await t.admin('POST', '/tokens', { merchant_id: A, label: 'to revoke' })).json();
      const { cookie } = await signIn(issued.token);
      assert.equal((await withCookie('GET', '/session', cookie)).statusCode, 200);
      assert.equal((await t.admin('DELETE', `/tokens/${issued.id}`)).statusCode, 204);
      assert.equal((await withCookie('GET', '/session', cookie)).statusCode, 401);
    });

    test('the bootstrap token signs in as root and picks a merchant; the language is kept', async () => {
      const { cookie, csrf, res } = await signIn(ADMIN_TOKEN, {
        language: 'ar',
      });
      assert.equal(res.json().kind, 'root');
      assert.equal(res.json().merchant_id, null);
      assert.equal(res.json().language, 'ar');
      const picked = await withCookie('PATCH', '/session', cookie, {
        csrf,
        payload: { merchant_id: B, language: 'tr' },
      });
      assert.equal(picked.statusCode, 200, picked.body);
      assert.equal(picked.json().merchant_id, B);
      assert.equal(picked.json().language, 'tr');
      assert.equal(
        (
          await withCookie('PATCH', '/session', cookie, {
            csrf,
            payload: { merchant_id: 'ghost' },
          })
        ).statusCode,
        404,
      );
      assert.equal(
        (
          await withCookie('PATCH', '/session', cookie, {
            csrf,
            payload: { language: 'xx' },
          })
        ).statusCode,
        400,
      );
    });

    test("a bootstrap session reads /metrics (the health page); a merchant's session does not", async () => {
      const root = await signIn(ADMIN_TOKEN);
      const ok = await t.app.inject({ method: 'GET', url: '/metrics', cookies: { bs_session: root.cookie } });
      assert.equal(ok.statusCode, 200);
      assert.match(ok.body, /booking_server_request_duration_seconds/);
      const merchant = await signIn(alphaToken);
      assert.equal((await t.app.inject({ method: 'GET', url: '/metrics', cookies: { bs_session: merchant.cookie } })).statusCode, 401);
      assert.equal((await t.app.inject({ method: 'GET', url: '/metrics', cookies: { bs_session: 'forged' } })).statusCode, 401);
    });

    test('PUBLIC_BASE_URL on https adds Secure to the cookie', async () => {
      const secure = await startApp({
        env: { PUBLIC_BASE_URL: 'https://book.example.com' },
      });
      try {
        const res = await secure.app.inject({
          method: 'POST',
          url: '/admin/v1/session',
          payload: { token: ADMIN_TOKEN },
        });
        assert.match(sessionCookie(res).header, /Secure/);
      } finally {
        await secure.close();
      }
    });

    describe('staff accounts', () => {
      test('a manager creates a host, whose token is shown once and signs in as a host with their language', async () => {
        const created = await t.admin('POST', `/merchants/${A}/staff`, { name: 'Hana', role: 'host', language: 'zh-CN' }, alphaToken);
        assert.equal(created.statusCode, 201, created.body);
        const host = created.json();
        assert.match(host.token, /^bss_/);
        assert.equal(host.role, 'host');
        const listed = await t.admin('GET', `/merchants/${A}/staff`, undefined, alphaToken);
        assert.ok(!listed.body.includes(host.token));
        assert.ok(listed.json().staff.some((s: { id: string }) => s.id === host.id));
        const stored = await t.store.db.selectFrom('staff').selectAll().where('id', '=', host.id).executeTakeFirstOrThrow();
        assert.notEqual(stored.token_hash, host.token);

        const { cookie, csrf, res } = await signIn(host.token);
        assert.deepEqual(
          {
            kind: res.json().kind,
            role: res.json().role,
            staff: res.json().staff,
            language: res.json().language,
            merchant: res.json().merchant_id,
          },
          {
            kind: 'merchant',
            role: 'host',
            staff: { id: host.id, name: 'Hana' },
            language: 'zh-CN',
            merchant: A,
          },
        );
        // A host works the queue ...
        const walkIn = await withCookie('POST', `/merchants/${A}/services/waitlist/walk-ins`, cookie, { csrf, payload: { party_size: 3, given_name: 'Ho' } });
        assert.equal(walkIn.statusCode, 201);
        // ... but manages no staff, and sees no other merchant.
        const denied = await withCookie('POST', `/merchants/${A}/staff`, cookie, { csrf, payload: { name: 'X', role: 'manager' } });
        assert.equal(denied.statusCode, 403);
        assert.match(denied.json().error.message, /^this action needs a manager \(a host may run the queue/);
        assert.equal((await t.admin('POST', `/merchants/${A}/staff`, { name: 'X', role: 'host' }, host.token)).statusCode, 403, 'with the bearer token too');
        assert.equal((await withCookie('GET', `/merchants/${B}/services/waitlist/queue`, cookie)).statusCode, 403);
        // The language picked on the screen is the staff member's own.
        assert.equal(
          (
            await withCookie('PATCH', '/session', cookie, {
              csrf,
              payload: { language: 'it' },
            })
          ).json().language,
          'it',
        );
        assert.equal((await signIn(host.token)).res.json().language, 'it');
      });

      test('a manager staff member manages staff; revoking a member ends their sessions', async () => {
        const manager = (
          await t.admin('POST', `/merchants/${A}/staff`, {
            name: 'Mo',
            role: 'manager',
          })
        ).json();
        const host = (await t.admin('POST', `/merchants/${A}/staff`, { name: 'Ha', role: 'host' }, manager.token)).json();
        assert.ok(host.token);
        const hostSession = await signIn(host.token);
        const renamed = await t.admin('PATCH', `/merchants/${A}/staff/${host.id}`, { name: 'Hal', role: 'manager' }, manager.token);
        assert.equal(renamed.statusCode, 200);
        assert.equal(renamed.json().role, 'manager');
        assert.equal((await withCookie('GET', '/session', hostSession.cookie)).json().role, 'manager', 'the role applies to live sessions');
        assert.equal((await t.admin('DELETE', `/merchants/${A}/staff/${host.id}`, undefined, manager.token)).statusCode, 204);
        assert.equal((await withCookie('GET', '/session', hostSession.cookie)).statusCode, 401);
        assert.equal((await t.admin('GET', `/merchants/${A}`, undefined, host.token)).statusCode, 401);
        assert.equal((await t.admin('DELETE', `/merchants/${A}/staff/${host.id}`, undefined, manager.token)).statusCode, 404);
      });

      test("bad input is a 400; another merchant's staff is out of reach", async () => {
        for (const body of [
          { name: '', role: 'host' },
          { name: 'A', role: 'chef' },
          { name: 'A', role: 'host', language: 'fr' },
        ]) {
          const res = await t.admin('POST', `/merchants/${A}/staff`, body);
          assert.equal(res.statusCode, 400, JSON.stringify(body));
        }
        assert.equal((await t.admin('POST', `/merchants/${B}/staff`, { name: 'X', role: 'host' }, alphaToken)).statusCode, 403);
        assert.equal((await t.admin('GET', `/merchants/${B}/staff`, undefined, alphaToken)).statusCode, 403);
        assert.equal(
          (
            await t.admin('POST', '/merchants/ghost/staff', {
              name: 'X',
              role: 'host',
            })
          ).statusCode,
          404,
        );
      });
    });
  });
}
