// What the host stand's health and availability screens show a merchant (issue 13): real-time
// updates to Google per merchant (the outbox row's merchant, indexed), the last run of each daily
// feed kind (when, outcome, counts, error), and a change_log row for each guest reply, so that a
// text from a guest reaches the host stand's live stream like any other change.
import { type Kysely, PostgresAdapter, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;

  // The merchant an update to Google is about (null only for rows whose booking is gone).
  await db.schema.alterTable('outbox').addColumn('merchant_id', 'text').execute();
  await backfillOutboxMerchants(db);
  await db.schema.createIndex('outbox_merchant_idx').on('outbox').columns(['merchant_id', 'status', 'id']).execute();

  // One row per feed kind per run of `feeds run` (the daily run included).
  await db.schema
    .createTable('feed_kind_runs')
    .addColumn('id', postgres ? 'bigserial' : 'integer', (c) => (postgres ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint', (c) => c.notNull())
    // 'ok' (generated and uploaded) or 'failed'.
    .addColumn('outcome', 'text', (c) => c.notNull())
    // Null when generation did not get that far.
    .addColumn('records', 'bigint')
    .addColumn('slots', 'bigint')
    .addColumn('shards', 'integer')
    .addColumn('bytes', 'bigint')
    .addColumn('uploaded_files', 'integer')
    .addColumn('error', 'text')
    .execute();
  await db.schema.createIndex('feed_kind_runs_kind_idx').on('feed_kind_runs').columns(['kind', 'id']).execute();

  // A guest's reply is a change of the merchant's data the host stand shows (migration 0007's log).
  if (postgres) {
    await sql
      .raw(
        `create trigger guest_replies_change_log after insert on guest_replies for each row when (new.merchant_id is not null) execute function log_merchant_change('merchant_id')`,
      )
      .execute(db);
  } else {
    await sql
      .raw(
        `create trigger guest_replies_change_log_insert after insert on guest_replies when new.merchant_id is not null begin insert into change_log (merchant_id, changed_at) values (new.merchant_id, cast(unixepoch('subsec') * 1000 as integer)); end`,
      )
      .execute(db);
  }
}

/** Sets the merchant of outbox rows written before this migration: from the payload, or the booking's. */
export async function backfillOutboxMerchants(db: Kysely<unknown>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const payloadField = (field: string) => (postgres ? `(payload::json ->> '${field}')` : `json_extract(payload, '$.${field}')`);
  await sql.raw(`update outbox set merchant_id = ${payloadField('merchantId')} where kind = 'availability' and merchant_id is null`).execute(db);
  await sql
    .raw(
      `update outbox set merchant_id = (select b.merchant_id from bookings b where b.id = ${payloadField('bookingId')}) where kind = 'booking' and merchant_id is null`,
    )
    .execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  await sql
    .raw(postgres ? 'drop trigger if exists guest_replies_change_log on guest_replies' : 'drop trigger if exists guest_replies_change_log_insert')
    .execute(db);
  await db.schema.dropTable('feed_kind_runs').ifExists().execute();
  await db.schema.dropIndex('outbox_merchant_idx').ifExists().execute();
  await db.schema.alterTable('outbox').dropColumn('merchant_id').execute();
}
