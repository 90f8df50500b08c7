// Helpers for the standard booking tests: inventory seeded through the admin API, Google's
// request shapes (proto3 JSON, snake_case, int64 as strings), and checks on the answers.
import assert from 'node:assert/strict';
import type { InjectOptions } from 'fastify';
import { DateTime } from 'luxon';
import type { TestApp } from './app.js';

export const NY = 'America/New_York';
export const HALF_HOUR = 1800;
export const DAY = 86_400;
/** The demo merchant and service (seedDemo). */
export const DEMO_M = '1001';
export const DEMO_S = '12310';

/** Epoch seconds of a New York wall time, e.g. ny('2026-01-06 09:00'). */
export function ny(local: string): number {
  const parsed = DateTime.fromFormat(local, 'yyyy-MM-dd HH:mm', { zone: NY });
  assert.ok(parsed.isValid, `bad local time ${local}`);
  return parsed.toSeconds();
}

/** An admin call that must answer `status`; returns the JSON body. */
export async function adminOk(t: TestApp, method: InjectOptions['method'], path: string, body?: unknown, status = 200, token?: string) {
  const res = await t.admin(method, path, body, token);
  assert.equal(res.statusCode, status, `${method} ${path}: ${res.body}`);
  return res.body === '' ? undefined : res.json();
}

/** A Google call that must answer 200; returns the JSON body. */
export async function googleOk(t: TestApp, method: string, body: unknown) {
  const res = await t.google(method, body);
  assert.equal(res.statusCode, 200, `${method}: ${res.body}`);
  return res.json();
}

/** A merchant in New York (unless told otherwise) created through the admin API. */
export async function addMerchant(t: TestApp, merchantId: string, timeZone = NY): Promise<void> {
  await adminOk(t, 'POST', '/merchants', { id: merchantId, name: `Salon ${merchantId}`, time_zone: timeZone }, 201);
}

/** A bookable service; `booking` overrides the admin API's booking rules (snake_case). */
export async function addService(t: TestApp, merchantId: string, serviceId: string, booking: Record<string, unknown> = {}): Promise<void> {
  await adminOk(
    t,
    'POST',
    `/merchants/${merchantId}/services`,
    { id: serviceId, name: `Service ${serviceId}`, waitlist: { enabled: false }, booking: { enabled: true, ...booking } },
    201,
  );
}

export interface SlotSpec {
  readonly start: number;
  readonly duration?: number;
  readonly spots?: number;
  readonly partySize?: number;
  readonly tag?: string;
}

/** Google-style availability replace of [begin, end) with single slots (30 minutes, 2 spots by default). */
export async function putSlots(t: TestApp, merchantId: string, serviceId: string, window: readonly [number, number], slots: readonly SlotSpec[]) {
  return adminOk(t, 'PUT', `/merchants/${merchantId}/services/${serviceId}/availability`, {
    start_time_restrict: window[0],
    end_time_restrict: window[1],
    availability: slots.map((s) => ({
      start_sec: s.start,
      duration_sec: s.duration ?? HALF_HOUR,
      spots_total: s.spots ?? 2,
      ...(s.tag !== undefined ? { availability_tag: s.tag } : {}),
      ...(s.partySize !== undefined ? { resources: { party_size: s.partySize } } : {}),
    })),
  });
}

/** Open spots of one slot as the admin API shows them (undefined if there is no such slot). */
export async function spotsOpen(t: TestApp, merchantId: string, serviceId: string, start: number): Promise<number | undefined> {
  const body = await adminOk(t, 'GET', `/merchants/${merchantId}/services/${serviceId}/availability?from=${start}&to=${start + 1}`);
  return body.slots[0]?.spots_open;
}

export interface BookingOptions {
  readonly merchantId?: string;
  readonly serviceId?: string;
  readonly start?: number;
  readonly duration?: number;
  /** 0: leave resources out. */
  readonly partySize?: number;
  readonly userId?: string;
  /** The guest's email (default: a fresh one per request). */
  readonly email?: string;
  readonly token?: string;
  /** Extra top-level fields of the CreateBookingRequest (offer_id, lease_ref, payment_...). */
  readonly extra?: Record<string, unknown>;
}

let seq = 0;

/** Google's Slot message for a booking at the demo merchant unless told otherwise. */
export function wireSlot(o: BookingOptions = {}) {
  const partySize = o.partySize ?? 2;
  return {
    merchant_id: o.merchantId ?? DEMO_M,
    service_id: o.serviceId ?? DEMO_S,
    start_sec: String(o.start ?? ny('2026-01-06 09:00')),
    duration_sec: String(o.duration ?? HALF_HOUR),
    ...(partySize > 0 ? { resources: { party_size: partySize } } : {}),
  };
}

/** A CreateBookingRequest as Google sends it; each call gets a fresh token and user unless told. */
export function bookingRequest(o: BookingOptions = {}) {
  seq += 1;
  return {
    idempotency_token: o.token ?? `token-${seq}-${Math.random().toString(36).slice(2)}`,
    slot: wireSlot(o),
    user_information: {
      user_id: o.userId ?? `user-${seq}`,
      given_name: 'Grace',
      family_name: 'Hopper',
      telephone: '+12125550123',
      email: o.email ?? `user${seq}@example.com`,
    },
    payment_information: { prepayment_status: 'PREPAYMENT_NOT_PROVIDED' },
    ...o.extra,
  };
}

/** CreateBooking that must succeed; returns `booking` (the response has nothing else). */
export async function book(t: TestApp, o: BookingOptions = {}) {
  const body = await googleOk(t, 'CreateBooking', bookingRequest(o));
  assert.ok(body.booking, `expected a booking: ${JSON.stringify(body)}`);
  assert.equal(body.booking_failure, undefined);
  return body.booking;
}

/**
 * The business failure of a response body, after checking its shape: only `booking_failure`,
 * a real cause (never CAUSE_UNSPECIFIED) and a description.
 */
export function failureOf(body: Record<string, unknown>): { cause: string; description: string; [k: string]: unknown } {
  assert.deepEqual(Object.keys(body), ['booking_failure'], JSON.stringify(body));
  const failure = body.booking_failure as { cause: string; description: string };
  assert.equal(typeof failure.cause, 'string');
  assert.notEqual(failure.cause, 'CAUSE_UNSPECIFIED');
  assert.equal(typeof failure.description, 'string');
  return failure;
}

/** CreateBooking that must fail as a business failure; returns the cause. */
export async function bookingCause(t: TestApp, o: BookingOptions = {}): Promise<string> {
  return failureOf(await googleOk(t, 'CreateBooking', bookingRequest(o))).cause;
}

/** UpdateBooking; returns the 200 body. */
export function updateBooking(t: TestApp, booking: Record<string, unknown>) {
  return googleOk(t, 'UpdateBooking', { booking });
}

/** Bookings of a merchant in the admin API. */
export async function adminBookings(t: TestApp, merchantId = DEMO_M, query = '') {
  return (await adminOk(t, 'GET', `/merchants/${merchantId}/bookings${query}`)).bookings as Record<string, unknown>[];
}

/** Bookings that hold a spot (confirmed or pending) on one slot of the demo merchant, as the merchant sees them. */
export function holdingBookings(t: TestApp, start: number) {
  return adminBookings(t, DEMO_M, `?from=${start}&to=${start + 1}&status=CONFIRMED,PENDING_MERCHANT_CONFIRMATION`);
}

/** Whether Google's BatchAvailabilityLookup finds the demo slot at `start` available (party of 2). */
export async function isAvailable(t: TestApp, start: number): Promise<boolean> {
  const body = await googleOk(t, 'BatchAvailabilityLookup', {
    merchant_id: DEMO_M,
    slot_time: [{ service_id: DEMO_S, start_sec: String(start), duration_sec: '1800', resource_ids: { party_size: 2 } }],
  });
  return body.slot_time_availability[0].available ?? false;
}

/** CreateLease for a demo slot that must answer 200; the response body. */
export function createLease(t: TestApp, start: number, userReference: string, expiresAt?: number) {
  return googleOk(t, 'CreateLease', {
    lease: { slot: wireSlot({ start }), user_reference: userReference, ...(expiresAt !== undefined ? { lease_expiration_time_sec: String(expiresAt) } : {}) },
  });
}
