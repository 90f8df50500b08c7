// The admin API's OpenAPI document: valid OpenAPI 3.1, generated from the routes (every admin route
// is in it, and nothing that is not a route), public, and its reference page works in a browser
// with every asset from this server and no request to any other host.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { routesOf } from '../../test/fuzz/support.js';
import { haveChromium, launchBrowser, recordForeignRequests } from '../test-support/browser.js';
import { startApp, type TestApp } from '../test-support/app.js';
import { ADMIN_DOCS_PATH, ADMIN_OPENAPI_PATH } from './openapi.js';

interface Operation {
  readonly operationId?: string;
  readonly tags?: string[];
  readonly parameters?: { in: string; name: string; required?: boolean }[];
  readonly requestBody?: { content: Record<string, { schema: unknown }> };
  readonly responses: Record<string, unknown>;
  readonly security?: unknown[];
}
type Document = { openapi: string; paths: Record<string, Record<string, Operation>> };

/** `/admin/v1/merchants/:merchantId` -> `/admin/v1/merchants/{merchantId}` (OpenAPI's template form). */
const templated = (path: string): string => path.replace(/:(\w+)/g, '{$1}');

describe('admin OpenAPI', () => {
  let t: TestApp;
  let doc: Document;
  before(async () => {
    t = await startApp();
    const response = await t.app.inject({ method: 'GET', url: ADMIN_OPENAPI_PATH });
    assert.equal(response.statusCode, 200, response.body);
    assert.match(String(response.headers['content-type']), /^application\/json/);
    doc = response.json() as Document;
  });
  after(() => t.close());

  test('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(doc);
    assert.equal(validator.version, '3.1');
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
    assert.equal(doc.openapi, '3.1.0');
  });

  test('has every admin route, and only routes that exist', () => {
    const routes = routesOf(t.app).filter((r) => r.path.startsWith('/admin/v1/'));
    assert.ok(routes.length >= 30, `${routes.length} admin routes`);
    const documented = new Set(Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.toLowerCase()}`)));
    const missing = routes.filter((r) => !documented.has(`${r.method} ${templated(r.path).toLowerCase()}`)).map((r) => `${r.method} ${r.path}`);
    assert.deepEqual(missing, [], 'admin routes missing from the document');
    for (const [path, ops] of Object.entries(doc.paths)) {
      assert.ok(path.startsWith('/admin/v1/'), `${path} is not an admin route`);
      for (const method of Object.keys(ops)) {
        assert.ok(t.app.hasRoute({ method: method.toUpperCase() as 'GET', url: path.replace(/\{(\w+)\}/g, ':$1') }), `${method} ${path} is not a route`);
      }
    }
  });

  test('describes parameters, bodies, errors and security from the route schemas', () => {
    const ids = new Set<string>();
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        assert.ok(op.operationId && !ids.has(op.operationId), `unique operationId for ${method} ${path}`);
        ids.add(op.operationId);
        assert.ok(op.tags?.length === 1, `${method} ${path} has a tag`);
        for (const name of [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!)) {
          assert.ok(
            op.parameters?.some((p) => p.in === 'path' && p.name === name && p.required),
            `${method} ${path}: path parameter ${name}`,
          );
        }
        if (path !== ADMIN_OPENAPI_PATH) {
          assert.ok(op.responses['4XX'], `${method} ${path}: the error shape`);
          assert.equal(op.security, undefined, `${method} ${path} takes the document's bearer security`);
        }
      }
    }
    // A body the route validates is in the document with its fields.
    const create = doc.paths['/admin/v1/merchants']?.post;
    const schema = create?.requestBody?.content['application/json']?.schema as { properties?: Record<string, unknown>; required?: string[] } | undefined;
    assert.ok(schema?.properties?.time_zone, JSON.stringify(create));
    assert.ok(schema?.required?.includes('id'));
    assert.deepEqual(doc.paths[ADMIN_OPENAPI_PATH]?.get?.security, [], 'the document itself is public');
  });

  test('the document and the reference page need no token; the API still does', async () => {
    const page = await t.app.inject({ method: 'GET', url: ADMIN_DOCS_PATH });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<title>booking-server admin API<\/title>/);
    assert.match(String(page.headers['content-security-policy']), /default-src 'none'/);
    assert.doesNotMatch(page.body, /https?:\/\//, 'the page names no other host');
    const api = await t.app.inject({ method: 'GET', url: '/admin/v1/merchants' });
    assert.equal(api.statusCode, 401);
  });

  test('the reference page renders with assets from this server only', { skip: haveChromium() ? false : 'no chromium' }, async () => {
    const address = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const browser = await launchBrowser();
    try {
      const context = await browser.newContext();
      const page = await context.newPage();
      const foreign = recordForeignRequests(page, address);
      const errors: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(`${address}${ADMIN_DOCS_PATH}`);
      await page.getByText('booking-server admin API').first().waitFor({ timeout: 30_000 });
      await page.locator('.opblock').first().waitFor({ timeout: 30_000 });
      assert.ok((await page.locator('.opblock').count()) >= 30, 'every operation is listed');
      assert.deepEqual(foreign, [], 'requests to other hosts');
      assert.deepEqual(errors, [], 'console errors (a CSP violation shows here)');
    } finally {
      await browser.close();
    }
  });
});
