// Google's v3 API as OpenAPI, generated from the protos: a valid OpenAPI 3.1 document with every
// /v3 method this server routes (under PATH_PREFIX), and real traffic agrees with it: requests that
// the server accepts and the answers it gives validate against the document's schemas.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { BK, routesOf, startFixture, WL, type Fixture } from '../../test/fuzz/support.js';
import { GOOGLE_V3_OPENAPI_PATH } from './openapi.js';

type Document = { openapi: string; paths: Record<string, Record<string, { operationId: string }>>; components: { schemas: Record<string, unknown> } };

describe('Google v3 OpenAPI', () => {
  let f: Fixture;
  let doc: Document;
  before(async () => {
    f = await startFixture({ PATH_PREFIX: '/google' });
    const response = await f.t.app.inject({ method: 'GET', url: GOOGLE_V3_OPENAPI_PATH });
    assert.equal(response.statusCode, 200, response.body);
    doc = response.json() as Document;
  });
  after(() => f.t.close());

  test('is a valid OpenAPI 3.1 document, public, with every /v3 route under the path prefix', async () => {
    const validator = new Validator();
    const result = await validator.validate(doc);
    assert.equal(validator.version, '3.1');
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
    const routes = routesOf(f.t.app)
      .filter((r) => r.path.startsWith('/google/v3/') && !r.path.includes('*'))
      .map((r) => `${r.method} ${r.path.toLowerCase()}`)
      .sort();
    const documented = Object.entries(doc.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.toLowerCase()}`))
      .sort();
    assert.ok(routes.length >= 12, routes.join(', '));
    assert.deepEqual(documented, routes);
  });

  test('requests the server accepts and its answers validate against the schemas', async () => {
    const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
    ajv.addSchema({ $id: 'v3', components: doc.components }, 'v3');
    const check = (typeName: string, value: unknown, what: string): void => {
      const validate = ajv.getSchema(`v3#/components/schemas/${typeName}`);
      assert.ok(validate, `schema ${typeName}`);
      assert.ok(validate(value), `${what} against ${typeName}: ${JSON.stringify(validate.errors)} in ${JSON.stringify(value)}`);
    };
    const schemaOf = (method: string, part: 'request' | 'response'): string | null => {
      const op = doc.paths[`/google/v3/${method}`]?.post as unknown as {
        requestBody: { content: Record<string, { schema: { $ref: string } }> };
        responses: Record<string, { content: Record<string, { schema: { $ref?: string } }> }>;
      };
      const schema = part === 'request' ? op.requestBody.content['application/json']!.schema : op.responses['200']!.content['application/json']!.schema;
      return schema.$ref?.replace('#/components/schemas/', '') ?? null;
    };
    const slot = {
      merchant_id: BK.merchantId,
      service_id: BK.serviceId,
      start_sec: String(f.slotStart + 1800),
      duration_sec: '1800',
      resources: { party_size: 2 },
    };
    const user = { user_id: 'oa-user', given_name: 'Ann', family_name: 'Lee', telephone: '+1 212-555-0100', email: 'ann@example.com' };
    const calls: [string, object][] = [
      ['BatchGetWaitEstimates', { merchant_id: WL.merchantId, service_id: WL.serviceId, party_size: [1, 2, 4] }],
      ['CreateWaitlistEntry', { merchant_id: WL.merchantId, service_id: WL.serviceId, party_size: 2, idempotency_token: 'oa-entry', user_information: user }],
      ['GetWaitlistEntry', { waitlist_entry_id: f.entryId }],
      [
        'BatchAvailabilityLookup',
        {
          merchant_id: BK.merchantId,
          slot_time: [{ service_id: BK.serviceId, start_sec: String(f.slotStart), duration_sec: '1800', resource_ids: { party_size: 2 } }],
        },
      ],
      ['CheckAvailability', { slot }],
      ['CreateBooking', { slot, user_information: user, idempotency_token: 'oa-booking' }],
      ['GetBookingStatus', { booking_id: f.bookingId }],
      ['ListBookings', { user_id: f.userId }],
      ['UpdateBooking', { booking: { booking_id: f.bookingId, status: 'CANCELED' } }],
      ['DeleteWaitlistEntry', { waitlist_entry_id: f.entryId }],
    ];
    for (const [method, body] of calls) {
      const requestType = schemaOf(method, 'request');
      assert.ok(requestType, method);
      check(requestType, body, `${method} request`);
      const response = await f.t.google(method, body);
      assert.equal(response.statusCode, 200, `${method}: ${response.body}`);
      const responseType = schemaOf(method, 'response');
      if (responseType === null) assert.deepEqual(response.json(), {}, `${method} answers an empty object`);
      else check(responseType, response.json(), `${method} response`);
    }
    // The schemas are not vacuous: a wrong type fails them.
    assert.throws(() => check(schemaOf('CreateWaitlistEntry', 'request')!, { party_size: 'two' }, 'wrong type'));
  });
});
