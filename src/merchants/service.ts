// Merchant-side management: merchants, opening hours, services and tables, validated before
// they are stored so that the booking paths can trust them.
import { nowSeconds, type Clock } from '../clock.js';
import { DomainError, invalid } from '../errors.js';
import type { Store, Tx } from '../store/database.js';
import { type BookingRules, DEFAULT_TURN_TIMES, type TurnTime, type WaitlistRules } from './rules.js';
import { GUEST_LANGUAGES, type DiningTable, type GuestMessageSettings, type Merchant, type Service } from './model.js';
import { isValidTimeZone, validateOpeningIntervals, type OpeningInterval } from './opening-hours.js';
import { MerchantConfigs } from './configs.js';
import * as repo from './repository.js';

const ID = /^[A-Za-z0-9._~:-]{1,100}$/;

export const DEFAULT_WAITLIST_RULES: WaitlistRules = {
  enabled: true,
  paused: false,
  minPartySize: 1,
  maxPartySize: 10,
  maxQueueLength: null,
  allowedPhoneCountries: [],
  supportsAdditionalRequest: true,
  confirmationMode: 'SYNCHRONOUS',
  walkInWhenNoWait: false,
  maxQuotedWaitMinutes: null,
  callMerchantAboveMaxPartySize: false,
};

function checkId(id: string, what: string): void {
  if (!ID.test(id)) throw invalid(`${what} must be 1-100 characters of letters, digits and . _ ~ : -`);
}

function checkTurnTimes(turnTimes: readonly TurnTime[]): void {
  if (turnTimes.length === 0) throw invalid('turn_times needs at least one entry');
  for (const [i, t] of turnTimes.entries()) {
    if (!Number.isInteger(t.maxPartySize) || t.maxPartySize < 1) throw invalid(`turn_times[${i}].max_party_size must be a positive integer`);
    if (!Number.isInteger(t.minutes) || t.minutes < 1 || t.minutes > 24 * 60) throw invalid(`turn_times[${i}].minutes must be 1-1440`);
  }
}

function checkGuestMessages(g: GuestMessageSettings): void {
  if (!(GUEST_LANGUAGES as readonly string[]).includes(g.language)) throw invalid(`guest_messages.language must be one of ${GUEST_LANGUAGES.join(', ')}`);
  if (g.graceMinutes !== null && (!Number.isInteger(g.graceMinutes) || g.graceMinutes < 1 || g.graceMinutes > 240)) {
    throw invalid('guest_messages.grace_minutes must be 1-240, or null for no grace timer');
  }
  if (g.almostTurnPosition !== null && (!Number.isInteger(g.almostTurnPosition) || g.almostTurnPosition < 1 || g.almostTurnPosition > 50)) {
    throw invalid('guest_messages.almost_turn_position must be 1-50, or null for no "almost your turn" text');
  }
}

function checkRules(r: WaitlistRules): void {
  if (r.minPartySize < 1) throw invalid('waitlist.min_party_size must be at least 1');
  if (r.maxPartySize < r.minPartySize) throw invalid('waitlist.max_party_size must not be below min_party_size');
  if (r.maxQueueLength !== null && r.maxQueueLength < 0) throw invalid('waitlist.max_queue_length must not be negative');
  for (const country of r.allowedPhoneCountries) {
    if (!/^[A-Z]{2}$/.test(country)) throw invalid(`waitlist.allowed_phone_countries: "${country}" is not an ISO 3166-1 alpha-2 code`);
  }
}

function checkBookingRules(b: BookingRules): void {
  if (b.minPartySize < 1) throw invalid('booking.min_party_size must be at least 1');
  if (b.maxPartySize < b.minPartySize) throw invalid('booking.max_party_size must not be below min_party_size');
  if (b.cancelBeforeStartSec < 0) throw invalid('booking.cancel_before_start_sec must not be negative');
  if (b.userBookingLimit !== null && b.userBookingLimit < 1) throw invalid('booking.user_booking_limit must be at least 1');
  if (b.maxLeaseSec < 1) throw invalid('booking.max_lease_sec must be at least 1');
}

function checkTables(tables: readonly DiningTable[]): void {
  const seen = new Set<string>();
  for (const [i, t] of tables.entries()) {
    checkId(t.id, `tables[${i}].id`);
    if (seen.has(t.id)) throw invalid(`tables[${i}].id "${t.id}" appears twice`);
    seen.add(t.id);
    if (t.seats < 1 || t.minSeats < 1 || t.minSeats > t.seats) throw invalid(`tables[${i}]: need 1 <= min_seats <= seats`);
  }
}

export interface MerchantInput extends Omit<repo.MerchantWrite, 'turnTimes'> {
  readonly turnTimes?: readonly TurnTime[];
  readonly openingHours: readonly OpeningInterval[];
}

/**
 * A check a capability above merchants makes of a change to a service's rules, inside the change's
 * transaction (the service row locked); it throws a DomainError to refuse the change. The composition
 * root (src/app.ts) wires the checks in, so merchants never imports the capabilities that configure it.
 */
export type ServiceChangeCheck = (trx: Tx, current: Service, next: repo.ServiceWrite, now: number) => Promise<void>;

/**
 * The same for a change of the merchant itself (its time zone, say), inside the change's
 * transaction: it may refuse the change, or record what the change causes (an update to Google).
 */
export type MerchantChangeCheck = (trx: Tx, current: Merchant, next: repo.MerchantWrite, now: number) => Promise<void>;

export class MerchantService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly serviceChangeChecks: readonly ServiceChangeCheck[] = [],
    /** The in-memory read model of merchants' configuration, which every change here drops after its commit. */
    readonly configs: MerchantConfigs = new MerchantConfigs(store, 500),
    private readonly merchantChangeChecks: readonly MerchantChangeCheck[] = [],
  ) {}

  /**
   * Drops the merchant from the in-memory read model; called once a transaction that changed the
   * merchant through setDeactivatedIn has committed (the others here call it themselves).
   */
  invalidate(merchantId: string): void {
    this.configs.invalidate(merchantId);
  }

  /** Runs a change of the merchant's configuration and drops it from the read model after the commit, or after a failure. */
  private async changing<T>(merchantId: string, change: () => Promise<T>): Promise<T> {
    try {
      return await change();
    } finally {
      this.configs.invalidate(merchantId);
    }
  }

  private checkMerchant(m: repo.MerchantWrite, hours: readonly OpeningInterval[]): void {
    checkId(m.id, 'id');
    if (m.name.trim() === '') throw invalid('name is required');
    if (!isValidTimeZone(m.timeZone)) throw invalid(`time_zone "${m.timeZone}" is not an IANA time zone`);
    checkTurnTimes(m.turnTimes);
    if (m.guestMessages !== undefined) checkGuestMessages(m.guestMessages);
    const hoursError = validateOpeningIntervals(hours);
    if (hoursError !== null) throw invalid(hoursError);
  }

  async get(id: string): Promise<Merchant> {
    const merchant = await repo.findMerchant(this.store.db, id);
    if (merchant === null) throw new DomainError('NOT_FOUND', `unknown merchant "${id}"`);
    return merchant;
  }

  list(onlyId: string | null): Promise<Merchant[]> {
    return repo.listMerchants(this.store.db, onlyId);
  }

  async create(input: MerchantInput): Promise<Merchant> {
    const write = { ...input, turnTimes: input.turnTimes ?? DEFAULT_TURN_TIMES };
    this.checkMerchant(write, input.openingHours);
    const now = nowSeconds(this.clock);
    await this.changing(input.id, () =>
      this.store.transaction(async (trx) => {
        if (!(await repo.insertMerchant(trx, write, now))) throw new DomainError('ALREADY_EXISTS', `merchant "${input.id}" already exists`);
        await repo.replaceOpeningHours(trx, input.id, input.openingHours);
      }),
    );
    return this.get(input.id);
  }

  /** Applies `change` to the stored merchant and stores the result, all in one transaction. */
  async update(id: string, change: (current: Merchant) => MerchantInput): Promise<Merchant> {
    const now = nowSeconds(this.clock);
    await this.changing(id, () =>
      this.store.transaction(async (trx) => {
        const current = await repo.findMerchant(trx, id);
        if (current === null) throw new DomainError('NOT_FOUND', `unknown merchant "${id}"`);
        const next = change(current);
        const write = { ...next, id, turnTimes: next.turnTimes ?? current.turnTimes };
        this.checkMerchant(write, next.openingHours);
        for (const check of this.merchantChangeChecks) await check(trx, current, write, now);
        await repo.updateMerchant(trx, write, now);
        await repo.replaceOpeningHours(trx, id, next.openingHours);
      }),
    );
    return this.get(id);
  }

  /**
   * Marks a merchant (serviceId null) or one service deactivated at `now`, or active again (`now`
   * null), in the caller's transaction; the row lock it takes makes bookings and joins that read
   * the flag in share mode wait for the outcome. False when there is no such merchant or service.
   */
  setDeactivatedIn(trx: Tx, merchantId: string, serviceId: string | null, now: number | null): Promise<boolean> {
    return repo.setDeactivated(trx, merchantId, serviceId, now);
  }

  async getService(merchantId: string, serviceId: string): Promise<Service> {
    const service = await repo.findService(this.store.db, merchantId, serviceId);
    if (service === null) throw new DomainError('NOT_FOUND', `unknown service "${serviceId}" of merchant "${merchantId}"`);
    return service;
  }

  async listServices(merchantId: string): Promise<Service[]> {
    await this.get(merchantId);
    return repo.listServices(this.store.db, merchantId);
  }

  async createService(s: repo.ServiceWrite): Promise<Service> {
    checkId(s.id, 'id');
    if (s.name.trim() === '') throw invalid('name is required');
    checkRules(s.waitlist);
    if (s.booking) checkBookingRules(s.booking);
    await this.get(s.merchantId);
    if (!(await this.changing(s.merchantId, () => repo.insertService(this.store.db, s, nowSeconds(this.clock))))) {
      throw new DomainError('ALREADY_EXISTS', `service "${s.id}" already exists for merchant "${s.merchantId}"`);
    }
    return this.getService(s.merchantId, s.id);
  }

  async updateService(merchantId: string, serviceId: string, change: (current: Service) => repo.ServiceWrite): Promise<Service> {
    await this.changing(merchantId, () =>
      this.store.transaction(async (trx) => {
        const current = await repo.lockService(trx, this.store.dialect, merchantId, serviceId);
        if (current === null) throw new DomainError('NOT_FOUND', `unknown service "${serviceId}" of merchant "${merchantId}"`);
        const next = { ...change(current), merchantId, id: serviceId };
        if (next.name.trim() === '') throw invalid('name is required');
        checkRules(next.waitlist);
        if (next.booking) checkBookingRules(next.booking);
        for (const check of this.serviceChangeChecks) await check(trx, current, next, nowSeconds(this.clock));
        await repo.updateService(trx, next, nowSeconds(this.clock));
      }),
    );
    return this.getService(merchantId, serviceId);
  }

  async listTables(merchantId: string): Promise<DiningTable[]> {
    await this.get(merchantId);
    return repo.listTables(this.store.db, merchantId);
  }

  async replaceTables(merchantId: string, tables: readonly DiningTable[]): Promise<DiningTable[]> {
    checkTables(tables);
    await this.get(merchantId);
    await this.changing(merchantId, () => this.store.transaction((trx) => repo.replaceTables(trx, merchantId, tables)));
    return repo.listTables(this.store.db, merchantId);
  }
}
