// The one place where errors become HTTP responses. Business failures never come here: they are
// 200 responses with a failure body. Caller mistakes get 4xx with a message; only our own faults 5xx.
import type { FastifyError, FastifyInstance } from 'fastify';
import { DomainError, ERROR_CODES } from '../errors.js';

export interface ErrorBody {
  error: { status: number; code: string; message: string };
}

export function errorBody(status: number, code: string, message: string): ErrorBody {
  return { error: { status, code, message } };
}

/** SQLite and PostgreSQL signals that the store cannot take writes now (disk full, read-only, lock timeout). */
function isStoreUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^(SQLITE_(FULL|READONLY|BUSY|IOERR|CANTOPEN|LOCKED).*|53\d\d\d|57P0[1-3]|08\d\d\d)$/.test(code);
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
