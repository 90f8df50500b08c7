// The host stand (/app): staff accounts with their own tokens, browser sessions (cookie + CSRF
// token), and a change log that tells every replica's live-update streams that a merchant's data
// changed. The log is written by triggers, so every writer (the admin API, Google's /v3 calls,
// another replica, the CLI, the RTU worker) is covered without the services knowing about it.
import { type Kysely, PostgresAdapter, sql } from 'kysely';

/** Tables whose rows carry the merchant they belong to, and the column that names it. */
const WATCHED: ReadonlyArray<readonly [table: string, column: string]> = [
  ['merchants', 'id'],
  ['services', 'merchant_id'],
  ['dining_tables', 'merchant_id'],
  ['waitlist_entries', 'merchant_id'],
  ['bookings', 'merchant_id'],
];

export async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema
    .createTable('staff')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('language', 'text', (c) => c.notNull())
    // SHA-256 (hex) of the staff member's sign-in token; the token itself is shown once.
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema.createIndex('staff_merchant_idx').on('staff').columns(['merchant_id', 'created_at']).execute();

  await db.schema
    .createTable('web_sessions')
    // SHA-256 (hex) of the cookie's random secret: a stolen database holds no usable session.
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    // Who signed in: 'root' (bootstrap token), 'merchant' (a merchant's admin token) or 'staff'.
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('merchant_id', 'text')
    .addColumn('admin_token_id', 'text')
    .addColumn('staff_id', 'text', (c) => c.references('staff.id').onDelete('cascade'))
    .addColumn('language', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('web_sessions_expiry_idx').on('web_sessions').column('expires_at').execute();

  await db.schema
    .createTable('change_log')
    .addColumn('seq', postgres ? 'bigserial' : 'integer', (c) => (postgres ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('merchant_id', 'text', (c) => c.notNull())
    // Milliseconds since the epoch by the database's clock, when the row was written.
    .addColumn('changed_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('change_log_time_idx').on('change_log').column('changed_at').execute();

  if (postgres) {
    await sql
      .raw(`create function log_merchant_change() returns trigger language plpgsql as $$
begin
  insert into change_log (merchant_id, changed_at)
  values (case when tg_op = 'DELETE' then to_jsonb(old) ->> tg_argv[0] else to_jsonb(new) ->> tg_argv[0] end,
          floor(extract(epoch from clock_timestamp()) * 1000)::bigint);
  return null;
end $$`)
      .execute(db);
    for (const [table, column] of WATCHED) {
      await sql
        .raw(`create trigger ${table}_change_log after insert or update or delete on ${table} for each row execute function log_merchant_change('${column}')`)
        .execute(db);
    }
  } else {
    for (const [table, column] of WATCHED) {
      for (const [event, row] of [
        ['insert', 'new'],
        ['update', 'new'],
        ['delete', 'old'],
      ] as const) {
        await sql
          .raw(
            `create trigger ${table}_change_log_${event} after ${event} on ${table} begin insert into change_log (merchant_id, changed_at) values (${row}.${column}, cast(unixepoch('subsec') * 1000 as integer)); end`,
          )
          .execute(db);
      }
    }
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  for (const [table] of WATCHED) {
    if (postgres) await sql.raw(`drop trigger if exists ${table}_change_log on ${table}`).execute(db);
    else for (const event of ['insert', 'update', 'delete']) await sql.raw(`drop trigger if exists ${table}_change_log_${event}`).execute(db);
  }
  if (postgres) await sql.raw('drop function if exists log_merchant_change()').execute(db);
  await db.schema.dropTable('change_log').ifExists().execute();
  await db.schema.dropTable('web_sessions').ifExists().execute();
  await db.schema.dropTable('staff').ifExists().execute();
}
