// Host stand sign-in (browser sessions) and staff accounts, under /admin/v1.
//   POST   /session                          sign in with a token; sets the session cookie
//   GET    /session                          who is signed in, the CSRF token, the language
//   PATCH  /session                          pick the merchant (bootstrap token), change the language
//   DELETE /session                          sign out
//   POST   /merchants/:merchantId/staff      create a staff member (managers); the token is shown once
//   GET    /merchants/:merchantId/staff      list
//   PATCH  /merchants/:merchantId/staff/:id  rename, change role or language (managers)
//   DELETE /merchants/:merchantId/staff/:id  revoke the token and end the member's sessions (managers)

import { type FastifyPluginAsyncTypebox, Type } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { type Clock, nowSeconds } from '../clock.js';
import { DomainError } from '../errors.js';
import type { FailureThrottle } from '../http/basic-auth.js';
import type { MerchantService } from '../merchants/service.js';
import { assertManager, assertMerchantAccess, type Principal } from './principal.js';
import { SESSION_COOKIE, type WebSession, type WebSessions } from './sessions.js';
import { STAFF_LANGUAGES, type StaffAccounts, type StaffMember } from './staff.js';
import type { AdminTokens } from './tokens.js';

export interface SessionDeps {
  readonly tokens: AdminTokens;
  readonly sessions: WebSessions;
  readonly staff: StaffAccounts;
  readonly merchants: MerchantService;
  readonly clock: Clock;
  readonly throttle: FailureThrottle;
  /** Adds `Secure` to the cookie (TLS, or a PUBLIC_BASE_URL on https). */
  readonly secureCookie: boolean;
  readonly principalOf: (request: FastifyRequest) => Principal;
  /** The cookie secret of the request's session, when it came with one. */
  readonly sessionSecretOf: (request: FastifyRequest) => string | null;
}

const Language = Type.Union([Type.Literal('en'), Type.Literal('zh-CN'), Type.Literal('ar'), Type.Literal('tr'), Type.Literal('it')], {
  description: `One of ${STAFF_LANGUAGES.join(', ')}`,
});
const Role = Type.Union([Type.Literal('host'), Type.Literal('manager')]);
const ErrorReply = Type.Object({
  error: Type.Object({
    status: Type.Integer(),
    code: Type.String(),
    message: Type.String(),
  }),
});

const SessionJson = Type.Object({
  kind: Type.Union([Type.Literal('root'), Type.Literal('merchant')]),
  merchant_id: Type.Union([Type.String(), Type.Null()]),
  role: Role,
  staff: Type.Union([Type.Object({ id: Type.String(), name: Type.String() }), Type.Null()]),
  language: Language,
  csrf_token: Type.String({
    description: 'Send it in the X-CSRF-Token header on every request that is not GET, HEAD or OPTIONS.',
  }),
  expires_at: Type.Integer({
    description: 'Epoch seconds; extended while the session is used.',
  }),
});

const StaffJson = Type.Object({
  id: Type.String(),
  merchant_id: Type.String(),
  name: Type.String(),
  role: Role,
  language: Language,
  created_at: Type.Integer(),
  revoked_at: Type.Union([Type.Integer(), Type.Null()]),
});

function sessionJson(s: WebSession) {
  return {
    kind: s.principal.kind,
    merchant_id: s.principal.kind === 'merchant' ? s.principal.merchantId : s.merchantId,
    role: s.principal.kind === 'merchant' ? s.principal.role : ('manager' as const),
    staff: s.staff,
    language: s.language,
    csrf_token: s.csrfToken,
    expires_at: s.expiresAt,
  };
}

function staffJson(m: StaffMember) {
  return {
    id: m.id,
    merchant_id: m.merchantId,
    name: m.name,
    role: m.role,
    language: m.language,
    created_at: m.createdAt,
    revoked_at: m.revokedAt,
  };
}

export const sessionRoutes =
  (deps: SessionDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    const cookieOptions = {
      httpOnly: true,
      sameSite: 'strict' as const,
      secure: deps.secureCookie,
      path: '/',
    };

    const currentSession = async (request: FastifyRequest): Promise<{ secret: string; session: WebSession }> => {
      const secret = deps.sessionSecretOf(request);
      const session = secret === null ? null : await deps.sessions.find(secret, nowSeconds(deps.clock));
      if (secret === null || session === null) throw new DomainError('UNAUTHENTICATED', 'not signed in (this route needs the session cookie)');
      return { secret, session };
    };

    app.post(
      '/session',
      {
        config: { public: true },
        schema: {
          summary: 'Sign in to the host stand',
          description: 'Exchanges a token (bootstrap, merchant or staff) for an HttpOnly session cookie; the token is not kept by the browser.',
          body: Type.Object(
            {
              token: Type.String({ minLength: 1, maxLength: 500 }),
              language: Type.Optional(Language),
            },
            { additionalProperties: false },
          ),
          response: { 201: SessionJson, 401: ErrorReply, 429: ErrorReply },
        },
      },
      async (request, reply) => {
        // A valid token always signs in: the throttle only refuses further wrong ones from an
        // address that sent too many (as for Google's Basic auth, src/http/basic-auth.ts).
        const address = request.ip;
        const principal = await deps.tokens.authenticate(request.body.token);
        if (principal === null) {
          const wait = deps.throttle.blockedFor(address);
          if (wait > 0) {
            reply.header('retry-after', String(Math.ceil(wait / 1000)));
            throw new DomainError('TOO_MANY_REQUESTS', 'too many failed sign-ins from this address; try again later');
          }
          deps.throttle.recordFailure(address);
          throw new DomainError('UNAUTHENTICATED', 'invalid or revoked token');
        }
        const { secret, session } = await deps.sessions.open(principal, nowSeconds(deps.clock), request.body.language ?? null);
        reply.setCookie(SESSION_COOKIE, secret, {
          ...cookieOptions,
          maxAge: Math.max(1, session.expiresAt - nowSeconds(deps.clock)),
        });
        return reply.status(201).send(sessionJson(session));
      },
    );

    app.get(
      '/session',
      {
        schema: {
          summary: 'The signed-in session',
          response: { 200: SessionJson, 401: ErrorReply },
        },
      },
      async (request) => sessionJson((await currentSession(request)).session),
    );

    app.patch(
      '/session',
      {
        schema: {
          summary: 'Pick the merchant (bootstrap sessions) or change the language',
          body: Type.Object(
            {
              merchant_id: Type.Optional(Type.String({ minLength: 1 })),
              language: Type.Optional(Language),
            },
            { additionalProperties: false },
          ),
          response: {
            200: SessionJson,
            401: ErrorReply,
            403: ErrorReply,
            404: ErrorReply,
          },
        },
      },
      async (request) => {
        const { secret, session } = await currentSession(request);
        const merchantId = request.body.merchant_id;
        if (merchantId !== undefined) {
          assertMerchantAccess(session.principal, merchantId);
          await deps.merchants.get(merchantId);
        }
        await deps.sessions.update(
          secret,
          {
            ...(merchantId !== undefined ? { merchantId } : {}),
            ...(request.body.language !== undefined ? { language: request.body.language } : {}),
          },
          session.staff?.id ?? null,
        );
        return sessionJson((await currentSession(request)).session);
      },
    );

    // Sign out (204; the cookie is cleared).
    app.delete('/session', async (request, reply) => {
      const { secret } = await currentSession(request);
      await deps.sessions.close(secret);
      reply.clearCookie(SESSION_COOKIE, cookieOptions);
      return reply.status(204).send();
    });

    const MerchantParams = Type.Object({ merchantId: Type.String() });
    const StaffParams = Type.Object({
      merchantId: Type.String(),
      staffId: Type.String(),
    });

    app.post(
      '/merchants/:merchantId/staff',
      {
        schema: {
          summary: 'Create a staff member (managers only); the response shows their token once',
          params: MerchantParams,
          body: Type.Object(
            {
              name: Type.String({ minLength: 1, maxLength: 100 }),
              role: Role,
              language: Type.Optional(Language),
            },
            { additionalProperties: false },
          ),
          response: {
            201: Type.Object({
              ...StaffJson.properties,
              token: Type.String({
                description: 'Shown once; stored only as a digest.',
              }),
            }),
            403: ErrorReply,
            404: ErrorReply,
          },
        },
      },
      async (request, reply) => {
        assertManager(deps.principalOf(request));
        await deps.merchants.get(request.params.merchantId);
        const { secret, member } = await deps.staff.create(
          request.params.merchantId,
          {
            name: request.body.name,
            role: request.body.role,
            language: request.body.language ?? 'en',
          },
          nowSeconds(deps.clock),
        );
        return reply.status(201).send({ token: secret, ...staffJson(member) });
      },
    );

    app.get(
      '/merchants/:merchantId/staff',
      {
        schema: {
          summary: 'Staff members, revoked ones included',
          params: MerchantParams,
          response: { 200: Type.Object({ staff: Type.Array(StaffJson) }) },
        },
      },
      async (request) => ({
        staff: (await deps.staff.list(request.params.merchantId)).map(staffJson),
      }),
    );

    app.patch(
      '/merchants/:merchantId/staff/:staffId',
      {
        schema: {
          summary: 'Rename a staff member, or change their role or language (managers only)',
          params: StaffParams,
          body: Type.Object(
            {
              name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
              role: Type.Optional(Role),
              language: Type.Optional(Language),
            },
            { additionalProperties: false },
          ),
          response: { 200: StaffJson, 403: ErrorReply, 404: ErrorReply },
        },
      },
      async (request) => {
        assertManager(deps.principalOf(request));
        const member = await deps.staff.update(request.params.merchantId, request.params.staffId, request.body);
        if (member === null) throw new DomainError('NOT_FOUND', 'unknown or revoked staff member');
        return staffJson(member);
      },
    );

    app.delete(
      '/merchants/:merchantId/staff/:staffId',
      {
        schema: {
          summary: 'Revoke a staff member (managers only; 204)',
          params: StaffParams,
        },
      },
      async (request, reply) => {
        assertManager(deps.principalOf(request));
        if (!(await deps.staff.revoke(request.params.merchantId, request.params.staffId, nowSeconds(deps.clock)))) {
          throw new DomainError('NOT_FOUND', 'unknown or revoked staff member');
        }
        return reply.status(204).send();
      },
    );
  };
