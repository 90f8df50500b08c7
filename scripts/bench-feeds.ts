// Feed generation benchmark (not a test): `npm run bench:feeds [-- --merchants N] [--write-docs]`.
// Seeds N merchants x 2 services x 30 days x 16 slots/day into a fresh SQLite file (batched
// inserts in one transaction), then times `generateFeeds` in a separate process and prints slots
// per second, peak RSS and event-loop delay. It does the same at a tenth of the inventory, so that
// the two peak RSS figures show whether memory stays flat as the inventory grows.
// --write-docs writes the printed figures and the machine into docs/PERFORMANCE.md (feeds section).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, platform, release, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { DateTime } from 'luxon';
import { systemClock } from '../src/clock.js';
import { loadConfig } from '../src/config.js';
import { generateFeeds } from '../src/feeds/generate.js';
import { openStore } from '../src/store/database.js';
import { sqliteDriver } from '../src/store/sqlite-driver.js';

const SERVICES = 2;
const DAYS = 30;
const SLOTS_PER_DAY = 16;
const ZONE = 'America/New_York';
const SELF = fileURLToPath(import.meta.url);

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const value = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
};

interface SeedResult {
  readonly merchants: number;
  readonly slots: number;
  readonly bookings: number;
  readonly seconds: number;
}

interface GenerateResult {
  readonly slots: number;
  readonly entries: number;
  readonly shards: number;
  readonly bytes: number;
  readonly seconds: number;
  readonly maxRssMb: number;
  readonly loopP99Ms: number;
  readonly loopMaxMs: number;
}

/** Phase 1 (own process): a fresh database with the inventory, in one transaction. */
async function seed(path: string, merchants: number): Promise<SeedResult> {
  const started = process.hrtime.bigint();
  const store = await openStore({ kind: 'sqlite', path }); // migrations
  await store.close();
  const SqliteConnection = sqliteDriver();
  const db = new SqliteConnection(path);
  db.pragma('synchronous = OFF');
  const now = Math.floor(Date.now() / 1000);
  const first = DateTime.now().setZone(ZONE).startOf('day').plus({ days: 1 });
  // The 16 local start times of each of the 30 days (09:00, 09:30, ... 16:30), as epoch seconds.
  const starts: number[][] = [];
  for (let d = 0; d < DAYS; d++) {
    const day = first.plus({ days: d }).set({ hour: 9 });
    starts.push(Array.from({ length: SLOTS_PER_DAY }, (_, i) => day.plus({ minutes: 30 * i }).toSeconds()));
  }
  const merchant = db.prepare(
    "insert into merchants (id, name, time_zone, telephone, street_address, locality, region, postal_code, country, waitlist_advisement, turn_times, created_at, updated_at) values (?, ?, ?, '+1 212-555-0100', ?, 'New York', 'NY', '10001', 'US', null, '[]', ?, ?)",
  );
  const service = db.prepare(
    "insert into services (merchant_id, id, name, waitlist_enabled, waitlist_paused, min_party_size, max_party_size, max_queue_length, allowed_phone_countries, supports_additional_request, confirmation_mode, walk_in_when_no_wait, max_quoted_wait_minutes, created_at, updated_at, booking_enabled, availability_format) values (?, ?, ?, 0, 0, 1, 10, null, '[]', 1, 'SYNCHRONOUS', 0, null, ?, ?, 1, ?)",
  );
  const slot = db.prepare(
    "insert into availability_slots (merchant_id, service_id, start_sec, duration_sec, staff_id, room_id, party_size, spots_total, availability_tag) values (?, ?, ?, 1800, '', '', 0, ?, '')",
  );
  const booking = db.prepare(
    "insert into bookings (id, merchant_id, service_id, start_sec, duration_sec, staff_id, room_id, slot_party_size, party_size, availability_tag, status, confirmation_mode, source, given_name, family_name, prepayment_status, created_at, updated_at) values (?, ?, 'studio', ?, 1800, '', '', 0, 2, '', 'CONFIRMED', 'SYNCHRONOUS', 'merchant', 'A', 'B', 'PREPAYMENT_NOT_PROVIDED', ?, ?)",
  );
  let slots = 0;
  let bookings = 0;
  db.transaction(() => {
    for (let m = 0; m < merchants; m++) {
      const id = `m${String(m).padStart(6, '0')}`;
      merchant.run(id, `Merchant ${m}`, ZONE, `${m} Main St`, now, now);
      // One service in each availability format: spots_open with two spots, recurrence with one.
      service.run(id, 'dinner', 'Dinner', now, now, 'spots_open');
      service.run(id, 'studio', 'Studio', now, now, 'recurrence');
      for (let d = 0; d < DAYS; d++) {
        for (const start of starts[d]!) {
          slot.run(id, 'dinner', start, 2);
          slot.run(id, 'studio', start, 1);
          slots += SERVICES;
        }
        // One booked studio slot per merchant and day: a schedule exception in the feed.
        booking.run(`b-${id}-${d}`, id, starts[d]![(m + d) % SLOTS_PER_DAY]!, now, now);
        bookings += 1;
      }
    }
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return { merchants, slots, bookings, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

/** Phase 2 (own process, so its peak RSS is its own): generate every feed. */
async function generate(path: string, out: string): Promise<GenerateResult> {
  const config = loadConfig({ DATABASE_URL: `sqlite:${path}`, LOG_LEVEL: 'silent' });
  const store = await openStore(config.database);
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const started = process.hrtime.bigint();
  // 31 days: the seeded days start tomorrow, so the 30th ends a little after now + 30 days.
  const summary = await generateFeeds({ store, clock: systemClock, config: config.feeds, outDir: out, horizonDays: 31 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  loop.disable();
  await store.close();
  const availability = summary.feeds.find((f) => f.kind === 'availability')!;
  return {
    slots: availability.slots,
    entries: availability.records,
    shards: availability.files.length,
    bytes: summary.feeds.reduce((n, f) => n + f.files.reduce((m, file) => m + file.bytes, 0), 0),
    seconds,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    loopP99Ms: loop.percentile(99) / 1e6,
    loopMaxMs: loop.max / 1e6,
  };
}

function child<T>(phase: string, extra: string[]): T {
  const output = execFileSync(process.execPath, ['--import', 'tsx', SELF, '--phase', phase, ...extra], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 20,
  });
  return JSON.parse(output.trim().split('\n').pop()!) as T;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function machine(): string {
  const cpu = cpus();
  return `${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${platform()} ${release()}, Node ${process.version}`;
}

async function main(): Promise<void> {
  const phase = value('--phase', '');
  if (phase === 'seed') {
    process.stdout.write(`${JSON.stringify(await seed(value('--db', ''), Number(value('--merchants', '0'))))}\n`);
    return;
  }
  if (phase === 'generate') {
    process.stdout.write(`${JSON.stringify(await generate(value('--db', ''), value('--out', '')))}\n`);
    return;
  }

  const merchants = Number(value('--merchants', '10000'));
  if (!Number.isInteger(merchants) || merchants < 10) throw new Error('--merchants must be a whole number >= 10');
  const lines: string[] = [];
  const say = (line: string) => {
    lines.push(line);
    process.stdout.write(`${line}\n`);
  };
  say(`machine: ${machine()}`);
  say(`database: SQLite (better-sqlite3), one file on ${tmpdir()}`);
  const results: { merchants: number; seeded: SeedResult; generated: GenerateResult }[] = [];
  for (const size of [Math.max(10, Math.round(merchants / 10)), merchants]) {
    const dir = mkdtempSync(join(tmpdir(), 'bench-feeds-'));
    try {
      const db = join(dir, 'bench.sqlite');
      const seeded = child<SeedResult>('seed', ['--db', db, '--merchants', String(size)]);
      say(
        `inventory: ${fmt(size)} merchants x ${SERVICES} services x ${DAYS} days x ${SLOTS_PER_DAY} slots/day = ${fmt(seeded.slots)} slots (${fmt(seeded.bookings)} bookings); seeded in ${seeded.seconds.toFixed(1)} s (${fmt(seeded.slots / seeded.seconds)} slots/s)`,
      );
      const generated = child<GenerateResult>('generate', ['--db', db, '--out', join(dir, 'out')]);
      say(
        `  generated ${fmt(generated.slots)} slots as ${fmt(generated.entries)} availability entries (${generated.shards} shard${generated.shards === 1 ? '' : 's'}, ${(generated.bytes / 1e6).toFixed(1)} MB gzip, all feeds) in ${generated.seconds.toFixed(1)} s: ` +
          `${fmt(generated.slots / generated.seconds)} slots/s; peak RSS ${generated.maxRssMb.toFixed(0)} MB; event-loop delay p99 ${generated.loopP99Ms.toFixed(1)} ms, max ${generated.loopMaxMs.toFixed(1)} ms`,
      );
      results.push({ merchants: size, seeded, generated });
    } finally {
      if (!flag('--keep')) rmSync(dir, { recursive: true, force: true });
    }
  }
  const [small, large] = results;
  say(
    `peak RSS at ${fmt(small!.generated.slots)} slots: ${small!.generated.maxRssMb.toFixed(0)} MB; at ${fmt(large!.generated.slots)} slots: ${large!.generated.maxRssMb.toFixed(0)} MB`,
  );
  if (flag('--write-docs')) writeDocs(lines);
}

const START = '<!-- bench:feeds:start -->';
const END = '<!-- bench:feeds:end -->';

/** Replaces the feeds section of docs/PERFORMANCE.md with what this run printed. */
function writeDocs(lines: readonly string[]): void {
  const path = fileURLToPath(new URL('../docs/PERFORMANCE.md', import.meta.url));
  const section = [
    START,
    '## Feeds',
    '',
    `Written by \`npm run bench:feeds -- --write-docs\` on ${new Date().toISOString().slice(0, 10)}; the figures are the command's output, unedited.`,
    'One service per merchant is in the spots_open format (two spots per slot), the other in the recurrence',
    'format (one spot, one booking per day as a schedule exception). Generation writes all three feeds;',
    'slots/s counts availability slots read over the whole run.',
    '',
    '```',
    ...lines,
    '```',
    END,
  ].join('\n');
  const current = existsSync(path)
    ? readFileSync(path, 'utf8')
    : '# Performance\n\nFigures printed by the benchmarks (`npm run bench*`), never typed by hand.\n';
  const next =
    current.includes(START) && current.includes(END)
      ? current.slice(0, current.indexOf(START)) + section + current.slice(current.indexOf(END) + END.length)
      : `${current.trimEnd()}\n\n${section}\n`;
  writeFileSync(path, next);
  process.stdout.write(`wrote the feeds section of ${path}\n`);
}

await main();
