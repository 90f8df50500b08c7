// BatchAvailabilityLookup's request read without protobuf-es for the shape Google sends: proto
// field names, strings (well-formed, without surrogates), int64 as strings of digits (or safe integers), party_size as a JSON
// integer, confirmation_mode by name, no other keys. protobuf-es's reflective JSON reader was the
// largest share of a lookup's own CPU time once its slots were kept in memory (docs/PERFORMANCE.md).
// Anything else (lowerCamelCase keys, nulls, unknown fields, enum numbers, malformed values) is
// not read here: the caller hands it to parseMessage, which accepts or refuses it as before, so
// what is accepted and every error message stay protobuf-es's. availability-lookup-request.test.ts
// checks on random bodies that whatever this reads equals protobuf-es's message for the same body.
import { type BatchAvailabilityLookupRequest, ConfirmationModeSchema, type ResourceIds, type SlotTime } from '../gen/ext/maps/booking/partner/v3/booking_pb.js';

const MODES = new Map(ConfirmationModeSchema.values.map((v) => [v.name, v.number]));
/** Digits that are certainly a safe integer (at most 15 of them), without leading zeros. */
const DIGITS = /^(?:0|[1-9][0-9]{0,14})$/;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
/** protobuf-es refuses strings that are not well-formed UTF-16 (a lone surrogate); any surrogate is left to it. */
const SURROGATE = /[\ud800-\udfff]/;

function isText(value: unknown): value is string {
  return typeof value === 'string' && !SURROGATE.test(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function int64(value: unknown): bigint | undefined {
  if (typeof value === 'string') return DIGITS.test(value) ? BigInt(value) : undefined;
  return typeof value === 'number' && Number.isSafeInteger(value) ? BigInt(value) : undefined;
}

function resourceIds(json: unknown): ResourceIds | undefined {
  if (!isObject(json)) return undefined;
  const r: ResourceIds = { $typeName: 'ext.maps.booking.partner.v3.ResourceIds', staffId: '', roomId: '', partySize: 0 };
  for (const key in json) {
    const value = json[key];
    if (key === 'party_size') {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX) return undefined;
      r.partySize = value;
    } else if (key === 'staff_id' && isText(value)) r.staffId = value;
    else if (key === 'room_id' && isText(value)) r.roomId = value;
    else return undefined;
  }
  return r;
}

function slotTime(json: unknown): SlotTime | undefined {
  if (!isObject(json)) return undefined;
  const t: SlotTime = {
    $typeName: 'ext.maps.booking.partner.v3.SlotTime',
    startSec: 0n,
    durationSec: 0n,
    availabilityTag: '',
    serviceId: '',
    confirmationMode: 0,
  };
  for (const key in json) {
    const value = json[key];
    switch (key) {
      case 'service_id':
        if (!isText(value)) return undefined;
        t.serviceId = value;
        break;
      case 'start_sec':
      case 'duration_sec': {
        const n = int64(value);
        if (n === undefined) return undefined;
        if (key === 'start_sec') t.startSec = n;
        else t.durationSec = n;
        break;
      }
      case 'availability_tag':
        if (!isText(value)) return undefined;
        t.availabilityTag = value;
        break;
      case 'resource_ids': {
        const r = resourceIds(value);
        if (r === undefined) return undefined;
        t.resourceIds = r;
        break;
      }
      case 'confirmation_mode': {
        const mode = typeof value === 'string' ? MODES.get(value) : undefined;
        if (mode === undefined) return undefined;
        t.confirmationMode = mode;
        break;
      }
      default:
        return undefined;
    }
  }
  return t;
}

/** The request as protobuf-es would read it, or null when the body is not of the common shape (read it with parseMessage). */
export function readBatchAvailabilityLookup(body: unknown): BatchAvailabilityLookupRequest | null {
  if (!isObject(body)) return null;
  const request: BatchAvailabilityLookupRequest = { $typeName: 'ext.maps.booking.partner.v3.BatchAvailabilityLookupRequest', merchantId: '', slotTime: [] };
  for (const key in body) {
    const value = body[key];
    if (key === 'merchant_id' && isText(value)) request.merchantId = value;
    else if (key === 'slot_time' && Array.isArray(value)) {
      for (const item of value) {
        const t = slotTime(item);
        if (t === undefined) return null;
        request.slotTime.push(t);
      }
    } else return null;
  }
  return request;
}
