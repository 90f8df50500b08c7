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
import { countPurge, pendingOutbox, purge } from '../store/purge.js';
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

/** What deleting a deactivated merchant or service for good deletes (dry run), or deleted. */
export interface PurgePlan extends RemovalTarget {
  /** Rows per table. */
  readonly rows: Readonly<Record<string, number>>;
  /** Why it is refused (not deactivated, bookings Google holds, updates Google has not heard yet); null: it goes ahead. */
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
    const futureBookings = bookings.map((b) => ({
      id: b.id,
      serviceId: b.slot.serviceId,
      startSec: b.slot.startSec,
      partySize: b.partySize,
      status: b.status,
    }));
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
      // After the commit (or the rollback): reads from memory see the flag and the cancelled entries from now on.
      this.merchants.invalidate(target.merchantId);
      this.waitlist.dropFloors(target.merchantId);
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

  /**
   * Why deleting `target` for good must wait, or null. Only a deactivated merchant or service (or a
   * service of a deactivated merchant) goes: it has left the feeds, so Google drops it with the next
   * complete feed. Bookings still ahead are Google's too: they must be cancelled first (deactivate
   * with future_bookings "cancel"), and every update about the target delivered, since an update
   * whose rows are gone could never reach Google.
   */
  private async purgeRefusal(target: RemovalTarget, now: number): Promise<string | null> {
    const merchant = await this.merchants.get(target.merchantId);
    const service = target.serviceId === null ? null : await this.merchants.getService(target.merchantId, target.serviceId);
    if (merchant.deactivatedAt === null && (service === null || service.deactivatedAt === null)) {
      return `the ${service === null ? 'merchant' : 'service'} is active: deactivate it first (POST .../deactivate), so that it leaves Google's feeds`;
    }
    const ahead = await this.bookings.futureBookings(target.merchantId, target.serviceId, now);
    if (ahead.length > 0) {
      return `${ahead.length} booking(s) ahead are still held (first: ${ahead[0]?.id}): cancel them first (deactivate with future_bookings "cancel"), so that Google is told`;
    }
    const pending = await pendingOutbox(this.store.db, target);
    if (pending > 0) return `${pending} update(s) to Google about it are not delivered yet: try again once they are (GET /admin/v1/merchants/{m}/rtu/status)`;
    return null;
  }

  /** The dry run of `purge`: the rows it would delete per table, and whether it would be refused. */
  async planPurge(target: RemovalTarget): Promise<PurgePlan> {
    const refusal = await this.purgeRefusal(target, nowSeconds(this.clock));
    return { ...target, rows: await countPurge(this.store.db, target), refusal };
  }

  /**
   * Deletes every row of a deactivated merchant or service in one transaction (bookings, waitlist
   * entries, texts and replies, outbox rows, slots, staff, tokens, ...); refused (nothing changes)
   * when the plan says so. The checks are made again inside the transaction, the merchant row locked.
   */
  async purge(target: RemovalTarget): Promise<PurgePlan> {
    const before = await this.purgeRefusal(target, nowSeconds(this.clock));
    if (before !== null) throw new DomainError('ILLEGAL_TRANSITION', `not deleted: ${before}`);
    try {
      return await this.purgeIn(target);
    } finally {
      // After the commit (or the rollback): reads from memory no longer find what is gone.
      this.merchants.invalidate(target.merchantId);
      this.waitlist.dropFloors(target.merchantId);
    }
  }

  private purgeIn(target: RemovalTarget): Promise<PurgePlan> {
    return this.store.transaction(async (trx) => {
      // The flag's row lock (as a deactivation takes it) holds off bookings and joins meanwhile.
      await this.merchants.setDeactivatedIn(trx, target.merchantId, target.serviceId, nowSeconds(this.clock));
      // Before the entries go: no floor kept in memory (nor one a join under way would keep) outlives them.
      this.waitlist.dropFloors(target.merchantId);
      const ahead = await this.bookings.futureBookings(target.merchantId, target.serviceId, nowSeconds(this.clock), trx);
      const pending = await pendingOutbox(trx, target);
      if (ahead.length > 0 || pending > 0)
        throw new DomainError('ILLEGAL_TRANSITION', 'not deleted: a booking or an update to Google arrived meanwhile; try again');
      return { ...target, rows: await purge(trx, target), refusal: null };
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
