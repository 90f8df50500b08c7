// Operations (issue 14). Retention of guests' personal data: entries and bookings past the
// retention period are anonymised in place (names, phone, email, Google user id, requests cleared;
// counts and times kept), marked with the time it was done; a daily run is claimed by one replica
// per UTC date. Removal: a merchant or a service can be deactivated (Google stops seeing it).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('waitlist_entries').addColumn('anonymised_at', 'bigint').execute();
  await db.schema.alterTable('bookings').addColumn('anonymised_at', 'bigint').execute();
  await db.schema.alterTable('merchants').addColumn('deactivated_at', 'bigint').execute();
  await db.schema.alterTable('services').addColumn('deactivated_at', 'bigint').execute();
  // The daily run looks for rows not yet anonymised, oldest first.
  await db.schema
    .createIndex('waitlist_entries_retention_idx')
    .on('waitlist_entries')
    .column('updated_at')
    .where(sql.ref('anonymised_at'), 'is', null)
    .execute();
  await db.schema.createIndex('bookings_retention_idx').on('bookings').column('start_sec').where(sql.ref('anonymised_at'), 'is', null).execute();
  await db.schema.createIndex('idempotency_records_created_idx').on('idempotency_records').column('created_at').execute();
  await db.schema
    .createTable('retention_runs')
    // UTC date of the run, 'YYYY-MM-DD': one row per day, claimed by one replica.
    .addColumn('run_date', 'text', (c) => c.primaryKey())
    .addColumn('claimed_by', 'text', (c) => c.notNull())
    .addColumn('claimed_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .addColumn('outcome', 'text')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('retention_runs').ifExists().execute();
  await db.schema.dropIndex('idempotency_records_created_idx').ifExists().execute();
  await db.schema.dropIndex('bookings_retention_idx').ifExists().execute();
  await db.schema.dropIndex('waitlist_entries_retention_idx').ifExists().execute();
  await db.schema.alterTable('services').dropColumn('deactivated_at').execute();
  await db.schema.alterTable('merchants').dropColumn('deactivated_at').execute();
  await db.schema.alterTable('bookings').dropColumn('anonymised_at').execute();
  await db.schema.alterTable('waitlist_entries').dropColumn('anonymised_at').execute();
}
