// The learned models: learned in the background of `serve`, stored in the database for every
// replica, and read by the waitlist on the request path (the waitlist checks the stored version with
// each floor it loads and parses the model again only when it changed; nothing is computed there).
//
// Every replica on one database estimates with the same stored model. Each replica's refresher
// passes over the merchants on its own timer, and learns (and stores) a merchant's model only when
// the stored one is older than half the refresh interval, so replicas mostly share the work instead
// of repeating it; a new replica answers with the stored models from its first request.
import { setImmediate as yieldToRequests } from 'node:timers/promises';
import type { Logger } from 'pino';
import { nowSeconds, type Clock } from '../clock.js';
import type { EstimatesConfig } from '../config.js';
import type { MerchantService } from '../merchants/service.js';
import type { WaitlistService } from '../waitlist/service.js';
import { quoteAccuracy, type QuoteAccuracy } from './accuracy.js';
import { learnModel, type Learned, type LearnStats } from './learn.js';
import type { TurnTime } from '../merchants/rules.js';

export interface EstimatesDeps {
  readonly merchants: MerchantService;
  readonly waitlist: WaitlistService;
  readonly clock: Clock;
  readonly config: EstimatesConfig;
}

export interface EstimatesOverview {
  readonly merchantId: string;
  readonly configured: readonly TurnTime[];
  readonly learned: Learned | null;
  readonly historyDays: number;
  readonly coverage: number;
  readonly accuracy7d: QuoteAccuracy;
}

/** Learning and showing a merchant's estimates (the admin API and the background refresh). */
export class EstimatesService {
  constructor(private readonly deps: EstimatesDeps) {}

  /** Learns one merchant's model from its last `historyDays` of history and stores it for every replica. */
  async refreshMerchant(merchantId: string): Promise<Learned> {
    const { merchants, waitlist, clock, config } = this.deps;
    const now = nowSeconds(clock);
    const [merchant, tables, parties] = await Promise.all([
      merchants.get(merchantId),
      merchants.listTables(merchantId),
      waitlist.history(merchantId, now - config.historyDays * 86_400, now + 1),
    ]);
    const learned = learnModel(
      { id: merchant.id, timeZone: merchant.timeZone, tables, turnTimes: merchant.turnTimes, parties },
      { coverage: config.coverage, now },
    );
    await waitlist.saveLearnedModel(merchantId, learned.model, learned.stats);
    return learned;
  }

  /** The merchant's stored model, as learned (by this replica or another); null: none yet. */
  async stored(merchantId: string): Promise<Learned | null> {
    const stored = await this.deps.waitlist.learnedModel(merchantId);
    return stored === null ? null : { model: stored.model, stats: stored.details as LearnStats };
  }

  /**
   * One pass over every merchant; yields to requests between merchants. A merchant whose stored
   * model is younger than half the refresh interval (another replica learned it) is left as it is.
   */
  async refreshAll(logger: Logger, shouldStop: () => boolean = () => false): Promise<number> {
    let done = 0;
    const fresh = this.deps.config.refreshSeconds / 2;
    for (const merchant of await this.deps.merchants.list(null)) {
      if (shouldStop()) break;
      try {
        const stored = await this.deps.waitlist.learnedModel(merchant.id);
        if (stored === null || nowSeconds(this.deps.clock) - stored.model.computedAt >= fresh) {
          await this.refreshMerchant(merchant.id);
          done += 1;
        }
      } catch (error) {
        logger.warn({ err: error, merchantId: merchant.id }, 'learning the wait estimates failed; the previous model stays');
      }
      await yieldToRequests();
    }
    return done;
  }

  /** Learned next to configured turn times, and the last 7 days' quote accuracy (from the quotes stored at join). */
  async overview(merchantId: string): Promise<EstimatesOverview> {
    const { merchants, waitlist, clock, config } = this.deps;
    const merchant = await merchants.get(merchantId);
    const now = nowSeconds(clock);
    const [week, learned] = await Promise.all([waitlist.history(merchantId, now - 7 * 86_400, now + 1), this.stored(merchantId)]);
    return {
      merchantId,
      configured: merchant.turnTimes,
      learned,
      historyDays: config.historyDays,
      coverage: config.coverage,
      accuracy7d: quoteAccuracy(week),
    };
  }
}

export class EstimatesRefresher {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly estimates: EstimatesService,
    private readonly refreshSeconds: number,
    private readonly logger: Logger,
  ) {}

  /** Refreshes now, then every `refreshSeconds` after the end of the last pass (never when 0). */
  start(): void {
    if (this.refreshSeconds === 0) return;
    const tick = (): void => {
      const started = Date.now();
      this.running = this.estimates
        .refreshAll(this.logger, () => this.stopped)
        .then((n) => this.logger.info({ merchants: n, ms: Date.now() - started }, 'learned wait estimates refreshed'))
        .catch((error: unknown) => this.logger.warn({ err: error }, 'refreshing the learned wait estimates failed'))
        .finally(() => {
          this.running = null;
          if (!this.stopped) {
            this.timer = setTimeout(tick, this.refreshSeconds * 1000);
            this.timer.unref();
          }
        });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    await this.running;
  }
}
