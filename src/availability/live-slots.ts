// The slots of a service in memory with their open spots, a day at a time (issue 17), for
// BatchAvailabilityLookup and CheckAvailability, which would otherwise read them (and the spots
// that bookings and live leases hold on them) from the database at every request. A day is one
// UTC day of one merchant's service, read in one query (repository.serviceSlotsWithHeld), and kept
// with each slot's open spots worked out. Dropped:
// - in this process, once a transaction that moved open spots commits: every such change is told
//   to the availability listener (a booking made, cancelled, moved or declined, a lease taken or
//   expired, a window of slots replaced; the real-time updates to Google come from the same calls),
//   and src/app.ts has the listener drop the days it covers (`changedIn`, store afterCommit);
// - when the leases it counted start to expire: a day is kept only while the clock is before the
//   earliest expiry among them;
// - for writes made elsewhere (another replica, the CLI), by age: a day read more than `maxAgeMs`
//   ago is never answered, and is read again (READ_MODEL_CHECK_MS, 500 ms by default); a day past
//   half that age is read again in the background while still answered, so that a busy service's
//   lookups do not all wait for that read (at most about four queries a second per busy service,
//   day and process, whatever the load);
// - when the merchant's configuration in memory changes (merchants/configs.ts: its own stamps and,
//   on PostgreSQL, notifications), since a day is kept with the configuration it was read under.
// So a lookup is never behind a change this process has acknowledged and at most `maxAgeMs` (plus
// one query) behind one made elsewhere. No trigger or notification per booking: that would add a
// write, or serialise PostgreSQL's commits on its notification queue, on the write paths.
// Bookings never use it: a booking checks the slot's spots under lock in its transaction, so a
// stale lookup can only lead to a clean SLOT_UNAVAILABLE.
import { afterCommit, type Store, type Tx } from '../store/database.js';
import type { AvailabilityChange } from './events.js';
import { serviceSlotsWithHeld } from './repository.js';
import { openSpots, type StoredSlot } from './slot.js';

export const DAY_SEC = 86_400;
/** Service days kept at most; the service kept longest ago leaves first (read again when asked for). */
const MAX_DAYS = 20_000;

/** A slot with its open spots when its day was read. */
export interface OpenSlot {
  readonly slot: StoredSlot;
  readonly open: number;
}

/** The slots of one service starting on one UTC day, by start. */
export type SlotDay = ReadonlyMap<number, readonly OpenSlot[]>;

interface Read {
  readonly slots: SlotDay;
  /** Epoch seconds from which the counts no longer hold (a counted lease expires); Infinity: none. */
  readonly until: number;
}

interface Kept extends Read {
  /** performance.now() when its query started. */
  readonly readAt: number;
  /** The merchant's configuration it was read under. */
  readonly basis: object;
}

interface Loading {
  readonly promise: Promise<Read>;
  readonly basis: object;
  /** Set when its slots changed while reading: the result is answered but not kept. */
  stale: boolean;
}

/** The UTC day (days since the epoch) a start falls on. */
export function dayOf(startSec: number): number {
  return Math.floor(startSec / DAY_SEC);
}

export class LiveSlots {
  /** Merchant and service (serviceKey) -> day -> its slots. */
  readonly #kept = new Map<string, Map<number, Kept>>();
  readonly #loading = new Map<string, Map<number, Loading>>();
  #keptDays = 0;
  /** Days read from the store so far (tests count them). */
  loads = 0;

  constructor(
    private readonly store: Store,
    /** A day read longer ago than this is read again. */
    readonly maxAgeMs: number,
  ) {}

  /** The service's slots starting on `day` with their open spots at `now` (epoch seconds), read under `basis` (the merchant's configuration). */
  async get(merchantId: string, serviceId: string, day: number, now: number, basis: object): Promise<SlotDay> {
    const kept = this.peek(merchantId, serviceId, day, now, basis);
    if (kept !== undefined) return kept;
    const key = serviceKey(merchantId, serviceId);
    const loading = this.#loading.get(key)?.get(day);
    if (loading !== undefined && loading.basis === basis) {
      const read = await loading.promise;
      if (now < read.until) return read.slots;
    }
    return (await this.#load(key, merchantId, serviceId, day, now, basis)).slots;
  }

  /** The day's slots when `get` would answer them from memory (kept under `basis`, still counting and young enough); undefined otherwise. */
  peek(merchantId: string, serviceId: string, day: number, now: number, basis: object): SlotDay | undefined {
    const key = serviceKey(merchantId, serviceId);
    const kept = this.#kept.get(key)?.get(day);
    if (kept === undefined || kept.basis !== basis || now >= kept.until) return undefined;
    const age = performance.now() - kept.readAt;
    if (age >= this.maxAgeMs) return undefined;
    // Past half its age, the day is read again in the background while it is still answered:
    // under load no request waits for the read that the age bound makes due.
    if (age >= this.maxAgeMs / 2 && this.#loading.get(key)?.get(day) === undefined) this.#load(key, merchantId, serviceId, day, now, basis).catch(() => {});
    return kept.slots;
  }

  /** Has the days `change` covers dropped once the transaction `trx` commits. Called by the availability listener. */
  changedIn(trx: Tx, change: AvailabilityChange): void {
    afterCommit(trx, () => this.invalidate(change));
  }

  /** Drops the service's days that `change` covers (slots starting in [fromSec, toSec)). */
  invalidate(change: AvailabilityChange): void {
    const key = serviceKey(change.merchantId, change.serviceId);
    const first = dayOf(change.fromSec);
    const last = dayOf(Math.max(change.fromSec, change.toSec - 1));
    const kept = this.#kept.get(key);
    if (kept !== undefined) {
      for (const day of kept.keys()) {
        if (day < first || day > last) continue;
        kept.delete(day);
        this.#keptDays -= 1;
      }
      if (kept.size === 0) this.#kept.delete(key);
    }
    const loading = this.#loading.get(key);
    if (loading !== undefined) {
      for (const [day, l] of loading) {
        if (day < first || day > last) continue;
        l.stale = true;
        loading.delete(day);
      }
      if (loading.size === 0) this.#loading.delete(key);
    }
  }

  async #load(key: string, merchantId: string, serviceId: string, day: number, now: number, basis: object): Promise<Read> {
    this.loads += 1;
    const readAt = performance.now();
    const loading: Loading = {
      basis,
      stale: false,
      promise: this.#read(merchantId, serviceId, day, now).finally(() => {
        const days = this.#loading.get(key);
        if (days?.get(day) === loading) {
          days.delete(day);
          if (days.size === 0) this.#loading.delete(key);
        }
      }),
    };
    inner(this.#loading, key).set(day, loading);
    const read = await loading.promise;
    if (!loading.stale) this.#keep(key, day, { ...read, readAt, basis });
    return read;
  }

  async #read(merchantId: string, serviceId: string, day: number, now: number): Promise<Read> {
    const { slots, held, heldUntil } = await serviceSlotsWithHeld(this.store.db, merchantId, serviceId, day * DAY_SEC, (day + 1) * DAY_SEC, now);
    const byStart = new Map<number, OpenSlot[]>();
    for (const slot of slots) {
      const open: OpenSlot = { slot, open: openSpots(slot, held) };
      const list = byStart.get(slot.startSec);
      if (list === undefined) byStart.set(slot.startSec, [open]);
      else list.push(open);
    }
    return { slots: byStart, until: heldUntil ?? Number.POSITIVE_INFINITY };
  }

  #keep(key: string, day: number, kept: Kept): void {
    let days = this.#kept.get(key);
    const current = days?.get(day);
    // A read that started earlier than the one kept does not replace it.
    if (current !== undefined && current.readAt > kept.readAt) return;
    if (current === undefined) {
      while (this.#keptDays >= MAX_DAYS && this.#kept.size > 0) {
        const [oldest, oldestDays] = this.#kept.entries().next().value!;
        this.#kept.delete(oldest);
        this.#keptDays -= oldestDays.size;
      }
      days = this.#kept.get(key);
      if (days === undefined) {
        days = new Map();
        this.#kept.set(key, days);
      }
      this.#keptDays += 1;
    }
    days!.set(day, kept);
  }
}

/** One string per merchant and service (ids may hold any character, so no separator would do). */
function serviceKey(merchantId: string, serviceId: string): string {
  return JSON.stringify([merchantId, serviceId]);
}

function inner<V>(outer: Map<number | string, Map<number, V>>, key: string): Map<number, V> {
  let map = outer.get(key);
  if (map === undefined) {
    map = new Map();
    outer.set(key, map);
  }
  return map;
}
