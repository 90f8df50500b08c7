// The directly written waitlist answers are byte for byte what protobuf-es prints for the same
// message (the reference below builds it as the routes did before, with create() and toJsonString),
// and parse back through the proto codec to the same message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create, fromJsonString } from '@bufbuild/protobuf';
import fc from 'fast-check';
import {
  BatchGetWaitEstimatesResponseSchema,
  GetWaitlistEntryResponseSchema,
  WaitEstimateSchema,
  WaitlistConfirmationMode,
  WaitlistEntryState,
  WaitlistStatus,
} from '../gen/ext/maps/booking/partner/v3/waitlist/waitlist_pb.js';
import type { Estimate } from '../waitlist/estimator.js';
import { WAITLIST_STATES } from '../waitlist/state-machine.js';
import { renderMessage } from './proto-json.js';
import { batchGetWaitEstimatesJson, getWaitlistEntryJson, waitEstimateJson, type EntryTimes } from './waitlist-json.js';
import type { ConfirmationMode } from '../merchants/rules.js';

const reference = (partySize: number, estimate: Estimate, mode: ConfirmationMode) =>
  create(WaitEstimateSchema, {
    partySize,
    waitlistConfirmationMode: mode === 'ASYNCHRONOUS' ? WaitlistConfirmationMode.ASYNCHRONOUS : WaitlistConfirmationMode.SYNCHRONOUS,
    waitLength: {
      partiesAheadCount: estimate.partiesAhead,
      estimatedSeatTimeRange: { startSeconds: BigInt(estimate.range.start), endSeconds: BigInt(estimate.range.end) },
    },
  });

// Zeros often: that is where proto3's "leave out the default" rules bite.
const seconds = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 2 ** 40 }), fc.constant(Number.MAX_SAFE_INTEGER));
const int32 = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 500 }), fc.constant(2 ** 31 - 1));
const estimateArb = fc.record({
  partiesAhead: int32,
  seatAt: seconds,
  range: fc.record({ start: seconds, end: seconds }),
});
const modeArb = fc.constantFrom<ConfirmationMode>('SYNCHRONOUS', 'ASYNCHRONOUS');
const itemArb = fc.record({ partySize: int32, estimate: estimateArb, confirmationMode: modeArb });
const maybe = fc.oneof(fc.constant(null), seconds);
const timesArb: fc.Arbitrary<EntryTimes> = fc.record({
  createdAt: seconds,
  canceledAt: maybe,
  serviceReadiedAt: maybe,
  checkedInAt: maybe,
  seatedAt: maybe,
  markedNoShowAt: maybe,
});

test('property: BatchGetWaitEstimates JSON equals protobuf-es output', () => {
  fc.assert(
    fc.property(fc.constantFrom('OPEN', 'CLOSED_NO_WAIT', 'CLOSED_OTHER' as const), fc.array(itemArb, { maxLength: 4 }), (status, items) => {
      const message = create(BatchGetWaitEstimatesResponseSchema, {
        waitlistStatus: WaitlistStatus[status],
        waitEstimate: items.map((e) => reference(e.partySize, e.estimate, e.confirmationMode)),
      });
      const written = batchGetWaitEstimatesJson(status, items);
      assert.equal(written, renderMessage(BatchGetWaitEstimatesResponseSchema, message));
      assert.deepEqual(fromJsonString(BatchGetWaitEstimatesResponseSchema, written), message);
    }),
    { numRuns: 500 },
  );
});

test('property: GetWaitlistEntry JSON equals protobuf-es output', () => {
  const opt = (v: number | null): bigint => (v === null ? 0n : BigInt(v));
  fc.assert(
    fc.property(fc.constantFrom(...WAITLIST_STATES), timesArb, itemArb, (state, t, e) => {
      const message = create(GetWaitlistEntryResponseSchema, {
        waitlistEntry: {
          waitlistEntryState: WaitlistEntryState[state],
          waitlistEntryStateTimes: {
            createdTimeSeconds: BigInt(t.createdAt),
            canceledTimeSeconds: opt(t.canceledAt),
            serviceReadiedTimeSeconds: opt(t.serviceReadiedAt),
            checkedInTimeSeconds: opt(t.checkedInAt),
            seatedTimeSeconds: opt(t.seatedAt),
            markedNoShowTimeSeconds: opt(t.markedNoShowAt),
          },
          waitEstimate: reference(e.partySize, e.estimate, e.confirmationMode),
        },
      });
      const written = getWaitlistEntryJson(state, t, waitEstimateJson(e.partySize, e.estimate, e.confirmationMode));
      assert.equal(written, renderMessage(GetWaitlistEntryResponseSchema, message));
      assert.deepEqual(fromJsonString(GetWaitlistEntryResponseSchema, written), message);
    }),
    { numRuns: 500 },
  );
});

test('a value create() would refuse is refused, not printed', () => {
  const estimate = { partiesAhead: 1, seatAt: 10, range: { start: 10, end: 20 } };
  assert.throws(() => waitEstimateJson(1.5, estimate, 'SYNCHRONOUS'), RangeError);
  assert.throws(() => waitEstimateJson(2, { ...estimate, range: { start: 10.5, end: 20 } }, 'SYNCHRONOUS'), RangeError);
});
