// Bad input against every /v3 method Google calls: malformed, oversized, wrongly typed, deeply
// nested and Unicode-hostile bodies, headers and paths. No input may cause a 5xx, a hang, or a
// rejection that is not a 4xx with a JSON message.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { basic, DIALECTS, NEW_PAIR } from '../../src/test-support/app.js';
import {
  assertSane,
  BK,
  bodyFor,
  contentType,
  counted,
  describeRequest,
  encode,
  hostileString,
  routesOf,
  runs,
  send,
  startFixture,
  summary,
  WL,
  type Fixture,
} from './support.js';

// The fixture of the dialect under test (SQLite, then PostgreSQL when the suite has one).
let f: Fixture;

const auth = (): string => basic(NEW_PAIR.user, NEW_PAIR.password);

/** A valid request per method; the properties break it in every way they can think of. */
function templates(): Record<string, object> {
  const slot = {
    merchant_id: BK.merchantId,
    service_id: BK.serviceId,
    start_sec: String(f.slotStart),
    duration_sec: '1800',
    resources: { party_size: 2, staff_id: '', room_id: '' },
  };
  const user = { user_id: 'fuzz-user', given_name: 'Ann', family_name: 'Lee', telephone: '+1 212-555-0100', email: 'ann@example.com', language_code: 'en' };
  return {
    BatchGetWaitEstimates: { merchant_id: WL.merchantId, service_id: WL.serviceId, party_size: [1, 2, 4] },
    CreateWaitlistEntry: {
      merchant_id: WL.merchantId,
      service_id: WL.serviceId,
      party_size: 2,
      idempotency_token: 'fuzz-token',
      user_information: user,
      additional_request: 'window seat',
    },
    GetWaitlistEntry: { waitlist_entry_id: f.entryId },
    DeleteWaitlistEntry: { waitlist_entry_id: f.entryId },
    BatchAvailabilityLookup: {
      merchant_id: BK.merchantId,
      slot_time: [
        { service_id: BK.serviceId, start_sec: String(f.slotStart), duration_sec: '1800', resource_ids: { party_size: 2, staff_id: '', room_id: '' } },
        { service_id: BK.serviceId, start_sec: String(f.slotStart + 1800), duration_sec: '1800' },
      ],
    },
    CheckAvailability: { slot },
    CreateBooking: {
      slot,
      user_information: user,
      idempotency_token: 'fuzz-booking-token',
      additional_request: 'quiet table',
      offer_id: '',
      lease_ref: { lease_id: '' },
      payment_information: {
        prepayment_status: 'PREPAYMENT_PROVIDED',
        payment_processed_by: 'PROCESSED_BY_GOOGLE',
        price: { price_micros: '15000000', currency_code: 'USD' },
        payment_transaction_id: 'txn-1',
      },
      payment_processing_parameters: { unparsed_payment_method_token: 'tok' },
    },
    UpdateBooking: { booking: { booking_id: f.bookingId, status: 'CANCELED', slot } },
    GetBookingStatus: { booking_id: f.bookingId },
    ListBookings: { user_id: f.userId },
    CreateLease: { lease: { slot, user_reference: 'fuzz-lease', lease_expiration_time_sec: String(f.slotStart - 3600) } },
  };
}

for (const dialect of DIALECTS)
  describe(`Google API (/v3) under bad input (${dialect})`, () => {
    // PostgreSQL gets a quarter of the inputs: enough for its own failure modes (NUL, integer ranges).
    const share = dialect === 'postgres' ? 0.25 : 1;
    before(async () => {
      f = await startFixture({}, dialect);
    });
    after(async () => {
      await f?.t.close();
    });

    it('every POST method: mutated, malformed and oversized bodies with any Content-Type', async () => {
      const byMethod = templates();
      const methods = routesOf(f.t.app)
        .filter((r) => r.method === 'POST' && r.path.startsWith('/v3/'))
        .map((r) => Object.keys(byMethod).find((m) => m.toLowerCase() === r.path.slice(4)) ?? r.path.slice(4));
      assert.ok(methods.length >= 11, `expected the eleven POST methods, found ${methods.join(', ')}`);
      const input = fc.constantFrom(...methods).chain((method) => fc.tuple(fc.constant(method), bodyFor(byMethod[method]), contentType));
      await fc.assert(
        fc.asyncProperty(
          input,
          counted(`v3 bodies (${dialect})`, async ([method, payload, type]) => {
            const options = {
              method: 'POST' as const,
              url: `/v3/${method}`,
              headers: { authorization: auth(), ...(type ? { 'content-type': type } : {}) },
              payload,
            };
            assertSane(await send(f.t.app, options), describeRequest(options));
          }),
        ),
        { numRuns: runs(900 * share) },
      );
    });

    it('wrong, missing and malformed credentials: 401 with WWW-Authenticate, never the handler', async () => {
      const header = fc.oneof(
        fc.constant(undefined),
        hostileString,
        hostileString.map((s) => `Basic ${s}`),
        fc.tuple(hostileString, hostileString).map(([u, p]) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`),
        hostileString.map((p) => basic(NEW_PAIR.user, `${NEW_PAIR.password}${p || 'x'}`)),
        fc.constantFrom('Basic', 'Basic ', 'Basic ====', 'Basic Og==', `Bearer ${NEW_PAIR.password}`, 'basic Z29vZ2xlOg==', `Basic ${'A'.repeat(8000)}`),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('HealthCheck', 'BatchGetWaitEstimates', 'CreateBooking', 'UpdateBooking'),
          header,
          counted(`v3 credentials (${dialect})`, async (method, authorization) => {
            const options = {
              method: method === 'HealthCheck' ? ('GET' as const) : ('POST' as const),
              url: `/v3/${method}`,
              headers: authorization === undefined ? {} : { authorization },
              ...(method === 'HealthCheck' ? {} : { payload: '{}' }),
            };
            const response = await send(f.t.app, options);
            assertSane(response, describeRequest(options));
            assert.equal(response.statusCode, 401, `${describeRequest(options)} -> ${response.statusCode} ${response.body}`);
            assert.match(String(response.headers['www-authenticate']), /^Basic /);
          }),
        ),
        { numRuns: runs(250 * share) },
      );
    });

    it('any method, path and query under /v3 and beyond', async () => {
      const known = Object.keys(templates());
      const segment = fc.oneof(
        fc.constantFrom(...known, 'HealthCheck'),
        fc.constantFrom(...known).map((m) => m.toUpperCase()),
        fc.constantFrom(...known).map((m) => `${m}/`),
        hostileString.map(encode),
        fc.constantFrom('%', '%zz', '%ED%A0%80', '%C0%AF', '%FF', 'a%00b', '..%2F..%2Fadmin', '', '/', '//', '%2e%2e', '*', ';a=b', 'x'.repeat(5000)),
      );
      const query = fc.option(
        fc.array(fc.tuple(hostileString, hostileString), { maxLength: 4 }).map((pairs) => pairs.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&')),
        { nil: undefined },
      );
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'),
          fc.constantFrom('/v3/', '/V3/', '/', '/v2/', '/v3//', '/google/v3/', '/admin/v1/'),
          segment,
          query,
          fc.oneof(
            fc.constant(undefined),
            hostileString.map((s) => JSON.stringify({ merchant_id: s })),
          ),
          counted(`v3 paths (${dialect})`, async (method, prefix, path, q, payload) => {
            const options = {
              method: method as 'GET',
              url: `${prefix}${path}${q !== undefined ? `?${q}` : ''}`,
              headers: { authorization: auth(), 'content-type': 'application/json' },
              ...(payload !== undefined && method !== 'GET' ? { payload } : {}),
            };
            assertSane(await send(f.t.app, options), describeRequest(options));
          }),
        ),
        { numRuns: runs(400 * share) },
      );
    });

    it('hostile header values alongside a valid request', async () => {
      const name = fc.constantFrom(
        'x-request-id',
        'accept',
        'accept-encoding',
        'accept-charset',
        'content-encoding',
        'x-forwarded-for',
        'user-agent',
        'idempotency-key',
        'expect',
        'cookie',
        'transfer-encoding',
      );
      const value = fc.oneof(
        fc.string({ unit: 'binary-ascii', maxLength: 200 }).map((s) => s.replace(/[^\t\x20-\x7e]/g, '')),
        fc.constantFrom('gzip', 'br', 'deflate, gzip', 'identity', 'chunked', '100-continue', '*/*', 'application/xml', '1.2.3.4, ::1, x', 'a'.repeat(8000)),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(name, value), { minLength: 1, maxLength: 4 }),
          counted(`v3 headers (${dialect})`, async (headers) => {
            const options = {
              method: 'POST' as const,
              url: '/v3/BatchGetWaitEstimates',
              headers: { ...Object.fromEntries(headers), authorization: auth(), 'content-type': 'application/json' },
              payload: JSON.stringify(templates().BatchGetWaitEstimates),
            };
            assertSane(await send(f.t.app, options), `${describeRequest(options)} headers ${JSON.stringify(headers).slice(0, 300)}`);
          }),
        ),
        { numRuns: runs(150 * share) },
      );
    });
  });

describe('summary', () => {
  it('inputs tried', (t) => {
    t.diagnostic(summary('google-api'));
  });
});
