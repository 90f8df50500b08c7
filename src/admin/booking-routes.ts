// Merchant-side booking routes: list and read bookings (from Google or not, they look alike),
// book on a guest's behalf, cancel, reschedule, change party size, confirm, decline, no-show.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { invalid } from '../errors.js';
import { nullableInteger, nullableString } from '../http/nullable.js';
import { requestHash } from '../store/idempotency.js';
import { BOOKING_STATUSES, type Booking, type BookingStatus } from '../bookings/model.js';
import type { Offer } from '../bookings/model.js';
import type { BookingResult } from '../bookings/context.js';
import type { BookingService } from '../bookings/service.js';

export function bookingJson(b: Booking) {
  return {
    id: b.id,
    merchant_id: b.slot.merchantId,
    service_id: b.slot.serviceId,
    start_sec: b.slot.startSec,
    duration_sec: b.slot.durationSec,
    resources: { staff_id: b.slot.staffId, room_id: b.slot.roomId, party_size: b.slot.partySize },
    party_size: b.partySize,
    availability_tag: b.availabilityTag,
    status: b.status,
    confirmation_mode: b.confirmationMode,
    source: b.source,
    guest: {
      google_user_id: b.user.userId,
      given_name: b.user.givenName,
      family_name: b.user.familyName,
      telephone: b.user.telephone,
      email: b.user.email,
      language_code: b.user.languageCode,
    },
    additional_request: b.additionalRequest,
    offer_id: b.offerId,
    lease_id: b.leaseId,
    prepayment_status: b.payment.prepaymentStatus,
    payment_transaction_id: b.payment.transactionId,
    // The admin API's words, older than the domain's (merchants/actor.ts): 'user' is the guest through Google.
    canceled_by: b.canceledBy === 'google' ? 'user' : b.canceledBy,
    created_at: b.createdAt,
    updated_at: b.updatedAt,
    canceled_at: b.canceledAt,
  };
}

const offerJson = (o: Offer) => ({
  id: o.id,
  service_id: o.serviceId,
  active: o.active,
  valid_from_sec: o.validFromSec,
  valid_until_sec: o.validUntilSec,
  description: o.description,
});

/** Business refusals are 422 with the Google cause as the code, so hosts see the same reasons. */
function reply(res: FastifyReply, result: BookingResult, created = false) {
  if ('failure' in result) return res.status(422).send({ error: { status: 422, code: result.failure.cause, message: result.failure.description } });
  return res.status(created && !result.replayed ? 201 : 200).send(bookingJson(result.booking));
}

const MerchantParams = Type.Object({ merchantId: Type.String() });
const BookingParams = Type.Object({ merchantId: Type.String(), bookingId: Type.String() });

export const bookingAdminRoutes =
  (bookings: BookingService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/merchants/:merchantId/bookings',
      {
        schema: {
          params: MerchantParams,
          querystring: Type.Object({
            service_id: Type.Optional(Type.String()),
            from: Type.Optional(Type.Integer({ minimum: 0 })),
            to: Type.Optional(Type.Integer({ minimum: 0 })),
            status: Type.Optional(Type.String()),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
          }),
        },
      },
      async (request) => {
        const q = request.query;
        const statuses = q.status?.split(',').map((s) => s.trim().toUpperCase());
        for (const s of statuses ?? []) if (!(BOOKING_STATUSES as readonly string[]).includes(s)) throw invalid(`unknown status "${s}"`);
        const list = await bookings.list({
          merchantId: request.params.merchantId,
          ...(q.service_id !== undefined ? { serviceId: q.service_id } : {}),
          ...(q.from !== undefined ? { fromSec: q.from } : {}),
          ...(q.to !== undefined ? { toSec: q.to } : {}),
          ...(statuses !== undefined ? { statuses: statuses as BookingStatus[] } : {}),
          limit: q.limit ?? 200,
        });
        return { bookings: list.map(bookingJson) };
      },
    );

    app.get('/merchants/:merchantId/bookings/:bookingId', { schema: { params: BookingParams } }, async (request) =>
      bookingJson(await bookings.get(request.params.bookingId, request.params.merchantId)),
    );

    app.post(
      '/merchants/:merchantId/bookings',
      {
        schema: {
          params: MerchantParams,
          body: Type.Object({
            service_id: Type.String({ minLength: 1 }),
            start_sec: Type.Integer({ minimum: 1 }),
            duration_sec: Type.Optional(Type.Integer({ minimum: 1 })),
            party_size: Type.Integer({ minimum: 1, maximum: 1000 }),
            staff_id: Type.Optional(Type.String()),
            room_id: Type.Optional(Type.String()),
            given_name: Type.String({ maxLength: 100 }),
            family_name: Type.Optional(Type.String({ maxLength: 100 })),
            telephone: Type.Optional(nullableString({ maxLength: 50 })),
            email: Type.Optional(nullableString({ maxLength: 320 })),
            additional_request: Type.Optional(nullableString({ maxLength: 2000 })),
          }),
        },
      },
      async (request, res) => {
        const b = request.body;
        const key = request.headers['idempotency-key'];
        const result = await bookings.create(
          {
            merchantId: request.params.merchantId,
            slot: {
              serviceId: b.service_id,
              startSec: b.start_sec,
              durationSec: b.duration_sec ?? null,
              staffId: b.staff_id ?? '',
              roomId: b.room_id ?? '',
              partySize: b.party_size,
            },
            partySize: b.party_size,
            user: {
              userId: null,
              givenName: b.given_name,
              familyName: b.family_name ?? '',
              telephone: b.telephone ?? null,
              email: b.email ?? null,
              languageCode: null,
            },
            additionalRequest: b.additional_request ?? null,
            offerId: null,
            leaseId: null,
            payment: null,
            source: 'merchant',
          },
          typeof key === 'string' && key !== ''
            ? { scope: `admin-booking:${request.params.merchantId}`, token: key, requestHash: requestHash(JSON.stringify(b)) }
            : null,
        );
        return reply(res, result, true);
      },
    );

    app.post('/merchants/:merchantId/bookings/:bookingId/cancel', { schema: { params: BookingParams } }, async (request, res) =>
      reply(res, await bookings.update(request.params.bookingId, { status: 'CANCELED' }, 'merchant', request.params.merchantId)),
    );

    app.post(
      '/merchants/:merchantId/bookings/:bookingId/reschedule',
      {
        schema: {
          params: BookingParams,
          body: Type.Object({ start_sec: Type.Integer({ minimum: 1 }), duration_sec: Type.Optional(Type.Integer({ minimum: 1 })) }),
        },
      },
      async (request, res) => {
        const { start_sec, duration_sec } = request.body;
        return reply(
          res,
          await bookings.update(
            request.params.bookingId,
            { startSec: start_sec, ...(duration_sec !== undefined ? { durationSec: duration_sec } : {}) },
            'merchant',
            request.params.merchantId,
          ),
        );
      },
    );

    app.post(
      '/merchants/:merchantId/bookings/:bookingId/party-size',
      { schema: { params: BookingParams, body: Type.Object({ party_size: Type.Integer({ minimum: 1, maximum: 1000 }) }) } },
      async (request, res) =>
        reply(res, await bookings.update(request.params.bookingId, { partySize: request.body.party_size }, 'merchant', request.params.merchantId)),
    );

    for (const [path, decision] of [
      ['confirm', 'confirm'],
      ['decline', 'decline'],
      ['no-show', 'no_show'],
    ] as const) {
      app.post(`/merchants/:merchantId/bookings/:bookingId/${path}`, { schema: { params: BookingParams } }, async (request, res) =>
        reply(res, await bookings.decide(request.params.bookingId, request.params.merchantId, decision)),
      );
    }

    app.get('/merchants/:merchantId/offers', { schema: { params: MerchantParams } }, async (request) => ({
      offers: (await bookings.offers(request.params.merchantId)).map(offerJson),
    }));

    app.put(
      '/merchants/:merchantId/offers',
      {
        schema: {
          params: MerchantParams,
          body: Type.Object({
            offers: Type.Array(
              Type.Object({
                id: Type.String(),
                service_id: Type.Optional(nullableString()),
                active: Type.Optional(Type.Boolean()),
                valid_from_sec: Type.Optional(nullableInteger({ minimum: 0 })),
                valid_until_sec: Type.Optional(nullableInteger({ minimum: 0 })),
                description: Type.Optional(Type.String({ maxLength: 1000 })),
              }),
              { maxItems: 1000 },
            ),
          }),
        },
      },
      async (request) => {
        const offers = await bookings.replaceOffers(
          request.params.merchantId,
          request.body.offers.map((o) => ({
            id: o.id,
            serviceId: o.service_id ?? null,
            active: o.active ?? true,
            validFromSec: o.valid_from_sec ?? null,
            validUntilSec: o.valid_until_sec ?? null,
            description: o.description ?? '',
          })),
        );
        return { offers: offers.map(offerJson) };
      },
    );
  };
