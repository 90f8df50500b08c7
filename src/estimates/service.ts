// The learned models, refreshed in the background of `serve` and read by the waitlist on the
// request path (through the waitlist's LearnedModelSource: a map lookup, nothing computed there).
//
// Each replica keeps its own models in memory and refreshes them on its own timer. A model is a
// deterministic function of the merchant's history in the shared database, so replicas that refresh
// from the same rows hold the same model; they can differ only for the minutes between their
// refreshes, while the history itself changes by a few parties. That costs nothing to coordinate
// (no lock, no table, no writes) and keeps the model next to the code that reads it, where a shared
// stored model would add a database read, or a cache of one, to every estimate. The price: each
// replica does the (small) work, and a new replica answers with configured turn times until its
// first refresh, which starts as soon as it boots.
import { setImmediate as yieldToRequests } from 'node:timers/promises';
import type { Logger } from 'pino';
import { nowSeconds, type Clock } from '../clock.js';
import type { EstimatesConfig } from '../config.js';
import type { MerchantService } from '../merchants/service.js';
import type { TurnTime } from '../waitlist/estimator.js';
import type { LearnedModel, LearnedModelSource } from '../waitlist/learned-model.js';
import type { WaitlistService } from '../waitlist/service.js';
import { quoteAccuracy, type QuoteAccuracy } from './accuracy.js';
import { learnModel, type Learned } from './learn.js';

export class LearnedModels implements LearnedModelSource {
  private readonly models = new Map<string, Learned>();

  get(merchantId: string): LearnedModel | null {
    return this.models.get(merchantId)?.model ?? null;
  }

  learned(merchantId: string): Learned | null {
    return this.models.get(merchantId) ?? null;
  }

  set(merchantId: string, learned: Learned): void {
    this.models.set(merchantId, learned);
  }

  delete(merchantId: string): void {
    this.models.delete(merchantId);
  }
}

export interface EstimatesDeps {
  readonly merchants: MerchantService;
  readonly waitlist: WaitlistService;
  readonly models: LearnedModels;
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

  /** Learns one merchant's model from its last `historyDays` of history and publishes it. */
  async refreshMerchant(merchantId: string): Promise<Learned> {
    const { merchants, waitlist, models, clock, config } = this.deps;
    const now = nowSeconds(clock);
    const [merchant, tables, parties] = await Promise.all([
      merchants.get(merchantId),
      merchants.listTables(merchantId),
      waitlist.history(merchantId, now - config.historyDays * 86_400, now + 1),
    ]);
    const learned = learnModel({ id: merchant.id, timeZone: merchant.timeZone, tables, turnTimes: merchant.turnTimes, parties }, { coverage: config.coverage, now });
    models.set(merchantId, learned);
    return learned;
  }

  /** One pass over every merchant; yields to requests between merchants. */
  async refreshAll(logger: Logger, shouldStop: () => boolean = () => false): Promise<number> {
    let done = 0;
    for (const merchant of await this.deps.merchants.list(null)) {
      if (shouldStop()) break;
      try {
        await this.refreshMerchant(merchant.id);
        done += 1;
      } catch (error) {
        logger.warn({ err: error, merchantId: merchant.id }, 'learning the wait estimates failed; the previous model stays');
      }
      await yieldToRequests();
    }
    return done;
  }

  /** Learned next to configured turn times, and the last 7 days' quote accuracy (from the quotes stored at join). */
  async overview(merchantId: string): Promise<EstimatesOverview> {
    const { merchants, waitlist, models, clock, config } = this.deps;
    const merchant = await merchants.get(merchantId);
    const now = nowSeconds(clock);
    const week = await waitlist.history(merchantId, now - 7 * 86_400, now + 1);
    return {
      merchantId,
      configured: merchant.turnTimes,
      learned: models.learned(merchantId),
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
