// Test harness: the real app on a real SQLite file in a temp dir, with a clock the test moves by
// hand. Tests speak HTTP to it through inject() and seed inventory through the real services.
import { mkdtemp, rm } from 'node:fs/promises';
import { after } from 'node:test';
import { tmpdir } from 'node:os';
import { PassThrough } from 'node:stream';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { Logger } from 'pino';
import { buildApp, buildServices, type Services } from '../app.js';
import { ManualClock } from '../clock.js';
import { loadConfig, type Config, type LogLevel } from '../config.js';
import type { Lifecycle } from '../http/health.js';
import { DEFAULT_WAITLIST_RULES } from '../merchants/service.js';
import type { DiningTable } from '../merchants/model.js';
import type { OpeningInterval } from '../merchants/opening-hours.js';
import { createLogger } from '../logger.js';
import { type Durability, openStore, type Store, type StoreOptions } from '../store/database.js';
import { createPgDatabase, DIALECTS, type Dialect } from './postgres.js';
import type { WaitlistRules } from '../merchants/rules.js';

export { DIALECTS, type Dialect };

/** Two valid pairs at once, as during a password rotation. */
export const OLD_PAIR = { user: 'google', password: 'old-password-2025' } as const;
export const NEW_PAIR = { user: 'google', password: 'new-password-2026' } as const;
export const ADMIN_TOKEN = 'bootstrap-admin-token-for-tests';
/** Monday 2026-01-05 12:00 in New York (17:00Z). */
export const MONDAY_NOON_NY = Date.UTC(2026, 0, 5, 17, 0, 0);

export const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
export const bearer = (token: string): string => `Bearer ${token}`;

export interface TestApp {
  readonly app: FastifyInstance;
  readonly store: Store;
  readonly clock: ManualClock;
  readonly config: Config;
  readonly services: Services;
  /** Idle PostgreSQL connections the pool has seen die and dropped (the store's onIdleError). */
  idleConnectionErrors(): number;
  /** POST {prefix}/v3/{method} with Google's credentials (the new pair) and a JSON body. */
  google(method: string, body: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  /** A call to /admin/v1 with the bootstrap token unless another is given. */
  admin(method: InjectOptions['method'], path: string, body?: unknown, token?: string): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export interface StartOptions {
  readonly env?: Record<string, string>;
  readonly nowMs?: number;
  /** The store under test: a fresh SQLite file (default) or a fresh PostgreSQL database. */
  readonly dialect?: Dialect;
  /** Shutdown state the app reads (/readyz); a fresh one by default. */
  readonly lifecycle?: Lifecycle;
  /** The app's logger (LOG_LEVEL=silent otherwise). */
  readonly logger?: Logger;
  /** Told the SQL of every query the store runs. */
  readonly onQuery?: (sql: string) => void;
  /** PostgreSQL: told about every round trip to the database. */
  readonly onRoundTrip?: () => void;
  /** An existing PostgreSQL database (another replica's) instead of a fresh one; the caller drops it. */
  readonly databaseUrl?: string;
  /** SQLite: wraps what makes each group commit durable (StoreOptions.durability). */
  readonly durability?: StoreOptions['durability'];
}

export async function startApp(options: StartOptions = {}): Promise<TestApp> {
  const dir = await mkdtemp(join(tmpdir(), 'booking-server-test-'));
  const pg = options.dialect === 'postgres' && options.databaseUrl === undefined ? await createPgDatabase({ migrated: true }) : null;
  const config = loadConfig({
    DATABASE_URL: options.databaseUrl ?? (pg ? pg.url : `sqlite:${join(dir, 'db.sqlite')}`),
    BOOKING_SERVER_CREDENTIALS: `${OLD_PAIR.user}:${OLD_PAIR.password},${NEW_PAIR.user}:${NEW_PAIR.password}`,
    ADMIN_TOKEN,
    LOG_LEVEL: 'silent',
    ...options.env,
  });
  let idleErrors = 0;
  const store = await openStore(config.database, {
    onIdleError: () => {
      idleErrors += 1;
    },
    ...(options.onQuery ? { onQuery: options.onQuery } : {}),
    ...(options.onRoundTrip ? { onRoundTrip: options.onRoundTrip } : {}),
    ...(options.durability ? { durability: options.durability } : {}),
  });
  const clock = new ManualClock(options.nowMs ?? MONDAY_NOON_NY);
  // One service graph, shared by the app and the test (as in `serve`): bookings made either way take turns in one slot gate,
  // and both read the same learned wait models.
  const services = buildServices(config, store, clock);
  const app = await buildApp(config, {
    store,
    clock,
    services,
    ...(options.lifecycle ? { lifecycle: options.lifecycle } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  return {
    app,
    store,
    clock,
    config,
    services,
    idleConnectionErrors: () => idleErrors,
    google: (method, body, headers = {}) =>
      app.inject({
        method: 'POST',
        url: `${config.pathPrefix}/v3/${method}`,
        headers: { authorization: basic(NEW_PAIR.user, NEW_PAIR.password), 'content-type': 'application/json', ...headers },
        payload: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    admin: (method, path, body, token = ADMIN_TOKEN) =>
      app.inject({
        method,
        url: `/admin/v1${path}`,
        headers: { authorization: bearer(token) },
        ...(body === undefined ? {} : { payload: body as InjectOptions['payload'] }),
      }),
    close: async () => {
      await app.close();
      await store.close();
      await pg?.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export const ALL_DAY: OpeningInterval[] = [1, 2, 3, 4, 5, 6, 7].map((day) => ({ day, open: '00:00', close: '24:00' }));

export interface MerchantFixture {
  readonly id: string;
  readonly serviceId?: string;
  readonly timeZone?: string;
  readonly hours?: OpeningInterval[];
  readonly tables?: DiningTable[];
  readonly rules?: Partial<WaitlistRules>;
}

/** A waitlist merchant with one service; by default open all day, with one two-top and one four-top. */
export async function seedMerchant(services: Services, f: MerchantFixture): Promise<void> {
  await services.merchants.create({
    id: f.id,
    name: `Merchant ${f.id}`,
    timeZone: f.timeZone ?? 'America/New_York',
    telephone: null,
    address: { streetAddress: null, locality: null, region: null, postalCode: null, country: 'US' },
    waitlistAdvisement: null,
    openingHours: f.hours ?? ALL_DAY,
  });
  await services.merchants.createService({
    merchantId: f.id,
    id: f.serviceId ?? 'waitlist',
    name: 'Waitlist',
    waitlist: { ...DEFAULT_WAITLIST_RULES, ...f.rules },
  });
  await services.merchants.replaceTables(
    f.id,
    f.tables ?? [
      { id: 'two', name: 'Two-top', minSeats: 1, seats: 2 },
      { id: 'four', name: 'Four-top', minSeats: 3, seats: 4 },
    ],
  );
}

/**
 * `startApp` bound to one dialect. Test files run their whole body once per dialect:
 * `for (const dialect of DIALECTS) describe(dialect, () => { const startApp = forDialect(dialect); ... })`.
 */
export function forDialect(dialect: Dialect): (options?: StartOptions) => Promise<TestApp> {
  return (options = {}) => startApp({ ...options, dialect });
}

/**
 * For a suite that starts several apps (replicas on one database): call it in the suite's body; the
 * function it returns keeps an app and gives it back, and every app kept is closed after the
 * suite's tests, the last started first.
 */
export function closedAfterSuite(): <T extends TestApp>(app: T) => T {
  const apps: TestApp[] = [];
  after(async () => {
    for (const t of apps.reverse()) await t.close();
  });
  return (app) => {
    apps.push(app);
    return app;
  };
}

/** A logger at `level` whose lines are collected, one string a line, in `lines`. */
export function capturedLogger(level: LogLevel): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) =>
    lines.push(
      ...chunk
        .toString('utf8')
        .split('\n')
        .filter((l) => l !== ''),
    ),
  );
  return { logger: createLogger(level, stream), lines };
}

/**
 * SQLite's durability for `startApp({ durability })` that holds each group commit's fsync while
 * `holding` is true: the commits' callers wait until `releaseAll()`; `held` counts the fsyncs held.
 */
export function heldDurability(): { durability: (wal: Durability) => Durability; holding: boolean; readonly held: number; releaseAll(): void } {
  const waiting: (() => void)[] = [];
  const control = {
    holding: false,
    get held(): number {
      return waiting.length;
    },
    releaseAll(): void {
      control.holding = false;
      for (const release of waiting.splice(0)) release();
    },
    durability: (wal: Durability): Durability => ({
      durable: () => {
        const done = wal.durable();
        if (!control.holding) return done;
        return new Promise<void>((resolve, reject) => waiting.push(() => void done.then(resolve, reject)));
      },
    }),
  };
  return control;
}
