// Equality of slot keys, shared by availability matching and booking rules.
import type { SlotKey } from './model.js';

export function sameSlotKey(a: SlotKey, b: SlotKey): boolean {
  return (
    a.merchantId === b.merchantId &&
    a.serviceId === b.serviceId &&
    a.startSec === b.startSec &&
    a.durationSec === b.durationSec &&
    a.staffId === b.staffId &&
    a.roomId === b.roomId &&
    a.partySize === b.partySize
  );
}
