// Fault suite: the database's disk fills up. Writes must fail with a clear 503 (and Retry-After)
// while reads keep working, and the server must recover by itself when space returns. The disk
// is a small tmpfs mounted by the test (needs root, as CI runs; skipped otherwise).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, openSync, rmSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { postJson, removeTempDirs, secret, serverEnv, spawnServer, stopAll, tempDir, type ServerProcess } from '../e2e/support.js';

function tryMount(dir: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Writes zeros until the disk is full; returns the filler's path. */
function fill(dir: string): string {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(64 * 1024);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  return path;
}

const root = tempDir('booking-disk-');
const mountPoint = join(root, 'disk');
mkdirSync(mountPoint);
const mounted = process.getuid?.() === 0 && tryMount(mountPoint);

describe('a full disk', { skip: mounted ? false : 'needs root to mount a small tmpfs' }, () => {
  const servers: ServerProcess[] = [];
  after(async () => {
    await stopAll(servers);
    if (mounted) execFileSync('umount', ['-l', mountPoint], { stdio: 'ignore' });
    removeTempDirs();
  });

  it('refuses writes with 503 while reads keep working, and recovers when space returns', { timeout: 120_000 }, async (t) => {
    const env = serverEnv(root, { DATABASE_URL: `sqlite:${join(mountPoint, 'db.sqlite')}`, LOG_LEVEL: process.env.DISK_LOG ?? 'fatal' });
    const server = await spawnServer(env, ['serve', '--demo']);
    servers.push(server);
    const credentials = env.BOOKING_SERVER_CREDENTIALS;
    const run = secret(5);
    const joinWaitlist = (i: number) =>
      postJson(
        server.baseUrl,
        '/v3/CreateWaitlistEntry',
        {
          merchant_id: 'dining-1',
          service_id: 'reservation',
          party_size: 2,
          idempotency_token: `disk-${run}-${i}`,
          user_information: {
            user_id: `disk-user-${run}-${i}`,
            given_name: 'Grace',
            family_name: 'Hopper',
            telephone: '+12125550124',
            email: `${'x'.repeat(2000)}-${run}-${i}`,
          },
          additional_request: 'y'.repeat(4000),
        },
        credentials,
      );
    const before = await joinWaitlist(0);
    assert.equal(before.status, 200, before.text);
    const entryId = JSON.parse(before.text).waitlist_entry_id as string;

    const filler = fill(mountPoint);
    // The WAL may still have room for a few transactions; keep writing until the disk says no.
    let refused: { status: number; text: string; headers: Headers } | null = null;
    let i = 1;
    for (; i < 3000 && refused === null; i++) {
      const r = await joinWaitlist(i);
      if (r.status !== 200) refused = r;
    }
    assert.ok(refused, 'a write was refused once the disk was full');
    assert.equal(refused.status, 503, `${refused.text}\n${server.output().slice(-3000)}`);
    assert.equal(JSON.parse(refused.text).error.code, 'UNAVAILABLE');
    assert.ok(refused.headers.get('retry-after'));
    t.diagnostic(`the disk filled up after ${i - 1} writes`);

    // Reads still work.
    const read = await postJson(server.baseUrl, '/v3/GetWaitlistEntry', { waitlist_entry_id: entryId }, credentials);
    assert.equal(read.status, 200, read.text);
    const estimates = await postJson(
      server.baseUrl,
      '/v3/BatchGetWaitEstimates',
      { merchant_id: 'dining-1', service_id: 'reservation', party_size: [2] },
      credentials,
    );
    assert.equal(estimates.status, 200, estimates.text);
    const health = await fetch(`${server.baseUrl}/v3/HealthCheck`, { headers: { authorization: `Basic ${Buffer.from(credentials).toString('base64')}` } });
    assert.equal(health.status, 200);

    // Space returns: writes succeed again, without a restart.
    rmSync(filler);
    const recovered = await joinWaitlist(100_000);
    assert.equal(recovered.status, 200, recovered.text);
    assert.ok(JSON.parse(recovered.text).waitlist_entry_id);
  });
});
