// Real-time update test harness: the real app (startApp) with the outbox worker pointed at a local
// fake of Google (fake-google.ts), driven by hand: `drain()` delivers everything due at the
// ManualClock's "now", so no test waits on a timer.
import assert from 'node:assert/strict';
import { buildApp } from '../app.js';
import { Metrics } from '../http/metrics.js';
import { createLogger } from '../logger.js';
import { createRtuWorker } from '../rtu/setup.js';
import type { RtuWorker } from '../rtu/worker.js';
import type { StartOptions, TestApp } from './app.js';
import { ADMIN_TOKEN, bearer } from './app.js';
import { startFakeGoogle, type FakeGoogle, type RecordedCall } from './fake-google.js';
import { adminOk } from './bookings.js';

export const PARTNER = '20000000';

export interface RtuHarness {
  readonly t: TestApp;
  readonly fake: FakeGoogle;
  readonly worker: RtuWorker;
  /** The metrics the worker reports to, served at `metricsApp`'s /metrics. */
  readonly metrics: Metrics;
  /** A second app over the same store whose /metrics shares `metrics` with the worker (as `serve` does). */
  metricsText(token?: string): Promise<{ status: number; body: string }>;
  /** Delivers everything due now; returns the number of entities handled. */
  drain(): Promise<number>;
  /** Drains, then forgets what the fake recorded: a clean slate for the next test. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/** The env that points the worker at the fake. */
export function googleEnv(fake: FakeGoogle): Record<string, string> {
  return {
    GOOGLE_PARTNER_ID: PARTNER,
    GOOGLE_SERVICE_ACCOUNT_FILE: fake.serviceAccountFile,
    MAPS_BOOKING_API_URL: fake.baseUrl,
    GOOGLE_TOKEN_URL: fake.tokenUrl,
  };
}

export async function startRtu(startApp: (o?: StartOptions) => Promise<TestApp>, options: StartOptions = {}): Promise<RtuHarness> {
  const fake = await startFakeGoogle();
  const t = await startApp({ ...options, env: { ...googleEnv(fake), ...options.env } });
  const metrics = new Metrics(t.store, t.clock);
  const setup = createRtuWorker(t.config, {
    store: t.store,
    clock: t.clock,
    availability: t.services.availability,
    leases: t.services.bookings,
    log: createLogger('silent'),
    observer: metrics.observer(),
  });
  assert.ok(setup.worker !== null, 'the worker should be configured');
  const worker = setup.worker;
  const metricsApp = await buildApp(t.config, { store: t.store, clock: t.clock, logger: createLogger('silent'), metrics, services: t.services });
  const drain = () => worker.drain();
  return {
    t,
    fake,
    worker,
    metrics,
    metricsText: async (token = ADMIN_TOKEN) => {
      const res = await metricsApp.inject({ method: 'GET', url: '/metrics', headers: token === '' ? {} : { authorization: bearer(token) } });
      return { status: res.statusCode, body: res.body };
    },
    drain,
    settle: async () => {
      await drain();
      fake.reset();
    },
    close: async () => {
      await worker.stop();
      await metricsApp.close();
      await t.close();
      await fake.close();
    },
  };
}

export const PATCH_PREFIX = `/v1alpha/notification/partners/${PARTNER}/bookings/`;
export const REPLACE_PATH = `/v1alpha/inventory/partners/${PARTNER}/availability:replace`;

/** BookingNotification calls the fake received (for one booking, when given). */
export function patchesOf(fake: FakeGoogle, bookingId?: string): RecordedCall[] {
  return fake.calls.filter((c) => c.method === 'PATCH' && c.path.startsWith(PATCH_PREFIX) && (bookingId === undefined || c.path === PATCH_PREFIX + bookingId));
}

/** Availability replace calls the fake received. */
export function replacesOf(fake: FakeGoogle): RecordedCall[] {
  return fake.calls.filter((c) => c.method === 'POST' && c.path === REPLACE_PATH);
}

export const accepted = (calls: readonly RecordedCall[]): RecordedCall[] => calls.filter((c) => c.status === 200);

/** RFC 3339 as Google's JSON writes a whole-second Timestamp. */
export const rfc3339 = (sec: number): string => new Date(sec * 1000).toISOString().replace('.000Z', 'Z');
export const fromRfc3339 = (s: string): number => Date.parse(s) / 1000;

export interface WindowEntry {
  merchantId: string;
  serviceId: string;
  startTimeRestrict: string;
  endTimeRestrict: string;
  availability?: { startTime: string; duration: string; spotsTotal?: string; spotsOpen?: string; [k: string]: unknown }[];
}

/**
 * Checks that one extendedServiceAvailability entry is exactly what the admin API lists for its
 * window now: the same slots, with the same total and open spots.
 */
export async function assertMatchesListing(t: TestApp, entry: WindowEntry): Promise<void> {
  const from = fromRfc3339(entry.startTimeRestrict);
  const to = fromRfc3339(entry.endTimeRestrict);
  const listed = (await adminOk(t, 'GET', `/merchants/${entry.merchantId}/services/${entry.serviceId}/availability?from=${from}&to=${to}`)).slots as {
    start_sec: number;
    duration_sec: number;
    spots_total: number;
    spots_open: number;
  }[];
  // proto3 JSON leaves zero out: a full slot has no spotsOpen.
  const sent = (entry.availability ?? []).map((a) => [fromRfc3339(a.startTime), a.duration, a.spotsTotal ?? '0', a.spotsOpen ?? '0']);
  const expected = listed.map((s) => [s.start_sec, `${s.duration_sec}s`, String(s.spots_total), String(s.spots_open)]);
  const order = (a: unknown[], b: unknown[]) => (a[0] as number) - (b[0] as number) || String(a[1]).localeCompare(String(b[1]));
  assert.deepEqual(
    sent.sort(order),
    expected.sort(order),
    `window ${entry.startTimeRestrict}..${entry.endTimeRestrict} of ${entry.merchantId}/${entry.serviceId}`,
  );
}

/** The value of one sample of a Prometheus text exposition (undefined when absent). */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const found: Record<string, string> = {};
    for (const m of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) found[m[1]!] = m[2]!;
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[3]);
  }
  return undefined;
}
