// The live floor of each waitlist service in memory (issue 17): the queue, the merchant's seated
// parties and its learned model's version (repository.floorParties, one query), which every wait
// estimate and entry read needs and which a busy service's readers would otherwise read from the
// database at every request. Kept per merchant and service, and dropped:
// - in this process, by WaitlistService right after a transaction that changed the merchant's
//   entries (a join, a state change, a table cleared, the grace timer, an import) or stored a
//   learned model commits;
// - for writes made elsewhere (another replica, the CLI), by age: a floor read more than `maxAgeMs`
//   ago is read again by the next read (READ_MODEL_CHECK_MS, 500 ms by default: at most two floor
//   queries a second per busy service and process, whatever the load).
// So a read is never behind a commit of this process's WaitlistService and at most `maxAgeMs`
// (plus one query) behind one made elsewhere. No trigger or notification: a NOTIFY from every
// join would serialise PostgreSQL's commits (its notification queue lock is held through commit).
//
// A join on SQLite takes its floor from here instead of reading it in its transaction when that is
// exactly what the transaction would read (`claimForJoin`), and leaves the floor it made behind for
// the next one (`keepAfterJoin`, as soon as its group's commit returns). On SQLite this process's connection is the only writer of
// this process, and a kept floor is only ever read between transactions, so the floor a join
// leaves behind is the database's as long as (1) no other connection has committed since
// (`PRAGMA data_version`, read in the join's transaction, is the one the floor was kept at) and
// (2) no other write of this process has touched the merchant's floors since: every write that
// does calls `beginWrite` inside its transaction, before it writes (which drops the merchant's kept
// floors and tells a join that began earlier not to keep its floor), and `endWrite` once it is
// over. Floors read by reads carry no data version and are never used by a join. PostgreSQL joins
// read their floor in their transaction as before.
import type { Store } from '../store/database.js';
import { floorParties, type FloorParties } from './repository.js';

/** Merchants kept at most; the oldest loaded leaves first (read again when asked for). */
const MAX_MERCHANTS = 20_000;
/** Entries in the index of queued parties at most; the oldest leaves first (its reads then go to the store). */
const MAX_QUEUED = 100_000;

/** Where a party was queued: its merchant and service. */
export interface QueuedAt {
  readonly merchantId: string;
  readonly serviceId: string;
}

interface Kept {
  readonly parties: FloorParties;
  /** The seatedSince it was read with: it holds the parties seated from then on. */
  readonly since: number;
  /** performance.now() when its query started. */
  readonly readAt: number;
  /** SQLite's `PRAGMA data_version` it is the database's floor at, when a join kept it (keepAfterJoin); null: read by a read. */
  readonly dataVersion?: number | null;
}

/** A write of a merchant's floors under way (beginWrite); the latest one per merchant is remembered. */
export interface FloorWrite {
  readonly merchantId: string;
}

interface Loading {
  readonly promise: Promise<FloorParties>;
  readonly since: number;
  /** Set when the merchant changed while reading: the result is answered but not kept. */
  stale: boolean;
}

export class LiveFloors {
  /** Merchant -> service -> floor. */
  readonly #kept = new Map<string, Map<string, Kept>>();
  readonly #loading = new Map<string, Map<string, Loading>>();
  /**
   * Where each party of a kept floor's queue was queued, by entry id (GetWaitlistEntry asks by id
   * alone). Added to when a floor is kept and not emptied when one is dropped (a join keeps its
   * merchant's floor again right after dropping it, and would otherwise take every party out of the
   * index and put it back): an entry may name a queue its party has left since, and the reader
   * looks for the party in that service's floor and tells `forget` when it is not there. At most
   * MAX_QUEUED entries, the oldest leaving first. A join that decided on a floor kept in memory
   * adds only its own party (the rest of that queue was added when the floor was kept); a party
   * that left the index meanwhile (MAX_QUEUED) is back at the next floor read from the store, and
   * until then GetWaitlistEntry reads it the asynchronous way.
   */
  readonly #queued = new Map<string, QueuedAt>();
  /** Per merchant, the latest write of its floors that began and has not ended. */
  readonly #writes = new Map<string, FloorWrite>();
  /** Joins' writes that claimed a floor kept in memory (claimForJoin), whose queue the index already holds. */
  readonly #claimedKept = new WeakSet<FloorWrite>();
  /** Floors read from the store so far (tests count them). */
  loads = 0;
  /** Joins that took their floor from memory (tests count them). */
  joinHits = 0;

  constructor(
    private readonly store: Store,
    /** A floor read longer ago than this is read again (0: every read goes to the store). */
    private readonly maxAgeMs: number,
    /** Whether the learned model's version is read with the floor. */
    private readonly withModel: boolean,
  ) {}

  /** The service's live floor, with the parties seated since `seatedSince` (epoch seconds). */
  async get(merchantId: string, serviceId: string, seatedSince: number): Promise<FloorParties> {
    const kept = this.peek(merchantId, serviceId, seatedSince);
    if (kept !== undefined) return kept;
    const loading = this.#loading.get(merchantId)?.get(serviceId);
    if (loading !== undefined && loading.since <= seatedSince) return seatedFrom(await loading.promise, seatedSince);
    return this.fresh(merchantId, serviceId, seatedSince);
  }

  /** The service's live floor when `get` would answer it from memory (kept and younger than `maxAgeMs`); undefined otherwise. */
  peek(merchantId: string, serviceId: string, seatedSince: number): FloorParties | undefined {
    const kept = this.#kept.get(merchantId)?.get(serviceId);
    if (kept !== undefined && kept.since <= seatedSince && performance.now() - kept.readAt < this.maxAgeMs) return seatedFrom(kept.parties, seatedSince);
    return undefined;
  }

  /**
   * The merchant and service in whose queue a kept floor last held the party of that entry id, or
   * undefined: in no queue of a floor kept since this process last forgot it. The caller reads that
   * service's floor (through `get`, which reads it again when too old) and looks for the party
   * there: it may have left the queue since (then the caller calls `forget` and reads the entry from
   * the store). An id is the entry's own (a UUID), so an entry of one merchant is never found in
   * another's floor.
   */
  queued(entryId: string): QueuedAt | undefined {
    return this.#queued.get(entryId);
  }

  /** The party of that entry id is not where `queued` said (it left the queue): the index forgets it. */
  forget(entryId: string): void {
    this.#queued.delete(entryId);
  }

  /** Reads the floor from the store now (whatever is kept), and keeps it for the next reads. */
  async fresh(merchantId: string, serviceId: string, seatedSince: number): Promise<FloorParties> {
    this.loads += 1;
    if (this.maxAgeMs === 0) return floorParties(this.store.db, merchantId, serviceId, seatedSince, this.withModel);
    const readAt = performance.now();
    const loading: Loading = {
      since: seatedSince,
      stale: false,
      promise: floorParties(this.store.db, merchantId, serviceId, seatedSince, this.withModel).finally(() => {
        const services = this.#loading.get(merchantId);
        if (services?.get(serviceId) === loading) {
          services.delete(serviceId);
          if (services.size === 0) this.#loading.delete(merchantId);
        }
      }),
    };
    inner(this.#loading, merchantId).set(serviceId, loading);
    const parties = await loading.promise;
    if (!loading.stale) this.#keep(merchantId, serviceId, { parties, since: seatedSince, readAt });
    return parties;
  }

  /**
   * A write of the merchant's entries (or learned model) begins, in its transaction and before it
   * writes: the merchant's kept floors are dropped and floors being read are not kept, and a join
   * that began earlier will not keep the floor it made (keepAfterJoin). Pair with endWrite.
   */
  beginWrite(merchantId: string): FloorWrite {
    const write: FloorWrite = { merchantId };
    this.invalidate(merchantId);
    this.#writes.set(merchantId, write);
    return write;
  }

  /** The write is over (committed or failed): drops the merchant's floors again (for PostgreSQL's reads during it). */
  endWrite(write: FloorWrite): void {
    if (this.#writes.get(write.merchantId) === write) this.#writes.delete(write.merchantId);
    this.invalidate(write.merchantId);
  }

  /**
   * SQLite, in a join's transaction, before it writes: the service's floor kept in memory if it is
   * the database's at `dataVersion` (the transaction's `PRAGMA data_version`) and holds the parties
   * seated since `seatedSince`, else null (the join reads it); either way the join's write begins
   * (beginWrite), so the floor is no longer kept.
   */
  claimForJoin(merchantId: string, serviceId: string, seatedSince: number, dataVersion: number): { write: FloorWrite; parties: FloorParties | null } {
    const kept = this.#kept.get(merchantId)?.get(serviceId);
    const usable = kept !== undefined && kept.dataVersion === dataVersion && kept.since <= seatedSince;
    if (usable) this.joinHits += 1;
    const write = this.beginWrite(merchantId);
    if (usable) this.#claimedKept.add(write);
    return { write, parties: usable ? seatedFrom(kept.parties, seatedSince) : null };
  }

  /**
   * Once a join's commit has returned (WaitlistService calls it from the store's whenCommitted, on
   * SQLite right after the group's commit and before its fsync, so that the next group, which runs
   * while that fsync is in flight, finds it): keeps `parties` (the floor the join decided on, with its
   * party last in the queue) as the database's floor at `dataVersion` when no other write of the
   * merchant's floors began since the join's (else drops them, as endWrite). `readAt`: when the join's transaction
   * read the data version (reads age the floor from then).
   */
  keepAfterJoin(write: FloorWrite, serviceId: string, kept: { parties: FloorParties; since: number; readAt: number; dataVersion: number }): void {
    if (this.maxAgeMs === 0 || this.#writes.get(write.merchantId) !== write) {
      this.endWrite(write);
      return;
    }
    this.#writes.delete(write.merchantId);
    this.invalidate(write.merchantId);
    // A floor claimed from memory had its queue indexed when it was kept: only the party the join
    // added (the queue's last) is new to the index. A floor the join read is indexed whole.
    const queue = kept.parties.queue;
    this.#keep(write.merchantId, serviceId, kept, this.#claimedKept.has(write) && queue.length > 0 ? queue.length - 1 : 0);
  }

  /** Drops the merchant's floors (every service: seated parties are the merchant's). Called after a change of its entries commits. */
  invalidate(merchantId: string): void {
    this.#drop(merchantId);
    const loading = this.#loading.get(merchantId);
    if (loading !== undefined) {
      for (const l of loading.values()) l.stale = true;
      this.#loading.delete(merchantId);
    }
  }

  /** `from`: the index of the first party of the queue that may be missing from the index (0: all). */
  #keep(merchantId: string, serviceId: string, kept: Kept, from = 0): void {
    const current = this.#kept.get(merchantId)?.get(serviceId);
    // A read that started earlier than the one kept does not replace it.
    if (current !== undefined && current.readAt > kept.readAt) return;
    if (!this.#kept.has(merchantId) && this.#kept.size >= MAX_MERCHANTS) this.#drop(this.#kept.keys().next().value!);
    inner(this.#kept, merchantId).set(serviceId, kept);
    let at: QueuedAt | null = null;
    const queue = kept.parties.queue;
    for (let i = from; i < queue.length; i++) {
      const party = queue[i]!;
      const known = this.#queued.get(party.id);
      if (known !== undefined && known.merchantId === merchantId && known.serviceId === serviceId) continue;
      at ??= { merchantId, serviceId };
      this.#queued.set(party.id, at);
    }
    while (this.#queued.size > MAX_QUEUED) this.#queued.delete(this.#queued.keys().next().value!);
  }

  /** Forgets a merchant's kept floors (their parties stay in the index: see #queued). */
  #drop(merchantId: string): void {
    this.#kept.delete(merchantId);
  }
}

function inner<V>(outer: Map<string, Map<string, V>>, key: string): Map<string, V> {
  let map = outer.get(key);
  if (map === undefined) {
    map = new Map();
    outer.set(key, map);
  }
  return map;
}

/** The floor with only the parties seated since `since` (a floor read earlier holds some seated before). */
function seatedFrom(parties: FloorParties, since: number): FloorParties {
  if (parties.seated.every((p) => p.seatedAt >= since)) return parties;
  return { ...parties, seated: parties.seated.filter((p) => p.seatedAt >= since) };
}
