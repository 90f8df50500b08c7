// Every migration, in order. Names are permanent: a released migration is never renamed or edited.
import type { Migration } from 'kysely';
import * as m0001 from './0001-waitlist.js';
import * as m0002 from './0002-bookings.js';

export const migrations: Record<string, Migration> = {
  '0001-waitlist': m0001,
  '0002-bookings': m0002,
};
