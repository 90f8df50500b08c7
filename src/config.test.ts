// .env.example stays in step with config.ts (every variable config.ts reads is listed, nothing else,
// and the values it shows are the real defaults); `checkEnvironment` reports every error at once
// and `describeConfig` never prints a secret.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { checkEnvironment, describeConfig, loadConfig } from './config.js';

const ROOT = new URL('../', import.meta.url);
const CWD = '/srv/booking-server';

/** Names config.ts reads: every `(env, 'NAME'` in its source. */
function variablesReadByConfig(): Set<string> {
  const source = readFileSync(new URL('src/config.ts', ROOT), 'utf8');
  return new Set([...source.matchAll(/\(env, '([A-Z][A-Z0-9_]*)'/g)].map((m) => m[1]!));
}

interface Example {
  /** NAME=value lines: the defaults shown. */
  readonly defaults: Record<string, string>;
  /** `# NAME=value` lines: unset by default (with the example value shown, maybe empty). */
  readonly unset: Map<string, string>;
}

function parseExample(): Example {
  const defaults: Record<string, string> = {};
  const unset = new Map<string, string>();
  for (const line of readFileSync(new URL('.env.example', ROOT), 'utf8').split('\n')) {
    const set = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (set) {
      assert.ok(!(set[1]! in defaults), `${set[1]} twice in .env.example`);
      defaults[set[1]!] = set[2]!;
      continue;
    }
    const commented = /^# ([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (commented) unset.set(commented[1]!, commented[2]!);
  }
  return { defaults, unset };
}

describe('.env.example', () => {
  test('lists every variable config.ts reads, and no other', () => {
    const example = parseExample();
    const listed = new Set([...Object.keys(example.defaults), ...example.unset.keys()]);
    const read = variablesReadByConfig();
    assert.ok(read.size >= 30, `found ${read.size} variables in config.ts`);
    assert.deepEqual([...read].filter((name) => !listed.has(name)).sort(), [], 'read by config.ts but missing from .env.example');
    assert.deepEqual([...listed].filter((name) => !read.has(name)).sort(), [], 'in .env.example but not read by config.ts');
  });

  test('the values it shows are the defaults: loading them gives the configuration of an empty environment', () => {
    const { defaults } = parseExample();
    assert.deepEqual(loadConfig(defaults, CWD), loadConfig({}, CWD));
    // Each shown value on its own also equals the default (a wrong one would not hide behind another).
    for (const [name, value] of Object.entries(defaults)) assert.deepEqual(loadConfig({ [name]: value }, CWD), loadConfig({}, CWD), name);
  });

  test('what it leaves commented out is unset by default (setting it changes the configuration)', () => {
    const { unset } = parseExample();
    const base = loadConfig({}, CWD);
    const samples: Record<string, Record<string, string>> = {
      TLS_CERT_FILE: { TLS_CERT_FILE: 'c.pem', TLS_KEY_FILE: 'k.pem' },
      TLS_KEY_FILE: { TLS_CERT_FILE: 'c.pem', TLS_KEY_FILE: 'k.pem' },
      BOOKING_SERVER_CREDENTIALS: { BOOKING_SERVER_CREDENTIALS: 'google:pw' },
      ADMIN_TOKEN: { ADMIN_TOKEN: 'a-token-of-sixteen-chars' },
      MAPS_BOOKING_API_URL: { MAPS_BOOKING_API_URL: 'http://127.0.0.1:1' },
      GOOGLE_TOKEN_URL: { GOOGLE_TOKEN_URL: 'http://127.0.0.1:1/token' },
      FEEDS_SFTP_HOST_KEY_SHA256: { FEEDS_SFTP_HOST_KEY_SHA256: `SHA256:${'A'.repeat(43)}` },
      // Twilio's variables are read only with SMS_PROVIDER=twilio, which needs them together.
      TWILIO_ACCOUNT_SID: {
        SMS_PROVIDER: 'twilio',
        PUBLIC_BASE_URL: 'https://w.example',
        TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
        TWILIO_AUTH_TOKEN: 'tok',
        TWILIO_FROM: '+12125550100',
      },
      TWILIO_AUTH_TOKEN: {
        SMS_PROVIDER: 'twilio',
        PUBLIC_BASE_URL: 'https://w.example',
        TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
        TWILIO_AUTH_TOKEN: 'tok',
        TWILIO_FROM: '+12125550100',
      },
      TWILIO_FROM: {
        SMS_PROVIDER: 'twilio',
        PUBLIC_BASE_URL: 'https://w.example',
        TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
        TWILIO_AUTH_TOKEN: 'tok',
        TWILIO_FROM: '+12125550100',
      },
      TWILIO_MESSAGING_SERVICE_SID: {
        ...{
          SMS_PROVIDER: 'twilio',
          PUBLIC_BASE_URL: 'https://w.example',
          TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
          TWILIO_AUTH_TOKEN: 'tok',
          TWILIO_FROM: '+12125550100',
        },
        TWILIO_MESSAGING_SERVICE_SID: `MG${'0'.repeat(32)}`,
      },
      TWILIO_API_URL: {
        ...{
          SMS_PROVIDER: 'twilio',
          PUBLIC_BASE_URL: 'https://w.example',
          TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
          TWILIO_AUTH_TOKEN: 'tok',
          TWILIO_FROM: '+12125550100',
        },
        TWILIO_API_URL: 'http://127.0.0.1:1',
      },
      FEEDS_DAILY_AT: {
        FEEDS_DAILY_AT: '03:00',
        FEEDS_SFTP_PRIVATE_KEY_FILE: 'k',
        FEEDS_SFTP_USER_MERCHANTS: 'm',
        FEEDS_SFTP_USER_SERVICES: 's',
        FEEDS_SFTP_USER_AVAILABILITY: 'a',
      },
    };
    for (const [name, shown] of unset) {
      // The example value shown, where it works alone; some variables only come in pairs.
      const env = samples[name] ?? { [name]: shown === '' ? 'x' : shown };
      assert.notDeepEqual(loadConfig(env, CWD), base, `${name} is commented out as unset, but setting it changes nothing`);
    }
  });
});

describe('checkEnvironment', () => {
  test('reports every bad variable, not only the first', () => {
    const check = checkEnvironment({ PORT: 'abc', LOG_LEVEL: 'loud', GOOGLE_ENVIRONMENT: 'prod', FEEDS_HORIZON_DAYS: '365' }, CWD);
    assert.equal(check.config, null);
    assert.deepEqual(check.errors.map((e) => e.split(':')[0]).sort(), ['FEEDS_HORIZON_DAYS', 'GOOGLE_ENVIRONMENT', 'LOG_LEVEL', 'PORT']);
  });

  test('names variables of ours that are set but never read (a typo), and ignores the rest of the environment', () => {
    const check = checkEnvironment({ FEEDS_DIRR: 'x', DATABASE_POOL_MAX: '5', HOME: '/root', PORT: '9000' }, CWD);
    assert.deepEqual(check.errors, []);
    // DATABASE_POOL_MAX is read only for PostgreSQL.
    assert.deepEqual(check.unread, ['DATABASE_POOL_MAX', 'FEEDS_DIRR']);
    assert.equal(check.config?.port, 9000);
  });
});

describe('describeConfig', () => {
  test('prints every setting and masks secrets: credentials, the admin token, a database password', () => {
    const secrets = ['google:pass-word-1', 'super-secret-admin-token', 's3cr3t-db-pw'];
    const config = loadConfig(
      {
        BOOKING_SERVER_CREDENTIALS: `${secrets[0]},other:pw2`,
        ADMIN_TOKEN: secrets[1]!,
        DATABASE_URL: `postgres://app:${secrets[2]}@db.internal:5432/booking`,
        PORT: '9000',
      },
      CWD,
    );
    const lines = describeConfig(config);
    const text = lines.join('\n');
    for (const secret of [...secrets, 'pass-word-1', 'pw2']) assert.ok(!text.includes(secret), `${secret} printed`);
    assert.ok(lines.includes('port = 9000'));
    assert.ok(lines.includes('credentials = 2 value(s), masked'));
    assert.ok(lines.includes('adminTokenDigest = (set, masked)'));
    assert.ok(lines.includes('database.url = "postgres://app:***@db.internal:5432/booking"'));
    assert.ok(lines.includes('feeds.sftp.host = "partnerupload.google.com"'));
  });
});

describe('DATABASE_PREPARED_STATEMENTS', () => {
  const database = (value?: string) =>
    loadConfig({ DATABASE_URL: 'postgres://app@db.internal/booking', ...(value === undefined ? {} : { DATABASE_PREPARED_STATEMENTS: value }) }, CWD).database;

  test('on by default, off when set, anything else refused', () => {
    assert.deepEqual(database(), { kind: 'postgres', url: 'postgres://app@db.internal/booking', poolMax: 10, preparedStatements: true });
    assert.equal((database('off') as { preparedStatements?: boolean }).preparedStatements, false);
    assert.throws(() => database('yes'), /DATABASE_PREPARED_STATEMENTS/);
  });
});

describe('SQLITE_CHECKPOINTS', () => {
  const database = (value?: string) =>
    loadConfig({ DATABASE_URL: 'sqlite:./data/db.sqlite', ...(value === undefined ? {} : { SQLITE_CHECKPOINTS: value }) }, CWD).database;

  test('in the worker thread by default, on the connection when set, anything else refused', () => {
    assert.deepEqual(database(), { kind: 'sqlite', path: join(CWD, 'data', 'db.sqlite'), checkpoints: 'worker' });
    assert.equal((database('connection') as { checkpoints?: string }).checkpoints, 'connection');
    assert.equal((database('worker') as { checkpoints?: string }).checkpoints, 'worker');
    assert.throws(() => database('thread'), /SQLITE_CHECKPOINTS/);
  });
});

describe('TRUST_PROXY', () => {
  const trust = (value: string | undefined) => loadConfig(value === undefined ? {} : { TRUST_PROXY: value }, CWD).trustProxy;

  test("takes Fastify's forms: true/false, a hop count, comma-separated addresses, CIDRs and range names", () => {
    assert.equal(trust(undefined), false);
    assert.equal(trust('false'), false);
    assert.equal(trust('true'), true);
    assert.equal(trust('2'), 2);
    assert.deepEqual(trust('10.0.0.0/8, 192.168.1.7,fd00::/8, ::1, loopback'), ['10.0.0.0/8', '192.168.1.7', 'fd00::/8', '::1', 'loopback']);
    assert.deepEqual(trust('10.0.0.0/255.0.0.0'), ['10.0.0.0/255.0.0.0']);
  });

  test('refuses anything else, naming the bad entry', () => {
    for (const [value, message] of [
      ['yes', /"yes" is not an IP address or CIDR/],
      ['0', /hop count must be between 1 and 100/],
      ['10.0.0.0/33', /"10\.0\.0\.0\/33" is not an IP address/],
      ['fd00::/129', /"fd00::\/129"/],
      ['10.0.0.1, lb.internal', /"lb\.internal"/],
      ['10.0.0.1,', /"" is not an IP address/],
      ['256.1.1.1', /"256\.1\.1\.1"/],
    ] as const) {
      assert.throws(
        () => trust(value),
        (error: Error) => error.message.startsWith('TRUST_PROXY: ') && message.test(error.message),
        value,
      );
    }
  });
});

describe('ESTIMATES_*', () => {
  test('defaults: refresh every 900 s from 56 days, ranges for 80%; the coverage is a percentage', () => {
    assert.deepEqual(loadConfig({}, CWD).estimates, { refreshSeconds: 900, historyDays: 56, coverage: 0.8 });
    assert.deepEqual(loadConfig({ ESTIMATES_REFRESH_SECONDS: '0', ESTIMATES_HISTORY_DAYS: '28', ESTIMATES_RANGE_COVERAGE: '90' }, CWD).estimates, {
      refreshSeconds: 0,
      historyDays: 28,
      coverage: 0.9,
    });
  });

  test('out of range or not a whole number: refused, naming the variable', () => {
    for (const [name, value] of [
      ['ESTIMATES_RANGE_COVERAGE', '120'],
      ['ESTIMATES_RANGE_COVERAGE', '0.8'],
      ['ESTIMATES_HISTORY_DAYS', '3'],
      ['ESTIMATES_REFRESH_SECONDS', '-1'],
    ] as const) {
      assert.throws(
        () => loadConfig({ [name]: value }, CWD),
        (error: Error) => error.message.startsWith(`${name}: `),
        `${name}=${value}`,
      );
    }
  });
});

test('PUBLIC_BASE_URL is read once: the server and the texts see the same base, without its trailing slash', () => {
  const config = loadConfig({ PUBLIC_BASE_URL: 'https://book.example.com/' }, CWD);
  assert.equal(config.publicBaseUrl, 'https://book.example.com');
  assert.equal(config.sms.publicBaseUrl, config.publicBaseUrl);
  assert.equal(loadConfig({}, CWD).publicBaseUrl, null);
  assert.throws(
    () => loadConfig({ PUBLIC_BASE_URL: 'https://book.example.com/?a=1' }, CWD),
    (error: Error) => error.message.startsWith('PUBLIC_BASE_URL: '),
  );
});
