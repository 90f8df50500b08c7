// Changing a booking: Google's UpdateBooking and the merchant's changes (cancel, reschedule, party
// size), the merchant's decisions (confirm, decline, no-show), and the cancels of a deactivation.
import { nowSeconds } from '../clock.js';
import { DomainError } from '../errors.js';
import type { SlotQuery } from '../availability/matching.js';
import { HOLDING_STATUSES, sameSlotKey, type StoredSlot } from '../availability/slot.js';
import type { Actor } from '../merchants/actor.js';
import type { Service } from '../merchants/model.js';
import * as merchants from '../merchants/read-model.js';
import type { Db, Tx } from '../store/database.js';
import type { Outcome } from '../store/idempotency.js';
import { changedAvailability, inTransaction, lockBooking, type BookingContext, type BookingResult } from './context.js';
import type { BookingField } from './events.js';
import type { Booking, BookingFailure } from './model.js';
import { refundOnCancel } from './payments.js';
import { cancelRefusal, userConflict } from './policy.js';
import * as repo from './repository.js';
import { bookableService, candidates as slotCandidates, noSlotReason, slotUnavailable, stripSlotKey, takeSpot } from './slot-choice.js';

export interface BookingChange {
  readonly status?: 'CANCELED';
  readonly startSec?: number;
  readonly durationSec?: number;
  readonly partySize?: number;
}

/** A change the booking's status forbids (ILLEGAL_TRANSITION); the status says which, for the routes. */
export class BookingStateError extends DomainError {
  constructor(
    readonly status: Booking['status'],
    message: string,
  ) {
    super('ILLEGAL_TRANSITION', message);
  }
}

/**
 * Cancels, reschedules or changes the party size. Replaying a change that is already in effect
 * returns the booking unchanged. `by` is who asks: the guest through Google, or the merchant.
 */
export function updateBooking(ctx: BookingContext, bookingId: string, change: BookingChange, by: Actor, merchantId?: string): Promise<BookingResult> {
  const now = nowSeconds(ctx.clock);
  return inTransaction(ctx, async (trx) => {
    const booking = await lockBooking(ctx, trx, bookingId, merchantId);
    const service = await bookableService(trx, booking.slot.merchantId, booking.slot.serviceId);
    if (change.status === 'CANCELED') return cancelIn(ctx, trx, booking, service, now, by);
    return moveIn(ctx, trx, booking, service, change, now, by);
  });
}

/** Merchant decisions: confirm or decline a pending booking, mark a no-show. */
export function decideBooking(ctx: BookingContext, bookingId: string, merchantId: string, decision: 'confirm' | 'decline' | 'no_show'): Promise<BookingResult> {
  const now = nowSeconds(ctx.clock);
  return inTransaction(ctx, async (trx) => {
    const booking = await lockBooking(ctx, trx, bookingId, merchantId);
    const from = decision === 'no_show' ? 'CONFIRMED' : 'PENDING_MERCHANT_CONFIRMATION';
    const to = decision === 'confirm' ? 'CONFIRMED' : decision === 'decline' ? 'DECLINED_BY_MERCHANT' : 'NO_SHOW';
    if (booking.status === to) return { ok: booking };
    if (booking.status !== from)
      throw new DomainError('ILLEGAL_TRANSITION', `cannot ${decision.replace('_', '-')} a ${booking.status} booking; allowed from ${from}`);
    if (decision === 'no_show' && now < booking.slot.startSec) {
      const minutes = Math.ceil((booking.slot.startSec - now) / 60);
      const until = minutes >= 120 ? `${Math.floor(minutes / 60)} h ${minutes % 60} min` : `${minutes} min`;
      throw new DomainError(
        'ILLEGAL_TRANSITION',
        `a booking can be marked no-show only once it has started; this one starts at ${new Date(booking.slot.startSec * 1000).toISOString()}, in ${until}`,
      );
    }
    const decided: Booking = { ...booking, status: to, updatedAt: now };
    await repo.saveBooking(trx, decided);
    if (decision !== 'confirm') await changedAvailability(ctx, trx, decided.slot, now);
    await ctx.events.bookingChanged(trx, decided, ['status'], 'merchant', now);
    return { ok: decided };
  });
}

/** Bookings that still hold a place (confirmed or pending) and start after `now`: what a deactivation affects. */
export function futureBookings(q: Db | Tx, merchantId: string, serviceId: string | null, now: number): Promise<Booking[]> {
  return repo.listBookings(q, { merchantId, ...(serviceId === null ? {} : { serviceId }), fromSec: now + 1, statuses: HOLDING_STATUSES, limit: 100_000 });
}

/**
 * The merchant's deactivation with `future_bookings: cancel`: each future booking is cancelled by
 * the merchant through the same step as any merchant cancel (refund of a prepayment, its update
 * to Google in the outbox), in the caller's transaction. The cancelled bookings; a refusal (a
 * refund that failed) stops the deactivation.
 */
export async function cancelFutureIn(ctx: BookingContext, trx: Tx, merchantId: string, serviceId: string | null, now: number): Promise<Booking[]> {
  const canceled: Booking[] = [];
  for (const found of await futureBookings(trx, merchantId, serviceId, now)) {
    const booking = await lockBooking(ctx, trx, found.id, merchantId);
    const service = await merchants.findService(trx, booking.slot.merchantId, booking.slot.serviceId);
    if (service === null) throw new DomainError('NOT_FOUND', `the service of booking "${booking.id}" is gone`);
    const outcome = await cancelIn(ctx, trx, booking, service, now, 'merchant');
    if ('failure' in outcome) throw new DomainError('ILLEGAL_TRANSITION', `booking "${booking.id}" cannot be cancelled: ${outcome.failure.description}`);
    canceled.push(outcome.ok);
  }
  return canceled;
}

async function cancelIn(ctx: BookingContext, trx: Tx, booking: Booking, service: Service, now: number, by: Actor): Promise<Outcome<Booking, BookingFailure>> {
  if (booking.status === 'CANCELED' && booking.canceledBy === by) return { ok: booking };
  const refusal = cancelRefusal(booking, service.booking, now, by);
  if (refusal !== null) return { failure: refusal };
  const payment = await refundOnCancel(ctx.payments, booking.payment);
  if ('failure' in payment) return payment;
  const canceled: Booking = { ...booking, status: 'CANCELED', canceledBy: by, canceledAt: now, updatedAt: now, payment: payment.ok };
  await repo.saveBooking(trx, canceled);
  await changedAvailability(ctx, trx, canceled.slot, now);
  const fields: BookingField[] =
    payment.ok.prepaymentStatus !== booking.payment.prepaymentStatus ? ['status', 'paymentInformation.prepaymentStatus'] : ['status'];
  await ctx.events.bookingChanged(trx, canceled, fields, by, now);
  return { ok: canceled };
}

async function moveIn(
  ctx: BookingContext,
  trx: Tx,
  booking: Booking,
  service: Service,
  change: BookingChange,
  now: number,
  by: Actor,
): Promise<Outcome<Booking, BookingFailure>> {
  const target = {
    startSec: change.startSec ?? booking.slot.startSec,
    durationSec: change.durationSec ?? booking.slot.durationSec,
    partySize: change.partySize ?? booking.partySize,
  };
  if (target.startSec === booking.slot.startSec && target.durationSec === booking.slot.durationSec && target.partySize === booking.partySize) {
    return { ok: booking };
  }
  if (booking.status !== 'CONFIRMED' && booking.status !== 'PENDING_MERCHANT_CONFIRMATION') {
    // Not a slot problem: no slot would do, the booking's state forbids the move. The routes say so
    // in their protocol (Google's contract: a business failure; the admin API: ILLEGAL_TRANSITION).
    throw new BookingStateError(
      booking.status,
      `a ${booking.status} booking cannot be rescheduled or change its party size; only CONFIRMED and PENDING_MERCHANT_CONFIRMATION bookings can`,
    );
  }
  if (target.startSec <= now) return slotUnavailable('the new time has already started');
  const query: SlotQuery = {
    serviceId: booking.slot.serviceId,
    startSec: target.startSec,
    durationSec: target.durationSec,
    staffId: booking.slot.staffId,
    roomId: booking.slot.roomId,
    partySize: target.partySize,
  };
  const candidates = await slotCandidates(trx, booking.slot.merchantId, query, service);
  // Staying on the same slot (a party-size change within it) needs no new spot.
  const same = candidates.find((c) => sameSlotKey(c, booking.slot));
  let slot: StoredSlot | null = same ?? null;
  if (slot === null) {
    if (candidates.length === 0) return slotUnavailable(await noSlotReason(trx, booking.slot.merchantId, query, service));
    const existing =
      booking.user.userId === null
        ? []
        : (await repo.holdingBookingsOfUser(trx, booking.user.userId, booking.slot.merchantId, now)).filter((b) => b.id !== booking.id);
    const conflict = userConflict(candidates[0]!, existing, service.booking);
    if (conflict !== null) return { failure: conflict };
    slot = await takeSpot(ctx.store, trx, candidates, now, { bookingId: booking.id });
    if (slot === null) return slotUnavailable('the new slot is fully booked');
  }
  const moved: Booking = { ...booking, slot: stripSlotKey(slot), availabilityTag: slot.availabilityTag, partySize: target.partySize, updatedAt: now };
  await repo.saveBooking(trx, moved);
  if (!sameSlotKey(moved.slot, booking.slot)) {
    await changedAvailability(ctx, trx, booking.slot, now);
    await changedAvailability(ctx, trx, moved.slot, now);
  }
  const fields: BookingField[] = [];
  if (moved.slot.startSec !== booking.slot.startSec) fields.push('startTime');
  if (moved.slot.durationSec !== booking.slot.durationSec) fields.push('duration');
  if (moved.partySize !== booking.partySize) fields.push('partySize');
  await ctx.events.bookingChanged(trx, moved, fields, by, now);
  return { ok: moved };
}
