// The floor's seated parties (floorParties, waitlist/repository.ts: a merchant's parties seated
// since a time that have not left their table) were found through waitlist_entries_seated_idx on
// (merchant_id, state, seated_at), which held a key for every entry: each join added one, on its
// merchant's leaf of that index, one more page for the join's commit to write to the WAL. The read
// wants only seated parties still at their table, a handful a merchant; the index now holds only
// those (a partial index: an entry enters it when seated and leaves it when the party leaves or the
// row changes state), so a join no longer touches it. The query names the same conditions as
// literals, which SQLite and PostgreSQL need to prove that the index covers it.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists waitlist_entries_seated_idx`.execute(db);
  await sql`create index waitlist_entries_seated_idx on waitlist_entries (merchant_id, seated_at) where state = 'SEATED' and left_at is null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists waitlist_entries_seated_idx`.execute(db);
  await sql`create index waitlist_entries_seated_idx on waitlist_entries (merchant_id, state, seated_at)`.execute(db);
}
