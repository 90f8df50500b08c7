// Every booking counts the spots already held on its slot (heldOnSlot, availability/repository.ts):
// the bookings of that slot in a holding status. bookings_slot_idx held the slot's merchant, service
// and start only, so the count looked up every booking of the slot in the table (a wide row, the
// guest's name and contact among it) to read its duration, staff, room, party size and status: the
// more a slot holds, the more a booking costs. This index holds the whole slot key and the status,
// in the same order after the old index's three columns, so the count is one walk of the index and
// every lookup the old index served (merchant, service, start) is served by its first columns; the
// old index goes. Leases keep theirs: a slot's live leases are few and short-lived.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index bookings_slot_held_idx on bookings (merchant_id, service_id, start_sec, duration_sec, staff_id, room_id, slot_party_size, status)`.execute(
    db,
  );
  await sql`drop index if exists bookings_slot_idx`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`create index bookings_slot_idx on bookings (merchant_id, service_id, start_sec)`.execute(db);
  await sql`drop index if exists bookings_slot_held_idx`.execute(db);
}
