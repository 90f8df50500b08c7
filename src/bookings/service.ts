// Bookings' service: one object per process (src/app.ts) through which the routes, the removal of
// merchants and retention reach the booking use cases. Each use case lives in its own module:
// create-booking.ts (with the slot gate and payments), update-booking.ts (cancel, reschedule,
// party size, the merchant's decisions), leases.ts and offers.ts; the reads are here.
import { nowSeconds, type Clock } from '../clock.js';
import { DomainError } from '../errors.js';
import type { SlotQuery } from '../availability/matching.js';
import type { Actor } from '../merchants/actor.js';
import type { Db, Store, Tx } from '../store/database.js';
import type { IdempotencyKey } from '../store/idempotency.js';
import type { BookingContext, BookingResult } from './context.js';
import { createBooking, type CreateBookingCommand } from './create-booking.js';
import type { BookingEvents } from './events.js';
import { announceExpiredLeases, createLease } from './leases.js';
import type { Booking, BookingFailure, Lease, Offer } from './model.js';
import { listOffers, replaceOffers } from './offers.js';
import type { PaymentProcessor } from './payments.js';
import * as repo from './repository.js';
import { SlotGate } from './slot-gate.js';
import { cancelFutureIn, decideBooking, futureBookings, updateBooking, type BookingChange } from './update-booking.js';

export class BookingService {
  /** CreateBooking attempts for one slot take turns in this process (slot-gate.ts): one gate per process. */
  private readonly gate = new SlotGate();
  private readonly ctx: BookingContext;

  constructor(store: Store, clock: Clock, payments: PaymentProcessor, events: BookingEvents) {
    this.ctx = { store, clock, payments, events };
  }

  /** CreateBooking, from Google or the merchant (create-booking.ts). */
  create(command: CreateBookingCommand, key: IdempotencyKey | null): Promise<BookingResult> {
    return createBooking(this.ctx, this.gate, command, key);
  }

  /** Cancels, reschedules or changes the party size; `by` is who asks (update-booking.ts). */
  update(bookingId: string, change: BookingChange, by: Actor, merchantId?: string): Promise<BookingResult> {
    return updateBooking(this.ctx, bookingId, change, by, merchantId);
  }

  /** Merchant decisions: confirm or decline a pending booking, mark a no-show (update-booking.ts). */
  decide(bookingId: string, merchantId: string, decision: 'confirm' | 'decline' | 'no_show'): Promise<BookingResult> {
    return decideBooking(this.ctx, bookingId, merchantId, decision);
  }

  /** Bookings that still hold a place (confirmed or pending) and start after `now`: what a deactivation affects. */
  futureBookings(merchantId: string, serviceId: string | null, now: number, q: Db | Tx = this.ctx.store.db): Promise<Booking[]> {
    return futureBookings(q, merchantId, serviceId, now);
  }

  /** A deactivation's cancel of the future bookings, in the caller's transaction (update-booking.ts). */
  cancelFutureIn(trx: Tx, merchantId: string, serviceId: string | null, now: number): Promise<Booking[]> {
    return cancelFutureIn(this.ctx, trx, merchantId, serviceId, now);
  }

  /** Holds a spot for a while (CreateLease); `userReference` is Google's idempotency key (leases.ts). */
  lease(
    merchantId: string,
    query: SlotQuery,
    partySize: number,
    userReference: string,
    requestedExpiry: number | null,
    requestHash: string,
  ): Promise<{ lease: Lease } | { failure: BookingFailure }> {
    return createLease(this.ctx, merchantId, query, partySize, userReference, requestedExpiry, requestHash);
  }

  /** Announces the spots of leases that expired unused, each once across replicas; how many (leases.ts). */
  announceExpiredLeases(): Promise<number> {
    return announceExpiredLeases(this.ctx);
  }

  offers(merchantId: string): Promise<Offer[]> {
    return listOffers(this.ctx.store, merchantId);
  }

  replaceOffers(merchantId: string, offers: readonly Offer[]): Promise<Offer[]> {
    return replaceOffers(this.ctx.store, merchantId, offers);
  }

  async get(bookingId: string, merchantId?: string): Promise<Booking> {
    const booking = await repo.findBooking(this.ctx.store.db, bookingId);
    if (booking === null || (merchantId !== undefined && booking.slot.merchantId !== merchantId))
      throw new DomainError('NOT_FOUND', `unknown booking_id "${bookingId}"`);
    return booking;
  }

  /** The user's upcoming bookings that hold a spot; NOT_FOUND for a user we have never seen. */
  async upcomingForUser(userId: string): Promise<Booking[]> {
    const db = this.ctx.store.db;
    if (!(await repo.userHasBookings(db, userId))) throw new DomainError('NOT_FOUND', `unknown user_id "${userId}"`);
    const now = nowSeconds(this.ctx.clock);
    return (await repo.holdingBookingsOfUser(db, userId, null, now)).filter((b) => b.slot.startSec >= now);
  }

  list(filter: repo.BookingFilter): Promise<Booking[]> {
    return repo.listBookings(this.ctx.store.db, filter);
  }

  /**
   * Retention: clears guests' personal data from bookings that ended and were last changed before
   * `cutoff` (epoch seconds), `batchSize` rows per transaction; how many.
   */
  async anonymiseBefore(cutoff: number, batchSize = 500): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.ctx.store.transaction((trx) => repo.anonymiseBatch(trx, cutoff, nowSeconds(this.ctx.clock), batchSize));
      if (n === 0) return total;
      total += n;
    }
  }
}
