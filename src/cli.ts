// booking-server: the command line. `serve` runs the server, `migrate` brings the schema up to
// date, `rtu` works and inspects the real-time updates to Google.
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { Command } from 'commander';
import type { Logger } from 'pino';
import { buildApp, buildServices, retentionTargets, type Services } from './app.js';
import { Retention } from './retention/retention.js';
import { systemClock } from './clock.js';
import { checkEnvironment, ConfigError, describeConfig, loadConfig, type Config } from './config.js';
import { DEMO_BOOKING_MERCHANT, DEMO_BOOKING_SERVICE, DEMO_WAITLIST_MERCHANT, DEMO_WAITLIST_SERVICE, seedDemo } from './demo/seed.js';
import { Lifecycle } from './http/health.js';
import { Metrics } from './http/metrics.js';
import { loadTls, TlsFilesError } from './http/tls.js';
import { createRtuWorker, type WorkerSetup } from './rtu/setup.js';
import type { RtuWorker } from './rtu/worker.js';
import { createLogger } from './logger.js';
import { registerConformanceCommand } from './conformance/command.js';
import { createSmsWorker } from './messages/setup.js';
import type { SmsWorker } from './messages/worker.js';
import { GraceTimer } from './waitlist/grace.js';
import { registerFeedCommands, startDailyFeeds } from './feeds/cli.js';
import { registerEstimateCommands } from './estimates/cli.js';
import { EstimatesRefresher } from './estimates/service.js';
import type { FeedScheduler } from './feeds/scheduler.js';
import { BackupError, backupSqlite, restoreSqlite } from './store/backup.js';
import { migrateToLatest, openStore, type Store, type StoreOptions } from './store/database.js';

function fail(message: string, code = 2): never {
  process.stderr.write(`booking-server: ${message}\n`);
  process.exit(code);
}

function configFrom(env: NodeJS.ProcessEnv): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) fail(`configuration error: ${error.message}`);
    throw error;
  }
}

/** Opens the store; a path that cannot be opened stops the process with a message naming DATABASE_URL. */
function openDatabase(config: Config, options?: StoreOptions): ReturnType<typeof openStore> {
  return openStore(config.database, options).catch((error: unknown) =>
    fail(`cannot open the database (DATABASE_URL): ${error instanceof Error ? error.message : String(error)}`, 1),
  );
}

async function serve(options: { demo?: boolean }): Promise<void> {
  const env = { ...process.env };
  const generated: string[] = [];
  let generatedCredentials: string | null = null;
  if (options.demo) {
    // The demo must work with no configuration; generated secrets are shown once, here, and never logged.
    if (!env.BOOKING_SERVER_CREDENTIALS) {
      env.BOOKING_SERVER_CREDENTIALS = generatedCredentials = `google:${randomBytes(12).toString('base64url')}`;
      generated.push(`Google Basic auth: ${env.BOOKING_SERVER_CREDENTIALS} (generated; set BOOKING_SERVER_CREDENTIALS to choose)`);
    }
    if (!env.ADMIN_TOKEN) {
      env.ADMIN_TOKEN = `bsa_${randomBytes(24).toString('base64url')}`;
      generated.push(`Admin API bearer token: ${env.ADMIN_TOKEN} (generated; set ADMIN_TOKEN to choose)`);
    }
    // Guest texts are printed, not sent, unless SMS_PROVIDER says otherwise.
    env.SMS_PROVIDER ??= 'console';
  }
  const config = configFrom(env);
  if (config.credentials.length === 0) fail('configuration error: BOOKING_SERVER_CREDENTIALS is required (user:password, comma-separated for rotation)');
  if (config.tls) {
    try {
      loadTls(config.tls);
    } catch (error) {
      if (error instanceof TlsFilesError) fail(`configuration error: ${error.message}`);
      throw error;
    }
  }
  const logger = createLogger(config.logLevel);
  const store = await openDatabase(config, {
    onIdleError: (error) => logger.warn({ err: error }, 'an idle database connection failed and was replaced'),
    onCheckpointError: (message) => logger.warn(`${message} (the connection's own checkpoints at 10,000 WAL pages keep the WAL bounded)`),
  });
  const metrics = new Metrics(store, systemClock);
  const lifecycle = new Lifecycle();
  // One service graph for the process: the app, the demo seeder, the real-time update worker and the
  // background refresh of the learned wait models (docs/WAITLIST.md) share it.
  const services = buildServices(config, store, systemClock);
  const app = await buildApp(config, { store, logger, clock: systemClock, metrics, lifecycle, services });
  // The demo waitlist comes with four weeks of history, so its estimates are learned from the start.
  if (options.demo && (await seedDemo(services, systemClock, { history: true }))) logger.info('demo inventory seeded');
  const rtu = startRtuWorker(config, store, services, logger, metrics);
  const refresher = new EstimatesRefresher(services.estimates, config.estimates.refreshSeconds, logger);
  refresher.start();
  // RETENTION_DAYS: guests' personal data older than that is anonymised once a day (one replica).
  const retention = new Retention({ store, clock: systemClock, days: config.retentionDays, targets: retentionTargets(services, store), logger });
  retention.start();
  let feedScheduler: FeedScheduler | null = null;
  let sms: SmsWorker | null = null;
  let listeningBase = '';
  // The grace timer (SERVICE_READY -> NO_SHOW) runs in every replica; each move is checked under the entry's lock.
  const grace = new GraceTimer(services.waitlist, logger);

  let closing = false;
  // Requests still in flight when shutdown starts get `Connection: close`: otherwise their keep-alive
  // connection stays open after the response and app.close() waits for keepAliveTimeout (72 s).
  // `done`-style, not async: it runs for every request (a promise per request, docs/PERFORMANCE.md).
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
  const shutdown = (signal: string): void => {
    if (closing) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    closing = true;
    lifecycle.beginShutdown();
    const delayMs = config.shutdownDelaySeconds * 1000;
    logger.info({ signal, delay_s: config.shutdownDelaySeconds }, 'shutting down: /readyz answers 503; finishing in-flight requests');
    // SHUTDOWN_DELAY_SECONDS: keep serving while the load balancer sees /readyz fail and stops sending.
    void new Promise((resolve) => setTimeout(resolve, delayMs))
      .then(() => app.close())
      .then(() => rtu?.stop())
      .then(() => refresher.stop())
      .then(() => retention.stop())
      .then(() => sms?.stop())
      .then(() => grace.stop())
      .then(() => feedScheduler?.stop())
      .then(() => store.close())
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    await store.close();
    fail(`cannot listen on ${config.host}:${config.port}: ${error instanceof Error ? error.message : String(error)}`, 1);
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const scheme = config.tls ? 'https' : 'http';
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const base = `${scheme}://${host}:${port}`;
  const lines = [
    `booking-server listening on ${base}`,
    `  Google booking server URL: ${base}${config.pathPrefix}  (Google calls ${base}${config.pathPrefix}/v3/...)`,
    `  Admin API: ${base}/admin/v1`,
    `  Host stand: ${base}/app (sign in with the admin API token or a merchant or staff token)`,
    `  Database: ${config.database.kind === 'sqlite' ? config.database.path : 'postgres'}`,
    ...generated.map((line) => `  ${line}`),
  ];
  if (options.demo) {
    lines.push(`  Demo waitlist: merchant_id "${DEMO_WAITLIST_MERCHANT}", service_id "${DEMO_WAITLIST_SERVICE}"`);
    lines.push(
      `  Demo reservations: merchant_id "${DEMO_BOOKING_MERCHANT}", service_id "${DEMO_BOOKING_SERVICE}" (30-minute slots 09:00-16:30 America/New_York, next 30 days)`,
    );
    // Only a generated pair is shown: credentials the operator configured are never printed.
    lines.push(
      `  Try: curl -u '${generatedCredentials ?? 'user:password'}' -d '{"merchant_id":"${DEMO_WAITLIST_MERCHANT}","service_id":"${DEMO_WAITLIST_SERVICE}","party_size":[2,4]}' ${base}${config.pathPrefix}/v3/BatchGetWaitEstimates`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  listeningBase = base;
  sms = createSmsWorker(config, { store, clock: systemClock, log: logger, publicBaseUrl: () => config.sms.publicBaseUrl ?? listeningBase });
  if (sms === null) logger.info('guest texts: off (SMS_PROVIDER=off); status pages are served at /w/<token>');
  else {
    sms.start();
    logger.info(`guest texts: sending through ${config.sms.provider}; links point to ${config.sms.publicBaseUrl ?? listeningBase}`);
  }
  grace.start();
  // FEEDS_DAILY_AT: the daily generate+upload, in the background (docs/FEEDS.md).
  feedScheduler = startDailyFeeds(config, store, systemClock, logger);
}

/** Starts the real-time update worker when Google is configured; otherwise says where updates wait. */
function startRtuWorker(config: Config, store: Store, services: Services, logger: Logger, metrics: Metrics): RtuWorker | null {
  let setup: WorkerSetup;
  try {
    setup = createRtuWorker(config, {
      store,
      clock: systemClock,
      availability: services.availability,
      leases: services.bookings,
      log: logger,
      observer: metrics.observer(),
    });
  } catch (error) {
    fail(`configuration error: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (setup.worker === null) {
    logger.warn(`real-time updates to Google are kept in the outbox, not sent: ${setup.reason} (see docs/REAL-TIME-UPDATES.md)`);
    return null;
  }
  setup.worker.start();
  logger.info(`real-time updates: delivering to ${setup.target}`);
  return setup.worker;
}

async function rtuWork(): Promise<void> {
  const config = configFrom(process.env);
  const logger = createLogger(config.logLevel);
  const store = await openDatabase(config, { onIdleError: (error) => logger.warn({ err: error }, 'an idle database connection failed and was replaced') });
  const services = buildServices(config, store, systemClock);
  const setup = createRtuWorker(config, { store, clock: systemClock, availability: services.availability, leases: services.bookings, log: logger });
  if (setup.worker === null) {
    await store.close();
    fail(`configuration error: cannot deliver real-time updates: ${setup.reason}`);
  }
  const worker = setup.worker;
  worker.start();
  logger.info(`real-time update worker: delivering to ${setup.target}`);
  const stop = (): void => {
    void worker
      .stop()
      .then(() => store.close())
      .then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

async function rtuStatus(): Promise<void> {
  const config = configFrom(process.env);
  const store = await openDatabase(config);
  try {
    const rtu = buildServices(config, store, systemClock).rtu;
    const s = await rtu.status();
    const kinds = Object.entries(s.pendingByKind)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
    process.stdout.write(
      [
        `pending: ${s.pending}${kinds ? ` (${kinds})` : ''}`,
        `oldest pending: ${s.oldestPendingAgeSec === null ? '-' : `${s.oldestPendingAgeSec} s ago`}`,
        `dead letters: ${s.dead}${s.dead > 0 ? ' (booking-server rtu replay, after fixing the cause)' : ''}`,
        '',
      ].join('\n'),
    );
    for (const d of await rtu.deadLetters(20)) process.stdout.write(`  #${d.id} ${d.kind} ${d.entityKey}: ${d.lastError ?? ''}\n`);
  } finally {
    await store.close();
  }
}

async function rtuReplay(ids: string[]): Promise<void> {
  const config = configFrom(process.env);
  const parsed = ids.map((id) => Number(id));
  if (parsed.some((n) => !Number.isInteger(n) || n < 1)) fail('rtu replay takes dead-letter ids (whole numbers), or none for all');
  const store = await openDatabase(config);
  try {
    const n = await buildServices(config, store, systemClock).rtu.replay(parsed.length > 0 ? parsed : undefined);
    process.stdout.write(`${n} dead letter(s) queued again\n`);
  } finally {
    await store.close();
  }
}

async function migrate(): Promise<void> {
  const config = configFrom(process.env);
  const store = await openDatabase(config, { migrate: false });
  try {
    const applied = await migrateToLatest(store.db);
    process.stdout.write(applied.length === 0 ? 'schema is up to date\n' : `applied: ${applied.join(', ')}\n`);
  } finally {
    await store.close();
  }
}

function sqlitePathOrFail(config: Config, command: string): string {
  if (config.database.kind === 'sqlite') return config.database.path;
  fail(
    `${command} is for the embedded SQLite database; for PostgreSQL use pg_dump / pg_restore or base backups with WAL archiving (docs/DEPLOYMENT.md#backups)`,
  );
}

/** `backup <file>`: an online, consistent copy of the SQLite database while the server runs. */
async function backup(file: string): Promise<void> {
  const config = configFrom(process.env);
  const source = sqlitePathOrFail(config, 'backup');
  try {
    const result = await backupSqlite(source, resolve(file));
    process.stdout.write(
      `backup written: ${result.file} (${result.pages} pages, ${result.bytes} bytes; integrity ok; migrations ${result.migrations.join(', ')})\n`,
    );
  } catch (error) {
    if (error instanceof BackupError) fail(error.message, 1);
    throw error;
  }
}

/** `restore <file>`: puts a checked backup in place of the (stopped) SQLite database. */
function restore(file: string): void {
  const config = configFrom(process.env);
  const target = sqlitePathOrFail(config, 'restore');
  try {
    const result = restoreSqlite(resolve(file), target);
    process.stdout.write(
      [
        `restored ${resolve(file)} to ${target} (integrity ok; migrations ${result.restored.migrations.join(', ')})`,
        result.previous === null ? '  there was no database before' : `  the database it replaced is kept at ${result.previous}`,
        '  start the server (it applies newer migrations), or run booking-server migrate first',
        '',
      ].join('\n'),
    );
  } catch (error) {
    if (error instanceof BackupError) fail(error.message, 1);
    throw error;
  }
}

/** `retention run`: anonymises what is past RETENTION_DAYS now, as the daily run does; prints the counts. */
async function retentionRun(): Promise<void> {
  const config = configFrom(process.env);
  const logger = createLogger(config.logLevel);
  const store = await openDatabase(config);
  try {
    const services = buildServices(config, store, systemClock);
    const report = await new Retention({ store, clock: systemClock, days: config.retentionDays, targets: retentionTargets(services, store), logger }).runNow();
    process.stdout.write(
      `personal data before ${new Date(report.cutoff * 1000).toISOString()} (RETENTION_DAYS=${config.retentionDays}): ${Object.entries(report.counts)
        .map(([name, n]) => `${name} ${n}`)
        .join(', ')}\n`,
    );
  } finally {
    await store.close();
  }
}

/**
 * `config check`: every configuration error at once (exit 2), what `serve` would also refuse
 * (no Google credentials, unreadable TLS files), variables that look like ours but are not read,
 * and the effective configuration with secrets masked.
 */
function configCheck(): void {
  const check = checkEnvironment(process.env);
  const errors = [...check.errors];
  const config = check.config;
  if (config !== null) {
    if (config.credentials.length === 0)
      errors.push('BOOKING_SERVER_CREDENTIALS: is required by serve (user:password, comma-separated for rotation); serve --demo generates one');
    if (config.tls) {
      try {
        loadTls(config.tls);
      } catch (error) {
        if (!(error instanceof TlsFilesError)) throw error;
        errors.push(error.message);
      }
    }
  }
  const warnings = check.unread.map((name) => `${name} is set but not read: a misspelt name, or not used with this configuration`);
  if (config !== null && config.adminTokenDigest === null) warnings.push('ADMIN_TOKEN is not set: the admin API and /metrics refuse every request');
  for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`);
  if (errors.length > 0 || config === null) {
    for (const error of errors) process.stderr.write(`error: ${error}\n`);
    process.stderr.write(`booking-server: configuration has ${errors.length} error(s)\n`);
    process.exit(2);
  }
  process.stdout.write(`${describeConfig(config).join('\n')}\nconfiguration ok\n`);
}

const program = new Command('booking-server').description("Partner booking server for Google's Actions Center").showHelpAfterError();
program
  .command('serve')
  .description('serve the booking server API and the admin API')
  .option('--demo', 'seed the demo inventory into an empty database; generate credentials if none are set')
  .action(serve);
program.command('migrate').description('apply pending database migrations and exit').action(migrate);
program
  .command('backup')
  .argument('<file>', 'where to write the copy (must not exist)')
  .description('copy the SQLite database while the server runs (online, consistent), then check the copy')
  .action(backup);
program
  .command('restore')
  .argument('<file>', 'a backup written by booking-server backup')
  .description('put a backup in place of the SQLite database (refused while a process has it open; the old database is kept beside it)')
  .action(restore);
program
  .command('retention')
  .description("guests' personal data past RETENTION_DAYS")
  .command('run')
  .description('anonymise it now (serve does it daily, one replica per day); prints how many rows')
  .action(retentionRun);
program
  .command('config')
  .description('the configuration (environment variables, .env.example)')
  .command('check')
  .description('validate the environment and print the effective configuration (secrets masked); exit 2 on errors')
  .action(configCheck);
const rtu = program.command('rtu').description('real-time updates to Google (Maps Booking API)');
rtu.command('work').description('deliver real-time updates from the outbox (a worker without the HTTP server)').action(rtuWork);
rtu.command('status').description('show the outbox backlog, the oldest undelivered update and dead letters').action(rtuStatus);
rtu.command('replay').argument('[ids...]', 'dead-letter ids; all when none').description('queue dead letters again after fixing their cause').action(rtuReplay);

registerEstimateCommands(program, {
  config: () => configFrom(process.env),
  openStore: (config) => openDatabase(config),
  clock: systemClock,
  fail,
});

registerFeedCommands(program, {
  config: () => configFrom(process.env),
  openStore: (config) => openDatabase(config),
  logger: (config) => createLogger(config.logLevel),
  clock: systemClock,
  fail,
});

registerConformanceCommand(program);

program.parseAsync(process.argv).catch((error: unknown) => fail(error instanceof Error ? (error.stack ?? error.message) : String(error), 1));
