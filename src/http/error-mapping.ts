// The one place where errors become HTTP responses. Business failures never come here: they are
// 200 responses with a failure body. Caller mistakes get 4xx with a message; only our own faults 5xx.
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyBaseLogger, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, ERROR_CODES, type ErrorCode } from '../errors.js';

export interface ErrorBody {
  error: { status: number; code: string; message: string };
}

export function errorBody(status: number, code: string, message: string): ErrorBody {
  return { error: { status, code, message } };
}

/**
 * SQLite and PostgreSQL signals that the store cannot take writes now: disk full, a read-only
 * database (SQLite's READONLY; PostgreSQL's 25006, e.g. a standby reached after a failover),
 * lock timeouts, a database that cannot be reached or whose connection was lost.
 */
export function isStoreUnavailable(error: unknown): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (
    typeof code === 'string' &&
    /^(SQLITE_(FULL|READONLY|BUSY|IOERR|CANTOPEN|LOCKED).*|53\d\d\d|57P0[1-3]|08\d\d\d|25006|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT)$/.test(code)
  )
    return true;
  // node-postgres reports a connection lost in the middle of a transaction without a code.
  return typeof message === 'string' && /^(Connection terminated|Client has encountered a connection error)/.test(message);
}

/**
 * PostgreSQL refusing a value the caller sent: text with U+0000, which its text type cannot hold
 * (SQLSTATE 22021, also 22P05), or a number beyond its column type (22003 out of range, e.g.
 * `?to=1e20` against a bigint; 22P02 when the number only has an exponent form, `1e+21`, for an
 * integer column). SQLite stores or compares such values as sent; on PostgreSQL it is the caller's
 * input that cannot be used, so a 400, not a 500. Null when the error is something else.
 */
function unstorableInput(error: unknown): string | null {
  const code = (error as { code?: unknown }).code;
  if (code === '22021' || code === '22P05') return 'the request holds text the database cannot store (NUL characters, U+0000)';
  if (code === '22003' || code === '22P02') return 'a number in the request is out of range';
  return null;
}

/** Our code for each client-error status Fastify or its plugins may answer with. */
const CODE_BY_STATUS: Readonly<Record<number, ErrorCode>> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  408: 'REQUEST_TIMEOUT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'TOO_MANY_REQUESTS',
  431: 'HEADERS_TOO_LARGE',
};

/** Fastify's own messages for the errors it raises, where a plainer one helps the caller more. */
const FASTIFY_MESSAGES: Readonly<Record<string, string>> = {
  FST_BASIC_AUTH_MISSING_OR_BAD_AUTHORIZATION_HEADER: 'missing or malformed Basic authorization header',
  FST_ERR_CTP_INVALID_JSON_BODY: 'request body is not valid JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'request body is empty although its Content-Type is application/json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'request body is larger than the server accepts (BODY_LIMIT_BYTES)',
  FST_ERR_BAD_URL: 'the URL cannot be decoded',
};

/**
 * A client error raised by Fastify or a plugin (FST_* codes: schema validation, body parsing,
 * Basic-auth header, undecodable URL) as one of our documented codes: Fastify's codes are its
 * internals, not our contract. A status we have no code for becomes 400 INVALID_ARGUMENT.
 */
export function clientErrorOf(error: FastifyError): { status: number; code: ErrorCode; message: string } {
  if (error.validation) return { status: 400, code: 'INVALID_ARGUMENT', message: error.message };
  const code = CODE_BY_STATUS[error.statusCode ?? 400];
  const message = FASTIFY_MESSAGES[error.code] ?? (error.message.trim() === '' ? 'bad request' : error.message);
  return code === undefined ? { status: 400, code: 'INVALID_ARGUMENT', message } : { status: ERROR_CODES[code], code, message };
}

/** An error's answer: status, headers to set before the body (in this order), and the body. */
export interface ErrorAnswer {
  readonly status: number;
  readonly headers: readonly (readonly [string, string | number])[];
  readonly body: ErrorBody;
}

const NO_HEADERS: ErrorAnswer['headers'] = [];

/**
 * What any error raised while serving a request is answered with, and what it logs (our faults and
 * the store's only, through `log()`, which gives the request's logger). One function for the
 * Fastify error handler and the direct read path (http/fast-reads.ts), so both answer alike.
 * `hasWwwAuthenticate`: whether the reply already carries a WWW-Authenticate header.
 */
export function errorAnswer(error: FastifyError | DomainError, log: () => FastifyBaseLogger, hasWwwAuthenticate = false): ErrorAnswer {
  const status = (error as FastifyError).statusCode;
  const known =
    error instanceof DomainError
      ? { status: ERROR_CODES[error.code], code: error.code, message: error.message }
      : typeof status === 'number' && status >= 400 && status < 500
        ? clientErrorOf(error)
        : null;
  if (known !== null) {
    const headers = known.status === 401 && !hasWwwAuthenticate ? ([['www-authenticate', 'Basic realm="booking-server"']] as const) : NO_HEADERS;
    return { status: known.status, headers, body: errorBody(known.status, known.code, known.message) };
  }
  const unstorable = unstorableInput(error);
  if (unstorable !== null) {
    log().warn({ err: error }, 'the database refused a value from the request');
    return { status: 400, headers: NO_HEADERS, body: errorBody(400, 'INVALID_ARGUMENT', unstorable) };
  }
  if (isStoreUnavailable(error)) {
    log().error({ err: error }, 'store unavailable');
    return { status: 503, headers: [['retry-after', 5]], body: errorBody(503, 'UNAVAILABLE', 'the store cannot take this request now; retry later') };
  }
  log().error({ err: error }, 'unexpected error');
  return { status: 500, headers: NO_HEADERS, body: errorBody(500, 'INTERNAL', 'internal error') };
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | DomainError, request, reply) => {
    const answer = errorAnswer(error, () => request.log, reply.hasHeader('www-authenticate'));
    for (const [name, value] of answer.headers) reply.header(name, value);
    return reply.status(answer.status).send(answer.body);
  });
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send(errorBody(404, 'NOT_FOUND', `no route for ${request.method} ${request.url.split('?')[0]}`));
  });
}

/**
 * Fastify's `frameworkErrors`: a URL the router cannot decode (`/v3/%`) or a path parameter over
 * the length limit. Without it Fastify answers in its own body shape, not ours.
 */
export function frameworkErrorHandler(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const { status, code, message } = clientErrorOf(error);
  void reply.status(status).send(errorBody(status, code, message));
}

/**
 * Fastify's `clientErrorHandler`: requests Node's HTTP parser rejects before any route sees them
 * (malformed request line or headers, headers over the size limit, request timeout). Written to the
 * socket in our error shape, as Fastify's default does in its own.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message]: [number, ErrorCode, string] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'REQUEST_TIMEOUT', 'the request did not arrive in time']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'HEADERS_TOO_LARGE', 'the request headers are too large']
        : [400, 'INVALID_ARGUMENT', 'malformed HTTP request'];
  const body = JSON.stringify(errorBody(status, code, message));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
