// Bad input below the router, over real sockets to the real CLI: broken request lines and headers,
// oversized headers, invalid UTF-8, request smuggling shapes, random bytes, slow and stalled
// bodies. The server must answer each with a well-formed 4xx in our JSON error shape (or close the
// connection), never a 5xx, keep serving other clients meanwhile, and stay healthy afterwards.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { basicAuth, removeTempDirs, serverEnv, spawnServer, stopAll, tempDir, withTimeout, type ServerProcess } from '../e2e/support.js';
import { count, counted, recordStatus, runs, summary } from './support.js';
import { errorContractBreach } from '../../src/test-support/error-codes.js';

let server: ServerProcess;
let credentials: string;
let auth: string;
before(async () => {
  const env = serverEnv(tempDir('booking-fuzz-'), { LOG_LEVEL: 'fatal', AUTH_FAILURE_LIMIT: '1000000' });
  credentials = env.BOOKING_SERVER_CREDENTIALS;
  auth = basicAuth(credentials);
  server = await spawnServer(env, ['serve', '--demo']);
});
after(async () => {
  await stopAll([server]);
  removeTempDirs();
});

interface Exchange {
  /** Everything the server sent before closing (or before we gave up waiting). */
  readonly raw: Buffer;
  readonly closed: boolean;
}

/**
 * Writes `chunks` (with `gapMs` between them) on a fresh connection and collects the answer. If the
 * server says nothing for `quietMs` (it may be waiting for the rest of an incomplete request), we
 * half-close and give it another `quietMs` to answer or close.
 */
/** A step between chunks: called (and awaited) when the client reaches it, writing nothing. */
type Step = () => unknown;

function exchange(chunks: readonly (Buffer | string | Step)[], options: { gapMs?: number; quietMs?: number } = {}): Promise<Exchange> {
  const { gapMs = 0, quietMs = 400 } = options;
  return withTimeout(
    new Promise<Exchange>((resolve, reject) => {
      const socket = connect(server.port, '127.0.0.1');
      const received: Buffer[] = [];
      let quiet: NodeJS.Timeout | undefined;
      let ended = false;
      const arm = (): void => {
        clearTimeout(quiet);
        quiet = setTimeout(() => {
          if (!ended) {
            ended = true;
            socket.end();
            arm();
          } else {
            socket.destroy();
            resolve({ raw: Buffer.concat(received), closed: false });
          }
        }, quietMs);
      };
      socket.on('data', (chunk: Buffer) => {
        received.push(chunk);
        arm();
      });
      socket.on('error', (error: NodeJS.ErrnoException) => {
        // A reset after the server answered (it destroys sockets with unread input) still counts as its answer.
        if (error.code === 'ECONNRESET' || error.code === 'EPIPE') return;
        clearTimeout(quiet);
        reject(error);
      });
      socket.on('close', () => {
        clearTimeout(quiet);
        resolve({ raw: Buffer.concat(received), closed: true });
      });
      socket.on('connect', async () => {
        for (const [i, chunk] of chunks.entries()) {
          if (typeof chunk === 'function') {
            await chunk();
            continue;
          }
          if (i > 0 && gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
          if (socket.destroyed) return;
          socket.write(chunk);
        }
        arm();
      });
    }),
    30_000,
    'a raw HTTP exchange',
  );
}

interface Parsed {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Every response in the bytes (pipelining may give several). */
function parseResponses(raw: Buffer): Parsed[] {
  const out: Parsed[] = [];
  let rest = raw.toString('latin1');
  while (rest.length > 0) {
    const head = rest.indexOf('\r\n\r\n');
    assert.ok(head > 0, `not an HTTP response: ${JSON.stringify(rest.slice(0, 200))}`);
    const [statusLine, ...lines] = rest.slice(0, head).split('\r\n');
    const match = /^HTTP\/1\.1 (\d{3}) /.exec(statusLine!);
    assert.ok(match, `bad status line: ${JSON.stringify(statusLine)}`);
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    let bodyEnd: number;
    if (headers['content-length'] !== undefined) bodyEnd = head + 4 + Number(headers['content-length']);
    else if (headers['transfer-encoding'] === 'chunked') bodyEnd = rest.indexOf('0\r\n\r\n', head) + 5;
    else bodyEnd = rest.length;
    const body = Buffer.from(rest.slice(head + 4, bodyEnd), 'latin1').toString('utf8');
    out.push({ status: Number(match[1]), headers, body });
    rest = rest.slice(bodyEnd);
  }
  return out;
}

/** Every answer is well-formed, not a 5xx, and a 4xx carries our JSON error with a documented code (never FST_*) and a message. */
function assertAnswers(exchangeResult: Exchange, what: string): Parsed[] {
  const responses = parseResponses(exchangeResult.raw);
  for (const r of responses) {
    recordStatus(r.status);
    const context = `${what} -> ${r.status} ${r.body.slice(0, 300)}`;
    assert.ok(r.status < 500, `server error: ${context}`);
    if (r.status >= 400) {
      assert.match(r.headers['content-type'] ?? '', /^application\/json/, `error not JSON: ${context}`);
      const body = JSON.parse(r.body) as { error?: { status?: number; message?: string } };
      assert.equal(body.error?.status, r.status, context);
      assert.ok(typeof body.error?.message === 'string' && body.error.message !== '', `error without a message: ${context}`);
      assert.equal(errorContractBreach(r.status, r.body), null, context);
    }
  }
  return responses;
}

async function assertHealthy(what: string): Promise<void> {
  const response = await fetch(`${server.baseUrl}/v3/HealthCheck`, { headers: { authorization: auth }, signal: AbortSignal.timeout(5_000) });
  assert.equal(response.status, 200, `not healthy after ${what}`);
  await response.text();
}

const request = (head: string, body = ''): string => `${head}\r\n\r\n${body}`;

describe('raw HTTP under bad input (a real server over sockets)', () => {
  it('broken request lines, headers and framing get a JSON 4xx or a closed connection', async () => {
    const big = 'x'.repeat(20_000);
    const cases: [string, Buffer | string, number | null][] = [
      ['garbage request line', 'GARBAGE\r\n\r\n', 400],
      ['no path', 'GET\r\n\r\n', 400],
      ['unknown HTTP version', request('GET /v3/HealthCheck HTTP/9.9\r\nHost: x'), null],
      ['control bytes', Buffer.from([0, 1, 2, 3, 13, 10, 13, 10]), 400],
      ['header without colon', request('GET /v3/HealthCheck HTTP/1.1\r\nHost: x\r\nBad Header'), 400],
      ['header name with DEL', request('GET /v3/HealthCheck HTTP/1.1\r\nHost: x\r\nX-A\x7f: b'), 400],
      ['NUL in a header value', request('GET /v3/HealthCheck HTTP/1.1\r\nHost: x\r\nX-A: a\x00b'), 400],
      ['bare CR in a header value', request('GET /v3/HealthCheck HTTP/1.1\r\nHost: x\r\nX-A: a\rb'), 400],
      ['header over 16 KiB', request(`GET /v3/HealthCheck HTTP/1.1\r\nHost: x\r\nX-Big: ${big}`), 431],
      ['URL over 16 KiB', request(`GET /v3/${big} HTTP/1.1\r\nHost: x`), 431],
      ['5,000 headers', request(`GET /v3/HealthCheck HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 5000 }, (_, i) => `X-H${i}: v`).join('\r\n')}`), null],
      [
        'two different Content-Lengths',
        request(`POST /v3/BatchGetWaitEstimates HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\nContent-Length: 2\r\nContent-Length: 5`, '{}'),
        400,
      ],
      [
        'Content-Length and chunked (smuggling shape)',
        request(`POST /v3/BatchGetWaitEstimates HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\nContent-Length: 4\r\nTransfer-Encoding: chunked`, '0\r\n\r\n'),
        400,
      ],
      [
        'broken chunk size',
        request(`POST /v3/BatchGetWaitEstimates HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\nTransfer-Encoding: chunked`, 'zz\r\n{}\r\n0\r\n\r\n'),
        400,
      ],
      ['negative Content-Length', request(`POST /v3/BatchGetWaitEstimates HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\nContent-Length: -5`, '{}'), 400],
      [
        'Content-Length over the body limit',
        request(`POST /v3/BatchGetWaitEstimates HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\nContent-Length: 100000000000`, '{}'),
        413,
      ],
      ['absolute-form URL', request(`GET http://evil.example/v3/HealthCheck HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\nConnection: close`), null],
      [
        'raw non-ASCII bytes in the path',
        Buffer.concat([
          Buffer.from('GET /v3/Health'),
          Buffer.from([0xff, 0xfe, 0xc3]),
          Buffer.from(`Check HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\nConnection: close\r\n\r\n`),
        ]),
        null,
      ],
      ['percent-encoded invalid UTF-8 in the path', request(`GET /v3/%ED%A0%80%FF HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\nConnection: close`), 400],
      ['NUL in the path', request(`GET /v3/Health%00Check HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\nConnection: close`), 404],
      [
        'invalid UTF-8 inside a JSON body',
        Buffer.concat([
          Buffer.from(
            `POST /v3/BatchGetWaitEstimates HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: 42\r\n\r\n`,
          ),
          Buffer.from('{"merchant_id":"'),
          Buffer.from([0xff, 0xed, 0xa0, 0x80, 0xc0, 0xaf]),
          Buffer.from('","service_id":"x1"}'),
        ]),
        400,
      ],
      [
        'Expect: 100-continue without a body',
        request(`POST /v3/BatchGetWaitEstimates HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\nExpect: 100-continue\r\nContent-Length: 2`),
        null,
      ],
      ['unknown method', request(`BREW /v3/HealthCheck HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\nConnection: close`), 400],
      ['HTTP/1.1 without Host', request(`GET /v3/HealthCheck HTTP/1.1\r\nAuthorization: ${auth}\r\nConnection: close`), 400],
      ['HTTP/1.0 without Host', request(`GET /v3/HealthCheck HTTP/1.0\r\nAuthorization: ${auth}`), 200],
    ];
    for (const [what, bytes, expected] of cases) {
      count('raw framing');
      const result = await exchange([bytes]);
      const responses = assertAnswers(result, what);
      if (expected !== null) {
        assert.ok(responses.length > 0, `${what}: no answer (closed: ${result.closed})`);
        assert.equal(responses[0]!.status, expected, `${what}: ${responses[0]!.status} ${responses[0]!.body}`);
      }
    }
    await assertHealthy('the broken requests');
  });

  it('random bytes and randomly damaged requests', async () => {
    const valid = `POST /v3/BatchGetWaitEstimates HTTP/1.1\r\nHost: x\r\nAuthorization: ${'AUTH'}\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: 57\r\n\r\n{"merchant_id":"dining-1","service_id":"reservation","x":1}`;
    const damaged = fc.array(fc.tuple(fc.nat(), fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 255 }))), { minLength: 1, maxLength: 6 }).map((edits) => {
      const bytes = [...Buffer.from(valid.replace('AUTH', auth))];
      for (const [at, value] of edits) {
        const i = at % bytes.length;
        if (value === null) bytes.splice(i, 1);
        else bytes[i] = value;
      }
      return Buffer.from(bytes);
    });
    const garbage = fc.uint8Array({ minLength: 1, maxLength: 300 }).map((a) => Buffer.concat([Buffer.from(a), Buffer.from('\r\n\r\n')]));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof({ weight: 3, arbitrary: damaged }, { weight: 1, arbitrary: garbage }),
        counted('raw random', async (bytes) => {
          assertAnswers(await exchange([bytes], { quietMs: 250 }), `bytes ${JSON.stringify(bytes.toString('latin1').slice(0, 200))}`);
        }),
      ),
      { numRuns: runs(120) },
    );
    await assertHealthy('random bytes');
  });

  it('a slow body is answered once complete, and other clients are served meanwhile', async () => {
    count('raw slow body');
    const body = JSON.stringify({ merchant_id: 'dining-1', service_id: 'reservation', party_size: [2] });
    const head = `POST /v3/BatchGetWaitEstimates HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
    // The slow client sends the head and part of the body, then stops until another client has been
    // answered: if the server waited for the slow body first, that answer would never come (a timeout).
    let midBody!: () => void;
    const reachedMidBody = new Promise<void>((resolve) => (midBody = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const half = Math.floor(body.length / 2);
    const slow = exchange([head, ...body.slice(0, half).split(''), midBody, () => released, ...body.slice(half).split('')], { gapMs: 25, quietMs: 2_000 });
    await reachedMidBody;
    await assertHealthy('a slow body half sent');
    release();
    const [response] = assertAnswers(await slow, 'slow body');
    assert.equal(response?.status, 200, response?.body);
    assert.match(response!.body, /"waitlist_status"/);
  });

  it('a stalled body (the client stops sending) holds up nobody else', async () => {
    count('raw stalled body');
    const head = `POST /v3/CreateBooking HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"slot":`;
    const stalled = exchange([head], { quietMs: 1_500 });
    for (let i = 0; i < 5; i++) await assertHealthy('a stalled body');
    const result = await stalled;
    assertAnswers(result, 'stalled body');
    await assertHealthy('the stalled client went away');
  });

  it('pipelined requests are answered in order; a body that does not parse ends the connection', async () => {
    count('raw pipelining', 2);
    const health = `GET /v3/HealthCheck HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\n\r\n`;
    const unknown = `POST /v3/GetWaitlistEntry HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\nContent-Length: 28\r\n\r\n{"waitlist_entry_id":"nope"}`;
    const last = `GET /v3/HealthCheck HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\nConnection: close\r\n\r\n`;
    const responses = assertAnswers(await exchange([health + unknown + last]), 'pipelined requests');
    assert.deepEqual(
      responses.map((r) => r.status),
      [200, 404, 200],
    );
    // The client may still be sending the rest of a body that did not parse: Fastify answers and closes.
    const broken = `POST /v3/GetWaitlistEntry HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\nContent-Length: 1\r\n\r\n{`;
    const afterBroken = assertAnswers(await exchange([health + broken + last]), 'pipelined requests with a broken body');
    assert.deepEqual(
      afterBroken.map((r) => r.status),
      [200, 400],
    );
  });

  it('summary', (t) => {
    t.diagnostic(summary('raw-http'));
  });
});
