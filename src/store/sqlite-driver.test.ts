// Each Node loads the better-sqlite3 line that works on it, and a process that lets V8 collect many
// prepared statements (during its life and at exit) ends cleanly: with better-sqlite3 12 on
// Node >= 24.19 it would die of SIGABRT here.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { NODE_MAJOR, sqliteDriver, sqlitePackage } from './sqlite-driver.js';

const require = createRequire(import.meta.url);

describe('sqlite driver', () => {
  test('Node 20 loads better-sqlite3 12, later Node 13', () => {
    const { version } = require(`${sqlitePackage}/package.json`) as { version: string };
    assert.equal(version.split('.')[0], NODE_MAJOR < 22 ? '12' : '13');
    const Driver = sqliteDriver();
    const db = new Driver(':memory:');
    assert.deepEqual(db.prepare('select 1 + 1 as two').get(), { two: 2 });
    db.close();
  });

  test('a process whose prepared statements are garbage-collected as it runs lives and exits cleanly', () => {
    const driver = fileURLToPath(new URL('./sqlite-driver.ts', import.meta.url));
    // Statements become garbage while the event loop turns, so V8 collects them in its own time
    // (outside any JavaScript frame), as a server does.
    const script = `
      const { sqliteDriver } = await import(${JSON.stringify(driver)});
      const Driver = sqliteDriver();
      const db = new Driver(':memory:');
      db.exec('create table t (a)');
      for (let round = 0; round < 50; round++) {
        for (let i = 0; i < 2000; i++) db.prepare('insert into t values (?)').run(i);
        await new Promise((resolve) => setImmediate(resolve));
        const garbage = [];
        for (let i = 0; i < 100000; i++) garbage.push({ i });
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      process.stdout.write('ok');
    `;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(child.signal, null, child.stderr);
    assert.equal(child.status, 0, child.stderr);
    assert.equal(child.stdout, 'ok');
  });
});
