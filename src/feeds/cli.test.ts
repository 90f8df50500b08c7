// `booking-server feeds generate` and `feeds upload` as a person runs them: the compiled CLI as a
// process, on a SQLite file with the demo inventory, uploading to a local SFTP server.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildServices } from '../app.js';
import { systemClock } from '../clock.js';
import { loadConfig } from '../config.js';
import { seedDemo } from '../demo/seed.js';
import { openStore } from '../store/database.js';
import { sshKeyPair, startSftpServer, type TestSftpServer } from '../test-support/sftp-server.js';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../../bin/booking-server.js', import.meta.url));

let work: string;
let env: Record<string, string>;
let server: TestSftpServer;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'feeds-cli-'));
  const database = `sqlite:${join(work, 'db.sqlite')}`;
  const config = loadConfig({ DATABASE_URL: database, LOG_LEVEL: 'silent' });
  const store = await openStore(config.database);
  await seedDemo(buildServices(config, store, systemClock), systemClock);
  await store.close();
  const keys = sshKeyPair();
  await writeFile(join(work, 'key'), keys.private, { mode: 0o600 });
  server = await startSftpServer({ clientPublicKey: keys.public, users: ['m', 's', 'a'] });
  env = {
    PATH: process.env.PATH ?? '',
    DATABASE_URL: database,
    LOG_LEVEL: 'silent',
    FEEDS_SFTP_HOST: '127.0.0.1',
    FEEDS_SFTP_PORT: String(server.port),
    FEEDS_SFTP_USER_MERCHANTS: 'm',
    FEEDS_SFTP_USER_SERVICES: 's',
    FEEDS_SFTP_USER_AVAILABILITY: 'a',
    FEEDS_SFTP_PRIVATE_KEY_FILE: join(work, 'key'),
    FEEDS_SFTP_HOST_KEY_SHA256: server.hostKeyFingerprint,
  };
});
after(async () => {
  await server.close();
  await rm(work, { recursive: true, force: true });
});

describe('booking-server feeds', () => {
  test('generate writes the three feeds and prints one summary line; upload sends them', async () => {
    const out = join(work, 'out');
    const generated = await run(process.execPath, [BIN, 'feeds', 'generate', '--out', out], { env });
    assert.equal(generated.stderr, '', 'no progress bar when stderr is not a terminal');
    const lines = generated.stdout.trim().split('\n');
    assert.equal(lines.length, 1);
    assert.match(
      lines[0]!,
      /^feeds generated in [\d.]+ s: 2 merchants in 1 shard \([\d.]+ MB\); 2 services in 1 shard \([\d.]+ MB\); \d+ slots as \d+ entries in 1 shard \([\d.]+ MB\) -> /,
    );
    const files = (await readdir(out)).sort();
    assert.deepEqual(
      files.map((f) => f.replace(/_\d+_/, '_T_')),
      ['availability_feed_T_001_of_001.json.gz', 'merchant_feed_T_001_of_001.json.gz', 'service_feed_T_001_of_001.json.gz'],
    );

    const uploaded = await run(process.execPath, [BIN, 'feeds', 'upload', '--dir', out], { env });
    assert.match(uploaded.stdout, /^feeds uploaded: 3 files \([\d.]+ MB\)\n$/);
    assert.deepEqual([...server.files.get('a')!.keys()], [files[0]]);
    assert.deepEqual([...server.files.get('m')!.keys()], [files[1]]);
    assert.deepEqual([...server.files.get('s')!.keys()], [files[2]]);
  });

  test('a bad option or missing upload configuration exits non-zero with a message', async () => {
    await assert.rejects(run(process.execPath, [BIN, 'feeds', 'generate', '--horizon-days', '120'], { env }), (error: { code: number; stderr: string }) => {
      assert.equal(error.code, 2);
      assert.match(error.stderr, /--horizon-days must be a whole number from 1 to 90/);
      return true;
    });
    const out = join(work, 'out2');
    await run(process.execPath, [BIN, 'feeds', 'generate', '--out', out], { env });
    const { FEEDS_SFTP_USER_SERVICES: _dropped, ...withoutServices } = env;
    await assert.rejects(run(process.execPath, [BIN, 'feeds', 'upload', '--dir', out], { env: withoutServices }), (error: { code: number; stderr: string }) => {
      assert.equal(error.code, 1);
      assert.match(error.stderr, /FEEDS_SFTP_USER_SERVICES is not set/);
      return true;
    });
  });
});
