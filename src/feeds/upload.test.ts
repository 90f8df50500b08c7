// Feed upload against a real SFTP server on 127.0.0.1 (ssh2): one user per feed type, temporary
// name then rename, host key check, and a connection dropped in the middle of a file that is
// retried on a new connection.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config.js';
import { sshKeyPair, startSftpServer, type TestSftpServer } from '../test-support/sftp-server.js';
import { feedFileName } from './generate.js';
import { UPLOADED_DIR, UploadConfigError, uploadFeeds } from './upload.js';

const USERS = { merchants: 'feeds-merchants', services: 'feeds-services', availability: 'feeds-availability' };

let server: TestSftpServer;
let work: string;
let keyFile: string;

before(async () => {
  const clientKeys = sshKeyPair();
  work = await mkdtemp(join(tmpdir(), 'feeds-upload-'));
  keyFile = join(work, 'id_ed25519');
  await writeFile(keyFile, clientKeys.private, { mode: 0o600 });
  server = await startSftpServer({ clientPublicKey: clientKeys.public, users: Object.values(USERS) });
});
after(async () => {
  await server.close();
  await rm(work, { recursive: true, force: true });
});

function sftpConfig(env: Record<string, string> = {}) {
  return loadConfig({
    FEEDS_SFTP_HOST: '127.0.0.1',
    FEEDS_SFTP_PORT: String(server.port),
    FEEDS_SFTP_USER_MERCHANTS: USERS.merchants,
    FEEDS_SFTP_USER_SERVICES: USERS.services,
    FEEDS_SFTP_USER_AVAILABILITY: USERS.availability,
    FEEDS_SFTP_PRIVATE_KEY_FILE: keyFile,
    FEEDS_SFTP_HOST_KEY_SHA256: server.hostKeyFingerprint,
    FEEDS_SFTP_RETRY_BASE_MS: '5',
    FEEDS_SFTP_TIMEOUT_MS: '5000',
    ...env,
  }).feeds.sftp;
}

let seq = 1_800_000_000;
/** A directory with feed files (random bytes: the uploader does not look inside). */
async function feedDir(spec: { kind: 'merchants' | 'services' | 'availability'; bytes: number; shards?: number }[]) {
  const dir = await mkdtemp(join(work, 'out-'));
  const written = new Map<string, Buffer>();
  for (const { kind, bytes, shards = 1 } of spec) {
    seq += 1;
    for (let i = 0; i < shards; i++) {
      const name = feedFileName(kind, seq, i, shards);
      const data = randomBytes(bytes);
      await writeFile(join(dir, name), data);
      written.set(name, data);
    }
  }
  await writeFile(join(dir, '.availability_feed_1_1.json.gz.tmp'), 'half-written, never uploaded');
  await writeFile(join(dir, 'notes.txt'), 'not a feed');
  return { dir, written };
}

describe('feeds upload over SFTP', () => {
  test('each feed type goes to its own user, under a temporary name renamed when complete', async () => {
    const { dir, written } = await feedDir([
      { kind: 'availability', bytes: 200_000, shards: 2 },
      { kind: 'merchants', bytes: 3000 },
      { kind: 'services', bytes: 5000 },
    ]);
    const opsBefore = server.ops.length;
    const uploaded = await uploadFeeds({ dir, sftp: sftpConfig() });
    assert.deepEqual(
      uploaded.map((u) => [u.kind, u.attempts]),
      [
        ['merchants', 1],
        ['services', 1],
        ['availability', 1],
        ['availability', 1],
      ],
      'merchants first, then services, then availability',
    );
    for (const [name, data] of written) {
      const kind = name.startsWith('merchant_') ? 'merchants' : name.startsWith('service_') ? 'services' : 'availability';
      const box = server.files.get(USERS[kind])!;
      assert.deepEqual(box.get(name), data, `${name} arrived whole in the ${kind} dropbox`);
      assert.equal(box.has(`${name}.tmp`), false, 'no temporary file left');
      const ops = server.ops.slice(opsBefore).filter((o) => o.path.startsWith(name));
      assert.deepEqual(
        ops.filter((o) => o.op === 'open' || o.op === 'rename').map((o) => [o.op, o.path, o.to]),
        [
          ['open', `${name}.tmp`, undefined],
          ['rename', `${name}.tmp`, name],
        ],
        'written under the temporary name, then renamed',
      );
    }
    assert.deepEqual((await readdir(join(dir, UPLOADED_DIR))).sort(), [...written.keys()].sort(), 'uploaded files move to uploaded/');
    assert.deepEqual(
      (await readdir(dir)).filter((n) => n.endsWith('.json.gz')),
      [],
    );
    assert.deepEqual(await uploadFeeds({ dir, sftp: sftpConfig() }), [], 'a second run sends nothing again');
  });

  test('a connection dropped in the middle of a file is retried on a new connection; nothing half-written is renamed', async () => {
    const { dir, written } = await feedDir([{ kind: 'availability', bytes: 600_000 }]);
    const [name] = [...written.keys()];
    server.dropAfterBytes(new RegExp(`^${name}\\.tmp$`), 100_000);
    const opsBefore = server.ops.length;
    const uploaded = await uploadFeeds({ dir, sftp: sftpConfig() });
    assert.equal(uploaded[0]!.attempts, 2);
    const ops = server.ops.slice(opsBefore).map((o) => `${o.op} ${o.path}${o.to ? ` -> ${o.to}` : ''}`);
    const dropAt = ops.indexOf(`drop ${name}.tmp`);
    assert.ok(dropAt >= 0, 'the server dropped the connection');
    assert.equal(
      ops.slice(0, dropAt).some((o) => o.startsWith('rename')),
      false,
      'no rename before the drop',
    );
    assert.equal(ops.filter((o) => o === `open ${name}.tmp`).length, 2, 'the file was sent again from the start');
    assert.equal(ops.at(-1), `rename ${name}.tmp -> ${name}`);
    assert.deepEqual(server.files.get(USERS.availability)!.get(name!), written.get(name!));
  });

  test('a file already renamed by a try whose connection dropped is not sent twice', async () => {
    const { dir, written } = await feedDir([{ kind: 'merchants', bytes: 1000 }]);
    const [name] = [...written.keys()];
    server.files.get(USERS.merchants)!.set(name!, written.get(name!)!);
    const opsBefore = server.ops.length;
    const uploaded = await uploadFeeds({ dir, sftp: sftpConfig() });
    assert.equal(uploaded.length, 1);
    assert.equal(
      server.ops.slice(opsBefore).some((o) => o.op === 'open'),
      false,
    );
  });

  test('a host key that is not the configured one is refused, and the file stays for the next run', async () => {
    const { dir, written } = await feedDir([{ kind: 'services', bytes: 1000 }]);
    const wrong = `SHA256:${Buffer.alloc(32, 7).toString('base64').replace(/=+$/, '')}`;
    await assert.rejects(uploadFeeds({ dir, sftp: sftpConfig({ FEEDS_SFTP_HOST_KEY_SHA256: wrong, FEEDS_SFTP_ATTEMPTS: '2' }) }), /failed after 2 tries/);
    assert.equal(server.files.get(USERS.services)!.has([...written.keys()][0]!), false);
    assert.deepEqual(
      (await readdir(dir)).filter((n) => n.endsWith('.json.gz')),
      [...written.keys()],
    );
  });

  test('a feed type without a configured user, or no key file, is a configuration error before anything is sent', async () => {
    const { dir } = await feedDir([{ kind: 'availability', bytes: 100 }]);
    const config = sftpConfig();
    await assert.rejects(uploadFeeds({ dir, sftp: { ...config, usernames: { ...config.usernames, availability: null } } }), (error: Error) => {
      assert.ok(error instanceof UploadConfigError);
      assert.match(error.message, /FEEDS_SFTP_USER_AVAILABILITY/);
      return true;
    });
    await assert.rejects(uploadFeeds({ dir, sftp: { ...config, privateKeyFile: null } }), /FEEDS_SFTP_PRIVATE_KEY_FILE/);
    assert.ok((await readFile(keyFile, 'utf8')).includes('PRIVATE KEY'));
  });
});
