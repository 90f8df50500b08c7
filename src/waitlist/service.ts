// Waitlist use cases. Each opens one transaction; Google's calls and the merchant's host stand
// go through the same functions, so an entry behaves the same whichever channel created it.
import { nowSeconds, type Clock } from '../clock.js';
import { DomainError, invalid } from '../errors.js';
import type { Actor } from '../merchants/actor.js';
import type { DiningTable, Merchant, Service } from '../merchants/model.js';
import { isOpenAt, utcOffsetMinutes } from '../merchants/opening-hours.js';
import * as merchants from '../merchants/read-model.js';
import { type Db, type Store, type Tx, whenCommitted } from '../store/database.js';
import { newRowId } from '../store/ids.js';
import { runIdempotent, type IdempotencyKey } from '../store/idempotency.js';
import {
  EstimateMemo,
  estimateNewParty,
  estimateQueue,
  estimateQueuedParty,
  expectedLeaveAt,
  largestServable,
  type Estimate,
  type Floor,
} from './estimator.js';
import { learnedModelJson, NO_LEARNED_MODELS, type LearnedModel, type LearnedModelCache } from './learned-model.js';
import { LiveFloors, type FloorWrite, type QueuedAt } from './live-floors.js';
import type { Guest, HistoryParty, WaitlistEntry } from './model.js';
import * as entries from './repository.js';
import type { FloorParties, QueuedEntry } from './repository.js';
import { joinFailure, offer, type JoinFailure, type Situation, type WaitlistStatus } from './rules.js';
import { NO_LISTENER, type ChangeCause, type WaitlistListener } from './listener.js';
import { ACTIVE_STATES, isActive, transition, type WaitlistAction } from './state-machine.js';
import type { ConfirmationMode } from '../merchants/rules.js';

/** Seated parties older than this no longer hold a table in the model, whatever their turn time. */
const SEATED_LOOKBACK_SECONDS = 6 * 3600;

export interface WaitEstimateView {
  readonly partySize: number;
  readonly estimate: Estimate;
  readonly confirmationMode: ConfirmationMode;
}

/** What BatchGetWaitEstimates answers: whether the waitlist takes parties now, and the estimates it offers. */
export interface EstimatesResult {
  readonly status: WaitlistStatus;
  readonly estimates: readonly WaitEstimateView[];
}

/** Services whose last context from memory is kept (`#keptContext`); the oldest leaves first. */
const KEPT_CONTEXTS = 1000;

/** A service's context made from what is kept in memory, what it was made from, and the last estimates computed from it. */
interface KeptContext {
  readonly now: number;
  readonly config: merchants.MerchantConfig;
  readonly parties: FloorParties;
  readonly model: LearnedModel | null;
  readonly ctx: Context;
  estimates: { readonly sizes: readonly number[]; readonly result: EstimatesResult } | null;
}

function sameSizes(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export interface EntryView {
  readonly entry: WaitlistEntry;
  /** Current estimate while the party is in the queue; null otherwise. */
  readonly estimate: Estimate | null;
  /** When the view was computed (epoch seconds). */
  readonly asOf: number;
  readonly confirmationMode: ConfirmationMode;
}

/** What Google's GetWaitlistEntry answers of an entry: no personal data. */
export interface EntryStatusView {
  readonly entry: Pick<WaitlistEntry, 'id' | 'merchantId' | 'serviceId' | 'state' | 'partySize' | 'times'>;
  readonly estimate: Estimate | null;
  readonly asOf: number;
  readonly confirmationMode: ConfirmationMode;
}

export interface JoinCommand {
  readonly merchantId: string;
  readonly serviceId: string;
  readonly partySize: number;
  readonly guest: Guest;
  readonly additionalRequest: string | null;
  readonly source: Actor;
  /** Google's `user_information.language_code`, for the guest's texts; not stored on the entry. */
  readonly languageCode?: string | null;
}

export type JoinResult = { readonly entryId: string; readonly replayed: boolean } | { readonly failure: JoinFailure };

interface Context {
  readonly merchant: Merchant;
  readonly service: Service;
  readonly floor: Floor;
  readonly situation: Situation;
}

/** A join's floor and its write of the merchant's floors (LiveFloors), filled in by `load` in the join's transaction. */
interface JoinFloor {
  write: FloorWrite | null;
  /** SQLite: the floor the join decided on, and what LiveFloors.keepAfterJoin needs with it. */
  parties: FloorParties | null;
  since: number;
  readAt: number;
  dataVersion: number;
}

export class WaitlistService {
  /** The live floor of each service in memory, for reads outside a transaction (live-floors.ts). */
  readonly floors: LiveFloors;
  /** The last estimates per service, given again while its floor is unchanged (estimator.ts). */
  readonly #estimates = new EstimateMemo();
  /** Per service, the last context made from what is kept (`#keptContext`). */
  readonly #keptContexts = new Map<string, KeptContext>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    /** The stored learned models (src/estimates/ refreshes them in the background), cached by version; disabled: configured turn times. */
    private readonly models: LearnedModelCache = NO_LEARNED_MODELS,
    private readonly listener: WaitlistListener = NO_LISTENER,
    /** Merchants' configuration in memory, for reads outside a transaction. */
    private readonly configs: merchants.MerchantConfigs = new merchants.MerchantConfigs(store, 500),
    /** How long a live floor read from the store may serve reads (READ_MODEL_CHECK_MS; 0: not kept). */
    floorMaxAgeMs = 500,
  ) {
    this.floors = new LiveFloors(store, floorMaxAgeMs, models.enabled);
  }

  /**
   * Drops the merchant's live floors kept in memory, and keeps a join under way from leaving its
   * floor behind (LiveFloors.beginWrite): a caller that changes entries in its own transaction
   * (cancelOpenIn) calls it in that transaction before it writes, and again once it has committed
   * (or failed). WaitlistService does the same for its own transactions.
   */
  dropFloors(merchantId: string): void {
    this.floors.endWrite(this.floors.beginWrite(merchantId));
  }

  /**
   * A write transaction that changes the entries (or the learned model) of the merchants it
   * `touch`es, which it calls in the transaction before it writes: their live floors are dropped
   * then (LiveFloors.beginWrite) and again once it has committed (or failed).
   */
  private async writing<T>(work: (trx: Tx, touch: (merchantId: string) => void) => Promise<T>): Promise<T> {
    const touched = new Map<string, FloorWrite>();
    try {
      return await this.store.transaction((trx) =>
        work(trx, (merchantId) => {
          touched.set(merchantId, this.floors.beginWrite(merchantId));
        }),
      );
    } finally {
      for (const write of touched.values()) this.floors.endWrite(write);
    }
  }

  /**
   * A read outside a transaction (`q` the store's Db) takes the configuration and the live floor
   * from memory, or with `fresh` the live floor from the store (and keeps it); in a transaction,
   * everything as the transaction sees it.
   */
  private async load(
    q: Db | Tx,
    merchantId: string,
    serviceId: string,
    service?: Service | null | Promise<Service | null>,
    fresh = false,
    join?: JoinFloor,
  ): Promise<Context> {
    const now = nowSeconds(this.clock);
    const since = now - SEATED_LOOKBACK_SECONDS;
    let merchant: Merchant | null;
    let svc: Service | null;
    let tables: readonly DiningTable[];
    let parties: entries.FloorParties;
    if (q === this.store.db) {
      // A read: the configuration (merchants/configs.ts) and the live floor (live-floors.ts) from memory.
      const config = await this.configs.get(merchantId);
      merchant = config?.merchant ?? null;
      svc = (await service) ?? config?.services.get(serviceId) ?? null;
      tables = config?.tables ?? [];
      parties =
        merchant === null || svc === null
          ? { queue: [], seated: [], modelVersion: null }
          : fresh
            ? await this.floors.fresh(merchantId, serviceId, since)
            : await this.floors.get(merchantId, serviceId, since);
    } else {
      // In a transaction, everything as the transaction sees it: the merchant's configuration from
      // memory when it was loaded at the stamp the transaction reads (then it is what the
      // transaction would read: merchants/configs.ts), else read here (and loaded into memory
      // outside the transaction for the next write); the live floor always from the transaction.
      let version: number | null;
      if (join !== undefined && this.store.dialect === 'sqlite') {
        // A join on SQLite: its service's floor from memory when it is the database's at the data
        // version this transaction reads, else read here; either way this join's write of the
        // merchant's floors begins now (LiveFloors.claimForJoin).
        join.readAt = performance.now();
        let dataVersion: number;
        ({ version, dataVersion } = await merchants.configAndDataVersion(q, merchantId));
        const claimed = this.floors.claimForJoin(merchantId, serviceId, since, dataVersion);
        join.write = claimed.write;
        parties = claimed.parties ?? (await entries.floorParties(q, merchantId, serviceId, since, this.models.enabled));
        Object.assign(join, { parties, since, dataVersion });
      } else {
        if (join !== undefined) join.write = this.floors.beginWrite(merchantId);
        [version, parties] = await Promise.all([
          merchants.configVersion(q, merchantId),
          entries.floorParties(q, merchantId, serviceId, since, this.models.enabled),
        ]);
      }
      const config = this.configs.at(merchantId, version);
      if (config !== null) {
        merchant = config.merchant;
        svc = (await service) ?? config.services.get(serviceId) ?? null;
        tables = config.tables;
      } else {
        [merchant, svc, tables] = await Promise.all([
          merchants.findMerchant(q, merchantId),
          service ?? merchants.findService(q, merchantId, serviceId),
          merchants.listTables(q, merchantId),
        ]);
        // Loaded outside the transaction for the next write, when it is not kept at all (a merchant
        // no read has asked for yet: without this, every join of a merchant that is only written to
        // read all three here). On PostgreSQL the notification of a change that made it miss may
        // arrive after such a load and drop it again: then the next write loads it once more.
        this.configs.warm(merchantId);
      }
    }
    if (merchant === null) throw new DomainError('UNKNOWN_MERCHANT', `unknown merchant_id "${merchantId}"`);
    if (svc === null) throw new DomainError('UNKNOWN_SERVICE', `unknown service_id "${serviceId}" for merchant "${merchantId}"`);
    const model = (await this.storedModelAt(q, merchantId, parties.modelVersion))?.model ?? null;
    return context(merchant, svc, tables, parties, model, now);
  }

  /** The stored model of that version, from the cache, or read and parsed once when it changed. */
  private async storedModelAt(
    q: Db | Tx,
    merchantId: string,
    version: number | null,
  ): Promise<{ version: number; model: LearnedModel; details: unknown } | null> {
    if (version === null) return null;
    const cached = this.models.get(merchantId, version);
    if (cached !== undefined) return cached;
    const row = await entries.findLearnedModel(q, merchantId);
    return row === null ? null : this.models.put(merchantId, row.version, row.model, row.details);
  }

  /** The merchant's stored learned model and what it was learned from; null: none stored (or learning is off). */
  async learnedModel(merchantId: string): Promise<{ version: number; model: LearnedModel; details: unknown } | null> {
    if (!this.models.enabled) return null;
    return this.storedModelAt(this.store.db, merchantId, await entries.learnedModelVersion(this.store.db, merchantId));
  }

  /**
   * Stores a freshly learned model for every replica (`details`: what it was learned from, as JSON);
   * false when a model computed later was stored meanwhile (it stays).
   */
  async saveLearnedModel(merchantId: string, model: LearnedModel, details: unknown): Promise<boolean> {
    const modelJson = learnedModelJson(model);
    const detailsJson = JSON.stringify(details);
    return this.writing((trx, touch) => {
      touch(merchantId);
      return entries.saveLearnedModel(trx, merchantId, model.computedAt, modelJson, detailsJson);
    });
  }

  /**
   * Imports a history of finished parties (seated, canceled, no-show) into a service, for learning
   * (`booking-server estimates import`, the demo). Refused as a whole, nothing written: an unknown
   * merchant, service or table, or a merchant that already has entries in the history's time span
   * (importing twice would count those nights twice). How many parties were imported.
   */
  async importHistory(merchantId: string, serviceId: string, parties: readonly HistoryParty[]): Promise<number> {
    if (parties.length === 0) return 0;
    for (const p of parties) {
      if (!['SEATED', 'CANCELED', 'NO_SHOW'].includes(p.state))
        throw invalid(`party ${p.id}: only finished parties (SEATED, CANCELED, NO_SHOW) can be imported, not ${p.state}`);
    }
    const now = nowSeconds(this.clock);
    return this.writing(async (trx, touch) => {
      touch(merchantId);
      const svc = await merchants.findService(trx, merchantId, serviceId);
      if ((await merchants.findMerchant(trx, merchantId)) === null) throw new DomainError('UNKNOWN_MERCHANT', `unknown merchant_id "${merchantId}"`);
      if (svc === null) throw new DomainError('UNKNOWN_SERVICE', `unknown service_id "${serviceId}" for merchant "${merchantId}"`);
      const tables = new Set((await merchants.listTables(trx, merchantId)).map((t) => t.id));
      for (const p of parties) {
        if (p.tableId !== null && !tables.has(p.tableId))
          throw invalid(`party ${p.id}: table_id "${p.tableId}" is not a table of merchant "${merchantId}" (${[...tables].join(', ') || 'none'})`);
      }
      const from = parties.reduce((min, p) => Math.min(min, p.joinedAt), Number.POSITIVE_INFINITY);
      const to = parties.reduce((max, p) => Math.max(max, p.joinedAt), 0);
      const overlapping = await entries.countJoinedBetween(trx, merchantId, from, to);
      if (overlapping > 0) {
        throw invalid(
          `merchant "${merchantId}" already has ${overlapping} entries that joined between ${new Date(from * 1000).toISOString()} and ${new Date(to * 1000).toISOString()}: importing would count them twice`,
        );
      }
      await entries.insertHistory(
        trx,
        merchantId,
        serviceId,
        [...parties].sort((a, b) => a.joinedAt - b.joinedAt),
        now,
      );
      return parties.length;
    });
  }

  /**
   * Retention: clears guests' personal data from entries last changed before `cutoff` (epoch
   * seconds), `batchSize` rows per transaction so that no lock is held for long; how many.
   */
  async anonymiseBefore(cutoff: number, batchSize = 500): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.store.transaction((trx) => entries.anonymiseBatch(trx, cutoff, nowSeconds(this.clock), batchSize));
      if (n === 0) return total;
      total += n;
    }
  }

  /**
   * What `estimates` answers, computed without waiting when everything it needs is in memory and
   * current: the merchant's configuration and the service's live floor as a read would take them
   * (MerchantConfigs.peek, LiveFloors.peek) and the learned model of the floor's version; null
   * otherwise, and the caller asks `estimates`, which reads what is missing. The same inputs (the
   * same configuration, floor and model objects, in the same second) give the same result object
   * back: the result is a function of them alone.
   */
  estimatesKept(merchantId: string, serviceId: string, partySizes: readonly number[]): EstimatesResult | null {
    const kept = this.#keptContext(merchantId, serviceId);
    if (kept === null) return null;
    if (kept.estimates !== null && sameSizes(kept.estimates.sizes, partySizes)) return kept.estimates.result;
    const result = this.#estimatesIn(kept.ctx, `${merchantId}\u0000${serviceId}`, partySizes);
    kept.estimates = { sizes: [...partySizes], result };
    return result;
  }

  /**
   * The service's context as a read (`load` outside a transaction) would make it without a query,
   * when all it needs is in memory and current: the merchant's configuration, the service's live
   * floor and the learned model of the floor's version; null otherwise. Made once for the same
   * inputs (the same objects, in the same second) and given again, with the estimates last
   * computed from it.
   */
  #keptContext(merchantId: string, serviceId: string): KeptContext | null {
    const config = this.configs.peek(merchantId);
    const svc = config?.services.get(serviceId);
    if (config === undefined || svc === undefined) return null;
    const now = nowSeconds(this.clock);
    const parties = this.floors.peek(merchantId, serviceId, now - SEATED_LOOKBACK_SECONDS);
    if (parties === undefined) return null;
    let model: LearnedModel | null = null;
    if (parties.modelVersion !== null) {
      const cached = this.models.get(merchantId, parties.modelVersion);
      if (cached === undefined) return null;
      model = cached.model;
    }
    const key = `${merchantId}\u0000${serviceId}`;
    const last = this.#keptContexts.get(key);
    if (last !== undefined && last.now === now && last.config === config && last.parties === parties && last.model === model) return last;
    const made: KeptContext = { now, config, parties, model, ctx: context(config.merchant, svc, config.tables, parties, model, now), estimates: null };
    if (last === undefined && this.#keptContexts.size >= KEPT_CONTEXTS) this.#keptContexts.delete(this.#keptContexts.keys().next().value!);
    this.#keptContexts.set(key, made);
    return made;
  }

  /** The current estimates for parties of each size joining now, and whether the waitlist takes them. */
  async estimates(merchantId: string, serviceId: string, partySizes: readonly number[]): Promise<EstimatesResult> {
    return this.#estimatesIn(await this.load(this.store.db, merchantId, serviceId), `${merchantId}\u0000${serviceId}`, partySizes);
  }

  #estimatesIn(ctx: Context, key: string, partySizes: readonly number[]): EstimatesResult {
    const candidates = new Map<number, Estimate>();
    const sizes = [...new Set(partySizes)];
    this.#estimates.estimateNewParties(key, ctx.floor, sizes).forEach((estimate, k) => {
      if (estimate !== null) candidates.set(sizes[k]!, estimate);
    });
    const { status, offered } = offer(ctx.situation, candidates);
    const mode = ctx.service.waitlist.confirmationMode;
    return {
      status,
      estimates: partySizes.flatMap((size) => {
        const estimate = offered.get(size);
        return estimate ? [{ partySize: size, estimate, confirmationMode: mode }] : [];
      }),
    };
  }

  /** Joins the queue. With an idempotency key, a success is recorded and replayed; failures are not. */
  async join(command: JoinCommand, key: IdempotencyKey | null): Promise<JoinResult> {
    if (!Number.isInteger(command.partySize) || command.partySize < 1) throw invalid('party_size must be a positive integer');
    const now = nowSeconds(this.clock);
    // The floor this join decides on and its write of the merchant's floors (set by `load`), and the
    // party it added: on SQLite the floor with the party is kept for the next join (LiveFloors).
    const joinFloor: JoinFloor = { write: null, parties: null, since: 0, readAt: 0, dataVersion: 0 };
    let joined: QueuedEntry | null = null;
    const work = async (trx: Tx): Promise<{ ok: { entryId: string } } | { failure: JoinFailure }> => {
      joined = null;
      // On PostgreSQL, one read first: the service, locked for the queue's writers, and whether it
      // and its merchant are active. The reads of the queue are issued at once behind it: the
      // database runs them in order, after the lock is granted, so they see the queue as its
      // writers leave it (all of them one round trip; store/postgres-pipeline.ts). On SQLite the
      // transaction already holds the database's one write lock, and `load` takes the service with
      // the merchant's configuration, from memory when that is the one this transaction reads (its
      // stamp; deactivations change it too), else from the transaction: no read of its own.
      const locked = this.store.dialect === 'postgres' ? merchants.serviceOfWrite(trx, 'postgres', command.merchantId, command.serviceId, 'update') : null;
      const lockedService = locked?.then((found) => found?.service ?? null);
      const loading = this.load(trx, command.merchantId, command.serviceId, lockedService, false, joinFloor);
      const queueSeq = entries.nextQueueSeq(trx, command.merchantId, command.serviceId, this.clock.nowMs());
      // Awaited below (the service by `load`), unless an earlier failure ends the work first: a
      // failed read of the service then fails `load` before it awaits the service, which must not
      // be left rejected without a handler (an unhandled rejection stops the process).
      lockedService?.catch(() => {});
      loading.catch(() => {});
      queueSeq.catch(() => {});
      if (locked !== null) {
        const found = await locked;
        if (found === null || !found.active) await this.assertActive(trx, command.merchantId, command.serviceId);
      }
      // Without the locked read: an unknown merchant or service fails `load` (UNKNOWN_MERCHANT, UNKNOWN_SERVICE).
      const ctx = await loading;
      if (locked === null && (ctx.merchant.deactivatedAt !== null || ctx.service.deactivatedAt !== null)) {
        await this.assertActive(trx, command.merchantId, command.serviceId);
      }
      const estimate = estimateNewParty(ctx.floor, command.partySize);
      const failure = joinFailure(ctx.situation, command.partySize, command.guest.telephone, estimate, command.source);
      if (failure !== null) return { failure };
      const id = newRowId();
      const entry = await entries.insertEntry(trx, {
        id,
        merchantId: command.merchantId,
        serviceId: command.serviceId,
        source: command.source,
        state: ctx.service.waitlist.confirmationMode === 'ASYNCHRONOUS' ? 'PENDING_MERCHANT_CONFIRMATION' : 'WAITING',
        partySize: command.partySize,
        guest: command.guest,
        additionalRequest: ctx.service.waitlist.supportsAdditionalRequest ? command.additionalRequest : null,
        queueSeq: await queueSeq,
        now,
        quote: estimate === null ? null : { seatAt: estimate.seatAt, rangeStart: estimate.range.start, rangeEnd: estimate.range.end },
      });
      if (entry === null) return { failure: { cause: 'EXISTING_WAITLIST_ENTRY', description: 'this user already has a live waitlist entry' } };
      joined = {
        id: entry.id,
        partySize: entry.partySize,
        joinedAt: entry.times.createdAt,
        merchantId: entry.merchantId,
        serviceId: entry.serviceId,
        state: entry.state,
        times: entry.times,
      };
      await this.listener.joined(trx, {
        entry,
        merchant: ctx.merchant,
        estimate,
        position: ctx.floor.queue.length + 1,
        languageCode: command.languageCode ?? null,
      });
      // The floor with this party is kept as soon as the commit returns: on SQLite the next group
      // of joins runs while this one's fsync is in flight, and would otherwise find the merchant's
      // floor dropped and read it again. What is kept is what the connection sees from then on.
      const party = joined;
      whenCommitted(trx, () => {
        ended = true;
        this.#joinEnded(command.merchantId, command.serviceId, joinFloor, party);
      });
      return { ok: { entryId: id } };
    };
    let ended = false;
    try {
      if (key === null) {
        const outcome = await this.store.transaction(work);
        return 'failure' in outcome ? outcome : { entryId: outcome.ok.entryId, replayed: false };
      }
      const result = await runIdempotent(this.store, key, now, work);
      return 'failure' in result ? result : { entryId: result.ok.entryId, replayed: result.replayed };
    } finally {
      // Not committed (a failure, a replay, an error): the write of the merchant's floors, if it
      // began, ends without keeping a floor.
      if (!ended) this.#joinEnded(command.merchantId, command.serviceId, joinFloor, null);
    }
  }

  /**
   * After a join: on SQLite, a join that committed its party keeps the floor it decided on with the
   * party at its end (when no other write of the merchant began since; LiveFloors.keepAfterJoin);
   * otherwise the merchant's floors are dropped, as after any write.
   */
  #joinEnded(merchantId: string, serviceId: string, floor: JoinFloor, party: QueuedEntry | null): void {
    if (floor.write === null) {
      this.floors.invalidate(merchantId);
    } else if (party !== null && floor.parties !== null) {
      const { queue, seated, modelVersion } = floor.parties;
      this.floors.keepAfterJoin(floor.write, serviceId, {
        parties: { queue: [...queue, party], seated, modelVersion },
        since: floor.since,
        readAt: floor.readAt,
        dataVersion: floor.dataVersion,
      });
    } else {
      this.floors.endWrite(floor.write);
    }
  }

  async view(entry: WaitlistEntry, q: Db | Tx = this.store.db): Promise<EntryView> {
    let ctx = await this.load(q, entry.merchantId, entry.serviceId);
    // An entry in the queue that the floor in memory does not hold yet (it joined through another
    // replica since the floor was read): the floor is read again, so that it never lacks its estimate.
    if (q === this.store.db && isActive(entry.state) && !ctx.floor.queue.some((p) => p.id === entry.id)) {
      ctx = await this.load(q, entry.merchantId, entry.serviceId, null, true);
    }
    return {
      entry,
      // Outside a transaction the floor is the one kept in memory, whose queue's estimates are reused within its second.
      estimate: !isActive(entry.state)
        ? null
        : q === this.store.db
          ? (this.#estimates.estimateQueue(`${entry.merchantId}\u0000${entry.serviceId}`, ctx.floor).get(entry.id) ?? null)
          : estimateQueuedParty(ctx.floor, entry.id),
      asOf: ctx.floor.now,
      confirmationMode: ctx.service.waitlist.confirmationMode,
    };
  }

  async get(entryId: string, merchantId?: string): Promise<EntryView> {
    const entry = await entries.findEntry(this.store.db, entryId);
    if (entry === null || (merchantId !== undefined && entry.merchantId !== merchantId)) {
      throw new DomainError('WAITLIST_ENTRY_NOT_FOUND', `unknown waitlist_entry_id "${entryId}"`);
    }
    return this.view(entry);
  }

  /**
   * An entry's state and estimate for Google (GetWaitlistEntry). A party in the queue of a live
   * floor kept in memory is answered from that floor, without a query while it is younger than
   * READ_MODEL_CHECK_MS (else it is read again first, and the party looked for there); any other
   * entry (out of the queue, or of a floor not kept) is read from the store, as `get` does. So the answer is
   * never behind a change made through this process (each drops its merchant's floors), and at
   * most READ_MODEL_CHECK_MS behind one made through another replica, as the wait estimates.
   */
  async entryStatus(entryId: string): Promise<EntryStatusView> {
    const queued = this.floors.queued(entryId);
    if (queued !== undefined) {
      // The floor as a read takes it: from memory, or read again (once for all the reads waiting) when too old.
      const view = this.#queuedStatus(entryId, queued, await this.load(this.store.db, queued.merchantId, queued.serviceId));
      if (view !== null) return view;
      // No longer in that queue: its next reads go to the store straight away.
      this.floors.forget(entryId);
    }
    return this.get(entryId);
  }

  /**
   * What `entryStatus` answers, without waiting, for a party in the queue of a live floor kept in
   * memory and current (with its merchant's configuration and learned model, as `estimatesKept`);
   * null otherwise, and the caller asks `entryStatus`.
   */
  entryStatusKept(entryId: string): EntryStatusView | null {
    const queued = this.floors.queued(entryId);
    if (queued === undefined) return null;
    const kept = this.#keptContext(queued.merchantId, queued.serviceId);
    return kept === null ? null : this.#queuedStatus(entryId, queued, kept.ctx);
  }

  /** The party as the floor of `ctx` holds it, if it still does (else null). */
  #queuedStatus(entryId: string, queued: QueuedAt, ctx: Context): EntryStatusView | null {
    const party = ctx.floor.queue.find((p) => p.id === entryId) as QueuedEntry | undefined;
    if (party === undefined || party.merchantId !== queued.merchantId) return null;
    return {
      entry: party,
      estimate: this.#estimates.estimateQueue(`${party.merchantId}\u0000${party.serviceId}`, ctx.floor).get(entryId) ?? null,
      asOf: ctx.floor.now,
      confirmationMode: ctx.service.waitlist.confirmationMode,
    };
  }

  /**
   * Moves an entry through its lifecycle. The guest's own cancel (DeleteWaitlistEntry) is a
   * no-op on an entry that is already CANCELED, so Google may retry it safely.
   */
  async act(
    entryId: string,
    action: WaitlistAction,
    options: { merchantId?: string; tableId?: string | null; idempotentCancel?: boolean; cause?: ChangeCause } = {},
  ): Promise<EntryView> {
    const now = nowSeconds(this.clock);
    return this.writing(async (trx, touch) => {
      const entry = await entries.findEntryForUpdate(trx, this.store.dialect, entryId);
      if (entry === null || (options.merchantId !== undefined && entry.merchantId !== options.merchantId)) {
        throw new DomainError('WAITLIST_ENTRY_NOT_FOUND', `unknown waitlist_entry_id "${entryId}"`);
      }
      touch(entry.merchantId);
      if (action === 'cancel' && options.idempotentCancel && entry.state === 'CANCELED') return this.view(entry, trx);
      return this.apply(trx, entry, action, now, options.cause ?? 'merchant', options.tableId ?? null);
    });
  }

  /** Open (live) entries of a merchant, or of one of its services: what a deactivation cancels. */
  openEntries(merchantId: string, serviceId: string | null, q: Db | Tx = this.store.db): Promise<WaitlistEntry[]> {
    return entries.listEntries(q, { merchantId, ...(serviceId === null ? {} : { serviceId }), states: ACTIVE_STATES, limit: 100_000 });
  }

  /**
   * The merchant's deactivation: cancels every open entry of the merchant (or service) through the
   * same cancel step as the host stand's, in the caller's transaction. The cancelled entries. The
   * caller calls dropFloors(merchantId) once its transaction has committed (it is called here
   * before the cancels too).
   */
  async cancelOpenIn(trx: Tx, merchantId: string, serviceId: string | null, now: number): Promise<WaitlistEntry[]> {
    // In the transaction, before the cancels: no floor kept in memory (nor one a join under way would keep) misses them.
    this.dropFloors(merchantId);
    const canceled: WaitlistEntry[] = [];
    for (const open of await this.openEntries(merchantId, serviceId, trx)) {
      const entry = await entries.findEntryForUpdate(trx, this.store.dialect, open.id);
      if (entry === null || !isActive(entry.state)) continue;
      await this.apply(trx, entry, 'cancel', now, 'merchant', null);
      const updated = await entries.findEntry(trx, entry.id);
      if (updated !== null) canceled.push(updated);
    }
    return canceled;
  }

  /** Joins refuse a deactivated merchant or service (read under a share lock: a deactivation cannot slip beside a join). */
  private async assertActive(trx: Tx, merchantId: string, serviceId: string): Promise<void> {
    if (!(await merchants.isActiveForUpdate(trx, this.store.dialect, merchantId, serviceId))) {
      const merchant = await merchants.findMerchant(trx, merchantId);
      if (merchant === null) throw new DomainError('UNKNOWN_MERCHANT', `unknown merchant_id "${merchantId}"`);
      if (merchant.deactivatedAt !== null) throw new DomainError('UNKNOWN_MERCHANT', `merchant "${merchantId}" has been deactivated`);
      const service = await merchants.findService(trx, merchantId, serviceId);
      if (service === null) throw new DomainError('UNKNOWN_SERVICE', `unknown service_id "${serviceId}" for merchant "${merchantId}"`);
      throw new DomainError('UNKNOWN_SERVICE', `service "${serviceId}" of merchant "${merchantId}" has been deactivated`);
    }
  }

  /**
   * The host stand's "table cleared": a seated party has left its table, which is free again for
   * the estimates, and its turn time is recorded for learning. Only a SEATED entry, once.
   */
  async leave(entryId: string, merchantId?: string): Promise<EntryView> {
    const now = nowSeconds(this.clock);
    return this.writing(async (trx, touch) => {
      const entry = await entries.findEntryForUpdate(trx, this.store.dialect, entryId);
      if (entry === null || (merchantId !== undefined && entry.merchantId !== merchantId)) {
        throw new DomainError('WAITLIST_ENTRY_NOT_FOUND', `unknown waitlist_entry_id "${entryId}"`);
      }
      touch(entry.merchantId);
      if (entry.state !== 'SEATED') throw new DomainError('ILLEGAL_TRANSITION', `cannot leave an entry that is ${entry.state}; allowed from SEATED`);
      if (!(await entries.markLeft(trx, entry.id, now))) throw new DomainError('ILLEGAL_TRANSITION', 'this party has already left its table');
      const updated = await entries.findEntry(trx, entry.id);
      return this.view(updated!, trx);
    });
  }

  /** A merchant's parties that joined in [since, until), without personal data (learning and accuracy read it). */
  async history(merchantId: string, since: number, until: number): Promise<HistoryParty[]> {
    return entries.history(this.store.db, merchantId, since, until);
  }

  private async apply(
    trx: Tx,
    entry: WaitlistEntry,
    action: WaitlistAction,
    now: number,
    cause: ChangeCause,
    requestedTable: string | null,
  ): Promise<EntryView> {
    const rule = transition(entry.state, action);
    let tableId: string | null | undefined;
    if (action === 'seat') tableId = await this.chooseTable(trx, entry, requestedTable);
    await entries.updateState(trx, entry.id, rule.to, rule.stamp, now, tableId);
    const updated = (await entries.findEntry(trx, entry.id))!;
    const view = await this.view(updated, trx);
    const merchant = await merchants.findMerchant(trx, entry.merchantId);
    await this.listener.changed(trx, {
      entry: updated,
      merchant: merchant!,
      previous: entry.state,
      action,
      cause,
      queue: () => entries.activeQueue(trx, entry.merchantId, entry.serviceId),
    });
    return view;
  }

  /**
   * The grace timer: entries left SERVICE_READY past their merchant's grace minutes (plus any
   * extra time the host granted) become NO_SHOW. Each is re-checked under its row lock, so
   * replicas running this at once, or a host acting meanwhile, never move an entry twice.
   * Returns the ids moved.
   */
  async expireOverdueReady(limit = 100): Promise<string[]> {
    const now = nowSeconds(this.clock);
    const moved: string[] = [];
    for (const id of await entries.overdueReady(this.store.db, now, limit)) {
      const done = await this.writing(async (trx, touch) => {
        const entry = await entries.findEntryForUpdate(trx, this.store.dialect, id);
        if (entry === null || entry.state !== 'SERVICE_READY') return false;
        touch(entry.merchantId);
        if (!(await entries.isOverdueReady(trx, id, now))) return false;
        await this.apply(trx, entry, 'no_show', now, 'grace_timer', null);
        return true;
      });
      if (done) moved.push(id);
    }
    return moved;
  }

  /** Adds time to a called party's hold (the host accepted the guest's "+10"); the grace timer counts it. */
  async extendHold(trx: Tx, entryId: string, seconds: number): Promise<void> {
    await entries.extendHold(trx, entryId, seconds, nowSeconds(this.clock));
  }

  /** The table a party is seated at: the one the host named, else the best fitting table free now. */
  private async chooseTable(trx: Tx, entry: WaitlistEntry, requested: string | null): Promise<string | null> {
    const tables = await merchants.listTables(trx, entry.merchantId);
    if (requested !== null) {
      if (!tables.some((t) => t.id === requested)) throw invalid(`unknown table_id "${requested}"`);
      return requested;
    }
    const ctx = await this.load(trx, entry.merchantId, entry.serviceId);
    // The best fitting table that is free now, if any; a party seated elsewhere is recorded without one.
    // A table is taken until the turn time of the party at it has run out: the learned one (by
    // party size, day and hour) when the merchant has a model, else the configured one.
    const { now, seated } = ctx.floor;
    const free = tables.filter((t) => entry.partySize >= t.minSeats && entry.partySize <= t.seats);
    const occupied = new Set(seated.filter((s) => s.tableId !== null && expectedLeaveAt(ctx.floor, s) > now).map((s) => s.tableId));
    return free.find((t) => !occupied.has(t.id))?.id ?? null;
  }

  async queue(merchantId: string, serviceId: string): Promise<EntryView[]> {
    // The host stand's list: the floor as stored now, like the entries beside it.
    const ctx = await this.load(this.store.db, merchantId, serviceId, null, true);
    const queue = await entries.activeQueue(this.store.db, merchantId, serviceId);
    const estimates = estimateQueue(ctx.floor);
    return queue.map((entry) => ({
      entry,
      estimate: estimates.get(entry.id) ?? null,
      asOf: ctx.floor.now,
      confirmationMode: ctx.service.waitlist.confirmationMode,
    }));
  }

  async list(filter: entries.EntryFilter): Promise<WaitlistEntry[]> {
    return entries.listEntries(this.store.db, filter);
  }
}

/** A service as a read or a write sees it: what estimates and the waitlist's rules are computed from. */
function context(merchant: Merchant, svc: Service, tables: readonly DiningTable[], parties: FloorParties, model: LearnedModel | null, now: number): Context {
  const { queue, seated } = parties;
  const floor: Floor = {
    now,
    tables,
    turnTimes: merchant.turnTimes,
    seated,
    queue,
    model,
    // One offset for the whole replay (the next few hours): looked up once, not per party.
    utcOffsetSeconds: model === null ? 0 : utcOffsetMinutes(merchant.timeZone, now) * 60,
  };
  return {
    merchant,
    service: svc,
    floor,
    situation: {
      now,
      merchantOpen: isOpenAt(merchant.openingHours, merchant.timeZone, now),
      rules: svc.waitlist,
      queueLength: queue.length,
      largestTable: largestServable(tables),
    },
  };
}
