// The availability feed's one hot message, Availability, written as proto3 JSON directly: the
// reflective printer of protobuf-es (create + toJsonString) cost tens of microseconds per entry,
// the largest part of generating a feed of millions of slots. The output is byte for byte what
// protobuf-es prints with proto field names (checked by property tests against it,
// availability-json.test.ts): fields in declaration order, default values (0, "", unset
// messages, empty lists) left out, int64 as decimal strings, int32 as numbers, enums by name,
// strings escaped as JSON.stringify does.
import type { GoogleAvailability } from '../availability/google-format.js';

const CONFIRMATION_MODE: Record<GoogleAvailability['confirmationMode'], string> = {
  SYNCHRONOUS: '"CONFIRMATION_MODE_SYNCHRONOUS"',
  ASYNCHRONOUS: '"CONFIRMATION_MODE_ASYNCHRONOUS"',
};

/** `,"name":"<n>"` for a non-zero int64, else nothing. */
const int64 = (name: string, n: number): string => (n === 0 ? '' : `,"${name}":"${n}"`);
/** `,"name":<json string>` for a non-empty string, else nothing. */
const text = (name: string, s: string): string => (s === '' ? '' : `,"${name}":${JSON.stringify(s)}`);

/** Drops the comma a run of optional fields starts with (an object's first field has none). */
const object = (fields: string): string => `{${fields.slice(1)}}`;

function resources(r: GoogleAvailability['resources']): string {
  // Google wants a name with every ID; we keep no names, so the ID is the name.
  const fields =
    text('staff_id', r.staffId) +
    text('staff_name', r.staffId) +
    text('room_id', r.roomId) +
    text('room_name', r.roomId) +
    (r.partySize === 0 ? '' : `,"party_size":${r.partySize}`);
  return `,"resources":${object(fields)}`;
}

/** One Availability entry as the feed carries it (proto3 JSON, proto field names). */
export function availabilityJson(e: GoogleAvailability): string {
  const r = e.resources;
  let out = text('merchant_id', e.merchantId) + text('service_id', e.serviceId) + int64('start_sec', e.startSec) + int64('duration_sec', e.durationSec);
  // Always set, a recurrence's too (1 of 1 per instance, as Google's recurrence examples carry them); printed unless 0.
  out += int64('spots_total', e.spotsTotal) + int64('spots_open', e.spotsOpen) + text('availability_tag', e.availabilityTag);
  if (r.staffId !== '' || r.roomId !== '' || r.partySize !== 0) out += resources(r);
  if (e.recurrence !== null)
    out += `,"recurrence":${object(int64('repeat_until_sec', e.recurrence.repeatUntilSec) + int64('repeat_every_sec', e.recurrence.repeatEverySec))}`;
  if (e.scheduleExceptions.length > 0) {
    const ranges = e.scheduleExceptions.map((x) => `{"time_range":${object(int64('begin_sec', x.beginSec) + int64('end_sec', x.endSec))}}`);
    out += `,"schedule_exception":[${ranges.join(',')}]`;
  }
  out += `,"confirmation_mode":${CONFIRMATION_MODE[e.confirmationMode]}`;
  return object(out);
}

/**
 * The entries of one service's single slots that differ only in start and open spots (the rest is
 * `template`'s), printed as availabilityJson prints them, from text put together once: the feeds
 * print millions of these.
 */
export function singleSlotPrinter(template: Omit<GoogleAvailability, 'startSec' | 'spotsOpen'>): (startSec: number, spotsOpen: number) => string {
  const generic = (startSec: number, spotsOpen: number): string => availabilityJson({ ...template, startSec, spotsOpen });
  const r = template.resources;
  if (
    template.merchantId === '' ||
    r.staffId !== '' ||
    r.roomId !== '' ||
    r.partySize !== 0 ||
    template.recurrence !== null ||
    template.scheduleExceptions.length > 0
  ) {
    return generic;
  }
  // {"merchant_id":..,"service_id":..,"start_sec":"<start>","duration_sec":..,"spots_total":..,"spots_open":"<open>","availability_tag":..,"confirmation_mode":..}
  const beforeStart = `{${text('merchant_id', template.merchantId).slice(1)}${text('service_id', template.serviceId)},"start_sec":"`;
  const beforeOpen = `"${int64('duration_sec', template.durationSec)}${int64('spots_total', template.spotsTotal)},"spots_open":"`;
  const end = `"${text('availability_tag', template.availabilityTag)},"confirmation_mode":${CONFIRMATION_MODE[template.confirmationMode]}}`;
  return (startSec, spotsOpen) => (startSec === 0 || spotsOpen === 0 ? generic(startSec, spotsOpen) : beforeStart + startSec + beforeOpen + spotsOpen + end);
}
