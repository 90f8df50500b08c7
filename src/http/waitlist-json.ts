// Proto3 JSON for the two hottest waitlist answers (BatchGetWaitEstimates, GetWaitlistEntry),
// written directly. protobuf-es builds a message and then walks its descriptor reflectively to
// print it, which showed up in the read profile (docs/PERFORMANCE.md); these few fixed shapes do
// not need that. The output is byte for byte what renderMessage (toJsonString with proto field
// names) prints for the same message: field order by field number, zero scalars and enums left
// out (proto3), parties_ahead_count printed even when 0 (it has explicit presence), int64 as
// strings. waitlist-json.test.ts checks this against protobuf-es on random inputs.
import type { Estimate } from '../waitlist/estimator.js';
import type { WaitlistStatus } from '../waitlist/rules.js';
import type { WaitlistState } from '../waitlist/state-machine.js';
import type { ConfirmationMode } from '../merchants/rules.js';

/** int64 as proto3 JSON prints it: a decimal string (BigInt refuses a non-integer, as create() would). */
const int64 = (n: number): string => (Number.isSafeInteger(n) ? `"${n}"` : `"${BigInt(n)}"`);

/** An int64 field, left out at 0. */
const int64Field = (name: string, n: number | null): string | null => (n === null || n === 0 ? null : `"${name}":${int64(n)}`);

const object = (fields: readonly (string | null)[]): string => `{${fields.filter((f) => f !== null).join(',')}}`;

export function waitEstimateJson(partySize: number, estimate: Estimate, mode: ConfirmationMode): string {
  const range = object([int64Field('start_seconds', estimate.range.start), int64Field('end_seconds', estimate.range.end)]);
  return object([
    partySize === 0 ? null : `"party_size":${int32(partySize, 'party_size')}`,
    `"wait_length":{"parties_ahead_count":${int32(estimate.partiesAhead, 'parties_ahead_count')},"estimated_seat_time_range":${range}}`,
    `"waitlist_confirmation_mode":"WAITLIST_CONFIRMATION_MODE_${mode}"`,
  ]);
}

/** An int32 as create() accepts it: an integer in range; anything else is a programming error. */
function int32(n: number, field: string): number {
  if (!Number.isInteger(n) || n < -0x80000000 || n > 0x7fffffff) throw new RangeError(`${field}: ${n} is not an int32`);
  return n;
}

export interface WaitEstimateItem {
  readonly partySize: number;
  readonly estimate: Estimate;
  readonly confirmationMode: ConfirmationMode;
}

export function batchGetWaitEstimatesJson(status: WaitlistStatus, estimates: readonly WaitEstimateItem[]): string {
  return object([
    `"waitlist_status":"${status}"`,
    estimates.length === 0 ? null : `"wait_estimate":[${estimates.map((e) => waitEstimateJson(e.partySize, e.estimate, e.confirmationMode)).join(',')}]`,
  ]);
}

export interface EntryTimes {
  readonly createdAt: number;
  readonly canceledAt: number | null;
  readonly serviceReadiedAt: number | null;
  readonly checkedInAt: number | null;
  readonly seatedAt: number | null;
  readonly markedNoShowAt: number | null;
}

export function getWaitlistEntryJson(state: WaitlistState, times: EntryTimes, estimate: string): string {
  const stateTimes = object([
    int64Field('created_time_seconds', times.createdAt),
    int64Field('canceled_time_seconds', times.canceledAt),
    int64Field('service_readied_time_seconds', times.serviceReadiedAt),
    int64Field('checked_in_time_seconds', times.checkedInAt),
    int64Field('seated_time_seconds', times.seatedAt),
    int64Field('marked_no_show_time_seconds', times.markedNoShowAt),
  ]);
  return `{"waitlist_entry":{"waitlist_entry_state":"${state}","waitlist_entry_state_times":${stateTimes},"wait_estimate":${estimate}}}`;
}
