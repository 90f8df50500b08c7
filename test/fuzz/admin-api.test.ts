// Bad input against every /admin/v1 route (read from the router, so routes added later are covered
// too): hostile path parameters, query strings and bodies, with a valid bootstrap token so that
// the input reaches the handlers, and with missing, wrong or wrongly scoped tokens.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { ADMIN_OPENAPI_PATH } from '../../src/http/openapi.js';
import { ADMIN_TOKEN, ALL_DAY, bearer, DIALECTS } from '../../src/test-support/app.js';
import {
  assertSane,
  BK,
  bodyFor,
  contentType,
  count,
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
  type RouteInfo,
} from './support.js';

// The fixture of the dialect under test (SQLite, then PostgreSQL when the suite has one).
let f: Fixture;
let routes: RouteInfo[];

/** Valid bodies by route; the property breaks them. Routes not listed get arbitrary JSON. */
function templates(): Record<string, object> {
  const day = 86_400;
  const start = f.slotStart + 30 * day;
  const rules = {
    enabled: true,
    paused: false,
    min_party_size: 1,
    max_party_size: 8,
    max_queue_length: 50,
    allowed_phone_countries: ['US'],
    supports_additional_request: true,
    confirmation_mode: 'SYNCHRONOUS',
    walk_in_when_no_wait: false,
    max_quoted_wait_minutes: 120,
  };
  const booking = {
    enabled: true,
    confirmation_mode: 'ASYNCHRONOUS',
    min_party_size: 1,
    max_party_size: 6,
    cancel_before_start_sec: 3600,
    user_booking_limit: 2,
    max_lease_sec: 300,
    price: { price_micros: 1_000_000, currency_code: 'USD' },
  };
  const merchant = {
    name: 'Fuzz bistro',
    time_zone: 'Europe/Paris',
    telephone: '+33 1 23 45 67 89',
    address: { street_address: '1 rue X', locality: 'Paris', region: null, postal_code: '75001', country: 'FR' },
    waitlist_advisement: 'We text you',
    turn_times: [
      { max_party_size: 2, minutes: 45 },
      { max_party_size: 100, minutes: 90 },
    ],
    opening_hours: [
      { day: 1, open: '09:00', close: '17:00' },
      { day: 6, open: '22:00', close: '02:00' },
    ],
  };
  return {
    'POST /admin/v1/tokens': { merchant_id: WL.merchantId, label: 'fuzz' },
    'POST /admin/v1/merchants': { id: 'fz-new', ...merchant },
    'PATCH /admin/v1/merchants/:merchantId': merchant,
    'PUT /admin/v1/merchants/:merchantId/opening-hours': { opening_hours: ALL_DAY },
    'PUT /admin/v1/merchants/:merchantId/offers': {
      offers: [{ id: 'spring', service_id: BK.serviceId, active: true, valid_from_sec: start, valid_until_sec: start + day, description: '10% off' }],
    },
    'POST /admin/v1/merchants/:merchantId/services': { id: 'fz-svc', name: 'Fuzz service', waitlist: rules, booking },
    'PATCH /admin/v1/merchants/:merchantId/services/:serviceId': { name: 'Renamed', waitlist: rules, booking },
    'POST /admin/v1/merchants/:merchantId/services/:serviceId/walk-ins': {
      party_size: 2,
      given_name: 'Walk',
      family_name: 'In',
      telephone: '+1 212-555-0100',
      email: 'w@example.com',
      additional_request: 'high chair',
    },
    'PUT /admin/v1/merchants/:merchantId/services/:serviceId/availability': {
      start_time_restrict: start,
      end_time_restrict: start + day,
      duration_restrict: 1800,
      resources_restrict: { staff_id: '', room_id: '' },
      availability: [
        {
          start_sec: start,
          duration_sec: 1800,
          spots_total: 3,
          availability_tag: 'tag',
          resources: { staff_id: 's', room_id: 'r', party_size: 2 },
          recurrence: { repeat_every_sec: 3600, repeat_until_sec: start + 6 * 3600 },
          schedule_exception: [{ time_range: { begin_sec: start + 3600, end_sec: start + 7200 } }],
        },
      ],
    },
    'PUT /admin/v1/merchants/:merchantId/services/:serviceId/availability/weekly-schedule': {
      from_date: '2026-03-02',
      to_date: '2026-03-15',
      days: [1, 2, 3, 4, 5],
      first_start: '11:00',
      last_start: '14:30',
      repeat_every_minutes: 30,
      duration_sec: 1800,
      spots_total: 4,
      resources: { party_size: 0 },
      availability_tag: 'lunch',
      exceptions: [{ begin_sec: start, end_sec: start + 3600 }],
    },
    'PUT /admin/v1/merchants/:merchantId/tables': {
      tables: [
        { id: 't2', name: 'Two', min_seats: 1, seats: 2 },
        { id: 't6', seats: 6, min_seats: 3 },
      ],
    },
    'POST /admin/v1/merchants/:merchantId/waitlist-entries/:entryId/:action': { table_id: 't2' },
    'POST /admin/v1/merchants/:merchantId/bookings': {
      service_id: BK.serviceId,
      start_sec: f.slotStart,
      duration_sec: 1800,
      party_size: 2,
      given_name: 'Host',
      family_name: 'Booked',
      telephone: null,
      email: null,
      additional_request: null,
    },
    'POST /admin/v1/merchants/:merchantId/bookings/:bookingId/reschedule': { start_sec: f.slotStart + 1800, duration_sec: 1800 },
    'POST /admin/v1/merchants/:merchantId/bookings/:bookingId/party-size': { party_size: 3 },
  };
}

/** Values for a path parameter: mostly ones that exist (so handlers run), also hostile ones. */
function paramValue(name: string): fc.Arbitrary<string> {
  const real: Record<string, readonly string[]> = {
    merchantId: [WL.merchantId, BK.merchantId],
    serviceId: [WL.serviceId, BK.serviceId],
    entryId: [f.entryId],
    bookingId: [f.bookingId],
    tokenId: [f.tokenId],
    action: ['seat', 'cancel', 'service-ready', 'check-in', 'no-show', 'confirm', 'decline', 'notify'],
  };
  const hostile = fc.oneof(hostileString.map(encode), fc.constantFrom('%', '%zz', '%ED%A0%80', '%00', '..', '.', '%2F', 'x'.repeat(150), 'x'.repeat(2000)));
  return real[name] ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...real[name]) }, { weight: 1, arbitrary: hostile }) : hostile;
}

const QUERY_KEYS = ['service_id', 'from', 'to', 'status', 'state', 'since', 'limit'];
const queryValue = fc.oneof(
  hostileString,
  fc.integer().map(String),
  fc.constantFrom('CONFIRMED,CANCELED', 'WAITING', '0', '-1', '1e3', '99999999999999999999', 'Infinity', '-Infinity', '1e309', 'NaN', '', 'true'),
);
const query = fc.option(
  fc
    .array(fc.tuple(fc.oneof(fc.constantFrom(...QUERY_KEYS), hostileString), queryValue), { maxLength: 4 })
    .map((pairs) => pairs.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&')),
  { nil: undefined },
);

function request(route: RouteInfo): fc.Arbitrary<InjectOptions> {
  const names = [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
  const params = fc.tuple(...names.map(paramValue));
  const hasBody = route.method !== 'GET' && route.method !== 'DELETE';
  const body = hasBody ? fc.option(bodyFor(templates()[`${route.method} ${route.path}`]), { nil: undefined, freq: 8 }) : fc.constant(undefined);
  return fc
    .record({ params, q: route.method === 'GET' ? query : fc.constant(undefined), body, type: contentType })
    .map(({ params: values, q, body: payload, type }) => {
      let i = 0;
      const path = route.path.replace(/:(\w+)/g, () => values[i++]!);
      return {
        method: route.method as InjectOptions['method'],
        url: `${path}${q ? `?${q}` : ''}`,
        headers: { authorization: bearer(ADMIN_TOKEN), ...(payload !== undefined && type !== '' ? { 'content-type': type } : {}) },
        ...(payload !== undefined ? { payload } : {}),
      };
    });
}

for (const dialect of DIALECTS)
  describe(`Admin API (/admin/v1) under bad input (${dialect})`, () => {
    // PostgreSQL gets a quarter of the inputs: enough for its own failure modes (NUL, integer ranges).
    const share = dialect === 'postgres' ? 0.25 : 1;
    before(async () => {
      f = await startFixture({}, dialect);
      // The OpenAPI document is public (test/fuzz/ops-routes.test.ts); every other admin route needs a token.
      routes = routesOf(f.t.app).filter((r) => r.path.startsWith('/admin/v1/') && r.path !== ADMIN_OPENAPI_PATH);
    });
    after(async () => {
      await f?.t.close();
    });

    it('reads every route from the router', () => {
      assert.ok(routes.length >= 30, `expected the admin routes, found ${routes.map((r) => `${r.method} ${r.path}`).join(', ')}`);
      for (const key of Object.keys(templates())) {
        assert.ok(
          routes.some((r) => `${r.method} ${r.path}` === key),
          `template for a route the router does not have: ${key}`,
        );
      }
    });

    it('missing, wrong and wrongly scoped tokens: 401/403/404, never a 5xx', async () => {
      const authorization = fc.oneof(
        fc.constant(undefined),
        hostileString,
        hostileString.map((s) => `Bearer ${s}`),
        fc.constantFrom('Bearer', 'Bearer ', `bearer ${ADMIN_TOKEN}x`, `Basic ${ADMIN_TOKEN}`, `Bearer ${ADMIN_TOKEN} extra`, `Bearer ${'a'.repeat(10_000)}`),
        fc.constant(bearer(f.scopedToken)),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...routes).chain((route) => fc.tuple(request(route), authorization)),
          counted(`admin tokens (${dialect})`, async ([options, header]) => {
            const headers = { ...(options.headers as Record<string, string>) };
            delete headers.authorization;
            const withAuth = { ...options, headers: header === undefined ? headers : { ...headers, authorization: header } };
            const response = await send(f.t.app, withAuth);
            assertSane(response, describeRequest(withAuth));
            // Without a valid token nothing gets through; the scoped token only to its own merchant.
            const scoped = header === bearer(f.scopedToken);
            if (!scoped || String(withAuth.url).includes(`/${BK.merchantId}`))
              assert.ok(response.statusCode >= 400, `${describeRequest(withAuth)} with ${String(header).slice(0, 40)} -> ${response.statusCode}`);
          }),
        ),
        { numRuns: runs(300 * share) },
      );
    });

    it('every route: hostile path parameters, query strings and bodies with a valid token', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...routes).chain(request),
          counted(`admin routes (${dialect})`, async (options) => {
            assertSane(await send(f.t.app, options), describeRequest(options));
          }),
        ),
        { numRuns: runs(3000 * share) },
      );
    });

    it('every valid body with one unknown field, at the top or in any nested object: 400 naming the field, nothing done', async () => {
      for (const [key, template] of Object.entries(templates())) {
        const [method, path] = key.split(' ') as [string, string];
        const url = path
          .replace(':merchantId', WL.merchantId)
          .replace(':serviceId', WL.serviceId)
          .replace(':entryId', f.entryId)
          .replace(':bookingId', f.bookingId)
          .replace(':action', 'seat');
        // Every object in the template, by its path, gets a field no route knows.
        const objects: unknown[][] = [];
        const walk = (value: unknown, at: unknown[]) => {
          if (Array.isArray(value)) {
            for (const [i, item] of value.entries()) walk(item, [...at, i]);
          } else if (value !== null && typeof value === 'object') {
            objects.push(at);
            for (const [name, child] of Object.entries(value)) walk(child, [...at, name]);
          }
        };
        walk(template, []);
        for (const at of objects) {
          const body = structuredClone(template) as Record<string, unknown>;
          let target: any = body;
          for (const step of at) target = target[step as string];
          target.zz_unknown_field = 1;
          const options = {
            method: method as InjectOptions['method'],
            url,
            headers: { authorization: bearer(ADMIN_TOKEN), 'content-type': 'application/json' },
            payload: JSON.stringify(body),
          };
          const response = await send(f.t.app, options);
          count(`unknown fields (${dialect})`);
          assertSane(response, describeRequest(options));
          assert.equal(response.statusCode, 400, `${key} at /${at.join('/')}: ${response.body}`);
          assert.match(JSON.parse(response.body).error.message, /unknown field "zz_unknown_field"/, `${key} at /${at.join('/')}`);
        }
      }
    });
  });

describe('summary', () => {
  it('inputs tried', (t) => {
    t.diagnostic(summary('admin-api'));
  });
});
