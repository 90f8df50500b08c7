// Builds the REST bodies of real-time updates from domain data, through the generated Maps
// Booking messages (lowerCamelCase, RFC 3339 timestamps, "<n>s" durations, int64 as strings).
import { create, toJson } from '@bufbuild/protobuf';
import { timestampFromMs, durationFromMs } from '@bufbuild/protobuf/wkt';
import type { GoogleAvailability } from '../availability/google-format.js';
import type { Booking as DomainBooking } from '../bookings/model.js';
import {
  AvailabilitySchema,
  BatchReplaceServiceAvailabilityRequestSchema,
  BookingSchema,
  BookingStatus,
  ConfirmationMode,
  PrepaymentStatus,
  type Availability,
} from '../gen/mapsbooking/v1alpha/rtu_pb.js';
import type { BookingField } from '../bookings/events.js';

const ts = (sec: number) => timestampFromMs(sec * 1000);
const dur = (sec: number) => durationFromMs(sec * 1000);

/** The Maps Booking API has no CREDITED prepayment status; it is not a status we ever set. */
function prepayment(status: DomainBooking['payment']['prepaymentStatus']): PrepaymentStatus {
  return status === 'PREPAYMENT_CREDITED' ? PrepaymentStatus.PREPAYMENT_STATUS_UNSPECIFIED : PrepaymentStatus[status];
}

/** Google's fields in a stable order, so that masks read the same whatever order changes came in. */
const FIELD_ORDER: readonly BookingField[] = ['status', 'startTime', 'duration', 'partySize', 'paymentInformation.prepaymentStatus'];

export function bookingNotification(partnerId: string, booking: DomainBooking, fields: ReadonlySet<BookingField>): { mask: string[]; body: unknown } {
  const mask = FIELD_ORDER.filter((f) => fields.has(f));
  const message = create(BookingSchema, {
    name: `partners/${partnerId}/bookings/${booking.id}`,
    merchantId: booking.slot.merchantId,
    serviceId: booking.slot.serviceId,
    ...(fields.has('status') ? { status: BookingStatus[booking.status] } : {}),
    ...(fields.has('startTime') ? { startTime: ts(booking.slot.startSec) } : {}),
    ...(fields.has('duration') ? { duration: dur(booking.slot.durationSec) } : {}),
    ...(fields.has('partySize') ? { partySize: BigInt(booking.partySize) } : {}),
    ...(fields.has('paymentInformation.prepaymentStatus')
      ? { paymentInformation: { prepaymentStatus: prepayment(booking.payment.prepaymentStatus), paymentTransactionId: booking.payment.transactionId ?? '' } }
      : {}),
  });
  return { mask, body: toJson(BookingSchema, message) };
}

/** Entries come from availability/google-format.ts, the same code the daily feed uses. */
export type AvailabilityEntry = Omit<GoogleAvailability, 'merchantId' | 'serviceId'>;

export interface ServiceWindow {
  readonly merchantId: string;
  readonly serviceId: string;
  readonly fromSec: number;
  readonly toSec: number;
  readonly availability: readonly AvailabilityEntry[];
}

function availability(a: AvailabilityEntry): Availability {
  return create(AvailabilitySchema, {
    startTime: ts(a.startSec),
    duration: dur(a.durationSec),
    // Always explicit, a recurrence's too (1 of 1 per instance, as Google's examples carry them; as in the feed).
    spotsTotal: BigInt(a.spotsTotal),
    spotsOpen: BigInt(a.spotsOpen),
    availabilityTag: a.availabilityTag,
    // Google wants a name with every ID; we keep no names, so the ID is the name (as in the feed).
    ...(a.resources.staffId !== '' || a.resources.roomId !== '' || a.resources.partySize > 0
      ? {
          resources: {
            staffId: a.resources.staffId,
            staffName: a.resources.staffId,
            roomId: a.resources.roomId,
            roomName: a.resources.roomId,
            partySize: a.resources.partySize,
          },
        }
      : {}),
    ...(a.recurrence ? { recurrence: { repeatEvery: dur(a.recurrence.repeatEverySec), repeatUntil: ts(a.recurrence.repeatUntilSec) } } : {}),
    scheduleException: a.scheduleExceptions.map((e) => ({ timeRange: { startTime: ts(e.beginSec), endTime: ts(e.endSec) } })),
    confirmationMode: a.confirmationMode === 'ASYNCHRONOUS' ? ConfirmationMode.ASYNCHRONOUS : ConfirmationMode.SYNCHRONOUS,
  });
}

/** A batch replace: each window is a complete snapshot of its service's slots in [from, to). */
export function availabilityReplace(windows: readonly ServiceWindow[]): unknown {
  const message = create(BatchReplaceServiceAvailabilityRequestSchema, {
    extendedServiceAvailability: windows.map((w) => ({
      merchantId: w.merchantId,
      serviceId: w.serviceId,
      startTimeRestrict: ts(w.fromSec),
      endTimeRestrict: ts(w.toSec),
      availability: w.availability.map(availability),
    })),
  });
  return toJson(BatchReplaceServiceAvailabilityRequestSchema, message);
}
