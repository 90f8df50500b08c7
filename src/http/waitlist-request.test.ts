// The BatchGetWaitEstimates and GetWaitlistEntry requests read without protobuf-es
// (waitlist-request.ts): on random bodies, whatever is read is exactly protobuf-es's message for
// the same body (and protobuf-es accepts that body), and bodies of the shape Google sends are
// read. Fixed seed: a failure names its input and reproduces.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type DescMessage, fromJson, type JsonValue } from '@bufbuild/protobuf';
import fc from 'fast-check';
import { BatchGetWaitEstimatesRequestSchema, GetWaitlistEntryRequestSchema } from '../gen/ext/maps/booking/partner/v3/waitlist/waitlist_pb.js';
import { readBatchGetWaitEstimates, readGetWaitlistEntry } from './waitlist-request.js';

const protobufEs = (schema: DescMessage, body: unknown): unknown => {
  try {
    return fromJson(schema, body as JsonValue, { ignoreUnknownFields: true });
  } catch (error) {
    return { refused: String(error) };
  }
};

// Strings of any UTF-16 code units (lone surrogates included), numbers of every kind, and the other JSON values.
const text = fc.oneof(
  fc.constant(''),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) }),
);
const number = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -0, 2 ** 31, -(2 ** 31), 2 ** 31 - 1, -(2 ** 31) - 1, 2 ** 53, 1.5, Number.NaN, Number.POSITIVE_INFINITY),
);
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  text,
  number,
  fc.constantFrom('2', '-1', '1e3', ' 4'),
  fc.boolean(),
  fc.constant(null),
  fc.constant([]),
  fc.constant({}),
);

/** An object with some of `fields` and, sometimes, a key of its own. */
function object(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Record<string, unknown>> {
  const extraKey = fc.constantFrom('merchantId', 'serviceId', 'partySize', 'waitlistEntryId', 'unknown_field', '');
  return fc
    .tuple(fc.record(fields, { requiredKeys: [] }), fc.option(fc.tuple(extraKey, anyValue), { nil: undefined, freq: 4 }))
    .map(([record, extra]) => (extra === undefined ? record : { ...record, [extra[0]]: extra[1] }));
}

const estimates = fc.oneof(
  object({
    merchant_id: fc.oneof(text, anyValue),
    service_id: fc.oneof(text, anyValue),
    party_size: fc.oneof(fc.array(fc.oneof(fc.integer({ min: -3, max: 20 }), number, anyValue), { maxLength: 5 }), anyValue),
  }),
  anyValue,
);
const entry = fc.oneof(object({ waitlist_entry_id: fc.oneof(text, anyValue) }), anyValue);

test('property: whatever is read equals protobuf-es reading the same body, which accepts it', () => {
  for (const [schema, read, bodies] of [
    [BatchGetWaitEstimatesRequestSchema, readBatchGetWaitEstimates, estimates],
    [GetWaitlistEntryRequestSchema, readGetWaitlistEntry, entry],
  ] as const) {
    let direct = 0;
    fc.assert(
      fc.property(bodies, (b) => {
        const fast = (read as (body: unknown) => unknown)(b);
        if (fast === null) return;
        direct += 1;
        assert.deepStrictEqual(fast, protobufEs(schema, b));
      }),
      { numRuns: 3_000, seed: 17 },
    );
    assert.ok(direct > 100, `${schema.name}: only ${direct} bodies were read without protobuf-es`);
  }
});

// What Google sends: proto field names, strings without surrogates, party sizes as integers.
const googleText = fc.string({
  unit: fc
    .integer({ min: 0, max: 0xffff })
    .filter((c) => c < 0xd800 || c > 0xdfff)
    .map((c) => String.fromCharCode(c)),
});

test('property: the bodies Google sends are read, as protobuf-es reads them', () => {
  fc.assert(
    fc.property(
      fc.record({ merchant_id: googleText, service_id: googleText, party_size: fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 12 }) }),
      (b) => {
        const fast = readBatchGetWaitEstimates(b);
        assert.notEqual(fast, null);
        assert.deepStrictEqual(fast, protobufEs(BatchGetWaitEstimatesRequestSchema, b));
      },
    ),
    { numRuns: 1_000, seed: 17 },
  );
  fc.assert(
    fc.property(fc.record({ waitlist_entry_id: googleText }), (b) => {
      const fast = readGetWaitlistEntry(b);
      assert.notEqual(fast, null);
      assert.deepStrictEqual(fast, protobufEs(GetWaitlistEntryRequestSchema, b));
    }),
    { numRuns: 1_000, seed: 17 },
  );
});

test('examples: camelCase keys, nulls, unknown fields, sizes as strings and fractions are left to protobuf-es', () => {
  for (const b of [
    { merchantId: 'm', service_id: 's', party_size: [2] },
    { merchant_id: null, service_id: 's', party_size: [2] },
    { merchant_id: 'm', service_id: 's', party_size: [2], extra: 1 },
    { merchant_id: 'm', service_id: 's', party_size: ['2'] },
    { merchant_id: 'm', service_id: 's', party_size: [2.5] },
    { merchant_id: 'm', service_id: 's', party_size: null },
    [],
    'text',
  ]) {
    assert.equal(readBatchGetWaitEstimates(b), null, JSON.stringify(b));
  }
  for (const b of [{ waitlistEntryId: 'e' }, { waitlist_entry_id: 7 }, { waitlist_entry_id: 'e', extra: 1 }, null]) {
    assert.equal(readGetWaitlistEntry(b), null, JSON.stringify(b));
  }
});
