// The wire helpers' promises that other modules rely on: a request's idempotency hash never changes
// (a retry after an upgrade must match the record made before it), whatever encodes its strings.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { getTextEncoding } from '@bufbuild/protobuf/wire';
import { CreateBookingRequestSchema } from '../gen/ext/maps/booking/partner/v3/booking_pb.js';
import { CreateWaitlistEntryRequestSchema } from '../gen/ext/maps/booking/partner/v3/waitlist/waitlist_pb.js';
import { messageHash, parseMessage } from './proto-json.js';

test("protobuf-es's strings are encoded to the bytes TextEncoder gives, for any text", () => {
  const encode = getTextEncoding().encodeUtf8;
  const reference = new TextEncoder();
  // Code units of every kind (lone surrogates included) and whole code points.
  const text = fc.oneof(fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n)) }), fc.string({ unit: 'binary' }));
  fc.assert(
    fc.property(text, (s) => {
      assert.deepEqual(new Uint8Array(encode(s)), reference.encode(s), JSON.stringify(s));
    }),
    { numRuns: 3000, seed: 17 },
  );
});

test('the idempotency hash of a request is the one earlier versions stored', () => {
  // Printed by messageHash with protobuf-es's TextEncoder, before the encoding hook.
  const join = {
    merchant_id: 'm-1',
    service_id: 'waitlist',
    party_size: 4,
    idempotency_token: 'tok-1',
    user_information: {
      user_id: 'u-1',
      given_name: 'Zoë \u4e2d\u6587 \ud83d\ude00',
      family_name: 'Öztürk',
      telephone: '+1 212-555-0199',
      email: 'zoe@example.com',
      language_code: 'tr',
    },
    additional_request: 'high chair',
  };
  const booking = {
    slot: { merchant_id: 'salon', service_id: 'cut', start_sec: '1780000000', duration_sec: '1800', resources: { party_size: 2, staff_id: 'ş' } },
    user_information: { user_id: 'u-2', given_name: 'عائشة', family_name: 'Hopper', telephone: '+12125550123', email: 'a@example.com' },
    payment_information: { prepayment_status: 'PREPAYMENT_NOT_PROVIDED' },
    idempotency_token: 'tok-2',
    additional_request: 'finestra',
  };
  assert.equal(
    messageHash(CreateWaitlistEntryRequestSchema, parseMessage(CreateWaitlistEntryRequestSchema, join)),
    'nniUo9rThB6eI-wjU-Yjdi38fRiHUAmcYAEvocWgOUs',
  );
  assert.equal(messageHash(CreateBookingRequestSchema, parseMessage(CreateBookingRequestSchema, booking)), 'XpcR5FUN08TdsGmTpEvPf0O2avuZ1TfR4g0GehvPpsY');
});
