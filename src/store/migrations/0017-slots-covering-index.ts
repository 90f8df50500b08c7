// The feeds read every bookable slot, a page of services at a time, grouped by merchant and service
// along the primary key (serviceSlotRuns, availability/repository.ts). The primary key does not
// hold spots_total and availability_tag, so each slot read also looked up its table row. This index
// holds every column of availability_slots, in the primary key's order: the read is one walk of it,
// without the row lookups (on the 2,880,000-slot feeds bench about a seventh faster; see
// docs/PERFORMANCE.md). It costs the space and the writes of a second copy of the slots.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index availability_slots_covering on availability_slots (merchant_id, service_id, start_sec, duration_sec, staff_id, room_id, party_size, spots_total, availability_tag)`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists availability_slots_covering`.execute(db);
}
