// The outbox of real-time updates: written in the transaction of the change, claimed and marked
// by the worker. A row is done only after Google accepted it; nothing is ever silently dropped.
import { sql } from 'kysely';
import type { BookingEvents, BookingField } from '../bookings/events.js';
import { atCommit } from '../store/at-commit.js';
import type { Db, Store, Tx } from '../store/database.js';
import * as queue from '../store/outbox-queue.js';
import { preparedWith } from '../store/prepared.js';

export type OutboxItem =
  | { readonly kind: 'booking'; readonly merchantId: string; readonly bookingId: string; readonly fields: readonly BookingField[] }
  | { readonly kind: 'availability'; readonly merchantId: string; readonly serviceId: string; readonly fromSec: number; readonly toSec: number };

export interface OutboxRow {
  readonly id: number;
  readonly item: OutboxItem;
  readonly entityKey: string;
  readonly attempts: number;
  readonly createdAt: number;
}

export function entityKey(item: OutboxItem): string {
  return item.kind === 'booking' ? `booking:${item.bookingId}` : `availability:${JSON.stringify([item.merchantId, item.serviceId])}`;
}

/** enqueue's statement, built once (prepared.ts): every booking writes one. */
const insertItem = preparedWith<{ kind: OutboxItem['kind']; entityKey: string; payload: string; now: number; merchantId: string }, never>((q, v) =>
  q.insertInto('outbox').values({
    kind: v.kind,
    entity_key: v.entityKey,
    payload: v.payload,
    status: 'pending',
    attempts: 0,
    available_at: v.now,
    claimed_by: null,
    claimed_until: null,
    last_error: null,
    created_at: v.now,
    delivered_at: null,
    merchant_id: v.merchantId,
  }),
);

/**
 * Adds an update to deliver; call inside the transaction that makes the change. The row is written
 * at the end of that transaction, atomically with it (atCommit: on PostgreSQL it goes with the COMMIT).
 */
export async function enqueue(trx: Tx, item: OutboxItem, now: number): Promise<void> {
  const { kind, ...payload } = item;
  atCommit(trx, insertItem.compile(trx, { kind, entityKey: entityKey(item), payload: JSON.stringify(payload), now, merchantId: item.merchantId }));
}

/**
 * The outbox as the listener of bookings and availability (wired in src/app.ts): every change of open
 * spots is an availability update; a booking change is a booking update only when Google did not make
 * it itself (its own calls it knows about) and the booking came through Google (it never saw others).
 */
export const outboxListener: BookingEvents = {
  availabilityChanged: (trx, change, now) => enqueue(trx, { kind: 'availability', ...change }, now),
  async bookingChanged(trx, booking, fields, by, now) {
    if (by !== 'merchant' || booking.source !== 'google' || fields.length === 0) return;
    await enqueue(trx, { kind: 'booking', merchantId: booking.slot.merchantId, bookingId: booking.id, fields }, now);
  },
};

function toRow(r: { id: number | string; kind: string; entity_key: string; payload: string; attempts: number; created_at: number | string }): OutboxRow {
  return {
    id: Number(r.id),
    item: { kind: r.kind, ...(JSON.parse(r.payload) as object) } as OutboxItem,
    entityKey: r.entity_key,
    attempts: r.attempts,
    createdAt: Number(r.created_at),
  };
}

/**
 * Claims every pending row of up to `entities` entities that are due and not claimed by another
 * worker (src/store/outbox-queue.ts: one claimer at a time, a lease that lapses when a worker dies).
 */
export async function claim(store: Store, worker: string, now: number, leaseSec: number, entities: number): Promise<OutboxRow[]> {
  const claimed = await queue.claim(store, 'outbox', worker, now, leaseSec, entities);
  if (claimed.length === 0) return [];
  const rows = await store.db
    .selectFrom('outbox')
    .select(['id', 'kind', 'entity_key', 'payload', 'attempts', 'created_at'])
    .where(
      'id',
      'in',
      claimed.map((c) => c.id),
    )
    .orderBy('id')
    .execute();
  return rows.map(toRow);
}

/**
 * Extends this worker's claim on rows it is still delivering (a long replace spans several calls);
 * false when the claim was lost (it lapsed and another worker took the rows over).
 */
export const renewClaim = (trx: Tx, worker: string, ids: readonly number[], until: number): Promise<boolean> =>
  queue.renewClaim(trx, 'outbox', worker, ids, until);

export const markDone = (trx: Tx, worker: string, ids: readonly number[], now: number): Promise<void> => queue.markDone(trx, 'outbox', worker, ids, now);

/** Gives the rows back for a later attempt (network error, 429, 5xx). */
export const markRetry = (trx: Tx, worker: string, ids: readonly number[], availableAt: number, error: string): Promise<void> =>
  queue.markRetry(trx, 'outbox', worker, ids, availableAt, error);

/** Parks rows that retrying cannot fix (a 4xx other than 429) until an operator replays them. */
export const markDead = (trx: Tx, worker: string, ids: readonly number[], error: string): Promise<void> => queue.markDead(trx, 'outbox', worker, ids, error);

/** Puts dead-lettered rows back in the queue (all, or the given ids); returns how many. */
export const replayDead = (trx: Tx, now: number, ids?: readonly number[]): Promise<number> => queue.replayDead(trx, 'outbox', now, ids);

export interface DeadLetter {
  readonly id: number;
  readonly kind: string;
  readonly entityKey: string;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly createdAt: number;
}

export async function listDead(db: Db, limit: number): Promise<DeadLetter[]> {
  const rows = await db.selectFrom('outbox').selectAll().where('status', '=', 'dead').orderBy('id').limit(limit).execute();
  return rows.map((r) => ({
    id: Number(r.id),
    kind: r.kind,
    entityKey: r.entity_key,
    attempts: r.attempts,
    lastError: r.last_error,
    createdAt: Number(r.created_at),
  }));
}

export interface OutboxStats {
  readonly pending: number;
  readonly dead: number;
  readonly oldestPendingCreatedAt: number | null;
  readonly pendingByKind: Record<string, number>;
}

/** Pending and dead rows counted from (status, kind) groups: pending per kind, dead, the oldest pending. */
function tally(rows: readonly { status: string; kind: string; n: number | string; oldest: number | string | null }[]): OutboxStats {
  let pending = 0;
  let dead = 0;
  let oldest: number | null = null;
  const pendingByKind: Record<string, number> = {};
  for (const r of rows) {
    const n = Number(r.n);
    if (r.status === 'dead') {
      dead += n;
      continue;
    }
    pending += n;
    pendingByKind[r.kind] = (pendingByKind[r.kind] ?? 0) + n;
    const o = r.oldest === null ? null : Number(r.oldest);
    if (o !== null && (oldest === null || o < oldest)) oldest = o;
  }
  return { pending, dead, oldestPendingCreatedAt: oldest, pendingByKind };
}

export async function stats(db: Db): Promise<OutboxStats> {
  const rows = await db
    .selectFrom('outbox')
    .select(['status', 'kind', sql<number>`count(*)`.as('n'), sql<number | null>`min(created_at)`.as('oldest')])
    .where('status', 'in', ['pending', 'dead'])
    .groupBy(['status', 'kind'])
    .execute();
  return tally(rows);
}

/** Deletes delivered rows older than `olderThan` (they are history, not state). */
export async function pruneDelivered(trx: Tx, olderThan: number): Promise<number> {
  const result = await trx.deleteFrom('outbox').where('status', '=', 'done').where('delivered_at', '<', olderThan).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** An update to Google of one merchant that failed and is being retried or is parked. */
export interface OutboxFailure {
  readonly id: number;
  readonly kind: string;
  readonly status: 'retrying' | 'dead';
  readonly attempts: number;
  readonly error: string;
  /** When the change was made. */
  readonly createdAt: number;
  /** Retrying only: when the next attempt is due. */
  readonly nextAttemptAt: number | null;
}

export interface MerchantOutboxStats {
  readonly pending: number;
  readonly pendingByKind: Record<string, number>;
  readonly deliveredSince: number;
  readonly dead: number;
  readonly oldestPendingCreatedAt: number | null;
  readonly lastFailure: OutboxFailure | null;
}

/** One merchant's updates: waiting, delivered since `since`, dead, and the latest failure still unresolved. */
export async function merchantStats(db: Db, merchantId: string, since: number): Promise<MerchantOutboxStats> {
  const [rows, delivered, failure] = await Promise.all([
    db
      .selectFrom('outbox')
      .select(['status', 'kind', sql<number>`count(*)`.as('n'), sql<number | null>`min(created_at)`.as('oldest')])
      .where('merchant_id', '=', merchantId)
      .where('status', 'in', ['pending', 'dead'])
      .groupBy(['status', 'kind'])
      .execute(),
    db
      .selectFrom('outbox')
      .select(sql<number>`count(*)`.as('n'))
      .where('merchant_id', '=', merchantId)
      .where('status', '=', 'done')
      .where('delivered_at', '>=', since)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('outbox')
      .select(['id', 'kind', 'status', 'attempts', 'last_error', 'created_at', 'available_at'])
      .where('merchant_id', '=', merchantId)
      .where('status', 'in', ['pending', 'dead'])
      .where('last_error', 'is not', null)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst(),
  ]);
  return {
    ...tally(rows),
    deliveredSince: Number(delivered.n),
    lastFailure:
      failure === undefined
        ? null
        : {
            id: Number(failure.id),
            kind: failure.kind,
            status: failure.status === 'dead' ? 'dead' : 'retrying',
            attempts: failure.attempts,
            error: failure.last_error ?? '',
            createdAt: Number(failure.created_at),
            nextAttemptAt: failure.status === 'dead' ? null : Number(failure.available_at),
          },
  };
}
