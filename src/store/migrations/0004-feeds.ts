// Daily feeds: the per-service availability format (spots_open | recurrence), the waitlist's
// "call the merchant above the maximum party size" option, and the record of daily feed runs
// that lets exactly one replica run the scheduled generate+upload each day.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // SQLite takes one ADD COLUMN per ALTER TABLE.
  await db.schema
    .alterTable('services')
    .addColumn('availability_format', 'text', (c) => c.notNull().defaultTo('spots_open'))
    .execute();
  await db.schema
    .alterTable('services')
    .addColumn('call_merchant_above_max_party_size', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema
    .createTable('feed_runs')
    // UTC date of the scheduled run, 'YYYY-MM-DD': one row per day, claimed by one replica.
    .addColumn('run_date', 'text', (c) => c.primaryKey())
    .addColumn('claimed_by', 'text', (c) => c.notNull())
    .addColumn('claimed_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .addColumn('outcome', 'text')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('feed_runs').ifExists().execute();
  await db.schema.alterTable('services').dropColumn('call_merchant_above_max_party_size').execute();
  await db.schema.alterTable('services').dropColumn('availability_format').execute();
}
