// Admin routes for merchants, opening hours, services and tables (/admin/v1/merchants/...).
import { Type, type FastifyPluginAsyncTypebox, type Static } from '@fastify/type-provider-typebox';
import { nullableInteger, nullableString } from '../http/nullable.js';
import { assertRoot, merchantScope } from './principal.js';
import { principalOf } from './request.js';
import { DEFAULT_BOOKING_RULES, waitlistWarnings, type BookingRules, type WaitlistRules } from '../merchants/rules.js';
import {
  DEFAULT_GUEST_MESSAGE_SETTINGS,
  type DiningTable,
  type GuestLanguage,
  type GuestMessageSettings,
  type Merchant,
  type Service,
} from '../merchants/model.js';
import type { OpeningInterval } from '../merchants/opening-hours.js';
import { DEFAULT_WAITLIST_RULES, type MerchantInput, type MerchantService } from '../merchants/service.js';

const Nullable = (options: { maxLength?: number } = {}) => Type.Optional(nullableString(options));

const AddressBody = Type.Object({
  street_address: Nullable(),
  locality: Nullable(),
  region: Nullable(),
  postal_code: Nullable(),
  country: Nullable(),
});
const HoursBody = Type.Array(Type.Object({ day: Type.Integer(), open: Type.String(), close: Type.String() }), { maxItems: 100 });
const TurnTimesBody = Type.Array(Type.Object({ max_party_size: Type.Integer(), minutes: Type.Integer() }), { minItems: 1, maxItems: 50 });
const MerchantFields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  time_zone: Type.String(),
  telephone: Nullable({ maxLength: 50 }),
  address: Type.Optional(AddressBody),
  waitlist_advisement: Nullable({ maxLength: 1000 }),
  turn_times: Type.Optional(TurnTimesBody),
  opening_hours: Type.Optional(HoursBody),
  guest_messages: Type.Optional(
    Type.Partial(
      Type.Object({
        language: Type.String({ maxLength: 20 }),
        grace_minutes: nullableInteger(),
        almost_turn_position: nullableInteger(),
      }),
    ),
  ),
};
const MerchantBody = Type.Object({ id: Type.String(), ...MerchantFields });
const MerchantPatch = Type.Partial(Type.Object(MerchantFields));
const RulesBody = Type.Partial(
  Type.Object({
    enabled: Type.Boolean(),
    paused: Type.Boolean(),
    min_party_size: Type.Integer(),
    max_party_size: Type.Integer(),
    max_queue_length: nullableInteger(),
    allowed_phone_countries: Type.Array(Type.String(), { maxItems: 250 }),
    supports_additional_request: Type.Boolean(),
    confirmation_mode: Type.Union([Type.Literal('SYNCHRONOUS'), Type.Literal('ASYNCHRONOUS')]),
    walk_in_when_no_wait: Type.Boolean(),
    max_quoted_wait_minutes: nullableInteger(),
    call_merchant_above_max_party_size: Type.Boolean(),
  }),
);
const BookingBody = Type.Partial(
  Type.Object({
    enabled: Type.Boolean(),
    confirmation_mode: Type.Union([Type.Literal('SYNCHRONOUS'), Type.Literal('ASYNCHRONOUS')]),
    min_party_size: Type.Integer({ minimum: 1 }),
    max_party_size: Type.Integer({ minimum: 1 }),
    cancel_before_start_sec: Type.Integer({ minimum: 0 }),
    user_booking_limit: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
    max_lease_sec: Type.Integer({ minimum: 1, maximum: 86_400 }),
    price: Type.Union([Type.Object({ price_micros: Type.Integer({ minimum: 0 }), currency_code: Type.String({ pattern: '^[A-Z]{3}$' }) }), Type.Null()]),
    availability_format: Type.Union([Type.Literal('spots_open'), Type.Literal('recurrence')]),
  }),
);
const ServiceBody = Type.Object({
  id: Type.String(),
  name: Type.String({ minLength: 1, maxLength: 200 }),
  waitlist: Type.Optional(RulesBody),
  booking: Type.Optional(BookingBody),
});
const ServicePatch = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  waitlist: Type.Optional(RulesBody),
  booking: Type.Optional(BookingBody),
});
const TablesBody = Type.Object({
  tables: Type.Array(
    Type.Object({ id: Type.String(), name: Type.Optional(Type.String({ maxLength: 100 })), min_seats: Type.Optional(Type.Integer()), seats: Type.Integer() }),
    { maxItems: 500 },
  ),
});
const MerchantParams = Type.Object({ merchantId: Type.String() });
const ServiceParams = Type.Object({ merchantId: Type.String(), serviceId: Type.String() });

export function merchantJson(m: Merchant) {
  return {
    id: m.id,
    name: m.name,
    time_zone: m.timeZone,
    telephone: m.telephone,
    address: {
      street_address: m.address.streetAddress,
      locality: m.address.locality,
      region: m.address.region,
      postal_code: m.address.postalCode,
      country: m.address.country,
    },
    waitlist_advisement: m.waitlistAdvisement,
    turn_times: m.turnTimes.map((t) => ({ max_party_size: t.maxPartySize, minutes: t.minutes })),
    opening_hours: m.openingHours,
    guest_messages: {
      language: m.guestMessages.language,
      grace_minutes: m.guestMessages.graceMinutes,
      almost_turn_position: m.guestMessages.almostTurnPosition,
    },
    /** Set when deactivated (POST .../deactivate): Google no longer sees it. */
    deactivated_at: m.deactivatedAt,
  };
}

/** A service as the admin API shows it; `warnings` say what in its set-up turns parties away (see waitlistWarnings). */
export function serviceJson(s: Service, tables?: readonly DiningTable[]) {
  const w = s.waitlist;
  const b = s.booking;
  return {
    ...(tables === undefined ? {} : { warnings: waitlistWarnings(s.waitlist, tables) }),
    merchant_id: s.merchantId,
    id: s.id,
    name: s.name,
    waitlist: {
      enabled: w.enabled,
      paused: w.paused,
      min_party_size: w.minPartySize,
      max_party_size: w.maxPartySize,
      max_queue_length: w.maxQueueLength,
      allowed_phone_countries: w.allowedPhoneCountries,
      supports_additional_request: w.supportsAdditionalRequest,
      confirmation_mode: w.confirmationMode,
      walk_in_when_no_wait: w.walkInWhenNoWait,
      max_quoted_wait_minutes: w.maxQuotedWaitMinutes,
      call_merchant_above_max_party_size: w.callMerchantAboveMaxPartySize,
    },
    booking: {
      enabled: b.enabled,
      confirmation_mode: b.confirmationMode,
      min_party_size: b.minPartySize,
      max_party_size: b.maxPartySize,
      cancel_before_start_sec: b.cancelBeforeStartSec,
      user_booking_limit: b.userBookingLimit,
      max_lease_sec: b.maxLeaseSec,
      price: b.price === null ? null : { price_micros: b.price.micros, currency_code: b.price.currency },
      availability_format: b.availabilityFormat,
    },
    deactivated_at: s.deactivatedAt,
  };
}

const tableJson = (t: DiningTable) => ({ id: t.id, name: t.name, min_seats: t.minSeats, seats: t.seats });

type MerchantFieldsBody = Static<typeof MerchantPatch>;

function mergeMerchant(id: string, body: MerchantFieldsBody, current: Merchant | null): MerchantInput {
  const address = { ...(current?.address ?? {}), ...mapAddress(body.address) };
  return {
    id,
    name: body.name ?? current?.name ?? '',
    timeZone: body.time_zone ?? current?.timeZone ?? '',
    telephone: body.telephone !== undefined ? body.telephone : (current?.telephone ?? null),
    address: {
      streetAddress: address.streetAddress ?? null,
      locality: address.locality ?? null,
      region: address.region ?? null,
      postalCode: address.postalCode ?? null,
      country: address.country ?? null,
    },
    waitlistAdvisement: body.waitlist_advisement !== undefined ? body.waitlist_advisement : (current?.waitlistAdvisement ?? null),
    turnTimes: body.turn_times?.map((t) => ({ maxPartySize: t.max_party_size, minutes: t.minutes })) ?? current?.turnTimes,
    openingHours: (body.opening_hours as OpeningInterval[] | undefined) ?? current?.openingHours ?? [],
    guestMessages: mergeGuestMessages(body.guest_messages, current?.guestMessages ?? DEFAULT_GUEST_MESSAGE_SETTINGS),
  };
}

function mergeGuestMessages(body: MerchantFieldsBody['guest_messages'], current: GuestMessageSettings): GuestMessageSettings {
  const b = body ?? {};
  return {
    language: (b.language as GuestLanguage | undefined) ?? current.language,
    graceMinutes: b.grace_minutes !== undefined ? b.grace_minutes : current.graceMinutes,
    almostTurnPosition: b.almost_turn_position !== undefined ? b.almost_turn_position : current.almostTurnPosition,
  };
}

function mapAddress(a: Static<typeof AddressBody> | undefined): Partial<Merchant['address']> {
  if (a === undefined) return {};
  const out: Record<string, string | null> = {};
  if (a.street_address !== undefined) out.streetAddress = a.street_address;
  if (a.locality !== undefined) out.locality = a.locality;
  if (a.region !== undefined) out.region = a.region;
  if (a.postal_code !== undefined) out.postalCode = a.postal_code;
  if (a.country !== undefined) out.country = a.country;
  return out;
}

function mergeRules(body: Static<typeof RulesBody> | undefined, current: WaitlistRules): WaitlistRules {
  const b = body ?? {};
  return {
    enabled: b.enabled ?? current.enabled,
    paused: b.paused ?? current.paused,
    minPartySize: b.min_party_size ?? current.minPartySize,
    maxPartySize: b.max_party_size ?? current.maxPartySize,
    maxQueueLength: b.max_queue_length !== undefined ? b.max_queue_length : current.maxQueueLength,
    allowedPhoneCountries: b.allowed_phone_countries ?? current.allowedPhoneCountries,
    supportsAdditionalRequest: b.supports_additional_request ?? current.supportsAdditionalRequest,
    confirmationMode: b.confirmation_mode ?? current.confirmationMode,
    walkInWhenNoWait: b.walk_in_when_no_wait ?? current.walkInWhenNoWait,
    maxQuotedWaitMinutes: b.max_quoted_wait_minutes !== undefined ? b.max_quoted_wait_minutes : current.maxQuotedWaitMinutes,
    callMerchantAboveMaxPartySize: b.call_merchant_above_max_party_size ?? current.callMerchantAboveMaxPartySize,
  };
}

function mergeBooking(body: Static<typeof BookingBody> | undefined, current: BookingRules): BookingRules {
  const b = body ?? {};
  return {
    enabled: b.enabled ?? current.enabled,
    confirmationMode: b.confirmation_mode ?? current.confirmationMode,
    minPartySize: b.min_party_size ?? current.minPartySize,
    maxPartySize: b.max_party_size ?? current.maxPartySize,
    cancelBeforeStartSec: b.cancel_before_start_sec ?? current.cancelBeforeStartSec,
    userBookingLimit: b.user_booking_limit !== undefined ? b.user_booking_limit : current.userBookingLimit,
    maxLeaseSec: b.max_lease_sec ?? current.maxLeaseSec,
    price: b.price === undefined ? current.price : b.price === null ? null : { micros: b.price.price_micros, currency: b.price.currency_code },
    availabilityFormat: b.availability_format ?? current.availabilityFormat,
  };
}

export const merchantAdminRoutes =
  (merchants: MerchantService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get('/merchants', async (request) => ({ merchants: (await merchants.list(merchantScope(principalOf(request)))).map(merchantJson) }));

    app.post('/merchants', { schema: { body: MerchantBody } }, async (request, reply) => {
      assertRoot(principalOf(request));
      const merchant = await merchants.create(mergeMerchant(request.body.id, request.body, null));
      return reply.status(201).send(merchantJson(merchant));
    });

    app.get('/merchants/:merchantId', { schema: { params: MerchantParams } }, async (request) => merchantJson(await merchants.get(request.params.merchantId)));

    app.patch('/merchants/:merchantId', { schema: { params: MerchantParams, body: MerchantPatch } }, async (request) => {
      const updated = await merchants.update(request.params.merchantId, (current) => mergeMerchant(current.id, request.body, current));
      return merchantJson(updated);
    });

    app.put(
      '/merchants/:merchantId/opening-hours',
      { schema: { params: MerchantParams, body: Type.Object({ opening_hours: HoursBody }) } },
      async (request) => {
        const updated = await merchants.update(request.params.merchantId, (current) =>
          mergeMerchant(current.id, { opening_hours: request.body.opening_hours }, current),
        );
        return { opening_hours: updated.openingHours };
      },
    );

    app.get('/merchants/:merchantId/services', { schema: { params: MerchantParams } }, async (request) => ({
      services: await (async () => {
        const tables = await merchants.listTables(request.params.merchantId);
        return (await merchants.listServices(request.params.merchantId)).map((service) => serviceJson(service, tables));
      })(),
    }));

    app.post('/merchants/:merchantId/services', { schema: { params: MerchantParams, body: ServiceBody } }, async (request, reply) => {
      const { body } = request;
      const service = await merchants.createService({
        merchantId: request.params.merchantId,
        id: body.id,
        name: body.name,
        waitlist: mergeRules(body.waitlist, DEFAULT_WAITLIST_RULES),
        booking: mergeBooking(body.booking, DEFAULT_BOOKING_RULES),
      });
      return reply.status(201).send(serviceJson(service, await merchants.listTables(service.merchantId)));
    });

    app.get('/merchants/:merchantId/services/:serviceId', { schema: { params: ServiceParams } }, async (request) =>
      serviceJson(await merchants.getService(request.params.merchantId, request.params.serviceId), await merchants.listTables(request.params.merchantId)),
    );

    app.patch('/merchants/:merchantId/services/:serviceId', { schema: { params: ServiceParams, body: ServicePatch } }, async (request) => {
      const { merchantId, serviceId } = request.params;
      const updated = await merchants.updateService(merchantId, serviceId, (current) => ({
        merchantId,
        id: serviceId,
        name: request.body.name ?? current.name,
        waitlist: mergeRules(request.body.waitlist, current.waitlist),
        booking: mergeBooking(request.body.booking, current.booking),
      }));
      return serviceJson(updated, await merchants.listTables(merchantId));
    });

    app.get('/merchants/:merchantId/tables', { schema: { params: MerchantParams } }, async (request) => ({
      tables: (await merchants.listTables(request.params.merchantId)).map(tableJson),
    }));

    app.put('/merchants/:merchantId/tables', { schema: { params: MerchantParams, body: TablesBody } }, async (request) => {
      const tables = await merchants.replaceTables(
        request.params.merchantId,
        request.body.tables.map((t) => ({ id: t.id, name: t.name ?? t.id, minSeats: t.min_seats ?? 1, seats: t.seats })),
      );
      return { tables: tables.map(tableJson) };
    });
  };
