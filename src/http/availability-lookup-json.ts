// Proto3 JSON for BatchAvailabilityLookup's answer, written directly. protobuf-es builds the
// message and walks its descriptor reflectively to print it, which was the largest share of the
// lookup's own CPU time in the read profile after its queries (docs/PERFORMANCE.md); the answer is
// the requested slot times echoed with a flag, a fixed shape. The output is byte for byte what
// renderMessage (toJsonString with proto field names) prints for the same message: fields in field
// number order, zero scalars, empty strings and false left out (proto3), a set resource_ids printed
// even when empty, int64 as strings, enums by name (a number the enum does not name as the number),
// strings escaped by JSON.stringify as protobuf-es does. availability-lookup-json.test.ts checks it
// against protobuf-es on random inputs.
import { ConfirmationModeSchema, type ResourceIds, type SlotTime } from '../gen/ext/maps/booking/partner/v3/booking_pb.js';

const MODE_NAMES = new Map(ConfirmationModeSchema.values.map((v) => [v.number, `"${v.name}"`]));

function resourceIdsJson(r: ResourceIds): string {
  let out = '';
  if (r.staffId !== '') out += `,"staff_id":${JSON.stringify(r.staffId)}`;
  if (r.roomId !== '') out += `,"room_id":${JSON.stringify(r.roomId)}`;
  if (r.partySize !== 0) out += `,"party_size":${r.partySize}`;
  return `{${out.slice(1)}}`;
}

export function slotTimeJson(t: SlotTime): string {
  let out = '';
  if (t.startSec !== 0n) out += `,"start_sec":"${t.startSec}"`;
  if (t.durationSec !== 0n) out += `,"duration_sec":"${t.durationSec}"`;
  if (t.availabilityTag !== '') out += `,"availability_tag":${JSON.stringify(t.availabilityTag)}`;
  if (t.resourceIds !== undefined) out += `,"resource_ids":${resourceIdsJson(t.resourceIds)}`;
  if (t.serviceId !== '') out += `,"service_id":${JSON.stringify(t.serviceId)}`;
  if (t.confirmationMode !== 0) out += `,"confirmation_mode":${MODE_NAMES.get(t.confirmationMode) ?? t.confirmationMode}`;
  return `{${out.slice(1)}}`;
}

/** The answer: each requested slot time (as parsed) with whether it is available, in the request's order. */
export function batchAvailabilityLookupJson(slotTimes: readonly SlotTime[], available: (index: number) => boolean): string {
  if (slotTimes.length === 0) return '{}';
  let out = '';
  for (let i = 0; i < slotTimes.length; i++) out += `,{"slot_time":${slotTimeJson(slotTimes[i]!)}${available(i) ? ',"available":true' : ''}}`;
  return `{"slot_time_availability":[${out.slice(1)}]}`;
}
