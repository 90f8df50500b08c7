// The guest's status page: GET /w/<token> (HTML), GET /w/<token>/status.json (what the page polls),
// GET /w/<token>/cancel (the confirm step) and POST /w/<token>/cancel (the cancel itself, guarded
// by a double-submit CSRF token in a SameSite=Strict cookie and, when the browser sends one, the Origin).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Clock, nowSeconds } from '../clock.js';
import { t } from '../messages/i18n.js';
import type { GuestMessageService } from '../messages/service.js';
import { CONTENT_SECURITY_POLICY, liveParts, NOT_FOUND_PAGE, renderConfirmPage, renderMessagePage, renderStatusPage } from '../messages/status-page.js';

export interface StatusPageOptions {
  readonly clock: Clock;
  /** PUBLIC_BASE_URL: the only Origin a cancel may come from besides the Host the request names. */
  readonly publicBaseUrl: string | null;
  readonly secureCookies: boolean;
}

const TOKEN = /^[A-Za-z0-9_-]{24}$/;
const CSRF_COOKIE = 'wcsrf';
const HTML = 'text/html; charset=utf-8';

function cookie(request: FastifyRequest, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

function sameSecret(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function statusPageRoutes(guests: GuestMessageService, options: StatusPageOptions) {
  return async function routes(app: FastifyInstance): Promise<void> {
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 4096 }, (_request, body, done) => done(null, body));

    app.addHook('onSend', async (request, reply, payload) => {
      if (!request.url.startsWith('/w/')) return payload;
      reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
      // The token is in the URL: no Referer carries it to another site, no cache keeps the page.
      reply.header('referrer-policy', 'same-origin');
      reply.header('cache-control', 'no-store');
      reply.header('x-content-type-options', 'nosniff');
      reply.header('x-robots-tag', 'noindex, nofollow');
      return payload;
    });

    const notFound = (reply: FastifyReply) => reply.status(404).type(HTML).send(NOT_FOUND_PAGE);
    const load = async (token: string) => (TOKEN.test(token) ? guests.statusView(token) : null);

    app.get<{ Params: { token: string } }>('/w/:token', async (request, reply) => {
      const view = await load(request.params.token);
      if (view === null) return notFound(reply);
      return reply.type(HTML).send(renderStatusPage(view, nowSeconds(options.clock)));
    });

    app.get<{ Params: { token: string } }>('/w/:token/status.json', async (request, reply) => {
      const view = await load(request.params.token);
      if (view === null)
        return reply.status(404).send({
          error: { status: 404, code: 'NOT_FOUND', message: 'not found' },
        });
      return liveParts(view, nowSeconds(options.clock));
    });

    app.get<{ Params: { token: string } }>('/w/:token/cancel', async (request, reply) => {
      const view = await load(request.params.token);
      if (view === null) return notFound(reply);
      if (!view.active) return reply.redirect(`/w/${view.token}`, 303);
      const csrf = randomBytes(18).toString('base64url');
      reply.header(
        'set-cookie',
        `${CSRF_COOKIE}=${csrf}; Path=/w/${view.token}; HttpOnly; SameSite=Strict; Max-Age=3600${options.secureCookies ? '; Secure' : ''}`,
      );
      return reply.type(HTML).send(renderConfirmPage(view, csrf));
    });

    app.post<{ Params: { token: string } }>('/w/:token/cancel', async (request, reply) => {
      const view = await load(request.params.token);
      if (view === null) return notFound(reply);
      const form = new URLSearchParams(typeof request.body === 'string' ? request.body : '');
      const origin = request.headers.origin;
      const allowedOrigins = new Set<string>();
      if (options.publicBaseUrl !== null) allowedOrigins.add(new URL(options.publicBaseUrl).origin);
      if (request.headers.host) allowedOrigins.add(`${request.protocol}://${request.headers.host}`);
      // A foreign Origin is refused; none (or "null", as privacy settings send) leaves the decision to the CSRF cookie.
      const originOk = origin === undefined || origin === 'null' || allowedOrigins.has(origin);
      if (!originOk || !sameSecret(cookie(request, CSRF_COOKIE), form.get('csrf') ?? undefined)) {
        return reply
          .status(403)
          .type(HTML)
          .send(renderMessagePage(view, t(view.language, 'page.error.csrf')));
      }
      await guests.cancelByGuest(view.token);
      reply.header('set-cookie', `${CSRF_COOKIE}=; Path=/w/${view.token}; HttpOnly; SameSite=Strict; Max-Age=0${options.secureCookies ? '; Secure' : ''}`);
      return reply.redirect(`/w/${view.token}`, 303);
    });
  };
}
