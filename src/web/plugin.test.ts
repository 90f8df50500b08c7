// The host stand's files as the server sends them (the client as `npm run build` built it, which
// scripts/test.sh runs first): the script and styles brotli- or gzip-compressed to a browser that
// accepts it (the copies the build wrote beside them), as they are to one that does not, each
// with `Vary: Accept-Encoding` and the page's security headers.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { CLIENT_DIR, webPlugin } from './plugin.js';

const ASSETS = join(CLIENT_DIR, 'assets');

describe('the host stand sent precompressed', () => {
  let app: FastifyInstance;
  const built = readdirSync(ASSETS);
  const script = built.find((f) => f.endsWith('.js'));
  const styles = built.find((f) => f.endsWith('.css'));

  before(async () => {
    app = Fastify();
    await app.register(webPlugin());
    await app.ready();
  });
  after(() => app.close());

  test('the build wrote a .br and a .gz copy of the script and the styles, each the same file', () => {
    assert.ok(script && styles, `script and styles in ${ASSETS}: ${built.join(', ')}`);
    for (const name of [script, styles]) {
      const original = readFileSync(join(ASSETS, name));
      const br = readFileSync(join(ASSETS, `${name}.br`));
      const gz = readFileSync(join(ASSETS, `${name}.gz`));
      assert.ok(br.length < original.length && gz.length < original.length, name);
      assert.ok(brotliDecompressSync(br).equals(original), `${name}.br`);
      assert.ok(gunzipSync(gz).equals(original), `${name}.gz`);
    }
  });

  const get = (name: string, acceptEncoding?: string) =>
    app.inject({ method: 'GET', url: `/app/assets/${name}`, headers: acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding } });

  for (const [kind, type] of [
    ['script', /^(text|application)\/javascript/],
    ['styles', /^text\/css/],
  ] as const) {
    test(`the ${kind}: brotli, else gzip, to a browser that accepts it; as it is to one that does not`, async () => {
      const name = kind === 'script' ? script : styles;
      assert.ok(name);
      const original = readFileSync(join(ASSETS, name));
      for (const [accept, encoding] of [
        ['br', 'br'],
        ['gzip, deflate, br, zstd', 'br'],
        ['gzip', 'gzip'],
        ['gzip, deflate', 'gzip'],
        ['br;q=0, gzip', 'gzip'],
        [undefined, undefined],
        ['identity', undefined],
        ['deflate', undefined],
      ] as const) {
        const res = await get(name, accept);
        const what: string = `${name} with Accept-Encoding: ${accept ?? '(none)'}`;
        assert.equal(res.statusCode, 200, what);
        assert.equal(res.headers['content-encoding'], encoding, what);
        assert.match(String(res.headers.vary), /accept-encoding/i, what);
        assert.match(String(res.headers['content-type']), type, what);
        assert.match(String(res.headers['content-security-policy']), /script-src 'self'/, what);
        assert.match(String(res.headers['cache-control']), /immutable/, what);
        const body = res.rawPayload;
        assert.equal(Number(res.headers['content-length']), body.length, what);
        const decoded = encoding === 'br' ? brotliDecompressSync(body) : encoding === 'gzip' ? gunzipSync(body) : body;
        assert.ok(decoded.equals(original), `${what}: the file's own bytes`);
        if (encoding !== undefined) assert.ok(body.length < original.length, `${what}: smaller`);
      }
    });
  }

  test('the page itself, to a browser that accepts compression: the page, checked each time', async () => {
    const page = await app.inject({ method: 'GET', url: '/app', headers: { 'accept-encoding': 'gzip, deflate, br' } });
    assert.equal(page.statusCode, 200);
    const encoding = page.headers['content-encoding'];
    const html = encoding === 'br' ? brotliDecompressSync(page.rawPayload) : encoding === 'gzip' ? gunzipSync(page.rawPayload) : page.rawPayload;
    assert.ok(html.equals(readFileSync(join(CLIENT_DIR, 'index.html'))));
    assert.ok(html.toString('utf8').includes(`/app/assets/${script}`));
    assert.equal(page.headers['cache-control'], 'no-cache');
    assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
  });
});
