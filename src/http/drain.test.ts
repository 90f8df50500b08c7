// Draining: once the server has begun to close, a request that still reaches it (here pipelined
// behind one in flight on the same connection) gets 503 in our error shape ({"error": {status,
// code: "UNAVAILABLE", message}}) with Retry-After and Connection: close, not Fastify's own body.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { basic, heldDurability, NEW_PAIR, seedMerchant, startApp } from '../test-support/app.js';
import { until } from '../test-support/poll.js';

/** Everything the server writes on the socket until it closes it, or `deadlineMs` passes. */
function readAll(socket: Socket, deadlineMs: number): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(text);
    }, deadlineMs);
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(text);
    });
    socket.on('error', () => undefined);
  });
}

test('a request that arrives while the server drains gets our 503 body with Retry-After and Connection: close', async () => {
  const t = await startApp();
  let closed = false;
  try {
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const address = t.app.server.address();
    assert.ok(address && typeof address === 'object');
    const socket = connect(address.port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const received = readAll(socket, 30_000);
    // A sign-in whose body has not all arrived: in flight, so closing waits for it.
    const body = JSON.stringify({ token: 'not-a-valid-token' });
    socket.write(
      `POST /admin/v1/session HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 5)}`,
    );
    let requestSeen = false;
    t.app.server.once('request', () => {
      requestSeen = true;
    });
    await until(() => requestSeen, 'the first request to reach the server', 30_000);
    const closing = t.app.close().then(() => {
      closed = true;
    });
    await until(() => !t.app.server.listening, 'the server to stop listening', 30_000);
    // The rest of the first request, and a second one pipelined behind it.
    socket.write(`${body.slice(5)}GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    const text = await received;
    await closing;
    const responses = text.split(/(?=HTTP\/1\.1 )/);
    assert.equal(responses.length, 2, text);
    assert.match(responses[0]!, /^HTTP\/1\.1 401 /, 'the request in flight is answered as usual');
    const [head, json] = responses[1]!.split('\r\n\r\n') as [string, string];
    assert.match(head, /^HTTP\/1\.1 503 /);
    assert.match(head, /\r\nretry-after: 1\r\n/i);
    assert.match(head, /\r\nconnection: close\r\n/i);
    assert.match(head, /\r\ncontent-type: application\/json/i);
    assert.deepEqual(JSON.parse(json), {
      error: { status: 503, code: 'UNAVAILABLE', message: 'the server is shutting down; retry the request (another replica answers it)' },
    });
  } finally {
    if (!closed) await t.app.close().catch(() => undefined);
    await t.close().catch(() => undefined);
  }
});

test('a join on the direct path still committing when the server begins to close is answered, with Connection: close', async () => {
  // The fsync of each group commit held while `holding`: the join stays in flight.
  const fsyncs = heldDurability();
  const t = await startApp({ durability: fsyncs.durability });
  let closed = false;
  try {
    await seedMerchant(t.services, { id: 'closing' });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const address = t.app.server.address();
    assert.ok(address && typeof address === 'object');
    const authorization = basic(NEW_PAIR.user, NEW_PAIR.password);
    const joinRequest = (n: number): string => {
      const body = JSON.stringify({
        merchant_id: 'closing',
        service_id: 'waitlist',
        party_size: 2,
        idempotency_token: `closing-${n}`,
        user_information: { user_id: `closing-${n}`, given_name: 'Ada' },
      });
      return `POST ${t.config.pathPrefix}/v3/CreateWaitlistEntry HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAuthorization: ${authorization}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    };
    // The first request with the header goes through Fastify, which verifies it.
    const first = await fetch(`http://127.0.0.1:${address.port}${t.config.pathPrefix}/v3/HealthCheck`, { headers: { authorization } });
    assert.equal(first.status, 200);
    const socket = connect(address.port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const received = readAll(socket, 20_000);
    const taken = t.app.fastReads!.taken;
    fsyncs.holding = true;
    socket.write(joinRequest(1));
    await until(() => fsyncs.held === 1, 'the join to commit and wait for its fsync', 30_000);
    assert.equal(t.app.fastReads!.taken - taken, 1, 'the join is on the direct path');
    const closing = t.app.close().then(() => {
      closed = true;
    });
    await until(() => !t.app.server.listening, 'the server to stop listening', 30_000);
    fsyncs.releaseAll();
    // Without Connection: close the kept-alive connection would hold the close for keepAliveTimeout.
    const text = await received;
    await closing;
    const [head, json] = text.split('\r\n\r\n') as [string, string];
    assert.match(head, /^HTTP\/1\.1 200 /, text);
    assert.match(head, /\r\nconnection: close\r\n/i, text);
    assert.ok(typeof JSON.parse(json).waitlist_entry_id === 'string', json);
  } finally {
    if (!closed) await t.app.close().catch(() => undefined);
    await t.close().catch(() => undefined);
  }
});

test('an HTTP/1.1 request without Host gets our 400 body; HTTP/1.0 without it is answered', async () => {
  const t = await startApp();
  try {
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const address = t.app.server.address();
    assert.ok(address && typeof address === 'object');
    const send = async (request: string): Promise<string> => {
      const socket = connect(address.port, '127.0.0.1');
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      const received = readAll(socket, 30_000);
      socket.write(request);
      return received;
    };
    const text = await send('GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n');
    const [head, json] = text.split('\r\n\r\n') as [string, string];
    assert.match(head, /^HTTP\/1\.1 400 /, text);
    assert.deepEqual(JSON.parse(json), { error: { status: 400, code: 'INVALID_ARGUMENT', message: 'an HTTP/1.1 request needs a Host header' } });
    assert.match(await send('GET /healthz HTTP/1.0\r\n\r\n'), /^HTTP\/1\.1 200 /);
  } finally {
    await t.app.close().catch(() => undefined);
    await t.close().catch(() => undefined);
  }
});
