// Configuration: read from the environment once, validated, frozen. Nothing else reads process.env.
// Secrets are hashed here so that plaintext never travels further than this module.
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { isAbsolute, resolve } from 'node:path';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/**
 * SQLite's WAL checkpoints: `worker`, in a worker thread with a connection of its own
 * (store/checkpointer.ts; SQLITE_CHECKPOINTS' default); `connection`, SQLite's own, inside a commit
 * on the server's connection (also what openStore does with a config that does not say).
 */
export type SqliteCheckpoints = 'connection' | 'worker';

export type DatabaseConfig =
  | { readonly kind: 'sqlite'; readonly path: string; readonly checkpoints?: SqliteCheckpoints }
  | {
      readonly kind: 'postgres';
      readonly url: string;
      readonly poolMax: number;
      /**
       * Statements sent more than once are prepared per connection (store/postgres-pipeline.ts;
       * default true). DATABASE_PREPARED_STATEMENTS=off for a pooler in transaction mode that does
       * not keep prepared statements (PgBouncer before 1.21, or without max_prepared_statements).
       */
      readonly preparedStatements?: boolean;
    };

/** SHA-256 of `user:password`; compared in constant time by the Basic-auth check. */
export type CredentialDigest = Buffer;

export interface Config {
  readonly host: string;
  readonly port: number;
  readonly database: DatabaseConfig;
  readonly credentials: readonly CredentialDigest[];
  readonly tls: { readonly certFile: string; readonly keyFile: string } | null;
  readonly adminTokenDigest: Buffer | null;
  /** Prefix in front of /v3, e.g. "/google" for https://host/google/v3/HealthCheck. */
  readonly pathPrefix: string;
  readonly logLevel: LogLevel;
  /**
   * Seconds between the info lines that sum up the requests served (LOG_SUMMARY_SECONDS); each
   * request has its own line at debug.
   */
  readonly logSummarySeconds: number;
  /**
   * A read of the in-memory merchant configuration first asks the database which merchants changed
   * when its last check is older than this (READ_MODEL_CHECK_MS; 0: at every read). The bound on how
   * far a read may be behind another replica's write when a PostgreSQL notification is lost.
   */
  readonly readModelCheckMs: number;
  readonly bodyLimitBytes: number;
  /**
   * Google's three hottest reads and two hottest writes answered in front of Fastify when the request is plain
   * (BOOKING_SERVER_FAST_READS, 1 by default; 0: every request through Fastify). http/fast-reads.ts.
   */
  readonly fastReads: boolean;
  /**
   * Which proxies in front of the server are trusted to say who the client is (X-Forwarded-For),
   * in Fastify's forms: false (the socket's peer is the client), true (the left-most address),
   * a hop count, or addresses/CIDRs/`loopback`/`linklocal`/`uniquelocal` of trusted proxies.
   */
  readonly trustProxy: TrustProxy;
  /** Failed Basic-auth attempts per client address within the window before 429. */
  readonly authFailureLimit: { readonly max: number; readonly windowSeconds: number };
  readonly google: {
    readonly environment: 'sandbox' | 'production';
    readonly partnerId: string | null;
    readonly serviceAccountFile: string | null;
    readonly apiUrl: string | null;
    /** OAuth token endpoint override (tests, egress proxies); Google's by default. */
    readonly tokenUrl: string | null;
    /** Real-time update calls per minute per process, under Google's 1,500/min project quota. */
    readonly rtuRatePerMinute: number;
  };
  /** Daily feeds (docs/FEEDS.md). */
  readonly feeds: FeedsConfig;
  /** After SIGTERM, seconds during which /readyz answers 503 and requests are still served (SHUTDOWN_DELAY_SECONDS). */
  readonly shutdownDelaySeconds: number;
  /** Days guests' personal data is kept (RETENTION_DAYS, at least 30: Google may poll an entry that long). */
  readonly retentionDays: number;
  /** The server's public address (PUBLIC_BASE_URL), e.g. https://book.example.com; null: not set. */
  readonly publicBaseUrl: string | null;
  /** Host stand (/app) sessions end after this long without use (SESSION_TTL_HOURS). */
  readonly sessionTtlSeconds: number;
  /** Learned wait estimates (docs/WAITLIST.md). */
  readonly estimates: EstimatesConfig;
  /** Texts to waitlist guests (docs/GUEST-MESSAGES.md). */
  readonly sms: SmsConfig;
}

export interface EstimatesConfig {
  /** Seconds between background refreshes of the learned models in `serve` (ESTIMATES_REFRESH_SECONDS); 0: never learn. */
  readonly refreshSeconds: number;
  /** Days of history each refresh learns from (ESTIMATES_HISTORY_DAYS). */
  readonly historyDays: number;
  /** Share of parties the quoted range is calibrated to hold (ESTIMATES_RANGE_COVERAGE, percent). */
  readonly coverage: number;
}

export type SmsProviderName = 'twilio' | 'console' | 'off';

export interface SmsConfig {
  /** SMS_PROVIDER: `console` with `serve --demo`, `off` otherwise. */
  readonly provider: SmsProviderName;
  /**
   * PUBLIC_BASE_URL without a trailing slash: where the status-page links point, and the URL Twilio
   * signs its webhooks with. Required for Twilio; the console provider falls back to the address
   * the server listens on.
   */
  readonly publicBaseUrl: string | null;
  /** Twilio's credentials; the auth token stays in clear because it keys the HMAC of webhooks and Basic auth of calls. */
  readonly twilio: {
    readonly accountSid: string;
    readonly authToken: string;
    readonly from: string | null;
    readonly messagingServiceSid: string | null;
    /** TWILIO_API_URL: base URL of the REST API (a proxy or a test fake); https://api.twilio.com by default. */
    readonly apiUrl: string;
  } | null;
  /** Texts to one number per hour before further ones are skipped (a loop guard). */
  readonly perNumberPerHour: number;
  /** Texts of one merchant per minute before further ones wait. */
  readonly perMerchantPerMinute: number;
}

export interface FeedsConfig {
  /** Where `serve`'s daily run and `feeds run` write the feed files (FEEDS_DIR). */
  readonly dir: string;
  /** Days of availability in the feed (FEEDS_HORIZON_DAYS, 1-90; Google wants at least 30). */
  readonly horizonDays: number;
  /** Largest gzip shard in bytes (FEEDS_SHARD_MAX_BYTES; Google's limit is 200 MB). */
  readonly shardMaxBytes: number;
  /** UTC time of the daily generate+upload in `serve` (FEEDS_DAILY_AT "HH:MM"); null: off. */
  readonly dailyAt: { readonly hour: number; readonly minute: number } | null;
  /** Merchant feed `category` (FEEDS_MERCHANT_CATEGORY). */
  readonly merchantCategory: string;
  readonly sftp: {
    readonly host: string;
    readonly port: number;
    /** Google gives one SFTP user (dropbox) per feed type and environment. */
    readonly usernames: { readonly merchants: string | null; readonly services: string | null; readonly availability: string | null };
    /** Unencrypted private key (OpenSSH or PEM) whose public half is registered in the Partner Portal. */
    readonly privateKeyFile: string | null;
    /** Expected host key, "SHA256:<base64>" as `ssh-keygen -lf` prints it; null: not checked (a warning is logged). */
    readonly hostKeySha256: string | null;
    /** Remote directory the files go to; "" is the login directory. */
    readonly remoteDir: string;
    /** Tries per file (the first included) before the upload fails. */
    readonly attempts: number;
    /** First retry delay; doubled per retry (with jitter), at most 60 s. */
    readonly retryBaseMs: number;
    /** Connect and idle timeout. */
    readonly timeoutMs: number;
  };
}

export type TrustProxy = boolean | number | readonly string[];

export const GOOGLE_SHARD_LIMIT_BYTES = 200_000_000;

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

export function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

type Env = Readonly<Record<string, string | undefined>>;

function text(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/** PostgreSQL connections per process when DATABASE_POOL_MAX is not set (the benchmark sizes its commit baseline by it). */
export const DEFAULT_POOL_MAX = 10;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `expected a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function parseDatabase(env: Env, cwd: string): DatabaseConfig {
  const raw = text(env, 'DATABASE_URL') ?? 'sqlite:./data/booking-server.db';
  if (raw.startsWith('sqlite:')) {
    const path = raw.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (path === '') throw new ConfigError('DATABASE_URL', 'sqlite: needs a file path, e.g. sqlite:./data/booking-server.db');
    const checkpoints = text(env, 'SQLITE_CHECKPOINTS') ?? 'worker';
    if (checkpoints !== 'connection' && checkpoints !== 'worker')
      throw new ConfigError('SQLITE_CHECKPOINTS', `must be connection or worker, got "${checkpoints}"`);
    return { kind: 'sqlite', path: isAbsolute(path) ? path : resolve(cwd, path), checkpoints };
  }
  if (raw.startsWith('postgres://') || raw.startsWith('postgresql://')) {
    try {
      new URL(raw);
    } catch {
      throw new ConfigError('DATABASE_URL', 'is not a valid postgres:// URL');
    }
    const prepared = text(env, 'DATABASE_PREPARED_STATEMENTS') ?? 'on';
    if (prepared !== 'on' && prepared !== 'off') throw new ConfigError('DATABASE_PREPARED_STATEMENTS', `must be on or off, got "${prepared}"`);
    return { kind: 'postgres', url: raw, poolMax: integer(env, 'DATABASE_POOL_MAX', DEFAULT_POOL_MAX, 1, 1000), preparedStatements: prepared === 'on' };
  }
  throw new ConfigError('DATABASE_URL', 'must start with sqlite: or postgres://');
}

function parseCredentials(env: Env): CredentialDigest[] {
  const raw = text(env, 'BOOKING_SERVER_CREDENTIALS');
  if (raw === undefined) return [];
  return raw.split(',').map((pair, index) => {
    const trimmed = pair.trim();
    const colon = trimmed.indexOf(':');
    if (colon <= 0 || colon === trimmed.length - 1) {
      throw new ConfigError('BOOKING_SERVER_CREDENTIALS', `pair ${index + 1} must look like user:password`);
    }
    return sha256(trimmed);
  });
}

/** proxy-addr's names for address ranges, accepted in a TRUST_PROXY list. */
const PROXY_RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

function validCidr(entry: string): boolean {
  const slash = entry.indexOf('/');
  const address = slash < 0 ? entry : entry.slice(0, slash);
  const family = isIP(address);
  if (family === 0) return false;
  if (slash < 0) return true;
  const bits = entry.slice(slash + 1);
  if (/^\d{1,3}$/.test(bits)) return Number(bits) <= (family === 4 ? 32 : 128);
  // proxy-addr also takes an IPv4 netmask after the slash (10.0.0.0/255.0.0.0).
  return family === 4 && isIP(bits) === 4;
}

function parseTrustProxy(env: Env): TrustProxy {
  const raw = text(env, 'TRUST_PROXY');
  if (raw === undefined || raw === 'false') return false;
  if (raw === 'true') return true;
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    if (hops < 1 || hops > 100) throw new ConfigError('TRUST_PROXY', `a hop count must be between 1 and 100, got ${hops}`);
    return hops;
  }
  const entries = raw.split(',').map((entry) => entry.trim());
  const bad = entries.find((entry) => !PROXY_RANGE_NAMES.includes(entry) && !validCidr(entry));
  if (bad !== undefined) {
    throw new ConfigError(
      'TRUST_PROXY',
      `"${bad}" is not an IP address or CIDR; expected true, false, a hop count, or comma-separated addresses/CIDRs (or ${PROXY_RANGE_NAMES.join(', ')})`,
    );
  }
  return entries;
}

function parsePrefix(env: Env): string {
  const raw = text(env, 'PATH_PREFIX') ?? '';
  if (raw === '' || raw === '/') return '';
  if (!/^(\/[A-Za-z0-9._~-]+)+\/?$/.test(raw)) {
    throw new ConfigError('PATH_PREFIX', `must be a path such as /google, got "${raw}"`);
  }
  return raw.replace(/\/$/, '');
}

function parseFeeds(env: Env, cwd: string): FeedsConfig {
  const dailyRaw = text(env, 'FEEDS_DAILY_AT');
  let dailyAt: FeedsConfig['dailyAt'] = null;
  if (dailyRaw !== undefined) {
    const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(dailyRaw);
    if (!m) throw new ConfigError('FEEDS_DAILY_AT', `must be a UTC time "HH:MM", got "${dailyRaw}"`);
    dailyAt = { hour: Number(m[1]), minute: Number(m[2]) };
  }
  const keyFile = text(env, 'FEEDS_SFTP_PRIVATE_KEY_FILE');
  const hostKey = text(env, 'FEEDS_SFTP_HOST_KEY_SHA256') ?? null;
  if (hostKey !== null && !/^SHA256:[A-Za-z0-9+/]{43}=?$/.test(hostKey)) {
    throw new ConfigError('FEEDS_SFTP_HOST_KEY_SHA256', 'must look like SHA256:<43 base64 characters>, as `ssh-keygen -lf` prints it');
  }
  const feeds: FeedsConfig = {
    dir: resolve(cwd, text(env, 'FEEDS_DIR') ?? './data/feeds'),
    horizonDays: integer(env, 'FEEDS_HORIZON_DAYS', 30, 1, 90),
    shardMaxBytes: integer(env, 'FEEDS_SHARD_MAX_BYTES', GOOGLE_SHARD_LIMIT_BYTES, 1024, GOOGLE_SHARD_LIMIT_BYTES),
    dailyAt,
    merchantCategory: text(env, 'FEEDS_MERCHANT_CATEGORY') ?? 'restaurant',
    sftp: {
      host: text(env, 'FEEDS_SFTP_HOST') ?? 'partnerupload.google.com',
      port: integer(env, 'FEEDS_SFTP_PORT', 19321, 1, 65535),
      usernames: {
        merchants: text(env, 'FEEDS_SFTP_USER_MERCHANTS') ?? null,
        services: text(env, 'FEEDS_SFTP_USER_SERVICES') ?? null,
        availability: text(env, 'FEEDS_SFTP_USER_AVAILABILITY') ?? null,
      },
      privateKeyFile: keyFile === undefined ? null : resolve(cwd, keyFile),
      hostKeySha256: hostKey,
      remoteDir: (text(env, 'FEEDS_SFTP_DIR') ?? '').replace(/\/+$/, ''),
      attempts: integer(env, 'FEEDS_SFTP_ATTEMPTS', 5, 1, 100),
      retryBaseMs: integer(env, 'FEEDS_SFTP_RETRY_BASE_MS', 2000, 1, 600_000),
      timeoutMs: integer(env, 'FEEDS_SFTP_TIMEOUT_MS', 30_000, 100, 600_000),
    },
  };
  if (dailyAt !== null) {
    // The daily run uploads: everything it needs must be there when the server starts.
    const missing = [
      ['FEEDS_SFTP_PRIVATE_KEY_FILE', feeds.sftp.privateKeyFile],
      ['FEEDS_SFTP_USER_MERCHANTS', feeds.sftp.usernames.merchants],
      ['FEEDS_SFTP_USER_SERVICES', feeds.sftp.usernames.services],
      ['FEEDS_SFTP_USER_AVAILABILITY', feeds.sftp.usernames.availability],
    ].find(([, value]) => value === null);
    if (missing) throw new ConfigError(missing[0]!, 'is required when FEEDS_DAILY_AT is set (the daily run uploads the feeds)');
  }
  return feeds;
}

function httpUrl(env: Env, name: string): string | null {
  const value = text(env, name) ?? null;
  if (value !== null && !/^https?:\/\/[^\s]+$/.test(value)) throw new ConfigError(name, 'must be an http(s) URL');
  return value;
}

/** PUBLIC_BASE_URL, read once: an http(s) base URL without query or fragment, no trailing slash; null when unset. */
function parsePublicBaseUrl(env: Env): string | null {
  const value = httpUrl(env, 'PUBLIC_BASE_URL');
  if (value === null) return null;
  const url = new URL(value);
  if (url.search !== '' || url.hash !== '')
    throw new ConfigError('PUBLIC_BASE_URL', 'must be a base URL without query or fragment, e.g. https://wait.example.com');
  return value.replace(/\/+$/, '');
}

function parseSms(env: Env, publicBaseUrl: string | null): SmsConfig {
  const provider = (text(env, 'SMS_PROVIDER') ?? 'off') as SmsProviderName;
  if (!['twilio', 'console', 'off'].includes(provider)) throw new ConfigError('SMS_PROVIDER', `must be twilio, console or off, got "${provider}"`);
  let twilio: SmsConfig['twilio'] = null;
  if (provider === 'twilio') {
    if (publicBaseUrl === null) throw new ConfigError('PUBLIC_BASE_URL', 'is required when SMS_PROVIDER=twilio (links in texts and webhook signatures use it)');
    const accountSid = text(env, 'TWILIO_ACCOUNT_SID');
    if (accountSid === undefined || !/^AC[0-9a-fA-F]{32}$/.test(accountSid))
      throw new ConfigError('TWILIO_ACCOUNT_SID', 'is required when SMS_PROVIDER=twilio: AC followed by 32 hex digits');
    const authToken = text(env, 'TWILIO_AUTH_TOKEN');
    if (authToken === undefined) throw new ConfigError('TWILIO_AUTH_TOKEN', 'is required when SMS_PROVIDER=twilio');
    const from = text(env, 'TWILIO_FROM') ?? null;
    const messagingServiceSid = text(env, 'TWILIO_MESSAGING_SERVICE_SID') ?? null;
    if (from === null && messagingServiceSid === null)
      throw new ConfigError('TWILIO_FROM', 'TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID is required when SMS_PROVIDER=twilio');
    if (from !== null && !/^\+[1-9]\d{6,14}$/.test(from) && !/^[A-Za-z0-9 ]{1,11}$/.test(from))
      throw new ConfigError('TWILIO_FROM', 'must be an E.164 number (+12125550100) or an alphanumeric sender id');
    if (messagingServiceSid !== null && !/^MG[0-9a-fA-F]{32}$/.test(messagingServiceSid))
      throw new ConfigError('TWILIO_MESSAGING_SERVICE_SID', 'must be MG followed by 32 hex digits');
    twilio = { accountSid, authToken, from, messagingServiceSid, apiUrl: (httpUrl(env, 'TWILIO_API_URL') ?? 'https://api.twilio.com').replace(/\/+$/, '') };
  }
  return {
    provider,
    publicBaseUrl,
    twilio,
    perNumberPerHour: integer(env, 'SMS_PER_NUMBER_PER_HOUR', 10, 1, 1000),
    perMerchantPerMinute: integer(env, 'SMS_PER_MERCHANT_PER_MINUTE', 60, 1, 100_000),
  };
}

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): Config {
  const certFile = text(env, 'TLS_CERT_FILE');
  const keyFile = text(env, 'TLS_KEY_FILE');
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new ConfigError(certFile === undefined ? 'TLS_CERT_FILE' : 'TLS_KEY_FILE', 'TLS_CERT_FILE and TLS_KEY_FILE must be set together');
  }
  const logLevel = (text(env, 'LOG_LEVEL') ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);
  const environment = text(env, 'GOOGLE_ENVIRONMENT') ?? 'sandbox';
  if (environment !== 'sandbox' && environment !== 'production') {
    throw new ConfigError('GOOGLE_ENVIRONMENT', `must be sandbox or production, got "${environment}"`);
  }
  const apiUrl = text(env, 'MAPS_BOOKING_API_URL') ?? null;
  if (apiUrl !== null && !/^https?:\/\/[^\s]+$/.test(apiUrl)) {
    throw new ConfigError('MAPS_BOOKING_API_URL', 'must be an http(s) URL');
  }
  const adminToken = text(env, 'ADMIN_TOKEN');
  if (adminToken !== undefined && adminToken.length < 16) {
    throw new ConfigError('ADMIN_TOKEN', 'must be at least 16 characters long');
  }
  const publicBaseUrl = parsePublicBaseUrl(env);
  const config: Config = {
    host: text(env, 'HOST') ?? '127.0.0.1',
    port: integer(env, 'PORT', 8080, 0, 65535),
    database: parseDatabase(env, cwd),
    credentials: parseCredentials(env),
    tls: certFile !== undefined && keyFile !== undefined ? { certFile: resolve(cwd, certFile), keyFile: resolve(cwd, keyFile) } : null,
    adminTokenDigest: adminToken === undefined ? null : sha256(adminToken),
    pathPrefix: parsePrefix(env),
    publicBaseUrl,
    sessionTtlSeconds: integer(env, 'SESSION_TTL_HOURS', 12, 1, 24 * 30) * 3600,
    logLevel,
    logSummarySeconds: integer(env, 'LOG_SUMMARY_SECONDS', 60, 1, 3600),
    readModelCheckMs: integer(env, 'READ_MODEL_CHECK_MS', 500, 0, 3_600_000),
    bodyLimitBytes: integer(env, 'BODY_LIMIT_BYTES', 1_048_576, 1024, 64 * 1_048_576),
    fastReads: integer(env, 'BOOKING_SERVER_FAST_READS', 1, 0, 1) === 1,
    trustProxy: parseTrustProxy(env),
    authFailureLimit: {
      max: integer(env, 'AUTH_FAILURE_LIMIT', 20, 1, 1_000_000),
      windowSeconds: integer(env, 'AUTH_FAILURE_WINDOW_SECONDS', 60, 1, 86_400),
    },
    google: {
      environment,
      partnerId: text(env, 'GOOGLE_PARTNER_ID') ?? null,
      serviceAccountFile: text(env, 'GOOGLE_SERVICE_ACCOUNT_FILE') ?? null,
      apiUrl,
      tokenUrl: httpUrl(env, 'GOOGLE_TOKEN_URL'),
      rtuRatePerMinute: integer(env, 'RTU_RATE_PER_MINUTE', 1200, 1, 1500),
    },
    feeds: parseFeeds(env, cwd),
    shutdownDelaySeconds: integer(env, 'SHUTDOWN_DELAY_SECONDS', 0, 0, 300),
    retentionDays: integer(env, 'RETENTION_DAYS', 90, 30, 3650),
    estimates: {
      refreshSeconds: integer(env, 'ESTIMATES_REFRESH_SECONDS', 900, 0, 86_400),
      historyDays: integer(env, 'ESTIMATES_HISTORY_DAYS', 56, 7, 365),
      coverage: integer(env, 'ESTIMATES_RANGE_COVERAGE', 80, 50, 99) / 100,
    },
    sms: parseSms(env, publicBaseUrl),
  };
  return deepFreeze(config);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

export interface EnvironmentCheck {
  /** Every variable with an unusable value (not just the first), as "NAME: reason". */
  readonly errors: readonly string[];
  /** Variables that look like ours but that this configuration never reads (a typo, or unused here). */
  readonly unread: readonly string[];
  /** The configuration when there are no errors. */
  readonly config: Config | null;
}

/** Prefixes of the variables this server reads; others in the environment are none of its business. */
const OUR_PREFIXES =
  /^(BOOKING_SERVER_|DATABASE_|TLS_|GOOGLE_|MAPS_BOOKING_|RTU_|FEEDS_|AUTH_FAILURE_|ADMIN_|SHUTDOWN_|RETENTION_|ESTIMATES_|SESSION_|SMS_|TWILIO_|PUBLIC_BASE_|TRUST_PROXY|PATH_PREFIX|BODY_LIMIT|LOG_|READ_MODEL_)/;

/**
 * Validates an environment the way `serve` would, collecting every error: a variable that fails
 * is set aside and the rest checked again. Also names variables with our prefixes that were not read.
 */
export function checkEnvironment(env: Env, cwd: string = process.cwd()): EnvironmentCheck {
  const errors: string[] = [];
  const remaining: Record<string, string | undefined> = { ...env };
  const read = new Set<string>();
  const recording = new Proxy(remaining, {
    get: (target, name) => {
      if (typeof name === 'string') read.add(name);
      return target[name as string];
    },
  });
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      const config = loadConfig(recording, cwd);
      const unread = Object.keys(env)
        .filter((name) => OUR_PREFIXES.test(name) && !read.has(name) && text(env, name) !== undefined)
        .sort();
      return { errors, unread, config: errors.length === 0 ? config : null };
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      errors.push(error.message);
      // A failing variable that is unset already (a required one) cannot be set aside: stop here.
      if (remaining[error.variable] === undefined) break;
      delete remaining[error.variable];
    }
  }
  return { errors, unread: [], config: null };
}

const MASKED = '(set, masked)';
/** Keys whose values are secrets; paths to secret files are not secrets themselves. */
const SECRET_KEY = /password|secret|authToken|apiKey|credential|digest/i;

/** A URL with its password masked (postgres://user:***@host/db). */
function maskUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password === '') return value;
    url.password = '***';
    return url.toString();
  } catch {
    return value;
  }
}

/** The effective configuration as `path = value` lines, secrets masked. */
export function describeConfig(config: Config): string[] {
  const lines: string[] = [];
  const walk = (value: unknown, path: string): void => {
    const key = path.slice(path.lastIndexOf('.') + 1);
    if (value === null || value === undefined) lines.push(`${path} = (unset)`);
    else if (Buffer.isBuffer(value)) lines.push(`${path} = ${MASKED}`);
    else if (Array.isArray(value)) {
      if (value.every((v) => Buffer.isBuffer(v))) lines.push(`${path} = ${value.length === 0 ? '(unset)' : `${value.length} value(s), masked`}`);
      else lines.push(`${path} = ${JSON.stringify(value)}`);
    } else if (typeof value === 'object') {
      for (const [name, child] of Object.entries(value)) walk(child, path === '' ? name : `${path}.${name}`);
    } else if (typeof value === 'string' && SECRET_KEY.test(key)) lines.push(`${path} = ${value === '' ? '(unset)' : MASKED}`);
    else if (typeof value === 'string') lines.push(`${path} = ${JSON.stringify(maskUrl(value))}`);
    else lines.push(`${path} = ${String(value)}`);
  };
  walk(config, '');
  return lines;
}
