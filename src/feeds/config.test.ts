// FEEDS_* configuration: defaults, limits, and what the daily run requires.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, GOOGLE_SHARD_LIMIT_BYTES, loadConfig } from '../config.js';

const load = (env: Record<string, string>) => loadConfig(env, '/srv/app').feeds;

describe('feeds configuration', () => {
  test("defaults: 30 days, Google's 200 MB shard limit, Google's SFTP host and port, no daily run", () => {
    const feeds = load({});
    assert.equal(feeds.horizonDays, 30);
    assert.equal(feeds.shardMaxBytes, GOOGLE_SHARD_LIMIT_BYTES);
    assert.equal(feeds.dailyAt, null);
    assert.equal(feeds.dir, '/srv/app/data/feeds');
    assert.deepEqual([feeds.sftp.host, feeds.sftp.port, feeds.sftp.remoteDir], ['partnerupload.google.com', 19321, '']);
    assert.deepEqual(feeds.sftp.usernames, { merchants: null, services: null, availability: null });
  });

  test('the daily time, per-feed users and the key file are read; relative paths resolve against the working directory', () => {
    const feeds = load({
      FEEDS_DAILY_AT: '03:15',
      FEEDS_SFTP_USER_MERCHANTS: 'm',
      FEEDS_SFTP_USER_SERVICES: 's',
      FEEDS_SFTP_USER_AVAILABILITY: 'a',
      FEEDS_SFTP_PRIVATE_KEY_FILE: 'keys/feeds',
      FEEDS_HORIZON_DAYS: '90',
      FEEDS_SFTP_DIR: 'incoming/',
    });
    assert.deepEqual(feeds.dailyAt, { hour: 3, minute: 15 });
    assert.deepEqual(feeds.sftp.usernames, { merchants: 'm', services: 's', availability: 'a' });
    assert.equal(feeds.sftp.privateKeyFile, '/srv/app/keys/feeds');
    assert.equal(feeds.horizonDays, 90);
    assert.equal(feeds.sftp.remoteDir, 'incoming');
  });

  test('bad values name their variable', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ FEEDS_DAILY_AT: '3am' }, /^FEEDS_DAILY_AT: /],
      [{ FEEDS_DAILY_AT: '24:00' }, /^FEEDS_DAILY_AT: /],
      [{ FEEDS_HORIZON_DAYS: '91' }, /^FEEDS_HORIZON_DAYS: must be between 1 and 90/],
      [{ FEEDS_SHARD_MAX_BYTES: '300000000' }, /^FEEDS_SHARD_MAX_BYTES: /],
      [{ FEEDS_SFTP_HOST_KEY_SHA256: 'abc' }, /^FEEDS_SFTP_HOST_KEY_SHA256: /],
      [{ FEEDS_DAILY_AT: '03:00' }, /^FEEDS_SFTP_PRIVATE_KEY_FILE: is required when FEEDS_DAILY_AT is set/],
      [
        { FEEDS_DAILY_AT: '03:00', FEEDS_SFTP_PRIVATE_KEY_FILE: 'k', FEEDS_SFTP_USER_MERCHANTS: 'm', FEEDS_SFTP_USER_SERVICES: 's' },
        /^FEEDS_SFTP_USER_AVAILABILITY: /,
      ],
    ];
    for (const [env, message] of cases) {
      assert.throws(
        () => load(env),
        (error: Error) => error instanceof ConfigError && message.test(error.message),
        JSON.stringify(env),
      );
    }
  });
});
