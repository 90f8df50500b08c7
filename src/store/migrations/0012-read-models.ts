// In-memory read models (issue 17): each replica keeps merchants, their opening hours, services and
// tables in memory, and must learn when another writer changed them. Triggers on those four tables
// stamp the merchant with the next value of one global counter in the same transaction as the
// change, and on PostgreSQL also NOTIFY `read_models` with the merchant's id (delivered at commit).
// The counter's single row is updated by every such transaction and stays locked until it commits,
// so stamps become visible in the order they were taken: a replica that has seen every stamp up to
// N has missed none below N, and one indexed query ("stamps above N") tells it which merchants to
// reload, whether or not a notification reached it. Triggers cover every writer (the admin API,
// another replica, the CLI) without the services knowing about it.
// Also an index for the seated parties every wait estimate reads (by merchant, state, seat time).
import { type Kysely, PostgresAdapter, sql } from 'kysely';

/** Tables that make up a merchant's configuration, and the column that names the merchant. */
const WATCHED: ReadonlyArray<readonly [table: string, column: string]> = [
  ['merchants', 'id'],
  ['opening_hours', 'merchant_id'],
  ['services', 'merchant_id'],
  ['dining_tables', 'merchant_id'],
];

export async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema
    .createTable('read_model_clock')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('version', 'bigint', (c) => c.notNull())
    .execute();
  await sql`insert into read_model_clock (id, version) values (1, 0)`.execute(db);
  await db.schema
    .createTable('read_model_versions')
    .addColumn('merchant_id', 'text', (c) => c.primaryKey())
    .addColumn('version', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('read_model_versions_version_idx').on('read_model_versions').column('version').execute();
  await db.schema.createIndex('waitlist_entries_seated_idx').on('waitlist_entries').columns(['merchant_id', 'state', 'seated_at']).execute();

  if (postgres) {
    await sql
      .raw(`create function bump_read_model() returns trigger language plpgsql as $$
declare
  m text := case when tg_op = 'DELETE' then to_jsonb(old) ->> tg_argv[0] else to_jsonb(new) ->> tg_argv[0] end;
  v bigint;
begin
  update read_model_clock set version = version + 1 where id = 1 returning version into v;
  insert into read_model_versions (merchant_id, version) values (m, v)
    on conflict (merchant_id) do update set version = excluded.version;
  perform pg_notify('read_models', m);
  return null;
end $$`)
      .execute(db);
    for (const [table, column] of WATCHED) {
      await sql
        .raw(`create trigger ${table}_read_model after insert or update or delete on ${table} for each row execute function bump_read_model('${column}')`)
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
            `create trigger ${table}_read_model_${event} after ${event} on ${table} begin
  update read_model_clock set version = version + 1 where id = 1;
  insert or replace into read_model_versions (merchant_id, version) values (${row}.${column}, (select version from read_model_clock where id = 1));
end`,
          )
          .execute(db);
      }
    }
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  for (const [table] of WATCHED) {
    if (postgres) await sql.raw(`drop trigger if exists ${table}_read_model on ${table}`).execute(db);
    else for (const event of ['insert', 'update', 'delete']) await sql.raw(`drop trigger if exists ${table}_read_model_${event}`).execute(db);
  }
  if (postgres) await sql.raw('drop function if exists bump_read_model()').execute(db);
  await db.schema.dropIndex('waitlist_entries_seated_idx').ifExists().execute();
  await db.schema.dropTable('read_model_versions').ifExists().execute();
  await db.schema.dropTable('read_model_clock').ifExists().execute();
}
