// Every error path answers with one of the documented codes (src/errors.ts, docs/GOOGLE-API.md),
// never one of Fastify's internal FST_* codes: every route of /v3 and /admin/v1 (read from the
// route tree, so routes added later are walked too) without credentials, with wrong ones, with
// malformed, empty, wrongly typed and oversized bodies, with methods and paths it does not serve.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { ADMIN_TOKEN, basic, bearer, NEW_PAIR, startApp, type TestApp } from '../test-support/app.js';
import { errorContractBreach } from '../test-support/error-codes.js';
import { routesOf, type RouteInfo } from '../test-support/routes.js';

const BODY_LIMIT = 2048;

describe('the error contract', () => {
  let t: TestApp;
  let routes: RouteInfo[];
  before(async () => {
    // A high failure limit: the walk sends many wrong credentials from one address.
    t = await startApp({ env: { BODY_LIMIT_BYTES: String(BODY_LIMIT), AUTH_FAILURE_LIMIT: '1000000' } });
    await t.admin('POST', '/merchants', { id: 'm1', name: 'M', time_zone: 'America/New_York' });
    routes = routesOf(t.app).filter((r) => r.path.includes('/v3/') || r.path.startsWith('/admin/v1/'));
  });
  after(() => t.close());

  let breaches: string[] = [];
  beforeEach(() => {
    breaches = [];
  });
  async function check(options: InjectOptions, what: string): Promise<LightMyRequestResponse> {
    const response = await t.app.inject(options);
    const breach =
      response.statusCode >= 500 ? `a ${response.statusCode}: ${response.body.slice(0, 200)}` : errorContractBreach(response.statusCode, response.body);
    if (breach !== null) breaches.push(`${what}: ${options.method} ${options.url} -> ${response.statusCode} ${breach}`);
    return response;
  }

  const urlOf = (route: RouteInfo): string => route.path.replace(/:[A-Za-z]+/g, 'x');
  const google = { authorization: basic(NEW_PAIR.user, NEW_PAIR.password) };
  const admin = { authorization: bearer(ADMIN_TOKEN) };
  const authOf = (route: RouteInfo) => (route.path.includes('/v3/') ? google : admin);

  test('the walk reaches both APIs', () => {
    assert.ok(routes.some((r) => r.path.includes('/v3/')) && routes.some((r) => r.path.startsWith('/admin/v1/')), JSON.stringify(routes));
  });

  /** Routes that need no credentials (`config: { public: true }`): only the contract is checked on them. */
  const PUBLIC = new Set(['POST /admin/v1/session', 'GET /admin/v1/openapi.json']);
  /** Routes whose success is an endless stream (server-sent events): only their error paths are walked. */
  const STREAMS = new Set(['GET /admin/v1/merchants/:merchantId/events']);

  test('no credentials, wrong credentials, a wrong scheme: UNAUTHENTICATED on every route', async () => {
    for (const route of routes) {
      if (PUBLIC.has(`${route.method} ${route.path}`)) {
        await check({ method: route.method as InjectOptions['method'], url: urlOf(route), headers: {} }, 'a public route');
        continue;
      }
      const url = urlOf(route);
      const method = route.method as InjectOptions['method'];
      for (const [what, headers] of [
        ['no credentials', {}],
        ['an empty Authorization header', { authorization: '' }],
        ['wrong Basic credentials', { authorization: basic('google', 'wrong') }],
        ['Basic without a colon', { authorization: `Basic ${Buffer.from('nocolon').toString('base64')}` }],
        ['Basic with garbage', { authorization: 'Basic %%%' }],
        ['a wrong bearer token', { authorization: bearer('not-a-token-at-all') }],
        ['a scheme nobody speaks', { authorization: 'Digest x' }],
      ] as const) {
        const response = await check({ method, url, headers }, what);
        assert.equal(response.statusCode, 401, `${what}: ${route.method} ${url} -> ${response.statusCode} ${response.body}`);
        assert.equal(response.json().error.code, 'UNAUTHENTICATED');
      }
    }
    assert.deepEqual(breaches, []);
  });

  test('malformed, empty, wrongly typed and oversized bodies, with valid credentials', async () => {
    const bodies: [string, string, string | undefined][] = [
      ['malformed JSON', '{"merchant_id":', 'application/json'],
      ['JSON with a trailing comma', '{"a":1,}', 'application/json'],
      ['an empty JSON body', '', 'application/json'],
      ['a blank JSON body', '   ', 'application/json; charset=utf-8'],
      ['JSON null', 'null', 'application/json'],
      ['a JSON array', '[]', 'application/json'],
      ['a poisoned prototype', '{"__proto__":{"x":1}}', 'application/json'],
      ['a poisoned constructor', '{"constructor":{"prototype":{"x":1}}}', 'application/json'],
      ['text/plain', 'hello', 'text/plain'],
      ['XML', '<a/>', 'application/xml'],
      ['a form', 'a=1', 'application/x-www-form-urlencoded'],
      ['multipart', '--x\r\n\r\n--x--', 'multipart/form-data; boundary=x'],
      ['no content type', '{}', undefined],
      ['too large', JSON.stringify({ merchant_id: 'x'.repeat(BODY_LIMIT * 2) }), 'application/json'],
    ];
    for (const route of routes) {
      if (route.method === 'GET' || route.method === 'DELETE') continue;
      const url = urlOf(route);
      for (const [what, payload, type] of bodies) {
        const headers: Record<string, string> = { ...authOf(route), ...(type === undefined ? {} : { 'content-type': type }) };
        await check({ method: route.method as InjectOptions['method'], url, headers, payload }, what);
      }
    }
    const big = await t.google('CreateBooking', JSON.stringify({ x: 'y'.repeat(BODY_LIMIT * 2) }));
    assert.equal(big.statusCode, 413);
    assert.equal(big.json().error.code, 'PAYLOAD_TOO_LARGE');
    const malformed = await t.google('CreateBooking', '{');
    assert.equal(malformed.json().error.code, 'INVALID_ARGUMENT');
    for (const type of ['text/plain', 'application/xml']) {
      const wrongType = await t.app.inject({ method: 'POST', url: '/admin/v1/merchants', headers: { ...admin, 'content-type': type }, payload: '<a/>' });
      assert.equal(wrongType.statusCode, 415, wrongType.body);
      assert.equal(wrongType.json().error.code, 'UNSUPPORTED_MEDIA_TYPE');
    }
    assert.deepEqual(breaches, []);
  });

  test('unknown routes, methods a route does not serve, undecodable URLs, hostile query strings', async () => {
    // HEAD is left out: its answer has no body by definition (RFC 9110); its GET twin is checked.
    const paths = [
      '/v3/NoSuchMethod',
      '/v3/',
      '/admin/v1/nothing',
      '/admin/v1',
      '/nothing',
      '/',
      '/v3/%',
      '/admin/v1/merchants/%E0%A4%A',
      `/admin/v1/${'x'.repeat(5000)}`,
    ];
    for (const url of paths) {
      for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const) {
        for (const headers of [{}, google, admin]) await check({ method, url, headers }, 'unknown route');
      }
    }
    for (const route of routes) {
      const url = urlOf(route);
      for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const) {
        if (method === route.method) continue;
        await check({ method, url, headers: authOf(route) }, 'a method the route does not serve');
      }
      if (STREAMS.has(`${route.method} ${route.path}`)) continue;
      await check(
        { method: route.method as InjectOptions['method'], url: `${url}?limit=x&from=-1&since=1e400&to=Infinity&state=%FF`, headers: authOf(route) },
        'a hostile query string',
      );
    }
    assert.deepEqual(breaches, []);
  });

  test('Basic auth failures on /v3 and bearer failures on /admin/v1 carry WWW-Authenticate', async () => {
    const v3 = await check({ method: 'POST', url: '/v3/CreateBooking' }, 'no credentials');
    assert.match(String(v3.headers['www-authenticate']), /^Basic /);
    const adminRes = await check({ method: 'GET', url: '/admin/v1/merchants' }, 'no token');
    assert.match(String(adminRes.headers['www-authenticate']), /^Bearer /);
    assert.deepEqual(breaches, []);
  });
});
