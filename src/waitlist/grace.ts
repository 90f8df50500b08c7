// Runs the waitlist's grace timer every few seconds: parties left SERVICE_READY past their
// merchant's grace minutes become NO_SHOW (WaitlistService.expireOverdueReady), safe on replicas.
import type { Logger } from 'pino';
import type { WaitlistService } from './service.js';

export class GraceTimer {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;

  constructor(
    private readonly waitlist: WaitlistService,
    private readonly log: Logger,
    private readonly everyMs = 5000,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const loop = (): void => {
      if (this.stopped) return;
      this.running = this.waitlist
        .expireOverdueReady()
        .then((moved) => {
          if (moved.length > 0) this.log.info({ entries: moved.length }, 'grace timer: called parties that did not come are now NO_SHOW');
        })
        .catch((error: unknown) => this.log.error({ err: error }, 'grace timer failed; retrying'))
        .finally(() => {
          this.running = null;
          if (!this.stopped) this.timer = setTimeout(loop, this.everyMs);
        });
    };
    loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
