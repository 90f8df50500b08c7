// The admin API, as the host stand calls it: the session cookie authenticates (the browser sends
// it; the page never sees a token) and the session's CSRF token goes in a header on every request
// that changes data. Errors come back as the API's {error: {status, code, message}}.
export interface Session {
  kind: 'root' | 'merchant';
  merchant_id: string | null;
  role: 'host' | 'manager';
  staff: { id: string; name: string } | null;
  language: string;
  csrf_token: string;
  expires_at: number;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let csrfToken = '';
export const setCsrf = (token: string): void => {
  csrfToken = token;
};

export async function api<T = unknown>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const init: RequestInit = { method, credentials: 'same-origin', headers: { ...headers } };
  const h = init.headers as Record<string, string>;
  if (method !== 'GET') h['x-csrf-token'] = csrfToken;
  if (body !== undefined) {
    h['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(`/admin/v1${path}`, init);
  if (res.status === 204) return undefined as T;
  const json = await res.json().catch(() => null);
  if (!res.ok) {
    const error = json?.error;
    throw new ApiError(res.status, error?.code ?? 'ERROR', error?.message ?? res.statusText);
  }
  return json as T;
}

export interface Entry {
  id: string;
  service_id: string;
  source: 'google' | 'walk_in';
  state: string;
  party_size: number;
  guest: { given_name: string; family_name: string; telephone: string | null };
  table_id: string | null;
  times: { created_at: number; seated_at: number | null; service_readied_at: number | null; left_at?: number | null };
  /** The wait quoted when the party joined (epoch seconds), when the server recorded one. */
  quoted?: { seat_at: number; range_start: number; range_end: number } | null;
  estimate: { parties_ahead: number; seat_at: number; range_start: number; range_end: number } | null;
  allowed_actions: string[];
}

/** A guest's text (docs/ADMIN-API.md, "Guest messages"). */
export interface Reply {
  id: number;
  entry_id: string | null;
  kind: 'on_my_way' | 'cancel' | 'extra_time' | 'opt_out' | 'opt_in' | 'help' | 'text';
  minutes: number | null;
  body: string;
  received_at: number;
}

export interface Table {
  id: string;
  name: string;
  min_seats: number;
  seats: number;
}

export interface Service {
  id: string;
  name: string;
  waitlist: { enabled: boolean; paused: boolean };
  booking: { enabled: boolean };
}

export interface Merchant {
  id: string;
  name: string;
  time_zone: string;
  turn_times: { max_party_size: number; minutes: number }[];
  opening_hours: OpeningInterval[];
  guest_messages: { language: string; grace_minutes: number | null; almost_turn_position: number | null };
}

/** One opening interval: ISO weekday (1 = Monday), local "HH:MM" times ("24:00" closes at midnight). */
export interface OpeningInterval {
  day: number;
  open: string;
  close: string;
}

export interface Booking {
  id: string;
  service_id: string;
  start_sec: number;
  party_size: number;
  status: string;
  source?: string;
  guest: { given_name: string; family_name: string };
}

/** A guest's request for more time ("+10") and the host's answer (docs/ADMIN-API.md, "Guest messages"). */
export interface ExtraTime {
  minutes: number;
  requested_at: number;
  status: 'pending' | 'accepted' | 'refused';
  decided_at: number | null;
}

/** GET/POST .../waitlist-entries/{id}/guest-messages and .../extra-time, the parts the screen reads. */
export interface EntryMessaging {
  extra_time: ExtraTime | null;
}

/** The list with `updated` in place of the item of the same id. */
export const replaceById = <T extends { id: string }>(list: T[] | null, updated: T): T[] => (list ?? []).map((x) => (x.id === updated.id ? updated : x));
