// Configuration: read from the environment once, validated, frozen. Nothing else reads process.env.
// Secrets are hashed here so that plaintext never travels further than this module.
import { createHash } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export type DatabaseConfig =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly poolMax: number };

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
  readonly bodyLimitBytes: number;
  /** Failed Basic-auth attempts per client address within the window before 429. */
  readonly authFailureLimit: { readonly max: number; readonly windowSeconds: number };
  readonly google: {
    readonly environment: 'sandbox' | 'production';
    readonly partnerId: string | null;
    readonly serviceAccountFile: string | null;
    readonly apiUrl: string | null;
  };
}

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
    return { kind: 'sqlite', path: isAbsolute(path) ? path : resolve(cwd, path) };
  }
  if (raw.startsWith('postgres://') || raw.startsWith('postgresql://')) {
    try {
      new URL(raw);
    } catch {
      throw new ConfigError('DATABASE_URL', 'is not a valid postgres:// URL');
    }
    return { kind: 'postgres', url: raw, poolMax: integer(env, 'DATABASE_POOL_MAX', 10, 1, 1000) };
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

function parsePrefix(env: Env): string {
  const raw = text(env, 'PATH_PREFIX') ?? '';
  if (raw === '' || raw === '/') return '';
  if (!/^(\/[A-Za-z0-9._~-]+)+\/?$/.test(raw)) {
    throw new ConfigError('PATH_PREFIX', `must be a path such as /google, got "${raw}"`);
  }
  return raw.replace(/\/$/, '');
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
  const config: Config = {
    host: text(env, 'HOST') ?? '127.0.0.1',
    port: integer(env, 'PORT', 8080, 0, 65535),
    database: parseDatabase(env, cwd),
    credentials: parseCredentials(env),
    tls: certFile !== undefined && keyFile !== undefined ? { certFile: resolve(cwd, certFile), keyFile: resolve(cwd, keyFile) } : null,
    adminTokenDigest: adminToken === undefined ? null : sha256(adminToken),
    pathPrefix: parsePrefix(env),
    logLevel,
    bodyLimitBytes: integer(env, 'BODY_LIMIT_BYTES', 1_048_576, 1024, 64 * 1_048_576),
    authFailureLimit: {
      max: integer(env, 'AUTH_FAILURE_LIMIT', 20, 1, 1_000_000),
      windowSeconds: integer(env, 'AUTH_FAILURE_WINDOW_SECONDS', 60, 1, 86_400),
    },
    google: {
      environment,
      partnerId: text(env, 'GOOGLE_PARTNER_ID') ?? null,
      serviceAccountFile: text(env, 'GOOGLE_SERVICE_ACCOUNT_FILE') ?? null,
      apiUrl,
    },
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
