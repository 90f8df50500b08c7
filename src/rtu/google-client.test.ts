// The Maps Booking client against a local fake of Google: OAuth through google-auth-library with
// the token URL overridden (the fake checks the RS256 assertion, its claims and the scope), the
// token cached across calls and fetched again after a 401, and every answer classified as
// delivered, retry later (network, 401, 408, 429, 5xx; with Retry-After) or rejected (other 4xx).
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { loadConfig } from '../config.js';
import { FAKE_SA_EMAIL, MAPS_BOOKING_SCOPE, TOKEN_AUDIENCE, startFakeGoogle, type FakeGoogle } from '../test-support/fake-google.js';
import { API_BASE, GOOGLE_TOKEN_URL, MapsBookingClient, readServiceAccount, type CallResult } from './google-client.js';
import { createRtuWorker } from './setup.js';

const PARTNER = '20000000';

describe('MapsBookingClient', () => {
  let fake: FakeGoogle;
  let client: MapsBookingClient;
  const newClient = (f: FakeGoogle = fake, keyFile = f.serviceAccountFile) =>
    new MapsBookingClient({ baseUrl: `${f.baseUrl}/`, partnerId: PARTNER, account: readServiceAccount(keyFile), tokenUrl: f.tokenUrl, timeoutMs: 5_000 });
  const patch = (c = client, id = 'b-1') => c.patchBooking(id, ['status'], { name: `partners/${PARTNER}/bookings/${id}`, status: 'CANCELED' });

  before(async () => {
    fake = await startFakeGoogle();
  });
  after(() => fake.close());
  beforeEach(() => {
    fake.reset();
    client = newClient();
  });

  test('the token request carries a valid RS256 assertion for the mapsbooking scope, sent to GOOGLE_TOKEN_URL', async () => {
    const result = await patch();
    assert.equal(result.outcome, 'delivered', JSON.stringify(result));
    assert.equal(fake.tokenRequests.length, 1);
    const request = fake.tokenRequests[0]!;
    assert.equal(request.granted, true, request.refusal ?? '');
    assert.equal(request.header?.alg, 'RS256');
    assert.equal(request.claims?.iss, FAKE_SA_EMAIL);
    assert.equal(request.claims?.scope, MAPS_BOOKING_SCOPE);
    assert.equal(request.claims?.aud, TOKEN_AUDIENCE, "the audience stays Google's token URL; only the request is redirected");
    assert.ok(Number(request.claims?.exp) - Number(request.claims?.iat) <= 3600);
    assert.equal(MAPS_BOOKING_SCOPE, 'https://www.googleapis.com/auth/mapsbooking');
    assert.equal(GOOGLE_TOKEN_URL, TOKEN_AUDIENCE);
    assert.match(fake.calls[0]!.authorization, /^Bearer fake-token-\d+$/);
  });

  test('exact request: PATCH /v1alpha/notification/partners/{pid}/bookings/{id}?updateMask=..., JSON body; POST .../availability:replace', async () => {
    await client.patchBooking('bk 1/x', ['startTime', 'duration'], { a: 1 });
    await client.replaceAvailability({ extendedServiceAvailability: [] });
    const [p, r] = fake.calls;
    assert.equal(p!.method, 'PATCH');
    assert.equal(p!.path, `/v1alpha/notification/partners/${PARTNER}/bookings/bk%201%2Fx`, 'the booking id is one path segment');
    assert.equal(p!.query.get('updateMask'), 'startTime,duration');
    assert.deepEqual(p!.body, { a: 1 });
    assert.equal(r!.method, 'POST');
    assert.equal(r!.path, `/v1alpha/inventory/partners/${PARTNER}/availability:replace`);
    assert.deepEqual(r!.body, { extendedServiceAvailability: [] });
  });

  test('the token is cached across calls', async () => {
    const before = fake.tokensIssued();
    for (let i = 0; i < 10; i++) assert.equal((await patch(client, `b-${i}`)).outcome, 'delivered');
    assert.equal(fake.tokensIssued() - before, 1);
    assert.equal(new Set(fake.calls.map((c) => c.authorization)).size, 1);
  });

  test('a 401 (token revoked) is retried later, and the next call fetches a new token', async () => {
    assert.equal((await patch()).outcome, 'delivered');
    const issued = fake.tokensIssued();
    const oldToken = fake.calls[0]!.authorization;
    fake.revokeTokens();
    const refused = await patch();
    assert.deepEqual([refused.outcome, refused.status], ['retry', 401]);
    const again = await patch();
    assert.equal(again.outcome, 'delivered', JSON.stringify(again));
    assert.equal(fake.tokensIssued(), issued + 1, 'one new token');
    assert.notEqual(fake.calls[2]!.authorization, oldToken);
    assert.equal((await patch()).outcome, 'delivered');
    assert.equal(fake.tokensIssued(), issued + 1, 'and it is cached in turn');
  });

  test('classification: 5xx, 408 and 429 retry (with Retry-After when given); 400, 403 and 404 are rejected', async () => {
    fake.script(500, 503, 408, { status: 429, retryAfter: 120 }, { status: 503, retryAfter: '7' }, 400, 403, 404);
    const results: CallResult[] = [];
    for (let i = 0; i < 9; i++) results.push(await patch());
    assert.deepEqual(
      results.map((r) => [r.outcome, r.status, r.outcome === 'retry' ? r.retryAfterSec : undefined]),
      [
        ['retry', 500, null],
        ['retry', 503, null],
        ['retry', 408, null],
        ['retry', 429, 120],
        ['retry', 503, 7],
        ['rejected', 400, undefined],
        ['rejected', 403, undefined],
        ['rejected', 404, undefined],
        ['delivered', 200, undefined],
      ],
    );
    const rejected = results[5]!;
    assert.ok(rejected.outcome === 'rejected' && rejected.error.startsWith('HTTP 400: '), "the error names the status and carries Google's message");
  });

  test('a network error (nothing listening) is retried, not rejected', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const offline = new MapsBookingClient({
      baseUrl: `http://127.0.0.1:${port}`,
      partnerId: PARTNER,
      account: readServiceAccount(fake.serviceAccountFile),
      tokenUrl: fake.tokenUrl,
    });
    const result = await patch(offline);
    assert.equal(result.outcome, 'retry');
    assert.equal(result.status, null);
    assert.match(result.outcome === 'retry' ? result.error : '', /^network: /);
  });

  test('a key the token endpoint does not trust: the call is retried later (never sent without a token, never dropped)', async () => {
    const other = await startFakeGoogle();
    try {
      const untrusted = newClient(fake, other.serviceAccountFile);
      const result = await patch(untrusted);
      assert.equal(result.outcome, 'retry');
      assert.match(result.outcome === 'retry' ? result.error : '', /^OAuth token: /);
      assert.equal(fake.tokenRequests.at(-1)?.granted, false);
      assert.equal(fake.tokenRequests.at(-1)?.refusal, 'bad signature');
      assert.equal(fake.calls.length, 0, 'no API call without a token');
    } finally {
      await other.close();
    }
  });

  test('readServiceAccount names the problem, never the key', async () => {
    assert.throws(() => readServiceAccount('/nonexistent/key.json'), /GOOGLE_SERVICE_ACCOUNT_FILE: cannot read/);
  });
});

describe('createRtuWorker', () => {
  test('without Google configuration there is no worker, and the reason names the variables', () => {
    const setup = createRtuWorker(loadConfig({ DATABASE_URL: 'sqlite::memory:' }), {
      store: null as never,
      clock: null as never,
      availability: null as never,
      log: null as never,
    });
    assert.equal(setup.worker, null);
    assert.equal(setup.worker === null ? setup.reason : '', 'GOOGLE_PARTNER_ID and GOOGLE_SERVICE_ACCOUNT_FILE not set');
    const partial = createRtuWorker(loadConfig({ DATABASE_URL: 'sqlite::memory:', GOOGLE_PARTNER_ID: PARTNER }), {
      store: null as never,
      clock: null as never,
      availability: null as never,
      log: null as never,
    });
    assert.equal(partial.worker === null ? partial.reason : '', 'GOOGLE_SERVICE_ACCOUNT_FILE not set');
  });

  test('the sandbox host by default, production on request, MAPS_BOOKING_API_URL over both', () => {
    assert.equal(API_BASE.sandbox, 'https://partnerdev-mapsbooking.googleapis.com');
    assert.equal(API_BASE.production, 'https://mapsbooking.googleapis.com');
    const target = (env: Record<string, string>) => {
      const setup = createRtuWorker(loadConfig({ DATABASE_URL: 'sqlite::memory:', GOOGLE_PARTNER_ID: PARTNER, ...env }), {
        store: null as never,
        clock: null as never,
        availability: null as never,
        log: null as never,
        api: {
          patchBooking: async () => ({ outcome: 'delivered', status: 200, body: null }),
          replaceAvailability: async () => ({ outcome: 'delivered', status: 200, body: null }),
        },
      });
      return setup.worker === null ? setup.reason : setup.target;
    };
    assert.equal(target({}), `https://partnerdev-mapsbooking.googleapis.com as partner ${PARTNER}`);
    assert.equal(target({ GOOGLE_ENVIRONMENT: 'production' }), `https://mapsbooking.googleapis.com as partner ${PARTNER}`);
    assert.equal(target({ GOOGLE_ENVIRONMENT: 'production', MAPS_BOOKING_API_URL: 'http://127.0.0.1:9' }), `http://127.0.0.1:9 as partner ${PARTNER}`);
  });
});
