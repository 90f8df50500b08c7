// Availability use cases: live lookups for Google (BatchAvailabilityLookup, CheckAvailability)
// and the merchant's replace of a window of slots (Google's availability-replace semantics).
import { nowSeconds, type Clock } from '../clock.js';
import { DomainError, invalid } from '../errors.js';
import type { Service } from '../merchants/model.js';
import type { MerchantChangeCheck, ServiceChangeCheck } from '../merchants/service.js';
import * as merchants from '../merchants/read-model.js';
import type { Store } from '../store/database.js';
import {
  expandEntry,
  expandWeeklySchedule,
  scheduleWindow,
  validateEntry,
  validateWeeklySchedule,
  type AvailabilityEntry,
  type SlotSpec,
  type TimeRange,
  type WeeklySchedule,
} from './expansion.js';
import { slotMatches, type SlotQuery } from './matching.js';
import * as slots from './repository.js';
import { openSpots, type StoredSlot } from './slot.js';
import type { AvailabilityListener } from './events.js';
import { dayOf, type LiveSlots, type SlotDay } from './live-slots.js';

/** A lookup whose slot times fall on more service days than this reads them from the store instead of keeping them. */
const MAX_KEPT_DAYS_PER_LOOKUP = 8;

/** Longest window one replace may cover; keeps a single transaction bounded. */
const MAX_WINDOW_SEC = 400 * 86_400;
/**
 * Most slots one write may produce. The window bound alone allowed millions (a 1-minute weekly
 * schedule over 400 days is 576,000 slots, tens of seconds under the write lock, during which every
 * other request waits); 50,000 is 15-minute slots around the clock for over a year.
 */
const MAX_SLOTS_PER_WRITE = 50_000;
const tooManySlots = (): DomainError => invalid(`one write may produce at most ${MAX_SLOTS_PER_WRITE} slots; split the window`);

/**
 * Slots a (valid) weekly schedule makes, counted without expanding it, since expanding is the slow
 * part: matching dates times starts per day (a DST overlap or exceptions change it by a few).
 */
function scheduleSize(s: WeeklySchedule): number {
  const minutes = (hhmm: string): number => {
    const [h = 0, m = 0] = hhmm.split(':').map(Number);
    return h * 60 + m;
  };
  const perDay = Math.floor((minutes(s.lastStart) - minutes(s.firstStart)) / s.repeatEveryMinutes) + 1;
  let dates = 0;
  const last = Date.parse(`${s.toDate}T00:00:00Z`);
  for (let day = Date.parse(`${s.fromDate}T00:00:00Z`); day <= last; day += 86_400_000) {
    if (s.days.includes(((new Date(day).getUTCDay() + 6) % 7) + 1)) dates += 1;
  }
  return dates * perDay;
}

export interface SlotWithOpen extends StoredSlot {
  readonly spotsOpen: number;
}

export class AvailabilityService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly listener: AvailabilityListener,
    /** Merchants' configuration in memory, for lookups. */
    private readonly configs: merchants.MerchantConfigs = new merchants.MerchantConfigs(store, 500),
    /** Services' slots in memory, a day at a time, for lookups; null: every lookup reads the store. */
    readonly liveSlots: LiveSlots | null = null,
  ) {}

  /** Wired into MerchantService: a service switches to recurrences only when its upcoming slots can be described by them. */
  readonly checkServiceChange: ServiceChangeCheck = async (trx, current, next, now) => {
    if (next.booking?.availabilityFormat === 'recurrence' && current.booking.availabilityFormat !== 'recurrence') {
      // Recurrences carry one spot per instance: upcoming slots with other capacities cannot be described.
      const blocking = await slots.countNonSingleSlots(trx, current.merchantId, current.id, now);
      if (blocking > 0) {
        throw invalid(
          `booking.availability_format "recurrence" needs spots_total 1 on every slot; ${blocking} upcoming slot(s) of this service have another capacity`,
        );
      }
    }
  };

  /**
   * Wired into MerchantService: a change of the booking rules that changes what Google is told
   * (bookings on or off, party sizes, confirmation mode, format) announces the service's upcoming
   * slots, in the transaction of the change. Opening hours do not gate bookable slots, so a change
   * of hours announces nothing.
   */
  readonly announceServiceChange: ServiceChangeCheck = async (trx, current, next, now) => {
    const before = current.booking;
    const after = next.booking;
    // A write without booking rules resets them to the defaults, which take no bookings.
    const changed =
      after === undefined
        ? before.enabled
        : after.enabled !== before.enabled ||
          after.minPartySize !== before.minPartySize ||
          after.maxPartySize !== before.maxPartySize ||
          after.confirmationMode !== before.confirmationMode ||
          after.availabilityFormat !== before.availabilityFormat;
    if (!changed) return;
    const span = await slots.upcomingSpan(trx, current.merchantId, current.id, now);
    if (span === null) return;
    await this.listener.availabilityChanged(trx, { merchantId: current.merchantId, serviceId: current.id, fromSec: span.first, toSec: span.last + 1 }, now);
  };

  /**
   * Wired into MerchantService: a new time zone moves the merchant's local days, which the
   * availability Google holds is cut into (an update replaces whole local days; recurrences and
   * their exceptions are grouped by them): every bookable service announces its upcoming slots, in
   * the transaction of the change, as a change of its booking rules does. Other merchant changes
   * (opening hours included, which do not gate bookable slots) announce nothing.
   */
  readonly announceMerchantChange: MerchantChangeCheck = async (trx, current, next, now) => {
    if (next.timeZone === current.timeZone) return;
    for (const service of await merchants.listServices(trx, current.id)) {
      if (!service.booking.enabled) continue;
      const span = await slots.upcomingSpan(trx, current.id, service.id, now);
      if (span === null) continue;
      await this.listener.availabilityChanged(trx, { merchantId: current.id, serviceId: service.id, fromSec: span.first, toSec: span.last + 1 }, now);
    }
  };

  /**
   * What `lookup` answers, computed without waiting when everything it needs is in memory and
   * current: the merchant's configuration as a read takes it (MerchantConfigs.peek) and the kept
   * slots of every service day the queries fall on (LiveSlots.peek); null otherwise, and the
   * caller asks `lookup`, which reads what is missing.
   */
  lookupKept(merchantId: string, queries: readonly SlotQuery[]): number[] | null {
    const live = this.liveSlots;
    const config = this.configs.peek(merchantId);
    if (live === null || config === undefined) return null;
    const bookable = bookableIn(config);
    const now = nowSeconds(this.clock);
    const wanted = queries.filter((q) => bookable(q.serviceId) !== undefined && q.startSec > now);
    if (wanted.length === 0) return queries.map(() => 0);
    const days = dayKeys(wanted);
    if (days === null) return null;
    const kept = new Map<string, Map<number, SlotDay>>();
    for (const [serviceId, byDay] of days) {
      const out = new Map<number, SlotDay>();
      kept.set(serviceId, out);
      for (const day of byDay) {
        const slotsOfDay = live.peek(merchantId, serviceId, day, now, config);
        if (slotsOfDay === undefined) return null;
        out.set(day, slotsOfDay);
      }
    }
    return fromKeptDays(kept, queries, now, bookable);
  }

  /**
   * For each query, the open spots of the best matching slot now (0: none). The merchant's
   * services come from memory (merchants/configs.ts), and so do the slots of the days the queries
   * fall on, with their open spots (live-slots.ts: none of its queries while they are kept, one per
   * service and day read). Without them, or for queries over more than a few service days: one
   * prepared query whatever the number of slot times when they name one service (the slots and the
   * spots held on them), three when they name several: the slots in range, the bookings and the
   * leases holding them.
   */
  async lookup(merchantId: string, queries: readonly SlotQuery[]): Promise<number[]> {
    const config = await this.configs.get(merchantId);
    if (config === null) throw new DomainError('UNKNOWN_MERCHANT', `unknown merchant_id "${merchantId}"`);
    const bookable = bookableIn(config);
    const now = nowSeconds(this.clock);
    const wanted = queries.filter((q) => bookable(q.serviceId) !== undefined && q.startSec > now);
    if (wanted.length === 0) return queries.map(() => 0);
    const days = this.liveSlots === null ? null : dayKeys(wanted);
    if (this.liveSlots !== null && days !== null) {
      const live = this.liveSlots;
      const kept = new Map<string, Map<number, SlotDay>>();
      const reads: Promise<void>[] = [];
      for (const [serviceId, byDay] of days) {
        const out = new Map<number, SlotDay>();
        kept.set(serviceId, out);
        for (const day of byDay) reads.push(live.get(merchantId, serviceId, day, now, config).then((slotsOfDay) => void out.set(day, slotsOfDay)));
      }
      await Promise.all(reads);
      return fromKeptDays(kept, queries, now, bookable);
    }
    let from = Number.POSITIVE_INFINITY;
    let to = Number.NEGATIVE_INFINITY;
    for (const q of wanted) {
      from = Math.min(from, q.startSec);
      to = Math.max(to, q.startSec + 1);
    }
    const serviceIds = [...new Set(wanted.map((q) => q.serviceId))];
    const db = this.store.db;
    const [candidates, held] =
      serviceIds.length === 1
        ? await slots.serviceSlotsWithHeld(db, merchantId, serviceIds[0]!, from, to, now).then((r) => [r.slots, r.held] as const)
        : await Promise.all([slots.slotsInRange(db, merchantId, serviceIds, from, to), slots.heldForMerchants(db, [merchantId], from, to, now)]);
    return queries.map((q) => {
      const service = bookable(q.serviceId);
      if (service === undefined || q.startSec <= now) return 0;
      let best = 0;
      for (const slot of candidates) {
        if (!slotMatches(slot, q, service.booking)) continue;
        best = Math.max(best, openSpots(slot, held));
      }
      return best;
    });
  }

  /** Replaces the service's slots starting inside `window` with the expansion of `entries`. */
  async replace(
    merchantId: string,
    serviceId: string,
    window: TimeRange,
    entries: readonly AvailabilityEntry[],
    restricts: slots.ReplaceRestricts = {},
  ): Promise<number> {
    if (!(window.endSec > window.beginSec) || window.endSec - window.beginSec > MAX_WINDOW_SEC) {
      throw invalid('the window must have end > start and cover at most 400 days');
    }
    const expanded: SlotSpec[] = [];
    for (const [i, entry] of entries.entries()) {
      const error = validateEntry(entry);
      if (error !== null) throw invalid(`availability[${i}]: ${error}`);
      for (const slot of expandEntry(entry)) {
        if (slot.startSec < window.beginSec || slot.startSec >= window.endSec) {
          throw invalid(`availability[${i}]: a slot at ${slot.startSec} falls outside the window [${window.beginSec}, ${window.endSec})`);
        }
        if (expanded.length >= MAX_SLOTS_PER_WRITE) throw tooManySlots();
        expanded.push(slot);
      }
    }
    await this.write(merchantId, serviceId, window, expanded, restricts);
    return expanded.length;
  }

  /** Replaces the days a weekly schedule covers (merchant's local dates) with its slots. */
  async applySchedule(merchantId: string, serviceId: string, schedule: WeeklySchedule): Promise<{ window: TimeRange; slots: number }> {
    const merchant = await merchants.findMerchant(this.store.db, merchantId);
    if (merchant === null) throw new DomainError('NOT_FOUND', `unknown merchant "${merchantId}"`);
    const error = validateWeeklySchedule(schedule, merchant.timeZone);
    if (error !== null) throw invalid(error);
    // Counted before expanding (the slow part), and said, so that a caller can see how far over it is.
    const size = scheduleSize(schedule);
    if (size > MAX_SLOTS_PER_WRITE)
      throw invalid(`this schedule makes ${size} slots; one write may produce at most ${MAX_SLOTS_PER_WRITE} slots; split the window`);
    const window = scheduleWindow(schedule, merchant.timeZone);
    const expanded = expandWeeklySchedule(schedule, merchant.timeZone);
    if (expanded.length > MAX_SLOTS_PER_WRITE) throw tooManySlots();
    await this.write(merchantId, serviceId, window, expanded);
    return { window, slots: expanded.length };
  }

  private async write(
    merchantId: string,
    serviceId: string,
    window: TimeRange,
    expanded: readonly SlotSpec[],
    restricts: slots.ReplaceRestricts = {},
  ): Promise<void> {
    await this.store.transaction(async (trx) => {
      const service = await merchants.lockService(trx, this.store.dialect, merchantId, serviceId);
      if (service === null) throw new DomainError('NOT_FOUND', `unknown service "${serviceId}" of merchant "${merchantId}"`);
      // A recurrence describes one spot per instance (docs/FEEDS.md): other capacities are refused
      // here rather than sent to Google in a second format for the same service.
      const multi = service.booking.availabilityFormat === 'recurrence' ? expanded.find((s) => s.spotsTotal !== 1) : undefined;
      if (multi !== undefined) {
        throw invalid(`service "${serviceId}" uses booking.availability_format "recurrence", where every slot has spots_total 1 (got ${multi.spotsTotal})`);
      }
      await slots.replaceWindow(trx, merchantId, serviceId, window, expanded, restricts);
      // Real-time update: Google replaces the same window with what is stored now.
      await this.listener.availabilityChanged(trx, { merchantId, serviceId, fromSec: window.beginSec, toSec: window.endSec }, nowSeconds(this.clock));
    });
  }

  /** The service's slots starting in [fromSec, toSec) with their open spots. */
  async list(merchantId: string, serviceId: string, fromSec: number, toSec: number): Promise<SlotWithOpen[]> {
    if (!(toSec > fromSec) || toSec - fromSec > MAX_WINDOW_SEC) throw invalid('need from < to, at most 400 days apart');
    const now = nowSeconds(this.clock);
    const [list, held] = await Promise.all([
      slots.slotsInRange(this.store.db, merchantId, [serviceId], fromSec, toSec),
      slots.heldForMerchants(this.store.db, [merchantId], fromSec, toSec, now),
    ]);
    return list.map((s) => ({ ...s, spotsOpen: openSpots(s, held) }));
  }
}

/** The merchant's service of that id when it takes bookings. */
function bookableIn(config: merchants.MerchantConfig): (serviceId: string) => Service | undefined {
  return (serviceId) => {
    const service = config.services.get(serviceId);
    return service?.booking.enabled ? service : undefined;
  };
}

/** The service days the queries fall on (service -> days), or null when they are more than a lookup takes from memory. */
function dayKeys(wanted: readonly SlotQuery[]): Map<string, Set<number>> | null {
  const days = new Map<string, Set<number>>();
  let count = 0;
  for (const q of wanted) {
    let byDay = days.get(q.serviceId);
    if (byDay === undefined) {
      byDay = new Set();
      days.set(q.serviceId, byDay);
    }
    const day = dayOf(q.startSec);
    if (byDay.has(day)) continue;
    if (++count > MAX_KEPT_DAYS_PER_LOOKUP) return null;
    byDay.add(day);
  }
  return days;
}

/** Each query's open spots from the kept slots of its service day (the best matching slot; 0: none). */
function fromKeptDays(
  kept: ReadonlyMap<string, ReadonlyMap<number, SlotDay>>,
  queries: readonly SlotQuery[],
  now: number,
  bookable: (serviceId: string) => Service | undefined,
): number[] {
  return queries.map((q) => {
    const service = bookable(q.serviceId);
    if (service === undefined || q.startSec <= now) return 0;
    let best = 0;
    for (const { slot, open } of kept.get(q.serviceId)?.get(dayOf(q.startSec))?.get(q.startSec) ?? []) {
      if (slotMatches(slot, q, service.booking)) best = Math.max(best, open);
    }
    return best;
  });
}
