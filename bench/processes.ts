// The processes a bench run needs besides the load generator: the booking server (the real CLI,
// optionally under `node --cpu-prof`), the node:http baseline, and a throwaway PostgreSQL.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { BIN, ROOT, spawnServer, withTimeout, type Env } from '../test/e2e/support.js';

export interface RunningServer {
  readonly baseUrl: string;
  /** The server's process (for its CPU time: bench/server-cpu.ts). */
  readonly pid?: number;
  /** SIGTERM (graceful: a CPU profile is written on exit), SIGKILL if it lingers. */
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** Spawns `node <args>` and resolves with the first stdout match of `ready`. */
function spawnUntil(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  ready: RegExp,
  what: string,
  timeoutMs = 60_000,
): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.once('close', () => children.delete(child));
  let output = '';
  return withTimeout(
    new Promise<{ child: ChildProcess; match: RegExpExecArray }>((resolve, reject) => {
      const look = (chunk: Buffer): void => {
        output += chunk.toString('utf8');
        const match = ready.exec(output);
        if (match) resolve({ child, match });
      };
      child.stdout!.on('data', look);
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      child.once('close', (code, signal) => reject(new Error(`${what} exited (${code ?? signal}) before it was ready:\n${output}`)));
    }),
    timeoutMs,
    `${what} to start`,
  ).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  child.kill('SIGTERM');
  await withTimeout(closed, 30_000, 'process to exit after SIGTERM').catch(async () => {
    child.kill('SIGKILL');
    await closed;
  });
}

function minimalEnv(extra: Env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG']) if (process.env[name] !== undefined) env[name] = process.env[name];
  for (const [name, value] of Object.entries(extra)) if (value !== undefined) env[name] = value;
  return env;
}

/** What a bench run with `--profile` collects from the booking server's process. */
export interface ServerProfiling {
  /** Where `node --cpu-prof` writes the CPU profile (`--cpu-prof` is not allowed in NODE_OPTIONS). */
  readonly cpuProfileDir: string | null;
  /** Where bench/statement-profile.cjs, preloaded with NODE_OPTIONS=--require, writes each phase's SQLite statements. */
  readonly statementProfileDir: string | null;
}

/** The statement profile's preload (bench only: the server never loads it by itself). */
export const STATEMENT_PROFILE_PRELOAD = join(ROOT, 'bench', 'statement-profile.cjs');

/**
 * `booking-server serve --demo`; profiled as `profiling` asks. BENCH_SERVER_BIN runs another
 * build's bin/booking-server.js instead, to compare two.
 */
export async function startBookingServer(env: Env, profiling: ServerProfiling): Promise<RunningServer> {
  const bin = process.env.BENCH_SERVER_BIN ?? BIN;
  const { cpuProfileDir, statementProfileDir } = profiling;
  if (cpuProfileDir === null && statementProfileDir === null && bin === BIN) {
    const server = await spawnServer(env, ['serve', '--demo'], 60_000);
    return {
      baseUrl: server.baseUrl,
      pid: server.pid,
      stop: async () => {
        server.kill('SIGTERM');
        await withTimeout(server.exited, 30_000, 'booking server to exit').catch(() => server.stop());
      },
    };
  }
  const statementEnv: Env =
    statementProfileDir === null
      ? {}
      : {
          // After any NODE_OPTIONS given through BENCH_SERVER_ENV.
          NODE_OPTIONS: `${env.NODE_OPTIONS ?? ''} --require ${JSON.stringify(STATEMENT_PROFILE_PRELOAD)}`.trim(),
          BENCH_STATEMENT_PROFILE_DIR: statementProfileDir,
        };
  const { child, match } = await spawnUntil(
    [...(cpuProfileDir === null ? [] : ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`]), bin, 'serve', '--demo'],
    minimalEnv({ PORT: '0', HOST: '127.0.0.1', ...env, ...statementEnv }),
    /booking-server listening on (http:\/\/127\.0\.0\.1:\d+)/,
    `booking server (${bin})`,
  );
  return { baseUrl: match[1]!, stop: () => stopChild(child), ...(child.pid === undefined ? {} : { pid: child.pid }) };
}

/** The node:http JSON echo server (bench/echo-server.ts), in its own process (with node's `options`). */
export async function startEchoServer(options: readonly string[] = []): Promise<RunningServer> {
  const { child, match } = await spawnUntil(
    [...options, '--import', 'tsx', join(ROOT, 'bench', 'echo-server.ts')],
    minimalEnv({}),
    /echo listening on (http:\/\/127\.0\.0\.1:\d+)/,
    'echo server',
  );
  return { baseUrl: match[1]!, stop: () => stopChild(child), ...(child.pid === undefined ? {} : { pid: child.pid }) };
}

/** The Express fixed-answer server (bench/express-server.ts), in its own process. */
export async function startExpressServer(): Promise<RunningServer> {
  const { child, match } = await spawnUntil(
    ['--import', 'tsx', join(ROOT, 'bench', 'express-server.ts')],
    minimalEnv({}),
    /express listening on (http:\/\/127\.0\.0\.1:\d+)/,
    'Express server',
  );
  return { baseUrl: match[1]!, stop: () => stopChild(child), ...(child.pid === undefined ? {} : { pid: child.pid }) };
}

export interface Postgres {
  /** A database of its own for this run. */
  readonly url: string;
  readonly description: string;
  stop(): Promise<void>;
}

async function createDatabase(serverUrl: string): Promise<string> {
  const name = `bench_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * DATABASE_URL (postgres://) when given, used as it is; otherwise a throwaway embedded PostgreSQL
 * from scripts/test-postgres.ts, with fsync on so that writes are as durable as on SQLite; with
 * `statements`, pg_stat_statements loaded (for --profile: bench/pg-profile.ts).
 */
export async function startPostgres(statements = false, settings: readonly string[] = []): Promise<Postgres> {
  const given = process.env.DATABASE_URL;
  if (given !== undefined && /^postgres(ql)?:\/\//.test(given)) {
    return { url: given, description: 'PostgreSQL from DATABASE_URL', stop: async () => {} };
  }
  const { child, match } = await spawnUntil(
    ['--import', 'tsx', join(ROOT, 'scripts', 'test-postgres.ts')],
    minimalEnv({
      TEST_PG_FSYNC: 'on',
      ...(statements ? { TEST_PG_STATEMENTS: 'on' } : {}),
      ...(settings.length > 0 ? { TEST_PG_SETTINGS: settings.join(',') } : {}),
    }),
    /TEST_PG_URL=(\S+)/,
    'embedded PostgreSQL',
    120_000,
  );
  try {
    const url = await createDatabase(match[1]!);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const version = (await client.query<{ server_version: string }>('show server_version')).rows[0]?.server_version ?? '?';
    await client.end();
    return {
      url,
      description: `embedded PostgreSQL ${version} (scripts/test-postgres.ts, fsync on${settings.map((s) => `, ${s}`).join('')})`,
      stop: () => stopChild(child),
    };
  } catch (error) {
    await stopChild(child);
    throw error;
  }
}
