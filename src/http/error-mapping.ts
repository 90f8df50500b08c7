// The one place where errors become HTTP responses. Business failures never come here: they are
// 200 responses with a failure body. Caller mistakes get 4xx with a message; only our own faults 5xx.
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, ERROR_CODES } from '../errors.js';

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
  if (typeof code === 'string' && /^(SQLITE_(FULL|READONLY|BUSY|IOERR|CANTOPEN|LOCKED).*|53\d\d\d|57P0[1-3]|08\d\d\d|25006|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT)$/.test(code)) return true;
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

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | DomainError, request, reply) => {
    if (error instanceof DomainError) {
      const status = ERROR_CODES[error.code];
      if (status === 401 && !reply.hasHeader('www-authenticate')) reply.header('www-authenticate', 'Basic realm="booking-server"');
      return reply.status(status).send(errorBody(status, error.code, error.message));
    }
    const status = (error as FastifyError).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      const code = (error as FastifyError).validation ? 'INVALID_ARGUMENT' : ((error as FastifyError).code ?? 'BAD_REQUEST');
      return reply.status(status).send(errorBody(status, code, error.message));
    }
    const unstorable = unstorableInput(error);
    if (unstorable !== null) {
      request.log.warn({ err: error }, 'the database refused a value from the request');
      return reply.status(400).send(errorBody(400, 'INVALID_ARGUMENT', unstorable));
    }
    if (isStoreUnavailable(error)) {
      request.log.error({ err: error }, 'store unavailable');
      reply.header('retry-after', 5);
      return reply.status(503).send(errorBody(503, 'UNAVAILABLE', 'the store cannot take this request now; retry later'));
    }
    request.log.error({ err: error }, 'unexpected error');
    return reply.status(500).send(errorBody(500, 'INTERNAL', 'internal error'));
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
  const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
  void reply.status(status).send(errorBody(status, error.code ?? 'BAD_REQUEST', error.message));
}

/**
 * Fastify's `clientErrorHandler`: requests Node's HTTP parser rejects before any route sees them
 * (malformed request line or headers, headers over the size limit, request timeout). Written to the
 * socket in our error shape, as Fastify's default does in its own.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message]: [number, string, string] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'REQUEST_TIMEOUT', 'the request did not arrive in time']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'HEADERS_TOO_LARGE', 'the request headers are too large']
        : [400, 'BAD_REQUEST', 'malformed HTTP request'];
  const body = JSON.stringify(errorBody(status, code, message));
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(error);
}
