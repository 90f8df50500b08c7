// Delivers the outbox to Google: claims due entities, coalesces each entity's pending rows into
// one call carrying the latest state, and marks rows done only after Google accepted them.
// Retries with exponential backoff and full jitter; parks what Google rejects as dead letters.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { DateTime } from 'luxon';
import type { Logger } from 'pino';
import { nowSeconds, secondsFromNow, type Clock } from '../clock.js';
import { toGoogleAvailability } from '../availability/google-format.js';
import type { AvailabilityService } from '../availability/service.js';
import * as bookings from '../bookings/read-model.js';
import * as merchants from '../merchants/read-model.js';
import type { Store } from '../store/database.js';
import { PollLoop, retryDelaySeconds } from '../store/outbox-queue.js';
import type { CallResult, MapsBookingApi } from './google-client.js';
import { availabilityReplace, bookingNotification, type ServiceWindow } from './messages.js';
import * as outbox from './outbox.js';
import type { OutboxRow } from './outbox.js';
import type { BookingField } from '../bookings/events.js';

export interface DeliveryObserver {
  delivered(kind: string): void;
  failed(kind: string, reason: 'retry' | 'rejected', status: number | null): void;
}

export interface WorkerOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly api: MapsBookingApi;
  readonly partnerId: string;
  readonly availability: AvailabilityService;
  readonly log: Logger;
  readonly observer?: DeliveryObserver;
  /** Calls per minute to Google, under the project quota of 1,500. */
  readonly ratePerMinute?: number;
  readonly pollMs?: number;
  readonly leaseSec?: number;
  readonly maxBackoffSec?: number;
  /** Days per availability replace call. */
  readonly maxWindowsPerCall?: number;
  /** Announces leases that expired unused (bookings); swept every `leaseSweepSec` (default 30). */
  readonly leases?: LeaseSweep;
  readonly leaseSweepSec?: number;
}

/** What the worker needs of bookings: the announcement of the spots expired leases gave back. */
export interface LeaseSweep {
  announceExpiredLeases(): Promise<number>;
}

/** Token bucket: at most `perMinute` calls in any minute, bursts up to a tenth of it. */
class RateLimiter {
  private tokens: number;
  private last = Date.now();
  private readonly capacity: number;
  constructor(private readonly perMinute: number) {
    this.capacity = Math.max(1, Math.floor(perMinute / 10));
    this.tokens = this.capacity;
  }
  async take(): Promise<void> {
    for (;;) {
      const now = Date.now();
      this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) * this.perMinute) / 60_000);
      this.last = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.ceil(((1 - this.tokens) * 60_000) / this.perMinute)));
    }
  }
}

class ClaimLost extends Error {
  constructor() {
    super('outbox claim lost');
  }
}

/**
 * The windows of a replace that Google's reply does not echo. An echoed entry is matched by
 * merchant, service and start restrict (compared as instants, whatever the timestamp's spelling);
 * an echo without a start restrict matches any window of its service. Each echo matches one window.
 */
export function unapplied(sent: readonly ServiceWindow[], reply: unknown): ServiceWindow[] {
  const list = typeof reply === 'object' && reply !== null ? (reply as { extendedServiceAvailability?: unknown }).extendedServiceAvailability : undefined;
  const echoes = (Array.isArray(list) ? list : []).map((e) => {
    const entry = (typeof e === 'object' && e !== null ? e : {}) as { merchantId?: unknown; serviceId?: unknown; startTimeRestrict?: unknown };
    const start = typeof entry.startTimeRestrict === 'string' ? Date.parse(entry.startTimeRestrict) / 1000 : null;
    return { merchantId: entry.merchantId, serviceId: entry.serviceId, start: start !== null && Number.isFinite(start) ? start : null };
  });
  return sent.filter((w) => {
    const i = echoes.findIndex((e) => e.merchantId === w.merchantId && e.serviceId === w.serviceId && (e.start === null || e.start === w.fromSec));
    if (i < 0) return true;
    echoes.splice(i, 1);
    return false;
  });
}

export class RtuWorker {
  readonly id = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private readonly limiter: RateLimiter;
  private readonly loop: PollLoop;
  private lastPrune = 0;
  private lastSweep = Number.NEGATIVE_INFINITY;

  constructor(private readonly o: WorkerOptions) {
    this.limiter = new RateLimiter(o.ratePerMinute ?? 1200);
    this.loop = new PollLoop(
      () => this.drain(),
      o.pollMs ?? 500,
      (error) => o.log.error({ err: error }, 'real-time update worker failed; retrying'),
    );
  }

  start(): void {
    this.loop.start();
  }

  /** Stops polling and waits for the delivery in progress (its rows are marked as usual). */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Delivers everything due now; returns the number of entities handled. */
  async drain(): Promise<number> {
    await this.sweepLeases();
    let handled = 0;
    for (;;) {
      const n = await this.tick();
      handled += n;
      if (n === 0 || this.loop.stopped) break;
    }
    await this.prune();
    return handled;
  }

  /** One claim-and-deliver round. */
  async tick(): Promise<number> {
    const now = nowSeconds(this.o.clock);
    const rows = await outbox.claim(this.o.store, this.id, now, this.o.leaseSec ?? 120, 20);
    const byEntity = new Map<string, OutboxRow[]>();
    for (const row of rows) byEntity.set(row.entityKey, [...(byEntity.get(row.entityKey) ?? []), row]);
    for (const group of byEntity.values()) await this.deliver(group);
    return byEntity.size;
  }

  private async deliver(group: readonly OutboxRow[]): Promise<void> {
    const first = group[0]!;
    const ids = group.map((r) => r.id);
    let result: CallResult;
    // Before every call to Google the claim is extended, so that no other worker takes the rows
    // over while a long delivery is still running; a lost claim ends this delivery unmarked.
    // Every mark is a transaction of the store's (on SQLite it shares a group commit, whose fsync
    // runs off the event loop), committed before the worker goes on.
    const store = this.o.store;
    const renew = async (): Promise<void> => {
      const until = nowSeconds(this.o.clock) + (this.o.leaseSec ?? 120);
      if (!(await store.transaction((trx) => outbox.renewClaim(trx, this.id, ids, until)))) throw new ClaimLost();
    };
    try {
      result = first.item.kind === 'booking' ? await this.deliverBooking(group, renew) : await this.deliverAvailability(group, renew);
    } catch (error) {
      if (error instanceof ClaimLost) {
        this.o.log.warn({ kind: first.item.kind, entity: first.entityKey }, 'real-time update claim lapsed during delivery; another worker continues');
        return;
      }
      result = { outcome: 'retry', status: null, error: `internal: ${error instanceof Error ? error.message : String(error)}`, retryAfterSec: null };
    }
    const kind = first.item.kind;
    if (result.outcome === 'delivered') {
      const now = nowSeconds(this.o.clock);
      await store.transaction((trx) => outbox.markDone(trx, this.id, ids, now));
      this.o.observer?.delivered(kind);
      return;
    }
    if (result.outcome === 'rejected') {
      const error = result.error;
      await store.transaction((trx) => outbox.markDead(trx, this.id, ids, error));
      this.o.observer?.failed(kind, 'rejected', result.status);
      this.o.log.error(
        { kind, entity: first.entityKey, status: result.status, rows: ids.length },
        'Google rejected a real-time update: parked as a dead letter (replay after a fix)',
      );
      return;
    }
    const attempts = Math.max(...group.map((r) => r.attempts)) + 1;
    // Google's Retry-After wins (bounded to an hour); otherwise exponential backoff with full
    // jitter, at least a second so that one drain never retries the same failure in a loop.
    const backoff = retryDelaySeconds(result.retryAfterSec, attempts, this.o.maxBackoffSec ?? 300);
    const availableAt = secondsFromNow(this.o.clock, backoff);
    const error = result.error;
    await store.transaction((trx) => outbox.markRetry(trx, this.id, ids, availableAt, error));
    this.o.observer?.failed(kind, 'retry', result.status);
    this.o.log.warn({ kind, entity: first.entityKey, status: result.status, attempts, retryInSec: backoff }, 'real-time update not delivered; will retry');
  }

  private async deliverBooking(group: readonly OutboxRow[], renew: () => Promise<void>): Promise<CallResult> {
    const fields = new Set<BookingField>();
    let bookingId = '';
    for (const row of group) {
      if (row.item.kind !== 'booking') continue;
      bookingId = row.item.bookingId;
      for (const f of row.item.fields) fields.add(f);
    }
    const booking = await bookings.findBooking(this.o.store.db, bookingId);
    if (booking === null) return { outcome: 'rejected', status: 0, error: `booking ${bookingId} no longer exists` };
    const { mask, body } = bookingNotification(this.o.partnerId, booking, fields);
    await this.limiter.take();
    await renew();
    return this.o.api.patchBooking(booking.id, mask, body);
  }

  private async deliverAvailability(group: readonly OutboxRow[], renew: () => Promise<void>): Promise<CallResult> {
    const item = group[0]!.item;
    if (item.kind !== 'availability') throw new Error('not an availability row');
    const db = this.o.store.db;
    const merchant = await merchants.findMerchant(db, item.merchantId);
    const service = merchant === null ? null : await merchants.findService(db, item.merchantId, item.serviceId);
    if (merchant === null || service === null)
      return { outcome: 'rejected', status: 0, error: `merchant ${item.merchantId} / service ${item.serviceId} no longer exists` };
    // Every local day any row touched, replaced whole with the current state.
    const days = new Set<number>();
    for (const row of group) {
      if (row.item.kind !== 'availability') continue;
      let day = DateTime.fromSeconds(row.item.fromSec, { zone: merchant.timeZone }).startOf('day');
      while (day.toSeconds() < row.item.toSec) {
        days.add(day.toSeconds());
        day = day.plus({ days: 1 });
      }
    }
    const windows: ServiceWindow[] = [];
    for (const start of [...days].sort((a, b) => a - b)) {
      const end = DateTime.fromSeconds(start, { zone: merchant.timeZone }).plus({ days: 1 }).toSeconds();
      // A service that takes no bookings offers nothing: its days are sent empty, which clears them
      // (its slots are not in the daily feed either).
      const slots = service.booking.enabled ? await this.o.availability.list(item.merchantId, item.serviceId, start, end) : [];
      // The service's own format (spots_open or recurrence), exactly as the daily feed writes it.
      const availability = toGoogleAvailability(slots, service.booking.availabilityFormat, {
        confirmationMode: service.booking.confirmationMode,
        timeZone: merchant.timeZone,
      });
      windows.push({ merchantId: item.merchantId, serviceId: item.serviceId, fromSec: start, toSec: end, availability });
    }
    const perCall = this.o.maxWindowsPerCall ?? 100;
    for (let i = 0; i < windows.length; i += perCall) {
      const chunk = windows.slice(i, i + perCall);
      await this.limiter.take();
      await renew();
      const result = await this.o.api.replaceAvailability(availabilityReplace(chunk));
      if (result.outcome !== 'delivered') return result;
      // The batch is not atomic: "Only the successfully updated availability slots will be
      // returned". A window Google did not echo (none at all in a `{}` reply) was not applied: the
      // entity is retried like any failed delivery, every day again as a complete snapshot.
      const missing = unapplied(chunk, result.body);
      if (missing.length > 0) {
        const days = missing.map((w) => new Date(w.fromSec * 1000).toISOString()).join(', ');
        return {
          outcome: 'retry',
          status: result.status,
          error: `Google applied ${chunk.length - missing.length} of ${chunk.length} availability windows; not applied: ${days}`,
          retryAfterSec: null,
        };
      }
    }
    return { outcome: 'delivered', status: 200, body: null };
  }

  /**
   * A lease that expires gives its spot back without any write, so no update would follow: every
   * `leaseSweepSec` the spots of newly expired leases are put in the outbox (and delivered by the
   * rounds that follow), so Google hears of them within that delay plus one delivery.
   */
  private async sweepLeases(): Promise<void> {
    if (this.o.leases === undefined) return;
    const now = nowSeconds(this.o.clock);
    // A clock stepped back (lastSweep ahead of now) sweeps at once rather than waiting to catch up.
    if (now >= this.lastSweep && now - this.lastSweep < (this.o.leaseSweepSec ?? 30)) return;
    this.lastSweep = now;
    const announced = await this.o.leases.announceExpiredLeases();
    if (announced > 0) this.o.log.info({ leases: announced }, 'expired leases gave their spots back; availability updates queued');
  }

  /** Delivered rows are history: kept a week for inspection, then deleted. */
  private async prune(): Promise<void> {
    const now = nowSeconds(this.o.clock);
    if (now - this.lastPrune < 600) return;
    this.lastPrune = now;
    await this.o.store.transaction((trx) => outbox.pruneDelivered(trx, now - 7 * 86_400));
  }
}
