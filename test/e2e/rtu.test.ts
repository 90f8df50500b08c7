// Real-time updates from real processes: `serve` with the worker inside it, pointed at a local
// fake of Google through GOOGLE_TOKEN_URL and MAPS_BOOKING_API_URL. A SIGKILL between commit and
// delivery (delivered after the restart), dead letters seen and replayed through the CLI and
// /metrics, no Google configuration (rows wait; `rtu work` refuses; a later `rtu work` delivers
// them), and three replicas on one PostgreSQL sharing the outbox.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { DateTime } from 'luxon';
import { startFakeGoogle, type FakeGoogle, type RecordedCall } from '../../src/test-support/fake-google.js';
import { createPgDatabase, PG_SKIP, type PgDatabase } from '../../src/test-support/postgres.js';
import {
  BIN,
  ROOT,
  eventually,
  postJson,
  removeTempDirs,
  runCli,
  secret,
  serverEnv,
  spawnServer,
  stopAll,
  tempDir,
  withTimeout,
  type Env,
  type ServerProcess,
} from './support.js';

const PARTNER = '20000000';
const NY = 'America/New_York';
const PATCH_PREFIX = `/v1alpha/notification/partners/${PARTNER}/bookings/`;
const REPLACE_PATH = `/v1alpha/inventory/partners/${PARTNER}/availability:replace`;

function googleEnv(fake: FakeGoogle): Env {
  return {
    GOOGLE_PARTNER_ID: PARTNER,
    GOOGLE_SERVICE_ACCOUNT_FILE: fake.serviceAccountFile,
    MAPS_BOOKING_API_URL: fake.baseUrl,
    GOOGLE_TOKEN_URL: fake.tokenUrl,
  };
}

/** Epoch seconds of a demo slot `days` local days from today, at `hhmm` New York time. */
function demoSlot(days: number, hhmm: string): number {
  const [hour, minute] = hhmm.split(':').map(Number) as [number, number];
  return DateTime.now().setZone(NY).startOf('day').plus({ days }).set({ hour, minute }).toSeconds();
}

const patchesFor = (fake: FakeGoogle, bookingId: string): RecordedCall[] =>
  fake.calls.filter((c) => c.method === 'PATCH' && c.path === PATCH_PREFIX + bookingId);
const ok = (calls: readonly RecordedCall[]): RecordedCall[] => calls.filter((c) => c.status === 200);

interface Api {
  book(start: number, userId: string): Promise<string>;
  admin(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }>;
  metrics(token?: string): Promise<{ status: number; text: string }>;
}

function api(server: ServerProcess, env: { BOOKING_SERVER_CREDENTIALS: string; ADMIN_TOKEN: string }): Api {
  return {
    async book(start, userId) {
      const result = await postJson(
        server.baseUrl,
        '/v3/CreateBooking',
        {
          idempotency_token: `rtu-${userId}`,
          slot: { merchant_id: '1001', service_id: '12310', start_sec: String(start), duration_sec: '1800', resources: { party_size: 2 } },
          user_information: { user_id: userId, given_name: 'Ada', family_name: 'Lovelace', email: `${userId}@example.com`, telephone: '+12125550100' },
        },
        env.BOOKING_SERVER_CREDENTIALS,
        30_000,
      );
      assert.equal(result.status, 200, result.text);
      const body = JSON.parse(result.text) as { booking?: { booking_id: string; status: string } };
      assert.equal(body.booking?.status, 'CONFIRMED', result.text);
      return body.booking!.booking_id;
    },
    async admin(method, path, body) {
      const response = await fetch(`${server.baseUrl}/admin/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${env.ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await response.text();
      return { status: response.status, json: text === '' ? undefined : JSON.parse(text) };
    },
    async metrics(token = env.ADMIN_TOKEN) {
      const response = await fetch(`${server.baseUrl}/metrics`, {
        headers: token === '' ? {} : { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(15_000),
      });
      return { status: response.status, text: await response.text() };
    },
  };
}

async function adminOk(a: Api, method: string, path: string, body?: unknown): Promise<any> {
  const result = await a.admin(method, path, body);
  assert.ok(result.status >= 200 && result.status < 300, `${method} ${path}: ${result.status} ${JSON.stringify(result.json)}`);
  return result.json;
}

/** `booking-server rtu status`, which must succeed; its stdout. */
async function rtuStatus(env: Env): Promise<string> {
  const result = await runCli(env, ['rtu', 'status'], 30_000);
  assert.equal(result.code, 0, result.stderr);
  return result.stdout;
}

/** The value of one sample of a Prometheus exposition. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[3]);
  }
  return undefined;
}

/** `booking-server rtu work` in the background; stopped with SIGTERM. */
function startWorker(env: Env) {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG'];
  const childEnv: NodeJS.ProcessEnv = {};
  for (const name of keep) if (process.env[name] !== undefined) childEnv[name] = process.env[name];
  for (const [name, value] of Object.entries(env)) if (value !== undefined) childEnv[name] = value;
  const child = spawn(process.execPath, [BIN, 'rtu', 'work'], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  return {
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return withTimeout(exited, 20_000, 'rtu work to exit after SIGTERM').catch(async (error: unknown) => {
        child.kill('SIGKILL');
        throw error;
      });
    },
  };
}

describe('real-time updates from the serve process', { timeout: 600_000 }, () => {
  let fake: FakeGoogle;
  const servers: ServerProcess[] = [];
  before(async () => {
    fake = await startFakeGoogle();
  });
  after(async () => {
    await stopAll(servers);
    await fake?.close();
    removeTempDirs();
  });

  it('SIGKILL after the commit and before delivery: the updates are delivered after the restart', async () => {
    fake.reset();
    fake.down(503, 1);
    const env = serverEnv(tempDir(), googleEnv(fake));
    const first = await spawnServer(env, ['serve', '--demo']);
    servers.push(first);
    const banner = `real-time updates: delivering to ${fake.baseUrl} as partner ${PARTNER}`;
    await eventually(() => (first.output().includes(banner) ? true : undefined), 10_000, "the worker's start-up line");
    const a = api(first, env);
    const start = demoSlot(2, '10:00');
    const bookingId = await a.book(start, `kill-${secret(4)}`);
    const canceled = await adminOk(a, 'POST', `/merchants/1001/bookings/${bookingId}/cancel`);
    assert.equal(canceled.status, 'CANCELED');
    // The worker tried, and Google said 503: committed, not delivered.
    await eventually(() => (patchesFor(fake, bookingId).some((c) => c.status === 503) ? true : undefined), 30_000, 'a failed delivery attempt');
    first.kill('SIGKILL');
    assert.equal((await withTimeout(first.exited, 10_000, 'SIGKILL')).signal, 'SIGKILL');
    assert.equal(ok(fake.calls).length, 0, 'nothing was delivered before the kill');
    assert.match(await rtuStatus(env), /^pending: \d+ \((availability \d+, booking 1|booking 1, availability \d+)\)$/m);

    fake.up();
    const second = await spawnServer(env, ['serve']);
    servers.push(second);
    const delivered = await eventually(() => ok(patchesFor(fake, bookingId))[0], 180_000, 'the BookingNotification after the restart');
    assert.equal(delivered.query.get('updateMask'), 'status');
    assert.deepEqual(delivered.body, { name: `partners/${PARTNER}/bookings/${bookingId}`, merchantId: '1001', serviceId: '12310', status: 'CANCELED' });
    const day = DateTime.fromSeconds(start, { zone: NY }).startOf('day').toUTC().toISO({ suppressMilliseconds: true });
    await eventually(
      () =>
        ok(fake.calls.filter((c) => c.path === REPLACE_PATH)).some((c) =>
          c.body.extendedServiceAvailability.some((w: { startTimeRestrict: string }) => w.startTimeRestrict === day),
        )
          ? true
          : undefined,
      180_000,
      "the availability replace of the booking's day",
    );
    const b = api(second, env);
    await eventually(async () => ((await adminOk(b, 'GET', '/rtu/status')).pending === 0 ? true : undefined), 60_000, 'an empty outbox');
    assert.match(await rtuStatus(env), /^pending: 0\noldest pending: -\ndead letters: 0$/m);
    await second.stop();
  });

  it('a rejected update: dead letter in `rtu status`, /metrics and the admin API; `rtu replay` after the fix delivers it', async () => {
    fake.reset();
    const env = serverEnv(tempDir(), googleEnv(fake));
    const server = await spawnServer(env, ['serve', '--demo']);
    servers.push(server);
    const a = api(server, env);
    const bookingId = await a.book(demoSlot(3, '11:00'), `dead-${secret(4)}`);
    fake.rejectWhen((c) => c.path === PATCH_PREFIX + bookingId, 400);
    await adminOk(a, 'POST', `/merchants/1001/bookings/${bookingId}/cancel`);
    await eventually(async () => ((await adminOk(a, 'GET', '/rtu/status')).dead === 1 ? true : undefined), 30_000, 'a dead letter');

    const status = await rtuStatus(env);
    assert.match(status, /^dead letters: 1 \(booking-server rtu replay, after fixing the cause\)$/m);
    assert.match(status, new RegExp(`^  #\\d+ booking booking:${bookingId}: HTTP 400: .*rejected by the fake`, 'm'));
    const dead = (await adminOk(a, 'GET', '/rtu/dead-letters')).dead_letters;
    assert.equal(dead.length, 1);
    assert.equal(dead[0].entity, `booking:${bookingId}`);

    assert.equal((await a.metrics('')).status, 401, '/metrics without a token');
    const metrics = await a.metrics();
    assert.equal(metrics.status, 200);
    assert.equal(sample(metrics.text, 'booking_server_outbox_dead'), 1);
    assert.equal(sample(metrics.text, 'booking_server_rtu_deliveries_total', { kind: 'booking', result: 'rejected', status: '400' }), 1);
    assert.ok((sample(metrics.text, 'booking_server_rtu_deliveries_total', { kind: 'availability', result: 'delivered' }) ?? 0) >= 1);
    assert.notEqual(sample(metrics.text, 'booking_server_outbox_pending'), undefined);
    assert.notEqual(sample(metrics.text, 'booking_server_outbox_oldest_pending_age_seconds'), undefined);
    assert.ok((sample(metrics.text, 'booking_server_request_duration_seconds_count', { method: 'POST', route: '/v3/CreateBooking', status: '200' }) ?? 0) >= 1);

    fake.clearRejections();
    const replay = await runCli(env, ['rtu', 'replay'], 30_000);
    assert.equal(replay.code, 0, replay.stderr);
    assert.equal(replay.stdout, '1 dead letter(s) queued again\n');
    const delivered = await eventually(() => ok(patchesFor(fake, bookingId))[0], 30_000, 'the replayed BookingNotification');
    assert.equal(delivered.body.status, 'CANCELED');
    await eventually(async () => ((await adminOk(a, 'GET', '/rtu/status')).dead === 0 ? true : undefined), 30_000, 'no dead letter');
    assert.match(await rtuStatus(env), /^dead letters: 0$/m);
    const bad = await runCli(env, ['rtu', 'replay', 'x'], 30_000);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /rtu replay takes dead-letter ids/);
    await server.stop();
  });

  it('no Google configuration: serve says updates are kept in the outbox and they accumulate; `rtu work` refuses, naming the variables; configured, it delivers them', async () => {
    fake.reset();
    const env = serverEnv(tempDir());
    const server = await spawnServer(env, ['serve', '--demo']);
    servers.push(server);
    await eventually(
      () =>
        server.output().includes('real-time updates to Google are kept in the outbox, not sent: GOOGLE_PARTNER_ID and GOOGLE_SERVICE_ACCOUNT_FILE not set')
          ? true
          : undefined,
      10_000,
      'the start-up warning',
    );
    const a = api(server, env);
    const bookingId = await a.book(demoSlot(4, '09:00'), `none-${secret(4)}`);
    await adminOk(a, 'POST', `/merchants/1001/bookings/${bookingId}/party-size`, { party_size: 3 });
    await adminOk(a, 'POST', `/merchants/1001/bookings/${bookingId}/cancel`);
    // The rows are committed with the changes, so they are there now; no worker runs in this server, so nothing
    // can have been sent (the start-up warning above says so), whenever this looks.
    assert.deepEqual(
      (await adminOk(a, 'GET', '/rtu/status')).pending_by_kind,
      { availability: 3, booking: 2 },
      'the demo seed, the booking, the cancellation; two BookingNotifications',
    );
    assert.match(await rtuStatus(env), /^pending: 5 \((availability 3, booking 2|booking 2, availability 3)\)$/m);
    assert.equal(fake.calls.length, 0);

    const refused = await runCli(env, ['rtu', 'work'], 30_000);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /cannot deliver real-time updates: GOOGLE_PARTNER_ID and GOOGLE_SERVICE_ACCOUNT_FILE not set/);
    const partial = await runCli({ ...env, GOOGLE_PARTNER_ID: PARTNER }, ['rtu', 'work'], 30_000);
    assert.equal(partial.code, 2);
    assert.match(partial.stderr, /GOOGLE_SERVICE_ACCOUNT_FILE not set/);

    // A separate worker process with the configuration delivers what waited, coalesced.
    const worker = startWorker({ ...env, ...googleEnv(fake) });
    try {
      const delivered = await eventually(() => ok(patchesFor(fake, bookingId))[0], 60_000, 'the BookingNotification from `rtu work`');
      assert.equal(delivered.query.get('updateMask'), 'status,partySize');
      assert.deepEqual([delivered.body.status, delivered.body.partySize], ['CANCELED', '3']);
      await eventually(async () => ((await adminOk(a, 'GET', '/rtu/status')).pending === 0 ? true : undefined), 60_000, 'an empty outbox');
      assert.equal(ok(fake.calls.filter((c) => c.path === REPLACE_PATH)).length, 1, 'one replace for the demo service, covering every day that changed');
    } finally {
      const exit = await worker.stop();
      assert.equal(exit.code, 0, worker.output());
    }
    assert.match(worker.output(), /real-time update worker: delivering to/);
    await server.stop();
  });
});

describe('three serve replicas on one PostgreSQL share the outbox', { skip: PG_SKIP, timeout: 300_000 }, () => {
  let fake: FakeGoogle;
  let database: PgDatabase;
  const servers: ServerProcess[] = [];
  const BOOKINGS = 24;

  before(async () => {
    fake = await startFakeGoogle();
    database = await createPgDatabase();
  });
  after(async () => {
    await stopAll(servers);
    await fake?.close();
    await database?.drop();
    removeTempDirs();
  });

  it('a write load through all replicas, Google failing now and then: every row delivered, none lost, the last PATCH of each booking carries its final state', async () => {
    const env = { ...serverEnv(tempDir(), googleEnv(fake)), DATABASE_URL: database.url, LOG_LEVEL: 'warn', DATABASE_POOL_MAX: '5' };
    servers.push(await spawnServer(env, ['serve', '--demo']));
    for (let i = 1; i < 3; i++) servers.push(await spawnServer(env, ['serve']));
    const replicas = servers.map((s) => api(s, env));
    const at = (i: number): Api => replicas[i % replicas.length]!;
    // Roughly one call in four fails (retryable), with and without Retry-After.
    fake.script(...Array.from({ length: 60 }, (_, i) => (i % 4 === 0 ? 500 : i % 4 === 1 ? { status: 429, retryAfter: 1 } : 200)));

    const run = secret(4);
    const times = ['09:00', '09:30', '10:00', '10:30', '11:00', '11:30', '12:00', '12:30', '13:00', '13:30', '14:00', '14:30'];
    const slots = Array.from({ length: BOOKINGS }, (_, i) => demoSlot(5 + (i % 2), times[Math.floor(i / 2) % times.length]!));
    const ids = await Promise.all(slots.map((start, i) => at(i).book(start, `rep-${run}-${i}`)));
    // The final state is a cancellation: a no-show is refused before the start, and these
    // bookings are days ahead of the servers' real clocks.
    const finals = new Map<string, 'CANCELED'>();
    await Promise.all(
      ids.map(async (id, i) => {
        await adminOk(at(i + 1), 'POST', `/merchants/1001/bookings/${id}/party-size`, { party_size: 3 });
        await adminOk(at(i + 2), 'POST', `/merchants/1001/bookings/${id}/party-size`, { party_size: 4 });
        await adminOk(at(i), 'POST', `/merchants/1001/bookings/${id}/cancel`);
        finals.set(id, 'CANCELED');
      }),
    );
    // Walk-ins and a schedule edit through the replicas too.
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        adminOk(at(i), 'POST', '/merchants/1001/bookings', { service_id: '12310', start_sec: demoSlot(7, times[i]!), party_size: 2, given_name: 'Walk' }),
      ),
    );
    const editDay = demoSlot(8, '00:00');
    await adminOk(at(1), 'PUT', '/merchants/1001/services/12310/availability', {
      start_time_restrict: demoSlot(8, '12:00'),
      end_time_restrict: demoSlot(8, '13:00'),
      availability: [{ start_sec: demoSlot(8, '12:00'), duration_sec: 1800, spots_total: 9 }],
    });

    await eventually(
      async () => {
        const s = await adminOk(at(0), 'GET', '/rtu/status');
        return s.pending === 0 ? s : undefined;
      },
      180_000,
      'every update delivered',
      500,
    ).then((s) => assert.equal(s.dead, 0));
    assert.ok(
      fake.calls.some((c) => c.status !== 200),
      'some calls failed and were retried',
    );

    for (const [id, final] of finals) {
      const patches = ok(patchesFor(fake, id));
      assert.ok(patches.length >= 1, `booking ${id} was notified`);
      const last = patches.at(-1)!;
      assert.ok(last.query.get('updateMask')!.split(',').includes('status'), `the last PATCH of ${id} carries the status: ${last.query.get('updateMask')}`);
      assert.equal(last.body.status, final);
      const sizes = patches.filter((p) => p.body.partySize !== undefined).map((p) => Number(p.body.partySize));
      assert.deepEqual(
        sizes,
        [...sizes].sort((x, y) => x - y),
        `party sizes in order for ${id}`,
      );
      assert.equal(sizes.at(-1), 4);
      assert.ok(
        patches.slice(0, -1).every((p) => p.body.status === undefined),
        'no status before the final one',
      );
    }

    // Per day, the last replace Google received is the final state the admin API lists.
    const replaces = ok(fake.calls.filter((c) => c.path === REPLACE_PATH)).flatMap(
      (c) =>
        c.body.extendedServiceAvailability as {
          startTimeRestrict: string;
          endTimeRestrict: string;
          availability?: { startTime: string; spotsTotal?: string; spotsOpen?: string }[];
        }[],
    );
    for (const days of [5, 6, 7, 8]) {
      const from = demoSlot(days, '00:00');
      const iso = DateTime.fromSeconds(from, { zone: 'utc' }).toISO({ suppressMilliseconds: true });
      const last = replaces.filter((w) => w.startTimeRestrict === iso).at(-1);
      assert.ok(last, `day +${days} was replaced`);
      const listed = (await adminOk(at(days), 'GET', `/merchants/1001/services/12310/availability?from=${from}&to=${Date.parse(last.endTimeRestrict) / 1000}`))
        .slots as { start_sec: number; spots_total: number; spots_open: number }[];
      assert.deepEqual(
        (last.availability ?? []).map((x) => [Date.parse(x.startTime) / 1000, Number(x.spotsTotal ?? 0), Number(x.spotsOpen ?? 0)]),
        listed.map((s) => [s.start_sec, s.spots_total, s.spots_open]),
        `day +${days}`,
      );
    }
    assert.ok(replaces.some((w) => w.startTimeRestrict === DateTime.fromSeconds(editDay, { zone: 'utc' }).toISO({ suppressMilliseconds: true })));
  });
});
