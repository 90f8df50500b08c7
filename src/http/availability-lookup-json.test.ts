// The directly written BatchAvailabilityLookup answer is byte for byte what protobuf-es prints for
// the same message (built as the route did before, with create() and toJsonString), and parses
// back through the proto codec to the same message. Fixed seed: a failure names its input and
// reproduces.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create, fromJsonString } from '@bufbuild/protobuf';
import fc from 'fast-check';
import { BatchAvailabilityLookupResponseSchema, SlotTimeSchema, type SlotTime } from '../gen/ext/maps/booking/partner/v3/booking_pb.js';
import { renderMessage } from './proto-json.js';
import { batchAvailabilityLookupJson } from './availability-lookup-json.js';

// Empty and zero often: that is where proto3's "leave out the default" rules bite. Strings of any
// UTF-16 code units, lone surrogates and control characters included (escaping).
const text = fc.oneof(
  fc.constant(''),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) }),
);
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const int64 = fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: 2n ** 40n }), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }));
const int32 = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 20 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }));
// 0-2 are named; other numbers are kept by the codec (open enum) and printed as numbers.
const mode = fc.oneof(fc.constantFrom(0, 1, 2), fc.integer({ min: -3, max: 9 }));
const slotTime: fc.Arbitrary<SlotTime> = fc
  .record({
    startSec: int64,
    durationSec: int64,
    availabilityTag: text,
    resourceIds: fc.option(fc.record({ staffId: text, roomId: text, partySize: int32 }), { nil: undefined }),
    serviceId: text,
    confirmationMode: mode,
  })
  .map(({ resourceIds, ...rest }) => create(SlotTimeSchema, { ...rest, ...(resourceIds === undefined ? {} : { resourceIds }) }));

test('property: BatchAvailabilityLookup JSON equals protobuf-es output and parses back to the same message (well-formed strings)', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(slotTime, fc.boolean()), { maxLength: 6 }), (items) => {
      const message = create(BatchAvailabilityLookupResponseSchema, {
        slotTimeAvailability: items.map(([slotTime, available]) => ({ slotTime, available })),
      });
      const written = batchAvailabilityLookupJson(
        items.map(([t]) => t),
        (i) => items[i]![1],
      );
      assert.equal(written, renderMessage(BatchAvailabilityLookupResponseSchema, message));
      // A lone surrogate is printed as protobuf-es prints it, but no codec reads it back (not UTF-8), nor does a request carry one.
      const strings = items.flatMap(([t]) => [t.availabilityTag, t.serviceId, t.resourceIds?.staffId ?? '', t.resourceIds?.roomId ?? '']);
      if (!strings.some((s) => LONE_SURROGATE.test(s))) assert.deepEqual(fromJsonString(BatchAvailabilityLookupResponseSchema, written), message);
    }),
    { numRuns: 1000, seed: 17 },
  );
});

test('an answer without slot times, and a slot time whose resource_ids is set but empty', () => {
  assert.equal(
    batchAvailabilityLookupJson([], () => true),
    '{}',
  );
  const t = create(SlotTimeSchema, { startSec: 1n, resourceIds: {}, serviceId: 's' });
  assert.equal(
    batchAvailabilityLookupJson([t], () => false),
    '{"slot_time_availability":[{"slot_time":{"start_sec":"1","resource_ids":{},"service_id":"s"}}]}',
  );
});
