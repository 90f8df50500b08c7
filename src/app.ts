// Composition root: builds the Fastify app from config and dependencies, without listening.
// Tests call buildApp() and use inject(); the CLI adds listen() and signal handling.
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { AdminTokens } from './admin/tokens.js';
import { adminPlugin } from './admin/plugin.js';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config.js';
import { installErrorHandler } from './http/error-mapping.js';
import { readTls, watchTls } from './http/tls.js';
import { FailureThrottle } from './http/basic-auth.js';
import { v3Plugin } from './http/v3.js';
import { createLogger } from './logger.js';
import { MerchantService } from './merchants/service.js';
import type { Store } from './store/database.js';
import { WaitlistService } from './waitlist/service.js';
import { AvailabilityService } from './availability/service.js';
import { TestPaymentProcessor, type PaymentProcessor } from './bookings/payments.js';
import { BookingService } from './bookings/service.js';

export interface AppDeps {
  readonly store: Store;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** The partner's payment processor; the test processor when none is given. */
  readonly payments?: PaymentProcessor;
}

export interface Services {
  readonly merchants: MerchantService;
  readonly waitlist: WaitlistService;
  readonly tokens: AdminTokens;
  readonly availability: AvailabilityService;
  readonly bookings: BookingService;
}

export function buildServices(config: Config, store: Store, clock: Clock, payments: PaymentProcessor = new TestPaymentProcessor()): Services {
  return {
    availability: new AvailabilityService(store, clock),
    bookings: new BookingService(store, clock, payments),
    merchants: new MerchantService(store, clock),
    waitlist: new WaitlistService(store, clock),
    tokens: new AdminTokens(store.db, config.adminTokenDigest),
  };
}

export async function buildApp(config: Config, deps: AppDeps): Promise<FastifyInstance> {
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? createLogger(config.logLevel);
  const services = buildServices(config, deps.store, clock, deps.payments);
  const app = Fastify({
    loggerInstance: logger,
    // One line per request is written by the onResponse hook below, without URLs or bodies.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true },
    return503OnClosing: true,
    ...(config.tls ? { https: readTls(config.tls) } : {}),
  }) as unknown as FastifyInstance;

  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 },
      'request',
    );
  });
  installErrorHandler(app);

  const throttle = new FailureThrottle(config.authFailureLimit.max, config.authFailureLimit.windowSeconds * 1000);
  await app.register(v3Plugin({ store: deps.store, credentials: config.credentials, throttle, ...services }), {
    prefix: `${config.pathPrefix}/v3`,
  });
  await app.register(adminPlugin({ ...services, clock }), { prefix: '/admin/v1' });

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
