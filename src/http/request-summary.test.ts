// Request logging: one line per request at debug only, and at info one summary line per interval
// (counts by status class and route, latency percentiles); never a guest's data, at any level.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from '../logger.js';
import type { LogLevel } from '../config.js';
import { seedMerchant, startApp } from '../test-support/app.js';
import { RequestSummary } from './request-summary.js';

describe('RequestSummary', () => {
  test('counts by status class and route, and nothing when nothing happened', () => {
    const s = new RequestSummary();
    assert.equal(s.take(60), null);
    s.record('/v3/GetWaitlistEntry', 200, 1);
    s.record('/v3/GetWaitlistEntry', 200, 2);
    s.record('/v3/CreateWaitlistEntry', 400, 3);
    s.record('unmatched', 404, 0.2);
    s.record('/v3/CreateBooking', 503, 40);
    s.record('/admin/v1/merchants', 304, 0.01);
    const line = s.take(60)!;
    assert.equal(line.seconds, 60);
    assert.equal(line.requests, 6);
    assert.deepEqual(line.status, { '2xx': 2, '4xx': 2, '5xx': 1, '3xx': 1 });
    assert.deepEqual(line.routes, { '/admin/v1/merchants': 1, '/v3/CreateBooking': 1, '/v3/CreateWaitlistEntry': 1, '/v3/GetWaitlistEntry': 2, unmatched: 1 });
    assert.equal(line.ms.max, 40);
    assert.equal(s.take(60), null, 'take starts a fresh interval');
    s.record('/v3/GetWaitlistEntry', 200, 5);
    assert.equal(s.take(1)!.requests, 1);
  });

  test('percentiles are within 5% of the exact ones (and never above the maximum)', () => {
    // A fixed, reproducible spread: 0.05 ms to about 2 s.
    let x = 12345;
    const values: number[] = [];
    const s = new RequestSummary();
    for (let i = 0; i < 10_000; i++) {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      const ms = 0.05 * Math.exp((x / 2 ** 31) * Math.log(40_000));
      values.push(ms);
      s.record('/v3/BatchGetWaitEstimates', 200, ms);
    }
    values.sort((a, b) => a - b);
    const exact = (p: number): number => values[Math.ceil(p * values.length) - 1]!;
    const line = s.take(60)!;
    for (const [p, got] of [
      [0.5, line.ms.p50],
      [0.9, line.ms.p90],
      [0.99, line.ms.p99],
    ] as const) {
      assert.ok(got >= exact(p) * 0.999 - 0.01 && got <= exact(p) * 1.05 + 0.01, `p${p * 100}: ${got} vs exact ${exact(p)}`);
    }
    assert.equal(line.ms.max, Math.round(values.at(-1)! * 100) / 100);
    assert.ok(line.ms.p50 <= line.ms.p90 && line.ms.p90 <= line.ms.p99 && line.ms.p99 <= line.ms.max);
  });

  test('one slow request among fast ones: p50 fast, max exact', () => {
    const s = new RequestSummary();
    for (let i = 0; i < 99; i++) s.record('/v3/GetWaitlistEntry', 200, 1);
    s.record('/v3/GetWaitlistEntry', 200, 1234.5);
    const line = s.take(10)!;
    assert.ok(line.ms.p50 >= 1 && line.ms.p50 <= 1.05, String(line.ms.p50));
    assert.ok(line.ms.p99 >= 1 && line.ms.p99 <= 1.05, String(line.ms.p99));
    assert.equal(line.ms.max, 1234.5);
  });
});

describe('request logs of the app', () => {
  const guest = { given_name: 'Zephyrine', family_name: 'Quillfeather', telephone: '+1 646-555-0199', email: 'zephyrine.q@example.com' };

  async function run(level: LogLevel): Promise<Record<string, unknown>[]> {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(
          ...String(chunk)
            .split('\n')
            .filter((l) => l !== ''),
        );
        done();
      },
    });
    const t = await startApp({ logger: createLogger(level, sink), env: { LOG_SUMMARY_SECONDS: '3600' } });
    try {
      await seedMerchant(t.services, { id: 'logged' });
      for (let i = 0; i < 3; i++) {
        const res = await t.google('CreateWaitlistEntry', {
          merchant_id: 'logged',
          service_id: 'waitlist',
          party_size: 2,
          idempotency_token: `logged-${i}`,
          user_information: { user_id: `logged-user-${i}`, ...guest, email: `${i}.${guest.email}` },
          additional_request: 'by the window please',
        });
        assert.equal(res.statusCode, 200, res.body);
      }
      assert.equal((await t.google('GetWaitlistEntry', {})).statusCode, 400);
      assert.equal((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
      assert.equal((await t.app.inject({ method: 'GET', url: `/no/such/${guest.email}` })).statusCode, 404);
    } finally {
      await t.close();
    }
    const text = lines.join('\n');
    for (const value of [guest.given_name, guest.family_name, guest.telephone, '6465550199', guest.email, 'by the window']) {
      assert.ok(!text.includes(value), `"${value}" does not appear in the logs at ${level}`);
    }
    return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  test('at info: no line per request, one summary line when the interval ends (here: at close)', async () => {
    const logs = await run('info');
    assert.deepEqual(
      logs.filter((l) => l.msg === 'request'),
      [],
    );
    const summaries = logs.filter((l) => l.msg === 'requests');
    assert.equal(summaries.length, 1, JSON.stringify(logs));
    const s = summaries[0]!;
    assert.equal(s.level, 30);
    assert.equal(s.requests, 5, 'health probes are left out');
    assert.deepEqual(s.status, { '2xx': 3, '4xx': 2 });
    assert.deepEqual(s.routes, { '/v3/CreateWaitlistEntry': 3, '/v3/GetWaitlistEntry': 1, unmatched: 1 });
    const ms = s.ms as Record<string, number>;
    assert.ok(ms.p50! <= ms.p90! && ms.p90! <= ms.p99! && ms.p99! <= ms.max!, JSON.stringify(ms));
  });

  test('at debug: one line per request (method, route pattern, status, ms) and the summary', async () => {
    const logs = await run('debug');
    const requests = logs.filter((l) => l.msg === 'request');
    assert.deepEqual(
      requests.map((l) => [l.level, l.method, l.route, l.status]),
      [
        [20, 'POST', '/v3/CreateWaitlistEntry', 200],
        [20, 'POST', '/v3/CreateWaitlistEntry', 200],
        [20, 'POST', '/v3/CreateWaitlistEntry', 200],
        [20, 'POST', '/v3/GetWaitlistEntry', 400],
        [20, 'GET', '/healthz', 200],
        [20, 'GET', 'unmatched', 404],
      ],
    );
    for (const l of requests) assert.equal(typeof l.ms, 'number');
    assert.equal(logs.filter((l) => l.msg === 'requests').length, 1);
  });
});
