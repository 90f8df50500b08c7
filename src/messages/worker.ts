// Sends the texts in the outbox: claims due entries (the shared claim helper, one worker per entry
// at a time, so an entry's texts go in order), renders each in the guest's language with its
// status link, checks opt-outs and rate limits, hands it to the provider and records the answer.
// Retries with exponential backoff and full jitter; parks what the provider refuses as dead letters.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { type Clock, nowSeconds } from '../clock.js';
import type { Store } from '../store/database.js';
import * as queue from '../store/outbox-queue.js';
import { t } from './i18n.js';
import type { SmsProvider } from './provider.js';
import * as repo from './repository.js';

export interface SmsWorkerOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly provider: SmsProvider;
  readonly log: Logger;
  /** Base of the status links and of the status callback URL (PUBLIC_BASE_URL, or where the server listens). */
  readonly publicBaseUrl: () => string;
  /** Whether the provider calls us back with delivery updates (Twilio) or not (console). */
  readonly statusCallbacks: boolean;
  readonly perNumberPerHour: number;
  readonly perMerchantPerMinute: number;
  readonly pollMs?: number;
  readonly leaseSec?: number;
  readonly maxBackoffSec?: number;
}

/** The status page of an entry. */
export function statusLink(base: string, token: string): string {
  return `${base}/w/${token}`;
}

export class SmsWorker {
  readonly id = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private readonly loop: queue.PollLoop;

  constructor(private readonly o: SmsWorkerOptions) {
    this.loop = new queue.PollLoop(
      () => this.drain(),
      o.pollMs ?? 500,
      (error) => o.log.error({ err: error }, 'guest text worker failed; retrying'),
    );
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Sends everything due now; returns the number of entries handled. */
  async drain(): Promise<number> {
    let handled = 0;
    for (;;) {
      const n = await this.tick();
      handled += n;
      if (n === 0 || this.loop.stopped) return handled;
    }
  }

  async tick(): Promise<number> {
    const claimed = await queue.claim(this.o.store, 'guest_messages', this.id, nowSeconds(this.o.clock), this.o.leaseSec ?? 60, 20);
    const byEntry = new Map<string, number[]>();
    for (const row of claimed) byEntry.set(row.entityKey, [...(byEntry.get(row.entityKey) ?? []), row.id]);
    for (const ids of byEntry.values()) await this.deliverEntry(await repo.loadOutgoing(this.o.store.db, ids));
    return byEntry.size;
  }

  /** An entry's texts in order; the first that must wait holds back those after it. */
  private async deliverEntry(messages: readonly repo.OutgoingMessage[]): Promise<void> {
    for (const [index, message] of messages.entries()) {
      const later = await this.deliver(message);
      if (later !== null) {
        const rest = messages.slice(index).map((m) => m.id);
        await queue.markRetry(this.o.store.db, 'guest_messages', this.id, rest, later.at, later.error);
        return;
      }
    }
  }

  /** Sends one text; null when it is settled (sent, skipped or dead), else when to try again. */
  private async deliver(m: repo.OutgoingMessage): Promise<{ at: number; error: string } | null> {
    const db = this.o.store.db;
    const now = nowSeconds(this.o.clock);
    const log = { message: m.id, kind: m.kind, entry: m.entryId };
    if (m.toPhone === null) {
      await repo.markSkipped(db, this.id, m.id, 'no_number', now);
      return null;
    }
    if (await repo.isOptedOut(db, m.toPhone)) {
      await repo.markSkipped(db, this.id, m.id, 'opted_out', now);
      this.o.log.info(log, 'guest text not sent: the number opted out');
      return null;
    }
    // Loop guards: a number gets at most so many texts an hour (the rest are skipped), a merchant
    // sends at most so many a minute (the rest wait for the next minute).
    if ((await repo.countSent(db, { phone: m.toPhone }, now - 3600)) >= this.o.perNumberPerHour) {
      await repo.markSkipped(db, this.id, m.id, 'rate_limited', now);
      this.o.log.warn(log, 'guest text not sent: too many texts to this number in the last hour');
      return null;
    }
    if ((await repo.countSent(db, { merchantId: m.merchantId }, now - 60)) >= this.o.perMerchantPerMinute) {
      return {
        at: now + 60,
        error: 'merchant rate limit: waiting for the next minute',
      };
    }
    const base = this.o.publicBaseUrl();
    const body = t(m.payload.language, `sms.${m.kind}`, { ...m.payload.values, link: statusLink(base, m.payload.token) });
    // What the console provider may log: the guest's name masked (there is no number in a text).
    const preview = t(m.payload.language, `sms.${m.kind}`, { ...m.payload.values, name: '•••', link: statusLink(base, m.payload.token) });
    if (!(await queue.renewClaim(db, 'guest_messages', this.id, [m.id], now + (this.o.leaseSec ?? 60)))) {
      this.o.log.warn(log, 'guest text claim lapsed; another worker continues');
      return { at: now, error: 'claim lost' };
    }
    const result = await this.o.provider.send({
      to: m.toPhone,
      body,
      preview,
      statusCallback: this.o.statusCallbacks ? `${base}/sms/twilio/status` : null,
    });
    const after = nowSeconds(this.o.clock);
    if (result.outcome === 'accepted') {
      await repo.markAccepted(
        db,
        this.id,
        m.id,
        {
          sid: result.sid,
          body,
          delivery: result.status === 'delivered' ? 'delivered' : 'accepted',
        },
        after,
      );
      this.o.log.info({ ...log, provider: this.o.provider.name }, 'guest text sent');
      return null;
    }
    if (result.outcome === 'rejected') {
      if (result.optedOut) {
        await repo.optOut(db, m.toPhone, `provider:${result.code}`, after);
        await repo.markSkipped(db, this.id, m.id, 'opted_out', after, 'skipped', result.code);
        this.o.log.info(log, 'guest text refused: the number opted out (recorded)');
      } else if (result.badNumber) {
        await repo.markSkipped(db, this.id, m.id, 'invalid_number', after, 'failed', result.code);
        this.o.log.warn({ ...log, code: result.code }, 'guest text refused: the number cannot receive texts');
      } else {
        await queue.markDead(db, 'guest_messages', this.id, [m.id], result.error);
        this.o.log.error({ ...log, error: result.error }, 'guest text refused by the provider: parked as a dead letter (replay after a fix)');
      }
      return null;
    }
    const backoff =
      result.retryAfterSec !== null
        ? Math.min(3600, Math.max(1, Math.ceil(result.retryAfterSec)))
        : queue.backoffSeconds(m.attempts + 1, this.o.maxBackoffSec ?? 300);
    this.o.log.warn({ ...log, error: result.error, retryInSec: backoff }, 'guest text not sent; will retry');
    return { at: after + backoff, error: result.error };
  }
}
