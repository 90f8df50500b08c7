// `booking-server estimates simulate|evaluate` (docs/WAITLIST.md, "Learned estimates").
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { once } from 'node:events';
import type { Command } from 'commander';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { DomainError } from '../errors.js';
import { MerchantService } from '../merchants/service.js';
import type { Store } from '../store/database.js';
import { LearnedModelCache } from '../waitlist/learned-model.js';
import { WaitlistService } from '../waitlist/service.js';
import { evaluate, renderEvaluation } from './evaluate.js';
import { HistoryFormatError, parseHistory, partyLine, restaurantLine } from './format.js';
import type { RestaurantHistory } from './history.js';
import { parseImport } from './import.js';
import { EstimatesService } from './service.js';
import { simulate } from './simulate.js';

export interface EstimatesCliSupport {
  readonly config: () => Config;
  readonly openStore: (config: Config) => Promise<Store>;
  readonly clock: Clock;
  readonly fail: (message: string, code?: number) => never;
}

/** A whole number option in [min, max], or exit 2 naming the option. */
function wholeNumber(support: EstimatesCliSupport, name: string, raw: string, min: number, max: number): number {
  if (!/^-?\d+$/.test(raw.trim())) support.fail(`estimates: --${name} must be a whole number, got "${raw}"`, 2);
  const n = Number(raw);
  if (n < min || n > max) support.fail(`estimates: --${name} must be between ${min} and ${max}, got ${n}`, 2);
  return n;
}

const progress = (line: string): void => void process.stderr.write(`${line}\n`);

async function runSimulate(support: EstimatesCliSupport, options: { seed: string; restaurants: string; nights: string; out: string }): Promise<void> {
  const seed = wholeNumber(support, 'seed', options.seed, 0, 2 ** 31 - 1);
  const restaurants = wholeNumber(support, 'restaurants', options.restaurants, 1, 500);
  const nights = wholeNumber(support, 'nights', options.nights, 1, 730);
  const toStdout = options.out === '-';
  // The file is opened before the (long) simulation, so a bad path fails at once.
  const out = toStdout ? process.stdout : createWriteStream(options.out);
  if (!toStdout) {
    try {
      await once(out, 'open');
    } catch (error) {
      support.fail(`estimates simulate: cannot write ${options.out}: ${error instanceof Error ? error.message : String(error)}`, 2);
    }
  }
  const sims = simulate({ seed, restaurants, nights, onRestaurant: (done, total) => progress(`simulate: restaurant ${done}/${total}`) });
  let parties = 0;
  for (const sim of sims) {
    if (!out.write(`${restaurantLine(sim)}\n`)) await once(out, 'drain');
    for (const p of sim.history.parties) {
      parties += 1;
      if (!out.write(`${partyLine(sim.history.id, p)}\n`)) await once(out, 'drain');
    }
  }
  if (!toStdout) {
    out.end();
    await once(out, 'finish');
    progress(`simulate: wrote ${sims.length} restaurant(s), ${nights} night(s) each, ${parties} parties to ${options.out} (seed ${seed})`);
  }
}

async function historyFromDatabase(support: EstimatesCliSupport, merchantId: string, days: number): Promise<RestaurantHistory> {
  const config = support.config();
  const store = await support.openStore(config);
  try {
    const merchants = new MerchantService(store, support.clock);
    const waitlist = new WaitlistService(store, support.clock);
    const merchant = await merchants.get(merchantId).catch(() => support.fail(`estimates evaluate: unknown merchant "${merchantId}"`, 2));
    const now = Math.floor(support.clock.nowMs() / 1000);
    const [tables, parties] = await Promise.all([merchants.listTables(merchantId), waitlist.history(merchantId, now - days * 86_400, now + 1)]);
    progress(`evaluate: read ${parties.length} parties of merchant ${merchantId} (last ${days} days)`);
    return { id: merchant.id, timeZone: merchant.timeZone, tables, turnTimes: merchant.turnTimes, parties };
  } finally {
    await store.close();
  }
}

async function runEvaluate(
  support: EstimatesCliSupport,
  options: { input?: string[]; merchant?: string; testNights: string; coverage: string; days: string },
): Promise<void> {
  if ((options.input === undefined) === (options.merchant === undefined))
    support.fail('estimates evaluate: give exactly one of --input <file...> and --merchant <id>', 2);
  const testNights = wholeNumber(support, 'test-nights', options.testNights, 1, 365);
  const coverage = wholeNumber(support, 'coverage', options.coverage, 50, 99) / 100;
  const days = wholeNumber(support, 'days', options.days, 2, 730);
  let restaurants: RestaurantHistory[];
  if (options.input !== undefined) {
    // Several files (e.g. several seeds of `estimates simulate`) are evaluated as one pool of restaurants.
    restaurants = [];
    for (const input of options.input) {
      const text = await readFile(input, 'utf8').catch((error: NodeJS.ErrnoException) =>
        support.fail(`estimates evaluate: cannot read ${input}: ${error.message}`, 2),
      );
      try {
        restaurants.push(...parseHistory(text));
      } catch (error) {
        if (error instanceof HistoryFormatError) support.fail(`estimates evaluate: ${input}: ${error.message}`, 2);
        throw error;
      }
    }
    if (options.input.length > 1) progress(`evaluate: ${restaurants.length} restaurant(s) from ${options.input.length} files, evaluated as one pool`);
  } else {
    restaurants = [await historyFromDatabase(support, options.merchant!, days)];
  }
  let result: ReturnType<typeof evaluate>;
  try {
    result = evaluate(restaurants, { testNights, coverage, onProgress: (done, total, id) => progress(`evaluate: restaurant ${done}/${total} (${id})`) });
  } catch (error) {
    if (error instanceof RangeError) support.fail(`estimates evaluate: ${error.message}`, 2);
    throw error;
  }
  process.stdout.write(`${renderEvaluation(result)}\n`);
}

async function runImport(support: EstimatesCliSupport, options: { merchant: string; input: string; service?: string; format?: string }): Promise<void> {
  const format = options.format ?? (/\.csv$/i.test(options.input) ? 'csv' : 'json');
  if (format !== 'csv' && format !== 'json') support.fail(`estimates import: --format must be csv or json, got "${format}"`, 2);
  const text = await readFile(options.input, 'utf8').catch((error: NodeJS.ErrnoException) =>
    support.fail(`estimates import: cannot read ${options.input}: ${error.message}`, 2),
  );
  const now = Math.floor(support.clock.nowMs() / 1000);
  let parties: ReturnType<typeof parseImport>;
  try {
    parties = parseImport(text, format, now);
  } catch (error) {
    if (error instanceof HistoryFormatError) support.fail(`estimates import: ${options.input}: ${error.message}`, 2);
    throw error;
  }
  const config = support.config();
  const store = await support.openStore(config);
  try {
    const merchants = new MerchantService(store, support.clock);
    const waitlist = new WaitlistService(store, support.clock, new LearnedModelCache());
    const estimates = new EstimatesService({ merchants, waitlist, clock: support.clock, config: config.estimates });
    const services = await merchants.listServices(options.merchant).catch(() => support.fail(`estimates import: unknown merchant "${options.merchant}"`, 2));
    let serviceId = options.service;
    if (serviceId === undefined) {
      if (services.length !== 1)
        support.fail(
          `estimates import: merchant "${options.merchant}" has ${services.length} services (${services.map((s) => s.id).join(', ')}): give --service <id>`,
          2,
        );
      serviceId = services[0]!.id;
    }
    try {
      const n = await waitlist.importHistory(options.merchant, serviceId, parties);
      progress(`import: ${n} parties imported into ${options.merchant}/${serviceId}`);
    } catch (error) {
      if (error instanceof DomainError) support.fail(`estimates import: ${error.message}`, 2);
      throw error;
    }
    const learned = await estimates.refreshMerchant(options.merchant);
    progress(
      `import: learned from ${learned.stats.parties} parties (${learned.stats.turnObservations} turn times) of the last ${config.estimates.historyDays} days; the model is stored for every replica`,
    );
  } finally {
    await store.close();
  }
}

export function registerEstimateCommands(program: Command, support: EstimatesCliSupport): void {
  const estimates = program.command('estimates').description('learned wait estimates: simulate restaurant nights, evaluate estimators on a history');
  estimates
    .command('simulate')
    .description('simulate restaurant nights (arrivals, tables, turn times, walk-aways, quotes) reproducibly from a seed; writes JSON lines')
    .option('--seed <n>', 'random seed', '1')
    .option('--restaurants <n>', 'restaurants to simulate', '8')
    .option('--nights <n>', 'consecutive nights per restaurant, from Monday 2026-01-05', '35')
    .option('--out <file>', "output file ('-' for standard output)", '-')
    .action((options) => runSimulate(support, options));
  estimates
    .command('evaluate')
    .description("replay a history: the estimate each guest would have been quoted at join, ours and the market's heuristics, against the real seat times")
    .option('--input <files...>', 'history files from `estimates simulate` (several: their restaurants are evaluated as one pool)')
    .option('--merchant <id>', "the merchant's recorded history in the database (DATABASE_URL)")
    .option('--test-nights <n>', 'last nights of each restaurant to measure on (the nights before are learned from)', '7')
    .option('--coverage <percent>', 'share of parties the range is calibrated to hold', '80')
    .option('--days <n>', 'with --merchant: days of history to read', '63')
    .action((options) => runEvaluate(support, options));
  estimates
    .command('import')
    .description(
      "import a merchant's history of finished parties (CSV or JSON, checked line by line; nothing is written if a line is wrong), then learn its model",
    )
    .requiredOption('--merchant <id>', 'the merchant (DATABASE_URL)')
    .requiredOption('--input <file>', 'CSV with a header line, JSON (an array of parties) or JSON lines (as `estimates simulate` writes)')
    .option('--service <id>', "the merchant's waitlist service (needed when it has several)")
    .option('--format <csv|json>', 'the file format (default: csv for a .csv file, else json)')
    .action((options) => runImport(support, options));
}
