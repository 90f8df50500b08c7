// The in-memory read model of merchants' configuration: the merchant (with its opening hours), its
// services and its tables, which every wait estimate, entry read and availability lookup needs and
// which change rarely. Kept per merchant, loaded on first use, and dropped when it changes:
// - in this process, by MerchantService right after the changing transaction commits;
// - by any writer (another replica, the CLI), through migration 0012's triggers: they stamp the
//   merchant with a global counter in the changing transaction, and on PostgreSQL NOTIFY
//   `read_models` at its commit, which drops the merchant here at once; and whatever the
//   notifications do, a read never uses the model when its last check of the stamps ("which
//   merchants changed since the last stamp seen", one indexed query) is older than `checkMs`.
// So a read is at most `checkMs` (plus one query) behind a commit made elsewhere, and never behind
// a commit of this process. Writes use it only as their transaction would read it: each
// configuration remembers the merchant's stamp it was loaded at (read before it), and a write reads
// the stamp in its transaction and takes the configuration from memory only when the stamps are
// equal (`at`): then no change of the merchant's configuration has committed since it was loaded,
// and it is what the transaction would read itself. Otherwise the write reads it in its transaction.
import type { Store } from '../store/database.js';
import type { DiningTable, Merchant, Service } from './model.js';
import * as repo from './repository.js';

export interface MerchantConfig {
  readonly merchant: Merchant;
  /** Every service of the merchant (deactivated ones too), by id. */
  readonly services: ReadonlyMap<string, Service>;
  /** By seats, then id. */
  readonly tables: readonly DiningTable[];
  /** The merchant's stamp when this was loaded (read before it; configVersion); null: none recorded. */
  readonly version: number | null;
}

/** Merchants kept at most; the oldest loaded leaves first (it is loaded again when asked for). */
const MAX_MERCHANTS = 20_000;
/** The channel migration 0012's triggers notify on PostgreSQL. */
export const READ_MODEL_CHANNEL = 'read_models';

interface Loading {
  readonly promise: Promise<MerchantConfig | null>;
  /** Set when the merchant changed while loading: the result is answered but not kept. */
  stale: boolean;
}

export class MerchantConfigs {
  readonly #cached = new Map<string, MerchantConfig>();
  readonly #loading = new Map<string, Loading>();
  /** The highest stamp seen; null before the first check. */
  #seen: number | null = null;
  #checkedAt = Number.NEGATIVE_INFINITY;
  #checking: Promise<void> | null = null;
  #listening = false;
  #notified = false;
  /** Configurations loaded from the store so far (tests count them). */
  loads = 0;

  /** PostgreSQL: whether notifications have been listened to since the first read (they may have been lost since). */
  get notified(): boolean {
    return this.#notified;
  }

  constructor(
    private readonly store: Store,
    /** A read checks the stamps first when the last check is older than this (0: every read). */
    private readonly checkMs: number,
  ) {}

  /** The merchant's configuration, or null when there is no such merchant (not kept). */
  async get(merchantId: string): Promise<MerchantConfig | null> {
    if (!this.#listening) this.#listen();
    if (performance.now() - this.#checkedAt >= this.checkMs) await this.#check();
    const cached = this.#cached.get(merchantId);
    if (cached !== undefined) return cached;
    const current = this.#loading.get(merchantId);
    if (current !== undefined) return current.promise;
    const loading: Loading = {
      stale: false,
      promise: this.#load(merchantId).finally(() => {
        if (this.#loading.get(merchantId) === loading) this.#loading.delete(merchantId);
      }),
    };
    this.#loading.set(merchantId, loading);
    const config = await loading.promise;
    if (config !== null && !loading.stale) this.#keep(merchantId, config);
    return config;
  }

  /**
   * The merchant's configuration when `get` would answer it from memory without a query (kept, and
   * the stamps checked less than `checkMs` ago); undefined otherwise (then `get`, which checks or loads).
   */
  peek(merchantId: string): MerchantConfig | undefined {
    if (!this.#listening || performance.now() - this.#checkedAt >= this.checkMs) return undefined;
    return this.#cached.get(merchantId);
  }

  /**
   * For a write transaction: the merchant's configuration kept in memory if it was loaded at
   * `version`, the stamp the transaction read (configVersion), so exactly what the transaction would
   * read itself; null otherwise (not kept, loaded at another stamp, or no stamp recorded), and the
   * transaction reads it. Never loads: a transaction must not wait for a read outside it.
   */
  at(merchantId: string, version: number | null): MerchantConfig | null {
    if (version === null) return null;
    const cached = this.#cached.get(merchantId);
    return cached !== undefined && cached.version === version ? cached : null;
  }

  /** Loads the merchant's configuration in the background, if it is not kept (after a write had to read it). */
  warm(merchantId: string): void {
    if (this.#cached.has(merchantId) || this.#loading.has(merchantId)) return;
    this.get(merchantId).catch(() => {});
  }

  /** Drops the merchant: the next read loads it again. Called after a change of it commits. */
  invalidate(merchantId: string): void {
    this.#cached.delete(merchantId);
    const loading = this.#loading.get(merchantId);
    if (loading !== undefined) {
      loading.stale = true;
      this.#loading.delete(merchantId);
    }
  }

  #invalidateAll(): void {
    this.#cached.clear();
    for (const loading of this.#loading.values()) loading.stale = true;
    this.#loading.clear();
  }

  #keep(merchantId: string, config: MerchantConfig): void {
    if (this.#cached.size >= MAX_MERCHANTS) this.#cached.delete(this.#cached.keys().next().value!);
    this.#cached.set(merchantId, config);
  }

  async #load(merchantId: string): Promise<MerchantConfig | null> {
    this.loads += 1;
    const db = this.store.db;
    // The stamp first: what is read after it is at least as new, so a write that later reads the
    // same stamp in its transaction sees no change this load could have missed.
    const version = await repo.configVersion(db, merchantId);
    const [merchant, services, tables] = await Promise.all([
      repo.findMerchant(db, merchantId),
      repo.listServices(db, merchantId),
      repo.listTables(db, merchantId),
    ]);
    if (merchant === null) return null;
    return { merchant, services: new Map(services.map((s) => [s.id, s])), tables, version };
  }

  /** PostgreSQL: a notification drops its merchant at once; after a (re)connection, the next read checks the stamps. */
  #listen(): void {
    this.#listening = true;
    this.store.listen?.(READ_MODEL_CHANNEL, {
      onMessage: (merchantId) => this.invalidate(merchantId),
      onListening: () => {
        this.#notified = true;
        this.#checkedAt = Number.NEGATIVE_INFINITY;
      },
    });
  }

  /** One check at a time; reads that need one wait for the one running. */
  #check(): Promise<void> {
    this.#checking ??= this.#checkStamps().finally(() => {
      this.#checking = null;
    });
    return this.#checking;
  }

  async #checkStamps(): Promise<void> {
    const started = performance.now();
    const db = this.store.db;
    if (this.#seen === null) {
      this.#seen = await repo.configClock(db);
    } else {
      const clock = await repo.configClock(db);
      if (clock < this.#seen) {
        // The counter went back (a database restored from a backup): nothing here can be trusted.
        this.#invalidateAll();
      } else if (clock > this.#seen) {
        for (const change of await repo.configChangesAfter(db, this.#seen)) this.invalidate(change.merchantId);
      }
      this.#seen = clock;
    }
    this.#checkedAt = started;
  }
}
