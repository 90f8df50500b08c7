// `npm run bench`: the booking server's throughput and latency per Google method, next to a bare
// node:http baseline, on SQLite and (when available) PostgreSQL. Servers and the load generator
// each run in their own process; see docs/PERFORMANCE.md for the method.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { basicAuth, ROOT, removeTempDirs, serverEnv, tempDir, withTimeout } from '../test/e2e/support.js';
import { confirmedInStore, createInventory, WAITLIST_MERCHANTS, type Access, type Inventory } from './inventory.js';
import type { LoadResult, LoadSpec, RequestPlan } from './load-spec.js';
import { startBookingServer, startEchoServer, startPostgres, type Postgres } from './processes.js';
import { summarise } from './profile.js';
import { renderAll, writeDocs, type Row, type RunSettings, type StoreReport } from './report.js';

const USAGE = `usage: npm run bench -- [--duration <s>] [--warmup <s>] [--connections <n>] [--postgres] [--write-docs] [--profile] [--only <method,...>]
  --duration      seconds per method (default 10)
  --warmup        seconds of warm-up before each method (default 2)
  --connections   concurrent connections (default 50)
  --postgres      also run against PostgreSQL: DATABASE_URL when it is postgres://, else a throwaway embedded one
  --write-docs    write the results into docs/PERFORMANCE.md (the "Booking server" section)
  --profile       run the booking server under node --cpu-prof and print where its time went
  --only          run only these methods (e.g. CreateBooking,contention); the baseline always runs`;

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '50' },
    postgres: { type: 'boolean', default: false },
    'write-docs': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    only: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const positive = (raw: string, name: string, min: number): number => {
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) {
    process.stderr.write(`--${name} must be a number >= ${min}\n${USAGE}\n`);
    process.exit(2);
  }
  return n;
};
const settings: RunSettings = {
  durationSec: positive(args.duration, 'duration', 1),
  warmupSec: positive(args.warmup, 'warmup', 0),
  connections: Math.round(positive(args.connections, 'connections', 1)),
};
const only = args.only === undefined ? null : new Set(args.only.split(',').map((s) => s.trim().toLowerCase()));
const selected = (name: string): boolean => only === null || only.has(name.toLowerCase());
const log = (line: string): void => void process.stdout.write(`${line}\n`);

/**
 * BENCH_SERVER_ENV="NAME=value,NAME=value": extra environment for the booking server, to compare
 * one build with a setting and without (e.g. ESTIMATES_REFRESH_SECONDS=0: no learned estimates).
 */
function extraServerEnv(): Record<string, string> {
  const raw = process.env.BENCH_SERVER_ENV ?? '';
  const env: Record<string, string> = {};
  for (const pair of raw.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const eq = pair.indexOf('=');
    if (eq < 1) {
      process.stderr.write(`BENCH_SERVER_ENV: expected NAME=value, got "${pair}"\n`);
      process.exit(2);
    }
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

/** Runs one load in the load-generator process and returns its result. */
async function load(spec: LoadSpec): Promise<LoadResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'load.ts')], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  child.stdin.end(JSON.stringify(spec));
  const code = await withTimeout(
    new Promise<number | null>((resolve) => child.once('close', resolve)),
    ((spec.amount !== undefined ? 0 : spec.durationSec) + 120) * 1000,
    'the load generator',
  ).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  if (code !== 0) throw new Error(`the load generator failed (exit ${code}):\n${err}`);
  return JSON.parse(out.trim().split('\n').pop()!) as LoadResult;
}

/** Warm-up (results dropped), then the measured run. Write plans get a fresh run id for each. */
async function measure(url: string, authorization: string | undefined, plan: (runId: string) => RequestPlan, runId: string): Promise<LoadResult> {
  const base = { url, connections: settings.connections, ...(authorization ? { authorization } : {}) };
  if (settings.warmupSec > 0) await load({ ...base, durationSec: settings.warmupSec, plan: plan(`${runId}-warm`) });
  return load({ ...base, durationSec: settings.durationSec, plan: plan(runId) });
}

const describe = (r: LoadResult): string =>
  `${Math.round(r.rps).toLocaleString('en-US')} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, non-2xx ${r.non2xx}, errors ${r.errors}, business failures ${r.businessFailures}` +
  (r.samples.length > 0 ? `\n      e.g. ${r.samples.slice(0, 2).join('\n      e.g. ')}` : '');

interface Method {
  readonly name: string;
  readonly limitMs: number;
  readonly plan: (inv: Inventory, runId: string) => RequestPlan;
}

// Google's latency limits per method (docs/PERFORMANCE.md cites them).
const METHODS: readonly Method[] = [
  { name: 'BatchGetWaitEstimates', limitMs: 1000, plan: (inv) => ({ kind: 'fixed', path: '/v3/BatchGetWaitEstimates', bodies: [inv.estimatesBody] }) },
  { name: 'GetWaitlistEntry', limitMs: 4000, plan: (inv) => ({ kind: 'fixed', path: '/v3/GetWaitlistEntry', bodies: inv.entryBodies }) },
  { name: 'BatchAvailabilityLookup', limitMs: 1500, plan: (inv) => ({ kind: 'fixed', path: '/v3/BatchAvailabilityLookup', bodies: [inv.lookupBody] }) },
  {
    name: 'CreateWaitlistEntry',
    limitMs: 4000,
    plan: (inv, runId) => ({ kind: 'create-waitlist-entry', path: '/v3/CreateWaitlistEntry', runId, targets: inv.waitlistTargets }),
  },
  { name: 'CreateBooking', limitMs: 4000, plan: (inv, runId) => ({ kind: 'create-booking', path: '/v3/CreateBooking', runId, ...inv.booking }) },
];

interface StoreUnderTest {
  readonly label: string;
  readonly databaseUrl: (dir: string) => string;
  readonly notes: readonly string[];
}

async function benchStore(store: StoreUnderTest, runId: string): Promise<StoreReport> {
  const dir = tempDir('booking-bench-');
  const env = serverEnv(dir, { LOG_LEVEL: 'warn', DATABASE_URL: store.databaseUrl(dir), ...extraServerEnv() });
  const profileDir = args.profile ? mkdtempSync(join(tmpdir(), 'booking-bench-prof-')) : null;
  log(`\n${store.label}: starting the booking server (serve --demo${profileDir ? ', --cpu-prof' : ''})`);
  const server = await startBookingServer(env, profileDir);
  const rows: Row[] = [];
  let contention: StoreReport['contention'] = null;
  try {
    const access: Access = { baseUrl: server.baseUrl, credentials: env.BOOKING_SERVER_CREDENTIALS, adminToken: env.ADMIN_TOKEN };
    const inventory = await createInventory(access, runId);
    const authorization = basicAuth(access.credentials);
    for (const method of METHODS) {
      if (!selected(method.name)) continue;
      const result = await measure(server.baseUrl, authorization, (id) => method.plan(inventory, `${id}-${method.name}`), runId);
      log(`  ${method.name}: ${describe(result)}`);
      rows.push({ name: method.name, limitMs: method.limitMs, result });
    }
    if (selected('contention')) {
      const { merchantId, serviceId, slot, spots } = inventory.contention;
      const result = await load({
        url: server.baseUrl,
        connections: 1000,
        amount: 1000,
        durationSec: 0,
        authorization,
        plan: { kind: 'create-booking', path: '/v3/CreateBooking', runId: `${runId}-contention`, merchantId, serviceId, slots: [slot] },
      });
      const stored = await confirmedInStore(access, merchantId, serviceId);
      log(`  contention (1,000 concurrent CreateBooking, one slot of ${spots}): ${result.confirmed} confirmed, ${stored} in the store; ${describe(result)}`);
      contention = { result, spots, confirmedInStore: stored };
      if (result.confirmed !== spots || stored !== spots) {
        log(`  ERROR: expected exactly ${spots} confirmed bookings`);
        process.exitCode = 1;
      }
    }
  } finally {
    await server.stop();
  }
  if (profileDir !== null) {
    for (const file of readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile'))) log(`\n${summarise(join(profileDir, file), ROOT)}`);
  }
  return { store: store.label, rows, contention, notes: store.notes };
}

const runId = randomBytes(4).toString('hex');
log(`npm run bench: ${settings.connections} connections, ${settings.durationSec} s per method after ${settings.warmupSec} s warm-up (run ${runId})`);
const echo = await startEchoServer();
let baseline: LoadResult;
try {
  baseline = await measure(echo.baseUrl, undefined, () => ({ kind: 'fixed', path: '/', bodies: [JSON.stringify({ merchant_id: 'dining-1', service_id: 'reservation', party_size: [2, 4] })] }), runId);
} finally {
  await echo.stop();
}
log(`  baseline (node:http echo): ${describe(baseline)}`);

const writeNote = `Writes are durable. CreateWaitlistEntry spreads over ${WAITLIST_MERCHANTS} merchants; CreateBooking over 200 slots of one merchant; each request has its own idempotency token and user.`;
const stores: StoreUnderTest[] = [
  { label: 'SQLite (embedded: WAL, synchronous=FULL)', databaseUrl: (dir) => `sqlite:${join(dir, 'db.sqlite')}`, notes: [writeNote] },
];
const skipped: string[] = [];
let postgres: Postgres | null = null;
const wantPostgres = args.postgres || /^postgres(ql)?:\/\//.test(process.env.DATABASE_URL ?? '');
if (wantPostgres) {
  try {
    postgres = await startPostgres();
    const url = postgres.url;
    stores.push({ label: `PostgreSQL (${postgres.description}, pool of 10 connections)`, databaseUrl: () => url, notes: [writeNote] });
  } catch (error) {
    skipped.push(`PostgreSQL: skipped, none could be started (${error instanceof Error ? error.message.split('\n')[0] : String(error)}).`);
  }
} else {
  skipped.push('PostgreSQL: skipped (run `npm run bench -- --postgres`, or set DATABASE_URL=postgres://...).');
}

const reports: StoreReport[] = [];
try {
  for (const store of stores) reports.push(await benchStore(store, runId));
} finally {
  await postgres?.stop();
  removeTempDirs();
}

const text = renderAll(reports, baseline, settings, skipped);
log(`\n${text}\n`);
if (args['write-docs']) log(`written to ${writeDocs(ROOT, text)}`);
