// `booking-server conformance` against our own server, over real HTTP between two real CLI
// processes, on SQLite and on PostgreSQL: every case passes (recommended ones too), the report names a line
// per case, the JSON and JUnit files agree with it, the password appears nowhere, and nothing the
// run booked or queued is left behind. Also the availability-feed mode, with a feed our own
// `feeds generate` wrote, and the exit codes for bad usage and an unreachable server.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createPgDatabase, PG_SKIP, type PgDatabase } from '../../src/test-support/postgres.js';
import { hasOpenssl, selfSigned } from '../../src/test-support/tls.js';
import { removeTempDirs, runCli, serverEnv, spawnServer, stopAll, tempDir, type ServerProcess } from './support.js';

interface JsonCase {
  id: string;
  group: string;
  required: boolean;
  outcome: 'pass' | 'fail' | 'skip';
  message: string;
  google_doc: string;
}
interface JsonReport {
  passed: boolean;
  cases: JsonCase[];
  latency: { method: string; calls: number; p50_ms: number; p99_ms: number; threshold_ms: number }[];
  leftovers: string[];
}

const servers: ServerProcess[] = [];
const databases: PgDatabase[] = [];
after(async () => {
  await stopAll(servers);
  for (const db of databases) await db.drop().catch(() => {});
  removeTempDirs();
});

const DEMO = ['--merchant', '1001', '--service', '12310', '--waitlist-merchant', 'dining-1', '--waitlist-service', 'reservation'];

async function admin(server: ServerProcess, token: string, path: string): Promise<any> {
  const response = await fetch(`${server.baseUrl}/admin/v1${path}`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(30_000) });
  assert.equal(response.status, 200, path);
  return response.json();
}

async function conformanceAgainstOurServer(databaseUrl: string | null): Promise<void> {
  const dir = tempDir();
  const env = serverEnv(dir, { LOG_LEVEL: 'warn', ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) });
  const server = await spawnServer(env, ['serve', '--demo']);
  servers.push(server);
  const [user, password] = env.BOOKING_SERVER_CREDENTIALS.split(':') as [string, string];
  const json = join(dir, 'report.json');
  const xml = join(dir, 'report.xml');
  // Latency is reported but advisory here: on a loaded CI machine a figure says nothing about the
  // server (tests never assert on durations); the broken-server test checks that latency can fail.
  const result = await runCli(
    { PATH: process.env.PATH, CONFORMANCE_PASSWORD: password },
    ['conformance', '--url', server.baseUrl, '--user', user, ...DEMO, '--latency-advisory', '--report', json, '--report', xml],
    240_000,
  );
  const output = `${result.stdout}${result.stderr}`;
  const report = JSON.parse(readFileSync(json, 'utf8')) as JsonReport;

  // Latency cases are advisory here (a slow CI machine says nothing about the server).
  const failed = report.cases.filter((c) => c.outcome === 'fail' && c.group !== 'latency');
  assert.deepEqual(
    failed.map((c) => `${c.id}: ${c.message}`),
    [],
    output,
  );
  assert.equal(report.passed, true);
  assert.equal(result.code, 0, output);
  // Every group ran: nothing required was skipped for lack of inventory.
  const skipped = report.cases.filter((c) => c.outcome === 'skip').map((c) => c.id);
  assert.deepEqual(skipped, [], output);
  for (const id of [
    'health.ok',
    'auth.none',
    'wl.create.concurrent',
    'wl.delete.retry',
    'bal.discover',
    'cb.concurrent',
    'cb.overfull',
    'ub.reschedule',
    'ub.cancel',
    'lease.create',
    'cb.malformed',
    'gbs.unknown',
  ]) {
    assert.equal(report.cases.find((c) => c.id === id)?.outcome, 'pass', `${id}\n${output}`);
  }
  for (const c of report.cases) assert.match(c.google_doc, /^https:\/\/developers\.google\.com\//, c.id);

  // The printed report: a line per case, progress as it goes, latency figures per method.
  const caseLines = result.stdout.split('\n').filter((l) => /^(PASS|FAIL|WARN|SKIP) {2}\S/.test(l));
  assert.equal(caseLines.length, report.cases.length, result.stdout);
  const methods = report.latency.map((f) => f.method).sort();
  assert.deepEqual(methods, [
    'BatchAvailabilityLookup',
    'BatchGetWaitEstimates',
    'CheckAvailability',
    'CreateBooking',
    'CreateLease',
    'CreateWaitlistEntry',
    'DeleteWaitlistEntry',
    'GetBookingStatus',
    'GetWaitlistEntry',
    'HealthCheck',
    'ListBookings',
    'UpdateBooking',
  ]);
  for (const f of report.latency) assert.match(result.stdout, new RegExp(`^${f.method} +${f.calls} +${f.p50_ms} +${f.p99_ms} +${f.threshold_ms}`, 'm'));

  // JUnit: one testcase per case, required failures as <failure>.
  const junit = readFileSync(xml, 'utf8');
  assert.equal(junit.match(/<testcase /g)?.length, report.cases.length);
  assert.equal(junit.match(/<failure /g)?.length ?? 0, report.cases.filter((c) => c.required && c.outcome === 'fail').length);

  // The password is in no output and no file.
  for (const text of [output, readFileSync(json, 'utf8'), junit]) assert.ok(!text.includes(password), 'the password leaked');

  // Nothing left behind: no live booking at the demo merchant, no one waiting at the demo waitlist.
  assert.deepEqual(report.leftovers, []);
  const live = await admin(server, env.ADMIN_TOKEN, '/merchants/1001/bookings?status=CONFIRMED,PENDING_MERCHANT_CONFIRMATION&limit=1000');
  assert.equal(live.bookings.length, 0, JSON.stringify(live.bookings));
  const queue = await admin(server, env.ADMIN_TOKEN, '/merchants/dining-1/services/reservation/queue');
  assert.equal(queue.entries.length, 0, JSON.stringify(queue.entries));

  // A second run on the same server does not collide with the first (fresh users and tokens).
  const again = await runCli(
    { PATH: process.env.PATH, CONFORMANCE_PASSWORD: password },
    ['conformance', '--url', server.baseUrl, '--user', user, ...DEMO, '--only', 'waitlist', '--latency-advisory'],
    120_000,
  );
  assert.equal(again.code, 0, `${again.stdout}${again.stderr}`);
}

describe('conformance against our own server', { timeout: 600_000 }, () => {
  it('SQLite: every required case passes', async () => {
    await conformanceAgainstOurServer(null);
  });

  it('PostgreSQL: every required case passes', { skip: PG_SKIP }, async () => {
    const db = await createPgDatabase();
    databases.push(db);
    await conformanceAgainstOurServer(db.url);
  });

  it('the slots to test come from an availability feed that feeds generate wrote', async () => {
    const dir = tempDir();
    const env = serverEnv(dir, { LOG_LEVEL: 'warn' });
    const server = await spawnServer(env, ['serve', '--demo']);
    servers.push(server);
    const feeds = join(dir, 'feeds');
    const generated = await runCli(env, ['feeds', 'generate', '--out', feeds, '--horizon-days', '7'], 120_000);
    assert.equal(generated.code, 0, `${generated.stdout}${generated.stderr}`);
    const files = readdirSync(feeds)
      .filter((f) => f.startsWith('availability_feed_'))
      .map((f) => join(feeds, f));
    assert.ok(files.length >= 1, readdirSync(feeds).join(', '));
    const [user, password] = env.BOOKING_SERVER_CREDENTIALS.split(':') as [string, string];
    const result = await runCli(
      { PATH: process.env.PATH },
      [
        'conformance',
        '--url',
        server.baseUrl,
        '--user',
        user,
        '--password',
        password,
        '--only',
        'bookings',
        '--latency-advisory',
        ...files.flatMap((f) => ['--availability-feed', f]),
      ],
      240_000,
    );
    const output = `${result.stdout}${result.stderr}`;
    assert.match(result.stdout, /^PASS {2}bal\.discover +BatchAvailabilityLookup confirms open slots of the availability feed/m, output);
    // The merchant and service came from the feed; the booking flow ran on them.
    assert.match(result.stdout, /^PASS {2}cb\.create +/m, output);
    assert.match(result.stdout, /^PASS {2}ub\.reschedule +/m, output);
    assert.doesNotMatch(result.stdout, /^(PASS|FAIL|SKIP|WARN) {2}wl\./m, 'no waitlist case with --only bookings');
    assert.ok(!output.includes(password), 'the password leaked');
  });
});

describe('conformance over HTTPS, under a path prefix', { timeout: 300_000, skip: hasOpenssl() ? false : 'openssl is not installed' }, () => {
  it('a certificate the client cannot verify fails every case with the reason; trusted, the run passes', async () => {
    const dir = tempDir();
    const { certFile, keyFile } = selfSigned(dir);
    const env = serverEnv(dir, { LOG_LEVEL: 'warn', TLS_CERT_FILE: certFile, TLS_KEY_FILE: keyFile, PATH_PREFIX: '/google' });
    const server = await spawnServer(env, ['serve', '--demo']);
    servers.push(server);
    assert.match(server.baseUrl, /^https:/);
    const [user, password] = env.BOOKING_SERVER_CREDENTIALS.split(':') as [string, string];
    const args = [
      'conformance',
      '--url',
      `${server.baseUrl}/google`,
      '--user',
      user,
      '--only',
      'waitlist',
      '--waitlist-merchant',
      'dining-1',
      '--waitlist-service',
      'reservation',
      '--latency-advisory',
    ];

    const untrusted = await runCli({ PATH: process.env.PATH, CONFORMANCE_PASSWORD: password }, args, 120_000);
    assert.equal(untrusted.code, 1, `${untrusted.stdout}${untrusted.stderr}`);
    assert.match(untrusted.stdout, /^FAIL {2}health\.ok .*got no answer/m);
    assert.match(untrusted.stdout, /no HTTP answer: DEPTH_ZERO_SELF_SIGNED_CERT/);

    const trusted = await runCli({ PATH: process.env.PATH, CONFORMANCE_PASSWORD: password, NODE_EXTRA_CA_CERTS: certFile }, args, 120_000);
    assert.equal(trusted.code, 0, `${trusted.stdout}${trusted.stderr}`);
    assert.match(trusted.stdout, /^PASS {2}wl\.create\.concurrent /m);
  });
});

describe('conformance: usage and an unreachable server', { timeout: 120_000 }, () => {
  const base = { PATH: process.env.PATH };
  const usage: [string, string[], RegExp][] = [
    ['no --url', ['conformance', '--user', 'u', '--password', 'p', '--merchant', 'm', '--service', 's'], /required option '--url <base>'/],
    ['no password', ['conformance', '--url', 'http://127.0.0.1:9', '--user', 'u', '--merchant', 'm', '--service', 's'], /a password is required/],
    ['nothing to test', ['conformance', '--url', 'http://127.0.0.1:9', '--user', 'u', '--password', 'p'], /give --merchant and --service/],
    [
      'a bad --only',
      ['conformance', '--url', 'http://127.0.0.1:9', '--user', 'u', '--password', 'p', '--only', 'orders'],
      /Allowed choices are waitlist, bookings/,
    ],
    [
      'a report name that is neither .xml nor .json',
      ['conformance', '--url', 'http://127.0.0.1:9', '--user', 'u', '--password', 'p', '--merchant', 'm', '--service', 's', '--report', 'out.txt'],
      /must end in \.xml \(JUnit\) or \.json/,
    ],
    [
      'a URL that is not one',
      ['conformance', '--url', 'booking.example.com', '--user', 'u', '--password', 'p', '--merchant', 'm', '--service', 's'],
      /is not a URL/,
    ],
    [
      'a feed that is not one',
      ['conformance', '--url', 'http://127.0.0.1:9', '--user', 'u', '--password', 'p', '--availability-feed', '/nonexistent/feed.json'],
      /cannot read \/nonexistent\/feed\.json: ENOENT/,
    ],
    [
      'a party size of zero',
      ['conformance', '--url', 'http://127.0.0.1:9', '--user', 'u', '--password', 'p', '--merchant', 'm', '--service', 's', '--party-size', '0'],
      /a whole number from 1 to 100/,
    ],
  ];
  for (const [what, args, message] of usage) {
    it(`exit 2 with a clear message: ${what}`, async () => {
      const result = await runCli(base, args);
      assert.equal(result.code, 2, `${result.stdout}${result.stderr}`);
      assert.match(result.stderr, message);
      assert.ok(!`${result.stdout}${result.stderr}`.includes("'p'"), 'no password echoed');
    });
  }

  it('exit 1 when the server does not answer, each case saying so', async () => {
    // A port that was free a moment ago: nothing listens there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const result = await runCli(base, [
      'conformance',
      '--url',
      `http://127.0.0.1:${port}`,
      '--user',
      'u',
      '--password',
      'secret-pw',
      '--only',
      'waitlist',
      '--merchant',
      'm',
      '--service',
      's',
      '--timeout',
      '5',
    ]);
    assert.equal(result.code, 1, `${result.stdout}${result.stderr}`);
    assert.match(result.stdout, /^FAIL {2}health\.ok +HealthCheck answers 200 .*expected HTTP 200, got no answer/m);
    assert.match(result.stdout, /< no answer \(no HTTP answer: ECONNREFUSED\)/);
    assert.ok(!result.stdout.includes('secret-pw'));
  });
});
