// /healthz and /readyz: unauthenticated, cheap, and /readyz turns 503 when the database does not
// answer, its schema is behind this build, or the process is shutting down.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { buildApp } from '../app.js';
import { ManualClock } from '../clock.js';
import { loadConfig } from '../config.js';
import { sql } from 'kysely';
import { openStore } from '../store/database.js';
import { migrations } from '../store/migrations/index.js';
import { DIALECTS, forDialect } from '../test-support/app.js';
import { createPgDatabase } from '../test-support/postgres.js';
import { Lifecycle } from './health.js';

for (const dialect of DIALECTS) {
  describe(dialect, () => {
    const startApp = forDialect(dialect);

    test('/healthz and /readyz answer without credentials; /readyz checks database, schema and shutdown', async () => {
      const lifecycle = new Lifecycle();
      const t = await startApp({ lifecycle });
      try {
        for (const method of ['GET', 'HEAD'] as const) {
          const health = await t.app.inject({ method, url: '/healthz' });
          assert.equal(health.statusCode, 200, health.body);
          assert.equal(health.headers['cache-control'], 'no-store');
        }
        assert.deepEqual((await t.app.inject({ method: 'GET', url: '/healthz' })).json(), { status: 'ok' });
        const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
        assert.equal(ready.statusCode, 200, ready.body);
        assert.deepEqual(ready.json(), { status: 'ready', checks: { database: { ok: true }, schema: { ok: true }, shutdown: { ok: true } } });
        // A query string changes nothing; other methods are not routes.
        assert.equal((await t.app.inject({ method: 'GET', url: '/readyz?verbose=1' })).statusCode, 200);
        const post = await t.app.inject({ method: 'POST', url: '/healthz', payload: '{}' });
        assert.equal(post.statusCode, 404, post.body);

        lifecycle.beginShutdown();
        const draining = await t.app.inject({ method: 'GET', url: '/readyz' });
        assert.equal(draining.statusCode, 503, draining.body);
        assert.deepEqual(draining.json(), { status: 'not ready', checks: { shutdown: { ok: false, detail: 'shutting down' } } });
        assert.equal((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200, 'alive while draining');
      } finally {
        await t.close();
      }
    });

    test('/readyz is 503 once the database is gone; /healthz does not touch it', async () => {
      const t = await startApp();
      try {
        assert.equal((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
        await t.store.close();
        const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
        assert.equal(ready.statusCode, 503, ready.body);
        const body = ready.json() as { checks: { database: { ok: boolean; detail: string } } };
        assert.deepEqual(body.checks.database, { ok: false, detail: 'unreachable' });
        assert.equal((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
      } finally {
        await t.app.close();
        await t.close().catch(() => {});
      }
    });
  });
}

describe('schema', () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  for (const dialect of DIALECTS) {
    test(`/readyz is 503 with the pending migrations named until the schema is current (${dialect})`, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'booking-health-'));
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      const pg = dialect === 'postgres' ? await createPgDatabase() : null;
      if (pg) cleanups.push(pg.drop);
      const config = loadConfig({ DATABASE_URL: pg ? pg.url : `sqlite:${join(dir, 'db.sqlite')}`, LOG_LEVEL: 'silent' });
      // A schema one migration behind this build: the newest one's ledger row taken out.
      const store = await openStore(config.database);
      cleanups.push(() => store.close());
      const newest = Object.keys(migrations).sort().at(-1) ?? '';
      const ledger = await sql<{ name: string; timestamp: string }>`select name, timestamp from kysely_migration where name = ${newest}`.execute(store.db);
      assert.equal(ledger.rows.length, 1);
      await sql`delete from kysely_migration where name = ${newest}`.execute(store.db);
      const app = await buildApp(config, { store, clock: new ManualClock(0) });
      cleanups.push(() => app.close());

      const behind = await app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(behind.statusCode, 503, behind.body);
      const detail = (behind.json() as { checks: { schema: { ok: boolean; detail: string } } }).checks.schema;
      assert.equal(detail.ok, false);
      assert.equal(detail.detail, `pending migrations: ${newest} (run booking-server migrate)`);

      await sql`insert into kysely_migration (name, timestamp) values (${newest}, ${ledger.rows[0]?.timestamp})`.execute(store.db);
      assert.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
    });
  }
});
