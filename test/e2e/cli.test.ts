// The CLI as an operator meets it: configuration errors that name the variable, `migrate`,
// `serve --demo`, graceful shutdown on SIGTERM, and JSON logs that keep secrets and PII out.
import assert from 'node:assert/strict';
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { migrations } from '../../src/store/migrations/index.js';
import {
  basicAuth,
  getWithAuth,
  postJson,
  removeTempDirs,
  runCli,
  secret,
  serverEnv,
  eventually,
  spawnServer,
  stopAll,
  tempDir,
  withTimeout,
  type ServerProcess,
} from './support.js';

const servers: ServerProcess[] = [];
after(async () => {
  await stopAll(servers);
  removeTempDirs();
});

async function serve(env: Record<string, string | undefined>, args: string[] = ['serve']): Promise<ServerProcess> {
  const server = await spawnServer(env, args);
  servers.push(server);
  return server;
}

describe('configuration errors stop start-up and name the variable', () => {
  it('serve without BOOKING_SERVER_CREDENTIALS', async () => {
    const env = serverEnv(tempDir(), { BOOKING_SERVER_CREDENTIALS: undefined });
    const result = await runCli(env, ['serve']);
    assert.notEqual(result.code, 0);
    assert.equal(result.signal, null);
    assert.match(result.stderr, /BOOKING_SERVER_CREDENTIALS/);
    assert.doesNotMatch(result.stdout, /listening/);
  });

  it('PORT=abc', async () => {
    const result = await runCli(serverEnv(tempDir(), { PORT: 'abc' }), ['serve']);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /\bPORT\b/);
    assert.match(result.stderr, /abc/);
  });

  it('DATABASE_URL=mysql://x', async () => {
    const result = await runCli(serverEnv(tempDir(), { DATABASE_URL: 'mysql://x' }), ['serve']);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /\bDATABASE_URL\b/);
  });

  it('a database path that cannot be created names DATABASE_URL, without a stack trace', async () => {
    const dir = tempDir();
    const result = await runCli(serverEnv(dir, { DATABASE_URL: `sqlite:${join('/dev/null', 'sub', 'db.sqlite')}` }), ['serve']);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /\bDATABASE_URL\b/);
    assert.doesNotMatch(result.stderr, /^\s+at /m);
  });
});

describe('config check', () => {
  it('prints the effective configuration with secrets masked and exits 0', async () => {
    const env = serverEnv(tempDir(), { DATABASE_URL: 'postgres://app:db-password-123@db.internal/booking' });
    const result = await runCli(env, ['config', 'check']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^port = 0$/m);
    assert.match(result.stdout, /^database\.url = "postgres:\/\/app:\*\*\*@db\.internal\/booking"$/m);
    assert.match(result.stdout, /^configuration ok$/m);
    const printed = `${result.stdout}${result.stderr}`;
    for (const secretValue of [env.ADMIN_TOKEN, env.BOOKING_SERVER_CREDENTIALS, env.BOOKING_SERVER_CREDENTIALS.split(':')[1]!, 'db-password-123']) {
      assert.ok(!printed.includes(secretValue), 'a secret was printed');
    }
  });

  it('lists every error, warns about unread variables, and exits 2', async () => {
    const env = serverEnv(tempDir(), { PORT: 'abc', GOOGLE_ENVIRONMENT: 'prod', BOOKING_SERVER_CREDENTIALS: undefined, FEEDS_HORIZON_DAY: '30' });
    const result = await runCli(env, ['config', 'check']);
    assert.equal(result.code, 2, result.stdout + result.stderr);
    assert.match(result.stderr, /^error: PORT: /m);
    assert.match(result.stderr, /^error: GOOGLE_ENVIRONMENT: /m);
    assert.match(result.stderr, /^warning: FEEDS_HORIZON_DAY is set but not read/m);
    assert.equal(result.stdout, '');
    const missing = await runCli(serverEnv(tempDir(), { BOOKING_SERVER_CREDENTIALS: undefined }), ['config', 'check']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^error: BOOKING_SERVER_CREDENTIALS: is required/m);
  });
});

describe('migrate', () => {
  it('applies the migrations to a fresh database, then finds the schema up to date', async () => {
    const env = serverEnv(tempDir(), { BOOKING_SERVER_CREDENTIALS: undefined, ADMIN_TOKEN: undefined });
    const first = await runCli(env, ['migrate']);
    assert.equal(first.code, 0, first.stderr);
    // The list grows as capabilities land (and dist/ may lag the sources), so check its shape, not its length.
    const applied = /^applied: (.+)\n$/.exec(first.stdout)?.[1]?.split(', ');
    assert.ok(applied, `migrate lists what it applied: ${JSON.stringify(first.stdout)}`);
    assert.equal(applied[0], '0001-waitlist');
    for (const name of applied) assert.ok(name in migrations, `${name} is a known migration`);
    assert.deepEqual(applied, [...applied].sort(), 'applied in order');
    const second = await runCli(env, ['migrate']);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, 'schema is up to date\n');
  });
});

describe('serve --demo', () => {
  it('prints the URL, generated credentials and the demo ids, and the printed credentials work', async () => {
    const env = serverEnv(tempDir(), { BOOKING_SERVER_CREDENTIALS: undefined, ADMIN_TOKEN: undefined });
    const server = await serve(env, ['serve', '--demo']);
    const text = server.stdout.join('\n');
    assert.match(text, new RegExp(`^booking-server listening on http://127\\.0\\.0\\.1:${server.port}$`, 'm'));
    assert.match(text, /merchant_id "dining-1", service_id "reservation"/);
    const basic = /Google Basic auth: (\S+:\S+) \(generated/.exec(text)?.[1];
    const adminToken = /Admin API bearer token: (\S+) \(generated/.exec(text)?.[1];
    assert.ok(basic, `generated Basic-auth credentials are printed:\n${text}`);
    assert.ok(adminToken, `a generated admin token is printed:\n${text}`);
    assert.ok(text.includes(`curl -u '${basic}'`), 'the example command uses the generated credentials');

    const health = await getWithAuth(`${server.baseUrl}/v3/HealthCheck`, basicAuth(basic));
    assert.equal(health.status, 200, health.text);
    const wrong = await getWithAuth(`${server.baseUrl}/v3/HealthCheck`, basicAuth(`${basic}x`));
    assert.equal(wrong.status, 401);

    const merchants = await getWithAuth(`${server.baseUrl}/admin/v1/merchants`, `Bearer ${adminToken}`);
    assert.equal(merchants.status, 200, merchants.text);
    assert.ok((JSON.parse(merchants.text) as { merchants: { id: string }[] }).merchants.some((m) => m.id === 'dining-1'));

    const estimates = await postJson(
      server.baseUrl,
      '/v3/BatchGetWaitEstimates',
      { merchant_id: 'dining-1', service_id: 'reservation', party_size: [2, 4] },
      basic,
    );
    assert.equal(estimates.status, 200, estimates.text);
    assert.equal((JSON.parse(estimates.text) as { waitlist_status?: string }).waitlist_status, 'OPEN');

    // The host stand is served by the same process (built by npm run build) and named in the banner.
    assert.ok(text.includes(`Host stand: ${server.baseUrl}/app`), text);
    const app = await fetch(`${server.baseUrl}/app`);
    assert.equal(app.status, 200);
    assert.match(String(app.headers.get('content-security-policy')), /script-src 'self'/);
    const script = /src="(\/app\/assets\/[^"]+\.js)"/.exec(await app.text())?.[1];
    assert.ok(script);
    assert.equal((await fetch(`${server.baseUrl}${script}`)).status, 200);
  });
});

interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
}

describe('graceful shutdown', () => {
  it('SIGTERM lets a slow in-flight request complete, then exits 0', { timeout: 150_000 }, async () => {
    const env = serverEnv(tempDir());
    const server = await serve(env, ['serve', '--demo']);
    // A keep-alive client that would hold its idle connection open for minutes: shutdown must not wait for it.
    const agent = new Agent({ keepAlive: true, timeout: 300_000 });
    try {
      const body = JSON.stringify({
        merchant_id: 'dining-1',
        service_id: 'reservation',
        party_size: 2,
        idempotency_token: `sigterm-${secret(6)}`,
        user_information: { user_id: 'sigterm-user', given_name: 'Slow', family_name: 'Client' },
      });
      const half = Math.floor(body.length / 2);
      // `Expect: 100-continue`: the server answers 100 only once it has parsed the headers and
      // dispatched the request, so the request is provably in flight before SIGTERM (no sleeps).
      let halfSent!: () => void;
      const inFlight = new Promise<void>((resolve) => (halfSent = resolve));
      let finish!: () => void;
      const response = new Promise<RawResponse>((resolve, reject) => {
        const req = httpRequest(
          `${server.baseUrl}/v3/CreateWaitlistEntry`,
          {
            method: 'POST',
            agent,
            headers: {
              authorization: basicAuth(env.BOOKING_SERVER_CREDENTIALS),
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(body),
              expect: '100-continue',
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.on('continue', () => req.write(body.slice(0, half), () => halfSent()));
        req.flushHeaders();
        finish = () => req.end(body.slice(half));
      });
      response.catch(() => {});
      await withTimeout(inFlight, 30_000, '100 Continue, then the first half of the body to be written');
      server.kill('SIGTERM');
      await eventually(
        () => (server.stdout.some((line) => line.includes('shutting down')) ? true : undefined),
        30_000,
        'the server to log that it is shutting down',
        25,
      );
      finish();

      const res = await withTimeout(response, 30_000, 'the in-flight request to complete');
      assert.equal(res.status, 200, res.text);
      assert.match(res.text, /^\{"waitlist_entry_id":"[^"]+"\}$/);
      assert.equal(res.headers.connection, 'close', 'the response tells the client the connection closes');
      // Bounded wait: with the keep-alive connection left open the process would linger for keepAliveTimeout (72 s).
      const exit = await withTimeout(server.exited, 30_000, 'the server to exit after SIGTERM');
      assert.deepEqual(exit, { code: 0, signal: null }, server.output());
      // At info, requests are summed up (the last summary is written as the server closes).
      const summaries = server.stdout.filter((line) => line.includes('"msg":"requests"'));
      assert.equal(summaries.length, 1, server.output());
      assert.match(summaries[0]!, /"requests":1,/);
      assert.match(summaries[0]!, /"status":\{"2xx":1\}/);
      assert.deepEqual(
        server.stdout.filter((line) => line.includes('"msg":"request"')),
        [],
        'no line per request at info',
      );
    } finally {
      agent.destroy();
    }
  });
});

describe('readiness during shutdown', () => {
  it('SIGTERM turns /readyz to 503 at once while requests are still served for SHUTDOWN_DELAY_SECONDS, then exits 0', { timeout: 150_000 }, async () => {
    const env = serverEnv(tempDir(), { SHUTDOWN_DELAY_SECONDS: '8' });
    const server = await serve(env, ['serve', '--demo']);
    const get = async (path: string) => {
      const response = await fetch(`${server.baseUrl}${path}`, { signal: AbortSignal.timeout(10_000) });
      return { status: response.status, body: (await response.json()) as unknown };
    };
    assert.deepEqual(await get('/healthz'), { status: 200, body: { status: 'ok' } });
    assert.equal((await get('/readyz')).status, 200);
    server.kill('SIGTERM');
    const draining = await eventually(
      async () => {
        const ready = await get('/readyz');
        return ready.status === 503 ? ready : undefined;
      },
      30_000,
      '/readyz to answer 503 after SIGTERM',
      50,
    );
    assert.deepEqual(draining.body, { status: 'not ready', checks: { shutdown: { ok: false, detail: 'shutting down' } } });
    // Still serving while the load balancer takes the replica out.
    assert.equal((await get('/healthz')).status, 200);
    const estimate = await postJson(
      server.baseUrl,
      '/v3/BatchGetWaitEstimates',
      { merchant_id: 'dining-1', service_id: 'reservation', party_size: [2] },
      env.BOOKING_SERVER_CREDENTIALS,
    );
    assert.equal(estimate.status, 200, estimate.text);
    const exit = await withTimeout(server.exited, 60_000, 'the server to exit after the shutdown delay');
    assert.deepEqual(exit, { code: 0, signal: null }, server.output());
  });
});

describe('logs', () => {
  it('are JSON lines, one per request at debug with method, route, status and ms, a summary at info, and hold no secrets or PII', {
    timeout: 150_000,
  }, async () => {
    const password = `pw-${secret()}`;
    const credentials = `google:${password}`;
    const wrongPassword = `wrong-${secret()}`;
    const guest = {
      given_name: `Zephyrine${secret(3)}`,
      family_name: `Quillfeather${secret(3)}`,
      telephone: '+1 646-555-0199',
      email: `guest.${secret(4)}@example.com`,
    };
    // --demo with the operator's credentials set: the generated admin token is printed, the password must not be.
    const env = serverEnv(tempDir(), { BOOKING_SERVER_CREDENTIALS: credentials, ADMIN_TOKEN: undefined, LOG_LEVEL: 'debug' });
    const server = await serve(env, ['serve', '--demo']);
    const adminToken = /Admin API bearer token: (\S+) \(generated/.exec(server.stdout.join('\n'))?.[1];
    assert.ok(adminToken);

    const expected: { method: string; route: string; status: number }[] = [];
    const check = (method: string, route: string, status: number, actual: number, body: string): void => {
      assert.equal(actual, status, `${method} ${route}: ${body}`);
      expected.push({ method, route, status });
    };

    let r = await getWithAuth(`${server.baseUrl}/v3/HealthCheck`, basicAuth(credentials));
    check('GET', '/v3/HealthCheck', 200, r.status, r.text);
    r = await postJson(
      server.baseUrl,
      '/v3/CreateWaitlistEntry',
      {
        merchant_id: 'dining-1',
        service_id: 'reservation',
        party_size: 3,
        idempotency_token: `log-${secret(6)}`,
        user_information: { user_id: `log-user-${secret(4)}`, ...guest },
      },
      credentials,
    );
    check('POST', '/v3/CreateWaitlistEntry', 200, r.status, r.text);
    const entryId = (JSON.parse(r.text) as { waitlist_entry_id: string }).waitlist_entry_id;
    assert.ok(entryId, r.text);
    r = await postJson(
      server.baseUrl,
      '/v3/CreateWaitlistEntry',
      { merchant_id: 'dining-1', service_id: 'reservation', party_size: 3, idempotency_token: 'x', user_information: { user_id: 'y', ...guest } },
      `google:${wrongPassword}`,
    );
    check('POST', '/v3/CreateWaitlistEntry', 401, r.status, r.text);
    r = await postJson(server.baseUrl, '/v3/GetWaitlistEntry', `{"waitlist_entry_id": "${guest.telephone}`, credentials);
    check('POST', '/v3/GetWaitlistEntry', 400, r.status, r.text);
    r = await postJson(server.baseUrl, '/v3/GetWaitlistEntry', { waitlist_entry_id: 'no-such-entry' }, credentials);
    check('POST', '/v3/GetWaitlistEntry', 404, r.status, r.text);
    r = await postJson(server.baseUrl, '/v3/GetWaitlistEntry', { waitlist_entry_id: entryId }, credentials);
    check('POST', '/v3/GetWaitlistEntry', 200, r.status, r.text);
    const walkIn = await fetch(`${server.baseUrl}/admin/v1/merchants/dining-1/services/reservation/walk-ins`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        party_size: 2,
        given_name: `${guest.given_name}W`,
        family_name: guest.family_name,
        telephone: '+1 646-555-0177',
        email: `w${guest.email}`,
      }),
      signal: AbortSignal.timeout(15_000),
    });
    check('POST', '/admin/v1/merchants/:merchantId/services/:serviceId/walk-ins', 201, walkIn.status, await walkIn.text());

    server.kill('SIGTERM');
    const exit = await withTimeout(server.exited, 30_000, 'the server to exit after SIGTERM');
    assert.deepEqual(exit, { code: 0, signal: null }, server.output());

    // stdout: the start-up banner (plain text, for the operator) and JSON log lines; stderr: nothing.
    assert.deepEqual(
      server.stderr.filter((line) => line !== ''),
      [],
    );
    const bannerStart = server.stdout.findIndex((line) => line.startsWith('booking-server listening on '));
    assert.ok(bannerStart >= 0);
    const logs: Record<string, unknown>[] = [];
    let inBanner = false;
    server.stdout.forEach((line, index) => {
      if (index === bannerStart) inBanner = true;
      else if (inBanner && !line.startsWith('  ')) inBanner = false;
      if (inBanner || line === '') return;
      let parsed: unknown;
      assert.doesNotThrow(() => (parsed = JSON.parse(line)), `stdout line ${index} is JSON: ${line}`);
      assert.equal(typeof parsed, 'object');
      logs.push(parsed as Record<string, unknown>);
    });

    // Load balancers' probes (the start-up wait polls /healthz) have their lines too, at debug like the others.
    const requestLogs = logs.filter((l) => l.msg === 'request' && l.route !== '/healthz' && l.route !== '/readyz');
    assert.deepEqual(
      requestLogs.map((l) => ({ method: l.method, route: l.route, status: l.status })),
      expected,
      'one log line per request, in order',
    );
    for (const l of requestLogs) {
      assert.equal(typeof l.ms, 'number');
      assert.ok((l.ms as number) >= 0);
      assert.equal(l.level, 20);
    }
    // And at info, the summary of the same requests (written at the latest as the server closes).
    const summaries = logs.filter((l) => l.msg === 'requests');
    assert.ok(summaries.length >= 1);
    for (const l of summaries) assert.equal(l.level, 30);
    assert.equal(
      summaries.reduce((n, l) => n + (l.requests as number), 0),
      expected.length,
      'the summaries count every request but the probes',
    );

    const output = server.output();
    const forbidden: Record<string, string> = {
      password,
      'wrong password': wrongPassword,
      'Authorization header': basicAuth(credentials).slice('Basic '.length),
      'wrong Authorization header': basicAuth(`google:${wrongPassword}`).slice('Basic '.length),
      'given name': guest.given_name,
      'family name': guest.family_name,
      telephone: guest.telephone,
      'telephone digits': '6465550199',
      'walk-in telephone digits': '6465550177',
      email: guest.email,
    };
    for (const [what, value] of Object.entries(forbidden)) assert.ok(!output.includes(value), `the ${what} does not appear in the output`);
    assert.doesNotMatch(output, /authorization/i, 'no Authorization header is logged');
    const logText = logs.map((l) => JSON.stringify(l)).join('\n');
    assert.ok(!logText.includes(adminToken), 'the admin token is printed once in the banner, never logged');
  });
});
