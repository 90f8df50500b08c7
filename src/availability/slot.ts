// The slot vocabulary every capability shares: what identifies a slot (SlotKey, slotKey), how a stored row
// maps to it, which bookings hold a spot, and how many spots are open (openSpots). Lookups, listings,
// feeds, the booking pre-check and real-time updates all count open spots with these.

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

/** A slot as stored: its key, its capacity and Google's availability tag. */
export interface StoredSlot extends SlotKey {
  readonly spotsTotal: number;
  readonly availabilityTag: string;
}

/** The one string form of a slot key (merchant included), for maps over slots of any merchants. */
export function slotKey(k: SlotKey): string {
  return JSON.stringify([k.merchantId, k.serviceId, k.startSec, k.durationSec, k.staffId, k.roomId, k.partySize]);
}

/** Spots held per slot (bookings in a holding status, live leases), keyed by slotKey. */
export type HeldSpots = ReadonlyMap<string, number>;

/** Open spots of a slot: its capacity minus the spots held on it, never below 0. */
export function openSpots(slot: StoredSlot, held: HeldSpots): number {
  return Math.max(0, slot.spotsTotal - (held.get(slotKey(slot)) ?? 0));
}

/** The key columns slots, bookings and leases share (their party size column is named differently). */
export interface SlotKeyRow {
  readonly merchant_id: string;
  readonly service_id: string;
  readonly start_sec: number | string;
  readonly duration_sec: number | string;
  readonly staff_id: string;
  readonly room_id: string;
}

/** The one row mapper of a slot key, for the repositories (PostgreSQL returns bigint columns as strings). */
export function slotKeyFromRow(r: SlotKeyRow, partySize: number): SlotKey {
  return {
    merchantId: r.merchant_id,
    serviceId: r.service_id,
    startSec: Number(r.start_sec),
    durationSec: Number(r.duration_sec),
    staffId: r.staff_id,
    roomId: r.room_id,
    partySize,
  };
}

/** The key columns of a slot key, for the repositories' inserts and lookups (without the party size column). */
export function slotKeyColumns(k: SlotKey) {
  return {
    merchant_id: k.merchantId,
    service_id: k.serviceId,
    start_sec: k.startSec,
    duration_sec: k.durationSec,
    staff_id: k.staffId,
    room_id: k.roomId,
  };
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
