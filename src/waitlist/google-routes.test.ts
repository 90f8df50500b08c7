// The five waitlist methods as Google calls them: real app, real SQLite file, inject().
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { NEW_PAIR, OLD_PAIR, basic, seedMerchant, type MerchantFixture, type TestApp, DIALECTS, forDialect } from '../test-support/app.js';

// Every test below runs once on SQLite and once on PostgreSQL (when the suite started one).
for (const dialect of DIALECTS) {
  describe(dialect, () => {
    const startApp = forDialect(dialect);

    const US_PHONE = '+1 212-736-5000';
    const CA_PHONE = '+1 416-979-1234';
    /** 2026-01-05 12:00 New York, the harness's default "now"; a whole minute. */
    const N = 1767632400;
    const SYNC = 'WAITLIST_CONFIRMATION_MODE_SYNCHRONOUS';

    // Unless a fixture says otherwise, a merchant has one two-top (1-2 seats) and one four-top (3-4 seats),
    // is open all day, and has the default turn times: 45 min (<=2), 60 min (<=4).
    const ONE_TWO_TOP = [{ id: 'two', name: 'Two-top', minSeats: 1, seats: 2 }];

    let seq = 0;

    interface JoinOptions {
      partySize?: number;
      phone?: string;
      /** null: no user_id (the email identifies the guest). */
      userId?: string | null;
      email?: string;
      token?: string;
      serviceId?: string;
    }

    function joinRequest(merchantId: string, o: JoinOptions = {}) {
      seq += 1;
      return {
        merchant_id: merchantId,
        service_id: o.serviceId ?? 'waitlist',
        party_size: o.partySize ?? 2,
        idempotency_token: o.token ?? `token-${seq}`,
        user_information: {
          ...(o.userId !== null ? { user_id: o.userId ?? `user-${seq}` } : {}),
          given_name: 'Ada',
          family_name: 'Lovelace',
          telephone: o.phone ?? US_PHONE,
          ...(o.email !== undefined ? { email: o.email } : {}),
        },
      };
    }

    async function join(t: TestApp, merchantId: string, o: JoinOptions = {}): Promise<string> {
      const res = await t.google('CreateWaitlistEntry', joinRequest(merchantId, o));
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.deepEqual(Object.keys(body), ['waitlist_entry_id'], res.body);
      assert.match(body.waitlist_entry_id, /^[0-9a-f-]{36}$/);
      return body.waitlist_entry_id;
    }

    /** The cause of a business failure, after checking its shape: HTTP 200, no entry id, a description. */
    async function failureCause(t: TestApp, request: unknown): Promise<string> {
      const res = await t.google('CreateWaitlistEntry', request);
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.deepEqual(Object.keys(body), ['waitlist_business_logic_failure'], res.body);
      assert.equal(typeof body.waitlist_business_logic_failure.description, 'string');
      return body.waitlist_business_logic_failure.cause;
    }

    async function getEntry(t: TestApp, id: string) {
      const res = await t.google('GetWaitlistEntry', { waitlist_entry_id: id });
      assert.equal(res.statusCode, 200, res.body);
      return res.json().waitlist_entry;
    }

    async function estimates(t: TestApp, merchantId: string, partySizes: number[]) {
      const res = await t.google('BatchGetWaitEstimates', { merchant_id: merchantId, service_id: 'waitlist', party_size: partySizes });
      assert.equal(res.statusCode, 200, res.body);
      return res.json();
    }

    async function entryCount(t: TestApp, merchantId: string): Promise<number> {
      const res = await t.admin('GET', `/merchants/${merchantId}/waitlist-entries`);
      assert.equal(res.statusCode, 200, res.body);
      return res.json().entries.length;
    }

    async function act(t: TestApp, merchantId: string, entryId: string, action: string, body: unknown = {}) {
      const res = await t.admin('POST', `/merchants/${merchantId}/waitlist-entries/${entryId}/${action}`, body);
      assert.equal(res.statusCode, 200, res.body);
      return res.json();
    }

    /** An app for one describe block, closed after it. */
    function appFor(options: Parameters<typeof startApp>[0] = {}, merchants: MerchantFixture[] = []) {
      const ref = {} as { t: TestApp };
      before(async () => {
        ref.t = await startApp(options);
        for (const m of merchants) await seedMerchant(ref.t.services, m);
      });
      after(() => ref.t.close());
      return ref;
    }

    const errorOf = (res: { statusCode: number; json(): any }) => res.json().error as { status: number; code: string; message: string };

    describe('HealthCheck', () => {
      const plain = appFor();
      const prefixed = appFor({ env: { PATH_PREFIX: '/google' } });
      const auth = { authorization: basic(NEW_PAIR.user, NEW_PAIR.password) };

      for (const url of ['/v3/HealthCheck', '/v3/HealthCheck/', '/v3/healthcheck', '/V3/HEALTHCHECK/']) {
        test(`GET ${url} is 200`, async () => {
          const res = await plain.t.app.inject({ method: 'GET', url, headers: auth });
          assert.equal(res.statusCode, 200);
          assert.deepEqual(res.json(), { status: 'SERVING' });
        });
      }

      test('behind PATH_PREFIX=/google it answers under the prefix only', async () => {
        for (const url of ['/google/v3/HealthCheck', '/google/v3/healthcheck/']) {
          assert.equal((await prefixed.t.app.inject({ method: 'GET', url, headers: auth })).statusCode, 200, url);
        }
        assert.equal((await prefixed.t.app.inject({ method: 'GET', url: '/v3/HealthCheck', headers: auth })).statusCode, 404);
      });

      test('the other methods are served under the prefix too', async () => {
        const res = await prefixed.t.google('GetWaitlistEntry', { waitlist_entry_id: 'none' });
        assert.equal(res.statusCode, 404);
        assert.equal(errorOf(res).code, 'WAITLIST_ENTRY_NOT_FOUND');
      });
    });

    describe('authentication', () => {
      const ref = appFor({}, [{ id: 'auth' }]);
      const call = (authorization?: string, method = 'BatchGetWaitEstimates') =>
        ref.t.app.inject({
          method: 'POST',
          url: `/v3/${method}`,
          headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
          payload: JSON.stringify({ merchant_id: 'auth', service_id: 'waitlist', party_size: [2] }),
        });

      test('no credentials: 401 with WWW-Authenticate, on every method', async () => {
        for (const method of ['BatchGetWaitEstimates', 'CreateWaitlistEntry', 'GetWaitlistEntry', 'DeleteWaitlistEntry']) {
          const res = await call(undefined, method);
          assert.equal(res.statusCode, 401, method);
          assert.match(String(res.headers['www-authenticate']), /^Basic realm="booking-server"/);
          assert.equal(res.json().error.status, 401);
        }
        const health = await ref.t.app.inject({ method: 'GET', url: '/v3/HealthCheck' });
        assert.equal(health.statusCode, 401);
        assert.match(String(health.headers['www-authenticate']), /^Basic /);
      });

      test('wrong password, wrong user, or a pair mixed from two: 401', async () => {
        for (const authorization of [
          basic(NEW_PAIR.user, 'wrong'),
          basic('someone', NEW_PAIR.password),
          basic(OLD_PAIR.user, `${OLD_PAIR.password}x`),
          'Basic not-base64!',
          `Bearer ${NEW_PAIR.password}`,
        ]) {
          const res = await call(authorization);
          assert.equal(res.statusCode, 401, authorization);
          assert.ok(res.headers['www-authenticate'], authorization);
          assert.equal(res.json().waitlist_status, undefined, 'no data');
        }
      });

      test('both rotated pairs are accepted', async () => {
        for (const pair of [OLD_PAIR, NEW_PAIR]) {
          const res = await call(basic(pair.user, pair.password));
          assert.equal(res.statusCode, 200, res.body);
          assert.equal(res.json().waitlist_status, 'OPEN');
        }
      });

      test('a header that passed before passes again without the full check; a wrong one of the same length after it is still refused', async () => {
        const good = basic(NEW_PAIR.user, NEW_PAIR.password);
        // The same length as the good header, one character off (the last of the password).
        const wrong = basic(NEW_PAIR.user, `${NEW_PAIR.password.slice(0, -1)}${NEW_PAIR.password.endsWith('7') ? '8' : '7'}`);
        assert.equal(wrong.length, good.length);
        for (let i = 0; i < 3; i++) {
          assert.equal((await call(good)).statusCode, 200);
          const refused = await call(wrong);
          assert.equal(refused.statusCode, 401);
          assert.match(String(refused.headers['www-authenticate']), /^Basic realm="booking-server"/);
          assert.equal(errorOf(refused).code, 'UNAUTHENTICATED');
        }
        // Lowercase scheme: another header value for the same pair, checked in full and then known too.
        assert.equal((await call(good.replace(/^Basic/, 'basic'))).statusCode, 200);
        assert.equal((await call(undefined)).statusCode, 401);
      });
    });

    describe('auth failure throttling', () => {
      const ref = appFor({ env: { AUTH_FAILURE_LIMIT: '3' } });
      const health = (authorization: string, remoteAddress = '127.0.0.1', headers: Record<string, string> = {}) =>
        ref.t.app.inject({ method: 'GET', url: '/v3/HealthCheck', remoteAddress, headers: { authorization, ...headers } });

      test('after AUTH_FAILURE_LIMIT failures from one address, more wrong guesses get 429, but good credentials still pass', async () => {
        const address = '192.0.2.1';
        for (let i = 0; i < 3; i++) assert.equal((await health(basic('google', `guess-${i}`), address)).statusCode, 401);
        const blocked = await health(basic('google', 'guess-3'), address);
        assert.equal(blocked.statusCode, 429);
        assert.ok(Number(blocked.headers['retry-after']) > 0);
        assert.equal(errorOf(blocked).code, 'TOO_MANY_REQUESTS');
        // Google, behind the same address, is not locked out; and its success does not reset the count.
        assert.equal((await health(basic(NEW_PAIR.user, NEW_PAIR.password), address)).statusCode, 200);
        assert.equal((await health(basic('google', 'guess-4'), address)).statusCode, 429);
        // Another address is not affected.
        assert.equal((await health(basic('google', 'guess-0'), '192.0.2.7')).statusCode, 401);
        // The count is per address: without TRUST_PROXY, X-Forwarded-For is not believed.
        assert.equal((await health(basic('google', 'guess-5'), address, { 'x-forwarded-for': '198.51.100.9' })).statusCode, 429);
      });
    });

    describe('TRUST_PROXY: the throttle counts the client behind the load balancer, not the balancer', () => {
      for (const [trust, balancer] of [
        ['10.0.0.0/8', '10.0.0.5'],
        ['true', '10.0.0.5'],
        ['1', '10.0.0.5'],
        ['loopback, 10.1.2.3', '10.1.2.3'],
      ] as const) {
        const ref = appFor({ env: { AUTH_FAILURE_LIMIT: '2', TRUST_PROXY: trust } });
        test(`TRUST_PROXY=${trust}`, async () => {
          const via = (client: string, password: string) =>
            ref.t.app.inject({
              method: 'GET',
              url: '/v3/HealthCheck',
              remoteAddress: balancer,
              headers: { authorization: basic('google', password), 'x-forwarded-for': client },
            });
          for (let i = 0; i < 2; i++) assert.equal((await via('203.0.113.66', `guess-${i}`)).statusCode, 401);
          assert.equal((await via('203.0.113.66', 'guess-2')).statusCode, 429, 'the bad client is throttled');
          assert.equal((await via('203.0.113.77', 'guess-0')).statusCode, 401, 'another client behind the same balancer is not');
          assert.equal((await via('203.0.113.66', NEW_PAIR.password)).statusCode, 200);
        });
      }

      const listed = appFor({ env: { AUTH_FAILURE_LIMIT: '2', TRUST_PROXY: '10.0.0.0/8' } });
      test('a peer outside the trusted addresses is the client itself, whatever X-Forwarded-For says', async () => {
        const direct = (forwardedFor: string, password: string) =>
          listed.t.app.inject({
            method: 'GET',
            url: '/v3/HealthCheck',
            remoteAddress: '192.0.2.50',
            headers: { authorization: basic('google', password), 'x-forwarded-for': forwardedFor },
          });
        for (let i = 0; i < 2; i++) assert.equal((await direct(`198.51.100.${i}`, `guess-${i}`)).statusCode, 401);
        assert.equal((await direct('198.51.100.99', 'guess-2')).statusCode, 429, 'a spoofed X-Forwarded-For does not escape the throttle');
      });
    });

    describe('body limit', () => {
      const ref = appFor({ env: { BODY_LIMIT_BYTES: '2048' } }, [{ id: 'limit' }]);

      test('a body over BODY_LIMIT_BYTES gets 413; one under it is served', async () => {
        const request = (padding: number) => ({ ...joinRequest('limit'), additional_request: 'x'.repeat(padding) });
        const big = await ref.t.google('CreateWaitlistEntry', request(3000));
        assert.equal(big.statusCode, 413);
        assert.equal(errorOf(big).status, 413);
        assert.equal(await entryCount(ref.t, 'limit'), 0);
        const small = await ref.t.google('CreateWaitlistEntry', request(100));
        assert.equal(small.statusCode, 200);
        assert.ok(small.json().waitlist_entry_id);
      });
    });

    describe('BatchGetWaitEstimates', () => {
      const ref = appFor({}, [
        { id: 'est' },
        { id: 'est-max3', rules: { maxPartySize: 3 } },
        { id: 'est-night', hours: [{ day: 1, open: '18:00', close: '23:00' }] },
        { id: 'est-paused', rules: { paused: true } },
        { id: 'est-full', rules: { maxQueueLength: 1 } },
        { id: 'est-walkin', rules: { walkInWhenNoWait: true } },
        { id: 'est-async', rules: { confirmationMode: 'ASYNCHRONOUS' } },
      ]);

      test('an empty floor: OPEN, seated now (no parties ahead), sizes no table fits left out', async () => {
        const body = await estimates(ref.t, 'est', [1, 2, 5]);
        // Seat now: range [N, N+300]; parties_ahead_count 0 is printed too (Google wants both fields populated).
        const now = { parties_ahead_count: 0, estimated_seat_time_range: { start_seconds: String(N), end_seconds: String(N + 300) } };
        assert.deepEqual(body, {
          waitlist_status: 'OPEN',
          wait_estimate: [
            { party_size: 1, wait_length: now, waitlist_confirmation_mode: SYNC },
            { party_size: 2, wait_length: now, waitlist_confirmation_mode: SYNC },
          ],
        });
      });

      test('once a party waits: both parties_ahead_count and estimated_seat_time_range, per size', async () => {
        await join(ref.t, 'est', { partySize: 2 });
        const body = await estimates(ref.t, 'est', [1, 2, 3, 4, 5]);
        assert.equal(body.waitlist_status, 'OPEN');
        // The waiting two takes the two-top now until N+2700. Sizes 1-2 wait for it:
        // start = floor((N+2700-405)/60)*60 = N+2280, end = ceil((N+2700+675)/60)*60 = N+3420.
        // Sizes 3-4 get the free four-top now: [N, N+300]. Size 5 fits no table.
        const waitFor = (start: number, end: number) => ({
          parties_ahead_count: 1,
          estimated_seat_time_range: { start_seconds: String(start), end_seconds: String(end) },
        });
        assert.deepEqual(
          body.wait_estimate.map((e: { party_size: number; wait_length: unknown }) => [e.party_size, e.wait_length]),
          [
            [1, waitFor(N + 2280, N + 3420)],
            [2, waitFor(N + 2280, N + 3420)],
            [3, waitFor(N, N + 300)],
            [4, waitFor(N, N + 300)],
          ],
        );
      });

      test('duplicated and unservable sizes: one estimate per servable size', async () => {
        const body = await estimates(ref.t, 'est-max3', [4, 2, 2, 0, -1, 3]);
        assert.deepEqual(
          body.wait_estimate.map((e: { party_size: number }) => e.party_size),
          [2, 3],
        );
      });

      test('CLOSED_OTHER with no estimates when closed by hours, paused, or full', async () => {
        await join(ref.t, 'est-full');
        for (const merchant of ['est-night', 'est-paused', 'est-full']) {
          assert.deepEqual(await estimates(ref.t, merchant, [2]), { waitlist_status: 'CLOSED_OTHER' }, merchant);
        }
      });

      test('CLOSED_NO_WAIT when walk-ins are wanted and nobody waits; OPEN again once someone does', async () => {
        assert.deepEqual(await estimates(ref.t, 'est-walkin', [1, 2, 3]), { waitlist_status: 'CLOSED_NO_WAIT' });
        // Walk-ins from the host stand fill the queue; Google's guests can then join.
        const walkIn = await ref.t.admin('POST', '/merchants/est-walkin/services/waitlist/walk-ins', { party_size: 2, given_name: 'Host' });
        assert.equal(walkIn.statusCode, 201, walkIn.body);
        assert.equal((await estimates(ref.t, 'est-walkin', [2])).waitlist_status, 'OPEN');
      });

      test('the confirmation mode of the service is reported', async () => {
        const body = await estimates(ref.t, 'est-async', [2]);
        assert.equal(body.wait_estimate[0].waitlist_confirmation_mode, 'WAITLIST_CONFIRMATION_MODE_ASYNCHRONOUS');
      });

      test('unknown merchant or service: 400 naming it', async () => {
        const res = await ref.t.google('BatchGetWaitEstimates', { merchant_id: 'nobody', service_id: 'waitlist', party_size: [2] });
        assert.equal(res.statusCode, 400);
        assert.equal(errorOf(res).code, 'UNKNOWN_MERCHANT');
        assert.match(errorOf(res).message, /nobody/);
        const svc = await ref.t.google('BatchGetWaitEstimates', { merchant_id: 'est', service_id: 'brunch', party_size: [2] });
        assert.equal(svc.statusCode, 400);
        assert.equal(errorOf(svc).code, 'UNKNOWN_SERVICE');
        assert.match(errorOf(svc).message, /brunch/);
      });
    });

    describe('CreateWaitlistEntry', () => {
      const ref = appFor({}, [
        { id: 'cw' },
        { id: 'cw-min2', rules: { minPartySize: 2 } },
        { id: 'cw-max3', rules: { maxPartySize: 3 } },
        { id: 'cw-night', hours: [{ day: 1, open: '18:00', close: '23:00' }] },
        { id: 'cw-walkin', rules: { walkInWhenNoWait: true } },
        { id: 'cw-full', rules: { maxQueueLength: 1 } },
        { id: 'cw-us', rules: { allowedPhoneCountries: ['US'] } },
        { id: 'cw-paused', rules: { paused: true } },
        { id: 'cw-disabled', rules: { enabled: false } },
      ]);

      test('success: an id, and the entry is WAITING in the queue with what Google sent', async () => {
        const request = { ...joinRequest('cw', { partySize: 3 }), additional_request: 'high chair' };
        const res = await ref.t.google('CreateWaitlistEntry', request);
        const id = res.json().waitlist_entry_id;
        assert.equal(res.statusCode, 200);
        const entry = await getEntry(ref.t, id);
        assert.equal(entry.waitlist_entry_state, 'WAITING');
        assert.deepEqual(entry.waitlist_entry_state_times, { created_time_seconds: String(N) });
        const admin = (await ref.t.admin('GET', `/merchants/cw/waitlist-entries/${id}`)).json();
        assert.equal(admin.source, 'google');
        assert.equal(admin.party_size, 3);
        assert.equal(admin.additional_request, 'high chair');
        assert.deepEqual(admin.guest, {
          given_name: 'Ada',
          family_name: 'Lovelace',
          telephone: US_PHONE,
          email: null,
          google_user_id: request.user_information.user_id,
        });
      });

      test('EXISTING_WAITLIST_ENTRY: the same user again, with a new token; allowed again once canceled', async () => {
        const first = await join(ref.t, 'cw', { userId: 'repeat-user' });
        assert.equal(await failureCause(ref.t, joinRequest('cw', { userId: 'repeat-user' })), 'EXISTING_WAITLIST_ENTRY');
        assert.equal(await failureCause(ref.t, joinRequest('cw-max3', { userId: 'repeat-user' })), 'EXISTING_WAITLIST_ENTRY', 'at any merchant');
        await ref.t.google('DeleteWaitlistEntry', { waitlist_entry_id: first });
        await join(ref.t, 'cw', { userId: 'repeat-user' });
      });

      test('EXISTING_WAITLIST_ENTRY by email: the same address in another case, under another user id or none, at any merchant', async () => {
        const first = await join(ref.t, 'cw', { userId: 'mail-user-1', email: 'Grace.Hopper@Example.com' });
        assert.equal(await failureCause(ref.t, joinRequest('cw', { userId: 'mail-user-2', email: ' grace.hopper@example.COM' })), 'EXISTING_WAITLIST_ENTRY');
        assert.equal(
          await failureCause(ref.t, joinRequest('cw-max3', { userId: null, email: 'grace.hopper@example.com' })),
          'EXISTING_WAITLIST_ENTRY',
          'at any merchant, without a user_id',
        );
        await ref.t.google('DeleteWaitlistEntry', { waitlist_entry_id: first });
        await join(ref.t, 'cw', { userId: 'mail-user-2', email: 'grace.hopper@example.com' });
      });

      test('a join with an email and no user_id is accepted; the same address again is EXISTING_WAITLIST_ENTRY', async () => {
        const id = await join(ref.t, 'cw', { userId: null, email: 'only-email@example.com' });
        const admin = (await ref.t.admin('GET', `/merchants/cw/waitlist-entries/${id}`)).json();
        assert.deepEqual([admin.guest.email, admin.guest.google_user_id], ['only-email@example.com', null]);
        assert.equal(await failureCause(ref.t, joinRequest('cw', { userId: null, email: 'ONLY-EMAIL@example.com' })), 'EXISTING_WAITLIST_ENTRY');
        await ref.t.google('DeleteWaitlistEntry', { waitlist_entry_id: id });
      });

      test('concurrent joins with one email under different user ids: one entry', async () => {
        const before = await entryCount(ref.t, 'cw');
        const responses = await Promise.all(
          Array.from({ length: 6 }, (_, i) =>
            ref.t.google('CreateWaitlistEntry', joinRequest('cw', { userId: `race-user-${i}`, email: i % 2 ? 'race@example.com' : 'RACE@example.com' })),
          ),
        );
        const bodies = responses.map((r) => r.json());
        assert.equal(bodies.filter((b) => b.waitlist_entry_id !== undefined).length, 1, JSON.stringify(bodies));
        assert.deepEqual(
          new Set(bodies.filter((b) => b.waitlist_entry_id === undefined).map((b) => b.waitlist_business_logic_failure?.cause)),
          new Set(['EXISTING_WAITLIST_ENTRY']),
        );
        assert.equal(await entryCount(ref.t, 'cw'), before + 1);
      });

      const causes: [string, string, JoinOptions][] = [
        ['BELOW_MIN_PARTY_SIZE', 'cw-min2', { partySize: 1 }],
        ['ABOVE_MAX_PARTY_SIZE', 'cw-max3', { partySize: 4 }],
        ['ABOVE_MAX_PARTY_SIZE', 'cw', { partySize: 5 }], // the largest table seats four
        ['MERCHANT_CLOSED', 'cw-night', {}],
        ['NO_WAIT', 'cw-walkin', {}],
        ['PHONE_NUMBER_COUNTRY_UNSUPPORTED', 'cw-us', { phone: CA_PHONE }],
        ['WAITLIST_CLOSED', 'cw-paused', {}],
        ['WAITLIST_CLOSED', 'cw-disabled', {}],
      ];
      for (const [cause, merchant, options] of causes) {
        test(`${cause} at ${merchant}: 200 with the cause, and nothing created`, async () => {
          const before = await entryCount(ref.t, merchant);
          assert.equal(await failureCause(ref.t, joinRequest(merchant, options)), cause);
          assert.equal(await entryCount(ref.t, merchant), before);
        });
      }

      test('WAITLIST_FULL once max_queue_length parties wait', async () => {
        await join(ref.t, 'cw-full');
        assert.equal(await failureCause(ref.t, joinRequest('cw-full')), 'WAITLIST_FULL');
        assert.equal(await entryCount(ref.t, 'cw-full'), 1);
      });

      test('a US number is accepted where only US numbers are', async () => {
        await join(ref.t, 'cw-us', { phone: US_PHONE });
      });

      test('party size limits are inclusive', async () => {
        await join(ref.t, 'cw-min2', { partySize: 2 });
        await join(ref.t, 'cw-max3', { partySize: 3 });
      });

      test('unknown merchant or service: 400 naming it, and the token stays unused', async () => {
        const request = joinRequest('nobody', { token: 'unknown-merchant-token' });
        const res = await ref.t.google('CreateWaitlistEntry', request);
        assert.equal(res.statusCode, 400);
        assert.match(errorOf(res).message, /nobody/);
        const svc = await ref.t.google('CreateWaitlistEntry', joinRequest('cw', { serviceId: 'brunch' }));
        assert.equal(svc.statusCode, 400);
        assert.equal(errorOf(svc).code, 'UNKNOWN_SERVICE');
        // The same token with a valid merchant is a new request, not a 409.
        await join(ref.t, 'cw', { token: 'unknown-merchant-token' });
      });
    });

    describe('GetWaitlistEntry', () => {
      const ref = appFor({}, [{ id: 'ge' }, { id: 'ge-move', tables: ONE_TWO_TOP }, { id: 'ge-async', rules: { confirmationMode: 'ASYNCHRONOUS' } }]);

      test('state times are set only once each state is reached', async () => {
        const t = ref.t;
        const id = await join(t, 'ge');
        const times = async () => (await getEntry(t, id)).waitlist_entry_state_times;
        assert.deepEqual(await times(), { created_time_seconds: String(N) });
        t.clock.advanceSeconds(60);
        await act(t, 'ge', id, 'notify');
        assert.equal((await getEntry(t, id)).waitlist_entry_state, 'SERVICE_READY');
        assert.deepEqual(await times(), { created_time_seconds: String(N), service_readied_time_seconds: String(N + 60) });
        t.clock.advanceSeconds(60);
        await act(t, 'ge', id, 'check-in');
        assert.equal((await getEntry(t, id)).waitlist_entry_state, 'CHECKED_IN');
        assert.deepEqual(await times(), {
          created_time_seconds: String(N),
          service_readied_time_seconds: String(N + 60),
          checked_in_time_seconds: String(N + 120),
        });
        t.clock.advanceSeconds(60);
        await act(t, 'ge', id, 'seat');
        const seated = await getEntry(t, id);
        assert.equal(seated.waitlist_entry_state, 'SEATED');
        assert.deepEqual(seated.waitlist_entry_state_times, {
          created_time_seconds: String(N),
          service_readied_time_seconds: String(N + 60),
          checked_in_time_seconds: String(N + 120),
          seated_time_seconds: String(N + 180),
        });
        assert.deepEqual(
          seated.wait_estimate,
          {
            party_size: 2,
            wait_length: { parties_ahead_count: 0, estimated_seat_time_range: { start_seconds: String(N + 180), end_seconds: String(N + 480) } },
            waitlist_confirmation_mode: SYNC,
          },
          'no wait once seated: a zero-wait estimate, both fields populated',
        );
        t.clock.set(N * 1000);
      });

      test('a no-show records marked_no_show_time_seconds', async () => {
        const id = await join(ref.t, 'ge');
        ref.t.clock.advanceSeconds(600);
        await act(ref.t, 'ge', id, 'no-show');
        const entry = await getEntry(ref.t, id);
        assert.equal(entry.waitlist_entry_state, 'NO_SHOW');
        assert.deepEqual(entry.waitlist_entry_state_times, { created_time_seconds: String(N), marked_no_show_time_seconds: String(N + 600) });
        ref.t.clock.set(N * 1000);
      });

      test('the estimate moves as the queue moves', async () => {
        const t = ref.t;
        // A merchant with one two-top. A, B, C of two each:
        // A sits at N, B at N+2700, C at N+5400 -> C's window:
        // start = floor((N+5400-810)/60)*60 = N+4560, end = ceil((N+5400+1350)/60)*60 = N+6780.
        const [a, b, c] = [await join(t, 'ge-move'), await join(t, 'ge-move'), await join(t, 'ge-move')];
        const lengthOf = async (id: string) => (await getEntry(t, id)).wait_estimate.wait_length;
        const range = (start: number, end: number) => ({ start_seconds: String(start), end_seconds: String(end) });
        assert.deepEqual(await lengthOf(c), { parties_ahead_count: 2, estimated_seat_time_range: range(N + 4560, N + 6780) });
        assert.deepEqual(await lengthOf(a), { parties_ahead_count: 0, estimated_seat_time_range: range(N, N + 300) });

        // The host seats A: one party ahead of C; the table is busy until N+2700 as planned.
        const seated = await act(t, 'ge-move', a, 'seat');
        assert.equal(seated.table_id, 'two');
        assert.deepEqual(await lengthOf(c), { parties_ahead_count: 1, estimated_seat_time_range: range(N + 4560, N + 6780) });

        // B cancels: C is next, when A's table frees at N+2700 -> [N+2280, N+3420].
        assert.equal((await t.google('DeleteWaitlistEntry', { waitlist_entry_id: b })).statusCode, 200);
        assert.deepEqual(await lengthOf(c), { parties_ahead_count: 0, estimated_seat_time_range: range(N + 2280, N + 3420) });
      });

      test('an asynchronous service: PENDING_MERCHANT_CONFIRMATION until the merchant confirms', async () => {
        const id = await join(ref.t, 'ge-async');
        const pending = await getEntry(ref.t, id);
        assert.equal(pending.waitlist_entry_state, 'PENDING_MERCHANT_CONFIRMATION');
        assert.equal(pending.wait_estimate.waitlist_confirmation_mode, 'WAITLIST_CONFIRMATION_MODE_ASYNCHRONOUS');
        await act(ref.t, 'ge-async', id, 'confirm');
        assert.equal((await getEntry(ref.t, id)).waitlist_entry_state, 'WAITING');
      });

      test('an unknown id: 404 naming it', async () => {
        const res = await ref.t.google('GetWaitlistEntry', { waitlist_entry_id: 'no-such-entry' });
        assert.equal(res.statusCode, 404);
        assert.match(errorOf(res).message, /no-such-entry/);
      });
    });

    describe('DeleteWaitlistEntry', () => {
      const ref = appFor({}, [{ id: 'de' }]);

      test('{} then GetWaitlistEntry says CANCELED with canceled_time_seconds; deleting again is 200', async () => {
        const id = await join(ref.t, 'de');
        ref.t.clock.advanceSeconds(90);
        const res = await ref.t.google('DeleteWaitlistEntry', { waitlist_entry_id: id });
        assert.equal(res.statusCode, 200);
        assert.equal(res.body, '{}');
        const entry = await getEntry(ref.t, id);
        assert.equal(entry.waitlist_entry_state, 'CANCELED');
        assert.deepEqual(entry.waitlist_entry_state_times, { created_time_seconds: String(N), canceled_time_seconds: String(N + 90) });

        ref.t.clock.advanceSeconds(90);
        const again = await ref.t.google('DeleteWaitlistEntry', { waitlist_entry_id: id });
        assert.equal(again.statusCode, 200);
        assert.equal(again.body, '{}');
        assert.equal((await getEntry(ref.t, id)).waitlist_entry_state_times.canceled_time_seconds, String(N + 90), 'first cancel time kept');
        assert.equal(await entryCount(ref.t, 'de'), 1);
      });

      test('an unknown id: 404', async () => {
        const res = await ref.t.google('DeleteWaitlistEntry', { waitlist_entry_id: 'no-such-entry' });
        assert.equal(res.statusCode, 404);
        assert.equal(errorOf(res).code, 'WAITLIST_ENTRY_NOT_FOUND');
      });
    });

    describe('request parsing', () => {
      const ref = appFor({}, [{ id: 'rp' }]);

      async function rejected(method: string, body: unknown, message: RegExp, headers?: Record<string, string>) {
        const res = await ref.t.google(method, body, headers);
        assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${res.statusCode} ${res.body}`);
        assert.match(String(res.headers['content-type']), /^application\/json/);
        const error = errorOf(res);
        assert.equal(error.status, res.statusCode);
        assert.match(error.message, message);
      }

      test('malformed JSON, with or without a JSON content type', async () => {
        await rejected('CreateWaitlistEntry', '{"merchant_id": "rp",', /JSON/);
        await rejected('CreateWaitlistEntry', '{"merchant_id": "rp",', /JSON/, { 'content-type': 'text/plain' });
        await rejected('GetWaitlistEntry', 'nope', /JSON/, { 'content-type': 'application/octet-stream' });
      });

      test('a body that is not a JSON object', async () => {
        await rejected('CreateWaitlistEntry', '[]', /JSON object/);
        await rejected('BatchGetWaitEstimates', '"rp"', /JSON object/);
        await rejected('GetWaitlistEntry', 'null', /JSON object/);
      });

      test('wrong types name the field', async () => {
        await rejected('CreateWaitlistEntry', { ...joinRequest('rp'), party_size: 'abc' }, /party_size/);
        await rejected('CreateWaitlistEntry', { ...joinRequest('rp'), party_size: 2.5 }, /party_size/);
        await rejected('CreateWaitlistEntry', { ...joinRequest('rp'), user_information: 'Ada' }, /UserInformation/);
        await rejected('BatchGetWaitEstimates', { merchant_id: 'rp', service_id: 'waitlist', party_size: 2 }, /party_size/);
        await rejected('GetWaitlistEntry', { waitlist_entry_id: 42 }, /waitlist_entry_id/);
      });

      test('missing required fields are named', async () => {
        const full = joinRequest('rp');
        const without = (key: string) => Object.fromEntries(Object.entries(full).filter(([k]) => k !== key));
        for (const field of ['merchant_id', 'service_id', 'party_size', 'user_information', 'idempotency_token']) {
          await rejected('CreateWaitlistEntry', without(field), new RegExp(field));
        }
        await rejected('CreateWaitlistEntry', { ...full, user_information: { given_name: 'Ada' } }, /user_id or user_information\.email/);
        await rejected('BatchGetWaitEstimates', { service_id: 'waitlist', party_size: [2] }, /merchant_id/);
        await rejected('BatchGetWaitEstimates', { merchant_id: 'rp', party_size: [2] }, /service_id/);
        await rejected('GetWaitlistEntry', {}, /waitlist_entry_id/);
        await rejected('DeleteWaitlistEntry', {}, /waitlist_entry_id/);
        assert.equal(await entryCount(ref.t, 'rp'), 0);
      });

      test('camelCase keys and int32 as a string are accepted', async () => {
        const res = await ref.t.google('CreateWaitlistEntry', {
          merchantId: 'rp',
          serviceId: 'waitlist',
          partySize: '3',
          idempotencyToken: 'camel-1',
          userInformation: { userId: 'camel-user', givenName: 'Grace', familyName: 'Hopper', telephone: US_PHONE },
          additionalRequest: 'window',
        });
        assert.equal(res.statusCode, 200, res.body);
        const id = res.json().waitlist_entry_id;
        const admin = (await ref.t.admin('GET', `/merchants/rp/waitlist-entries/${id}`)).json();
        assert.deepEqual(
          [admin.party_size, admin.guest.google_user_id, admin.guest.given_name, admin.additional_request],
          [3, 'camel-user', 'Grace', 'window'],
        );

        const got = await ref.t.google('GetWaitlistEntry', { waitlistEntryId: id });
        assert.equal(got.json().waitlist_entry.wait_estimate.party_size, 3);
        const est = await ref.t.google('BatchGetWaitEstimates', { merchantId: 'rp', serviceId: 'waitlist', partySize: ['1', 2] });
        assert.deepEqual(
          est.json().wait_estimate.map((e: { party_size: number }) => e.party_size),
          [1, 2],
        );
        assert.equal((await ref.t.google('DeleteWaitlistEntry', { waitlistEntryId: id })).statusCode, 200);
      });

      test('responses use snake_case and int64 as strings', async () => {
        const id = await join(ref.t, 'rp');
        const res = await ref.t.google('GetWaitlistEntry', { waitlist_entry_id: id });
        assert.match(res.body, /"waitlist_entry_state_times":\{"created_time_seconds":"\d+"\}/);
        assert.doesNotMatch(res.body, /[a-z][A-Z]/, 'no camelCase keys');
      });

      test('unknown fields are ignored, at any depth', async () => {
        const request = joinRequest('rp');
        const res = await ref.t.google('CreateWaitlistEntry', {
          ...request,
          future_field: { nested: true },
          user_information: { ...request.user_information, loyalty_tier: 'gold' },
        });
        assert.equal(res.statusCode, 200, res.body);
        assert.ok(res.json().waitlist_entry_id);
      });

      test('valid JSON sent as text/plain or with no content type is read as JSON', async () => {
        const plain = await ref.t.google('CreateWaitlistEntry', joinRequest('rp'), { 'content-type': 'text/plain' });
        assert.equal(plain.statusCode, 200, plain.body);
        assert.ok(plain.json().waitlist_entry_id);
        const bare = await ref.t.app.inject({
          method: 'POST',
          url: '/v3/GetWaitlistEntry',
          headers: { authorization: basic(NEW_PAIR.user, NEW_PAIR.password) },
          payload: JSON.stringify({ waitlist_entry_id: plain.json().waitlist_entry_id }),
        });
        assert.equal(bare.statusCode, 200, bare.body);
        assert.equal(bare.json().waitlist_entry.waitlist_entry_state, 'WAITING');
      });

      test('an unknown method is 404', async () => {
        const res = await ref.t.google('CreateBookingz', {});
        assert.equal(res.statusCode, 404);
      });
    });

    describe('idempotency', () => {
      const ref = appFor({}, [
        { id: 'idem', tables: [{ id: 'big', name: 'Big', minSeats: 1, seats: 10 }] },
        { id: 'idem-full', rules: { maxQueueLength: 1 } },
        { id: 'idem-many' },
      ]);

      test('an exact retry returns a byte-identical body and creates nothing', async () => {
        const request = joinRequest('idem');
        const first = await ref.t.google('CreateWaitlistEntry', request);
        ref.t.clock.advanceSeconds(5);
        const retry = await ref.t.google('CreateWaitlistEntry', request);
        assert.equal(first.statusCode, 200);
        assert.equal(retry.statusCode, 200);
        assert.ok(first.json().waitlist_entry_id);
        assert.equal(retry.body, first.body);
        assert.equal(await entryCount(ref.t, 'idem'), 1);
      });

      test('the same token with a different request: 409', async () => {
        const request = joinRequest('idem', { token: 'reused-token' });
        await ref.t.google('CreateWaitlistEntry', request);
        const changed = await ref.t.google('CreateWaitlistEntry', { ...request, party_size: 4 });
        assert.equal(changed.statusCode, 409);
        assert.match(errorOf(changed).message, /reused-token/);
        assert.equal(await entryCount(ref.t, 'idem'), 2);
      });

      test('a camelCase retry of a snake_case request, with int32 as a string, is the same request', async () => {
        const request = joinRequest('idem', { partySize: 3 });
        const first = await ref.t.google('CreateWaitlistEntry', request);
        const u = request.user_information;
        const camel = await ref.t.google('CreateWaitlistEntry', {
          userInformation: { telephone: u.telephone, familyName: u.family_name, givenName: u.given_name, userId: u.user_id },
          idempotencyToken: request.idempotency_token,
          partySize: '3',
          serviceId: request.service_id,
          merchantId: request.merchant_id,
          unknownField: 1,
        });
        assert.equal(camel.statusCode, 200);
        assert.equal(camel.body, first.body);
        assert.equal(await entryCount(ref.t, 'idem'), 3);
      });

      test('a failed attempt is not cached: retried after the merchant makes room, it succeeds', async () => {
        await join(ref.t, 'idem-full');
        const request = joinRequest('idem-full', { token: 'retry-after-full' });
        assert.equal(await failureCause(ref.t, request), 'WAITLIST_FULL');
        assert.equal(await failureCause(ref.t, request), 'WAITLIST_FULL', 'still full: re-attempted, still failing');
        const patch = await ref.t.admin('PATCH', '/merchants/idem-full/services/waitlist', { waitlist: { max_queue_length: 2 } });
        assert.equal(patch.statusCode, 200, patch.body);
        const ok = await ref.t.google('CreateWaitlistEntry', request);
        const id = ok.json().waitlist_entry_id;
        assert.ok(id, ok.body);
        assert.equal(await entryCount(ref.t, 'idem-full'), 2);
        // And from now on the success is what the token replays.
        assert.equal((await ref.t.google('CreateWaitlistEntry', request)).body, ok.body);
      });

      test('50 concurrent identical requests: one entry, 50 identical bodies', async () => {
        const request = JSON.stringify(joinRequest('idem-many'));
        const responses = await Promise.all(Array.from({ length: 50 }, () => ref.t.google('CreateWaitlistEntry', request)));
        assert.deepEqual(new Set(responses.map((r) => r.statusCode)), new Set([200]));
        const bodies = new Set(responses.map((r) => r.body));
        assert.equal(bodies.size, 1, [...bodies].join('\n'));
        assert.ok(JSON.parse([...bodies][0]!).waitlist_entry_id);
        assert.equal(await entryCount(ref.t, 'idem-many'), 1);
      });
    });

    describe('opening hours across DST (America/New_York, 09:00-17:00 every day)', () => {
      const hours = [1, 2, 3, 4, 5, 6, 7].map((day) => ({ day, open: '09:00', close: '17:00' }));
      const ref = appFor({}, [{ id: 'dst', hours, timeZone: 'America/New_York', tables: [{ id: 'big', name: 'Big', minSeats: 1, seats: 10 }] }]);

      // Each instant is chosen where a fixed pre-switch offset would give the opposite answer.
      const cases: [string, string, boolean][] = [
        ['2026-03-08T12:59:00Z', 'Sun 08:59 EDT (EST would say 07:59)', false],
        ['2026-03-08T13:00:00Z', 'Sun 09:00 EDT (EST would say 08:00)', true],
        ['2026-03-08T20:59:00Z', 'Sun 16:59 EDT', true],
        ['2026-03-08T21:00:00Z', 'Sun 17:00 EDT (EST would say 16:00)', false],
        ['2026-11-01T13:59:00Z', 'Sun 08:59 EST (EDT would say 09:59)', false],
        ['2026-11-01T14:00:00Z', 'Sun 09:00 EST', true],
        ['2026-11-01T21:30:00Z', 'Sun 16:30 EST (EDT would say 17:30)', true],
        ['2026-11-01T22:00:00Z', 'Sun 17:00 EST', false],
      ];
      for (const [instant, local, open] of cases) {
        test(`${instant} = ${local}: ${open ? 'joins' : 'MERCHANT_CLOSED'}`, async () => {
          ref.t.clock.set(Date.parse(instant));
          const request = joinRequest('dst');
          if (open) {
            const res = await ref.t.google('CreateWaitlistEntry', request);
            assert.ok(res.json().waitlist_entry_id, res.body);
          } else {
            assert.equal(await failureCause(ref.t, request), 'MERCHANT_CLOSED');
          }
          assert.equal((await estimates(ref.t, 'dst', [2])).waitlist_status, open ? 'OPEN' : 'CLOSED_OTHER');
        });
      }
    });
  });
}
