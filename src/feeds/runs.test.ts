// The last run of each feed kind, recorded by `feeds run` (the daily run is that command) and read
// through the admin API for the health screens: every count for the bootstrap token, when and how
// it ended for a merchant's managers. A good run, then a run whose upload fails. SQLite and
// PostgreSQL, a local SFTP server.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { DIALECTS, forDialect, seedMerchant, type TestApp } from '../test-support/app.js';
import { adminOk } from '../test-support/bookings.js';
import { sshKeyPair, startSftpServer, type TestSftpServer } from '../test-support/sftp-server.js';
import { generateAndUpload } from './cli.js';

const M = 'feeds-m';

for (const dialect of DIALECTS) {
  describe(dialect, () => {
    const startApp = forDialect(dialect);
    let t: TestApp;
    let work: string;
    let server: TestSftpServer;
    let env: Record<string, string>;
    let managerToken: string;

    before(async () => {
      work = await mkdtemp(join(tmpdir(), 'feed-runs-'));
      const keys = sshKeyPair();
      await writeFile(join(work, 'key'), keys.private, { mode: 0o600 });
      server = await startSftpServer({ clientPublicKey: keys.public, users: ['m', 's', 'a'] });
      env = {
        FEEDS_DIR: join(work, 'feeds'),
        FEEDS_SFTP_HOST: '127.0.0.1',
        FEEDS_SFTP_PORT: String(server.port),
        FEEDS_SFTP_USER_MERCHANTS: 'm',
        FEEDS_SFTP_USER_SERVICES: 's',
        FEEDS_SFTP_USER_AVAILABILITY: 'a',
        FEEDS_SFTP_PRIVATE_KEY_FILE: join(work, 'key'),
        FEEDS_SFTP_HOST_KEY_SHA256: server.hostKeyFingerprint,
        FEEDS_SFTP_ATTEMPTS: '1',
      };
      t = await startApp({ env });
      await seedMerchant(t.services, { id: M });
      managerToken = (await adminOk(t, 'POST', '/tokens', { merchant_id: M, label: 'manager' }, 201)).token;
    });
    after(async () => {
      await t.close();
      await server.close();
      await rm(work, { recursive: true, force: true });
    });

    const run = (extraEnv: Record<string, string> = {}) => {
      // Only the feeds part of the configuration is read.
      const config = { ...t.config, feeds: loadConfig({ ...env, ...extraEnv }).feeds };
      return generateAndUpload(config, t.store, t.clock, createLogger('silent'), new AbortController().signal);
    };

    test('before any run, no kind has a last run', async () => {
      assert.deepEqual(await adminOk(t, 'GET', '/feed-runs'), { feed_runs: [] });
      assert.deepEqual(await adminOk(t, 'GET', `/merchants/${M}/feed-runs`, undefined, 200, managerToken), { feed_runs: [] });
    });

    test('a good run: each kind ok with its counts for the operator; when and how for the merchant', async () => {
      const started = Math.floor(t.clock.nowMs() / 1000);
      await run();
      const { feed_runs } = await adminOk(t, 'GET', '/feed-runs');
      assert.deepEqual(
        feed_runs.map((r: Record<string, unknown>) => ({ ...r, bytes: typeof r.bytes })),
        [
          {
            kind: 'merchants',
            started_at: started,
            finished_at: started,
            outcome: 'ok',
            error: null,
            records: 1,
            slots: null,
            shards: 1,
            bytes: 'number',
            uploaded_files: 1,
          },
          {
            kind: 'services',
            started_at: started,
            finished_at: started,
            outcome: 'ok',
            error: null,
            records: 1,
            slots: null,
            shards: 1,
            bytes: 'number',
            uploaded_files: 1,
          },
          {
            kind: 'availability',
            started_at: started,
            finished_at: started,
            outcome: 'ok',
            error: null,
            records: 0,
            slots: 0,
            shards: 1,
            bytes: 'number',
            uploaded_files: 1,
          },
        ],
      );
      const mine = await adminOk(t, 'GET', `/merchants/${M}/feed-runs`, undefined, 200, managerToken);
      assert.deepEqual(
        mine.feed_runs[0],
        { kind: 'merchants', started_at: started, finished_at: started, outcome: 'ok', error: null },
        "the counts span every merchant: the operator's only",
      );
      assert.equal((await t.admin('GET', '/feed-runs', undefined, managerToken)).statusCode, 403);
    });

    test('a run whose upload fails: every kind failed with the error, the generated counts kept', async () => {
      t.clock.advanceSeconds(86_400);
      await assert.rejects(run({ FEEDS_SFTP_USER_SERVICES: '' }), /FEEDS_SFTP_USER_SERVICES/);
      const { feed_runs } = await adminOk(t, 'GET', '/feed-runs');
      assert.deepEqual(
        feed_runs.map((r: { kind: string; outcome: string; records: number; uploaded_files: number | null }) => [
          r.kind,
          r.outcome,
          r.records,
          r.uploaded_files,
        ]),
        [
          ['merchants', 'failed', 1, null],
          ['services', 'failed', 1, null],
          ['availability', 'failed', 0, null],
        ],
      );
      for (const r of feed_runs) assert.match(r.error, /^upload failed: .*FEEDS_SFTP_USER_SERVICES/);
      const mine = await adminOk(t, 'GET', `/merchants/${M}/feed-runs`, undefined, 200, managerToken);
      assert.equal(mine.feed_runs[1].outcome, 'failed');
      assert.match(mine.feed_runs[1].error, /^upload failed/);
    });
  });
}
