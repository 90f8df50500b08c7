// Domain errors with stable codes. The HTTP edge maps each code to a status in one place
// (src/http/error-mapping.ts); errors.test.ts keeps this list and docs/GOOGLE-API.md in step.
export const ERROR_CODES = {
  INVALID_ARGUMENT: 400,
  UNKNOWN_MERCHANT: 400,
  UNKNOWN_SERVICE: 400,
  /** UpdateBooking of a booking that never existed: 400 per Google's status table. */
  UNKNOWN_BOOKING: 400,
  NOT_FOUND: 404,
  WAITLIST_ENTRY_NOT_FOUND: 404,
  ILLEGAL_TRANSITION: 400,
  IDEMPOTENCY_KEY_REUSED: 409,
  ALREADY_EXISTS: 409,
  /** The host answered a guest's "+10" when none was open. */
  NO_EXTRA_TIME_REQUEST: 409,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  /** The client did not finish sending its request in time. */
  REQUEST_TIMEOUT: 408,
  /** A body over BODY_LIMIT_BYTES. */
  PAYLOAD_TOO_LARGE: 413,
  /** A body in a content type the route does not read (the admin API reads JSON only). */
  UNSUPPORTED_MEDIA_TYPE: 415,
  TOO_MANY_REQUESTS: 429,
  HEADERS_TOO_LARGE: 431,
  UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const invalid = (message: string): DomainError => new DomainError('INVALID_ARGUMENT', message);
