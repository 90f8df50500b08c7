// What the admin plugin attaches to each request (the authenticated principal), for the admin route files.
import type { FastifyRequest } from 'fastify';
import { DomainError } from '../errors.js';
import type { Principal } from './principal.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    /** The session cookie's secret when the request was authenticated by it (the host stand). */
    sessionSecret: string | null;
  }
  interface FastifyContextConfig {
    /** A route that needs no authentication (signing in). */
    public?: boolean;
  }
}

export function principalOf(request: FastifyRequest): Principal {
  if (request.principal === null) throw new DomainError('UNAUTHENTICATED', 'missing bearer token');
  return request.principal;
}
