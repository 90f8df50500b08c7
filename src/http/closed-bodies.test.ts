// Unknown fields in admin request bodies are refused with 400 naming the field (and the fields that
// place takes), at any depth and on every route, also routes without a body schema (actions take
// none); nothing is stored. Google's /v3 stays tolerant of unknown fields, as proto3 JSON allows.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { seedMerchant, type TestApp, DIALECTS, forDialect } from '../test-support/app.js';
import { routesOf } from '../test-support/routes.js';
import { closedSchema, unknownFieldIn } from './closed-bodies.js';

test('closedSchema closes every object with properties, leaves explicit choices and allOf members alone, and copies', () => {
  const schema = {
    type: 'object',
    properties: {
      a: { type: 'object', properties: { b: { type: 'string' } } },
      list: { type: 'array', items: { type: 'object', properties: { c: { type: 'integer' } } } },
      either: { anyOf: [{ type: 'object', properties: { d: { type: 'string' } } }, { type: 'null' }] },
      open: { type: 'object', properties: { e: { type: 'string' } }, additionalProperties: true },
      map: { type: 'object', patternProperties: { '^x': { type: 'string' } } },
      both: {
        allOf: [
          { type: 'object', properties: { f: { type: 'string' } } },
          { type: 'object', properties: { g: { type: 'string' } } },
        ],
      },
    },
  };
  const before = JSON.stringify(schema);
  const closed = closedSchema(schema) as any;
  assert.equal(JSON.stringify(schema), before, 'the original is not changed');
  assert.equal(closed.additionalProperties, false);
  assert.equal(closed.properties.a.additionalProperties, false);
  assert.equal(closed.properties.list.items.additionalProperties, false);
  assert.equal(closed.properties.either.anyOf[0].additionalProperties, false);
  assert.equal(closed.properties.open.additionalProperties, true);
  assert.equal(closed.properties.map.additionalProperties, undefined);
  assert.deepEqual(
    closed.properties.both.allOf.map((m: any) => m.additionalProperties),
    [undefined, undefined],
  );

  assert.equal(unknownFieldIn(closed, { a: { b: 'x' }, list: [{ c: 1 }], either: null, open: { zz: 1 }, map: { x1: 'y' } }), null);
  assert.equal(unknownFieldIn(closed, { list: [{ c: 1 }, { c: 2, cc: 3 }] }), 'body/list/1 has an unknown field "cc" (known: c)');
  assert.equal(unknownFieldIn(closed, { either: { d: 'x', dd: 1 } }), 'body/either has an unknown field "dd" (known: d)');
  assert.equal(unknownFieldIn(closed, { a: 'not an object', list: 7 }), null, 'wrong types are left to the validation');
});

for (const dialect of DIALECTS) {
  describe(dialect, () => {
    const startApp = forDialect(dialect);
    let t: TestApp;
    before(async () => {
      t = await startApp();
      await seedMerchant(t.services, { id: 'm1' });
    });
    after(() => t.close());

    async function refused(method: 'POST' | 'PUT' | 'PATCH', path: string, body: unknown, message: string | RegExp) {
      const res = await t.admin(method, path, body);
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.json().error.code, 'INVALID_ARGUMENT');
      if (typeof message === 'string') assert.equal(res.json().error.message, message);
      else assert.match(res.json().error.message, message);
    }

    test('an unknown top-level field is refused, named, with the known ones; nothing is created', async () => {
      await refused(
        'POST',
        '/merchants',
        { id: 'tz', name: 'Typo', timezone: 'Europe/Paris' },
        /^body has an unknown field "timezone" \(known: id, name, time_zone, telephone, address, [a-z_, ]+\)$/,
      );
      assert.equal((await t.admin('GET', '/merchants/tz')).statusCode, 404);
      await refused(
        'POST',
        '/merchants/m1/services/waitlist/walk-ins',
        { party_size: 2, given_name: 'Ann', phone: '+1 212-555-0100' },
        /^body has an unknown field "phone" \(known: party_size, given_name, family_name, telephone, /,
      );
      assert.deepEqual((await t.admin('GET', '/merchants/m1/services/waitlist/queue')).json().entries, []);
    });

    test('at any depth: a nested object, an array item', async () => {
      await refused(
        'PATCH',
        '/merchants/m1',
        { address: { country: 'US', phone: '1' } },
        'body/address has an unknown field "phone" (known: street_address, locality, region, postal_code, country)',
      );
      await refused(
        'PUT',
        '/merchants/m1/tables',
        { tables: [{ id: 't', seats: 2, chairs: 2 }] },
        /^body\/tables\/0 has an unknown field "chairs" \(known: id, name, min_seats, seats\)$/,
      );
      const service = (await t.admin('GET', '/merchants/m1/services/waitlist')).json();
      await refused(
        'PATCH',
        '/merchants/m1/services/waitlist',
        { name: 'Renamed', waitlist: { max_party_size: 4, max_party: 6 } },
        /^body\/waitlist has an unknown field "max_party"/,
      );
      assert.deepEqual((await t.admin('GET', '/merchants/m1/services/waitlist')).json(), service, 'nothing changed');
    });

    test('actions take no fields: a body with one is refused; none, or {}, is accepted', async () => {
      const { id } = (await t.admin('POST', '/merchants/m1/services/waitlist/walk-ins', { party_size: 2, given_name: 'Ann' })).json();
      await refused('POST', `/merchants/m1/waitlist-entries/${id}/seat`, { table: 'two' }, 'body has an unknown field "table" (known: table_id)');
      await refused('POST', `/merchants/m1/waitlist-entries/${id}/cancel`, { reason: 'left' }, 'body has an unknown field "reason" (known: table_id)');
      assert.equal((await t.admin('POST', `/merchants/m1/waitlist-entries/${id}/notify`, {})).json().state, 'SERVICE_READY');
    });

    test('every admin route that takes a body refuses a field it does not know, whatever else it needs', async () => {
      const routes = routesOf(t.app).filter((r) => r.path.startsWith('/admin/v1/') && ['POST', 'PUT', 'PATCH'].includes(r.method));
      assert.ok(routes.length >= 15, JSON.stringify(routes));
      for (const route of routes) {
        const path = route.path
          .replace('/admin/v1', '')
          .replace(/:merchantId/g, 'm1')
          .replace(/:serviceId/g, 'waitlist')
          .replace(/:\w+/g, 'x');
        const res = await t.admin(route.method as 'POST', path, { zz_unknown_field: 1 });
        assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${route.method} ${route.path} accepted an unknown field: ${res.statusCode} ${res.body}`);
      }
      // A route with no body schema of its own (booking actions, replays) names the field too.
      await refused('POST', '/merchants/m1/estimates/refresh', { zz_unknown_field: 1 }, 'body has an unknown field "zz_unknown_field" (it takes no fields)');
    });

    test("Google's requests stay tolerant of unknown fields (proto3 JSON)", async () => {
      const res = await t.google('BatchGetWaitEstimates', { merchant_id: 'm1', service_id: 'waitlist', party_size: [2], some_future_field: { x: 1 } });
      assert.equal(res.statusCode, 200, res.body);
    });
  });
}
