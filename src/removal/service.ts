// Removing a merchant or a service from Google: deactivation, with a dry run that says first what
// will happen. A deactivated merchant or service leaves the next feeds, takes no new bookings or
// joins, has its open waitlist entries cancelled (through the waitlist's own cancel step, so the
// guest hears of it as from the host stand), and its future bookings refused (the deactivation is
// refused while any is held), cancelled (each through the bookings' merchant cancel, with its
// update to Google in the outbox) or kept (they stay; the merchant honours them), as asked. All of
// it commits in one transaction with the updates to Google, or none of it.
import { nowSeconds, type Clock } from '../clock.js';
import { DomainError } from '../errors.js';
import type { BookingService } from '../bookings/service.js';
import type { MerchantService } from '../merchants/service.js';
import type { Store } from '../store/database.js';
import type { WaitlistService } from '../waitlist/service.js';

export const FUTURE_BOOKINGS_CHOICES = ['refuse', 'cancel', 'keep'] as const;
export type FutureBookingsChoice = (typeof FUTURE_BOOKINGS_CHOICES)[number];

export interface RemovalTarget {
  readonly merchantId: string;
  /** null: the whole merchant. */
  readonly serviceId: string | null;
}

export interface PlannedEntry {
  readonly id: string;
  readonly serviceId: string;
  readonly state: string;
  readonly partySize: number;
}

export interface PlannedBooking {
  readonly id: string;
  readonly serviceId: string;
  readonly startSec: number;
  readonly partySize: number;
  readonly status: string;
}

/** What a deactivation does (dry run), or did. */
export interface RemovalPlan extends RemovalTarget {
  readonly alreadyDeactivated: boolean;
  readonly futureBookingsChoice: FutureBookingsChoice;
  /** Open entries that are (or will be) cancelled. */
  readonly waitlistEntries: readonly PlannedEntry[];
  /** Bookings still ahead: cancelled, kept, or the reason for a refusal, by the choice. */
  readonly futureBookings: readonly PlannedBooking[];
  /** Why the deactivation is refused (choice `refuse` with bookings ahead); null: it goes ahead. */
  readonly refusal: string | null;
}

export class RemovalService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly merchants: MerchantService,
    private readonly waitlist: WaitlistService,
    private readonly bookings: BookingService,
  ) {}

  private async assertExists(target: RemovalTarget): Promise<boolean> {
    const merchant = await this.merchants.get(target.merchantId);
    if (target.serviceId === null) return merchant.deactivatedAt !== null;
    const service = await this.merchants.getService(target.merchantId, target.serviceId);
    return service.deactivatedAt !== null;
  }

  private refusal(choice: FutureBookingsChoice, bookings: readonly PlannedBooking[]): string | null {
    if (choice !== 'refuse' || bookings.length === 0) return null;
    return `${bookings.length} booking(s) ahead (first: ${bookings[0]?.id}); deactivate with future_bookings "cancel" to cancel them (Google is told) or "keep" to honour them`;
  }

  /** The dry run: what `deactivate` would do now, changing nothing. */
  async plan(target: RemovalTarget, choice: FutureBookingsChoice): Promise<RemovalPlan> {
    const alreadyDeactivated = await this.assertExists(target);
    const now = nowSeconds(this.clock);
    const [entries, bookings] = await Promise.all([
      this.waitlist.openEntries(target.merchantId, target.serviceId),
      this.bookings.futureBookings(target.merchantId, target.serviceId, now),
    ]);
    const futureBookings = bookings.map((b) => ({ id: b.id, serviceId: b.slot.serviceId, startSec: b.slot.startSec, partySize: b.partySize, status: b.status }));
    return {
      ...target,
      alreadyDeactivated,
      futureBookingsChoice: choice,
      waitlistEntries: entries.map((e) => ({ id: e.id, serviceId: e.serviceId, state: e.state, partySize: e.partySize })),
      futureBookings,
      refusal: this.refusal(choice, futureBookings),
    };
  }

  /** Deactivates, in one transaction; refused (nothing changes) when the plan says so. What it did. */
  async deactivate(target: RemovalTarget, choice: FutureBookingsChoice): Promise<RemovalPlan> {
    const alreadyDeactivated = await this.assertExists(target);
    const now = nowSeconds(this.clock);
    try {
      return await this.deactivateIn(target, choice, alreadyDeactivated, now);
    } finally {
      // After the commit (or the rollback): reads from memory see the flag from now on.
      this.merchants.invalidate(target.merchantId);
    }
  }

  private deactivateIn(target: RemovalTarget, choice: FutureBookingsChoice, alreadyDeactivated: boolean, now: number): Promise<RemovalPlan> {
    return this.store.transaction(async (trx) => {
      // First the flag: its row lock makes concurrent bookings and joins wait, then refuse.
      if (!alreadyDeactivated && !(await this.merchants.setDeactivatedIn(trx, target.merchantId, target.serviceId, now))) {
        throw new DomainError('NOT_FOUND', `unknown ${target.serviceId === null ? 'merchant' : 'service'}`);
      }
      const ahead = await this.bookings.futureBookings(target.merchantId, target.serviceId, now, trx);
      const futureBookings = ahead.map((b) => ({ id: b.id, serviceId: b.slot.serviceId, startSec: b.slot.startSec, partySize: b.partySize, status: b.status }));
      const refusal = this.refusal(choice, futureBookings);
      if (refusal !== null) throw new DomainError('ILLEGAL_TRANSITION', `not deactivated: ${refusal}`);
      const canceled = await this.waitlist.cancelOpenIn(trx, target.merchantId, target.serviceId, now);
      let bookings = futureBookings;
      if (choice === 'cancel') {
        bookings = (await this.bookings.cancelFutureIn(trx, target.merchantId, target.serviceId, now)).map((b) => ({
          id: b.id,
          serviceId: b.slot.serviceId,
          startSec: b.slot.startSec,
          partySize: b.partySize,
          status: b.status,
        }));
      }
      return {
        ...target,
        alreadyDeactivated,
        futureBookingsChoice: choice,
        waitlistEntries: canceled.map((e) => ({ id: e.id, serviceId: e.serviceId, state: e.state, partySize: e.partySize })),
        futureBookings: bookings,
        refusal: null,
      };
    });
  }

  /** Active again: back in the next feeds, taking bookings and joins. Cancelled entries and bookings stay cancelled. */
  async activate(target: RemovalTarget): Promise<void> {
    await this.assertExists(target);
    try {
      await this.store.transaction((trx) => this.merchants.setDeactivatedIn(trx, target.merchantId, target.serviceId, null));
    } finally {
      this.merchants.invalidate(target.merchantId);
    }
  }
}
