// Standard booking: booking rules on services, availability slots, bookings, leases and offers.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // SQLite takes one ADD COLUMN per ALTER TABLE.
  const columns: [string, 'integer' | 'bigint' | 'text', string | number | null][] = [
    ['booking_enabled', 'integer', 0],
    ['booking_confirmation_mode', 'text', 'SYNCHRONOUS'],
    ['booking_min_party_size', 'integer', 1],
    ['booking_max_party_size', 'integer', 10],
    ['cancel_before_start_sec', 'bigint', 0],
    ['user_booking_limit', 'integer', null],
    ['max_lease_sec', 'integer', 600],
    ['price_micros', 'bigint', null],
    ['currency_code', 'text', null],
  ];
  for (const [name, type, fallback] of columns) {
    await db.schema
      .alterTable('services')
      .addColumn(name, type, (c) => (fallback === null ? c : c.notNull().defaultTo(fallback)))
      .execute();
  }

  await db.schema
    .createTable('availability_slots')
    .addColumn('merchant_id', 'text', (c) => c.notNull())
    .addColumn('service_id', 'text', (c) => c.notNull())
    .addColumn('start_sec', 'bigint', (c) => c.notNull())
    .addColumn('duration_sec', 'bigint', (c) => c.notNull())
    .addColumn('staff_id', 'text', (c) => c.notNull())
    .addColumn('room_id', 'text', (c) => c.notNull())
    .addColumn('party_size', 'integer', (c) => c.notNull())
    .addColumn('spots_total', 'integer', (c) => c.notNull())
    .addColumn('availability_tag', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('availability_slots_pk', ['merchant_id', 'service_id', 'start_sec', 'duration_sec', 'staff_id', 'room_id', 'party_size'])
    .addForeignKeyConstraint('availability_slots_service_fk', ['merchant_id', 'service_id'], 'services', ['merchant_id', 'id'], (fk) => fk.onDelete('cascade'))
    .execute();

  await db.schema
    .createTable('bookings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('merchant_id', 'text', (c) => c.notNull())
    .addColumn('service_id', 'text', (c) => c.notNull())
    .addColumn('start_sec', 'bigint', (c) => c.notNull())
    .addColumn('duration_sec', 'bigint', (c) => c.notNull())
    .addColumn('staff_id', 'text', (c) => c.notNull())
    .addColumn('room_id', 'text', (c) => c.notNull())
    .addColumn('slot_party_size', 'integer', (c) => c.notNull())
    .addColumn('party_size', 'integer', (c) => c.notNull())
    .addColumn('availability_tag', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('confirmation_mode', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text')
    .addColumn('given_name', 'text', (c) => c.notNull())
    .addColumn('family_name', 'text', (c) => c.notNull())
    .addColumn('telephone', 'text')
    .addColumn('email', 'text')
    .addColumn('language_code', 'text')
    .addColumn('additional_request', 'text')
    .addColumn('offer_id', 'text')
    .addColumn('lease_id', 'text')
    .addColumn('payment_json', 'text')
    .addColumn('prepayment_status', 'text', (c) => c.notNull())
    .addColumn('payment_transaction_id', 'text')
    .addColumn('canceled_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('canceled_at', 'bigint')
    .execute();
  await db.schema.createIndex('bookings_slot_idx').on('bookings').columns(['merchant_id', 'service_id', 'start_sec']).execute();
  await db.schema.createIndex('bookings_user_idx').on('bookings').columns(['user_id', 'start_sec']).execute();

  await db.schema
    .createTable('leases')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('merchant_id', 'text', (c) => c.notNull())
    .addColumn('service_id', 'text', (c) => c.notNull())
    .addColumn('start_sec', 'bigint', (c) => c.notNull())
    .addColumn('duration_sec', 'bigint', (c) => c.notNull())
    .addColumn('staff_id', 'text', (c) => c.notNull())
    .addColumn('room_id', 'text', (c) => c.notNull())
    .addColumn('slot_party_size', 'integer', (c) => c.notNull())
    .addColumn('party_size', 'integer', (c) => c.notNull())
    .addColumn('availability_tag', 'text', (c) => c.notNull())
    .addColumn('user_reference', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('booking_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('leases_slot_idx').on('leases').columns(['merchant_id', 'service_id', 'start_sec']).execute();

  await db.schema
    .createTable('offers')
    .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('service_id', 'text')
    .addColumn('active', 'integer', (c) => c.notNull())
    .addColumn('valid_from_sec', 'bigint')
    .addColumn('valid_until_sec', 'bigint')
    .addColumn('description', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('offers_pk', ['merchant_id', 'id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['offers', 'leases', 'bookings', 'availability_slots']) await db.schema.dropTable(table).ifExists().execute();
}
