// The slot vocabulary every capability shares: what identifies a slot, and which bookings hold a spot on one.

/** Identifies a slot: where, when, how long, with which resources. */
export interface SlotKey {
  readonly merchantId: string;
  readonly serviceId: string;
  readonly startSec: number;
  readonly durationSec: number;
  readonly staffId: string;
  readonly roomId: string;
  /** The slot's party size resource; 0 when the slot takes any size the service accepts. */
  readonly partySize: number;
}

/** Booking statuses that hold a spot on their slot. */
export const HOLDING_STATUSES = ['CONFIRMED', 'PENDING_MERCHANT_CONFIRMATION'] as const;

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
