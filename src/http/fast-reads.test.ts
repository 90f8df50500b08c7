// The direct read path (fast-reads.ts) answers exactly as the Fastify routes do. Two apps share one
// store and one service graph, one with the path on and one with it off (BOOKING_SERVER_FAST_READS=0),
// both listening on 127.0.0.1; a corpus of requests (valid, invalid, business failures, and requests
// the path must leave to Fastify) is sent to both over raw sockets, and the raw responses are
// compared byte for byte (the Date header aside), as are the request metrics they leave. Both dialects.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { buildApp } from '../app.js';
import { addMerchant, addService, DAY, HALF_HOUR, putSlots } from '../test-support/bookings.js';
import {
  ADMIN_TOKEN,
  basic,
  capturedLogger,
  closedAfterSuite,
  DIALECTS,
  forDialect,
  MONDAY_NOON_NY,
  NEW_PAIR,
  OLD_PAIR,
  seedMerchant,
  type TestApp,
} from '../test-support/app.js';
import { parseJsonBody } from './fast-reads.js';

const AUTH = basic(NEW_PAIR.user, NEW_PAIR.password);

/** Sends raw bytes on a fresh connection and returns everything the server writes until it closes. */
function exchange(port: number, request: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.write(request);
  });
}

/** The response(s) without their Date headers, the one part that may differ between two servers. */
const withoutDates = (text: string): string => text.replace(/\r\nDate: [^\r]*/g, '');

interface Case {
  readonly name: string;
  readonly path: string;
  readonly body: string | Buffer;
  readonly headers?: Record<string, string>;
  /** Raw header lines replacing the defaults entirely (Content-Length, Authorization, ...). */
  readonly rawHead?: string;
  /** Whether the on-app must answer it on the direct path. */
  readonly fast: boolean;
}

function requestBytes(c: Case, close = true): Buffer {
  const body = typeof c.body === 'string' ? Buffer.from(c.body, 'utf8') : c.body;
  const headers = { 'Content-Type': 'application/json', Authorization: AUTH, 'Content-Length': String(body.length), ...c.headers };
  const head =
    c.rawHead ??
    Object.entries(headers)
      .filter(([, value]) => value !== '')
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
  return Buffer.concat([Buffer.from(`POST ${c.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${head}${close ? 'Connection: close\r\n' : ''}\r\n`, 'latin1'), body]);
}

/** The request-latency series' counts of the /v3 routes, from /metrics. */
async function v3Counts(t: { app: TestApp['app'] }): Promise<string[]> {
  const res = await t.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  assert.equal(res.statusCode, 200, res.body);
  return res.body
    .split('\n')
    .filter((line) => line.startsWith('booking_server_request_duration_seconds_count{') && line.includes('/v3/'))
    .sort();
}

for (const dialect of DIALECTS) {
  describe(dialect, () => {
    const startApp = forDialect(dialect);
    const keep = closedAfterSuite();

    test('the direct read path answers every request as the Fastify routes do, and counts it alike', async () => {
      // BODY_LIMIT_BYTES at its least, so that a body over it is cheap to send.
      const t = keep(await startApp({ env: { BODY_LIMIT_BYTES: '1024' } }));
      assert.ok(t.app.fastReads !== undefined, 'the path is on by default');
      const off = await buildApp({ ...t.config, fastReads: false }, { store: t.store, clock: t.clock, services: t.services });
      try {
        assert.equal(off.fastReads, undefined);
        await t.app.listen({ host: '127.0.0.1', port: 0 });
        await off.listen({ host: '127.0.0.1', port: 0 });
        const portOf = (app: TestApp['app']): number => {
          const address = app.server.address();
          assert.ok(address !== null && typeof address === 'object');
          return address.port;
        };
        const onPort = portOf(t.app);
        const offPort = portOf(off);

        // A waitlist with a queue, one that is closed now, a cancelled entry, and slots to look up.
        await seedMerchant(t.services, { id: 'open' });
        await seedMerchant(t.services, { id: 'closed', hours: [{ day: 3, open: '09:00', close: '10:00' }] });
        const entries: string[] = [];
        for (let i = 0; i < 3; i++) {
          const joined = await t.services.waitlist.join(
            {
              merchantId: 'open',
              serviceId: 'waitlist',
              partySize: 2 + i,
              guest: { givenName: `Guest ${i}`, familyName: '', telephone: null, email: `fast-reads-${i}@example.com`, googleUserId: null },
              additionalRequest: null,
              source: 'merchant',
            },
            null,
          );
          assert.ok('entryId' in joined, JSON.stringify(joined));
          entries.push(joined.entryId);
        }
        await t.services.waitlist.act(entries[2]!, 'cancel', { idempotentCancel: true, cause: 'google' });
        await addMerchant(t, 'salon');
        await addService(t, 'salon', 'cut');
        const day = Math.floor(MONDAY_NOON_NY / 1000 / DAY) * DAY + DAY;
        await putSlots(t, 'salon', 'cut', [day, day + DAY], [{ start: day + 9 * 3600 }, { start: day + 10 * 3600, spots: 1, partySize: 2 }]);

        const v3 = `${t.config.pathPrefix}/v3`;
        const E = `${v3}/BatchGetWaitEstimates`;
        const G = `${v3}/GetWaitlistEntry`;
        const L = `${v3}/BatchAvailabilityLookup`;
        const json = (value: unknown): string => JSON.stringify(value);
        const slot = (start: number | string, extra: Record<string, unknown> = {}) => ({
          service_id: 'cut',
          start_sec: String(start),
          duration_sec: String(HALF_HOUR),
          ...extra,
        });
        const J = `${v3}/CreateWaitlistEntry`;
        const B = `${v3}/CreateBooking`;
        const joinBody = (token: string) => ({
          merchant_id: 'open',
          service_id: 'waitlist',
          party_size: 2,
          idempotency_token: token,
          user_information: {
            user_id: `user-${token}`,
            given_name: 'Grace',
            family_name: 'Hopper',
            telephone: '+1 212-555-0199',
            email: `${token}@example.com`,
          },
        });
        const bookingBody = (token: string, start: number | string) => ({
          slot: { merchant_id: 'salon', service_id: 'cut', start_sec: String(start), duration_sec: String(HALF_HOUR), resources: { party_size: 2 } },
          user_information: { user_id: `user-${token}`, given_name: 'Grace', family_name: 'Hopper', telephone: '+12125550123', email: `${token}@example.com` },
          idempotency_token: token,
        });
        const fast = (name: string, path: string, body: string | Buffer, headers?: Record<string, string>): Case => ({
          name,
          path,
          body,
          fast: true,
          ...(headers ? { headers } : {}),
        });
        const slow = (name: string, path: string, body: string | Buffer, headers?: Record<string, string>): Case => ({
          name,
          path,
          body,
          fast: false,
          ...(headers ? { headers } : {}),
        });
        const cases: Case[] = [
          // The first request with this Authorization goes through Fastify, which verifies it.
          slow('first call with a header', E, json({ merchant_id: 'open', service_id: 'waitlist', party_size: [2] })),
          fast('estimates', E, json({ merchant_id: 'open', service_id: 'waitlist', party_size: [2, 4, 2, 6] })),
          fast('estimates camelCase, sizes as strings', E, json({ merchantId: 'open', serviceId: 'waitlist', partySize: ['2', 3] })),
          fast('estimates of a closed waitlist', E, json({ merchant_id: 'closed', service_id: 'waitlist', party_size: [2] })),
          fast('estimates of an unknown merchant', E, json({ merchant_id: 'nobody', service_id: 'waitlist', party_size: [2] })),
          fast('estimates with no merchant', E, json({ service_id: 'waitlist', party_size: [2] })),
          fast('estimates with a bad party size', E, json({ merchant_id: 'open', service_id: 'waitlist', party_size: ['two'] })),
          fast('estimates with a fractional party size', E, json({ merchant_id: 'open', service_id: 'waitlist', party_size: [2.5] })),
          fast('estimates with unknown fields', E, json({ merchant_id: 'open', service_id: 'waitlist', party_size: [2], extra: { a: 1 } })),
          fast('estimates with a BOM', E, `\uFEFF${json({ merchant_id: 'open', service_id: 'waitlist', party_size: [2] })}`),
          fast('an array', E, '[1,2]'),
          fast('null', E, 'null'),
          fast('a number', E, '42'),
          fast('a string', E, '"text"'),
          fast('broken JSON', E, '{"merchant_id":'),
          fast('__proto__', E, '{"merchant_id":"open","__proto__":{"x":1}}'),
          fast('escaped __proto__', E, '{"merchant_id":"open","\\u005f_proto__":{"x":1}}'),
          fast('constructor.prototype', E, '{"a":{"constructor":{"prototype":{}}}}'),
          fast('a harmless constructor', E, json({ merchant_id: 'open', service_id: 'waitlist', party_size: [2], constructor: 'x' })),
          fast(
            'invalid UTF-8',
            E,
            Buffer.from([0x7b, 0x22, 0x6d, 0x65, 0x72, 0x63, 0x68, 0x61, 0x6e, 0x74, 0x5f, 0x69, 0x64, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
          ),
          fast('NUL in an id', E, json({ merchant_id: 'op\u0000en', service_id: 'waitlist', party_size: [2] })),
          fast('entry in the queue', G, json({ waitlist_entry_id: entries[1] })),
          fast('entry first in the queue', G, json({ waitlist_entry_id: entries[0] })),
          fast('cancelled entry', G, json({ waitlist_entry_id: entries[2] })),
          fast('unknown entry', G, json({ waitlist_entry_id: 'no-such-entry' })),
          fast('empty entry id', G, json({ waitlist_entry_id: '' })),
          fast('entry id a number', G, json({ waitlist_entry_id: 7 })),
          fast(
            'lookup',
            L,
            json({
              merchant_id: 'salon',
              slot_time: [slot(day + 9 * 3600), slot(day + 10 * 3600, { resource_ids: { party_size: 2 } }), slot(day + 11 * 3600)],
            }),
          ),
          fast('lookup camelCase', L, json({ merchantId: 'salon', slotTime: [{ serviceId: 'cut', startSec: day + 9 * 3600, durationSec: '1800' }] })),
          fast('lookup of an unknown merchant', L, json({ merchant_id: 'nobody', slot_time: [slot(day)] })),
          fast('lookup with no slots', L, json({ merchant_id: 'salon' })),
          fast('lookup with a bad int64', L, json({ merchant_id: 'salon', slot_time: [slot('12x')] })),
          fast('lookup with a negative start', L, json({ merchant_id: 'salon', slot_time: [slot(-5)] })),
          fast('lookup with a negative party size', L, json({ merchant_id: 'salon', slot_time: [slot(day, { resource_ids: { party_size: -1 } })] })),
          fast('lookup with an enum number', L, json({ merchant_id: 'salon', slot_time: [slot(day + 9 * 3600, { confirmation_mode: 2 })] })),
          fast('lookup with a bad enum', L, json({ merchant_id: 'salon', slot_time: [slot(day + 9 * 3600, { confirmation_mode: 'NOPE' })] })),
          fast('lookup with no service', L, json({ merchant_id: 'salon', slot_time: [{ start_sec: String(day) }] })),
          fast('content type in capitals', E, json({ merchant_id: 'open', service_id: 'waitlist', party_size: [2] }), {
            'Content-Type': 'Application/JSON; Charset=UTF-8',
          }),
          // Left to Fastify: the path must not take these.
          slow('text/plain', E, json({ merchant_id: 'open', service_id: 'waitlist', party_size: [2] }), { 'Content-Type': 'text/plain' }),
          slow('no content type', E, json({ merchant_id: 'open', service_id: 'waitlist', party_size: [2] }), { 'Content-Type': '' }),
          slow('JSON in latin1', E, json({ merchant_id: 'open', service_id: 'waitlist', party_size: [2] }), {
            'Content-Type': 'application/json; charset=latin1',
          }),
          slow('empty body', E, ''),
          slow('body over the limit', E, json({ merchant_id: 'open', service_id: 'x'.repeat(2000) })),
          slow('no authorization', E, json({ merchant_id: 'open' }), { Authorization: '' }),
          slow('wrong password', E, json({ merchant_id: 'open' }), { Authorization: basic(NEW_PAIR.user, 'wrong-password-2026') }),
          slow('the other valid pair, first time', E, json({ merchant_id: 'open', service_id: 'waitlist', party_size: [2] }), {
            Authorization: basic(OLD_PAIR.user, OLD_PAIR.password),
          }),
          fast('the other valid pair, again', E, json({ merchant_id: 'open', service_id: 'waitlist', party_size: [2] }), {
            Authorization: basic(OLD_PAIR.user, OLD_PAIR.password),
          }),
          slow('a query string', `${E}?x=1`, json({ merchant_id: 'open', service_id: 'waitlist', party_size: [2] })),
          slow('a trailing slash', `${E}/`, json({ merchant_id: 'open', service_id: 'waitlist', party_size: [2] })),
          slow('another case', `${v3}/batchgetwaitestimates`, json({ merchant_id: 'open', service_id: 'waitlist', party_size: [2] })),
          slow('Expect: 100-continue', E, json({ merchant_id: 'open', service_id: 'waitlist', party_size: [2] }), { Expect: '100-continue' }),
          slow('gzip', E, json({ merchant_id: 'open', service_id: 'waitlist', party_size: [2] }), { 'Content-Encoding': 'gzip' }),
          {
            name: 'chunked',
            path: E,
            body: '',
            fast: false,
            rawHead: `Content-Type: application/json\r\nAuthorization: ${AUTH}\r\nTransfer-Encoding: chunked\r\n`,
          },
          slow('a write method the path leaves to Fastify', `${v3}/DeleteWaitlistEntry`, json({ waitlist_entry_id: 'no-such-entry' })),
          // The two writes it takes. Each is sent to the app with the path first and then, the same
          // bytes, to the other, which answers the retry from the idempotency record: the path's
          // answer of a new write must be the bytes Fastify's route stored for it. (The pairs that
          // go to Fastify first are below, after this list.)
          fast('join', J, json(joinBody('fr-join-1'))),
          fast(
            'join camelCase, party size as a string',
            J,
            json({
              merchantId: 'open',
              serviceId: 'waitlist',
              partySize: '3',
              idempotencyToken: 'fr-join-2',
              userInformation: { userId: 'fr-user-2', givenName: 'Ada' },
            }),
          ),
          fast('join again with the token of another request', J, json({ ...joinBody('fr-join-1'), party_size: 4 })),
          fast('join of a closed waitlist', J, json({ ...joinBody('fr-join-3'), merchant_id: 'closed' })),
          fast('join of an unknown merchant', J, json({ ...joinBody('fr-join-4'), merchant_id: 'nobody' })),
          fast('join with no token', J, json({ ...joinBody(''), idempotency_token: undefined })),
          fast('join of nobody', J, json({ ...joinBody('fr-join-5'), party_size: 0 })),
          fast('join with no user', J, json({ ...joinBody('fr-join-6'), user_information: undefined })),
          fast('join with a broken body', J, '{"merchant_id":"open",'),
          fast('booking', B, json(bookingBody('fr-book-1', day + 9 * 3600))),
          fast('booking of the last spot', B, json(bookingBody('fr-book-2', day + 10 * 3600))),
          fast('booking of a full slot', B, json(bookingBody('fr-book-3', day + 10 * 3600))),
          fast(
            'booking again with the token of another request',
            B,
            json({ ...bookingBody('fr-book-1', day + 9 * 3600), additional_request: 'by the window' }),
          ),
          fast('booking of no slot', B, json({ ...bookingBody('fr-book-4', day), slot: undefined })),
          fast('booking with a bad start', B, json(bookingBody('fr-book-5', '9x'))),
          fast('booking of a slot that does not exist', B, json(bookingBody('fr-book-6', day + 13 * 3600))),
        ];
        // The chunked body: one chunk and the last.
        const chunkedBody = json({ merchant_id: 'open', service_id: 'waitlist', party_size: [2] });
        const chunked = Buffer.from(`${chunkedBody.length.toString(16)}\r\n${chunkedBody}\r\n0\r\n\r\n`);

        const fastReads = t.app.fastReads!;
        for (const c of cases) {
          const bytes = c.name === 'chunked' ? Buffer.concat([requestBytes(c), chunked]) : requestBytes(c);
          const before = fastReads.taken;
          const on = await exchange(onPort, bytes);
          const taken = fastReads.taken - before;
          const reference = await exchange(offPort, bytes);
          assert.equal(withoutDates(on), withoutDates(reference), `${c.name}: the answers differ`);
          assert.equal(taken, c.fast ? 1 : 0, `${c.name}: ${c.fast ? 'not' : ''} taken by the direct path (${on.split('\r\n')[0]})`);
        }
        // New writes the other way round: through Fastify first, then the same bytes to the path,
        // which must answer the retry from the record as Fastify's route does.
        for (const c of [
          fast('join, Fastify first', J, json(joinBody('fr-join-7'))),
          fast('booking of the second spot, Fastify first', B, json(bookingBody('fr-book-7', day + 9 * 3600))),
          fast('booking of the slot another token has just taken, Fastify first', B, json(bookingBody('fr-book-8', day + 10 * 3600))),
        ]) {
          const bytes = requestBytes(c);
          const reference = await exchange(offPort, bytes);
          const before = fastReads.taken;
          const on = await exchange(onPort, bytes);
          assert.equal(fastReads.taken - before, 1, `${c.name}: taken by the direct path`);
          assert.equal(withoutDates(on), withoutDates(reference), `${c.name}: the answers differ`);
        }
        // What the writes did: one entry and one booking for each new token, whichever app took it first.
        const joined = await t.store.db.selectFrom('waitlist_entries').select('id').where('merchant_id', '=', 'open').where('source', '=', 'google').execute();
        assert.equal(joined.length, 3, 'fr-join-1, fr-join-2 and fr-join-7 joined, once each');
        const booked = await t.store.db.selectFrom('bookings').select('start_sec').where('merchant_id', '=', 'salon').orderBy('start_sec').execute();
        assert.deepEqual(
          booked.map((b) => Number(b.start_sec)),
          [day + 9 * 3600, day + 9 * 3600, day + 10 * 3600],
          'fr-book-1, fr-book-7 and fr-book-2 booked, once each',
        );
        // Several requests on one kept-alive connection, pipelined; the last, broken JSON, closes it
        // (Fastify closes a connection after a body it could not parse, and so does the path).
        const pipelined = Buffer.concat([
          requestBytes(cases[1]!, false),
          requestBytes(cases[5]!, false),
          requestBytes(cases[22]!, false),
          requestBytes(cases[28]!, false),
          requestBytes(cases[14]!, false),
        ]);
        const before = fastReads.taken;
        const on = await exchange(onPort, pipelined);
        assert.equal(fastReads.taken - before, 5);
        assert.equal(withoutDates(on), withoutDates(await exchange(offPort, pipelined)));
        assert.equal(on.split('HTTP/1.1 ').length - 1, 5, on);

        assert.deepEqual(await v3Counts(t), await v3Counts({ app: off }), 'the request metrics of the /v3 routes');
      } finally {
        await off.close();
      }
    });

    test('a CreateBooking retried with a changed body logs its warning on the direct path, with a request id and none of the request', async () => {
      const t = keep(await startApp());
      const { logger, lines } = capturedLogger('warn');
      const logged = await buildApp(t.config, { store: t.store, clock: t.clock, services: t.services, logger });
      try {
        await logged.listen({ host: '127.0.0.1', port: 0 });
        const address = logged.server.address();
        assert.ok(address !== null && typeof address === 'object');
        await addMerchant(t, 'salon');
        await addService(t, 'salon', 'cut');
        const day = Math.floor(MONDAY_NOON_NY / 1000 / DAY) * DAY + DAY;
        await putSlots(t, 'salon', 'cut', [day, day + DAY], [{ start: day + 9 * 3600 }]);
        const request = {
          slot: { merchant_id: 'salon', service_id: 'cut', start_sec: String(day + 9 * 3600), duration_sec: String(HALF_HOUR) },
          user_information: { user_id: 'logged-user', given_name: 'Grace', family_name: 'Hopper', telephone: '+12125550123', email: 'grace@example.com' },
          idempotency_token: 'logged-token',
        };
        const post = async (body: unknown): Promise<string> => {
          const res = await fetch(`http://127.0.0.1:${address.port}${t.config.pathPrefix}/v3/CreateBooking`, {
            method: 'POST',
            headers: { authorization: AUTH, 'content-type': 'application/json' },
            body: JSON.stringify(body),
          });
          assert.equal(res.status, 200);
          return res.text();
        };
        // The first request with the header goes through Fastify, which verifies it.
        await post({ ...request, idempotency_token: 'warm-up', user_information: { user_id: 'another-user', given_name: 'Ann' } });
        const fastReads = logged.fastReads!;
        const before = fastReads.taken;
        const first = await post(request);
        assert.ok(JSON.parse(first).booking !== undefined, first);
        assert.equal(lines.length, 0, 'an ordinary booking logs no warning');
        const again = await post({
          ...request,
          additional_request: 'allergic to peanuts',
          user_information: { ...request.user_information, given_name: 'Ada' },
        });
        assert.equal(fastReads.taken - before, 2, 'both taken by the direct path');
        assert.equal(again, first, 'the booking the token made is returned');
        await new Promise((resolve) => setImmediate(resolve));
        const warnings = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.level === 40);
        assert.equal(warnings.length, 1, lines.join('\n'));
        assert.equal(warnings[0]!.bookingId, JSON.parse(first).booking.booking_id);
        assert.equal(typeof warnings[0]!.reqId, 'string', 'the request id, as Fastify logs it');
        assert.match(String(warnings[0]!.msg), /idempotency token was reused with a different request/);
        for (const secret of ['peanuts', 'Ada', 'Grace', 'Hopper', 'grace@example.com', '+12125550123']) {
          assert.ok(!lines.join('\n').includes(secret), `the log carries no personal data (${secret})`);
        }
      } finally {
        await logged.close();
      }
    });
  });
}

test('the body is parsed as Fastify parses application/json (secure-json-parse), for any text', async () => {
  // Fastify's own parser, through a throwaway app: what the route would get, or that it was refused.
  const Fastify = (await import('fastify')).default;
  const app = Fastify();
  app.post('/', async (request) => ({ body: request.body === undefined ? 'undefined' : request.body }));
  await app.ready();
  try {
    const fastify = async (text: string): Promise<{ ok: boolean; value?: unknown }> => {
      const res = await app.inject({ method: 'POST', url: '/', headers: { 'content-type': 'application/json' }, payload: text });
      return res.statusCode === 200 ? { ok: true, value: res.json().body } : { ok: false };
    };
    const ours = (text: string): { ok: boolean; value?: unknown } => {
      try {
        return { ok: true, value: JSON.parse(JSON.stringify(parseJsonBody(text) ?? null)) };
      } catch {
        return { ok: false };
      }
    };
    const keys = fc.constantFrom('__proto__', '\\u005f_proto__', 'constructor', 'prototype', 'merchant_id', 'a', 'c\\u006fnstructor');
    const jsonish: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.constantFrom('1', '"x"', 'null', 'true', '[]', '{}'),
        fc.array(tie('value'), { maxLength: 3 }).map((items) => `[${items.join(',')}]`),
        fc.array(fc.tuple(keys, tie('value')), { maxLength: 3 }).map((pairs) => `{${pairs.map(([k, v]) => `"${k}":${v}`).join(',')}}`),
      ),
    })).value;
    const text = fc.oneof(
      jsonish,
      jsonish.map((s) => `\uFEFF${s}`),
      jsonish.map((s) => ` ${s} `),
      fc.tuple(jsonish, fc.nat()).map(([s, n]) => s.slice(0, n % (s.length + 1))),
      fc.string({ minLength: 1 }),
    );
    await fc.assert(
      fc.asyncProperty(
        text.filter((s) => s.length > 0),
        async (s) => {
          assert.deepEqual(ours(s), await fastify(s), s);
        },
      ),
      { numRuns: 1000, seed: 17 },
    );
  } finally {
    await app.close();
  }
});
