// What the conformance client holds a booking server to: Google's public pages (every case names
// the page it comes from) and Google's latency thresholds per method. Pure data; no server code.

const RESERVATIONS = 'https://developers.google.com/actions-center/verticals/reservations/e2e';
const WAITLISTS = 'https://developers.google.com/actions-center/verticals/reservations/waitlists';
const METHODS = `${RESERVATIONS}/reference/booking-server-api-rest/e2e-methods`;
const WAITLIST_METHODS = `${WAITLISTS}/reference/booking-server-api-rest/e2e-methods`;

/** Google's pages the cases cite, by a short key printed on each report line. */
export const DOCS = {
  'healthcheck-method': `${METHODS}/healthcheck-method`,
  'status-codes': `${METHODS}/status-codes`,
  'config-booking-server': `${RESERVATIONS}/integration-steps/setup/config-booking-server`,
  'implement-booking-server': 'https://developers.google.com/actions-center/verticals/local-services/e2e/integration-steps/implement-booking-server',
  'batchavailabilitylookup-method': `${METHODS}/batchavailabilitylookup-method`,
  'batchavailabilitylookup-samples': `${RESERVATIONS}/integration-steps/booking-server-ready/batchavailabilitylookup/samples-definitions`,
  'checkavailability-method': `${METHODS}/checkavailability-method`,
  'createbooking-method': `${METHODS}/createbooking-method`,
  'createbooking-ready': `${RESERVATIONS}/integration-steps/booking-server-ready/createbooking`,
  'updatebooking-method': `${METHODS}/updatebooking-method`,
  'getbookingstatus-method': `${METHODS}/getbookingstatus-method`,
  'listbookings-method': `${METHODS}/listbookings-method`,
  'createlease-method': 'https://developers.google.com/actions-center/reference/grpc-api-v2/createlease-method',
  'getbookingstatus-grpc': 'https://developers.google.com/actions-center/reference/grpc-api-v2/getbookingstatus-method',
  'listbookings-grpc': 'https://developers.google.com/actions-center/reference/grpc-api-v2/listbookings-method',
  'common-issues': `${RESERVATIONS}/integration-steps/booking-server-ready/common-issues`,
  'launch-and-monitoring': 'https://developers.google.com/maps-booking/verticals/dining/guides/end-to-end-integration/launch-and-monitoring',
  'test-booking-server': 'https://developers.google.com/maps-booking/guides/end-to-end-integration/test-booking-server',
  'batchgetwaitestimates-method': `${WAITLIST_METHODS}/batchgetwaitestimates-method`,
  'createwaitlistentry-method': `${WAITLIST_METHODS}/createwaitlistentry-method`,
  'getwaitlistentry-method': `${WAITLIST_METHODS}/getwaitlistentry-method`,
  'deletewaitlistentry-method': `${WAITLIST_METHODS}/deletewaitlistentry-method`,
  'waitlist-proto': `${WAITLISTS}/reference/booking-server-api-rest/e2e-definitions/proto-interface`,
  'waitestimate-definition': `${WAITLISTS}/reference/booking-server-api-rest/e2e-definitions/waitestimate-definition`,
} as const;

export type DocKey = keyof typeof DOCS;

export type Method =
  | 'HealthCheck'
  | 'BatchAvailabilityLookup'
  | 'CheckAvailability'
  | 'CreateBooking'
  | 'UpdateBooking'
  | 'GetBookingStatus'
  | 'ListBookings'
  | 'CreateLease'
  | 'BatchGetWaitEstimates'
  | 'CreateWaitlistEntry'
  | 'GetWaitlistEntry'
  | 'DeleteWaitlistEntry';

export interface Threshold {
  readonly ms: number;
  readonly doc: DocKey;
}

/**
 * Google's latency limits. Launch and monitoring lists BatchAvailabilityLookup < 1.5 s,
 * CheckAvailability and CreateLease < 5 s, CreateBooking and UpdateBooking < 4 s (without
 * payments), BatchGetWaitEstimates < 1 s and the other waitlist methods < 4 s. HealthCheck,
 * GetBookingStatus and ListBookings have no figure of their own there; the common-issues page's
 * "respond to requests with less than 1.5 seconds" applies to them.
 */
export const LATENCY_THRESHOLDS: Record<Method, Threshold> = {
  HealthCheck: { ms: 1500, doc: 'common-issues' },
  BatchAvailabilityLookup: { ms: 1500, doc: 'launch-and-monitoring' },
  CheckAvailability: { ms: 5000, doc: 'launch-and-monitoring' },
  CreateBooking: { ms: 4000, doc: 'launch-and-monitoring' },
  UpdateBooking: { ms: 4000, doc: 'launch-and-monitoring' },
  GetBookingStatus: { ms: 1500, doc: 'common-issues' },
  ListBookings: { ms: 1500, doc: 'common-issues' },
  CreateLease: { ms: 5000, doc: 'launch-and-monitoring' },
  BatchGetWaitEstimates: { ms: 1000, doc: 'launch-and-monitoring' },
  CreateWaitlistEntry: { ms: 4000, doc: 'launch-and-monitoring' },
  GetWaitlistEntry: { ms: 4000, doc: 'launch-and-monitoring' },
  DeleteWaitlistEntry: { ms: 4000, doc: 'launch-and-monitoring' },
};

export const BOOKING_STATUSES = [
  'CONFIRMED',
  'PENDING_MERCHANT_CONFIRMATION',
  'CANCELED',
  'NO_SHOW',
  'NO_SHOW_PENALIZED',
  'FAILED',
  'DECLINED_BY_MERCHANT',
] as const;

export const PREPAYMENT_STATUSES = [
  'PREPAYMENT_STATUS_UNSPECIFIED',
  'PREPAYMENT_PROVIDED',
  'PREPAYMENT_NOT_PROVIDED',
  'PREPAYMENT_REFUNDED',
  'PREPAYMENT_CREDITED',
] as const;

export const WAITLIST_STATUSES = ['OPEN', 'CLOSED_NO_WAIT', 'CLOSED_OTHER'] as const;
