// The merchant-side JSON API under /admin/v1: bearer tokens, per-merchant scope, snake_case JSON.
import { removalAdminRoutes } from './removal-routes.js';
import { feedRunsAdminRoutes } from './feed-runs-routes.js';
import type { FeedRunsService } from '../feeds/runs.js';
import type { RemovalService } from '../removal/service.js';
import type { FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { nowSeconds, type Clock } from '../clock.js';
import { DomainError, invalid } from '../errors.js';
import { closeRouteBody, unknownFieldIn } from '../http/closed-bodies.js';
import { findIllFormedText } from '../http/well-formed.js';
import { merchantAdminRoutes } from './merchant-routes.js';
import type { MerchantService } from '../merchants/service.js';
import { waitlistAdminRoutes } from './waitlist-routes.js';
import { availabilityAdminRoutes } from './availability-routes.js';
import type { AvailabilityService } from '../availability/service.js';
import { bookingAdminRoutes } from './booking-routes.js';
import type { BookingService } from '../bookings/service.js';
import { rtuAdminRoutes } from './rtu-routes.js';
import type { RtuService } from '../rtu/service.js';
import { guestMessageAdminRoutes } from './guest-messages-routes.js';
import type { GuestMessageService } from '../messages/service.js';
import type { WaitlistService } from '../waitlist/service.js';
import { estimatesAdminRoutes } from './estimates-routes.js';
import type { EstimatesService } from '../estimates/service.js';
import { assertMerchantAccess, assertRoot, merchantScope } from './principal.js';
import { principalOf } from './request.js';
import { assertPermission, permissionOf, servicePatchPermission } from './permissions.js';

import type { AdminTokenInfo, AdminTokens } from './tokens.js';
import { sessionRoutes } from './session-routes.js';
import { eventRoutes } from './events-routes.js';
import type { ChangeFeed } from '../store/changes.js';
import { CSRF_HEADER, csrfMatches, SESSION_COOKIE, type WebSessions } from './sessions.js';
import type { StaffAccounts } from './staff.js';
import type { FailureThrottle } from '../http/basic-auth.js';

export interface AdminDeps {
  readonly tokens: AdminTokens;
  readonly merchants: MerchantService;
  readonly waitlist: WaitlistService;
  readonly availability: AvailabilityService;
  readonly bookings: BookingService;
  readonly rtu: RtuService;
  readonly estimates: EstimatesService;
  readonly guestMessages: GuestMessageService;
  readonly removal: RemovalService;
  readonly feedRuns: FeedRunsService;
  readonly clock: Clock;
  readonly sessions: WebSessions;
  readonly staff: StaffAccounts;
  /** Failed sign-ins per address (shared with Google's Basic auth). */
  readonly throttle: FailureThrottle;
  readonly secureCookie: boolean;
  /** Committed changes per merchant, for the live-update stream. */
  readonly changes: ChangeFeed;
}

function tokenJson(t: AdminTokenInfo) {
  return { id: t.id, merchant_id: t.merchantId, label: t.label, created_at: t.createdAt, revoked_at: t.revokedAt };
}

const tokenRoutes =
  (deps: AdminDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/tokens',
      { schema: { body: Type.Object({ merchant_id: Type.Union([Type.String({ minLength: 1 }), Type.Null()]), label: Type.String({ maxLength: 200 }) }) } },
      async (request, reply) => {
        assertRoot(principalOf(request));
        const merchantId = request.body.merchant_id;
        if (merchantId !== null) await deps.merchants.get(merchantId);
        const { secret, info } = await deps.tokens.create(merchantId, request.body.label, nowSeconds(deps.clock));
        return reply.status(201).send({ token: secret, ...tokenJson(info) });
      },
    );
    app.get('/tokens', async (request) => {
      const principal = principalOf(request);
      return { tokens: (await deps.tokens.list(merchantScope(principal))).map(tokenJson) };
    });
    app.delete('/tokens/:tokenId', { schema: { params: Type.Object({ tokenId: Type.String() }) } }, async (request, reply) => {
      assertRoot(principalOf(request));
      if (!(await deps.tokens.revoke(request.params.tokenId, nowSeconds(deps.clock)))) throw new DomainError('NOT_FOUND', 'unknown or revoked token');
      return reply.status(204).send();
    });
  };

const ADMIN_PREFIX = '/admin/v1';

function routePermission(method: string, url: string, body: unknown) {
  const path = url.startsWith(ADMIN_PREFIX) ? url.slice(ADMIN_PREFIX.length) : url;
  if (method === 'PATCH' && path === '/merchants/:merchantId/services/:serviceId') return servicePatchPermission(body);
  return permissionOf(method === 'HEAD' ? 'GET' : method, path);
}

export function adminPlugin(deps: AdminDeps) {
  return async function admin(app: FastifyInstance): Promise<void> {
    app.decorateRequest('principal', null);
    // Unknown fields in any admin body are refused with 400 naming them, on every route, also
    // those registered later (Google's /v3 stays tolerant, as proto3 JSON allows).
    app.addHook('onRoute', closeRouteBody);
    app.decorateRequest('sessionSecret', null);
    await app.register(cookie);
    // A POST without a body, or with an empty one under Content-Type application/json, has no
    // body: actions (cancel, no-show, seat, ...) take none. Other JSON goes to Fastify's parser.
    // The admin API reads JSON only: text/plain (which Fastify would hand over as a string) is 415 too.
    const json = app.getDefaultJsonParser('error', 'error');
    app.removeContentTypeParser(['application/json', 'text/plain']);
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      if (String(body).trim() === '') return done(null, undefined);
      json(request, String(body), done);
    });
    // Every 401 of this API names the Bearer scheme; the default Basic challenge would make a
    // browser (the host stand's failed sign-in) pop up a password dialog and hold the request.
    app.addHook('onSend', async (_request, reply, payload) => {
      if (reply.statusCode === 401) reply.header('www-authenticate', 'Bearer realm="booking-server-admin"');
      return payload;
    });
    app.addHook('onRequest', async (request, reply) => {
      const header = request.headers.authorization;
      const cookieSecret = request.cookies[SESSION_COOKIE];
      if (request.routeOptions.config.public === true) return;
      // The host stand's browser session: the cookie, and on state-changing requests the CSRF
      // token in a header (a forged cross-site request cannot read it). Bearer callers are unchanged.
      if (header === undefined && cookieSecret !== undefined && cookieSecret !== '') {
        const session = await deps.sessions.find(cookieSecret, nowSeconds(deps.clock));
        if (session === null) throw new DomainError('UNAUTHENTICATED', 'the session has expired or was signed out; sign in again');
        if (!['GET', 'HEAD', 'OPTIONS'].includes(request.method)) {
          const given = request.headers[CSRF_HEADER];
          if (!csrfMatches(session.csrfToken, typeof given === 'string' ? given : undefined)) {
            throw new DomainError('FORBIDDEN', `missing or wrong ${CSRF_HEADER} header (needed with the session cookie on every request that changes data)`);
          }
        }
        request.principal = session.principal;
        request.sessionSecret = cookieSecret;
        return;
      }
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
      const principal = match?.[1] ? await deps.tokens.authenticate(match[1]) : null;
      if (principal === null) {
        reply.header('www-authenticate', 'Bearer realm="booking-server-admin"');
        throw new DomainError('UNAUTHENTICATED', match ? 'invalid or revoked admin token' : 'missing bearer token');
      }
      request.principal = principal;
    });
    // Every route with :merchantId in its path is checked against the token's scope here, once.
    app.addHook('preValidation', async (request) => {
      // No body is an empty object: a route's schema then names the fields it needs, if any.
      if (request.body === undefined) request.body = {};
      const params = request.params as { merchantId?: string } | undefined;
      if (params?.merchantId !== undefined) assertMerchantAccess(principalOf(request), params.merchantId);
      // The role each route needs (src/admin/permissions.ts): hosts run the night, managers the settings.
      if (request.routeOptions.config.public !== true)
        assertPermission(principalOf(request), routePermission(request.method, request.routeOptions.url ?? '', request.body));
      const unknown = unknownFieldIn(request.routeOptions.schema?.body, request.body);
      if (unknown !== null) throw invalid(unknown);
      // Stored text must come back as sent; text with lone surrogates could not (see http/well-formed.ts).
      if (findIllFormedText(request.body) !== null) throw invalid('text in the request body must be well-formed Unicode (no lone surrogates)');
    });
    // Ajv coerces "Infinity" or "1e309" in a query string or path to Infinity and then skips its
    // range checks (they only look at finite numbers): refuse such values once validation is done.
    app.addHook('preHandler', async (request) => {
      for (const source of [request.query, request.params]) {
        for (const [name, value] of Object.entries((source ?? {}) as Record<string, unknown>)) {
          if (typeof value === 'number' && !Number.isFinite(value)) throw invalid(`${name} must be a finite number`);
        }
      }
    });
    await app.register(tokenRoutes(deps));
    await app.register(eventRoutes(deps.changes, deps.merchants));
    await app.register(sessionRoutes({ ...deps, principalOf, sessionSecretOf: (request) => request.sessionSecret }));
    await app.register(merchantAdminRoutes(deps.merchants));
    await app.register(waitlistAdminRoutes(deps.waitlist));
    await app.register(availabilityAdminRoutes(deps.availability));
    await app.register(bookingAdminRoutes(deps.bookings));
    await app.register(rtuAdminRoutes(deps.rtu, deps.merchants));
    await app.register(estimatesAdminRoutes(deps.estimates));
    await app.register(guestMessageAdminRoutes(deps.guestMessages));
    await app.register(removalAdminRoutes(deps.removal));
    await app.register(feedRunsAdminRoutes(deps.feedRuns, deps.merchants));
  };
}
