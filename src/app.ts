// Composition root: builds the Fastify app from config and dependencies, without listening.
// Tests call buildApp() and use inject(); the CLI adds listen() and signal handling.
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { AdminTokens } from './admin/tokens.js';
import { WebSessions } from './admin/sessions.js';
import { StaffAccounts } from './admin/staff.js';
import { adminPlugin } from './admin/plugin.js';
import { nowSeconds, systemClock, type Clock } from './clock.js';
import type { Config, TrustProxy } from './config.js';
import { DomainError, invalid } from './errors.js';
import { clientErrorHandler, frameworkErrorHandler, installErrorHandler } from './http/error-mapping.js';
import { Metrics } from './http/metrics.js';
import { RequestSummary } from './http/request-summary.js';
import { lazyChildLogger, requestIds } from './http/request-logger.js';
import { readTls, watchTls } from './http/tls.js';
import { FailureThrottle, VerifiedCredentials } from './http/basic-auth.js';
import { FastReads, installFastReads } from './http/fast-reads.js';
import { entryAnswer, estimatesAnswer, joinAnswer } from './http/waitlist-routes.js';
import { createBookingAnswer, lookupAnswer } from './http/booking-routes.js';
import { healthRoutes, Lifecycle } from './http/health.js';
import { GOOGLE_V3_OPENAPI_PATH, PACKAGE_VERSION, registerAdminDocs, registerAdminOpenApi } from './http/openapi.js';
import { googleV3OpenApi } from './http/v3-openapi.js';
import { idempotencyTarget, type RetentionTarget } from './retention/retention.js';
import { RemovalService } from './removal/service.js';
import { v3Plugin } from './http/v3.js';
import { webPlugin } from './web/plugin.js';
import { createLogger } from './logger.js';
import { MerchantConfigs } from './merchants/read-model.js';
import { MerchantService } from './merchants/service.js';
import type { Store } from './store/database.js';
import { ChangeFeed } from './store/changes.js';
import { LearnedModelCache } from './waitlist/learned-model.js';
import { FeedRunsService } from './feeds/runs.js';
import { WaitlistService } from './waitlist/service.js';
import { AvailabilityService } from './availability/service.js';
import { LiveSlots } from './availability/live-slots.js';
import type { BookingEvents } from './bookings/events.js';
import { TestPaymentProcessor, type PaymentProcessor } from './bookings/payments.js';
import { BookingService } from './bookings/service.js';
import { outboxListener } from './rtu/outbox.js';
import { RtuService } from './rtu/service.js';
import { EstimatesService } from './estimates/service.js';
import { GuestMessageListener } from './messages/listener.js';
import { GuestMessageService } from './messages/service.js';
import { smsRoutes } from './http/guest-sms-routes.js';
import { statusPageRoutes } from './http/guest-status-routes.js';

export interface AppDeps {
  readonly store: Store;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** The partner's payment processor; the test processor when none is given. */
  readonly payments?: PaymentProcessor;
  /** Shared with the real-time update worker when it runs in the same process. */
  readonly metrics?: Metrics;
  /**
   * The process's services (buildServices), shared with whatever else runs in the process (the demo
   * seeder, the real-time update worker, tests): one graph, so bookings made anywhere in the process take
   * turns in the same slot gate. Built here only when the app is their only user.
   */
  readonly services?: Services;
  /** The CLI marks shutdown on it so that /readyz answers 503 while in-flight requests finish. */
  readonly lifecycle?: Lifecycle;
  /** The learned wait models as read from the database (disabled: configured turn times only). */
  readonly models?: LearnedModelCache;
}

export interface Services {
  readonly merchants: MerchantService;
  readonly waitlist: WaitlistService;
  readonly tokens: AdminTokens;
  readonly availability: AvailabilityService;
  readonly bookings: BookingService;
  readonly rtu: RtuService;
  readonly sessions: WebSessions;
  readonly staff: StaffAccounts;
  readonly estimates: EstimatesService;
  readonly guestMessages: GuestMessageService;
  readonly removal: RemovalService;
  readonly feedRuns: FeedRunsService;
}

export function buildServices(
  config: Config,
  store: Store,
  clock: Clock,
  payments: PaymentProcessor = new TestPaymentProcessor(),
  models: LearnedModelCache = new LearnedModelCache(config.estimates.refreshSeconds > 0),
): Services {
  const tokens = new AdminTokens(store.db, config.adminTokenDigest);
  // Merchants' configuration in memory for the hot reads, dropped by MerchantService after each of
  // its changes commits and across replicas by the version check (merchants/configs.ts).
  const configs = new MerchantConfigs(store, config.readModelCheckMs);
  // Services' slots with their open spots in memory for lookups, a day at a time (availability/live-slots.ts),
  // read again once older than READ_MODEL_CHECK_MS (0: none kept).
  const liveSlots = config.readModelCheckMs > 0 ? new LiveSlots(store, config.readModelCheckMs) : null;
  // Bookings and availability report their changes to the real-time update outbox, in their
  // transactions; each change of open spots also drops the slots kept in memory once it commits.
  const events: BookingEvents =
    liveSlots === null
      ? outboxListener
      : {
          ...outboxListener,
          availabilityChanged: (trx, change, now) => {
            liveSlots.changedIn(trx, change);
            return outboxListener.availabilityChanged(trx, change, now);
          },
        };
  const availability = new AvailabilityService(store, clock, events, configs, liveSlots);
  const merchants = new MerchantService(store, clock, [availability.checkServiceChange, availability.announceServiceChange], configs, [
    availability.announceMerchantChange,
  ]);
  // The waitlist tells guest messages about its changes in the change's transaction (the texts
  // go in the outbox with it); it does not import them: the listener is wired in here.
  const guestListener = new GuestMessageListener(clock, config.sms.provider !== 'off');
  // The live floor of each waitlist service in memory too, dropped by the waitlist after each of its
  // changes commits and read again once older than READ_MODEL_CHECK_MS (waitlist/live-floors.ts).
  const waitlist = new WaitlistService(store, clock, models, guestListener, configs, config.readModelCheckMs);
  const bookings = new BookingService(store, clock, payments, events);
  return {
    removal: new RemovalService(store, clock, merchants, waitlist, bookings),
    sessions: new WebSessions(store.db, tokens, config.sessionTtlSeconds),
    staff: new StaffAccounts(store.db),
    availability,
    bookings,
    merchants,
    waitlist,
    tokens,
    rtu: new RtuService(store, clock),
    feedRuns: new FeedRunsService(store),
    guestMessages: new GuestMessageService(store, clock, waitlist, merchants, guestListener, config.sms.provider),
    estimates: new EstimatesService({ merchants, waitlist, clock, config: config.estimates }),
  };
}

/**
 * What the daily retention run clears (docs/OPERATIONS.md, "Retention"): every table that holds
 * guests' personal data has a target here.
 */
export function retentionTargets(services: Services, store: Store): RetentionTarget[] {
  return [
    { name: 'waitlist_entries', anonymiseBefore: (cutoff) => services.waitlist.anonymiseBefore(cutoff) },
    { name: 'bookings', anonymiseBefore: (cutoff) => services.bookings.anonymiseBefore(cutoff) },
    { name: 'guest_messages', anonymiseBefore: (cutoff) => services.guestMessages.anonymiseBefore(cutoff) },
    idempotencyTarget(store),
  ];
}

/**
 * TRUST_PROXY in the form Fastify takes. A hop count becomes proxy-addr's "trust the n nearest
 * hops" function: Fastify 5 itself ignores a bare number (it trusts nothing then).
 */
function fastifyTrustProxy(trust: TrustProxy): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return typeof trust === 'boolean' ? trust : [...trust];
}

export async function buildApp(config: Config, deps: AppDeps): Promise<FastifyInstance> {
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? createLogger(config.logLevel);
  const services = deps.services ?? buildServices(config, deps.store, clock, deps.payments, deps.models);
  const metrics = deps.metrics ?? new Metrics(deps.store, clock);
  const lifecycle = deps.lifecycle ?? new Lifecycle();
  // Shared with the direct read path (http/fast-reads.ts), which takes an id only for a request that logs.
  const requestId = requestIds();
  const app = Fastify({
    genReqId: requestId,
    loggerInstance: logger,
    // One line per request is written by the onResponse hook below, without URLs or bodies.
    logController: new LogController({ disableRequestLogging: true }),
    // Each request's pino child is made only when the request logs a line (http/request-logger.ts).
    childLoggerFactory: lazyChildLogger,
    bodyLimit: config.bodyLimitBytes,
    // A schema's `additionalProperties: false` refuses unknown fields instead of dropping them
    // silently (Fastify's default); the admin API closes every body schema (http/closed-bodies.ts).
    ajv: { customOptions: { removeAdditional: false } },
    // request.ip (the failed-login throttle, logs) is the client's address, not the load balancer's.
    trustProxy: fastifyTrustProxy(config.trustProxy),
    // A client that stops sending mid-request does not hold its connection for ever.
    requestTimeout: 30_000,
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true },
    // Our own 503 while draining (below): Fastify's has another body shape.
    return503OnClosing: false,
    // Undecodable URLs and requests the HTTP parser rejects get the same JSON error shape as the rest.
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
    // Node answers an HTTP/1.1 request without Host with an empty 400; the onRequest hook below
    // gives that 400 (RFC 9112 requires it) in our JSON error shape instead.
    http: { requireHostHeader: false },
    ...(config.tls ? { https: { ...readTls(config.tls), requireHostHeader: false } } : {}),
  }) as unknown as FastifyInstance;

  // Each request has a line at debug; at info, one line per LOG_SUMMARY_SECONDS sums them up
  // (http/request-summary.ts): a line per request was a visible share of a fast read's cost.
  const summary = new RequestSummary();
  let summaryStart = performance.now();
  const writeSummary = (): void => {
    const now = performance.now();
    const line = summary.take(Math.round((now - summaryStart) / 100) / 10);
    summaryStart = now;
    if (line !== null) app.log.info(line, 'requests');
  };
  const summaryTimer = setInterval(writeSummary, config.logSummarySeconds * 1000);
  summaryTimer.unref();
  app.addHook('onClose', async () => {
    clearInterval(summaryTimer);
    writeSummary();
  });
  // What every answered request is counted in (the direct read path too): latency metrics, the summary.
  const answered = (method: string, route: string, status: number, ms: number): void => {
    metrics.requestSeconds.observe({ method, route, status: String(status) }, ms / 1000);
    // Load balancers probe every few seconds: their requests would drown the others' figures.
    if (route !== '/healthz' && route !== '/readyz') summary.record(route, status, ms);
  };
  // Hooks on every request are written with `done` rather than async: a promise per hook and
  // request was measurable on the fastest reads (docs/PERFORMANCE.md, issue 17).
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const status = reply.statusCode;
    const ms = reply.elapsedTime;
    answered(request.method, route, status, ms);
    if (logger.isLevelEnabled('debug')) request.log.debug({ method: request.method, route, status, ms: Math.round(ms * 10) / 10 }, 'request');
    done();
  });
  installErrorHandler(app);
  // Draining: once app.close() has begun, a request that still arrives (pipelined, or on a
  // keep-alive connection that was busy) is answered 503 UNAVAILABLE in our error shape, with
  // Retry-After, and its connection closed, before any other hook or handler runs.
  let draining = false;
  app.addHook('preClose', async () => {
    draining = true;
  });
  app.addHook('onRequest', (request, reply, done) => {
    if (draining) {
      reply.header('connection', 'close').header('retry-after', '1');
      done(new DomainError('UNAVAILABLE', 'the server is shutting down; retry the request (another replica answers it)'));
    } else if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
      done(invalid('an HTTP/1.1 request needs a Host header'));
    } else {
      done();
    }
  });

  // Before any route: the generator collects the admin routes as they are registered.
  await registerAdminOpenApi(app, PACKAGE_VERSION);
  await app.register(healthRoutes({ store: deps.store, lifecycle }));
  const throttle = new FailureThrottle(config.authFailureLimit.max, config.authFailureLimit.windowSeconds * 1000);
  // Authorization headers that passed the full Basic auth check: the v3 routes' and the direct read path's.
  const verified = new VerifiedCredentials();
  // The /v3 methods as registered, for their OpenAPI document.
  const v3Routes: { method: string; path: string }[] = [];
  app.addHook('onRoute', (route) => {
    const path = route.url.slice(config.pathPrefix.length);
    if (route.url.startsWith(`${config.pathPrefix}/v3/`) && path !== '/v3/*') {
      for (const method of [route.method].flat()) if (method === 'GET' || method === 'POST') v3Routes.push({ method, path });
    }
  });
  await app.register(v3Plugin({ store: deps.store, credentials: config.credentials, throttle, verified, ...services }), {
    prefix: `${config.pathPrefix}/v3`,
  });
  // Live updates of the host stand: every committed change of a merchant's data, checked every
  // second and right after each write this process answers (docs/HOST-STAND.md, "Live updates").
  const changes = new ChangeFeed(deps.store, 1000, (error) => app.log.warn({ err: error }, 'change feed poll failed'));
  app.addHook('onResponse', (request, reply, done) => {
    if (request.method !== 'GET' && request.method !== 'HEAD' && reply.statusCode < 400) changes.poke();
    done();
  });
  app.addHook('onClose', async () => changes.stop());
  // Google's three hottest reads and two hottest writes, when plain, answered in front of Fastify (http/fast-reads.ts; the
  // same work and answers as the routes above, with the same hooks' effects).
  if (config.fastReads) {
    const v3 = `${config.pathPrefix}/v3`;
    const fastReads = new FastReads({
      routes: [
        { path: `${v3}/BatchGetWaitEstimates`, answer: estimatesAnswer(services.waitlist) },
        { path: `${v3}/GetWaitlistEntry`, answer: entryAnswer(services.waitlist) },
        { path: `${v3}/BatchAvailabilityLookup`, answer: lookupAnswer(services.availability) },
        // The two hottest writes: the same work and durability; only Fastify's pipeline is skipped.
        { path: `${v3}/CreateWaitlistEntry`, answer: joinAnswer(services.waitlist) },
        { path: `${v3}/CreateBooking`, answer: createBookingAnswer(services.bookings) },
      ],
      bodyLimit: config.bodyLimitBytes,
      verified,
      logger,
      open: () => !draining && !lifecycle.shuttingDown,
      answered: (method, route, status, ms) => {
        answered(method, route, status, ms);
        if (status < 400) changes.poke();
      },
      requestId,
    });
    installFastReads(app.server, fastReads);
    app.decorate('fastReads', fastReads);
  }
  const secureCookie = config.tls !== null || (config.publicBaseUrl?.startsWith('https:') ?? false);
  await app.register(adminPlugin({ ...services, clock, throttle, secureCookie, changes }), { prefix: '/admin/v1' });
  await registerAdminDocs(app);
  let v3Document: string | null = null;
  app.get(GOOGLE_V3_OPENAPI_PATH, async (_request, reply) => {
    v3Document ??= JSON.stringify(googleV3OpenApi({ pathPrefix: config.pathPrefix, version: PACKAGE_VERSION, routes: v3Routes }));
    return reply.type('application/json; charset=utf-8').header('cache-control', 'no-cache').send(v3Document);
  });
  await app.register(webPlugin());
  // The guest's status page (/w/<token>) and, with Twilio, its webhooks (docs/GUEST-MESSAGES.md).
  await app.register(
    statusPageRoutes(services.guestMessages, {
      clock,
      publicBaseUrl: config.sms.publicBaseUrl,
      secureCookies: config.tls !== null || (config.sms.publicBaseUrl?.startsWith('https:') ?? false),
    }),
  );
  if (config.sms.provider === 'twilio') {
    await app.register(smsRoutes(services.guestMessages, { authToken: config.sms.twilio!.authToken, publicBaseUrl: config.sms.publicBaseUrl! }));
  }
  // Prometheus scrapes with the bootstrap admin token (`authorization: Bearer ...`).
  app.get('/metrics', async (request, reply) => {
    const token = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
    // The host stand's health page reads it with a bootstrap session (a GET: no CSRF token needed).
    const cookie = token === undefined ? /(?:^|;\s*)bs_session=([^;]+)/.exec(request.headers.cookie ?? '')?.[1] : undefined;
    const principal =
      token !== undefined
        ? await services.tokens.authenticate(token)
        : cookie !== undefined
          ? ((await services.sessions.find(cookie, nowSeconds(clock)))?.principal ?? null)
          : null;
    if (principal?.kind !== 'root') {
      reply.header('www-authenticate', 'Bearer realm="booking-server-metrics"');
      throw new DomainError('UNAUTHENTICATED', 'metrics need the bootstrap admin token');
    }
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  if (config.tls) {
    const tls = config.tls;
    let stopWatching = (): void => {};
    app.addHook('onReady', async () => {
      stopWatching = watchTls(app.server as never, tls, app.log as Logger);
    });
    app.addHook('onClose', async () => stopWatching());
  }
  return app;
}
