// The claim machinery shared by the outboxes (real-time updates to Google in `outbox`, texts to
// guests in `guest_messages`): both tables have the same outbox columns, and rows of one entity
// are delivered in id order by one worker at a time, under a renewable lease. Rows are written by
// the owner of each outbox in the transaction of the change; this module only claims and marks.
// Every write here takes an open transaction (`Store.transaction`): on SQLite a worker's marks then
// share a group commit with the requests' transactions, whose fsync runs off the event loop
// (GroupCommit, database.ts), where an autocommit write would fsync on it, one fsync per mark.
import { sql } from 'kysely';
import type { Store, Tx } from './database.js';

/** The tables that carry the outbox columns (id, entity_key, status, attempts, available_at, claimed_by, claimed_until, last_error, created_at, delivered_at). */
export type OutboxTableName = 'outbox' | 'guest_messages';

// Kysely types each table apart; the queries below touch only the columns both share, so they are
// written once against `outbox` and run on whichever table is named.
const as = (table: OutboxTableName): 'outbox' => table as 'outbox';

export interface ClaimedRow {
  readonly id: number;
  readonly entityKey: string;
  readonly attempts: number;
  readonly createdAt: number;
}

/** How many due rows, at most, a claim looks at per entity it may take: its window. */
const WINDOW_PER_ENTITY = 8;

/**
 * Claims every pending row of up to `entities` entities that are due and not claimed by another
 * worker, and returns their ids in order. Claims are serialised (one claimer at a time per
 * table), so an entity is only ever in one worker's hands and its rows cannot overtake each
 * other. A claim lapses after `leaseSec` (a worker that died), and the rows become claimable again.
 *
 * An entity is claimable when every one of its pending rows is due and none is claimed. The claim
 * reads only the first due rows of claimable entities (`WINDOW_PER_ENTITY` per entity asked for),
 * in the order they fell due, by the pending index (status, available_at, id), each checked
 * against its entity's other pending rows by the entity index: its cost does not grow with the
 * backlog. (It grouped every pending row by entity before: with texts arriving faster than one
 * worker sent them, each claim scanned the whole backlog, 1.8 to 3.5 ms on the event loop per claim
 * in the bench, and the worker fell further behind.)
 */
export async function claim(store: Store, table: OutboxTableName, worker: string, now: number, leaseSec: number, entities: number): Promise<ClaimedRow[]> {
  const t = as(table);
  return store.transaction(async (trx) => {
    // PostgreSQL plans from its statistics, which lag a table that grows fast (a new install, a
    // burst of joins: autovacuum analyzes at most once a minute). Believing few rows pending, it
    // read every pending row by a bitmap scan and sorted them, the cost growing with the backlog
    // (24 ms a claim in the bench, against 0.9 ms by the pending index's order; docs/PERFORMANCE.md). Without bitmap and
    // sequential scans, only that order remains, whatever the statistics say; for this
    // transaction only (set_config's third argument: as SET LOCAL).
    if (store.dialect === 'postgres') {
      await sql`select set_config('enable_bitmapscan', 'off', true), set_config('enable_seqscan', 'off', true)`.execute(trx);
    }
    await store.lockKeys(trx, [`${table}-claim`]);
    const due = await dueEntities(trx, table, now, entities).execute();
    if (due.length === 0) return [];
    const keys = due.map((d) => d.entity_key);
    await trx
      .updateTable(t)
      .set({ claimed_by: worker, claimed_until: now + leaseSec })
      .where('status', '=', 'pending')
      .where('entity_key', 'in', keys)
      .execute();
    const rows = await trx
      .selectFrom(t)
      .select(['id', 'entity_key', 'attempts', 'created_at'])
      .where('status', '=', 'pending')
      .where('claimed_by', '=', worker)
      .where('entity_key', 'in', keys)
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      id: Number(r.id),
      entityKey: r.entity_key,
      attempts: r.attempts,
      createdAt: Number(r.created_at),
    }));
  });
}

/**
 * The claim's first read: the entities whose first due rows come first in the pending index's
 * order (status, available_at, id), at most WINDOW_PER_ENTITY rows read per entity asked for.
 */
export function dueEntities(trx: Tx, table: OutboxTableName, now: number, entities: number) {
  const t = as(table);
  const window = trx
    .selectFrom(`${t} as m` as 'outbox as m')
    .select(['m.entity_key', 'm.id'])
    .where('m.status', '=', 'pending')
    .where('m.available_at', '<=', now)
    .where((eb) => eb.or([eb('m.claimed_until', 'is', null), eb('m.claimed_until', '<=', now)]))
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom(`${t} as x` as 'outbox as x')
            .select(sql`1`.as('one'))
            .whereRef('x.entity_key', '=', 'm.entity_key')
            .where('x.status', '=', 'pending')
            .where((eb) => eb.or([eb('x.available_at', '>', now), eb('x.claimed_until', '>', now)])),
        ),
      ),
    )
    .orderBy('m.available_at')
    .orderBy('m.id')
    .limit(entities * WINDOW_PER_ENTITY)
    .as('w');
  return trx
    .selectFrom(window)
    .select(['w.entity_key', sql<number>`min(w.id)`.as('first')])
    .groupBy('w.entity_key')
    .orderBy('first')
    .limit(entities);
}

/** Extends this worker's claim on rows it is still delivering; false when the claim was lost (it lapsed and another worker took the rows over). */
export async function renewClaim(trx: Tx, table: OutboxTableName, worker: string, ids: readonly number[], until: number): Promise<boolean> {
  const result = await trx
    .updateTable(as(table))
    .set({ claimed_until: until })
    .where('id', 'in', [...ids])
    .where('status', '=', 'pending')
    .where('claimed_by', '=', worker)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === ids.length;
}

export async function markDone(trx: Tx, table: OutboxTableName, worker: string, ids: readonly number[], now: number): Promise<void> {
  if (ids.length === 0) return;
  await trx
    .updateTable(as(table))
    .set({
      status: 'done',
      delivered_at: now,
      claimed_by: null,
      claimed_until: null,
      last_error: null,
    })
    .where('id', 'in', [...ids])
    .where('claimed_by', '=', worker)
    .execute();
}

/** Gives the rows back for a later attempt. */
export async function markRetry(trx: Tx, table: OutboxTableName, worker: string, ids: readonly number[], availableAt: number, error: string): Promise<void> {
  if (ids.length === 0) return;
  await trx
    .updateTable(as(table))
    .set((eb) => ({
      attempts: eb('attempts', '+', 1),
      available_at: availableAt,
      claimed_by: null,
      claimed_until: null,
      last_error: error.slice(0, 2000),
    }))
    .where('id', 'in', [...ids])
    .where('claimed_by', '=', worker)
    .execute();
}

/** Parks rows that retrying cannot fix until an operator replays them. */
export async function markDead(trx: Tx, table: OutboxTableName, worker: string, ids: readonly number[], error: string): Promise<void> {
  if (ids.length === 0) return;
  await trx
    .updateTable(as(table))
    .set((eb) => ({
      status: 'dead',
      attempts: eb('attempts', '+', 1),
      claimed_by: null,
      claimed_until: null,
      last_error: error.slice(0, 2000),
    }))
    .where('id', 'in', [...ids])
    .where('claimed_by', '=', worker)
    .execute();
}

/** Puts dead-lettered rows back in the queue (all, or the given ids); returns how many. */
export async function replayDead(trx: Tx, table: OutboxTableName, now: number, ids?: readonly number[]): Promise<number> {
  let query = trx
    .updateTable(as(table))
    .set({
      status: 'pending',
      attempts: 0,
      available_at: now,
      last_error: null,
    })
    .where('status', '=', 'dead');
  if (ids !== undefined) query = query.where('id', 'in', ids.length > 0 ? [...ids] : [-1]);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Exponential backoff with full jitter, at least a second (one drain never retries a failure in a loop), at most `capSec`. */
export function backoffSeconds(attempts: number, capSec: number): number {
  return Math.max(1, Math.ceil(Math.random() * Math.min(capSec, 2 ** Math.min(attempts, 20))));
}

/**
 * How long to wait before retrying a failed send: the receiver's Retry-After when it gave one
 * (rounded up, at least a second, at most an hour), otherwise `backoffSeconds` for this attempt.
 * Both outboxes' workers (guest texts, real-time updates to Google) use it.
 */
export function retryDelaySeconds(retryAfterSec: number | null, attempts: number, capSec: number): number {
  return retryAfterSec !== null ? Math.min(3600, Math.max(1, Math.ceil(retryAfterSec))) : backoffSeconds(attempts, capSec);
}

/**
 * The polling loop of an outbox's worker: `drain` runs at `start`, then again `pollMs` after each
 * pass ends (never two passes at once); a failed pass is reported to `onError` and the loop goes
 * on. `stop` ends the loop and waits for the pass in progress, whose rows are marked as usual.
 */
export class PollLoop {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  #stopped = true;

  constructor(
    private readonly drain: () => Promise<unknown>,
    private readonly pollMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** True until `start` and after `stop`: a pass in progress ends early then. */
  get stopped(): boolean {
    return this.#stopped;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    const loop = (): void => {
      if (this.#stopped) return;
      this.running = this.drain()
        .then(() => undefined)
        .catch(this.onError)
        .finally(() => {
          this.running = null;
          if (!this.#stopped) this.timer = setTimeout(loop, this.pollMs);
        });
    };
    loop();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
