// The guest's e-mail address as an identity (Google: the email "is the same as the user's Google
// account and is treated as a unique identifier"): a normalised key on bookings (duplicate
// CreateBooking detection) and on waitlist entries made through Google, where a partial unique
// index keeps one live entry per address, as the one on google_user_id does per user id.
import { sql, type Kysely } from 'kysely';

/** Live waitlist states, as literals (the predicate of the index below; see migration 0001). */
const LIVE = sql<boolean>`email_key is not null and state in ('WAITING', 'PENDING_MERCHANT_CONFIRMATION', 'SERVICE_READY', 'CHECKED_IN')`;

/**
 * The normalisation as of this migration (frozen here: a migration never changes with later code;
 * src/merchants/guest-identity.ts is the one the application uses, and it must stay equal).
 */
function emailKey(email: string | null): string | null {
  if (email === null) return null;
  const key = email.trim().normalize('NFC').toLowerCase();
  return key === '' ? null : key;
}

const BATCH = 500;

/** The columns this migration reads and writes, as they are at this point in the history. */
interface Tables {
  bookings: { id: string; email: string | null; email_key: string | null };
  waitlist_entries: { id: string; email: string | null; email_key: string | null; state: string; source: string; queue_seq: number };
}

export async function up(schema: Kysely<unknown>): Promise<void> {
  const db = schema as unknown as Kysely<Tables>;
  await db.schema.alterTable('bookings').addColumn('email_key', 'text').execute();
  await db.schema.alterTable('waitlist_entries').addColumn('email_key', 'text').execute();

  // Backfill in application code: SQLite's lower() folds ASCII only, PostgreSQL's the whole of Unicode.
  for (let last = ''; ; ) {
    const rows = await db
      .selectFrom('bookings')
      .select(['id', 'email'])
      .where('email', 'is not', null)
      .where('id', '>', last)
      .orderBy('id')
      .limit(BATCH)
      .execute();
    const tail = rows.at(-1);
    if (tail === undefined) break;
    for (const r of rows)
      await db
        .updateTable('bookings')
        .set({ email_key: emailKey(r.email) })
        .where('id', '=', r.id)
        .execute();
    last = tail.id;
  }
  // Entries made through Google only (a host's walk-in is no Google identity). Should two live
  // entries already share an address, the earlier keeps the key and the later stays live without
  // one, so that the unique index can be built.
  const live = new Set(['WAITING', 'PENDING_MERCHANT_CONFIRMATION', 'SERVICE_READY', 'CHECKED_IN']);
  const taken = new Set<string>();
  const entries = await db
    .selectFrom('waitlist_entries')
    .select(['id', 'email', 'state'])
    .where('source', '=', 'google')
    .where('email', 'is not', null)
    .orderBy('queue_seq')
    .orderBy('id')
    .execute();
  for (const e of entries) {
    const key = emailKey(e.email);
    if (key === null) continue;
    if (live.has(e.state)) {
      if (taken.has(key)) continue;
      taken.add(key);
    }
    await db.updateTable('waitlist_entries').set({ email_key: key }).where('id', '=', e.id).execute();
  }

  await db.schema.createIndex('bookings_email_idx').on('bookings').columns(['email_key', 'start_sec']).execute();
  await db.schema.createIndex('waitlist_entries_one_active_per_email').on('waitlist_entries').column('email_key').unique().where(LIVE).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('waitlist_entries_one_active_per_email').ifExists().execute();
  await db.schema.dropIndex('bookings_email_idx').ifExists().execute();
  await db.schema.alterTable('waitlist_entries').dropColumn('email_key').execute();
  await db.schema.alterTable('bookings').dropColumn('email_key').execute();
}
