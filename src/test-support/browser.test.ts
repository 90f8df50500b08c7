// The browser tests' own harness: a request a page makes to another host is recorded (the tests
// assert there is none), one to the server under test is not. (Before servePages, the tests
// spread recordForeignRequests' array while it was still empty, so a foreign request never showed.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { haveChromium, servePages } from './browser.js';
import { until } from './poll.js';

test('servePages records the requests its pages make to another host', { skip: haveChromium() ? false : 'no chromium at CHROMIUM_PATH' }, async () => {
  const app = Fastify();
  app.get('/', async (_request, reply) => reply.type('text/html').send('<!doctype html><title>here</title><p>here</p>'));
  app.get('/same', async () => ({ ok: true }));
  const web = await servePages(app);
  try {
    const page = await web.page();
    await page.goto(`${web.base}/`);
    await page.evaluate(async () => {
      await fetch('/same');
      // Another host on the loopback network, where nothing listens: refused at once.
      await fetch('http://127.0.0.2:9/elsewhere').catch(() => undefined);
    });
    await until(() => web.foreign.length > 0, 'the foreign request to be recorded', 30_000);
    assert.deepEqual(web.foreign, ['http://127.0.0.2:9/elsewhere']);
  } finally {
    await web.close();
    await app.close();
  }
});
