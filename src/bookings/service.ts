// Booking use cases. Capacity is decided under a lock on the slot inside the transaction that
// writes the booking, so two bookers can never both take the last spot.
import { randomUUID } from 'node:crypto';
import { nowSeconds, type Clock } from '../clock.js';
import { DomainError, invalid } from '../errors.js';
import { partyFits, slotMatches, type SlotQuery, type StoredSlot } from '../availability/matching.js';
import * as slots from '../availability/read-model.js';
import type { Service } from '../merchants/model.js';
import { emailKey } from '../merchants/guest-identity.js';
import * as merchants from '../merchants/read-model.js';
import type { Db, Store, Tx } from '../store/database.js';
import { isRecorded, runIdempotent, transactionUnlessFailure, type IdempotencyKey, type Outcome } from '../store/idempotency.js';
import type { Booking, BookingFailure, BookingPayment, BookingUser, Lease, Offer, PrepaymentStatus } from './model.js';
import type { PaymentProcessor } from './payments.js';
import { cancelRefusal, partySizeRefusal, userConflict } from './policy.js';
import * as repo from './repository.js';
import { SlotGate, type LaneTurn } from './slot-gate.js';
import { HOLDING_STATUSES, openSpots, sameSlotKey } from '../availability/slot.js';
import type { BookingEvents, BookingField } from './events.js';

export interface PaymentInput {
  readonly processedBy: 'GOOGLE' | 'PARTNER' | null;
  readonly prepaymentStatus: PrepaymentStatus;
  readonly transactionId: string | null;
  /** Price Google states for the booking, if any (micros, currency). */
  readonly price: { readonly micros: number; readonly currency: string } | null;
  /** Payment token for partner processing. */
  readonly token: string | null;
  /** Payment details as received, echoed back. */
  readonly received: unknown;
}

export interface CreateBookingCommand {
  readonly merchantId: string;
  readonly slot: SlotQuery;
  readonly partySize: number;
  readonly user: BookingUser;
  readonly additionalRequest: string | null;
  readonly offerId: string | null;
  readonly leaseId: string | null;
  readonly payment: PaymentInput | null;
  readonly source: 'google' | 'merchant';
}

export interface BookingChange {
  readonly status?: 'CANCELED';
  readonly startSec?: number;
  readonly durationSec?: number;
  readonly partySize?: number;
}

/** `differentRequest`: a replay for a token first used with another request (the booking it made is returned). */
export type BookingResult = { readonly booking: Booking; readonly replayed: boolean; readonly differentRequest?: boolean } | { readonly failure: BookingFailure };

const FULLY_BOOKED = 'the slot is fully booked';
const slotUnavailable = (description: string): { failure: BookingFailure } => ({ failure: { cause: 'SLOT_UNAVAILABLE', description } });

export class BookingService {
  private readonly gate = new SlotGate();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly payments: PaymentProcessor,
    private readonly events: BookingEvents,
  ) {}

  /** Bookings that still hold a place (confirmed or pending) and start after `now`: what a deactivation affects. */
  futureBookings(merchantId: string, serviceId: string | null, now: number, q: Db | Tx = this.store.db): Promise<Booking[]> {
    return repo.listBookings(q, { merchantId, ...(serviceId === null ? {} : { serviceId }), fromSec: now + 1, statuses: HOLDING_STATUSES, limit: 100_000 });
  }

  /**
   * The merchant's deactivation with `future_bookings: cancel`: each future booking is cancelled by
   * the merchant through the same step as any merchant cancel (refund of a prepayment, its update
   * to Google in the outbox), in the caller's transaction. The cancelled bookings; a refusal (a
   * refund that failed) stops the deactivation.
   */
  async cancelFutureIn(trx: Tx, merchantId: string, serviceId: string | null, now: number): Promise<Booking[]> {
    const canceled: Booking[] = [];
    for (const found of await this.futureBookings(merchantId, serviceId, now, trx)) {
      const booking = await this.lockBooking(trx, found.id, merchantId);
      const service = await merchants.findService(trx, booking.slot.merchantId, booking.slot.serviceId);
      if (service === null) throw new DomainError('NOT_FOUND', `the service of booking "${booking.id}" is gone`);
      const outcome = await this.cancelIn(trx, booking, service, now, 'merchant');
      if ('failure' in outcome) throw new DomainError('ILLEGAL_TRANSITION', `booking "${booking.id}" cannot be cancelled: ${outcome.failure.description}`);
      canceled.push(outcome.ok);
    }
    return canceled;
  }

  /**
   * Retention: clears guests' personal data from bookings that ended and were last changed before
   * `cutoff` (epoch seconds), `batchSize` rows per transaction; how many.
   */
  async anonymiseBefore(cutoff: number, batchSize = 500): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.store.transaction((trx) => repo.anonymiseBatch(trx, cutoff, nowSeconds(this.clock), batchSize));
      if (n === 0) return total;
      total += n;
    }
  }

  /** The open spots of this slot changed. */
  private changedAvailability(trx: Tx, slot: Booking['slot'], now: number): Promise<void> {
    return this.events.availabilityChanged(trx, { merchantId: slot.merchantId, serviceId: slot.serviceId, fromSec: slot.startSec, toSec: slot.startSec + 1 }, now);
  }

  private async bookableService(trx: Tx, merchantId: string, serviceId: string): Promise<Service> {
    if ((await merchants.findMerchant(trx, merchantId)) === null) throw new DomainError('UNKNOWN_MERCHANT', `unknown merchant_id "${merchantId}"`);
    const service = await merchants.findService(trx, merchantId, serviceId);
    if (service === null) throw new DomainError('UNKNOWN_SERVICE', `unknown service_id "${serviceId}" for merchant "${merchantId}"`);
    return service;
  }

  /** Matching slots of the query (the first matching key wins when several do). */
  private async candidates(trx: Tx, merchantId: string, query: SlotQuery, service: Service): Promise<StoredSlot[]> {
    const inRange = await slots.slotsInRange(trx, merchantId, [query.serviceId], query.startSec, query.startSec + 1);
    return inRange.filter((s) => slotMatches(s, query, service.booking));
  }

  /**
   * Why no slot matched the query, for the failure's description: the party size when slots at
   * that time exist but none takes the party (a service's min/max party size, or slots for other
   * sizes), otherwise that no such slot is offered.
   */
  private async noSlotReason(trx: Tx, merchantId: string, query: SlotQuery, service: Service): Promise<string> {
    if (query.partySize > 0) {
      const atTime = (await slots.slotsInRange(trx, merchantId, [query.serviceId], query.startSec, query.startSec + 1)).filter((s) =>
        slotMatches(s, { ...query, partySize: 0 }, service.booking),
      );
      if (atTime.length > 0) return partySizeRefusal(query.partySize, atTime, service.booking);
    }
    return 'no such slot is offered';
  }

  /** Locks the first candidate with an open spot (not counting `except`); null if none has one. */
  private async takeSpot(trx: Tx, candidates: readonly StoredSlot[], now: number, except: { leaseId?: string; bookingId?: string } = {}): Promise<StoredSlot | null> {
    for (const candidate of candidates) {
      const locked = await slots.lockSlot(trx, this.store.dialect, candidate);
      if (locked === null) continue;
      if ((await slots.openSpotsOnSlot(trx, locked, now, except)) > 0) return locked;
    }
    return null;
  }

  /**
   * Attempts for the same slot query take turns in this process (see slot-gate.ts); an attempt
   * that waited while another found the slot full is refused without a transaction. A lease holds
   * its spot already, so an attempt with one never waits behind bookers of the open spots.
   */
  async create(command: CreateBookingCommand, key: IdempotencyKey | null): Promise<BookingResult> {
    if (command.leaseId !== null) return this.attempt(command, key, null);
    const { merchantId, slot } = command;
    const lane = JSON.stringify([merchantId, slot.serviceId, slot.startSec, slot.durationSec, slot.staffId, slot.roomId, slot.partySize]);
    return this.gate.run(lane, async (turn) => {
      // A token that already has a result is answered with it, whatever the slot is like now.
      // A duplicate of the guest's own booking is told so, not that the slot (which it fills) is full.
      if (turn.seenFull && !(key !== null && (await isRecorded(this.store.db, key))) && !(await this.mayBeDuplicate(command))) return slotUnavailable(FULLY_BOOKED);
      return this.attempt(command, key, turn);
    });
  }

  private async attempt(command: CreateBookingCommand, key: IdempotencyKey | null, turn: LaneTurn | null): Promise<BookingResult> {
    if ((await this.visiblyFull(command, key)) && !(await this.mayBeDuplicate(command))) {
      turn?.markFull();
      return slotUnavailable(FULLY_BOOKED);
    }
    // Charges made by attempts that did not commit (an error, a retried transaction) are refunded.
    const charges: string[] = [];
    let result: BookingResult;
    try {
      result = await this.createOnce(command, key, charges);
    } catch (error) {
      await this.refundAll(charges);
      throw error;
    }
    const kept = 'booking' in result && !result.replayed ? result.booking.payment.transactionId : null;
    await this.refundAll(charges.filter((c) => c !== kept));
    if ('failure' in result && result.failure.cause === 'SLOT_UNAVAILABLE' && result.failure.description === FULLY_BOOKED) turn?.markFull();
    return result;
  }

  /** Whether this user or email already holds a booking at this time (read without locks; the transaction decides). */
  private async mayBeDuplicate(command: CreateBookingCommand): Promise<boolean> {
    if (command.source !== 'google') return false;
    const found = await repo.duplicatesOf(this.store.db, command.merchantId, command.slot.startSec, null, command.user.userId, command.user.email);
    return found.length > 0;
  }

  /**
   * A full slot is refused before the transaction, without locks: when a thousand bookers race for
   * the last spots, the losers then do not queue on the slot's lock. Only a "full" answer is
   * trusted (it was true when read, so refusing is a valid outcome); anything else goes through
   * the locked check. A token that already has a result, or a lease, always takes the full path.
   */
  private async visiblyFull(command: CreateBookingCommand, key: IdempotencyKey | null): Promise<boolean> {
    if (command.leaseId !== null || command.slot.startSec <= nowSeconds(this.clock)) return false;
    const db = this.store.db;
    if (key !== null && (await isRecorded(this.store.db, key))) return false;
    const service = await merchants.findService(db, command.merchantId, command.slot.serviceId);
    if (service === null || !service.booking.enabled) return false;
    const start = command.slot.startSec;
    const candidates = (await slots.slotsInRange(db, command.merchantId, [command.slot.serviceId], start, start + 1)).filter((c) => slotMatches(c, command.slot, service.booking));
    if (candidates.length === 0) return false;
    const held = await slots.heldForMerchants(db, [command.merchantId], start, start + 1, nowSeconds(this.clock));
    return candidates.every((c) => openSpots(c, held) === 0);
  }

  private async refundAll(transactionIds: readonly string[]): Promise<void> {
    for (const id of transactionIds) {
      if (!(await this.payments.refund(id).catch(() => false))) {
        throw new Error(`payment ${id} was charged for a booking that was not made, and its refund failed`);
      }
    }
  }

  private async createOnce(command: CreateBookingCommand, key: IdempotencyKey | null, charges: string[]): Promise<BookingResult> {
    const now = nowSeconds(this.clock);
    const work = (trx: Tx): Promise<Outcome<Booking, BookingFailure>> => this.createIn(trx, command, now, charges);
    if (key === null) return this.inTransaction(work);
    const result = await runIdempotent(this.store, key, now, work);
    if ('failure' in result) return result;
    return { booking: result.ok, replayed: result.replayed, ...(result.differentRequest ? { differentRequest: true } : {}) };
  }

  private async createIn(trx: Tx, command: CreateBookingCommand, now: number, charges: string[]): Promise<Outcome<Booking, BookingFailure>> {
    const { merchantId, slot: query } = command;
    const service = await this.bookableService(trx, merchantId, query.serviceId);
    if (!service.booking.enabled) return slotUnavailable('this service takes no bookings');
    // Read under a share lock: a deactivation of the merchant or service cannot commit beside this booking.
    if (!(await merchants.isActiveForUpdate(trx, this.store.dialect, merchantId, query.serviceId))) return slotUnavailable('the merchant or service no longer takes bookings');
    if (query.startSec <= now) return slotUnavailable('the slot has already started');
    // Per-user rules and duplicate detection are decided under the guest's locks (user id and
    // email), always taken in the same order so that two requests never wait on each other in a cycle.
    const email = emailKey(command.user.email);
    const guestLocks = [...(command.user.userId !== null ? [`booking-user:${command.user.userId}`] : []), ...(email !== null ? [`booking-email:${email}`] : [])];
    for (const lock of guestLocks.sort()) await this.store.lockKey(trx, lock);

    let lease: Lease | null = null;
    if (command.leaseId !== null) {
      lease = await repo.findLeaseForUpdate(trx, this.store.dialect, command.leaseId);
      if (lease === null || lease.slot.merchantId !== merchantId) throw invalid(`unknown lease_ref "${command.leaseId}"`);
      if (lease.bookingId !== null || lease.expiresAt <= now) return { failure: { cause: 'LEASE_EXPIRED', description: 'the lease has expired' } };
      if (lease.slot.serviceId !== query.serviceId || lease.slot.startSec !== query.startSec || (query.durationSec !== null && lease.slot.durationSec !== query.durationSec)) {
        throw invalid('slot does not match the leased slot');
      }
    }

    const candidates = lease !== null ? [{ ...lease.slot, spotsTotal: 0, availabilityTag: lease.availabilityTag }] : await this.candidates(trx, merchantId, query, service);
    const first = candidates[0];
    if (first === undefined) return slotUnavailable(await this.noSlotReason(trx, merchantId, query, service));
    if (!partyFits(first, command.partySize, service.booking)) return slotUnavailable(`party size ${command.partySize} cannot take this slot`);
    // Without a party size in the request, the slot's own size (or the service's smallest) is booked.
    const partySize = command.partySize || first.partySize || service.booking.minPartySize;
    // Google: a booking with the same party size, time and email (or user) is a duplicate. Only
    // Google's requests are checked (staff may book two tables for one guest on purpose).
    if (command.source === 'google' && (await repo.duplicatesOf(trx, merchantId, first.startSec, partySize, command.user.userId, command.user.email)).length > 0) {
      return { failure: { cause: 'OVERLAPPING_RESERVATION', description: 'this guest already has a booking at this time for this party size (a duplicate request)' } };
    }
    const existing = command.user.userId === null ? [] : await repo.holdingBookingsOfUser(trx, command.user.userId, merchantId, now);
    const conflict = userConflict(first, existing, service.booking);
    if (conflict !== null) return { failure: conflict };

    const taken = await this.takeSpot(trx, candidates, now, lease !== null ? { leaseId: lease.id } : {});
    if (taken === null) return slotUnavailable(FULLY_BOOKED);
    if (command.offerId !== null) {
      const offer = await repo.findOffer(trx, merchantId, command.offerId);
      const applies =
        offer?.active === true &&
        (offer.serviceId === null || offer.serviceId === query.serviceId) &&
        (offer.validFromSec === null || taken.startSec >= offer.validFromSec) &&
        (offer.validUntilSec === null || taken.startSec < offer.validUntilSec);
      if (!applies) return { failure: { cause: 'OFFER_UNAVAILABLE', description: `offer "${command.offerId}" does not apply to this slot` } };
    }

    const id = randomUUID();
    const payment = await this.settle(id, command.payment, service, charges);
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
    await this.changedAvailability(trx, taken, now);
    if (lease !== null) await repo.markLeaseUsed(trx, lease.id, id);
    return { ok: stripSlot(booking) };
  }

  /** Charges through the partner's processor when the partner processes the payment. */
  private async settle(bookingId: string, input: PaymentInput | null, service: Service, charges: string[]): Promise<Outcome<BookingPayment, BookingFailure>> {
    if (input === null) return { ok: { prepaymentStatus: 'PREPAYMENT_NOT_PROVIDED', transactionId: null, received: null } };
    if (input.processedBy !== 'PARTNER') return { ok: { prepaymentStatus: input.prepaymentStatus, transactionId: input.transactionId, received: input.received } };
    const price = input.price ?? service.booking.price;
    if (price === null) return { failure: { cause: 'PAYMENT_OPTION_NOT_VALID', description: 'this service has no price to charge' } };
    if (input.token === null) return { failure: { cause: 'PAYMENT_ERROR', description: 'payment_processing_parameters carries no payment token' } };
    const charged = await this.payments.charge({ bookingId, amountMicros: price.micros, currency: price.currency, token: input.token });
    if (!charged.ok) return { failure: charged.failure };
    charges.push(charged.transactionId);
    return { ok: { prepaymentStatus: 'PREPAYMENT_PROVIDED', transactionId: charged.transactionId, received: input.received } };
  }

  async get(bookingId: string, merchantId?: string): Promise<Booking> {
    const booking = await repo.findBooking(this.store.db, bookingId);
    if (booking === null || (merchantId !== undefined && booking.slot.merchantId !== merchantId)) throw new DomainError('NOT_FOUND', `unknown booking_id "${bookingId}"`);
    return booking;
  }

  /** The user's upcoming bookings that hold a spot; NOT_FOUND for a user we have never seen. */
  async upcomingForUser(userId: string): Promise<Booking[]> {
    if (!(await repo.userHasBookings(this.store.db, userId))) throw new DomainError('NOT_FOUND', `unknown user_id "${userId}"`);
    const now = nowSeconds(this.clock);
    return (await repo.holdingBookingsOfUser(this.store.db, userId, null, now)).filter((b) => b.slot.startSec >= now);
  }

  list(filter: repo.BookingFilter): Promise<Booking[]> {
    return repo.listBookings(this.store.db, filter);
  }

  /**
   * Cancels, reschedules or changes the party size. Replaying a change that is already in effect
   * returns the booking unchanged. `by` is who asks: Google's user or the merchant.
   */
  async update(bookingId: string, change: BookingChange, by: 'user' | 'merchant', merchantId?: string): Promise<BookingResult> {
    const now = nowSeconds(this.clock);
    return this.inTransaction(async (trx) => {
      const booking = await this.lockBooking(trx, bookingId, merchantId);
      const service = await this.bookableService(trx, booking.slot.merchantId, booking.slot.serviceId);
      if (change.status === 'CANCELED') return this.cancelIn(trx, booking, service, now, by);
      return this.moveIn(trx, booking, service, change, now, by);
    });
  }

  private async cancelIn(trx: Tx, booking: Booking, service: Service, now: number, by: 'user' | 'merchant'): Promise<Outcome<Booking, BookingFailure>> {
    if (booking.status === 'CANCELED' && booking.canceledBy === by) return { ok: booking };
    const refusal = cancelRefusal(booking, service.booking, now, by);
    if (refusal !== null) return { failure: refusal };
    let payment = booking.payment;
    if (payment.prepaymentStatus === 'PREPAYMENT_PROVIDED' && payment.transactionId !== null && isPartnerProcessed(payment.received)) {
      if (!(await this.payments.refund(payment.transactionId))) return { failure: { cause: 'PAYMENT_ERROR', description: 'the refund was refused' } };
      payment = { ...payment, prepaymentStatus: 'PREPAYMENT_REFUNDED' };
    }
    const canceled: Booking = { ...booking, status: 'CANCELED', canceledBy: by, canceledAt: now, updatedAt: now, payment };
    await repo.saveBooking(trx, canceled);
    await this.changedAvailability(trx, canceled.slot, now);
    const fields: BookingField[] = payment.prepaymentStatus !== booking.payment.prepaymentStatus ? ['status', 'paymentInformation.prepaymentStatus'] : ['status'];
    await this.events.bookingChanged(trx, canceled, fields, by, now);
    return { ok: canceled };
  }

  private async moveIn(trx: Tx, booking: Booking, service: Service, change: BookingChange, now: number, by: 'user' | 'merchant'): Promise<Outcome<Booking, BookingFailure>> {
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
      throw new BookingStateError(booking.status, `a ${booking.status} booking cannot be rescheduled or change its party size; only CONFIRMED and PENDING_MERCHANT_CONFIRMATION bookings can`);
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
    const candidates = await this.candidates(trx, booking.slot.merchantId, query, service);
    // Staying on the same slot (a party-size change within it) needs no new spot.
    const same = candidates.find((c) => sameSlotKey(c, booking.slot));
    let slot: StoredSlot | null = same ?? null;
    if (slot === null) {
      if (candidates.length === 0) return slotUnavailable(await this.noSlotReason(trx, booking.slot.merchantId, query, service));
      const existing = booking.user.userId === null ? [] : (await repo.holdingBookingsOfUser(trx, booking.user.userId, booking.slot.merchantId, now)).filter((b) => b.id !== booking.id);
      const conflict = userConflict(candidates[0]!, existing, service.booking);
      if (conflict !== null) return { failure: conflict };
      slot = await this.takeSpot(trx, candidates, now, { bookingId: booking.id });
      if (slot === null) return slotUnavailable('the new slot is fully booked');
    }
    const moved: Booking = { ...booking, slot: stripSlotKey(slot), availabilityTag: slot.availabilityTag, partySize: target.partySize, updatedAt: now };
    await repo.saveBooking(trx, moved);
    if (!sameSlotKey(moved.slot, booking.slot)) {
      await this.changedAvailability(trx, booking.slot, now);
      await this.changedAvailability(trx, moved.slot, now);
    }
    const fields: BookingField[] = [];
    if (moved.slot.startSec !== booking.slot.startSec) fields.push('startTime');
    if (moved.slot.durationSec !== booking.slot.durationSec) fields.push('duration');
    if (moved.partySize !== booking.partySize) fields.push('partySize');
    await this.events.bookingChanged(trx, moved, fields, by, now);
    return { ok: moved };
  }

  /** Merchant decisions: confirm or decline a pending booking, mark a no-show. */
  async decide(bookingId: string, merchantId: string, decision: 'confirm' | 'decline' | 'no_show'): Promise<BookingResult> {
    const now = nowSeconds(this.clock);
    return this.inTransaction(async (trx) => {
      const booking = await this.lockBooking(trx, bookingId, merchantId);
      const from = decision === 'no_show' ? 'CONFIRMED' : 'PENDING_MERCHANT_CONFIRMATION';
      const to = decision === 'confirm' ? 'CONFIRMED' : decision === 'decline' ? 'DECLINED_BY_MERCHANT' : 'NO_SHOW';
      if (booking.status === to) return { ok: booking };
      if (booking.status !== from) throw new DomainError('ILLEGAL_TRANSITION', `cannot ${decision.replace('_', '-')} a ${booking.status} booking; allowed from ${from}`);
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
      if (decision !== 'confirm') await this.changedAvailability(trx, decided.slot, now);
      await this.events.bookingChanged(trx, decided, ['status'], 'merchant', now);
      return { ok: decided };
    });
  }

  private async lockBooking(trx: Tx, bookingId: string, merchantId: string | undefined): Promise<Booking> {
    const booking = await repo.findBookingForUpdate(trx, this.store.dialect, bookingId);
    if (booking === null || (merchantId !== undefined && booking.slot.merchantId !== merchantId)) throw new DomainError('NOT_FOUND', `unknown booking_id "${bookingId}"`);
    return booking;
  }

  private async inTransaction(work: (trx: Tx) => Promise<Outcome<Booking, BookingFailure>>): Promise<BookingResult> {
    const outcome = await transactionUnlessFailure(this.store, work);
    return 'failure' in outcome ? outcome : { booking: outcome.ok, replayed: false };
  }

  async offers(merchantId: string): Promise<Offer[]> {
    if ((await merchants.findMerchant(this.store.db, merchantId)) === null) throw new DomainError('NOT_FOUND', `unknown merchant "${merchantId}"`);
    return repo.listOffers(this.store.db, merchantId);
  }

  async replaceOffers(merchantId: string, offers: readonly Offer[]): Promise<Offer[]> {
    const seen = new Set<string>();
    for (const [i, o] of offers.entries()) {
      if (!/^[A-Za-z0-9._~:-]{1,100}$/.test(o.id)) throw invalid(`offers[${i}].id must be 1-100 characters of letters, digits and . _ ~ : -`);
      if (seen.has(o.id)) throw invalid(`offers[${i}].id "${o.id}" appears twice`);
      seen.add(o.id);
      if (o.validFromSec !== null && o.validUntilSec !== null && o.validUntilSec <= o.validFromSec) throw invalid(`offers[${i}]: valid_until_sec must be after valid_from_sec`);
    }
    await this.store.transaction(async (trx) => {
      if ((await merchants.findMerchant(trx, merchantId)) === null) throw new DomainError('NOT_FOUND', `unknown merchant "${merchantId}"`);
      await repo.replaceOffers(trx, merchantId, offers);
    });
    return repo.listOffers(this.store.db, merchantId);
  }

  /**
   * Announces the spots that leases gave back by expiring unused (an expiry changes no row, so
   * nothing else would tell Google): one availability change per lease, each lease once however
   * many replicas sweep (the ledger decides). Returns how many were announced.
   */
  async announceExpiredLeases(): Promise<number> {
    const now = nowSeconds(this.clock);
    return this.store.transaction(async (trx) => {
      const expired = await repo.claimExpiredLeases(trx, now);
      for (const lease of expired) await this.changedAvailability(trx, lease.slot, now);
      return expired.length;
    });
  }

  /** Holds a spot for a while (CreateLease); `userReference` is Google's idempotency key. */
  async lease(merchantId: string, query: SlotQuery, partySize: number, userReference: string, requestedExpiry: number | null, requestHash: string): Promise<{ lease: Lease } | { failure: BookingFailure }> {
    const now = nowSeconds(this.clock);
    const result = await runIdempotent<Lease, BookingFailure>(this.store, { scope: 'CreateLease', token: userReference, requestHash }, now, async (trx) => {
      const service = await this.bookableService(trx, merchantId, query.serviceId);
      if (!service.booking.enabled) return slotUnavailable('this service takes no bookings');
      if (query.startSec <= now) return slotUnavailable('the slot has already started');
      const candidates = await this.candidates(trx, merchantId, query, service);
      const taken = await this.takeSpot(trx, candidates, now);
      if (taken === null) return slotUnavailable(candidates.length === 0 ? await this.noSlotReason(trx, merchantId, query, service) : 'the slot is fully booked');
      const longest = now + service.booking.maxLeaseSec;
      const lease: Lease = {
        id: randomUUID(),
        slot: stripSlotKey(taken),
        availabilityTag: taken.availabilityTag,
        partySize: partySize === 0 ? (taken.partySize || service.booking.minPartySize) : partySize,
        userReference,
        expiresAt: requestedExpiry !== null && requestedExpiry > now ? Math.min(requestedExpiry, longest) : longest,
        bookingId: null,
      };
      await repo.insertLease(trx, lease, now);
      await this.changedAvailability(trx, lease.slot, now);
      return { ok: lease };
    });
    return 'failure' in result ? result : { lease: result.ok };
  }
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

function stripSlotKey(s: StoredSlot): Booking['slot'] {
  return { merchantId: s.merchantId, serviceId: s.serviceId, startSec: s.startSec, durationSec: s.durationSec, staffId: s.staffId, roomId: s.roomId, partySize: s.partySize };
}

function stripSlot(b: Booking): Booking {
  return { ...b, slot: stripSlotKey(b.slot as StoredSlot) };
}

function isPartnerProcessed(received: unknown): boolean {
  return typeof received === 'object' && received !== null && (received as Record<string, unknown>).payment_processed_by === 'PROCESSED_BY_PARTNER';
}
