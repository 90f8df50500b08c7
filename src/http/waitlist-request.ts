// The BatchGetWaitEstimates and GetWaitlistEntry requests read without protobuf-es for the shape
// Google sends: proto field names, strings without surrogates, party sizes as JSON integers in
// int32's range, no other keys. protobuf-es's reflective JSON reader was the largest share of these
// reads' own work once their answers came from memory (docs/PERFORMANCE.md). Anything else
// (lowerCamelCase keys, nulls, unknown fields, sizes as strings, malformed values) is not read here:
// the caller hands it to parseMessage, so what is accepted and every error message stay
// protobuf-es's. waitlist-request.test.ts checks on random bodies that whatever this reads equals
// protobuf-es's message for the same body. (As availability-lookup-request.ts for the lookup.)
import type { BatchGetWaitEstimatesRequest, GetWaitlistEntryRequest } from '../gen/ext/maps/booking/partner/v3/waitlist/waitlist_pb.js';

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
/** protobuf-es refuses strings that are not well-formed UTF-16 (a lone surrogate); any surrogate is left to it. */
const SURROGATE = /[\ud800-\udfff]/;

const isText = (value: unknown): value is string => typeof value === 'string' && !SURROGATE.test(value);
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The request as protobuf-es would read it, or null when the body is not of the common shape (read it with parseMessage). */
export function readBatchGetWaitEstimates(body: unknown): BatchGetWaitEstimatesRequest | null {
  if (!isObject(body)) return null;
  const request: BatchGetWaitEstimatesRequest = {
    $typeName: 'ext.maps.booking.partner.v3.waitlist.BatchGetWaitEstimatesRequest',
    merchantId: '',
    serviceId: '',
    partySize: [],
  };
  for (const key in body) {
    const value = body[key];
    if (key === 'merchant_id' && isText(value)) request.merchantId = value;
    else if (key === 'service_id' && isText(value)) request.serviceId = value;
    else if (key === 'party_size' && Array.isArray(value)) {
      for (const size of value) {
        if (typeof size !== 'number' || !Number.isInteger(size) || size < INT32_MIN || size > INT32_MAX) return null;
        // protobuf-es reads -0 as 0.
        request.partySize.push(size === 0 ? 0 : size);
      }
    } else return null;
  }
  return request;
}

/** The request as protobuf-es would read it, or null when the body is not of the common shape (read it with parseMessage). */
export function readGetWaitlistEntry(body: unknown): GetWaitlistEntryRequest | null {
  if (!isObject(body)) return null;
  const request: GetWaitlistEntryRequest = { $typeName: 'ext.maps.booking.partner.v3.waitlist.GetWaitlistEntryRequest', waitlistEntryId: '' };
  for (const key in body) {
    const value = body[key];
    if (key === 'waitlist_entry_id' && isText(value)) request.waitlistEntryId = value;
    else return null;
  }
  return request;
}
