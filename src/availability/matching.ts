// Which stored slot a requested slot refers to. Google echoes the slot it saw in the feed, but
// fields it leaves out (duration, staff, room, party size) match any value. Pure.
import type { BookingRules } from '../merchants/rules.js';
import type { SlotKey, StoredSlot } from './slot.js';

export interface SlotQuery {
  readonly serviceId: string;
  readonly startSec: number;
  /** null: any duration. */
  readonly durationSec: number | null;
  /** '': any. */
  readonly staffId: string;
  readonly roomId: string;
  /** 0: not given. */
  readonly partySize: number;
}

/** Whether a party of `partySize` (0: unknown) may take this slot under the service's rules. */
export function partyFits(slot: SlotKey, partySize: number, rules: BookingRules): boolean {
  if (partySize === 0) return true;
  if (slot.partySize > 0) return partySize === slot.partySize;
  return partySize >= rules.minPartySize && partySize <= rules.maxPartySize;
}

export function slotMatches(slot: StoredSlot, q: SlotQuery, rules: BookingRules): boolean {
  return (
    slot.serviceId === q.serviceId &&
    slot.startSec === q.startSec &&
    (q.durationSec === null || slot.durationSec === q.durationSec) &&
    (q.staffId === '' || slot.staffId === q.staffId) &&
    (q.roomId === '' || slot.roomId === q.roomId) &&
    partyFits(slot, q.partySize, rules)
  );
}
