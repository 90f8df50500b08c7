// A change of a guest's "+10" (the request for more time, and the host's answer to it) is a change
// of the merchant's data the host stand shows: a change_log row (migration 0007's log), so every
// tablet's live stream sends `changed`. The request arrives with a guest reply (already logged by
// migration 0010), but a refusal touches no other watched table; only guest_links changes.
import { type Kysely, PostgresAdapter, sql } from 'kysely';

const COLUMNS = ['extra_minutes', 'extra_requested_at', 'extra_status', 'extra_decided_at'];

export async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  if (postgres) {
    const changed = COLUMNS.map((c) => `old.${c} is distinct from new.${c}`).join(' or ');
    await sql
      .raw(
        `create trigger guest_links_extra_change_log after update of ${COLUMNS.join(', ')} on guest_links for each row when (${changed}) execute function log_merchant_change('merchant_id')`,
      )
      .execute(db);
  } else {
    const changed = COLUMNS.map((c) => `old.${c} is not new.${c}`).join(' or ');
    await sql
      .raw(
        `create trigger guest_links_extra_change_log after update of ${COLUMNS.join(', ')} on guest_links when ${changed} begin insert into change_log (merchant_id, changed_at) values (new.merchant_id, cast(unixepoch('subsec') * 1000 as integer)); end`,
      )
      .execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  await sql
    .raw(postgres ? 'drop trigger if exists guest_links_extra_change_log on guest_links' : 'drop trigger if exists guest_links_extra_change_log')
    .execute(db);
}
