// `booking-server feeds generate|upload|run`, and the daily run `serve` schedules.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Store } from '../store/database.js';
import { type Clock, nowSeconds } from '../clock.js';
import { FEED_KINDS, type FeedKind, type FeedResult, type GenerateSummary, generateFeeds, summaryLine, type Progress } from './generate.js';
import { type FeedKindRun, recordKindRuns } from './repository.js';
import { TtyProgress } from './progress.js';
import { FeedScheduler } from './scheduler.js';
import { uploadFeeds, type UploadedFile } from './upload.js';

export interface CliSupport {
  readonly config: () => Config;
  readonly openStore: (config: Config) => Promise<Store>;
  readonly logger: (config: Config) => Logger;
  readonly clock: Clock;
  readonly fail: (message: string, code?: number) => never;
}

export function uploadLine(files: readonly UploadedFile[]): string {
  if (files.length === 0) return 'feeds upload: nothing to upload';
  const bytes = files.reduce((n, f) => n + f.bytes, 0);
  const retried = files.filter((f) => f.attempts > 1).length;
  return `feeds uploaded: ${files.length} file${files.length === 1 ? '' : 's'} (${(bytes / 1_000_000).toFixed(1)} MB)${retried > 0 ? `, ${retried} after retries` : ''}`;
}

/**
 * Generate into config.feeds.dir, then upload everything waiting there: the daily run. Each feed
 * kind's outcome is recorded (feed_kind_runs) for the health screens, failures included: a kind is
 * ok only when it was generated and uploaded.
 */
export async function generateAndUpload(config: Config, store: Store, clock: Clock, logger: Logger, signal: AbortSignal): Promise<string> {
  const startedAt = nowSeconds(clock);
  const record = (runs: FeedKindRun[]) =>
    recordKindRuns(store.db, runs).catch((error: unknown) => logger.warn({ err: error }, 'could not record the feed run for the health screens'));
  let summary: GenerateSummary;
  try {
    summary = await generateFeeds({ store, clock, config: config.feeds, outDir: config.feeds.dir, signal });
  } catch (error) {
    const failed = FEED_KINDS.map((kind) => kindRun(kind, startedAt, nowSeconds(clock), null, null, `generation failed: ${(error as Error).message}`));
    await record(failed);
    throw error;
  }
  logger.info({ feeds: summary.feeds.map((f) => ({ kind: f.kind, records: f.records, shards: f.files.length })) }, summaryLine(summary));
  let uploaded: UploadedFile[];
  try {
    uploaded = await uploadFeeds({ dir: config.feeds.dir, sftp: config.feeds.sftp, logger, signal });
  } catch (error) {
    await record(summary.feeds.map((f) => kindRun(f.kind, startedAt, nowSeconds(clock), f, null, `upload failed: ${(error as Error).message}`)));
    throw error;
  }
  const finishedAt = nowSeconds(clock);
  await record(
    summary.feeds.map((f) => {
      const mine = new Set(f.files.map((file) => file.fileName));
      const sent = uploaded.filter((u) => u.kind === f.kind && mine.has(u.fileName)).length;
      return kindRun(
        f.kind,
        startedAt,
        finishedAt,
        f,
        sent,
        sent === f.files.length ? null : `${f.files.length - sent} of ${f.files.length} files not uploaded`,
      );
    }),
  );
  return `${summaryLine(summary)}; ${uploadLine(uploaded)}`;
}

function kindRun(
  kind: FeedKind,
  startedAt: number,
  finishedAt: number,
  feed: FeedResult | null,
  uploadedFiles: number | null,
  error: string | null,
): FeedKindRun {
  return {
    kind,
    startedAt,
    finishedAt,
    outcome: error === null ? 'ok' : 'failed',
    records: feed?.records ?? null,
    slots: feed === null || feed.kind !== 'availability' ? null : feed.slots,
    shards: feed?.files.length ?? null,
    bytes: feed === null ? null : feed.files.reduce((n, file) => n + file.bytes, 0),
    uploadedFiles,
    error,
  };
}

/**
 * The daily run as `booking-server feeds run` in a child process with the same environment:
 * generation reads millions of rows through synchronous SQLite calls, which in the server's own
 * process would hold up requests (the feeds benchmark saw event-loop stalls of half a second).
 * Resolves with the child's summary line; rejects with its error output.
 */
function runInChildProcess(logger: Logger, signal: AbortSignal): Promise<string> {
  const cli = fileURLToPath(new URL('../cli.js', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'feeds', 'run'], { env: process.env, stdio: ['ignore', 'pipe', 'pipe'], signal, killSignal: 'SIGTERM' });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString('utf8');
      if (err.length > 64_000) err = err.slice(-32_000);
    });
    child.once('error', reject);
    child.once('close', (code) => {
      const lines = out.trim().split('\n');
      if (code === 0) return resolve(lines[lines.length - 1] ?? 'feeds run: done');
      logger.warn({ code }, 'the daily feed run failed');
      reject(new Error(err.trim().split('\n').slice(-3).join(' | ') || `feeds run exited with ${code}`));
    });
  });
}

/** The scheduler `serve` runs when FEEDS_DAILY_AT is set; null otherwise. */
export function startDailyFeeds(config: Config, store: Store, clock: Clock, logger: Logger): FeedScheduler | null {
  const at = config.feeds.dailyAt;
  if (at === null) return null;
  const scheduler = new FeedScheduler({ store, clock, at, logger, run: (signal) => runInChildProcess(logger, signal) });
  scheduler.start();
  logger.info({ at: `${String(at.hour).padStart(2, '0')}:${String(at.minute).padStart(2, '0')} UTC` }, 'daily feeds scheduled');
  return scheduler;
}

/** Ctrl-C aborts the work (temporary files are removed) instead of killing the process mid-write. */
function abortOnSignals(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onSignal = () => controller.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

export function registerFeedCommands(program: Command, s: CliSupport): void {
  const feeds = program.command('feeds').description("daily feeds for Google's Actions Center: merchants, services, availability");

  feeds
    .command('generate')
    .description('write the merchant, service and availability feeds (gzip JSON shards) into a directory')
    .option('--out <dir>', 'output directory (default: FEEDS_DIR)')
    .option('--horizon-days <days>', 'days of availability, 1-90 (default: FEEDS_HORIZON_DAYS)')
    .action(async (options: { out?: string; horizonDays?: string }) => {
      const config = s.config();
      const horizonDays = options.horizonDays === undefined ? undefined : Number(options.horizonDays);
      if (horizonDays !== undefined && !(Number.isInteger(horizonDays) && horizonDays >= 1 && horizonDays <= 90)) {
        s.fail('--horizon-days must be a whole number from 1 to 90');
      }
      const store = await s.openStore(config);
      const progress: Progress | undefined = process.stderr.isTTY ? new TtyProgress(process.stderr) : undefined;
      const { signal, dispose } = abortOnSignals();
      try {
        const summary = await generateFeeds({
          store,
          clock: s.clock,
          config: config.feeds,
          outDir: options.out ?? config.feeds.dir,
          ...(horizonDays !== undefined ? { horizonDays } : {}),
          ...(progress ? { progress, countSlots: true } : {}),
          signal,
        });
        process.stdout.write(`${summaryLine(summary)}\n`);
      } catch (error) {
        s.fail(`feeds generate: ${(error as Error).message}`, 1);
      } finally {
        dispose();
        await store.close();
      }
    });

  feeds
    .command('upload')
    .description("upload the feed files waiting in a directory to Google's SFTP dropboxes")
    .option('--dir <dir>', 'directory with the feed files (default: FEEDS_DIR)')
    .action(async (options: { dir?: string }) => {
      const config = s.config();
      const { signal, dispose } = abortOnSignals();
      try {
        const uploaded = await uploadFeeds({ dir: options.dir ?? config.feeds.dir, sftp: config.feeds.sftp, logger: s.logger(config), signal });
        process.stdout.write(`${uploadLine(uploaded)}\n`);
      } catch (error) {
        s.fail(`feeds upload: ${(error as Error).message}`, 1);
      } finally {
        dispose();
      }
    });

  feeds
    .command('run')
    .description('generate into FEEDS_DIR, then upload: what `serve` does daily with FEEDS_DAILY_AT (for cron)')
    .action(async () => {
      const config = s.config();
      const store = await s.openStore(config);
      const { signal, dispose } = abortOnSignals();
      try {
        process.stdout.write(`${await generateAndUpload(config, store, s.clock, s.logger(config), signal)}\n`);
      } catch (error) {
        s.fail(`feeds run: ${(error as Error).message}`, 1);
      } finally {
        dispose();
        await store.close();
      }
    });
}
