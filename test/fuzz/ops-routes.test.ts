// Bad input against the unauthenticated operations routes (/healthz, /readyz): any method, hostile
// query strings, bodies, headers and credentials. They must answer 200 (or a JSON 4xx for methods
// they do not serve) and never a 5xx, and never ask for credentials.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { DIALECTS } from '../../src/test-support/app.js';
import { assertSane, counted, describeRequest, encode, hostileBodyText, hostileString, runs, send, startFixture, summary, type Fixture } from './support.js';

const OPS_PATHS = ['/healthz', '/readyz'] as const;

for (const dialect of DIALECTS) describe(`operations routes under bad input (${dialect})`, () => {
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
        fc.oneof(fc.constantFrom(...OPS_PATHS), fc.constantFrom(...OPS_PATHS).map((p) => `${p.toUpperCase()}/`)),
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
          if (method !== 'HEAD') assertSane(response, describeRequest(options));
          else assert.ok(response.statusCode < 500, describeRequest(options));
          if (method === 'GET' || method === 'HEAD') assert.equal(response.statusCode, 200, `${describeRequest(options)} -> ${response.statusCode} ${response.body}`);
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
