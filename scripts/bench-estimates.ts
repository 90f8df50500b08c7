// What the learned model costs a wait estimate (not a test): `npm run bench:estimates [-- --rounds N]`.
// The demo inventory in a fresh SQLite file, a queue of 20 parties and a full floor, a model learned
// from four weeks of recorded history; then BatchGetWaitEstimates' use case (WaitlistService.estimates
// for party sizes 1-6) and the estimator alone, without and with the learned model, interleaved in
// one process (rounds alternate which goes first), so that a machine busy with other work slows
// both alike and the ratio stays meaningful. Prints microseconds per call (median and p90 of the
// rounds) and the ratio with/without.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildServices } from '../src/app.js';
import { ManualClock } from '../src/clock.js';
import { loadConfig } from '../src/config.js';
import { DEMO_WAITLIST_MERCHANT, DEMO_WAITLIST_SERVICE, seedDemo } from '../src/demo/seed.js';
import { openStore } from '../src/store/database.js';
import { estimateNewParties, type Floor } from '../src/waitlist/estimator.js';
import { WaitlistService } from '../src/waitlist/service.js';

const args = process.argv.slice(2);
const at = args.indexOf('--rounds');
const rounds = at >= 0 ? Number(args[at + 1]) : 40;
if (!Number.isInteger(rounds) || rounds < 5 || rounds > 10_000) {
  process.stderr.write('usage: npm run bench:estimates -- [--rounds N] (5-10000, default 40)\n');
  process.exit(2);
}
const CALLS = 50;
const SIZES = [1, 2, 3, 4, 5, 6];

const dir = mkdtempSync(join(tmpdir(), 'bench-estimates-'));
const config = loadConfig({ DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`, LOG_LEVEL: 'silent' });
const store = await openStore(config.database);
try {
  // Four weeks ago, 19:00 UTC: the history starts there; the clock is moved by hand.
  const start = Math.floor(Date.now() / 86_400_000) * 86_400 - 28 * 86_400 + 19 * 3600;
  const clock = new ManualClock(start * 1000);
  const services = buildServices(config, store, clock);
  await seedDemo(services, clock);
  const tables = await services.merchants.listTables(DEMO_WAITLIST_MERCHANT);
  const join = async (partySize: number): Promise<string> => {
    const result = await services.waitlist.join(
      {
        merchantId: DEMO_WAITLIST_MERCHANT,
        serviceId: DEMO_WAITLIST_SERVICE,
        partySize,
        guest: { givenName: 'Bench', familyName: '', telephone: null, email: null, googleUserId: null },
        additionalRequest: null,
        source: 'merchant',
      },
      null,
    );
    if (!('entryId' in result)) throw new Error(`join failed: ${JSON.stringify(result)}`);
    return result.entryId;
  };
  // 28 nights: each table seated twice a night, cleared after 50-70 minutes.
  for (let night = 0; night < 28; night++) {
    for (const [i, table] of tables.entries()) {
      for (let turn = 0; turn < 2; turn++) {
        const t0 = start + night * 86_400 + turn * 75 * 60 + i * 60;
        clock.set(t0 * 1000);
        const id = await join(Math.max(table.minSeats, Math.min(2, table.seats)));
        await services.waitlist.act(id, 'seat', { tableId: table.id });
        clock.set((t0 + (50 + ((night + i + turn) % 3) * 10) * 60) * 1000);
        await services.waitlist.leave(id, DEMO_WAITLIST_MERCHANT);
      }
    }
  }
  // Tonight: every table taken, 20 parties waiting.
  const now = start + 28 * 86_400;
  clock.set(now * 1000);
  for (const table of tables) await services.waitlist.act(await join(Math.max(table.minSeats, Math.min(2, table.seats))), 'seat', { tableId: table.id });
  for (let i = 0; i < 20; i++) await join(SIZES[i % 4]!);
  const learned = await services.estimates.refreshMerchant(DEMO_WAITLIST_MERCHANT);

  const without = new WaitlistService(store, clock);
  const withModel = services.waitlist;
  // Each call one second after the last one's (alternating between two seconds), so that no call
  // is answered by the service's EstimateMemo, which gives the same floor's estimates again within a
  // second; the `repeated` pair measures that reuse on its own.
  let tick = 0;
  const service = (s: WaitlistService) => () => {
    tick ^= 1;
    clock.set((now + tick) * 1000);
    return s.estimates(DEMO_WAITLIST_MERCHANT, DEMO_WAITLIST_SERVICE, SIZES);
  };
  const repeated = (s: WaitlistService) => () => {
    clock.set(now * 1000);
    return s.estimates(DEMO_WAITLIST_MERCHANT, DEMO_WAITLIST_SERVICE, SIZES);
  };
  // The estimator alone, on the floor the service loads (read through the queue of the admin API's use case).
  const queue = await services.waitlist.queue(DEMO_WAITLIST_MERCHANT, DEMO_WAITLIST_SERVICE);
  const floor: Floor = {
    now,
    tables,
    turnTimes: (await services.merchants.get(DEMO_WAITLIST_MERCHANT)).turnTimes,
    seated: (await services.waitlist.history(DEMO_WAITLIST_MERCHANT, now - 6 * 3600, now + 1)).flatMap((p) =>
      p.seatedAt !== null && p.leftAt === null ? [{ partySize: p.partySize, tableId: p.tableId, seatedAt: p.seatedAt }] : [],
    ),
    queue: queue.map((v) => ({ id: v.entry.id, partySize: v.entry.partySize, joinedAt: v.entry.times.createdAt })),
  };
  // Both floors have the same shape (as the service builds them), so neither pays for a second hidden class.
  const floors = { configured: { ...floor, model: null, utcOffsetSeconds: 0 }, learned: { ...floor, model: learned.model, utcOffsetSeconds: 0 } };
  const estimator = (model: boolean) => async () => {
    estimateNewParties(model ? floors.learned : floors.configured, SIZES);
  };

  async function perCall(fn: () => Promise<unknown>): Promise<number> {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < CALLS; i++) await fn();
    return Number(process.hrtime.bigint() - t0) / 1000 / CALLS;
  }
  const pairs = [
    { name: 'BatchGetWaitEstimates use case (6 party sizes, store reads + replay)', a: service(without), b: service(withModel) },
    { name: 'estimator alone (6 party sizes)', a: estimator(false), b: estimator(true) },
    { name: 'the use case asked again within the same second (EstimateMemo)', a: repeated(without), b: repeated(withModel) },
  ];
  process.stdout.write(
    `npm run bench:estimates: demo floor (${tables.length} tables, all taken), ${queue.length} parties waiting, model learned from ${learned.stats.parties} parties; ` +
      `${rounds} rounds x ${CALLS} calls each way, interleaved\n`,
  );
  for (const pair of pairs) {
    for (let i = 0; i < 3; i++) {
      await pair.a();
      await pair.b();
    }
    const a: number[] = [];
    const b: number[] = [];
    for (let r = 0; r < rounds; r++) {
      if (r % 2 === 0) {
        a.push(await perCall(pair.a));
        b.push(await perCall(pair.b));
      } else {
        b.push(await perCall(pair.b));
        a.push(await perCall(pair.a));
      }
    }
    const q = (xs: number[], p: number) => [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
    const fmt = (us: number) => (us >= 100 ? us.toFixed(0) : us.toFixed(1));
    process.stdout.write(
      `  ${pair.name}: configured ${fmt(q(a, 0.5))} us (p90 ${fmt(q(a, 0.9))}), learned ${fmt(q(b, 0.5))} us (p90 ${fmt(q(b, 0.9))}); learned / configured ${(q(b, 0.5) / q(a, 0.5)).toFixed(2)}\n`,
    );
  }
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
