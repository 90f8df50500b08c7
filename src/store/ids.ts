// Ids of the rows the writes create most (waitlist entries, bookings, leases): UUIDv7 (RFC 9562),
// whose first 48 bits are the time in milliseconds, so that each new id sorts after the ones before
// it. A random id (v4) lands on a random leaf of the primary-key index and of every index led by
// it, and on SQLite each such leaf is a 4 KiB page more to write into the WAL at each group commit
// and to copy back at the next checkpoint; time-ordered ids append to the same few pages
// (docs/PERFORMANCE.md, issue 17). An id tells when its row was made, to the millisecond, which
// the rows' own created_at already says to whoever sees them; ids stay unguessable enough for
// keys (74 random bits) but are never used as secrets (guests' links have their own tokens).
import { v7 } from 'uuid';

/** A new time-ordered row id (UUIDv7 text, as the columns held v4 before; both kinds coexist). */
export function newRowId(): string {
  return v7();
}
