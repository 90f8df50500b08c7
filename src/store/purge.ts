// Deleting a merchant's or one service's rows for good (docs/ADMIN-API.md, "Deleting for good"):
// every table that holds them, counted (the dry run) or deleted in the caller's transaction,
// children before parents. The rules (deactivated first, nothing Google still has to hear) are
// src/removal/service.ts's; this module only knows where the rows are. A table added later that
// holds a merchant's rows must be listed here (src/removal/purge.test.ts checks every table with a
// merchant_id column is covered).
import { type RawBuilder, type SqlBool, sql } from 'kysely';
import type { Db, Tx } from './database.js';
import type { Database } from './schema.js';

export interface PurgeTarget {
  readonly merchantId: string;
  /** null: the whole merchant. */
  readonly serviceId: string | null;
}

type Where = (t: PurgeTarget) => RawBuilder<SqlBool>;

const entriesOfService = (t: PurgeTarget) => sql`(select id from waitlist_entries where merchant_id = ${t.merchantId} and service_id = ${t.serviceId})`;
const byMerchant: Where = (t) => sql<SqlBool>`merchant_id = ${t.merchantId}`;
/** The service's rows when a service goes, the merchant's otherwise. */
const byService: Where = (t) => (t.serviceId === null ? byMerchant(t) : sql<SqlBool>`merchant_id = ${t.merchantId} and service_id = ${t.serviceId}`);
/** Rows of an entry (texts, replies, links): the service's entries when a service goes. */
const byEntry: Where = (t) => (t.serviceId === null ? byMerchant(t) : sql<SqlBool>`merchant_id = ${t.merchantId} and entry_id in ${entriesOfService(t)}`);

interface PurgeTable {
  readonly name: keyof Database;
  readonly where: Where;
  /** false: rows of the whole merchant only (a service's purge leaves them). */
  readonly perService: boolean;
}

/** Children before parents; change_log last, since the deletes above it write to it (triggers). */
const TABLES: readonly PurgeTable[] = [
  {
    name: 'outbox',
    perService: true,
    // A service's: its availability updates, and its bookings' notifications.
    where: (t) =>
      t.serviceId === null
        ? byMerchant(t)
        : sql<SqlBool>`merchant_id = ${t.merchantId} and (entity_key = ${`availability:${JSON.stringify([t.merchantId, t.serviceId])}`} or entity_key in (select 'booking:' || id from bookings where merchant_id = ${t.merchantId} and service_id = ${t.serviceId}))`,
  },
  { name: 'guest_messages', perService: true, where: byEntry },
  { name: 'guest_replies', perService: true, where: byEntry },
  { name: 'guest_links', perService: true, where: byEntry },
  { name: 'leases', perService: true, where: byService },
  { name: 'bookings', perService: true, where: byService },
  { name: 'waitlist_entries', perService: true, where: byService },
  { name: 'availability_slots', perService: true, where: byService },
  { name: 'offers', perService: true, where: byService },
  { name: 'dining_tables', perService: false, where: byMerchant },
  { name: 'opening_hours', perService: false, where: byMerchant },
  { name: 'web_sessions', perService: false, where: byMerchant },
  { name: 'staff', perService: false, where: byMerchant },
  { name: 'admin_tokens', perService: false, where: byMerchant },
  { name: 'learned_models', perService: false, where: byMerchant },
  // The admin API's own idempotency records (walk-ins, bookings made on the screen) name the merchant.
  { name: 'idempotency_records', perService: false, where: (t) => sql<SqlBool>`scope in (${`walk-in:${t.merchantId}`}, ${`admin-booking:${t.merchantId}`})` },
  {
    name: 'services',
    perService: true,
    where: (t) => (t.serviceId === null ? byMerchant(t) : sql<SqlBool>`merchant_id = ${t.merchantId} and id = ${t.serviceId}`),
  },
  { name: 'merchants', perService: false, where: (t) => sql<SqlBool>`id = ${t.merchantId}` },
  { name: 'change_log', perService: false, where: byMerchant },
];

/** The tables a purge covers (for the test that checks none holding a merchant's rows is missed). */
export const PURGED_TABLES: readonly string[] = TABLES.map((t) => t.name);

/**
 * Tables with a merchant column that a purge keeps, and why: `read_model_versions` holds only the
 * merchant's id and a change counter, which the purge's own deletes raise so that every replica
 * drops the deleted merchant from memory (migration 0012); deleting it would hide that.
 */
export const KEPT_TABLES: Readonly<Record<string, string>> = {
  read_model_versions: 'the change counter other replicas read to drop the merchant from memory',
};

const tablesFor = (target: PurgeTarget) => TABLES.filter((t) => target.serviceId === null || t.perService);

/** Rows per table that a purge of `target` would delete now. */
export async function countPurge(q: Db | Tx, target: PurgeTarget): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of tablesFor(target)) {
    const row = await q.selectFrom(table.name).select(sql<number | string>`count(*)`.as('n')).where(table.where(target)).executeTakeFirstOrThrow();
    counts[table.name] = Number(row.n);
  }
  return counts;
}

/** Deletes them in the caller's transaction; rows deleted per table. */
export async function purge(trx: Tx, target: PurgeTarget): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of tablesFor(target)) {
    const result = await trx.deleteFrom(table.name).where(table.where(target)).executeTakeFirst();
    counts[table.name] = Number(result.numDeletedRows);
  }
  return counts;
}

/** Updates to Google about the target that are still waiting for delivery (pending). */
export async function pendingOutbox(q: Db | Tx, target: PurgeTarget): Promise<number> {
  const outbox = TABLES[0]!;
  const row = await q
    .selectFrom('outbox')
    .select(sql<number | string>`count(*)`.as('n'))
    .where('status', '=', 'pending')
    .where(outbox.where(target))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
