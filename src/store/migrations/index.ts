// Every migration, in order. Names are permanent: a released migration is never renamed or edited.
import type { Migration } from 'kysely';
import * as m0001 from './0001-waitlist.js';
import * as m0002 from './0002-bookings.js';
import * as m0003 from './0003-outbox.js';
import * as m0004 from './0004-feeds.js';
import * as m0005 from './0005-guest-identity.js';
import * as m0007 from './0007-staff.js';
import * as m0008 from './0008-retention.js';
import * as m0009 from './0009-estimates.js';
import * as m0006 from './0006-guest-messages.js';
import * as m0010 from './0010-host-stand-status.js';
import * as m0011 from './0011-learned-models.js';
import * as m0012 from './0012-read-models.js';
import * as m0013 from './0013-extra-time-changes.js';
import * as m0017 from './0017-slots-covering-index.js';
import * as m0018 from './0018-bookings-held-index.js';
import * as m0019 from './0019-seated-index-partial.js';

export const migrations: Record<string, Migration> = {
  '0001-waitlist': m0001,
  '0002-bookings': m0002,
  '0003-outbox': m0003,
  '0004-feeds': m0004,
  '0005-guest-identity': m0005,
  '0007-staff': m0007,
  '0008-retention': m0008,
  '0009-estimates': m0009,
  '0006-guest-messages': m0006,
  '0010-host-stand-status': m0010,
  '0011-learned-models': m0011,
  '0012-read-models': m0012,
  '0013-extra-time-changes': m0013,
  '0017-slots-covering-index': m0017,
  '0018-bookings-held-index': m0018,
  '0019-seated-index-partial': m0019,
};
