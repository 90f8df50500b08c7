// Foundation schema: merchants, hours, services, tables, waitlist entries, idempotency, admin tokens.
// Written with Kysely's schema builder so that it runs unchanged on SQLite and PostgreSQL.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('merchants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('time_zone', 'text', (c) => c.notNull())
    .addColumn('telephone', 'text')
    .addColumn('street_address', 'text')
    .addColumn('locality', 'text')
    .addColumn('region', 'text')
    .addColumn('postal_code', 'text')
    .addColumn('country', 'text')
    .addColumn('waitlist_advisement', 'text')
    .addColumn('turn_times', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('opening_hours')
    .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('day', 'integer', (c) => c.notNull())
    .addColumn('open', 'text', (c) => c.notNull())
    .addColumn('close', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('opening_hours_pk', ['merchant_id', 'position'])
    .execute();

  await db.schema
    .createTable('services')
    .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('waitlist_enabled', 'integer', (c) => c.notNull())
    .addColumn('waitlist_paused', 'integer', (c) => c.notNull())
    .addColumn('min_party_size', 'integer', (c) => c.notNull())
    .addColumn('max_party_size', 'integer', (c) => c.notNull())
    .addColumn('max_queue_length', 'integer')
    .addColumn('allowed_phone_countries', 'text', (c) => c.notNull())
    .addColumn('supports_additional_request', 'integer', (c) => c.notNull())
    .addColumn('confirmation_mode', 'text', (c) => c.notNull())
    .addColumn('walk_in_when_no_wait', 'integer', (c) => c.notNull())
    .addColumn('max_quoted_wait_minutes', 'integer')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('services_pk', ['merchant_id', 'id'])
    .execute();

  await db.schema
    .createTable('dining_tables')
    .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('min_seats', 'integer', (c) => c.notNull())
    .addColumn('seats', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('dining_tables_pk', ['merchant_id', 'id'])
    .execute();

  await db.schema
    .createTable('waitlist_entries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('merchant_id', 'text', (c) => c.notNull())
    .addColumn('service_id', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('party_size', 'integer', (c) => c.notNull())
    .addColumn('given_name', 'text', (c) => c.notNull())
    .addColumn('family_name', 'text', (c) => c.notNull())
    .addColumn('telephone', 'text')
    .addColumn('email', 'text')
    .addColumn('google_user_id', 'text')
    .addColumn('additional_request', 'text')
    .addColumn('table_id', 'text')
    .addColumn('queue_seq', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('confirmed_at', 'bigint')
    .addColumn('canceled_at', 'bigint')
    .addColumn('declined_at', 'bigint')
    .addColumn('service_readied_at', 'bigint')
    .addColumn('checked_in_at', 'bigint')
    .addColumn('seated_at', 'bigint')
    .addColumn('marked_no_show_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addForeignKeyConstraint('waitlist_entries_service_fk', ['merchant_id', 'service_id'], 'services', ['merchant_id', 'id'])
    .execute();
  await db.schema.createIndex('waitlist_entries_queue_idx').on('waitlist_entries').columns(['merchant_id', 'service_id', 'state', 'queue_seq']).execute();
  // One live entry per Google user: the constraint, not a prior read, decides EXISTING_WAITLIST_ENTRY.
  await db.schema
    .createIndex('waitlist_entries_one_active_per_user')
    .on('waitlist_entries')
    .column('google_user_id')
    .unique()
    .where(sql<boolean>`google_user_id is not null and state in ('WAITING', 'PENDING_MERCHANT_CONFIRMATION', 'SERVICE_READY', 'CHECKED_IN')`)
    .execute();

  await db.schema
    .createTable('idempotency_records')
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('token', 'text', (c) => c.notNull())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('response_json', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_records_pk', ['scope', 'token'])
    .execute();

  await db.schema
    .createTable('admin_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('merchant_id', 'text', (c) => c.references('merchants.id').onDelete('cascade'))
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['admin_tokens', 'idempotency_records', 'waitlist_entries', 'dining_tables', 'services', 'opening_hours', 'merchants']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
