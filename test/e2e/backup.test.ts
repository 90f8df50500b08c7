// `booking-server backup` and `restore` as an operator runs them: an online copy taken from a
// second process while the server keeps acknowledging writes, checked row by row against what
// was acknowledged before the backup started; then a restore that refuses a database in use and,
// once the server is stopped, brings the copy back and keeps the database it replaced.
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { sqliteDriver } from '../../src/store/sqlite-driver.js';
import { removeTempDirs, runCli, serverEnv, spawnServer, stopAll, tempDir, withTimeout, type ServerProcess } from './support.js';

const servers: ServerProcess[] = [];
after(async () => {
  await stopAll(servers);
  removeTempDirs();
});

function merchantIdsIn(file: string): Set<string> {
  const Database = sqliteDriver();
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    return new Set((db.prepare('select id from merchants').all() as { id: string }[]).map((r) => r.id));
  } finally {
    db.close();
  }
}

describe('backup and restore (SQLite)', () => {
  it('a backup under write load holds every write acknowledged before it started; restore refuses a running database, then brings the copy back', {
    timeout: 240_000,
  }, async () => {
    const dir = tempDir();
    const env = serverEnv(dir);
    const server = await spawnServer(env);
    servers.push(server);

    // Writers: merchants created one after another by four clients; a write counts once its 201 arrived.
    const acknowledged: string[] = [];
    let stop = false;
    let failures = 0;
    const writer = async (w: number): Promise<void> => {
      for (let n = 0; !stop; n++) {
        const id = `w${w}-${n}`;
        const response = await fetch(`${server.baseUrl}/admin/v1/merchants`, {
          method: 'POST',
          headers: { authorization: `Bearer ${env.ADMIN_TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ id, name: `Load ${id}`, time_zone: 'Europe/Berlin' }),
          signal: AbortSignal.timeout(30_000),
        });
        if (response.status === 201) acknowledged.push(id);
        else failures++;
        await response.arrayBuffer();
      }
    };
    const writers = [0, 1, 2, 3].map(writer);
    while (acknowledged.length < 40) await new Promise((r) => setTimeout(r, 20));

    const file = join(dir, 'backup.sqlite');
    const beforeStart = [...acknowledged];
    const backup = await runCli(env, ['backup', file], 120_000);
    const duringOrAfter = acknowledged.length - beforeStart.length;
    stop = true;
    await withTimeout(Promise.all(writers), 60_000, 'the writers to stop');
    assert.equal(backup.code, 0, backup.stderr);
    assert.match(backup.stdout, /^backup written: .*backup\.sqlite \(\d+ pages, \d+ bytes; integrity ok; migrations 0001-waitlist/m);
    assert.equal(failures, 0, 'every write was acknowledged');
    assert.ok(duringOrAfter > 0, 'the server kept taking writes while the backup ran');

    const copied = merchantIdsIn(file);
    const missing = beforeStart.filter((id) => !copied.has(id));
    assert.deepEqual(missing, [], 'writes acknowledged before the backup started are in it');
    // Nothing in the copy that the server never acknowledged (a write in flight may or may not be there).
    for (const id of copied) assert.ok(acknowledged.includes(id), `${id} in the copy was never acknowledged`);

    // A second backup to the same file is refused; the first stays as it is.
    const again = await runCli(env, ['backup', file]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /exists already/);
    assert.equal(merchantIdsIn(file).size, copied.size);

    // Restore while the server runs: refused, the live database untouched.
    const database = env.DATABASE_URL!.slice('sqlite:'.length);
    const refused = await runCli(env, ['restore', file]);
    assert.equal(refused.code, 1, refused.stdout);
    assert.match(refused.stderr, /is in use \(a running booking-server\?\)/);
    const listed = await fetch(`${server.baseUrl}/admin/v1/merchants`, { headers: { authorization: `Bearer ${env.ADMIN_TOKEN}` } });
    assert.equal(((await listed.json()) as { merchants: unknown[] }).merchants.length, acknowledged.length);

    server.kill('SIGTERM');
    assert.deepEqual(await withTimeout(server.exited, 60_000, 'the server to stop'), { code: 0, signal: null });
    const restored = await runCli(env, ['restore', file]);
    assert.equal(restored.code, 0, restored.stderr);
    const previous = /kept at (\S+)/.exec(restored.stdout)?.[1];
    assert.ok(previous && existsSync(previous), restored.stdout);
    assert.equal(merchantIdsIn(previous).size, acknowledged.length, 'the replaced database is kept whole');
    assert.deepEqual(merchantIdsIn(database), copied);

    // The server starts on the restored database and serves what the backup held.
    const back = await spawnServer(env);
    servers.push(back);
    const after = await fetch(`${back.baseUrl}/admin/v1/merchants`, { headers: { authorization: `Bearer ${env.ADMIN_TOKEN}` } });
    const ids = ((await after.json()) as { merchants: { id: string }[] }).merchants.map((m) => m.id);
    assert.deepEqual(new Set(ids), copied);
  });

  it('refuses what it cannot do safely: a missing database, a file that is not a backup, PostgreSQL', async () => {
    const dir = tempDir();
    const env = serverEnv(dir, { DATABASE_URL: `sqlite:${join(dir, 'nothing-here.sqlite')}` });
    const missing = await runCli(env, ['backup', join(dir, 'b.sqlite')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /cannot open the database/);
    assert.ok(!existsSync(join(dir, 'nothing-here.sqlite')), 'no empty database was created');
    assert.ok(!existsSync(join(dir, 'b.sqlite')));

    const junk = join(dir, 'junk.sqlite');
    writeFileSync(junk, 'not a database at all '.repeat(100));
    const notDb = await runCli(env, ['restore', junk]);
    assert.equal(notDb.code, 1);
    assert.match(notDb.stderr, /not a SQLite database/);
    const absent = await runCli(env, ['restore', join(dir, 'absent.sqlite')]);
    assert.equal(absent.code, 1);
    assert.match(absent.stderr, /does not exist/);

    const pg = await runCli({ ...env, DATABASE_URL: 'postgres://u:p@127.0.0.1:1/db' }, ['backup', join(dir, 'p.sqlite')]);
    assert.equal(pg.code, 2);
    assert.match(pg.stderr, /pg_dump/);
  });
});
