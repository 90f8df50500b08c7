// Bad-input suite support: hostile values (fast-check arbitraries), the checks every response must
// pass (no 5xx, JSON error bodies with a message, an answer within a timeout), a fixture app with
// inventory the inputs can reach, the routes the app really serves, and per-property input counts.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { ALL_DAY, startApp, type Dialect, type TestApp } from '../../src/test-support/app.js';
import { errorContractBreach } from '../../src/test-support/error-codes.js';

/** FUZZ_SCALE=10 runs ten times as many inputs per property (default 1: the whole suite stays near a minute). */
export const SCALE = Math.max(0.1, Number(process.env.FUZZ_SCALE ?? '1') || 1);
export const runs = (n: number): number => Math.max(5, Math.round(n * SCALE));

/** Every request must be answered within this, or the property fails ("no hang"). */
export const ANSWER_WITHIN_MS = 10_000;

// ---------------------------------------------------------------------------------------------
// Hostile values

/** encodeURIComponent, except that it does not throw on lone surrogates (they become U+FFFD). */
export function encode(value: string): string {
  return encodeURIComponent(value.replace(/[\uD800-\uDFFF]/gu, '\uFFFD'));
}

/** Strings that have broken other systems: SQL, quoting, NUL, bidi, emoji sequences, lone surrogates. */
export const NASTY_STRINGS: readonly string[] = [
  "'; DROP TABLE bookings; --",
  "Robert'); DROP TABLE waitlist_entries;--",
  '" OR 1=1 --',
  "' OR '1'='1",
  '\\" OR 1=1',
  'a\u0000b',
  '\u0000',
  '%00',
  '😀👨‍👩‍👧‍👦🏳️‍🌈',
  '\u202Egnp.exe',
  '\u200F\u200Eשלום مرحبا',
  '\uFEFFbom',
  'Z\u0351\u0352\u0353\u0354a\u0300\u0301lgo',
  '\uD800',
  'x\uDFFFy',
  '\uD83D',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a Log4Shell probe; the literal text is the point
  '${jndi:ldap://x/a}',
  '<script>alert(1)</script>',
  '../../../../etc/passwd',
  'null',
  'undefined',
  '__proto__',
  'constructor',
  '1e309',
  '-0',
  '\\',
  '"',
  '   ',
  '\t\r\n',
  '𝕳𝖊𝖑𝖑𝖔',
  'ﷺ',
];

/** Any UTF-16 code unit, lone surrogates included. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n));

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: codeUnit, maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ minLength: 300, maxLength: 3000 }) },
);

const hostileNumber = fc.oneof(
  fc.constantFrom(0, -1, 1, 0.5, -0.5, 2 ** 31, -(2 ** 31), 2 ** 53 + 2, -(2 ** 53) - 2, 1e21, 1e308, -1e308, Number.MAX_SAFE_INTEGER, 5e-324),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** Numbers in the forms the int64 fields accept, plus forms they must refuse. */
const hostileNumeric = fc.oneof(hostileNumber, hostileNumber.map(String), fc.constantFrom('0x10', '1e3', '  7 ', '', '-', '9'.repeat(40), 'NaN', 'Infinity'));

/** A value of the wrong type, or of the right type with a hostile value. */
export const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, [], {}),
  hostileString,
  hostileNumeric,
  fc.array(fc.oneof(hostileString, hostileNumber), { maxLength: 5 }),
  fc.dictionary(hostileString, fc.oneof(hostileString, hostileNumber), { maxKeys: 4 }),
  fc.jsonValue({ maxDepth: 3 }),
);

/** JSON text nested `depth` levels deep, in one of a few shapes (arrays, objects, a poisoned key at the bottom). */
export function deepJson(depth: number, shape: 'array' | 'object' | 'proto'): string {
  if (shape === 'array') return `${'['.repeat(depth)}1${']'.repeat(depth)}`;
  const leaf = shape === 'proto' ? '{"__proto__":{"x":1}}' : '1';
  return `${'{"a":'.repeat(depth)}${leaf}${'}'.repeat(depth)}`;
}

/** Request bodies that are not the JSON a route expects: broken, truncated, deeply nested, wrong top-level type. */
export const hostileBodyText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    'null',
    'true',
    '0',
    '"text"',
    '[]',
    '{',
    '{"a":',
    '{"a":1,}',
    "{'a':1}",
    '{"a":1}{"b":2}',
    '\u0000',
    'NaN',
    '{"__proto__":{"polluted":1}}',
    '{"constructor":{"prototype":{"x":1}}}',
  ),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.jsonValue({ maxDepth: 6 }).map((v) => JSON.stringify(v) ?? 'null'),
  fc
    .tuple(fc.integer({ min: 10, max: 50_000 }), fc.constantFrom('array' as const, 'object' as const, 'proto' as const))
    .map(([depth, shape]) => deepJson(depth, shape)),
  fc.integer({ min: 1_000, max: 200_000 }).map((n) => JSON.stringify({ merchant_id: 'x'.repeat(n) })),
  fc.integer({ min: 100, max: 20_000 }).map((n) => JSON.stringify({ party_size: Array.from({ length: n }, (_, i) => i) })),
);

// ---------------------------------------------------------------------------------------------
// Mutating a valid request

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = readonly (string | number)[];

function leafPaths(value: unknown, prefix: Path = []): Path[] {
  if (value !== null && typeof value === 'object') {
    const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
    const inner = entries.flatMap(([k, v]) => leafPaths(v, [...prefix, k]));
    return prefix.length === 0 ? inner : [prefix, ...inner];
  }
  return [prefix];
}

function setPath(root: Json, path: Path, value: unknown | typeof DELETE): void {
  let node = root as Record<string | number, Json>;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (next === null || typeof next !== 'object') return;
    node = next as Record<string | number, Json>;
  }
  const last = path[path.length - 1]!;
  if (value === DELETE) {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else {
    node[last] = value as Json;
  }
}

const DELETE = Symbol('delete');

/**
 * A valid body with a few of its fields (at any depth) replaced by wrong or hostile values,
 * removed, or joined by unknown fields; sometimes the body as it is.
 */
export function mutated(template: object): fc.Arbitrary<unknown> {
  const paths = leafPaths(template);
  const edit = fc.tuple(fc.constantFrom(...paths), fc.oneof({ weight: 4, arbitrary: wrongValue }, { weight: 1, arbitrary: fc.constant(DELETE) }));
  return fc
    .record({
      edits: fc.array(edit, { minLength: 0, maxLength: 4 }),
      extra: fc.option(fc.dictionary(hostileString, wrongValue, { maxKeys: 3 }), { nil: undefined }),
    })
    .map(({ edits, extra }) => {
      const body = structuredClone(template) as Json;
      // Copies: fast-check hands out the same constant ([] or {}) again, and later edits write into it.
      for (const [path, value] of edits) setPath(body, path, value === DELETE ? value : structuredClone(value));
      if (extra !== undefined && body !== null && typeof body === 'object' && !Array.isArray(body)) Object.assign(body, structuredClone(extra));
      return body;
    });
}

/** A body for a route: mostly mutations of its valid template, some plain hostile text. */
export function bodyFor(template: object | undefined): fc.Arbitrary<string> {
  const structured =
    template === undefined ? fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'null') : mutated(template).map((v) => JSON.stringify(v) ?? 'null');
  return fc.oneof({ weight: 4, arbitrary: structured }, { weight: 1, arbitrary: hostileBodyText });
}

const WRONG_CONTENT_TYPES = [
  'application/json; charset=latin1',
  'text/plain',
  'application/x-www-form-urlencoded',
  'application/octet-stream',
  'multipart/form-data; boundary=x',
  'application/xml',
  '*/*',
  'application/json, text/plain',
  '',
];

/** Content types a client might send: mostly JSON (so bodies reach the handlers), also wrong ones ('' sends none). */
export const contentType = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8') },
  { weight: 2, arbitrary: fc.constantFrom(...WRONG_CONTENT_TYPES) },
);

// ---------------------------------------------------------------------------------------------
// Checks

/** The request, as fast-check prints it when a property fails. */
export function describeRequest(options: InjectOptions): string {
  const payload = typeof options.payload === 'string' ? options.payload : JSON.stringify(options.payload);
  return `${options.method} ${options.url}${payload !== undefined ? ` body(${payload.length}): ${payload.slice(0, 300)}` : ''}`;
}

/** inject() with a deadline: a request that is never answered fails the property instead of the suite. */
export async function send(app: TestApp['app'], options: InjectOptions): Promise<LightMyRequestResponse> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ANSWER_WITHIN_MS} ms: ${describeRequest(options)}`)), ANSWER_WITHIN_MS);
  });
  try {
    return await Promise.race([STREAM_PATH.test(String(options.url)) ? injectStream(app, options) : app.inject(options), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Routes whose success is an endless stream (the host stand's server-sent events). */
const STREAM_PATH = /^\/admin\/v1\/merchants\/[^/?]*\/events(\?|$)/i;

/**
 * A request to a stream route: an answer that opens the stream (200, text/event-stream) counts as
 * answered once its head arrives, and is then closed; any other answer is read to its end.
 */
async function injectStream(app: TestApp['app'], options: InjectOptions): Promise<LightMyRequestResponse> {
  const abort = new AbortController();
  const response = (await app.inject({ ...options, payloadAsStream: true, signal: abort.signal } as InjectOptions)) as LightMyRequestResponse & {
    stream(): NodeJS.ReadableStream;
  };
  const stream = response.stream();
  stream.on('error', () => {});
  let body = '';
  if (response.statusCode === 200 && /^text\/event-stream/.test(String(response.headers['content-type']))) {
    abort.abort();
  } else {
    for await (const chunk of stream) body += String(chunk);
  }
  return Object.assign(Object.create(response) as LightMyRequestResponse, { body, payload: body, json: () => JSON.parse(body) as unknown });
}

/**
 * What every answer must look like: never 5xx; a 4xx carries `{"error":{"status","code","message"}}`
 * with a message and a documented code (never Fastify's FST_*); a 2xx with a body is JSON.
 */
export function assertSane(response: LightMyRequestResponse, what: string): void {
  recordStatus(response.statusCode);
  const context = `${what}\n  -> ${response.statusCode} ${response.body.slice(0, 500)}`;
  assert.ok(response.statusCode < 500, `server error: ${context}`);
  if (response.statusCode >= 400) {
    let body: { error?: { status?: unknown; code?: unknown; message?: unknown } };
    try {
      body = JSON.parse(response.body) as typeof body;
    } catch {
      assert.fail(`a ${response.statusCode} without a JSON body: ${context}`);
    }
    assert.equal(body.error?.status, response.statusCode, `error.status differs from the HTTP status: ${context}`);
    assert.ok(typeof body.error?.code === 'string' && body.error.code !== '', `error without a code: ${context}`);
    assert.ok(typeof body.error?.message === 'string' && body.error.message.trim() !== '', `error without a message: ${context}`);
    assert.match(String(response.headers['content-type']), /^application\/json/, `error not served as JSON: ${context}`);
    assert.equal(errorContractBreach(response.statusCode, response.body), null, `error code outside the documented ones: ${context}`);
  } else if (response.body !== '') {
    assert.doesNotThrow(() => JSON.parse(response.body), `a ${response.statusCode} whose body is not JSON: ${context}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Counting inputs

const counts = new Map<string, number>();
/** Statuses seen, to show that inputs reach the handlers (2xx, business 4xx) and not only the parsers. */
const statuses = new Map<number, number>();

/** Wraps a property body so that every input it sees is counted under `name`. */
export function counted<A extends unknown[]>(name: string, predicate: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    counts.set(name, (counts.get(name) ?? 0) + 1);
    await predicate(...args);
  };
}

/** Tallies a status for the summary line (assertSane does it for inject() responses). */
export function recordStatus(status: number): void {
  statuses.set(status, (statuses.get(status) ?? 0) + 1);
}

/** Also count inputs tried outside fast-check (fixed lists). */
export function count(name: string, n = 1): void {
  counts.set(name, (counts.get(name) ?? 0) + n);
}

/** One line: how many inputs each property tried, and the total. */
export function summary(file: string): string {
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const parts = [...counts.entries()].map(([name, n]) => `${name} ${n}`);
  const seen = [...statuses.entries()].sort((a, b) => a[0] - b[0]).map(([status, n]) => `${status}: ${n}`);
  return `fuzz ${file}: ${total} inputs tried (${parts.join(', ')}); statuses ${seen.join(', ')}`;
}

// ---------------------------------------------------------------------------------------------
// The fixture: inventory that valid-looking inputs reach, so they get past "unknown merchant"

export const WL = { merchantId: 'fz-wl', serviceId: 'waitlist' } as const;
export const BK = { merchantId: 'fz-book', serviceId: 'table' } as const;

export interface Fixture {
  readonly t: TestApp;
  /** A slot of the booking service, in the future of the test clock. */
  readonly slotStart: number;
  readonly entryId: string;
  readonly bookingId: string;
  readonly userId: string;
  readonly tokenId: string;
  /** Bearer secret of an admin token scoped to the waitlist merchant only. */
  readonly scopedToken: string;
}

export async function startFixture(env: Record<string, string> = {}, dialect: Dialect = 'sqlite'): Promise<Fixture> {
  // A high failure limit: unauthenticated inputs must not lock the authenticated ones out (429).
  const t = await startApp({ env: { AUTH_FAILURE_LIMIT: '1000000', ...env }, dialect });
  const created = [
    await t.admin('POST', '/merchants', { id: WL.merchantId, name: 'Fuzz waitlist', time_zone: 'America/New_York', opening_hours: ALL_DAY }),
    await t.admin('POST', `/merchants/${WL.merchantId}/services`, {
      id: WL.serviceId,
      name: 'Waitlist',
      waitlist: { max_party_size: 10, max_queue_length: null },
    }),
    await t.admin('PUT', `/merchants/${WL.merchantId}/tables`, {
      tables: [
        { id: 't2', seats: 2 },
        { id: 't4', seats: 4 },
        { id: 't10', seats: 10, min_seats: 5 },
      ],
    }),
    await t.admin('POST', '/merchants', { id: BK.merchantId, name: 'Fuzz bookings', time_zone: 'America/New_York', opening_hours: ALL_DAY }),
    await t.admin('POST', `/merchants/${BK.merchantId}/services`, {
      id: BK.serviceId,
      name: 'Table',
      booking: { enabled: true, min_party_size: 1, max_party_size: 8 },
    }),
  ];
  for (const response of created) assert.ok(response.statusCode < 300, response.body);
  const slotStart = Math.floor(t.clock.nowMs() / 1000 / 3600) * 3600 + 2 * 86_400;
  const slots = await t.admin('PUT', `/merchants/${BK.merchantId}/services/${BK.serviceId}/availability`, {
    start_time_restrict: slotStart,
    end_time_restrict: slotStart + 48 * 1800,
    availability: [
      { start_sec: slotStart, duration_sec: 1800, spots_total: 100_000, recurrence: { repeat_every_sec: 1800, repeat_until_sec: slotStart + 47 * 1800 } },
    ],
  });
  assert.equal(slots.statusCode, 200, slots.body);

  const entry = await t.google('CreateWaitlistEntry', {
    merchant_id: WL.merchantId,
    service_id: WL.serviceId,
    party_size: 2,
    idempotency_token: 'fixture-entry',
    user_information: { user_id: 'fixture-user', given_name: 'Fixture', telephone: '+1 212-555-0100' },
  });
  const entryId = (JSON.parse(entry.body) as { waitlist_entry_id?: string }).waitlist_entry_id;
  assert.ok(entryId, entry.body);
  const booking = await t.google('CreateBooking', {
    slot: { merchant_id: BK.merchantId, service_id: BK.serviceId, start_sec: String(slotStart), duration_sec: '1800', resources: { party_size: 2 } },
    user_information: { user_id: 'fixture-user', given_name: 'Fixture' },
    idempotency_token: 'fixture-booking',
  });
  const bookingId = (JSON.parse(booking.body) as { booking?: { booking_id?: string } }).booking?.booking_id;
  assert.ok(bookingId, booking.body);
  const token = await t.admin('POST', '/tokens', { merchant_id: WL.merchantId, label: 'fixture' });
  const { id: tokenId, token: scopedToken } = JSON.parse(token.body) as { id?: string; token?: string };
  assert.ok(tokenId && scopedToken, token.body);
  return { t, slotStart, entryId, bookingId, userId: 'fixture-user', tokenId, scopedToken };
}

// ---------------------------------------------------------------------------------------------
// The routes the app serves, read from Fastify's route tree so that new routes get fuzzed too

export { routesOf, type RouteInfo } from '../../src/test-support/routes.js';
