// CreateBooking (Google's, and the merchant's on a guest's behalf): the slot gate and the
// pre-check that refuse a rush's losers early, then, in one transaction under the guest's and the
// slot's locks, the lease, duplicate and per-user checks, the offer, the payment and the booking.
// Capacity is decided under the slot's lock, so two bookers can never both take the last spot.
import { nowSeconds } from '../clock.js';
import { invalid } from '../errors.js';
import { partyFits, slotMatches, type SlotQuery } from '../availability/matching.js';
import * as slots from '../availability/read-model.js';
import { openSpots } from '../availability/slot.js';
import type { Actor } from '../merchants/actor.js';
import { emailKey } from '../merchants/guest-identity.js';
import * as merchants from '../merchants/read-model.js';
import type { Tx } from '../store/database.js';
import { newRowId } from '../store/ids.js';
import { isRecorded, runIdempotent, type IdempotencyKey, type Outcome } from '../store/idempotency.js';
import { changedAvailability, inTransaction, type BookingContext, type BookingResult } from './context.js';
import type { Booking, BookingFailure, BookingUser, Lease } from './model.js';
import { offerRefusal } from './offers.js';
import { refundAll, settle, type PaymentInput } from './payments.js';
import { userConflict } from './policy.js';
import * as repo from './repository.js';
import { bookableService, candidates as slotCandidates, FULLY_BOOKED, noSlotReason, slotUnavailable, stripSlotKey, takeSpot } from './slot-choice.js';
import type { LaneTurn, SlotGate } from './slot-gate.js';

export interface CreateBookingCommand {
  readonly merchantId: string;
  readonly slot: SlotQuery;
  readonly partySize: number;
  readonly user: BookingUser;
  readonly additionalRequest: string | null;
  readonly offerId: string | null;
  readonly leaseId: string | null;
  readonly payment: PaymentInput | null;
  readonly source: Actor;
}

/**
 * Attempts for the same slot query take turns in this process (see slot-gate.ts); an attempt
 * that waited while another found the slot full is refused without a transaction. A lease holds
 * its spot already, so an attempt with one never waits behind bookers of the open spots.
 */
export async function createBooking(ctx: BookingContext, gate: SlotGate, command: CreateBookingCommand, key: IdempotencyKey | null): Promise<BookingResult> {
  if (command.leaseId !== null) return attempt(ctx, command, key, null);
  const { merchantId, slot } = command;
  const lane = JSON.stringify([merchantId, slot.serviceId, slot.startSec, slot.durationSec, slot.staffId, slot.roomId, slot.partySize]);
  return gate.run(lane, async (turn) => {
    // A token that already has a result is answered with it, whatever the slot is like now.
    // A duplicate of the guest's own booking is told so, not that the slot (which it fills) is full.
    if (turn.seenFull && !(key !== null && (await isRecorded(ctx.store.db, key))) && !(await mayBeDuplicate(ctx, command)))
      return slotUnavailable(FULLY_BOOKED);
    return attempt(ctx, command, key, turn);
  });
}

async function attempt(ctx: BookingContext, command: CreateBookingCommand, key: IdempotencyKey | null, turn: LaneTurn | null): Promise<BookingResult> {
  // Only in a rush (the attempt waited behind others for its slot) does the pre-check pay: alone in
  // its lane, an attempt holds the slot's lock only for itself, and the reads would be round trips
  // spent on a slot that is almost always open (five of a booking's 22 statements on PostgreSQL).
  if (turn?.waited === true && (await visiblyFull(ctx, command, key)) && !(await mayBeDuplicate(ctx, command))) {
    turn?.markFull();
    return slotUnavailable(FULLY_BOOKED);
  }
  // Charges made by attempts that did not commit (an error, a retried transaction) are refunded.
  const charges: string[] = [];
  let result: BookingResult;
  try {
    result = await createOnce(ctx, command, key, charges);
  } catch (error) {
    await refundAll(ctx.payments, charges);
    throw error;
  }
  const kept = 'booking' in result && !result.replayed ? result.booking.payment.transactionId : null;
  await refundAll(
    ctx.payments,
    charges.filter((c) => c !== kept),
  );
  if ('failure' in result && result.failure.cause === 'SLOT_UNAVAILABLE' && result.failure.description === FULLY_BOOKED) turn?.markFull();
  return result;
}

/** Whether this user or email already holds a booking at this time (read without locks; the transaction decides). */
async function mayBeDuplicate(ctx: BookingContext, command: CreateBookingCommand): Promise<boolean> {
  if (command.source !== 'google') return false;
  const found = await repo.duplicatesOf(ctx.store.db, command.merchantId, command.slot.startSec, null, command.user.userId, command.user.email);
  return found.length > 0;
}

/**
 * A full slot is refused before the transaction, without locks: when a thousand bookers race for
 * the last spots, the losers then do not queue on the slot's lock. Only a "full" answer is
 * trusted (it was true when read, so refusing is a valid outcome); anything else goes through
 * the locked check. A token that already has a result, or a lease, always takes the full path.
 */
async function visiblyFull(ctx: BookingContext, command: CreateBookingCommand, key: IdempotencyKey | null): Promise<boolean> {
  if (command.leaseId !== null || command.slot.startSec <= nowSeconds(ctx.clock)) return false;
  const db = ctx.store.db;
  if (key !== null && (await isRecorded(db, key))) return false;
  const service = await merchants.findService(db, command.merchantId, command.slot.serviceId);
  if (service === null || !service.booking.enabled) return false;
  const start = command.slot.startSec;
  const candidates = (await slots.slotsInRange(db, command.merchantId, [command.slot.serviceId], start, start + 1)).filter((c) =>
    slotMatches(c, command.slot, service.booking),
  );
  if (candidates.length === 0) return false;
  const held = await slots.heldForMerchants(db, [command.merchantId], start, start + 1, nowSeconds(ctx.clock));
  return candidates.every((c) => openSpots(c, held) === 0);
}

async function createOnce(ctx: BookingContext, command: CreateBookingCommand, key: IdempotencyKey | null, charges: string[]): Promise<BookingResult> {
  const now = nowSeconds(ctx.clock);
  const work = (trx: Tx): Promise<Outcome<Booking, BookingFailure>> => createIn(ctx, trx, command, now, charges);
  if (key === null) return inTransaction(ctx, work);
  const result = await runIdempotent(ctx.store, key, now, work);
  if ('failure' in result) return result;
  return { booking: result.ok, replayed: result.replayed, ...(result.differentRequest ? { differentRequest: true } : {}) };
}

async function createIn(
  ctx: BookingContext,
  trx: Tx,
  command: CreateBookingCommand,
  now: number,
  charges: string[],
): Promise<Outcome<Booking, BookingFailure>> {
  const { store } = ctx;
  const { merchantId, slot: query } = command;
  // The service and whether it and its merchant are active, in one read under a share lock: a
  // deactivation of the merchant or service cannot commit beside this booking.
  const serviceRead = merchants.serviceOfWrite(trx, store.dialect, merchantId, query.serviceId, 'share');
  // Per-user rules and duplicate detection are decided under the guest's locks (user id and
  // email), always taken in the same order so that two requests never wait on each other in a cycle.
  // Issued right behind the service's read (on PostgreSQL one round trip, the locks taken after the
  // service's share lock as before); when the checks below refuse, they go with the rollback.
  const email = emailKey(command.user.email);
  const guestLocks = [...(command.user.userId !== null ? [`booking-user:${command.user.userId}`] : []), ...(email !== null ? [`booking-email:${email}`] : [])];
  const guestLocked = store.lockKeys(trx, guestLocks.sort());
  guestLocked.catch(() => {});
  const found = await serviceRead;
  // None: which of the merchant and the service is unknown (UNKNOWN_MERCHANT, UNKNOWN_SERVICE).
  const service = found?.service ?? (await bookableService(trx, merchantId, query.serviceId));
  if (!service.booking.enabled) return slotUnavailable('this service takes no bookings');
  if (found === null || !found.active) return slotUnavailable('the merchant or service no longer takes bookings');
  if (query.startSec <= now) return slotUnavailable('the slot has already started');
  await guestLocked;

  let lease: Lease | null = null;
  if (command.leaseId !== null) {
    lease = await repo.findLeaseForUpdate(trx, store.dialect, command.leaseId);
    if (lease === null || lease.slot.merchantId !== merchantId) throw invalid(`unknown lease_ref "${command.leaseId}"`);
    if (lease.bookingId !== null || lease.expiresAt <= now) return { failure: { cause: 'LEASE_EXPIRED', description: 'the lease has expired' } };
    if (
      lease.slot.serviceId !== query.serviceId ||
      lease.slot.startSec !== query.startSec ||
      (query.durationSec !== null && lease.slot.durationSec !== query.durationSec)
    ) {
      throw invalid('slot does not match the leased slot');
    }
  }

  // The slot's candidates, the guest's duplicates and the user's bookings are read at once (on
  // PostgreSQL one round trip) and used in the order of the checks below. A candidate starts at the
  // requested time (a lease's slot was checked to), so with a party size in the request the
  // duplicates' query is known before the candidates are; without one it waits for them.
  const candidatesRead =
    lease !== null
      ? Promise.resolve([{ ...lease.slot, spotsTotal: 0, availabilityTag: lease.availabilityTag }])
      : slotCandidates(trx, merchantId, query, service);
  // Google: a booking with the same party size, time and email (or user) is a duplicate. Only
  // Google's requests are checked (staff may book two tables for one guest on purpose).
  const duplicatesOf = (partySize: number) => repo.duplicatesOf(trx, merchantId, query.startSec, partySize, command.user.userId, command.user.email);
  const early = command.source === 'google' && command.partySize > 0 ? duplicatesOf(command.partySize) : null;
  const existingRead = command.user.userId === null ? Promise.resolve([]) : repo.holdingBookingsOfUser(trx, command.user.userId, merchantId, now);
  early?.catch(() => {});
  existingRead.catch(() => {});
  const candidates = await candidatesRead;
  const first = candidates[0];
  if (first === undefined) return slotUnavailable(await noSlotReason(trx, merchantId, query, service));
  if (!partyFits(first, command.partySize, service.booking)) return slotUnavailable(`party size ${command.partySize} cannot take this slot`);
  // Without a party size in the request, the slot's own size (or the service's smallest) is booked.
  const partySize = command.partySize || first.partySize || service.booking.minPartySize;
  if (command.source === 'google' && (await (early ?? duplicatesOf(partySize))).length > 0) {
    return {
      failure: { cause: 'OVERLAPPING_RESERVATION', description: 'this guest already has a booking at this time for this party size (a duplicate request)' },
    };
  }
  const existing = await existingRead;
  const conflict = userConflict(first, existing, service.booking);
  if (conflict !== null) return { failure: conflict };

  const taken = await takeSpot(store, trx, candidates, now, lease !== null ? { leaseId: lease.id } : {});
  if (taken === null) return slotUnavailable(FULLY_BOOKED);
  if (command.offerId !== null) {
    const refusal = await offerRefusal(trx, merchantId, command.offerId, query.serviceId, taken.startSec);
    if (refusal !== null) return { failure: refusal };
  }

  const id = newRowId();
  const payment = await settle(ctx.payments, id, command.payment, service, charges);
  if ('failure' in payment) return payment;
  const booking: Booking = {
    id,
    slot: taken,
    availabilityTag: taken.availabilityTag,
    partySize,
    status: service.booking.confirmationMode === 'ASYNCHRONOUS' ? 'PENDING_MERCHANT_CONFIRMATION' : 'CONFIRMED',
    confirmationMode: service.booking.confirmationMode,
    source: command.source,
    user: command.user,
    additionalRequest: command.additionalRequest,
    offerId: command.offerId,
    leaseId: lease?.id ?? null,
    payment: payment.ok,
    canceledBy: null,
    createdAt: now,
    updatedAt: now,
    canceledAt: null,
  };
  await repo.insertBooking(trx, { ...booking, slot: { ...taken } });
  await changedAvailability(ctx, trx, taken, now);
  if (lease !== null) await repo.markLeaseUsed(trx, lease.id, id);
  return { ok: { ...booking, slot: stripSlotKey(taken) } };
}
