// The BatchAvailabilityLookup request read without protobuf-es (availability-lookup-request.ts):
// on random bodies, whatever it reads is exactly protobuf-es's message for the same body (and
// protobuf-es accepts that body), and bodies of the shape Google sends are read. Fixed seed: a
// failure names its input and reproduces.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromJson, type JsonValue } from '@bufbuild/protobuf';
import fc from 'fast-check';
import { BatchAvailabilityLookupRequestSchema } from '../gen/ext/maps/booking/partner/v3/booking_pb.js';
import { readBatchAvailabilityLookup } from './availability-lookup-request.js';

const protobufEs = (body: unknown): unknown => {
  try {
    return fromJson(BatchAvailabilityLookupRequestSchema, body as JsonValue, { ignoreUnknownFields: true });
  } catch (error) {
    return { refused: String(error) };
  }
};

// Strings of any UTF-16 code units (lone surrogates included), digits with and without leading
// zeros, signs, spaces and exponents, numbers of every kind, and the other JSON values.
const text = fc.oneof(
  fc.constant(''),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) }),
);
const digits = fc.oneof(
  fc.bigInt({ min: 0n, max: 2n ** 64n }).map(String),
  fc.constantFrom('0', '00', '007', '-0', '-5', '+5', ' 5', '5 ', '1e3', '1.0', '9007199254740991', '9007199254740992', '999999999999999', '1000000000000000'),
);
const number = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -0, 2 ** 31, -(2 ** 31), 2 ** 31 - 1, -(2 ** 31) - 1, 2 ** 53, 1.5));
const anyValue: fc.Arbitrary<unknown> = fc.oneof(text, digits, number, fc.boolean(), fc.constant(null), fc.constant([]), fc.constant({}));
const mode = fc.oneof(
  fc.constantFrom('CONFIRMATION_MODE_UNSPECIFIED', 'CONFIRMATION_MODE_SYNCHRONOUS', 'CONFIRMATION_MODE_ASYNCHRONOUS', 'confirmation_mode_synchronous'),
  fc.integer({ min: -2, max: 4 }),
);

/** An object with some of `fields` (each a key and its values) and, sometimes, a key of its own. */
function object(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Record<string, unknown>> {
  const extraKey = fc.constantFrom('serviceId', 'startSec', 'partySize', 'merchantId', 'slotTime', 'unknown_field', 'resourceIds', '');
  return fc
    .tuple(fc.record(fields, { requiredKeys: [] }), fc.option(fc.tuple(extraKey, anyValue), { nil: undefined, freq: 4 }))
    .map(([record, extra]) => (extra === undefined ? record : { ...record, [extra[0]]: extra[1] }));
}

const resourceIds = object({
  staff_id: fc.oneof(text, anyValue),
  room_id: fc.oneof(text, anyValue),
  party_size: fc.oneof(fc.integer({ min: -3, max: 20 }), number, anyValue),
});
const slotTime = object({
  service_id: fc.oneof(text, anyValue),
  start_sec: fc.oneof(digits, number, anyValue),
  duration_sec: fc.oneof(digits, number, anyValue),
  availability_tag: fc.oneof(text, anyValue),
  resource_ids: fc.oneof(resourceIds, anyValue),
  confirmation_mode: fc.oneof(mode, anyValue),
});
const body = fc.oneof(
  object({ merchant_id: fc.oneof(text, anyValue), slot_time: fc.oneof(fc.array(fc.oneof(slotTime, anyValue), { maxLength: 4 }), anyValue) }),
  anyValue,
);

test('property: whatever is read equals protobuf-es reading the same body, which accepts it', () => {
  let read = 0;
  fc.assert(
    fc.property(body, (b) => {
      const fast = readBatchAvailabilityLookup(b);
      if (fast === null) return;
      read += 1;
      assert.deepStrictEqual(fast, protobufEs(b));
    }),
    { numRuns: 3_000, seed: 17 },
  );
  assert.ok(read > 100, `only ${read} bodies were read without protobuf-es`);
});

// What Google sends: proto field names, strings without surrogates (those go through protobuf-es,
// which checks them), int64 as strings of digits, party_size an integer.
const googleText = fc.string({
  unit: fc
    .integer({ min: 0, max: 0xffff })
    .filter((c) => c < 0xd800 || c > 0xdfff)
    .map((c) => String.fromCharCode(c)),
});
const googleSlotTime = fc.record(
  {
    service_id: googleText,
    start_sec: fc.integer({ min: 0, max: 2 ** 40 }).map(String),
    duration_sec: fc.integer({ min: 0, max: 86_400 * 7 }).map(String),
    availability_tag: googleText,
    resource_ids: fc.record({ staff_id: googleText, room_id: googleText, party_size: fc.integer({ min: 0, max: 50 }) }, { requiredKeys: [] }),
    confirmation_mode: fc.constantFrom('CONFIRMATION_MODE_UNSPECIFIED', 'CONFIRMATION_MODE_SYNCHRONOUS', 'CONFIRMATION_MODE_ASYNCHRONOUS'),
  },
  { requiredKeys: ['service_id', 'start_sec'] },
);

test('property: the bodies Google sends are read, as protobuf-es reads them', () => {
  fc.assert(
    fc.property(fc.record({ merchant_id: googleText, slot_time: fc.array(googleSlotTime, { maxLength: 12 }) }), (b) => {
      const fast = readBatchAvailabilityLookup(b);
      assert.notEqual(fast, null);
      assert.deepStrictEqual(fast, protobufEs(b));
    }),
    { numRuns: 1_000, seed: 17 },
  );
});

test('examples: camelCase keys, nulls, unknown fields, enum numbers and malformed values are left to protobuf-es', () => {
  const slot = { service_id: 's', start_sec: '1767711600' };
  for (const b of [
    { merchantId: 'm', slot_time: [slot] },
    { merchant_id: 'm', slot_time: [{ ...slot, serviceId: 's' }] },
    { merchant_id: null, slot_time: [slot] },
    { merchant_id: 'm', slot_time: [slot], extra: 1 },
    { merchant_id: 'm', slot_time: [{ ...slot, confirmation_mode: 1 }] },
    { merchant_id: 'm', slot_time: [{ ...slot, start_sec: 'soon' }] },
    { merchant_id: 'm', slot_time: [{ ...slot, start_sec: '0123' }] },
    { merchant_id: 'm', slot_time: [{ ...slot, resource_ids: { party_size: '2' } }] },
    { merchant_id: 'm', slot_time: [{ ...slot, resource_ids: { party_size: 2.5 } }] },
    { merchant_id: 'm', slot_time: null },
    [],
    'text',
  ]) {
    assert.equal(readBatchAvailabilityLookup(b), null, JSON.stringify(b));
  }
  assert.deepStrictEqual(readBatchAvailabilityLookup({ merchant_id: 'm', slot_time: [slot] }), protobufEs({ merchant_id: 'm', slot_time: [slot] }));
});
