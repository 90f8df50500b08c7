// Google's booking server API under {prefix}/v3: Basic auth, proto3 JSON bodies, HealthCheck.
import type { FastifyInstance } from 'fastify';
import type { CredentialDigest } from '../config.js';
import { DomainError } from '../errors.js';
import type { Store } from '../store/database.js';
import type { AvailabilityService } from '../availability/service.js';
import { bookingRoutes } from './booking-routes.js';
import type { BookingService } from '../bookings/service.js';
import { waitlistRoutes } from './waitlist-routes.js';
import type { WaitlistService } from '../waitlist/service.js';
import { type FailureThrottle, registerBasicAuth, type VerifiedCredentials } from './basic-auth.js';

export interface V3Deps {
  readonly store: Store;
  readonly credentials: readonly CredentialDigest[];
  readonly throttle: FailureThrottle;
  /** Headers that passed the full check, shared with the direct read path (fast-reads.ts). */
  readonly verified: VerifiedCredentials;
  readonly waitlist: WaitlistService;
  readonly bookings: BookingService;
  readonly availability: AvailabilityService;
}

export function v3Plugin(deps: V3Deps) {
  return async function v3(app: FastifyInstance): Promise<void> {
    // Google's request Content-Type is not documented: read any body as JSON. Fastify's own
    // text/plain parser would hand the route a string, so it is removed (in this context only).
    app.removeContentTypeParser('text/plain');
    app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
      const text = String(body);
      if (text.trim() === '') return done(null, undefined);
      try {
        done(null, JSON.parse(text));
      } catch {
        done(new DomainError('INVALID_ARGUMENT', 'request body is not valid JSON'), undefined);
      }
    });
    await registerBasicAuth(app, deps.credentials, deps.throttle, deps.verified);

    app.get('/HealthCheck', async (_request, reply) => {
      await deps.store.db.selectFrom('merchants').select('id').limit(1).execute();
      return reply.type('application/json; charset=utf-8').send('{"status":"SERVING"}');
    });
    await app.register(waitlistRoutes(deps.waitlist));
    await app.register(bookingRoutes(deps.bookings, deps.availability));
  };
}
