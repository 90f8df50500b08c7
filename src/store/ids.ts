// Ids of the rows the writes create most (waitlist entries, bookings, leases): UUIDv7 (RFC 9562),
// whose first 48 bits are the time in milliseconds, so that each new id sorts after those of
// earlier milliseconds. A random id (v4) lands on a random leaf of the primary-key index and of
// every index led by it, and on SQLite each such leaf is a 4 KiB page more to write into the WAL at
// each group commit and to copy back at the next checkpoint; time-ordered ids append to the same
// few pages (docs/PERFORMANCE.md, issue 17). An id tells when its row was made, to the millisecond,
// which the rows' own created_at already says to whoever sees them; ids stay unguessable enough
// for keys (74 random bits) but are never used as secrets (guests' links have their own tokens).
//
// The random bits come from a pool filled 4 KiB at a time (as node:crypto's own randomUUID does):
// `uuid` asks Web Crypto's getRandomValues for 16 bytes at each id, which cost about 5 us an id on
// this project's machine against 0.14 us for randomUUID. Given its random bits, `uuid` fills the
// bits after the millisecond with them (RFC 9562 makes the counter there optional): ids are ordered
// by their millisecond only, those of one millisecond among themselves at random, which keeps
// them on the same leaves.
import { randomFillSync } from 'node:crypto';
import { v7 } from 'uuid';

const POOL_BYTES = 4096;
const pool = new Uint8Array(POOL_BYTES);
let next = POOL_BYTES;

/** 16 fresh random bytes, a view of the pool that the caller reads at once. */
function random16(): Uint8Array {
  if (next === POOL_BYTES) {
    randomFillSync(pool);
    next = 0;
  }
  const bytes = pool.subarray(next, next + 16);
  next += 16;
  return bytes;
}

/** A new time-ordered row id (UUIDv7 text, as the columns held v4 before; both kinds coexist). */
export function newRowId(): string {
  return v7({ random: random16() });
}
