// Bad input against the unauthenticated operations routes (/healthz, /readyz, the admin API's
// OpenAPI document and its reference page with its assets): any method, hostile query strings,
// bodies, headers and credentials. They answer GET with 200 (or a JSON 4xx for what they do not
// serve), never a 5xx, and never ask for credentials.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { ADMIN_DOCS_PATH, ADMIN_OPENAPI_PATH, GOOGLE_V3_OPENAPI_PATH } from '../../src/http/openapi.js';
import { DIALECTS } from '../../src/test-support/app.js';
import { assertSane, counted, describeRequest, encode, hostileBodyText, hostileString, runs, send, startFixture, summary, type Fixture } from './support.js';

const OPS_PATHS = [
  '/healthz',
  '/readyz',
  ADMIN_OPENAPI_PATH,
  GOOGLE_V3_OPENAPI_PATH,
  ADMIN_DOCS_PATH,
  `${ADMIN_DOCS_PATH}/static/index.css`,
  `${ADMIN_DOCS_PATH}/static/swagger-initializer.js`,
] as const;
/** Pages and assets: any 2xx body; errors still in our JSON shape. */
const NOT_JSON = new Set<string>([ADMIN_DOCS_PATH, `${ADMIN_DOCS_PATH}/static/index.css`, `${ADMIN_DOCS_PATH}/static/swagger-initializer.js`]);

for (const dialect of DIALECTS)
  describe(`operations routes under bad input (${dialect})`, () => {
    let f: Fixture;
    before(async () => {
      f = await startFixture({}, dialect);
    });
    after(async () => {
      await f?.t.close();
    });

    it('any method, query, body and headers', async () => {
      const query = fc.option(
        fc.array(fc.tuple(hostileString, hostileString), { maxLength: 4 }).map((pairs) => pairs.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&')),
        { nil: undefined },
      );
      const header = fc.oneof(
        fc.constant({}),
        fc.constant({ authorization: 'Basic Zm9vOmJhcg==' }),
        fc.constant({ authorization: 'Bearer nope' }),
        fc.string({ unit: 'binary-ascii', maxLength: 200 }).map((s) => ({ 'x-forwarded-for': s.replace(/[^\t\x20-\x7e]/g, '') })),
        fc.constantFrom({ accept: 'text/html' }, { 'accept-encoding': 'br, gzip' }, { 'content-type': 'application/json' }, { 'content-type': 'text/plain' }),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'),
          fc.oneof(
            fc.constantFrom(...OPS_PATHS),
            fc.constantFrom('/healthz', '/readyz').map((p) => `${p.toUpperCase()}/`),
            hostileString.map((s) => `${ADMIN_DOCS_PATH}/static/${encode(s)}`),
            fc.constantFrom(
              `${ADMIN_DOCS_PATH}/static/../../../package.json`,
              `${ADMIN_DOCS_PATH}/static/%2e%2e/%2e%2e/package.json`,
              `${ADMIN_DOCS_PATH}/%00`,
              `${ADMIN_DOCS_PATH}/json`,
              `${ADMIN_DOCS_PATH}/yaml`,
            ),
          ),
          query,
          fc.option(hostileBodyText, { nil: undefined }),
          header,
          counted(`ops routes (${dialect})`, async (method, path, q, payload, headers) => {
            const options = {
              method: method as 'GET',
              url: `${path}${q !== undefined ? `?${q}` : ''}`,
              headers,
              ...(payload !== undefined && method !== 'GET' && method !== 'HEAD' ? { payload } : {}),
            };
            const response = await send(f.t.app, options);
            const known = (OPS_PATHS as readonly string[]).includes(path) || /^\/(HEALTHZ|READYZ)\/$/.test(path);
            if (method === 'HEAD' || (NOT_JSON.has(path) && response.statusCode < 400))
              assert.ok(response.statusCode < 500, `${describeRequest(options)} -> ${response.statusCode}`);
            else if (path.startsWith(`${ADMIN_DOCS_PATH}/`) && response.statusCode < 400)
              assert.ok(response.statusCode < 500, `${describeRequest(options)} -> ${response.statusCode}`);
            else assertSane(response, describeRequest(options));
            if (known && (method === 'GET' || method === 'HEAD'))
              assert.equal(response.statusCode, 200, `${describeRequest(options)} -> ${response.statusCode} ${response.body}`);
            // Nothing outside the package's static folder is served.
            assert.ok(!response.body.includes('"dependencies"'), `${describeRequest(options)} served a file it must not`);
          }),
        ),
        { numRuns: runs(dialect === 'postgres' ? 100 : 400) },
      );
    });
  });

describe('summary', () => {
  it('inputs tried', (t) => {
    t.diagnostic(summary('ops-routes'));
  });
});
