// Who may call each admin route (docs/ADMIN-API.md, "Roles"). One table, so the split between a
// host and a manager is read in one place and checked for every request in src/admin/plugin.ts:
// - host: running the night: the queue, walk-ins, seating, the day's bookings, guests' texts,
//   and reading what those screens show (the merchant, services, tables, availability);
// - manager: the merchant's settings, services and their rules, tables, opening hours,
//   availability, offers, staff, tokens, deactivation, the merchant's delivery status to Google;
// - bootstrap: the operator's routes that span every merchant (the handlers check it too).
// A route missing here needs a manager (a host is refused); src/admin/permissions.test.ts fails
// on any admin route missing here, so a new route gets a deliberate entry.
import { assertManager, assertRoot, type Principal } from './principal.js';

export type Permission = 'host' | 'manager' | 'bootstrap';

/** `METHOD path` (the route pattern under /admin/v1) -> who may call it. */
export const ROUTE_PERMISSIONS: Readonly<Record<string, Permission>> = {
  // Sessions (signing in is public; the rest acts on the caller's own session).
  'GET /session': 'host',
  'PATCH /session': 'host',
  'DELETE /session': 'host',
  // Tokens and staff.
  'POST /tokens': 'bootstrap',
  'GET /tokens': 'manager',
  'DELETE /tokens/:tokenId': 'bootstrap',
  'GET /merchants/:merchantId/staff': 'manager',
  'POST /merchants/:merchantId/staff': 'manager',
  'PATCH /merchants/:merchantId/staff/:staffId': 'manager',
  'DELETE /merchants/:merchantId/staff/:staffId': 'manager',
  // The merchant and its settings.
  'GET /merchants': 'host',
  'POST /merchants': 'bootstrap',
  'GET /merchants/:merchantId': 'host',
  'PATCH /merchants/:merchantId': 'manager',
  'PUT /merchants/:merchantId/opening-hours': 'manager',
  'GET /merchants/:merchantId/services': 'host',
  'POST /merchants/:merchantId/services': 'manager',
  'GET /merchants/:merchantId/services/:serviceId': 'host',
  // A manager's, except a body that only pauses or resumes Google's joins (see servicePatchPermission).
  'PATCH /merchants/:merchantId/services/:serviceId': 'manager',
  'GET /merchants/:merchantId/tables': 'host',
  'PUT /merchants/:merchantId/tables': 'manager',
  'GET /merchants/:merchantId/events': 'host',
  // Availability.
  'GET /merchants/:merchantId/services/:serviceId/availability': 'host',
  'PUT /merchants/:merchantId/services/:serviceId/availability': 'manager',
  'PUT /merchants/:merchantId/services/:serviceId/availability/weekly-schedule': 'manager',
  // The waitlist: queue, walk-ins, seating and every action on an entry.
  'GET /merchants/:merchantId/services/:serviceId/queue': 'host',
  'GET /merchants/:merchantId/waitlist-entries': 'host',
  'POST /merchants/:merchantId/services/:serviceId/walk-ins': 'host',
  'GET /merchants/:merchantId/waitlist-entries/:entryId': 'host',
  'POST /merchants/:merchantId/waitlist-entries/:entryId/:action': 'host',
  // Guests' texts.
  'GET /merchants/:merchantId/waitlist-entries/:entryId/guest-messages': 'host',
  'GET /merchants/:merchantId/guest-replies': 'host',
  'POST /merchants/:merchantId/waitlist-entries/:entryId/extra-time': 'host',
  'GET /guest-messages/status': 'bootstrap',
  'GET /guest-messages/dead-letters': 'bootstrap',
  'POST /guest-messages/dead-letters/replay': 'bootstrap',
  // The day's bookings.
  'GET /merchants/:merchantId/bookings': 'host',
  'POST /merchants/:merchantId/bookings': 'host',
  'GET /merchants/:merchantId/bookings/:bookingId': 'host',
  'POST /merchants/:merchantId/bookings/:bookingId/cancel': 'host',
  'POST /merchants/:merchantId/bookings/:bookingId/reschedule': 'host',
  'POST /merchants/:merchantId/bookings/:bookingId/party-size': 'host',
  'POST /merchants/:merchantId/bookings/:bookingId/confirm': 'host',
  'POST /merchants/:merchantId/bookings/:bookingId/decline': 'host',
  'POST /merchants/:merchantId/bookings/:bookingId/no-show': 'host',
  'GET /merchants/:merchantId/offers': 'host',
  'PUT /merchants/:merchantId/offers': 'manager',
  // Learned estimates: reading them is harmless, relearning is a manager's.
  'GET /merchants/:merchantId/estimates': 'host',
  'POST /merchants/:merchantId/estimates/refresh': 'manager',
  // Removing a merchant or a service.
  'POST /merchants/:merchantId/deactivate': 'manager',
  'POST /merchants/:merchantId/services/:serviceId/deactivate': 'manager',
  'POST /merchants/:merchantId/activate': 'manager',
  'POST /merchants/:merchantId/services/:serviceId/activate': 'manager',
  // Deleting a deactivated merchant or service for good: the operator's.
  'POST /merchants/:merchantId/delete': 'bootstrap',
  'POST /merchants/:merchantId/services/:serviceId/delete': 'bootstrap',
  // What reached Google: the merchant's own (its managers), every merchant's (the operator).
  'GET /merchants/:merchantId/rtu/status': 'manager',
  'GET /merchants/:merchantId/feed-runs': 'manager',
  'GET /feed-runs': 'bootstrap',
  'GET /rtu/status': 'bootstrap',
  'GET /rtu/dead-letters': 'bootstrap',
  'POST /rtu/dead-letters/replay': 'bootstrap',
};

/** The permission of a route pattern (under /admin/v1); a route not in the table needs a manager. */
export function permissionOf(method: string, path: string): Permission {
  return ROUTE_PERMISSIONS[`${method} ${path}`] ?? 'manager';
}

/** Pausing or resuming Google's joins is running the queue (a host's); any other change to a service is a manager's. */
export function servicePatchPermission(body: unknown): Permission {
  if (typeof body !== 'object' || body === null) return 'manager';
  const keys = Object.keys(body);
  const waitlist = (body as { waitlist?: unknown }).waitlist;
  const onlyPause =
    keys.length === 1 &&
    keys[0] === 'waitlist' &&
    typeof waitlist === 'object' &&
    waitlist !== null &&
    Object.keys(waitlist).length === 1 &&
    'paused' in waitlist;
  return onlyPause ? 'host' : 'manager';
}

/** Refuses a caller whose role is below the permission (403 FORBIDDEN, in the API's error shape). */
export function assertPermission(principal: Principal, permission: Permission): void {
  if (permission === 'bootstrap') assertRoot(principal);
  if (permission === 'manager') assertManager(principal);
}
