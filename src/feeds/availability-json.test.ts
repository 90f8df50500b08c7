// The directly written Availability entry is byte for byte what protobuf-es prints for the same
// message (the reference below builds it as the feed generator did before, with create() and
// toJsonString), and parses back through the proto codec to the same message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create, fromJsonString, toJsonString } from '@bufbuild/protobuf';
import fc from 'fast-check';
import type { GoogleAvailability } from '../availability/google-format.js';
import { AvailabilitySchema, ConfirmationMode } from '../gen/ext/maps/booking/feeds/v1/availability_feed_pb.js';
import { availabilityJson, singleSlotPrinter } from './availability-json.js';

function reference(e: GoogleAvailability): string {
  const r = e.resources;
  const message = create(AvailabilitySchema, {
    merchantId: e.merchantId,
    serviceId: e.serviceId,
    startSec: BigInt(e.startSec),
    durationSec: BigInt(e.durationSec),
    spotsTotal: BigInt(e.spotsTotal),
    spotsOpen: BigInt(e.spotsOpen),
    availabilityTag: e.availabilityTag,
    ...(r.staffId !== '' || r.roomId !== '' || r.partySize !== 0
      ? { resources: { staffId: r.staffId, staffName: r.staffId, roomId: r.roomId, roomName: r.roomId, partySize: r.partySize } }
      : {}),
    ...(e.recurrence !== null
      ? { recurrence: { repeatEverySec: BigInt(e.recurrence.repeatEverySec), repeatUntilSec: BigInt(e.recurrence.repeatUntilSec) } }
      : {}),
    scheduleException: e.scheduleExceptions.map((x) => ({ timeRange: { beginSec: BigInt(x.beginSec), endSec: BigInt(x.endSec) } })),
    confirmationMode: e.confirmationMode === 'ASYNCHRONOUS' ? ConfirmationMode.ASYNCHRONOUS : ConfirmationMode.SYNCHRONOUS,
  });
  return toJsonString(AvailabilitySchema, message, { useProtoFieldName: true });
}

// Zeros and empty strings often: that is where proto3's "leave out the default" rules bite.
const seconds = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 2 ** 40 }), fc.constant(Number.MAX_SAFE_INTEGER));
const small = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 500 }), fc.constant(2 ** 31 - 1));
// Quotes, backslashes, control characters, non-ASCII and astral characters: the JSON escapes.
const id = fc.oneof(
  fc.constant(''),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 6 }),
  fc.constantFrom('a"b', 'c\\d', 'e\nf\u0001', '</script>', 'é𝄞'),
);
const availability: fc.Arbitrary<GoogleAvailability> = fc.record({
  merchantId: id,
  serviceId: id,
  startSec: seconds,
  durationSec: seconds,
  spotsTotal: small,
  spotsOpen: small,
  availabilityTag: id,
  resources: fc.record({ staffId: id, roomId: id, partySize: small }),
  recurrence: fc.option(fc.record({ repeatEverySec: seconds, repeatUntilSec: seconds }), { nil: null }),
  scheduleExceptions: fc.array(fc.record({ beginSec: seconds, endSec: seconds }), { maxLength: 4 }),
  confirmationMode: fc.constantFrom<GoogleAvailability['confirmationMode']>('SYNCHRONOUS', 'ASYNCHRONOUS'),
});

test('availabilityJson is byte for byte what protobuf-es prints, and parses back to the same message', () => {
  fc.assert(
    fc.property(availability, (e) => {
      const direct = availabilityJson(e);
      const expected = reference(e);
      assert.equal(direct, expected);
      assert.equal(toJsonString(AvailabilitySchema, fromJsonString(AvailabilitySchema, direct), { useProtoFieldName: true }), expected);
    }),
    { numRuns: 2000, seed: 1717 },
  );
});

test('availabilityJson: a plain slot, and a recurrence with every optional part', () => {
  const plain: GoogleAvailability = {
    merchantId: 'm1',
    serviceId: 's1',
    startSec: 1_772_492_400,
    durationSec: 1800,
    spotsTotal: 2,
    spotsOpen: 0,
    availabilityTag: '',
    resources: { staffId: '', roomId: '', partySize: 0 },
    recurrence: null,
    scheduleExceptions: [],
    confirmationMode: 'SYNCHRONOUS',
  };
  assert.equal(
    availabilityJson(plain),
    '{"merchant_id":"m1","service_id":"s1","start_sec":"1772492400","duration_sec":"1800","spots_total":"2","confirmation_mode":"CONFIRMATION_MODE_SYNCHRONOUS"}',
  );
  const full: GoogleAvailability = {
    ...plain,
    spotsTotal: 1,
    spotsOpen: 1,
    availabilityTag: 'a"b',
    resources: { staffId: 'anna', roomId: '', partySize: 4 },
    recurrence: { repeatEverySec: 1800, repeatUntilSec: 1_772_501_400 },
    scheduleExceptions: [{ beginSec: 1_772_494_200, endSec: 1_772_496_000 }],
    confirmationMode: 'ASYNCHRONOUS',
  };
  assert.equal(availabilityJson(full), reference(full));
});

test('singleSlotPrinter prints what availabilityJson prints, for any entry and any start and open spots', () => {
  // Plain single slots most of the time (the printer's own text), anything else now and then (it hands those on).
  const template = fc.oneof(
    {
      weight: 4,
      arbitrary: availability.map((e) => ({ ...e, resources: { staffId: '', roomId: '', partySize: 0 }, recurrence: null, scheduleExceptions: [] })),
    },
    { weight: 1, arbitrary: availability },
  );
  fc.assert(
    fc.property(template, fc.array(fc.tuple(seconds, small), { minLength: 1, maxLength: 5 }), (e, slots) => {
      const print = singleSlotPrinter(e);
      for (const [startSec, spotsOpen] of slots) assert.equal(print(startSec, spotsOpen), availabilityJson({ ...e, startSec, spotsOpen }));
    }),
    { numRuns: 2000, seed: 1718 },
  );
});
