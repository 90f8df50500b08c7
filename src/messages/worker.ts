// Sends the texts in the outbox: claims due entries (the shared claim helper, one worker per entry
// at a time, so an entry's texts go in order), renders each in the guest's language with its
// status link, checks opt-outs and rate limits, hands it to the provider and records the answer.
// Retries with exponential backoff and full jitter; parks what the provider refuses as dead letters.
// Every write is a transaction of the store's (on SQLite it joins a group commit, whose fsync runs
// off the event loop): the claim's renewal before a send, and the mark right after the provider's
// answer, each committed before the worker goes on; the marks of texts settled without asking the
// provider (no number, opted out, rate limited) are held back and written together with the next
// of those transactions, so a round of them costs one commit instead of one each.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { type Clock, nowSeconds, secondsFromNow } from '../clock.js';
import type { Store, Tx } from '../store/database.js';
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

/** A mark of a text (skipped, or to retry later) decided without asking the provider, written in a later transaction. */
type Mark = (trx: Tx) => Promise<unknown>;

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
    const marks: Mark[] = [];
    try {
      for (const ids of byEntry.values()) await this.deliverEntry(await repo.loadOutgoing(this.o.store.db, ids), marks);
    } catch (error) {
      // What was decided before the failure still counts; the rest stays claimed until its lease lapses.
      await this.write(marks).catch(() => {});
      throw error;
    }
    await this.write(marks);
    return byEntry.size;
  }

  /** Writes the marks held back, in one transaction (none when there are none). */
  private async write(marks: Mark[], then?: (trx: Tx) => Promise<boolean>): Promise<boolean> {
    const taken = marks.splice(0);
    if (taken.length === 0 && then === undefined) return true;
    return this.o.store.transaction(async (trx) => {
      for (const mark of taken) await mark(trx);
      return then === undefined ? true : then(trx);
    });
  }

  /** An entry's texts in order; the first that must wait holds back those after it. */
  private async deliverEntry(messages: readonly repo.OutgoingMessage[], marks: Mark[]): Promise<void> {
    for (const [index, message] of messages.entries()) {
      const later = await this.deliver(message, marks);
      if (later !== null) {
        const rest = messages.slice(index).map((m) => m.id);
        const retry: Mark = (trx) => queue.markRetry(trx, 'guest_messages', this.id, rest, later.at, later.error);
        // After the provider was asked, at once; else with the other marks decided without it.
        if (later.asked) await this.write([retry]);
        else marks.push(retry);
        return;
      }
    }
  }

  /**
   * Sends one text; null when it is settled (sent, skipped or dead), else when to try again and
   * whether the provider was asked. A text settled without asking the provider (no number, an
   * opted-out number, a rate limit) is marked in `marks`, written with the next transaction this
   * worker makes (the renewal of the claim before the next send, or the end of the round); a text
   * the provider was asked about is marked at once, right after its answer.
   */
  private async deliver(m: repo.OutgoingMessage, marks: Mark[]): Promise<{ at: number; error: string; asked: boolean } | null> {
    const db = this.o.store.db;
    const now = nowSeconds(this.o.clock);
    const log = { message: m.id, kind: m.kind, entry: m.entryId };
    const skip = (reason: string): void => void marks.push((trx) => repo.markSkipped(trx, this.id, m.id, reason, now));
    if (m.toPhone === null) {
      skip('no_number');
      return null;
    }
    if (await repo.isOptedOut(db, m.toPhone)) {
      skip('opted_out');
      this.o.log.info(log, 'guest text not sent: the number opted out');
      return null;
    }
    // Loop guards: a number gets at most so many texts an hour (the rest are skipped), a merchant
    // sends at most so many a minute (the rest wait for the next minute).
    if ((await repo.countSent(db, { phone: m.toPhone }, now - 3600)) >= this.o.perNumberPerHour) {
      skip('rate_limited');
      this.o.log.warn(log, 'guest text not sent: too many texts to this number in the last hour');
      return null;
    }
    if ((await repo.countSent(db, { merchantId: m.merchantId }, now - 60)) >= this.o.perMerchantPerMinute) {
      return {
        at: now + 60,
        error: 'merchant rate limit: waiting for the next minute',
        asked: false,
      };
    }
    const base = this.o.publicBaseUrl();
    const body = t(m.payload.language, `sms.${m.kind}`, { ...m.payload.values, link: statusLink(base, m.payload.token) });
    // What the console provider may log: the guest's name masked (there is no number in a text).
    const preview = t(m.payload.language, `sms.${m.kind}`, { ...m.payload.values, name: '•••', link: statusLink(base, m.payload.token) });
    // The marks held back go first, in the same transaction: none is ever written after a send that followed it.
    const until = now + (this.o.leaseSec ?? 60);
    if (!(await this.write(marks, (trx) => queue.renewClaim(trx, 'guest_messages', this.id, [m.id], until)))) {
      this.o.log.warn(log, 'guest text claim lapsed; another worker continues');
      return { at: now, error: 'claim lost', asked: false };
    }
    const result = await this.o.provider.send({
      to: m.toPhone,
      body,
      preview,
      statusCallback: this.o.statusCallbacks ? `${base}/sms/twilio/status` : null,
    });
    const after = nowSeconds(this.o.clock);
    const store = this.o.store;
    if (result.outcome === 'accepted') {
      const sent = { sid: result.sid, body, delivery: result.status === 'delivered' ? 'delivered' : 'accepted' };
      await store.transaction((trx) => repo.markAccepted(trx, this.id, m.id, sent, after));
      this.o.log.info({ ...log, provider: this.o.provider.name }, 'guest text sent');
      return null;
    }
    if (result.outcome === 'rejected') {
      const { code } = result;
      const phone = m.toPhone;
      if (result.optedOut) {
        await store.transaction(async (trx) => {
          await repo.optOut(trx, phone, `provider:${code}`, after);
          await repo.markSkipped(trx, this.id, m.id, 'opted_out', after, 'skipped', code);
        });
        this.o.log.info(log, 'guest text refused: the number opted out (recorded)');
      } else if (result.badNumber) {
        await store.transaction((trx) => repo.markSkipped(trx, this.id, m.id, 'invalid_number', after, 'failed', code));
        this.o.log.warn({ ...log, code: result.code }, 'guest text refused: the number cannot receive texts');
      } else {
        const error = result.error;
        await store.transaction((trx) => queue.markDead(trx, 'guest_messages', this.id, [m.id], error));
        this.o.log.error({ ...log, error: result.error }, 'guest text refused by the provider: parked as a dead letter (replay after a fix)');
      }
      return null;
    }
    const backoff = queue.retryDelaySeconds(result.retryAfterSec, m.attempts + 1, this.o.maxBackoffSec ?? 300);
    this.o.log.warn({ ...log, error: result.error, retryInSec: backoff }, 'guest text not sent; will retry');
    return { at: secondsFromNow(this.o.clock, backoff), error: result.error, asked: true };
  }
}
