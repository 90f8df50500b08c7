// Learned wait estimates (issue 15): when a seated party left its table ("table cleared" on the
// host stand), and the estimate the guest was quoted at join, so that turn times can be learned
// from the merchant's own history and the quotes' accuracy measured against the real seat times.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // SQLite takes one ADD COLUMN per ALTER TABLE.
  await db.schema.alterTable('waitlist_entries').addColumn('left_at', 'bigint').execute();
  await db.schema.alterTable('waitlist_entries').addColumn('quoted_seat_at', 'bigint').execute();
  await db.schema.alterTable('waitlist_entries').addColumn('quoted_range_start', 'bigint').execute();
  await db.schema.alterTable('waitlist_entries').addColumn('quoted_range_end', 'bigint').execute();
  // The background refresh reads each merchant's recent history by join time.
  await db.schema.createIndex('waitlist_entries_history_idx').on('waitlist_entries').columns(['merchant_id', 'created_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('waitlist_entries_history_idx').ifExists().execute();
  for (const column of ['quoted_range_end', 'quoted_range_start', 'quoted_seat_at', 'left_at']) {
    await db.schema.alterTable('waitlist_entries').dropColumn(column).execute();
  }
}
