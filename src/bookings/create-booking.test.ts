// CreateBooking as Google calls it: successes, every business failure cause, payments, and bad
// requests. Real app, real SQLite file; "now" is Monday 2026-01-05 12:00 New York. Merchant 1001
// is the demo (service 12310: 30-minute slots 09:00-16:30, two spots, party sizes 1-8); the tests
// add services with other rules to it, and a second merchant 2002.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { seedDemo } from '../demo/seed.js';
import { type TestApp, DIALECTS, forDialect } from '../test-support/app.js';
import {
  DEMO_M,
  DEMO_S,
  addMerchant,
  addService,
  adminBookings,
  adminOk,
  book,
  bookingCause,
  bookingRequest,
  failureOf,
  googleOk,
  ny,
  putSlots,
  spotsOpen,
  updateBooking,
  type BookingOptions,
} from '../test-support/bookings.js';

// Every test below runs once on SQLite and once on PostgreSQL (when the suite started one).
for (const dialect of DIALECTS) {
  describe(dialect, () => {
    const startApp = forDialect(dialect);

    const ASYNC_S = 'async';
    const LONG_S = 'long'; // one-hour slots, overlapping the demo's half hours
    const LIMITED_S = 'limited'; // user_booking_limit 2
    const PAID_S = 'paid'; // price 25.00 USD, for partner-processed payments
    const OTHER_M = '2002';
    const WED = (hhmm: string) => ny(`2026-01-07 ${hhmm}`);
    const THU = (hhmm: string) => ny(`2026-01-08 ${hhmm}`);
    const WEEK = [ny('2026-01-06 00:00'), ny('2026-01-13 00:00')] as const;

    let t: TestApp;
    before(async () => {
      t = await startApp();
      await seedDemo(t.services, t.clock);
      const hourly = ['09:00', '10:00', '11:00', '12:00'].flatMap((h) => [WED(h), THU(h)]).map((start) => ({ start, duration: 3600 }));
      const halfHourly = ['09:00', '10:00', '11:00', '12:00'].flatMap((h) => [WED(h), THU(h)]).map((start) => ({ start }));
      await addService(t, DEMO_M, ASYNC_S, { confirmation_mode: 'ASYNCHRONOUS' });
      await putSlots(t, DEMO_M, ASYNC_S, WEEK, halfHourly);
      await addService(t, DEMO_M, LONG_S);
      await putSlots(t, DEMO_M, LONG_S, WEEK, hourly);
      await addService(t, DEMO_M, LIMITED_S, { user_booking_limit: 2 });
      await putSlots(t, DEMO_M, LIMITED_S, WEEK, halfHourly);
      await addService(t, DEMO_M, PAID_S, { price: { price_micros: 25_000_000, currency_code: 'USD' } });
      await putSlots(t, DEMO_M, PAID_S, WEEK, halfHourly);
      await addMerchant(t, OTHER_M);
      await addService(t, OTHER_M, LONG_S);
      await putSlots(t, OTHER_M, LONG_S, WEEK, hourly);
      await adminOk(t, 'PUT', `/merchants/${DEMO_M}/offers`, {
        offers: [
          { id: 'welcome10', description: '10% off' },
          { id: 'retired', active: false },
          { id: 'async-only', service_id: ASYNC_S },
          { id: 'expired', valid_until_sec: ny('2026-01-06 00:00') },
        ],
      });
    });
    after(() => t.close());

    const status = async (bookingId: string) => (await googleOk(t, 'GetBookingStatus', { booking_id: bookingId })).booking_status;

    describe('CreateBooking: success', () => {
      test('CONFIRMED, echoing the slot, the user and the payment information', async () => {
        const request = bookingRequest({ start: ny('2026-01-06 09:00') });
        const body = await googleOk(t, 'CreateBooking', request);
        assert.deepEqual(Object.keys(body), ['booking']);
        const { booking_id, ...rest } = body.booking;
        assert.match(booking_id, /^[0-9a-f-]{36}$/);
        assert.deepEqual(rest, {
          slot: { ...request.slot, confirmation_mode: 'CONFIRMATION_MODE_SYNCHRONOUS' },
          user_information: request.user_information,
          status: 'CONFIRMED',
          payment_information: { prepayment_status: 'PREPAYMENT_NOT_PROVIDED' },
        });
        assert.equal(await status(booking_id), 'CONFIRMED');
      });

      test('a service that needs confirmation: PENDING_MERCHANT_CONFIRMATION, then the merchant confirms', async () => {
        const booking = await book(t, { serviceId: ASYNC_S, start: WED('09:00') });
        assert.equal(booking.status, 'PENDING_MERCHANT_CONFIRMATION');
        assert.equal(booking.slot.confirmation_mode, 'CONFIRMATION_MODE_ASYNCHRONOUS');
        assert.equal(await spotsOpen(t, DEMO_M, ASYNC_S, WED('09:00')), 1, 'a pending booking holds its spot');
        await adminOk(t, 'POST', `/merchants/${DEMO_M}/bookings/${booking.booking_id}/confirm`);
        assert.equal(await status(booking.booking_id), 'CONFIRMED');
      });

      test('a pending booking the merchant declines: DECLINED_BY_MERCHANT, and its spot is free again', async () => {
        const booking = await book(t, { serviceId: ASYNC_S, start: WED('10:00') });
        await adminOk(t, 'POST', `/merchants/${DEMO_M}/bookings/${booking.booking_id}/decline`);
        const res = await googleOk(t, 'GetBookingStatus', { booking_id: booking.booking_id });
        assert.deepEqual(res, { booking_id: booking.booking_id, booking_status: 'DECLINED_BY_MERCHANT', prepayment_status: 'PREPAYMENT_NOT_PROVIDED' });
        assert.equal(await spotsOpen(t, DEMO_M, ASYNC_S, WED('10:00')), 2);
      });

      test('without a party size the smallest the service takes is booked', async () => {
        const booking = await book(t, { start: ny('2026-01-06 09:30'), partySize: 0 });
        assert.equal(booking.slot.resources.party_size, 1);
      });

      test('the booking shows in the merchant admin list like one the merchant made, apart from source', async () => {
        const start = ny('2026-01-06 10:00');
        const google = await book(t, { start, partySize: 3, userId: 'guest-admin-compare', extra: { additional_request: 'high chair' } });
        const staff = await adminOk(
          t,
          'POST',
          `/merchants/${DEMO_M}/bookings`,
          {
            service_id: DEMO_S,
            start_sec: start,
            duration_sec: 1800,
            party_size: 3,
            given_name: 'Grace',
            family_name: 'Hopper',
            telephone: '+12125550123',
            email: google.user_information.email,
            additional_request: 'high chair',
          },
          201,
        );
        const listed = await adminBookings(t, DEMO_M, `?from=${start}&to=${start + 1}`);
        const fromGoogle = listed.find((b) => b.id === google.booking_id);
        assert.ok(fromGoogle, 'the Google booking is listed');
        assert.deepEqual(
          listed.find((b) => b.id === staff.id),
          staff,
        );
        const comparable = (b: Record<string, unknown>) => ({ ...b, id: 'x', source: 'x', guest: { ...(b.guest as object), google_user_id: 'x' } });
        assert.deepEqual(comparable(fromGoogle), comparable(staff));
        assert.equal(fromGoogle.source, 'google');
        assert.equal(staff.source, 'merchant');
        assert.equal((fromGoogle.guest as { google_user_id: string }).google_user_id, 'guest-admin-compare');
      });
    });

    describe('CreateBooking: business failures (HTTP 200, booking_failure only)', () => {
      test('SLOT_UNAVAILABLE: slot full, no such slot, party size out of range, already started', async () => {
        const start = ny('2026-01-06 11:00');
        await book(t, { start });
        await book(t, { start });
        assert.equal(await bookingCause(t, { start }), 'SLOT_UNAVAILABLE', 'full');
        assert.equal(await bookingCause(t, { start: ny('2026-01-06 11:10') }), 'SLOT_UNAVAILABLE', 'no slot starts then');
        assert.equal(await bookingCause(t, { start: ny('2026-01-06 11:30'), duration: 3600 }), 'SLOT_UNAVAILABLE', 'no slot of that length');
        assert.equal(await bookingCause(t, { start: ny('2026-01-06 11:30'), partySize: 9 }), 'SLOT_UNAVAILABLE', 'party of 9, service takes 1-8');
        assert.equal(await bookingCause(t, { start: ny('2026-01-05 09:00') }), 'SLOT_UNAVAILABLE', 'this morning');
        assert.equal(await spotsOpen(t, DEMO_M, DEMO_S, ny('2026-01-06 11:30')), 2, 'failures take no spot');
      });

      test('a party the service does not take is refused saying the party size, not "no such slot"', async () => {
        const start = ny('2026-01-06 12:00');
        const described = async (o: BookingOptions) => failureOf(await googleOk(t, 'CreateBooking', bookingRequest(o)));
        assert.deepEqual(await described({ start, partySize: 9 }), {
          cause: 'SLOT_UNAVAILABLE',
          description: "a party of 9 is above this service's largest party size, 8",
        });
        assert.deepEqual(await described({ start: ny('2026-01-06 12:10'), partySize: 9 }), {
          cause: 'SLOT_UNAVAILABLE',
          description: 'no such slot is offered',
        });
        const lease = await googleOk(t, 'CreateLease', { lease: { slot: bookingRequest({ start, partySize: 9 }).slot, user_reference: 'lease-of-nine' } });
        assert.equal(failureOf(lease).description, "a party of 9 is above this service's largest party size, 8");
      });

      test('a duplicate (same user, start and party size, new token) is OVERLAPPING_RESERVATION; another party size on the slot is SLOT_ALREADY_BOOKED_BY_USER', async () => {
        const o: BookingOptions = { start: ny('2026-01-09 12:00'), userId: 'twice' };
        await book(t, o);
        const duplicate = failureOf(await googleOk(t, 'CreateBooking', bookingRequest(o)));
        assert.equal(duplicate.cause, 'OVERLAPPING_RESERVATION');
        assert.match(duplicate.description, /duplicate/);
        assert.equal(await bookingCause(t, { ...o, partySize: 3 }), 'SLOT_ALREADY_BOOKED_BY_USER');
        assert.equal(await spotsOpen(t, DEMO_M, DEMO_S, ny('2026-01-09 12:00')), 1);
      });

      test('a duplicate by email: the same address in another case under another user id is OVERLAPPING_RESERVATION; another party size or time books', async () => {
        const start = ny('2026-01-09 12:30');
        await book(t, { start, userId: 'mail-a', email: 'Ada.Lovelace@Example.com' });
        assert.equal(await bookingCause(t, { start, userId: 'mail-b', email: '  ada.lovelace@example.COM ' }), 'OVERLAPPING_RESERVATION');
        assert.equal(await spotsOpen(t, DEMO_M, DEMO_S, start), 1, 'the duplicate took no spot');
        assert.equal((await book(t, { start, partySize: 4, userId: 'mail-c', email: 'ada.lovelace@example.com' })).status, 'CONFIRMED');
        assert.equal((await book(t, { start: ny('2026-01-09 13:00'), userId: 'mail-d', email: 'ada.lovelace@example.com' })).status, 'CONFIRMED');
      });

      test('a duplicate of the booking that filled the slot is OVERLAPPING_RESERVATION, not SLOT_UNAVAILABLE; after a cancel the guest may book again', async () => {
        const start = ny('2026-01-09 13:30');
        const first = await book(t, { start, userId: 'filler', email: 'filler@example.com' });
        await book(t, { start });
        assert.equal(await bookingCause(t, { start }), 'SLOT_UNAVAILABLE', 'full for anyone else');
        assert.equal(await bookingCause(t, { start, userId: 'filler' }), 'OVERLAPPING_RESERVATION');
        assert.equal(await bookingCause(t, { start, userId: 'filler-2', email: 'FILLER@example.com' }), 'OVERLAPPING_RESERVATION');
        await updateBooking(t, { booking_id: first.booking_id, status: 'CANCELED' });
        assert.equal((await book(t, { start, userId: 'filler-3', email: 'filler@example.com' })).status, 'CONFIRMED');
      });

      test('concurrent duplicates by email (new tokens, other user ids) make one booking', async () => {
        const start = ny('2026-01-09 14:00');
        // Half of them leave duration_sec out: another slot query for the same slot, so the
        // attempts do not take turns in this process's slot lanes and meet in the database.
        const requests = Array.from({ length: 8 }, (_, i) => {
          const request = bookingRequest({ start, userId: `racer-${i}`, email: i % 2 === 0 ? 'racer@example.com' : 'RACER@example.com' });
          return i % 2 === 0 ? request : { ...request, slot: { ...request.slot, duration_sec: undefined } };
        });
        const bodies = await Promise.all(requests.map((r) => googleOk(t, 'CreateBooking', r)));
        assert.equal(bodies.filter((b) => b.booking !== undefined).length, 1, JSON.stringify(bodies));
        assert.deepEqual(new Set(bodies.filter((b) => b.booking === undefined).map((b) => failureOf(b).cause)), new Set(['OVERLAPPING_RESERVATION']));
        assert.equal(await spotsOpen(t, DEMO_M, DEMO_S, start), 1);
      });

      test('OVERLAPPING_RESERVATION: same user, overlapping time, same merchant; another merchant is fine', async () => {
        await book(t, { start: WED('09:30'), userId: 'overlapper' });
        assert.equal(await bookingCause(t, { serviceId: LONG_S, start: WED('09:00'), duration: 3600, userId: 'overlapper' }), 'OVERLAPPING_RESERVATION');
        const elsewhere = await book(t, { merchantId: OTHER_M, serviceId: LONG_S, start: WED('09:00'), duration: 3600, userId: 'overlapper' });
        assert.equal(elsewhere.status, 'CONFIRMED');
        // Back to back is not overlapping; another user at the same time is not either.
        assert.equal((await book(t, { serviceId: LONG_S, start: WED('10:00'), duration: 3600, userId: 'overlapper' })).status, 'CONFIRMED');
        assert.equal((await book(t, { serviceId: LONG_S, start: WED('09:00'), duration: 3600, userId: 'someone-else' })).status, 'CONFIRMED');
      });

      test('USER_OVER_BOOKING_LIMIT: a third upcoming booking with a limit of two; cancelling one makes room', async () => {
        const user = 'frequent';
        const first = await book(t, { serviceId: LIMITED_S, start: THU('09:00'), userId: user });
        await book(t, { serviceId: LIMITED_S, start: THU('10:00'), userId: user });
        assert.equal(await bookingCause(t, { serviceId: LIMITED_S, start: THU('11:00'), userId: user }), 'USER_OVER_BOOKING_LIMIT');
        assert.equal((await book(t, { serviceId: LIMITED_S, start: THU('11:00'), userId: 'someone-new' })).status, 'CONFIRMED');
        await updateBooking(t, { booking_id: first.booking_id, status: 'CANCELED' });
        assert.equal((await book(t, { serviceId: LIMITED_S, start: THU('11:00'), userId: user })).status, 'CONFIRMED');
      });

      test('LEASE_EXPIRED: booking with a lease after the lease has run out', async () => {
        const slot = bookingRequest({ start: ny('2026-01-06 13:00') }).slot;
        const leased = await googleOk(t, 'CreateLease', {
          lease: { slot, user_reference: 'lease-expire-1', lease_expiration_time_sec: String(ny('2026-01-05 12:05')) },
        });
        assert.equal(leased.lease.lease_expiration_time_sec, String(ny('2026-01-05 12:05')));
        t.clock.advanceSeconds(5 * 60);
        try {
          assert.equal(await bookingCause(t, { start: ny('2026-01-06 13:00'), extra: { lease_ref: { lease_id: leased.lease.lease_id } } }), 'LEASE_EXPIRED');
        } finally {
          t.clock.advanceSeconds(-5 * 60);
        }
      });

      test('OFFER_UNAVAILABLE for an unknown, inactive, expired or other-service offer; a valid offer is echoed', async () => {
        const start = ny('2026-01-06 14:00');
        for (const offer of ['no-such-offer', 'retired', 'expired', 'async-only']) {
          assert.equal(await bookingCause(t, { start, extra: { offer_id: offer } }), 'OFFER_UNAVAILABLE', offer);
        }
        assert.equal(await spotsOpen(t, DEMO_M, DEMO_S, start), 2);
        const booking = await book(t, { start, extra: { offer_id: 'welcome10' } });
        assert.deepEqual(booking.offer_info, { offer_id: 'welcome10' });
        assert.equal((await book(t, { start })).offer_info, undefined, 'no offer asked, none applied');
        assert.equal(await bookingCause(t, { start, extra: { offer_id: 'no-such-offer' } }), 'SLOT_UNAVAILABLE', 'a full slot is the cause, not the offer');
      });
    });

    describe('CreateBooking: payments', () => {
      const partnerPayment = (token: string, start: number, o: BookingOptions = {}): BookingOptions => ({
        serviceId: PAID_S,
        start,
        ...o,
        extra: {
          payment_information: {
            prepayment_status: 'PREPAYMENT_NOT_PROVIDED',
            payment_processed_by: 'PROCESSED_BY_PARTNER',
            price: { price_micros: '25000000', currency_code: 'USD' },
          },
          payment_processing_parameters: { unparsed_payment_method_token: token },
        },
      });

      test('PROCESSED_BY_GOOGLE: the payment information is stored and echoed', async () => {
        const payment = {
          prepayment_status: 'PREPAYMENT_PROVIDED',
          payment_transaction_id: 'google-txn-42',
          price: { price_micros: '25000000', currency_code: 'USD' },
          tax_amount: { price_micros: '2218750', currency_code: 'USD' },
          payment_processed_by: 'PROCESSED_BY_GOOGLE',
          payment_option_id: 'single-visit',
        };
        const booking = await book(t, { start: ny('2026-01-06 15:00'), extra: { payment_information: payment } });
        assert.deepEqual(booking.payment_information, payment);
        const stat = await googleOk(t, 'GetBookingStatus', { booking_id: booking.booking_id });
        assert.equal(stat.prepayment_status, 'PREPAYMENT_PROVIDED');
        const listed = (await adminBookings(t, DEMO_M, `?from=${ny('2026-01-06 15:00')}&to=${ny('2026-01-06 15:01')}`)).find(
          (b) => b.id === booking.booking_id,
        );
        assert.equal(listed?.payment_transaction_id, 'google-txn-42');
        assert.equal(listed?.prepayment_status, 'PREPAYMENT_PROVIDED');
      });

      test('PROCESSED_BY_PARTNER: the test processor charges the token; the booking carries its transaction id', async () => {
        const booking = await book(t, partnerPayment('tok_visa', WED('09:00')));
        assert.equal(booking.status, 'CONFIRMED');
        assert.equal(booking.payment_information.prepayment_status, 'PREPAYMENT_PROVIDED');
        assert.match(booking.payment_information.payment_transaction_id, /^test_/);
        assert.equal(booking.payment_information.payment_processed_by, 'PROCESSED_BY_PARTNER');
        assert.deepEqual(booking.payment_information.price, { price_micros: '25000000', currency_code: 'USD' });
      });

      test('card declined, card type rejected, 3-D Secure: the payment causes, and no spot is taken', async () => {
        const start = WED('10:00');
        const declined = failureOf(await googleOk(t, 'CreateBooking', bookingRequest(partnerPayment('tok_declined', start))));
        assert.equal(declined.cause, 'PAYMENT_ERROR_CARD_DECLINED');

        const rejected = failureOf(await googleOk(t, 'CreateBooking', bookingRequest(partnerPayment('tok_card_type_rejected:AMERICAN_EXPRESS', start))));
        assert.equal(rejected.cause, 'PAYMENT_ERROR_CARD_TYPE_REJECTED');
        assert.equal(rejected.rejected_card_type, 'AMERICAN_EXPRESS');

        const threeDs = failureOf(await googleOk(t, 'CreateBooking', bookingRequest(partnerPayment('tok_3ds1', start))));
        assert.equal(threeDs.cause, 'PAYMENT_REQUIRES_3DS1');
        const params = (threeDs.payment_failure as { threeds1_parameters: Record<string, string> }).threeds1_parameters;
        assert.deepEqual(Object.keys(params).sort(), ['acs_url', 'md_merchant_data', 'pa_req', 'transaction_id']);
        assert.match(params.acs_url!, /^https:\/\//);

        assert.equal(await spotsOpen(t, DEMO_M, PAID_S, start), 2);
        assert.equal((await adminBookings(t, DEMO_M, `?service_id=${PAID_S}&from=${start}&to=${start + 1}`)).length, 0);
      });

      test('a declined attempt retried with the same idempotency token and a good card succeeds', async () => {
        const o = partnerPayment('tok_declined', WED('11:00'), { token: 'pay-retry', userId: 'pay-retry-user' });
        const request = bookingRequest(o);
        assert.equal(failureOf(await googleOk(t, 'CreateBooking', request)).cause, 'PAYMENT_ERROR_CARD_DECLINED');
        const retried = await googleOk(t, 'CreateBooking', { ...request, payment_processing_parameters: { unparsed_payment_method_token: 'tok_mastercard' } });
        assert.equal(retried.booking.status, 'CONFIRMED');
      });

      test('cancelling a partner-paid booking refunds it', async () => {
        const booking = await book(t, partnerPayment('tok_visa', WED('12:00')));
        const canceled = await updateBooking(t, { booking_id: booking.booking_id, status: 'CANCELED' });
        assert.equal(canceled.booking.status, 'CANCELED');
        assert.equal(canceled.booking.payment_information.prepayment_status, 'PREPAYMENT_REFUNDED');
      });
    });

    describe('CreateBooking: malformed requests are 400 with a message', () => {
      const valid = () => bookingRequest({ start: ny('2026-01-06 16:00') });
      const cases: [string, () => unknown, RegExp][] = [
        ['no slot', () => ({ ...valid(), slot: undefined }), /slot/],
        ['no idempotency_token', () => ({ ...valid(), idempotency_token: undefined }), /idempotency_token/],
        ['an empty idempotency_token', () => ({ ...valid(), idempotency_token: '  ' }), /idempotency_token/],
        ['no user_information', () => ({ ...valid(), user_information: undefined }), /user_information/],
        ['no merchant_id', () => ({ ...valid(), slot: { ...valid().slot, merchant_id: undefined } }), /merchant_id/],
        ['no service_id', () => ({ ...valid(), slot: { ...valid().slot, service_id: undefined } }), /service_id/],
        ['no start_sec', () => ({ ...valid(), slot: { ...valid().slot, start_sec: undefined } }), /start_sec/],
        ['start_sec is not a number', () => ({ ...valid(), slot: { ...valid().slot, start_sec: 'tomorrow' } }), /start_?sec|int64/i],
        ['party_size is a string', () => ({ ...valid(), slot: { ...valid().slot, resources: { party_size: 'two' } } }), /party_?size|int32/i],
        ['a negative party_size', () => ({ ...valid(), slot: { ...valid().slot, resources: { party_size: -3 } } }), /party_size -3/],
        ['slot is an array', () => ({ ...valid(), slot: [] }), /slot/i],
        ['an unknown merchant', () => ({ ...valid(), slot: { ...valid().slot, merchant_id: 'nobody' } }), /nobody/],
        ['an unknown service', () => ({ ...valid(), slot: { ...valid().slot, service_id: 'nothing' } }), /nothing/],
        ['a JSON array body', () => [], /JSON object/],
        ['not JSON at all', () => '{"slot": ', /JSON/],
      ];
      for (const [name, body, message] of cases) {
        test(name, async () => {
          const res = await t.google('CreateBooking', body());
          assert.equal(res.statusCode, 400, res.body);
          assert.match(res.json().error.message, message);
        });
      }

      test('none of them took a spot', async () => {
        assert.equal(await spotsOpen(t, DEMO_M, DEMO_S, ny('2026-01-06 16:00')), 2);
      });
    });
  });
}
