// Tells this process's live-update streams (the host stand's server-sent events) that a
// merchant's data changed, whoever changed it: this replica, another one, Google's /v3 calls, the
// CLI. Migration 0007's triggers write a change_log row in the same transaction as every write of
// a merchant's rows, so a change is visible here exactly when it commits. The feed polls the
// recent log (one indexed query per poll while anyone listens) and is poked right after this
// process's own writes, so the delay is about the poll interval for other writers and one query
// for local ones. Rows are read by time, not only by sequence: PostgreSQL sequence numbers commit
// out of order, so a number lower than one already seen can still appear; the feed keeps the
// numbers it has seen inside the window instead.
import { sql } from 'kysely';
import type { Store } from './database.js';

export type ChangeListener = (change: { readonly merchantId: string; readonly seq: number }) => void;

/** Changes are looked for this far back (a transaction open longer than this could be missed). */
const WINDOW_MS = 30_000;
/** Log rows older than this are deleted. */
const KEEP_MS = 10 * 60_000;

export class ChangeFeed {
  private readonly listeners = new Map<string, Set<ChangeListener>>();
  private readonly seen = new Map<number, number>();
  private timer: NodeJS.Timeout | null = null;
  private primed = false;
  private polling: Promise<void> | null = null;
  private again = false;
  private lastPrune = 0;

  constructor(
    private readonly store: Store,
    private readonly pollMs: number,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  /** Calls `listener` after each committed change of the merchant's data; returns the unsubscribe. */
  subscribe(merchantId: string, listener: ChangeListener): () => void {
    let set = this.listeners.get(merchantId);
    if (!set) {
      set = new Set();
      this.listeners.set(merchantId, set);
    }
    set.add(listener);
    if (this.timer === null) {
      this.timer = setInterval(() => this.poke(), this.pollMs);
      this.timer.unref();
      this.poke();
    }
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(merchantId);
      if (this.listeners.size === 0) this.stop();
    };
  }

  get listenerCount(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }

  /** Looks for changes now (after a write of this process); a no-op when nobody listens. */
  poke(): void {
    if (this.timer === null) return;
    if (this.polling) {
      this.again = true;
      return;
    }
    this.polling = this.poll()
      .catch(this.onError)
      .finally(() => {
        this.polling = null;
        if (this.again) {
          this.again = false;
          this.poke();
        }
      });
  }

  /**
   * Resolves once the feed knows the log as it is now, so that every change committed afterwards
   * reaches the listeners: a stream tells its client to load the data only then.
   */
  async ready(): Promise<void> {
    while (this.polling) await this.polling;
    if (!this.primed) await this.poll();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.primed = false;
    this.seen.clear();
  }

  private nowMsSql() {
    return this.store.dialect === 'postgres'
      ? sql<number>`floor(extract(epoch from clock_timestamp()) * 1000)::bigint`
      : sql<number>`cast(unixepoch('subsec') * 1000 as integer)`;
  }

  private async poll(): Promise<void> {
    const db = this.store.db;
    const rows = await db
      .selectFrom('change_log')
      .select(['seq', 'merchant_id', 'changed_at'])
      .where('changed_at', '>', sql<number>`${this.nowMsSql()} - ${WINDOW_MS}`)
      .execute();
    const changed = new Map<string, number>();
    for (const row of rows) {
      const seq = Number(row.seq);
      if (this.seen.has(seq)) continue;
      this.seen.set(seq, Number(row.changed_at));
      if (this.primed) changed.set(row.merchant_id, Math.max(seq, changed.get(row.merchant_id) ?? 0));
    }
    // Forget numbers that left the window.
    if (this.seen.size > rows.length) {
      const inWindow = new Set(rows.map((r) => Number(r.seq)));
      for (const seq of this.seen.keys()) if (!inWindow.has(seq)) this.seen.delete(seq);
    }
    this.primed = true;
    for (const [merchantId, seq] of changed) {
      for (const listener of this.listeners.get(merchantId) ?? []) listener({ merchantId, seq });
    }
    if (Date.now() - this.lastPrune > 60_000) {
      this.lastPrune = Date.now();
      // A transaction of the store's: on SQLite it shares a group commit (fsync off the event loop).
      await this.store.transaction((trx) => trx.deleteFrom('change_log').where('changed_at', '<', sql<number>`${this.nowMsSql()} - ${KEEP_MS}`).execute());
    }
  }
}
