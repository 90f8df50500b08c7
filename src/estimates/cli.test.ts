// `booking-server estimates simulate` and `estimates evaluate` as a person runs them: the compiled
// CLI as a process, on files and on a SQLite database with a history recorded through the services.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildServices } from '../app.js';
import { ManualClock } from '../clock.js';
import { loadConfig } from '../config.js';
import { openStore } from '../store/database.js';
import { seedMerchant } from '../test-support/app.js';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../../bin/booking-server.js', import.meta.url));

let work: string;
let env: Record<string, string>;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'estimates-cli-'));
  env = { PATH: process.env.PATH ?? '', DATABASE_URL: `sqlite:${join(work, 'db.sqlite')}`, LOG_LEVEL: 'silent' };
});
after(() => rm(work, { recursive: true, force: true }));

/** Runs the CLI; resolves with its exit code and output (a non-zero exit is not an error here). */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, 'estimates', ...args], { env, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('booking-server estimates', () => {
  test('simulate writes the same file for the same seed, with progress on stderr; evaluate prints the table', async () => {
    const a = join(work, 'a.jsonl');
    const b = join(work, 'b.jsonl');
    const first = await cli('simulate', '--seed', '3', '--restaurants', '2', '--nights', '10', '--out', a);
    assert.equal(first.code, 0, first.stderr);
    assert.match(
      first.stderr,
      /^simulate: restaurant 1\/2\nsimulate: restaurant 2\/2\nsimulate: wrote 2 restaurant\(s\), 10 night\(s\) each, \d+ parties to .*a\.jsonl \(seed 3\)\n$/,
    );
    await cli('simulate', '--seed', '3', '--restaurants', '2', '--nights', '10', '--out', b);
    assert.equal(await readFile(a, 'utf8'), await readFile(b, 'utf8'));
    const stdout = await cli('simulate', '--seed', '3', '--restaurants', '2', '--nights', '10');
    assert.equal(stdout.stdout, await readFile(a, 'utf8'), "'-' (the default) writes to standard output");

    const evaluated = await cli('evaluate', '--input', a, '--test-nights', '3');
    assert.equal(evaluated.code, 0, evaluated.stderr);
    assert.match(evaluated.stderr, /evaluate: restaurant 2\/2 \(sim-2\)/);
    const lines = evaluated.stdout.split('\n');
    assert.match(
      lines[0]!,
      /^2 restaurant\(s\): learned on 14 night\(s\), measured on 6 later night\(s\); \d+ joins, \d+ seated \(measured\), \d+ walked away; range target 80%$/,
    );
    assert.match(evaluated.stdout, /^learned replay \(ours\)\s+\d+\s+[\d.]+\s+[\d.]+%\s+[+-][\d.]+\s+\d+, [\d.]+%$/m);
    assert.match(evaluated.stdout, /^fixed minutes per party ahead\s+\d+/m);

    // Two files (here: seeds 3 and 4) are evaluated as one pool of four restaurants.
    const c = join(work, 'c.jsonl');
    assert.equal((await cli('simulate', '--seed', '4', '--restaurants', '2', '--nights', '10', '--out', c)).code, 0);
    const pooled = await cli('evaluate', '--input', a, c, '--test-nights', '3');
    assert.equal(pooled.code, 0, pooled.stderr);
    assert.match(pooled.stderr, /evaluate: 4 restaurant\(s\) from 2 files, evaluated as one pool\n/);
    assert.match(pooled.stderr, /evaluate: restaurant 4\/4 \(sim-2\)/);
    assert.match(pooled.stdout.split('\n')[0]!, /^4 restaurant\(s\): learned on 28 night\(s\), measured on 12 later night\(s\); /);
    const joins = (out: string): number => Number(/; (\d+) joins,/.exec(out)![1]);
    const alone = await cli('evaluate', '--input', c, '--test-nights', '3');
    assert.equal(joins(pooled.stdout), joins(evaluated.stdout) + joins(alone.stdout));
  });

  test('bad options and inputs exit 2 with a message naming them', async () => {
    const bad = join(work, 'bad.jsonl');
    await writeFile(bad, '{"type":"restaurant"}\n');
    const cases: [string[], RegExp][] = [
      [['simulate', '--restaurants', '0'], /--restaurants must be between 1 and 500, got 0/],
      [['simulate', '--nights', 'many'], /--nights must be a whole number, got "many"/],
      [['simulate', '--seed', '1.5'], /--seed must be a whole number/],
      [['simulate', '--out', join(work, 'missing-dir', 'x.jsonl')], /cannot write/],
      [['evaluate'], /give exactly one of --input <file...> and --merchant <id>/],
      [['evaluate', '--input', bad, '--merchant', 'm'], /give exactly one of/],
      [['evaluate', '--input', bad, '--coverage', '120'], /--coverage must be between 50 and 99, got 120/],
      [['evaluate', '--input', join(work, 'nope.jsonl')], /cannot read .*nope\.jsonl/],
      [['evaluate', '--input', bad], /bad\.jsonl: line 1: "id" must be a non-empty string/],
      [['evaluate', '--merchant', 'nobody'], /unknown merchant "nobody"/],
    ];
    for (const [args, message] of cases) {
      const result = await cli(...args);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message, args.join(' '));
    }
  });

  test('evaluate --merchant replays the history recorded in the database', async () => {
    const config = loadConfig({ DATABASE_URL: env.DATABASE_URL!, LOG_LEVEL: 'silent' });
    const store = await openStore(config.database);
    const clock = new ManualClock(Date.now());
    const services = buildServices(config, store, clock);
    await seedMerchant(services, { id: 'rec', tables: [{ id: 'a2', name: 'A2', minSeats: 1, seats: 2 }] });
    // Three nights, a few days ago at 00:00 UTC (evening in New York, the merchant's zone): three
    // parties of two for one two-top, 40-minute turns.
    const start = Math.floor(Date.now() / 86_400_000) * 86_400 - 4 * 86_400;
    for (let d = 0; d < 3; d++) {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        clock.set((start + d * 86_400 + i * 60) * 1000);
        const joined = await services.waitlist.join(
          {
            merchantId: 'rec',
            serviceId: 'waitlist',
            partySize: 2,
            guest: { givenName: 'G', familyName: '', telephone: null, email: null, googleUserId: null },
            additionalRequest: null,
            source: 'merchant',
          },
          null,
        );
        assert.ok('entryId' in joined);
        ids.push(joined.entryId);
      }
      for (const [i, id] of ids.entries()) {
        clock.set((start + d * 86_400 + i * 40 * 60) * 1000);
        if (i > 0) await services.waitlist.leave(ids[i - 1]!, 'rec');
        await services.waitlist.act(id, 'seat', { tableId: 'a2' });
      }
    }
    await store.close();
    const result = await cli('evaluate', '--merchant', 'rec', '--test-nights', '1');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /read 9 parties of merchant rec \(last 63 days\)/);
    assert.match(result.stdout, /^1 restaurant\(s\): learned on 2 night\(s\), measured on 1 later night\(s\); 3 joins, 3 seated \(measured\), 0 walked away/);
    // The configured replay plans 45-minute turns for turns of 40: +5 and +10 minutes on the measured night.
    assert.match(result.stdout, /^configured replay \(before\)\s+3\s+5\.0\s+[\d.]+%\s+\+5\.0\s/m);
  });

  test('import reads a CSV history into a merchant, learns it, and refuses bad lines or a second import with exit 2', async () => {
    const config = loadConfig({ DATABASE_URL: env.DATABASE_URL!, LOG_LEVEL: 'silent' });
    const store = await openStore(config.database);
    await seedMerchant(buildServices(config, store, new ManualClock(Date.now())), { id: 'csvimp', tables: [{ id: 'a2', name: 'A2', minSeats: 1, seats: 2 }] });
    await store.close();
    const t = Math.floor(Date.now() / 1000) - 3 * 86_400;
    const good = join(work, 'history.csv');
    await writeFile(
      good,
      [
        'party_size,state,table_id,joined_at,seated_at,left_at,canceled_at,no_show_at',
        `2,SEATED,a2,${t},${t + 60},${t + 2460},,`,
        `2,SEATED,a2,${t + 30},${t + 2460},${t + 4860},,`,
        `3,CANCELED,,${t + 90},,,${t + 600},`,
      ].join('\n'),
    );
    const imported = await cli('import', '--merchant', 'csvimp', '--input', good);
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(
      imported.stderr,
      /^import: 3 parties imported into csvimp\/waitlist\nimport: learned from 3 parties \(2 turn times\) of the last 56 days; the model is stored for every replica\n$/,
    );
    const again = await cli('import', '--merchant', 'csvimp', '--input', good);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /merchant "csvimp" already has 3 entries that joined between .*: importing would count them twice/);
    const bad = join(work, 'bad.csv');
    await writeFile(bad, `party_size,state,table_id,joined_at,seated_at\n2,SEATED,patio,${t + 86_400},${t + 86_460}\n2,SEATED,a2,${t},\n`);
    const refused = await cli('import', '--merchant', 'csvimp', '--input', bad);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /bad\.csv: 1 bad line\(s\), nothing imported:\n {2}line 3: a SEATED party needs "seated_at"/);
    await writeFile(bad, `party_size,state,table_id,joined_at,seated_at\n2,SEATED,patio,${t + 86_400},${t + 86_460}\n`);
    const table = await cli('import', '--merchant', 'csvimp', '--input', bad);
    assert.equal(table.code, 2);
    assert.match(table.stderr, /party line 2: table_id "patio" is not a table of merchant "csvimp" \(a2\)/);
    const unknown = await cli('import', '--merchant', 'nobody', '--input', good);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown merchant "nobody"/);
  });
});
