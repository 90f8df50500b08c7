// The standard booking methods Google calls (/v3/...): wire messages in and out, domain between.
import { create, toJson } from '@bufbuild/protobuf';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply } from 'fastify';
import {
  BatchAvailabilityLookupRequestSchema,
  BookingFailure_Cause,
  BookingFailureSchema,
  BookingSchema,
  BookingStatus,
  CheckAvailabilityRequestSchema,
  CheckAvailabilityResponseSchema,
  ConfirmationMode,
  CreateBookingRequestSchema,
  CreateBookingResponseSchema,
  CreateLeaseRequestSchema,
  CreateLeaseResponseSchema,
  CreditCardType,
  GetBookingStatusRequestSchema,
  GetBookingStatusResponseSchema,
  ListBookingsRequestSchema,
  ListBookingsResponseSchema,
  PaymentInformation_PaymentProcessedBy,
  PaymentInformationSchema,
  PrepaymentStatus,
  UpdateBookingRequestSchema,
  UpdateBookingResponseSchema,
  type Booking as WireBooking,
  type BookingFailure as WireFailure,
  type PaymentInformation,
  type ResourceIds,
  type Slot,
} from '../gen/ext/maps/booking/partner/v3/booking_pb.js';
import type { AvailabilityService } from '../availability/service.js';
import type { SlotQuery } from '../availability/matching.js';
import { DomainError, invalid } from '../errors.js';
import { messageHash, parseMessage, renderMessage, requireText, seconds } from './proto-json.js';
import { batchAvailabilityLookupJson } from './availability-lookup-json.js';
import { readBatchAvailabilityLookup } from './availability-lookup-request.js';
import type { Booking, BookingFailure, PrepaymentStatus as DomainPrepayment } from '../bookings/model.js';
import type { BookingResult } from '../bookings/context.js';
import type { PaymentInput } from '../bookings/payments.js';
import type { BookingService } from '../bookings/service.js';
import { type BookingChange, BookingStateError } from '../bookings/update-booking.js';

const JSON_TYPE = 'application/json; charset=utf-8';

function send<D extends Parameters<typeof renderMessage>[0]>(reply: FastifyReply, schema: D, message: Parameters<typeof renderMessage<D>>[1]) {
  return reply.type(JSON_TYPE).send(renderMessage(schema, message));
}

function slotQuery(serviceId: string, start: bigint, duration: bigint, resources: ResourceIds | undefined): SlotQuery {
  return {
    serviceId: requireText(serviceId, 'service_id'),
    startSec: seconds(start, 'start_sec'),
    durationSec: duration === 0n ? null : seconds(duration, 'duration_sec'),
    staffId: resources?.staffId ?? '',
    roomId: resources?.roomId ?? '',
    partySize: partySizeOf(resources),
  };
}

/** The requested party size, 0 when not given; a negative one is a malformed request, not "any size". */
function partySizeOf(resources: ResourceIds | undefined): number {
  const size = resources?.partySize ?? 0;
  if (size < 0) throw invalid(`party_size ${size} must not be negative`);
  return size;
}

export function wireBooking(b: Booking): WireBooking {
  const payment: PaymentInformation =
    b.payment.received === null ? create(PaymentInformationSchema) : parseMessage(PaymentInformationSchema, b.payment.received);
  payment.prepaymentStatus = PrepaymentStatus[b.payment.prepaymentStatus];
  if (b.payment.transactionId !== null) payment.paymentTransactionId = b.payment.transactionId;
  return create(BookingSchema, {
    bookingId: b.id,
    slot: {
      merchantId: b.slot.merchantId,
      serviceId: b.slot.serviceId,
      startSec: BigInt(b.slot.startSec),
      durationSec: BigInt(b.slot.durationSec),
      availabilityTag: b.availabilityTag,
      resources: { staffId: b.slot.staffId, roomId: b.slot.roomId, partySize: b.partySize },
      confirmationMode: b.confirmationMode === 'ASYNCHRONOUS' ? ConfirmationMode.ASYNCHRONOUS : ConfirmationMode.SYNCHRONOUS,
    },
    userInformation: {
      userId: b.user.userId ?? '',
      givenName: b.user.givenName,
      familyName: b.user.familyName,
      telephone: b.user.telephone ?? '',
      email: b.user.email ?? '',
      languageCode: b.user.languageCode ?? '',
    },
    status: BookingStatus[b.status],
    paymentInformation: payment,
    ...(b.offerId !== null ? { offerInfo: { offerId: b.offerId } } : {}),
  });
}

export function wireFailure(f: BookingFailure): WireFailure {
  return create(BookingFailureSchema, {
    cause: BookingFailure_Cause[f.cause],
    description: f.description,
    ...(f.rejectedCardType ? { rejectedCardType: CreditCardType[f.rejectedCardType] } : {}),
    ...(f.threeDs1 ? { paymentFailure: { threeds1Parameters: f.threeDs1 } } : {}),
  });
}

function paymentInput(pi: PaymentInformation | undefined, token: string): PaymentInput | null {
  if (pi === undefined) return null;
  const by = pi.paymentProcessedBy;
  const status = PrepaymentStatus[pi.prepaymentStatus] as DomainPrepayment | 'PREPAYMENT_STATUS_UNSPECIFIED';
  return {
    processedBy:
      by === PaymentInformation_PaymentProcessedBy.PROCESSED_BY_PARTNER
        ? 'PARTNER'
        : by === PaymentInformation_PaymentProcessedBy.PROCESSED_BY_GOOGLE
          ? 'GOOGLE'
          : null,
    prepaymentStatus: status === 'PREPAYMENT_STATUS_UNSPECIFIED' ? 'PREPAYMENT_NOT_PROVIDED' : status,
    transactionId: pi.paymentTransactionId === '' ? null : pi.paymentTransactionId,
    price:
      pi.price === undefined || pi.price.currencyCode === ''
        ? null
        : { micros: seconds(pi.price.priceMicros, 'price_micros'), currency: pi.price.currencyCode },
    token: token === '' ? null : token,
    received: toJson(PaymentInformationSchema, pi, { useProtoFieldName: true }),
  };
}

function requireSlot(slot: Slot | undefined): Slot {
  if (slot === undefined) throw invalid('slot is required');
  return slot;
}

/**
 * BatchAvailabilityLookup from the parsed JSON body to the answer's JSON: the route's whole work,
 * shared by the Fastify route and the direct read path (fast-reads.ts). Errors are thrown (or
 * rejected). When the slots are in memory the answer is returned at once, not as a promise.
 */
export function lookupAnswer(availability: AvailabilityService): (body: unknown) => string | Promise<string> {
  return (body) => {
    // The shape Google sends is read directly (availability-lookup-request.ts: as protobuf-es reads it, property-tested); anything else by protobuf-es.
    const req = readBatchAvailabilityLookup(body) ?? parseMessage(BatchAvailabilityLookupRequestSchema, body);
    const merchantId = requireText(req.merchantId, 'merchant_id');
    const queries = req.slotTime.map((t) => slotQuery(t.serviceId, t.startSec, t.durationSec, t.resourceIds));
    // Written directly (availability-lookup-json.ts: byte for byte protobuf-es, property-tested).
    const print = (open: readonly number[]): string => batchAvailabilityLookupJson(req.slotTime, (i) => (open[i] ?? 0) > 0);
    // At once when the slots are in memory (AvailabilityService.lookupKept), else after reading them.
    const kept = availability.lookupKept(merchantId, queries);
    return kept !== null ? print(kept) : availability.lookup(merchantId, queries).then(print);
  };
}

/**
 * CreateBooking from the parsed JSON body to the answer's JSON: the route's whole work, shared by
 * the Fastify route and the direct path (fast-reads.ts), as lookupAnswer. `log` gives the request's
 * logger. The booking commits (durably) before the promise settles.
 */
export function createBookingAnswer(bookings: BookingService): (body: unknown, log: () => FastifyBaseLogger) => Promise<string> {
  return async (body, log) => {
    const req = parseMessage(CreateBookingRequestSchema, body);
    const slot = requireSlot(req.slot);
    const user = req.userInformation;
    if (user === undefined) throw invalid('user_information is required');
    if (slot.startSec === 0n) throw invalid('slot.start_sec is required');
    const params = req.paymentProcessingParameters;
    const result = await bookings.create(
      {
        merchantId: requireText(slot.merchantId, 'slot.merchant_id'),
        slot: slotQuery(slot.serviceId, slot.startSec, slot.durationSec, slot.resources),
        partySize: Math.max(0, slot.resources?.partySize ?? 0),
        user: {
          userId: user.userId === '' ? null : user.userId,
          givenName: user.givenName,
          familyName: user.familyName,
          telephone: user.telephone === '' ? null : user.telephone,
          email: user.email === '' ? null : user.email,
          languageCode: user.languageCode === '' ? null : user.languageCode,
        },
        additionalRequest: req.additionalRequest === '' ? null : req.additionalRequest,
        offerId: req.offerId !== '' ? req.offerId : req.dealId !== '' ? req.dealId : null,
        leaseId: req.leaseRef?.leaseId ? req.leaseRef.leaseId : null,
        payment: paymentInput(req.paymentInformation, params?.unparsedPaymentMethodToken || params?.paymentMethodToken || ''),
        source: 'google',
      },
      {
        scope: 'CreateBooking',
        token: requireText(req.idempotencyToken, 'idempotency_token'),
        requestHash: messageHash(CreateBookingRequestSchema, req),
        // Google: a token that already made a booking gets that booking back, even with a changed body.
        onDifferentRequest: 'replay',
      },
    );
    if ('booking' in result && result.differentRequest) {
      // No request content here: it carries the guest's personal data.
      log().warn({ bookingId: result.booking.id }, 'CreateBooking: an idempotency token was reused with a different request; the booking it made is returned');
    }
    return renderMessage(
      CreateBookingResponseSchema,
      create(CreateBookingResponseSchema, 'failure' in result ? { bookingFailure: wireFailure(result.failure) } : { booking: wireBooking(result.booking) }),
    );
  };
}

export function bookingRoutes(bookings: BookingService, availability: AvailabilityService) {
  return async function routes(app: FastifyInstance): Promise<void> {
    const lookup = lookupAnswer(availability);
    app.post('/BatchAvailabilityLookup', async (request, reply) => reply.type(JSON_TYPE).send(await lookup(request.body)));

    app.post('/CheckAvailability', async (request, reply) => {
      const req = parseMessage(CheckAvailabilityRequestSchema, request.body);
      const slot = requireSlot(req.slot);
      const [count] = await availability.lookup(requireText(slot.merchantId, 'slot.merchant_id'), [
        slotQuery(slot.serviceId, slot.startSec, slot.durationSec, slot.resources),
      ]);
      return send(reply, CheckAvailabilityResponseSchema, create(CheckAvailabilityResponseSchema, { slot, countAvailable: Math.max(0, count ?? 0) }));
    });

    const createBooking = createBookingAnswer(bookings);
    app.post('/CreateBooking', async (request, reply) => reply.type(JSON_TYPE).send(await createBooking(request.body, () => request.log)));

    app.post('/UpdateBooking', async (request, reply) => {
      const req = parseMessage(UpdateBookingRequestSchema, request.body);
      const wire = req.booking;
      if (wire === undefined) throw invalid('booking is required');
      const bookingId = requireText(wire.bookingId, 'booking.booking_id');
      const change: { -readonly [K in keyof BookingChange]: BookingChange[K] } = {};
      const moves = wire.slot !== undefined && (wire.slot.startSec !== 0n || wire.slot.durationSec !== 0n || (wire.slot.resources?.partySize ?? 0) !== 0);
      if (wire.status === BookingStatus.CANCELED) change.status = 'CANCELED';
      // A status other than CANCELED next to a slot change is the booking's current status, sent
      // along with the change; on its own it asks for something UpdateBooking cannot do.
      else if (wire.status !== BookingStatus.BOOKING_STATUS_UNSPECIFIED && !moves) {
        throw invalid(`booking.status can only be set to CANCELED, not ${BookingStatus[wire.status]}`);
      }
      if (wire.slot !== undefined && change.status === undefined) {
        if (wire.slot.startSec !== 0n) change.startSec = seconds(wire.slot.startSec, 'slot.start_sec');
        if (wire.slot.durationSec !== 0n) change.durationSec = seconds(wire.slot.durationSec, 'slot.duration_sec');
        if ((wire.slot.resources?.partySize ?? 0) > 0) change.partySize = wire.slot.resources!.partySize;
      }
      if (Object.keys(change).length === 0) throw invalid('nothing to update: send status CANCELED, or slot.start_sec/duration_sec/resources.party_size');
      const result = await bookings.update(bookingId, change, 'google').catch((error: unknown): BookingResult => {
        // Google's status table: a booking that never existed is 400 UNKNOWN_BOOKING; a change the booking's
        // status forbids is a business failure (200) with one of Google's causes.
        if (error instanceof BookingStateError) {
          return { failure: { cause: error.status === 'CANCELED' ? 'BOOKING_ALREADY_CANCELLED' : 'SLOT_UNAVAILABLE', description: error.message } };
        }
        if (error instanceof DomainError && error.code === 'NOT_FOUND') throw new DomainError('UNKNOWN_BOOKING', error.message);
        throw error;
      });
      return send(
        reply,
        UpdateBookingResponseSchema,
        create(UpdateBookingResponseSchema, 'failure' in result ? { bookingFailure: wireFailure(result.failure) } : { booking: wireBooking(result.booking) }),
      );
    });

    app.post('/GetBookingStatus', async (request, reply) => {
      const req = parseMessage(GetBookingStatusRequestSchema, request.body);
      const booking = await bookings.get(requireText(req.bookingId, 'booking_id'));
      return send(
        reply,
        GetBookingStatusResponseSchema,
        create(GetBookingStatusResponseSchema, {
          bookingId: booking.id,
          bookingStatus: BookingStatus[booking.status],
          prepaymentStatus: PrepaymentStatus[booking.payment.prepaymentStatus],
        }),
      );
    });

    app.post('/ListBookings', async (request, reply) => {
      const req = parseMessage(ListBookingsRequestSchema, request.body);
      const list = await bookings.upcomingForUser(requireText(req.userId, 'user_id'));
      return send(reply, ListBookingsResponseSchema, create(ListBookingsResponseSchema, { bookings: list.map(wireBooking) }));
    });

    app.post('/CreateLease', async (request, reply) => {
      const req = parseMessage(CreateLeaseRequestSchema, request.body);
      const lease = req.lease;
      if (lease === undefined) throw invalid('lease is required');
      const slot = requireSlot(lease.slot);
      const result = await bookings.lease(
        requireText(slot.merchantId, 'lease.slot.merchant_id'),
        slotQuery(slot.serviceId, slot.startSec, slot.durationSec, slot.resources),
        Math.max(0, slot.resources?.partySize ?? 0),
        requireText(lease.userReference, 'lease.user_reference'),
        lease.leaseExpirationTimeSec === 0n ? null : seconds(lease.leaseExpirationTimeSec, 'lease.lease_expiration_time_sec'),
        messageHash(CreateLeaseRequestSchema, req),
      );
      return send(
        reply,
        CreateLeaseResponseSchema,
        create(
          CreateLeaseResponseSchema,
          'failure' in result
            ? { bookingFailure: wireFailure(result.failure) }
            : { lease: { ...lease, leaseId: result.lease.id, leaseExpirationTimeSec: BigInt(result.lease.expiresAt) } },
        ),
      );
    });
  };
}
