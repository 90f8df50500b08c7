// `booking-server conformance`: the command line of the conformance client. Exit codes: 0 when
// every required case passes, 1 when one fails, 2 on bad usage. The password is never printed.
import { writeFile } from 'node:fs/promises';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { FeedError, readFeedFile, slotsFromFeed } from './availability.js';
import { caseLines, jsonReport, junitReport, summaryLines } from './report.js';
import { runConformance, type ConformanceOptions } from './run.js';

interface RawOptions {
  url: string;
  user: string;
  password?: string;
  merchant?: string;
  service?: string;
  waitlistMerchant?: string;
  waitlistService?: string;
  only?: 'waitlist' | 'bookings';
  availabilityFeed: string[];
  lookupDays: number;
  slotDuration: number;
  slotStep?: number;
  partySize: number;
  overfullMaxSpots: number;
  duplicates: number;
  telephone: string;
  timeout: number;
  leadMinutes: number;
  latencyAdvisory?: boolean;
  report: string[];
}

function positiveInt(max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new InvalidArgumentError(`a whole number from 1 to ${max}`);
    return n;
  };
}

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('a whole number, 0 or more');
  return n;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function usage(message: string): never {
  process.stderr.write(`booking-server conformance: ${message}\n`);
  process.exit(2);
}

export function registerConformanceCommand(program: Command): void {
  const command = program
    .command('conformance')
    .description("play Google against a booking server (ours or anyone's v3 API): the cases Google checks before enabling a partner")
    .requiredOption('--url <base>', 'the booking server URL as configured in the Partner Portal (the /v3/<Method> paths are appended)')
    .requiredOption('--user <user>', 'Basic-auth user Google uses')
    .option('--password <password>', 'Basic-auth password (or set CONFORMANCE_PASSWORD, which keeps it out of the process list)')
    .option('--merchant <id>', 'merchant for the booking cases (from the feed when not given); also the waitlist merchant unless --waitlist-merchant')
    .option('--service <id>', 'service for the booking cases; also the waitlist service unless --waitlist-service')
    .option('--waitlist-merchant <id>', 'merchant for the waitlist cases')
    .option('--waitlist-service <id>', 'service for the waitlist cases')
    .addOption(new Option('--only <group>', 'run only the waitlist or the booking cases (plus health and authentication)').choices(['waitlist', 'bookings']))
    .option('--availability-feed <file>', 'availability feed (JSON or .json.gz; repeat for shards): the slots to test', collect, [])
    .option('--lookup-days <n>', 'without a feed: days ahead to probe with BatchAvailabilityLookup', positiveInt(60), 7)
    .option('--slot-duration <seconds>', 'without a feed: slot length probed', positiveInt(7 * 86_400), 1800)
    .option('--slot-step <seconds>', 'without a feed: slot start every (default: the slot duration)', positiveInt(7 * 86_400))
    .option('--party-size <n>', 'party size to book and wait with', positiveInt(100), 2)
    .option('--overfull-max-spots <n>', 'the over-full case books a slot with N open spots N+1 times, only for N up to this', positiveInt(50), 4)
    .option('--duplicates <n>', 'identical requests sent at once in the concurrent-duplicate cases', positiveInt(50), 5)
    .option('--telephone <number>', 'telephone of the test users', '+12125550123')
    .option('--timeout <seconds>', 'per-request timeout', positiveInt(300), 30)
    .option('--lead-minutes <n>', 'leave alone slots starting sooner than this', nonNegativeInt, 60)
    .option('--latency-advisory', "report latency over Google's thresholds as a warning, not a failure")
    .option('--report <file>', 'also write the report as JUnit XML (.xml) or JSON (.json); repeatable', collect, [])
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2))
    .action(async (raw: RawOptions) => {
      process.exit(await conformance(raw));
    });
  command.showHelpAfterError();
}

async function conformance(raw: RawOptions): Promise<number> {
  const password = raw.password ?? process.env.CONFORMANCE_PASSWORD;
  if (password === undefined || password === '') usage('a password is required: --password, or CONFORMANCE_PASSWORD');
  let url: URL;
  try {
    url = new URL(raw.url);
  } catch {
    usage(`--url ${JSON.stringify(raw.url)} is not a URL (e.g. https://booking.example.com/google)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') usage('--url must be http:// or https://');
  for (const file of raw.report) if (!/\.(xml|json)$/i.test(file)) usage(`--report ${file}: the name must end in .xml (JUnit) or .json`);
  const waitlistMerchant = raw.waitlistMerchant ?? raw.merchant ?? null;
  const waitlistService = raw.waitlistService ?? raw.service ?? null;
  if (raw.only === 'waitlist' && (waitlistMerchant === null || waitlistService === null))
    usage('--only waitlist needs --waitlist-merchant and --waitlist-service (or --merchant and --service)');
  if (raw.only === 'bookings' && raw.availabilityFeed.length === 0 && (raw.merchant === undefined || raw.service === undefined)) {
    usage('the booking cases need --merchant and --service, or --availability-feed');
  }
  if (raw.only === undefined && waitlistMerchant === null && raw.availabilityFeed.length === 0)
    usage('give --merchant and --service (or --availability-feed, or --waitlist-merchant and --waitlist-service)');
  if (waitlistMerchant !== null && waitlistService === null && raw.only !== 'bookings')
    usage('the waitlist cases need a service: --waitlist-service or --service');

  const feeds: unknown[] = [];
  for (const file of raw.availabilityFeed) {
    try {
      const feed = await readFeedFile(file);
      slotsFromFeed(feed, 0, 0);
      feeds.push(feed);
    } catch (error) {
      if (error instanceof FeedError) usage(`--availability-feed ${error.message}`);
      throw error;
    }
  }

  const options: ConformanceOptions = {
    url: url.toString().replace(/\/+$/, ''),
    user: raw.user,
    password,
    merchant: raw.merchant ?? null,
    service: raw.service ?? null,
    waitlistMerchant: raw.only === 'bookings' ? null : waitlistMerchant,
    waitlistService,
    only: raw.only ?? null,
    availabilityFeeds: feeds,
    lookupDays: raw.lookupDays,
    slotStepSec: raw.slotStep ?? raw.slotDuration,
    slotDurationSec: raw.slotDuration,
    partySize: raw.partySize,
    overfullMaxSpots: raw.overfullMaxSpots,
    duplicates: raw.duplicates,
    telephone: raw.telephone,
    timeoutMs: raw.timeout * 1000,
    latencyAdvisory: raw.latencyAdvisory === true,
    leadSec: raw.leadMinutes * 60,
  };
  process.stdout.write(`conformance: ${options.url} as ${JSON.stringify(options.user)}\n`);
  const report = await runConformance(options, (result) => process.stdout.write(`${caseLines(result).join('\n')}\n`));
  process.stdout.write(`${summaryLines(report).join('\n')}\n`);
  for (const file of raw.report) {
    try {
      await writeFile(file, /\.xml$/i.test(file) ? junitReport(report) : jsonReport(report));
      process.stdout.write(`report written: ${file}\n`);
    } catch (error) {
      process.stderr.write(`booking-server conformance: cannot write ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}\n`);
      return 1;
    }
  }
  return report.passed ? 0 : 1;
}
