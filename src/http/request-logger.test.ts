// Each request's logger is made lazily (request-logger.ts): the lines it writes are the pino child's
// that Fastify would have made, and a request that logs nothing at an enabled level makes no child.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import type { FastifyBaseLogger } from 'fastify';
import { createLogger } from '../logger.js';
import { seedMerchant, startApp } from '../test-support/app.js';
import { LazyRequestLogger, lazyChildLogger } from './request-logger.js';

function sink(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const out: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      out.push(
        ...String(chunk)
          .split('\n')
          .filter((l) => l !== ''),
      );
      done();
    },
  });
  // The time differs between two loggers: everything else must be the same.
  return { stream, lines: () => out.map((l) => ({ ...(JSON.parse(l) as Record<string, unknown>), time: 0 })) };
}

test('the lines are those of the pino child Fastify makes, redaction included', () => {
  const lazy = sink();
  const eager = sink();
  const calls = (log: FastifyBaseLogger) => {
    log.debug({ ignored: true }, 'left out at info');
    log.info({ route: '/v3/GetWaitlistEntry', user_information: { email: 'a@example.com' } }, 'with %s', 'format');
    log.warn({ err: new Error('boom') }, 'warned');
    log.error('plain message');
    log.child({ part: 'x' }).info({ guest: { phone: '+1 212 555 0100' } }, 'from a grandchild');
  };
  calls(lazyChildLogger(createLogger('info', lazy.stream), { reqId: 'req-7' }, {}));
  calls(createLogger('info', eager.stream).child({ reqId: 'req-7' }, {}));
  const got = lazy.lines();
  assert.equal(got.length, 4);
  for (const line of got) assert.equal(line.reqId, 'req-7');
  assert.deepEqual(
    got.map((l) => ({ ...l, err: l.err === undefined ? undefined : { ...(l.err as object), stack: '' } })),
    eager.lines().map((l) => ({ ...l, err: l.err === undefined ? undefined : { ...(l.err as object), stack: '' } })),
  );
  assert.ok(!JSON.stringify(got).includes('a@example.com') && !JSON.stringify(got).includes('555'), 'redacted');
});

test('no child is made for calls at levels the logger leaves out; level is the parent’s until then', () => {
  const before = LazyRequestLogger.made;
  const log = lazyChildLogger(createLogger('warn', sink().stream), { reqId: 'req-1' }, {});
  log.info('no');
  log.debug({ a: 1 }, 'no');
  log.trace('no');
  assert.equal(log.level, 'warn');
  assert.equal(LazyRequestLogger.made, before);
  log.warn('yes');
  assert.equal(LazyRequestLogger.made, before + 1);
  log.error('again');
  assert.equal(LazyRequestLogger.made, before + 1, 'one child per request');
});

test('a route with a log level of its own gets its child at once', () => {
  const log = lazyChildLogger(createLogger('warn', sink().stream), { reqId: 'req-2' }, { level: 'debug' });
  assert.ok(!(log instanceof LazyRequestLogger));
  assert.equal(log.level, 'debug');
});

test('the app: Google reads at the default level make no child logger; at debug each request line carries its request id', async () => {
  const quiet = await startApp({ logger: createLogger('info', sink().stream) });
  try {
    await seedMerchant(quiet.services, { id: 'lazy-log' });
    const before = LazyRequestLogger.made;
    for (let i = 0; i < 5; i++) {
      const res = await quiet.google('BatchGetWaitEstimates', { merchant_id: 'lazy-log', service_id: 'waitlist', party_size: [2] });
      assert.equal(res.statusCode, 200, res.body);
    }
    assert.equal((await quiet.google('GetWaitlistEntry', { waitlist_entry_id: 'nope' })).statusCode, 404);
    assert.equal(LazyRequestLogger.made, before);
  } finally {
    await quiet.close();
  }
  const out = sink();
  const verbose = await startApp({ logger: createLogger('debug', out.stream) });
  try {
    await seedMerchant(verbose.services, { id: 'lazy-log' });
    for (let i = 0; i < 2; i++) await verbose.google('BatchGetWaitEstimates', { merchant_id: 'lazy-log', service_id: 'waitlist', party_size: [2] });
  } finally {
    await verbose.close();
  }
  const requests = out.lines().filter((l) => l.msg === 'request');
  assert.equal(requests.length, 2);
  assert.deepEqual(
    requests.map((l) => typeof l.reqId),
    ['string', 'string'],
  );
  assert.notEqual(requests[0]!.reqId, requests[1]!.reqId);
});
