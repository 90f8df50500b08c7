// `npm run bench`: the booking server's throughput and latency per Google method, next to its
// baselines measured in the same run (a bare node:http echo and an Express fixed answer for reads,
// the database's own durable commit rate for writes), on SQLite and (when available) PostgreSQL.
// Servers, load generators and baselines each run in their own process; see docs/PERFORMANCE.md.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { basicAuth, ROOT, removeTempDirs, serverEnv, tempDir, withTimeout } from '../test/e2e/support.js';
import { confirmedInStore, createInventory, WAITLIST_MERCHANTS, type Access, type Inventory } from './inventory.js';
import type { LoadResult, LoadSpec, RequestPlan } from './load-spec.js';
import type { CommitResult, CommitSpec } from './commit-rate.js';
import { startBookingServer, startEchoServer, startExpressServer, startPostgres, type Postgres } from './processes.js';
import { DEFAULT_POOL_MAX } from '../src/config.js';
import { cpuPerRequest, sampleCpu } from './server-cpu.js';
import { monotonicUs, type ProfileWindow, StatementProfile, summarise, summariseStatements } from './profile.js';
import { watchPostgres } from './pg-profile.js';
import { PERF_NODE_OPTION, PerfRecording, perfAvailable, renderPerf, summarisePerf, type PerfSummary } from './perf-profile.js';
import { renderSyscalls, SyscallTrace } from './syscall-trace.js';
import { describeCpu, medianRound, renderAll, writeDocs, type Baselines, type Round, type Row, type RunSettings, type StoreReport } from './report.js';

const USAGE = `usage: npm run bench -- [--duration <s>] [--warmup <s>] [--connections <n>] [--generators <n>] [--postgres] [--write-docs] [--profile] [--perf] [--syscalls] [--only <method,...>] [--store <sqlite|postgres>] [--rounds <n>]
  --duration      seconds per method (default 10); for a read, per round
  --rounds        rounds of a read and the echo right before it, alternating (default 3); the read's
                  row is the round with the median ratio, and every round's ratio is printed
  --warmup        seconds of warm-up before each method (default 2)
  --connections   concurrent connections (default 50), shared among the generators
  --generators    load-generator processes making the load together (default 2)
  --postgres      also run against PostgreSQL: DATABASE_URL when it is postgres://, else a throwaway embedded one
  --write-docs    write the results into docs/PERFORMANCE.md (the "Booking server" section)
  --profile       run the booking server under node --cpu-prof and print where its time went, and on
                  SQLite its top statements by total time during each method; on PostgreSQL what its
                  connections waited on, its CPU and its statements (bench/pg-profile.ts)
  --perf          record the booking server and the echo with Linux perf during each method's first
                  measured run and print their CPU a request by area (kernel, V8, node, our
                  JavaScript, SQLite) and the top symbols (bench/perf-profile.ts)
  --syscalls      trace the booking server's system calls with Linux perf during each method's first
                  measured run and print them a request: count and time in them, the main thread
                  apart from the other threads (bench/syscall-trace.ts)
  --only          run only these methods (e.g. CreateBooking,contention); the baseline always runs
  --store         run only this store (sqlite, or postgres: implies --postgres)`;

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '50' },
    generators: { type: 'string', default: '2' },
    postgres: { type: 'boolean', default: false },
    'write-docs': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    perf: { type: 'boolean', default: false },
    syscalls: { type: 'boolean', default: false },
    only: { type: 'string' },
    store: { type: 'string' },
    rounds: { type: 'string', default: '3' },
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
  generators: Math.round(positive(args.generators, 'generators', 1)),
  rounds: Math.round(positive(args.rounds, 'rounds', 1)),
};
if (settings.generators > settings.connections) {
  process.stderr.write(`--generators must not exceed --connections\n${USAGE}\n`);
  process.exit(2);
}
if (args.store !== undefined && args.store !== 'sqlite' && args.store !== 'postgres') {
  process.stderr.write(`--store must be sqlite or postgres\n${USAGE}\n`);
  process.exit(2);
}
if (args.perf || args.syscalls) {
  const missing = perfAvailable();
  if (missing !== null) {
    process.stderr.write(`${args.perf ? '--perf' : '--syscalls'}: ${missing}\n`);
    process.exit(2);
  }
}
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
  for (const pair of raw
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')) {
    const eq = pair.indexOf('=');
    if (eq < 1) {
      process.stderr.write(`BENCH_SERVER_ENV: expected NAME=value, got "${pair}"\n`);
      process.exit(2);
    }
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}
const serverExtra = extraServerEnv();

/**
 * The server's PostgreSQL pool: DATABASE_POOL_MAX given through BENCH_SERVER_ENV, else the
 * server's default. The commit baseline uses as many connections, so that the writes are
 * compared with commits from as many sessions at once as the pool can hold.
 */
function poolSize(): number {
  const raw = serverExtra.DATABASE_POOL_MAX;
  if (raw === undefined) return DEFAULT_POOL_MAX;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 1000) {
    process.stderr.write(`BENCH_SERVER_ENV: DATABASE_POOL_MAX must be a whole number from 1 to 1000, got "${raw}"\n`);
    process.exit(2);
  }
  return n;
}
const pool = poolSize();
const poolConnections = `${pool} connection${pool === 1 ? '' : 's'}`;

/**
 * BENCH_PG_SETTINGS="name=value,name=value": settings for the embedded PostgreSQL (each passed as
 * `-c name=value` at its start), e.g. commit_delay=100,commit_siblings=2 to measure whether
 * concurrent commits share their fsyncs. Ignored with a DATABASE_URL of your own.
 */
function postgresSettings(): string[] {
  const settings: string[] = [];
  for (const pair of (process.env.BENCH_PG_SETTINGS ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')) {
    if (!/^[a-z_][a-z0-9_.]*=[A-Za-z0-9_.:-]+$/.test(pair)) {
      process.stderr.write(`BENCH_PG_SETTINGS: expected name=value (a PostgreSQL setting), got "${pair}"\n`);
      process.exit(2);
    }
    settings.push(pair);
  }
  return settings;
}
const pgSettings = postgresSettings();

/** Runs one load in one load-generator process and returns its result. */
async function loadOne(spec: LoadSpec): Promise<LoadResult> {
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

/** Splits `total` into `parts` near-equal whole shares. */
const shares = (total: number, parts: number): number[] => Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));

/**
 * Runs one load from `generators` load-generator processes at once, the connections (and the
 * amount) shared among them, each with its own run id so that write tokens stay unique. Counts
 * and rates are summed; p50, p99 and max are the worst generator's, never an average.
 */
async function load(spec: LoadSpec, generators = settings.generators): Promise<LoadResult> {
  if (generators === 1) return loadOne(spec);
  const connections = shares(spec.connections, generators);
  const amounts = spec.amount === undefined ? null : shares(spec.amount, generators);
  const results = await Promise.all(
    connections.map((c, i) => {
      const plan = spec.plan.kind === 'fixed' ? spec.plan : { ...spec.plan, runId: `${spec.plan.runId}-g${i}` };
      return loadOne({ ...spec, connections: c, ...(amounts ? { amount: amounts[i]! } : {}), plan });
    }),
  );
  const sum = (f: (r: LoadResult) => number): number => results.reduce((a, r) => a + f(r), 0);
  const worst = (f: (r: LoadResult) => number): number => Math.max(...results.map(f));
  const statusCodes: Record<string, number> = {};
  for (const r of results) for (const [code, n] of Object.entries(r.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + n;
  return {
    requests: sum((r) => r.requests),
    durationSec: worst((r) => r.durationSec),
    rps: sum((r) => r.rps),
    p50: worst((r) => r.p50),
    p99: worst((r) => r.p99),
    max: worst((r) => r.max),
    non2xx: sum((r) => r.non2xx),
    errors: sum((r) => r.errors),
    timeouts: sum((r) => r.timeouts),
    businessFailures: sum((r) => r.businessFailures),
    confirmed: sum((r) => r.confirmed),
    statusCodes,
    samples: results.flatMap((r) => r.samples).slice(0, 5),
    generators,
  };
}

/** What a measurement drives, and how. */
interface Measured {
  readonly url: string;
  /** The booking server's Basic credentials; none for the baselines. */
  readonly authorization?: string | undefined;
  /** The requests, for a run id (a write plan makes its tokens from it). */
  readonly plan: (runId: string) => RequestPlan;
  readonly generators?: number;
  readonly perRequestBody?: boolean;
  /** The server's process: its CPU time per request of the measured run is added to the result. */
  readonly pid?: number | undefined;
  /** With --perf: record the server's process during the measured run, under this name. */
  readonly perf?: string;
}

/** BENCH_PERF_TOP: how many symbols --perf lists (default 15). */
const perfTop = Math.max(1, Number.parseInt(process.env.BENCH_PERF_TOP ?? '15', 10) || 15);
/** BENCH_STATEMENTS_TOP: how many SQLite statements --profile lists per method (default 12). */
const statementsTop = Math.max(1, Number.parseInt(process.env.BENCH_STATEMENTS_TOP ?? '12', 10) || 12);
/** BENCH_PROFILE_FUNCTIONS: names of functions (comma-separated) whose inclusive time --profile lists too. */
const PROFILE_FUNCTIONS = (process.env.BENCH_PROFILE_FUNCTIONS ?? '')
  .split(',')
  .map((name) => name.trim())
  .filter((name) => name !== '');

type Measurement = LoadResult & { readonly perf?: PerfSummary; readonly syscalls?: string };

function loadBase(m: Measured) {
  return {
    url: m.url,
    connections: settings.connections,
    ...(m.authorization ? { authorization: m.authorization } : {}),
    ...(m.perRequestBody ? { perRequestBody: true } : {}),
  };
}

/** The warm-up of a measurement, whose figures are not reported (null when --warmup is 0). */
async function warmUp(m: Measured, runId: string): Promise<LoadResult | null> {
  if (settings.warmupSec <= 0) return null;
  return load({ ...loadBase(m), durationSec: settings.warmupSec, plan: m.plan(`${runId}-warm`) }, m.generators);
}

/** One measured run, with the server's CPU time per request when its pid is given. */
async function measureRun(m: Measured, runId: string): Promise<Measurement> {
  const recording = args.perf && m.perf !== undefined && m.pid !== undefined ? new PerfRecording(m.pid) : null;
  // The booking server's calls only (the echo's would be the kernel's TCP work alone).
  const tracing = args.syscalls && m.perf !== undefined && m.pid !== undefined && m.pid !== echoServer.pid ? new SyscallTrace(m.pid) : null;
  // perf attaches to the process's threads before the load starts.
  if (recording !== null || tracing !== null) await new Promise((resolve) => setTimeout(resolve, 500));
  const before = sampleCpu(m.pid);
  const result = await load({ ...loadBase(m), durationSec: settings.durationSec, plan: m.plan(runId) }, m.generators);
  const serverCpu = cpuPerRequest(before, sampleCpu(m.pid), result.requests, result.durationSec);
  const withCpu: Measurement = serverCpu === null ? result : { ...result, serverCpu };
  const measured: Measurement =
    tracing === null ? withCpu : { ...withCpu, syscalls: renderSyscalls(m.perf!, await tracing.stop(), m.pid!, result.requests, perfTop) };
  if (recording === null) return measured;
  return { ...measured, perf: summarisePerf(m.perf!, await recording.stop(), result.requests, ROOT, perfTop) };
}

/** Warm-up (results dropped), then the measured run. Write plans get a fresh run id for each. */
async function measure(m: Measured, runId: string): Promise<Measurement> {
  await warmUp(m, runId);
  return measureRun(m, runId);
}

/** Fixed plans are not inspected per response under load: one answer of each body is checked first. */
async function probe(url: string, authorization: string, plan: RequestPlan): Promise<void> {
  if (plan.kind !== 'fixed') return;
  for (const body of new Set(plan.bodies)) {
    const response = await fetch(`${url}${plan.path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body });
    const text = await response.text();
    if (!response.ok || text.includes('"booking_failure"') || text.includes('"waitlist_business_logic_failure"')) {
      throw new Error(`${plan.path} does not answer as the bench expects: ${response.status} ${text.slice(0, 300)}`);
    }
  }
}

/** The database's own durable commit rate, measured by bench/commit-rate.ts in its own process. */
async function commitRate(spec: CommitSpec): Promise<CommitResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'commit-rate.ts')], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  child.stdin.end(JSON.stringify(spec));
  const code = await withTimeout(
    new Promise<number | null>((resolve) => child.once('close', resolve)),
    (spec.durationSec + 120) * 1000,
    'the commit-rate baseline',
  ).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  if (code !== 0) throw new Error(`the commit-rate baseline failed (exit ${code}):\n${err}`);
  return JSON.parse(out.trim().split('\n').pop()!) as CommitResult;
}

const describe = (r: LoadResult): string =>
  `${Math.round(r.rps).toLocaleString('en-US')} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, non-2xx ${r.non2xx}, errors ${r.errors}, business failures ${r.businessFailures}` +
  (r.serverCpu === undefined ? '' : `; server CPU ${describeCpu(r.serverCpu)}`) +
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
const WRITE_METHODS = new Set(['CreateWaitlistEntry', 'CreateBooking']);

interface StoreUnderTest {
  readonly label: string;
  /** SQLite: with --profile, its statements are profiled too (bench/statement-profile.cjs). */
  readonly sqlite: boolean;
  readonly databaseUrl: (dir: string) => string;
  /** The database's own durable commit rate, on the same disk. */
  readonly commitBaseline: (dir: string) => { spec: CommitSpec; label: string };
  readonly notes: readonly string[];
  /** With --profile, what the database did during each method (PostgreSQL: bench/pg-profile.ts). */
  readonly watch?: (label: string, serverPid?: number) => Promise<{ stop(): Promise<string> }>;
}

async function benchStore(store: StoreUnderTest, runId: string): Promise<StoreReport> {
  const dir = tempDir('booking-bench-');
  // The database's commit rate before the server starts and after it stops (never while it runs,
  // so that the two never share the cores or the disk); the faster one is the baseline, so that a
  // disk slower at one of the two moments cannot flatter the writes' ratio.
  const baseline = store.commitBaseline(dir);
  const commitBefore = await commitRate(baseline.spec);
  log(`  ${baseline.label}, before the server: ${Math.round(commitBefore.rate).toLocaleString('en-US')} commits/s`);
  const perfEnv = args.perf ? { NODE_OPTIONS: `${serverExtra.NODE_OPTIONS ?? ''} ${PERF_NODE_OPTION}`.trim() } : {};
  const env = serverEnv(dir, { LOG_LEVEL: 'warn', DATABASE_URL: store.databaseUrl(dir), ...serverExtra, ...perfEnv });
  const profileDir = args.profile ? mkdtempSync(join(tmpdir(), 'booking-bench-prof-')) : null;
  const statementDir = args.profile && store.sqlite ? mkdtempSync(join(tmpdir(), 'booking-bench-statements-')) : null;
  log(`\n${store.label}: starting the booking server (serve --demo${profileDir ? ', --cpu-prof' : ''}${statementDir ? ', statement profile' : ''})`);
  const server = await startBookingServer(env, { cpuProfileDir: profileDir, statementProfileDir: statementDir });
  const statements = statementDir !== null && server.pid !== undefined ? new StatementProfile(statementDir, server.pid) : null;
  const rows: Row[] = [];
  const windows: ProfileWindow[] = [];
  const statementPhases: { readonly label: string; readonly file: string; readonly requests: number }[] = [];
  let contention: StoreReport['contention'] = null;
  try {
    const access: Access = { baseUrl: server.baseUrl, credentials: env.BOOKING_SERVER_CREDENTIALS, adminToken: env.ADMIN_TOKEN };
    const inventory = await createInventory(access, runId);
    const authorization = basicAuth(access.credentials);
    for (const method of METHODS) {
      if (!selected(method.name)) continue;
      await probe(server.baseUrl, authorization, method.plan(inventory, `${runId}-probe`));
      // A read is measured in rounds, each the echo and then the read, driven the same way: the
      // machine's speed drifts over a run (other work, CPU frequency), by more than a read's gap to
      // its target within minutes, so each read is compared with an echo measured right before it,
      // and the round with the median ratio stands for the read (every round's ratio is printed).
      // The server is idle while the echo runs, the echo idle while the read runs.
      const write = WRITE_METHODS.has(method.name);
      const plan = (id: string): RequestPlan => method.plan(inventory, `${id}-${method.name}`);
      let echoOwn: Measurement | undefined;
      if (!write) {
        await warmUp({ url: echoServer.baseUrl, plan: echoPlan }, runId);
        // The echo sent the method's own requests (the same bytes in, as many bytes back): what
        // parsing and moving this method's requests and answers costs by itself, so that a gap to
        // the small-body echo can be told apart from the server's work. Shown next to the target,
        // which stays judged against the small-body echo.
        const own = method.plan(inventory, `${runId}-echo`);
        if (own.kind === 'fixed' && own.bodies.some((body) => body !== ECHO_BODY)) {
          echoOwn = await measure(
            {
              url: echoServer.baseUrl,
              plan: (id) => method.plan(inventory, `${id}-echo`),
              pid: echoServer.pid,
              perf: `the echo sent ${method.name}'s requests`,
            },
            runId,
          );
          log(`  echo sent ${method.name}'s own requests (${fmtBytes(own.bodies)}): ${describe(echoOwn)}`);
        }
      }
      // Ends the statement profile's phase before this method (start-up, inventory, the method before).
      await statements?.mark();
      const fromUs = monotonicUs();
      const watching = args.profile ? await store.watch?.(`${method.name} (warm-up and measurement)`, server.pid) : undefined;
      const measured: Measured = { url: server.baseUrl, authorization, plan, pid: server.pid };
      const warmup = await warmUp(measured, runId);
      const rounds: Round[] = [];
      let perfOf: { method?: PerfSummary; reference?: PerfSummary } = echoOwn?.perf === undefined ? {} : { reference: echoOwn.perf };
      let syscallsOf: string | null = null;
      for (let round = 1; round <= (write ? 1 : settings.rounds); round++) {
        const of = write ? '' : ` (round ${round} of ${settings.rounds})`;
        let echo: Measurement | undefined;
        if (!write) {
          const recordEcho = round === 1 && perfOf.reference === undefined;
          echo = await measureRun(
            { url: echoServer.baseUrl, plan: echoPlan, pid: echoServer.pid, ...(recordEcho ? { perf: 'the echo before it' } : {}) },
            `${runId}-r${round}`,
          );
          if (recordEcho && echo.perf !== undefined) perfOf = { reference: echo.perf };
          log(`  echo right before ${method.name}${of}: ${describe(echo)}`);
        }
        const result: Measurement = await measureRun(round === 1 ? { ...measured, perf: method.name } : measured, `${runId}-r${round}`);
        if (result.perf !== undefined) perfOf = { ...perfOf, method: result.perf };
        if (result.syscalls !== undefined) syscallsOf = result.syscalls;
        log(`  ${method.name}${of}: ${describe(result)}${echo === undefined ? '' : `; ${(result.rps / echo.rps).toFixed(2)}x the echo`}`);
        rounds.push(echo === undefined ? { result } : { result, echo });
      }
      const label = `${method.name} (warm-up and measurement)`;
      windows.push({ label, fromUs, toUs: monotonicUs() });
      const requests = (warmup?.requests ?? 0) + rounds.reduce((n, r) => n + r.result.requests, 0);
      if (statements !== null) statementPhases.push({ label, file: await statements.mark(), requests });
      const median = medianRound(rounds);
      if (rounds.length > 1) {
        log(
          `  ${method.name}: the median round is round ${rounds.indexOf(median) + 1} (ratios to the echo: ${rounds.map((r) => (r.result.rps / r.echo!.rps).toFixed(2)).join(', ')})`,
        );
      }
      if (watching !== undefined) log(`${await watching.stop()}`);
      if (perfOf.method !== undefined) log(`\n${renderPerf(perfOf.method, perfOf.reference ?? null, ROOT)}\n`);
      if (syscallsOf !== null) log(`\n${syscallsOf}\n`);
      rows.push({
        name: method.name,
        limitMs: method.limitMs,
        result: median.result,
        ...(median.echo === undefined ? {} : { echo: median.echo }),
        ...(rounds.length > 1 ? { rounds } : {}),
        ...(echoOwn === undefined ? {} : { echoOwn }),
      });
    }
    if (selected('contention')) {
      const { merchantId, serviceId, slot, spots } = inventory.contention;
      // One generator: 1,000 connections opened at once from one process, all racing for the slot.
      const result = await loadOne({
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
  const commitAfter = await commitRate(baseline.spec);
  log(`  ${baseline.label}, after the server: ${Math.round(commitAfter.rate).toLocaleString('en-US')} commits/s`);
  if (profileDir !== null) {
    for (const file of readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile'))) {
      log(`\n${summarise(join(profileDir, file), ROOT, 20, undefined, PROFILE_FUNCTIONS)}`);
      // The same profile during each method alone (the whole run includes start-up, the inventory and background work).
      for (const window of windows) log(`\n${summarise(join(profileDir, file), ROOT, 12, window, PROFILE_FUNCTIONS)}`);
    }
  }
  for (const phase of statementPhases) log(`\n${summariseStatements(phase.file, phase.label, phase.requests, statementsTop)}`);
  return {
    store: store.label,
    rows,
    contention,
    notes: store.notes,
    commit: { label: baseline.label, rate: Math.max(commitBefore.rate, commitAfter.rate), before: commitBefore.rate, after: commitAfter.rate },
  };
}

const runId = randomBytes(4).toString('hex');
log(
  `npm run bench: ${settings.connections} connections from ${settings.generators} load-generator processes, ${settings.durationSec} s per method after ${settings.warmupSec} s warm-up, a read in ${settings.rounds} round(s) each after the echo (run ${runId})`,
);
const ECHO_BODY = JSON.stringify({ merchant_id: 'dining-1', service_id: 'reservation', party_size: [2, 4] });
const echoPlan = (): RequestPlan => ({ kind: 'fixed', path: '/', bodies: [ECHO_BODY] });
/** The bodies' sizes, as the log line names them. */
function fmtBytes(bodies: readonly string[]): string {
  const sizes = [...new Set(bodies.map((body) => Buffer.byteLength(body)))].sort((a, b) => a - b);
  const range = sizes.length === 1 ? `${sizes[0]}` : `${sizes[0]}-${sizes[sizes.length - 1]}`;
  return `${range} bytes a body, against ${Buffer.byteLength(ECHO_BODY)} for the echo baseline`;
}
// The echo three ways, to show that the load generator is not what limits the baseline: bodies
// built per request in one generator (how the bench drove it before), prepared requests from one
// generator, and prepared requests from all generators (the baseline every ratio uses).
const echoServer = await startEchoServer(args.perf ? [PERF_NODE_OPTION] : []);
let baselines: Baselines;
try {
  const echo: Measured = { url: echoServer.baseUrl, plan: echoPlan, pid: echoServer.pid };
  const perRequestBody = await measure({ ...echo, generators: 1, perRequestBody: true }, runId);
  log(`  echo, body built per request, 1 generator: ${describe(perRequestBody)}`);
  const oneGenerator = await measure({ ...echo, generators: 1 }, runId);
  log(`  echo, prepared request, 1 generator: ${describe(oneGenerator)}`);
  const several = settings.generators === 1 ? oneGenerator : await measure(echo, runId);
  if (settings.generators > 1) log(`  echo, prepared request, ${settings.generators} generators: ${describe(several)}`);
  // The faster of the two: a ratio to a baseline the generators held back would flatter the server.
  baselines = {
    echo: several.rps >= oneGenerator.rps ? several : oneGenerator,
    echoOneGenerator: oneGenerator,
    echoSeveral: several,
    echoPerRequestBody: perRequestBody,
    express: null,
  };
} catch (error) {
  await echoServer.stop();
  throw error;
}
const expressServer = await startExpressServer();
try {
  const express = await measure({ url: expressServer.baseUrl, plan: echoPlan, pid: expressServer.pid }, runId);
  log(`  Express, fixed answer: ${describe(express)}`);
  baselines = { ...baselines, express };
} finally {
  await expressServer.stop();
}

const writeNote = `Writes are durable. CreateWaitlistEntry spreads over ${WAITLIST_MERCHANTS} merchants; CreateBooking over 200 slots of one merchant; each request has its own idempotency token and user.`;
const stores: StoreUnderTest[] = [];
if (args.store !== 'postgres') {
  stores.push({
    // The server's default unless BENCH_SERVER_ENV says otherwise (SQLITE_CHECKPOINTS in config.ts).
    label: `SQLite (embedded: WAL, synchronous=FULL, SQLITE_CHECKPOINTS=${serverExtra.SQLITE_CHECKPOINTS ?? 'worker'})`,
    sqlite: true,
    databaseUrl: (dir) => `sqlite:${join(dir, 'db.sqlite')}`,
    commitBaseline: (dir) => ({
      spec: { kind: 'sqlite', path: join(dir, 'commit-rate.sqlite'), durationSec: Math.min(settings.durationSec, 5) },
      label: 'SQLite single-row commits, one at a time (WAL, synchronous=FULL, same directory)',
    }),
    notes: [writeNote],
  });
}
const skipped: string[] = [];
let postgres: Postgres | null = null;
const wantPostgres = args.store !== 'sqlite' && (args.store === 'postgres' || args.postgres || /^postgres(ql)?:\/\//.test(process.env.DATABASE_URL ?? ''));
if (wantPostgres) {
  try {
    postgres = await startPostgres(args.profile, pgSettings);
    const url = postgres.url;
    stores.push({
      label: `PostgreSQL (${postgres.description}, pool of ${poolConnections})`,
      sqlite: false,
      databaseUrl: () => url,
      commitBaseline: () => ({
        spec: { kind: 'postgres', url, connections: pool, durationSec: Math.min(settings.durationSec, 5) },
        label: `PostgreSQL single-row commits from ${poolConnections} at once (as the pool; fsync on)`,
      }),
      notes: [writeNote],
      watch: (label, serverPid) => watchPostgres(url, label, serverPid),
    });
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
  await echoServer.stop();
  removeTempDirs();
}

const text = renderAll(reports, baselines, settings, skipped);
log(`\n${text}\n`);
if (args['write-docs']) log(`written to ${writeDocs(ROOT, text)}`);
