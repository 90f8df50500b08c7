// `serve` with FEEDS_DAILY_AT: a server started after the day's time runs the day's feeds at once
// (catch-up), in a child process, and uploads them to the SFTP dropboxes, while it keeps
// answering requests.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { sshKeyPair, startSftpServer, type TestSftpServer } from '../../src/test-support/sftp-server.js';
import { basicAuth, eventually, removeTempDirs, serverEnv, spawnServer, stopAll, tempDir, type ServerProcess } from './support.js';

const USERS = { merchants: 'feeds-merchants', services: 'feeds-services', availability: 'feeds-availability' };

describe('serve with a daily feed run', () => {
  let sftp: TestSftpServer;
  const servers: ServerProcess[] = [];
  let keyFile: string;

  before(async () => {
    const keys = sshKeyPair();
    keyFile = join(tempDir(), 'id_ed25519');
    writeFileSync(keyFile, keys.private, { mode: 0o600 });
    sftp = await startSftpServer({ clientPublicKey: keys.public, users: Object.values(USERS) });
  });
  after(async () => {
    await stopAll(servers);
    await sftp.close();
    removeTempDirs();
  });

  it('generates and uploads the day’s feeds in a child process and keeps serving', { timeout: 120_000 }, async () => {
    const dir = tempDir();
    const env = serverEnv(dir, {
      FEEDS_DAILY_AT: '00:00',
      FEEDS_DIR: join(dir, 'feeds'),
      FEEDS_SFTP_HOST: '127.0.0.1',
      FEEDS_SFTP_PORT: String(sftp.port),
      FEEDS_SFTP_USER_MERCHANTS: USERS.merchants,
      FEEDS_SFTP_USER_SERVICES: USERS.services,
      FEEDS_SFTP_USER_AVAILABILITY: USERS.availability,
      FEEDS_SFTP_PRIVATE_KEY_FILE: keyFile,
      FEEDS_SFTP_HOST_KEY_SHA256: sftp.hostKeyFingerprint,
    });
    const server = await spawnServer(env, ['serve', '--demo'], 60_000);
    servers.push(server);
    const health = await fetch(`${server.baseUrl}/v3/HealthCheck`, { headers: { authorization: basicAuth(env.BOOKING_SERVER_CREDENTIALS) } });
    assert.equal(health.status, 200);

    const uploaded = await eventually(
      () => {
        const names = Object.values(USERS).map((u) => [...(sftp.files.get(u)?.keys() ?? [])].filter((p) => !p.endsWith('.tmp')));
        return names.every((n) => n.length > 0) ? names : undefined;
      },
      90_000,
      'the three feeds to arrive in their dropboxes',
      250,
    );
    for (const [i, user] of Object.values(USERS).entries()) {
      const path = uploaded[i]![0]!;
      const feed = JSON.parse(gunzipSync(sftp.files.get(user)!.get(path)!).toString('utf8'));
      assert.equal(feed.metadata.processing_instruction, 'PROCESS_AS_COMPLETE', `${user} ${path}`);
    }
    const availability = JSON.parse(gunzipSync(sftp.files.get(USERS.availability)!.get(uploaded[2]![0]!)!).toString('utf8'));
    assert.ok(availability.service_availability[0].availability.some((a: { merchant_id: string }) => a.merchant_id === '1001'));
  });
});
