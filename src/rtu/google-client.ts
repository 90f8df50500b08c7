// Calls to Google's Maps Booking API: OAuth 2.0 with a service-account key (google-auth-library,
// scope mapsbooking, token cached and refreshed by the library), and a classification of every
// outcome into delivered / retry later / needs a fix.
import { readFileSync } from 'node:fs';
import { JWT } from 'google-auth-library';

export const MAPS_BOOKING_SCOPE = 'https://www.googleapis.com/auth/mapsbooking';
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
export const API_BASE = {
  production: 'https://mapsbooking.googleapis.com',
  sandbox: 'https://partnerdev-mapsbooking.googleapis.com',
} as const;

export type CallResult =
  | { readonly outcome: 'delivered'; readonly status: number; readonly body: unknown }
  /** Network error, timeout, 401 (token refreshed), 408, 429, 5xx: try again later. */
  | { readonly outcome: 'retry'; readonly status: number | null; readonly error: string; readonly retryAfterSec: number | null }
  /** Any other 4xx: the request itself is wrong; retrying cannot help. */
  | { readonly outcome: 'rejected'; readonly status: number; readonly error: string };

export interface MapsBookingApi {
  /** PATCH notification/partners/{p}/bookings/{b}?updateMask=... */
  patchBooking(bookingId: string, updateMask: readonly string[], body: unknown): Promise<CallResult>;
  /** POST inventory/partners/{p}/availability:replace */
  replaceAvailability(body: unknown): Promise<CallResult>;
}

export interface ServiceAccount {
  readonly clientEmail: string;
  readonly privateKey: string;
}

/** Reads a service-account JSON key file; the message names the problem, never the key. */
export function readServiceAccount(path: string): ServiceAccount {
  let parsed: { client_email?: unknown; private_key?: unknown; type?: unknown };
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as typeof parsed;
  } catch (error) {
    throw new Error(`GOOGLE_SERVICE_ACCOUNT_FILE: cannot read ${path} as JSON (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`);
  }
  if (typeof parsed.client_email !== 'string' || typeof parsed.private_key !== 'string') {
    throw new Error('GOOGLE_SERVICE_ACCOUNT_FILE: not a service-account key (needs client_email and private_key)');
  }
  return { clientEmail: parsed.client_email, privateKey: parsed.private_key };
}

export interface ClientOptions {
  readonly baseUrl: string;
  readonly partnerId: string;
  readonly account: ServiceAccount;
  /** Where to fetch tokens; Google's endpoint unless overridden (tests, proxies). */
  readonly tokenUrl?: string;
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

export class MapsBookingClient implements MapsBookingApi {
  private readonly auth: JWT;
  private readonly fetch: typeof fetch;
  private readonly base: string;

  constructor(private readonly options: ClientOptions) {
    const fetchImpl = options.fetch ?? globalThis.fetch;
    this.fetch = fetchImpl;
    this.base = options.baseUrl.replace(/\/+$/, '');
    const tokenUrl = options.tokenUrl;
    // google-auth-library's JWT flow ignores token_uri and has Google's token URL built in; an
    // override is applied where the request leaves, through its fetch hook.
    const authFetch: typeof fetch =
      tokenUrl === undefined || tokenUrl === GOOGLE_TOKEN_URL
        ? fetchImpl
        : (input, init) => {
            const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
            return fetchImpl(url.startsWith(GOOGLE_TOKEN_URL) ? tokenUrl + url.slice(GOOGLE_TOKEN_URL.length) : input, init);
          };
    this.auth = new JWT({
      email: options.account.clientEmail,
      key: options.account.privateKey,
      scopes: [MAPS_BOOKING_SCOPE],
      transporterOptions: { fetchImplementation: authFetch as never },
    });
  }

  private async call(method: 'PATCH' | 'POST', path: string, body: unknown): Promise<CallResult> {
    let authorization: string;
    try {
      const headers = (await this.auth.getRequestHeaders()) as Headers | Record<string, string>;
      authorization = (headers instanceof Headers ? headers.get('authorization') : (headers.Authorization ?? headers.authorization)) ?? '';
    } catch (error) {
      return { outcome: 'retry', status: null, error: `OAuth token: ${error instanceof Error ? error.message : String(error)}`, retryAfterSec: null };
    }
    let response: Response;
    try {
      response = await this.fetch(`${this.base}${path}`, {
        method,
        headers: { authorization, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
    } catch (error) {
      return { outcome: 'retry', status: null, error: `network: ${error instanceof Error ? error.message : String(error)}`, retryAfterSec: null };
    }
    const text = await response.text().catch(() => '');
    if (response.ok) {
      let parsed: unknown = null;
      try {
        parsed = text === '' ? null : JSON.parse(text);
      } catch {
        parsed = null;
      }
      return { outcome: 'delivered', status: response.status, body: parsed };
    }
    const error = `HTTP ${response.status}: ${text.slice(0, 500)}`;
    if (response.status === 401) {
      // A token Google no longer accepts: drop it so that the next attempt gets a fresh one. The
      // rest of the credentials stay (the JWT client needs its placeholder refresh token), and a
      // past expiry makes it bypass the token it cached itself (forceRefresh).
      this.auth.credentials = { ...this.auth.credentials, access_token: null, expiry_date: 1 };
      return { outcome: 'retry', status: 401, error, retryAfterSec: null };
    }
    if (response.status === 408 || response.status === 429 || response.status >= 500) {
      const retryAfter = Number(response.headers.get('retry-after'));
      return { outcome: 'retry', status: response.status, error, retryAfterSec: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null };
    }
    return { outcome: 'rejected', status: response.status, error };
  }

  patchBooking(bookingId: string, updateMask: readonly string[], body: unknown): Promise<CallResult> {
    const name = `partners/${encodeURIComponent(this.options.partnerId)}/bookings/${encodeURIComponent(bookingId)}`;
    return this.call('PATCH', `/v1alpha/notification/${name}?updateMask=${updateMask.map(encodeURIComponent).join(',')}`, body);
  }

  replaceAvailability(body: unknown): Promise<CallResult> {
    return this.call('POST', `/v1alpha/inventory/partners/${encodeURIComponent(this.options.partnerId)}/availability:replace`, body);
  }
}
