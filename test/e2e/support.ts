// End-to-end support: start the real CLI (bin/booking-server.js, which runs the compiled dist/)
// as a child process, find the port it listens on, and clean up processes and temp dirs whatever
// happens. Every wait here has a timeout, so a hung server fails a test instead of the suite.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = join(ROOT, 'bin', 'booking-server.js');

if (!existsSync(join(ROOT, 'dist', 'cli.js'))) {
  throw new Error('dist/ is missing: run `npm run build` (scripts/test.sh does) before the end-to-end tests');
}

export type Env = Record<string, string | undefined>;

/** Only what a process needs to run; nothing of the test runner's own environment (NODE_TEST_CONTEXT, NODE_OPTIONS, secrets) leaks in. */
function baseEnv(): Env {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'TEMP', 'TMP', 'LANG', 'SYSTEMROOT'];
  const env: Env = {};
  for (const name of keep) if (process.env[name] !== undefined) env[name] = process.env[name];
  return env;
}

function childEnv(env: Env): NodeJS.ProcessEnv {
  const merged: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries({ ...baseEnv(), ...env })) if (value !== undefined) merged[name] = value;
  return merged;
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a value other than undefined, or fails after `ms`. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, ms: number, what: string, everyMs = 100): Promise<T> {
  const deadline = Date.now() + ms;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${ms} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    }
    await sleep(everyMs);
  }
}

// ---------------------------------------------------------------------------------------------
// Temporary directories and secrets

const tempDirs = new Set<string>();

export function tempDir(prefix = 'booking-e2e-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

export function secret(bytes = 12): string {
  return randomBytes(bytes).toString('base64url');
}

/** A fresh database and fresh secrets: the environment a test server needs, plus `extra`. */
export function serverEnv(dir: string, extra: Env = {}): Env & { BOOKING_SERVER_CREDENTIALS: string; ADMIN_TOKEN: string } {
  return {
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`,
    BOOKING_SERVER_CREDENTIALS: `google:${secret()}`,
    ADMIN_TOKEN: `bsa_${secret(24)}`,
    LOG_LEVEL: 'info',
    ...extra,
  } as Env & { BOOKING_SERVER_CREDENTIALS: string; ADMIN_TOKEN: string };
}

export function basicAuth(credentials: string): string {
  return `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
}

// ---------------------------------------------------------------------------------------------
// Processes

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ServerProcess {
  readonly pid: number;
  readonly port: number;
  readonly baseUrl: string;
  /** Lines written so far (complete lines; grows while the process runs). */
  readonly stdout: string[];
  readonly stderr: string[];
  /** Everything written so far, stdout then stderr. */
  output(): string;
  kill(signal?: NodeJS.Signals): void;
  readonly exited: Promise<Exit>;
  /** SIGKILL unless already gone; resolves once the process has exited. */
  stop(): Promise<Exit>;
}

const children = new Set<ChildProcess>();

// Last resort if a test file dies without running its `after` hooks.
process.once('exit', () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

function lineCollector(target: string[]): (chunk: Buffer) => void {
  let partial = '';
  return (chunk) => {
    partial += chunk.toString('utf8');
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    target.push(...parts);
  };
}

function start(env: Env, args: readonly string[]) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const stdout: string[] = [];
  const stderr: string[] = [];
  const outRaw: string[] = [];
  const errRaw: string[] = [];
  const collectOut = lineCollector(stdout);
  const collectErr = lineCollector(stderr);
  child.stdout!.on('data', (chunk: Buffer) => {
    outRaw.push(chunk.toString('utf8'));
    collectOut(chunk);
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    errRaw.push(chunk.toString('utf8'));
    collectErr(chunk);
  });
  const exited = new Promise<Exit>((resolve, reject) => {
    child.once('error', reject);
    // 'close' waits for stdio to drain, so the output is complete when this resolves.
    child.once('close', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    });
  });
  exited.catch(() => {});
  return { child, stdout, stderr, exited, stdoutText: () => outRaw.join(''), stderrText: () => errRaw.join('') };
}

const LISTENING = /^booking-server listening on (https?):\/\/127\.0\.0\.1:(\d+)\s*$/;

/**
 * Starts `booking-server <args>` (default `serve`) and resolves once it prints the line
 * `booking-server listening on <scheme>://127.0.0.1:<port>`. Rejects, with everything the process
 * wrote, if it exits first or does not get there within `timeoutMs`.
 */
export async function spawnServer(env: Env, args: readonly string[] = ['serve'], timeoutMs = 60_000): Promise<ServerProcess> {
  const p = start({ PORT: '0', HOST: '127.0.0.1', ...env }, args);
  const output = (): string => `${p.stdoutText()}${p.stderrText()}`;
  const kill = (signal: NodeJS.Signals = 'SIGTERM'): void => {
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill(signal);
  };
  const stop = async (): Promise<Exit> => {
    kill('SIGKILL');
    return withTimeout(p.exited, 10_000, `process ${p.child.pid} to exit after SIGKILL`);
  };
  try {
    const found = await withTimeout(
      new Promise<{ scheme: string; port: number }>((resolve, reject) => {
        const look = (): boolean => {
          for (const line of p.stdout) {
            const match = LISTENING.exec(line);
            if (match) {
              resolve({ scheme: match[1]!, port: Number(match[2]) });
              return true;
            }
          }
          return false;
        };
        p.child.stdout!.on('data', () => setImmediate(look));
        void p.exited.then((exit) => {
          if (!look()) reject(new Error(`booking-server exited (${JSON.stringify(exit)}) before listening:\n${output()}`));
        });
      }),
      timeoutMs,
      'booking-server to print its listening line',
    );
    return {
      pid: p.child.pid!,
      port: found.port,
      baseUrl: `${found.scheme}://127.0.0.1:${found.port}`,
      stdout: p.stdout,
      stderr: p.stderr,
      output,
      kill,
      exited: p.exited,
      stop,
    };
  } catch (error) {
    await stop().catch(() => {});
    throw error instanceof Error && !error.message.includes(output()) ? new Error(`${error.message}\n--- output ---\n${output()}`) : error;
  }
}

export interface CliResult extends Exit {
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `booking-server <args>` to completion (killed after `timeoutMs`). */
export async function runCli(env: Env, args: readonly string[], timeoutMs = 60_000): Promise<CliResult> {
  const p = start(env, args);
  try {
    const exit = await withTimeout(p.exited, timeoutMs, `booking-server ${args.join(' ')} to exit`);
    return { ...exit, stdout: p.stdoutText(), stderr: p.stderrText() };
  } finally {
    if (p.child.exitCode === null && p.child.signalCode === null) {
      p.child.kill('SIGKILL');
      await withTimeout(p.exited, 10_000, 'process to exit after SIGKILL').catch(() => {});
    }
  }
}

/** Kills (SIGKILL) every server still running and waits for them; for `after` hooks. */
export async function stopAll(servers: Iterable<ServerProcess | undefined>): Promise<void> {
  await Promise.allSettled([...servers].filter((s): s is ServerProcess => s !== undefined).map((s) => s.stop()));
}

// ---------------------------------------------------------------------------------------------
// HTTP

export interface HttpResult {
  readonly status: number;
  readonly text: string;
  readonly headers: Headers;
}

/** POST a JSON body (an object, or the exact text to send) to the server with Basic auth. */
export async function postJson(baseUrl: string, path: string, body: unknown, credentials: string, timeoutMs = 30_000): Promise<HttpResult> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { authorization: basicAuth(credentials), 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

export async function getWithAuth(url: string, authorization: string, timeoutMs = 30_000): Promise<HttpResult> {
  const response = await fetch(url, { headers: { authorization }, signal: AbortSignal.timeout(timeoutMs) });
  return { status: response.status, text: await response.text(), headers: response.headers };
}
