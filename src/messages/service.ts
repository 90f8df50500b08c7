// Guest messages as the host stand, the guest's phone and the status page use them: an entry's
// texts and replies, the reply feed, answering "+10", handling an inbound text, the status view.
import { type Clock, nowSeconds } from '../clock.js';
import type { SmsProviderName } from '../config.js';
import { DomainError } from '../errors.js';
import type { GuestLanguage } from '../merchants/model.js';
import type { MerchantService } from '../merchants/service.js';
import type { Store, Tx } from '../store/database.js';
import * as queue from '../store/outbox-queue.js';
import type { EntryView, WaitlistService } from '../waitlist/service.js';
import type { WaitlistState } from '../waitlist/state-machine.js';
import { isActive } from '../waitlist/state-machine.js';
import { classifyReply } from './keywords.js';
import type { GuestMessageListener } from './listener.js';
import * as repo from './repository.js';

export type { Reply } from './repository.js';

export interface EntryMessaging {
  readonly sms: repo.SmsState | 'opted_out';
  readonly onMyWayAt: number | null;
  readonly extra: repo.GuestLink['extra'];
  readonly messages: repo.MessageRecord[];
  readonly replies: repo.Reply[];
}

export interface StatusView {
  readonly language: GuestLanguage;
  readonly token: string;
  readonly merchantName: string;
  readonly timeZone: string;
  readonly firstName: string;
  readonly partySize: number;
  readonly state: WaitlistState;
  readonly active: boolean;
  /** Parties ahead and the quoted seat-time range while the party is in the queue. */
  readonly estimate: {
    readonly ahead: number;
    readonly start: number;
    readonly end: number;
  } | null;
}

/** The entry left the queue meanwhile (seated, say): the guest's cancel has nothing left to do. */
function ignoreMovedOn(error: unknown): null {
  if (error instanceof DomainError && error.code === 'ILLEGAL_TRANSITION') return null;
  throw error;
}

export class GuestMessageService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly waitlist: WaitlistService,
    private readonly merchants: MerchantService,
    private readonly listener: GuestMessageListener,
    readonly provider: SmsProviderName,
  ) {}

  private async link(merchantId: string, entryId: string): Promise<repo.GuestLink> {
    await this.waitlist.get(entryId, merchantId);
    const link = await repo.findLink(this.store.db, entryId);
    if (link === null) throw new DomainError('NOT_FOUND', `entry "${entryId}" has no guest messages (it predates them)`);
    return link;
  }

  async ofEntry(merchantId: string, entryId: string): Promise<EntryMessaging> {
    const link = await this.link(merchantId, entryId);
    const db = this.store.db;
    const optedOut = link.phone !== null && (await repo.isOptedOut(db, link.phone));
    return {
      sms: optedOut ? 'opted_out' : link.sms,
      onMyWayAt: link.onMyWayAt,
      extra: link.extra,
      messages: await repo.messagesOfEntry(db, entryId),
      replies: await repo.repliesOfEntry(db, entryId),
    };
  }

  replies(merchantId: string, afterId: number, limit: number): Promise<repo.Reply[]> {
    return repo.repliesOfMerchant(this.store.db, merchantId, afterId, limit);
  }

  /** The host's answer to the guest's "+10": accepted adds the minutes to the grace timer; the guest is told either way. */
  async answerExtraTime(merchantId: string, entryId: string, accept: boolean): Promise<EntryMessaging> {
    await this.link(merchantId, entryId);
    const now = nowSeconds(this.clock);
    const merchant = await this.merchants.get(merchantId);
    // Read before the transaction: SQLite has one connection, which the transaction holds.
    const entry = (await this.waitlist.get(entryId, merchantId)).entry;
    await this.store.transaction(async (trx) => {
      const link = await repo.findLink(trx, entryId);
      const extra = link?.extra;
      if (link === null || extra == null || extra.status !== 'pending' || !(await repo.decideExtraTime(trx, entryId, accept, now))) {
        throw new DomainError('NO_EXTRA_TIME_REQUEST', 'the guest has no open request for more time');
      }
      if (accept) await this.waitlist.extendHold(trx, entryId, extra.minutes * 60);
      await this.listener.extraTimeAnswered(trx, link, merchant, entry, accept, extra.minutes, extra.requestedAt);
    });
    return this.ofEntry(merchantId, entryId);
  }

  /**
   * A text from a guest (already authenticated as the provider's). Recorded once per provider
   * message id; `9` cancels the guest's live entry, opt-out words stop all texts to the number.
   */
  async inbound(text: { from: string; body: string; sid: string }): Promise<repo.ReplyKind> {
    const db = this.store.db;
    const { kind, minutes } = classifyReply(text.body);
    if (await repo.hasReply(db, text.sid)) return kind;
    const now = nowSeconds(this.clock);
    const link = await repo.latestLinkForPhone(db, text.from);
    if (kind === 'cancel' && link !== null) {
      // Its own transaction (the waitlist's), before the reply is recorded: a webhook retried after
      // a failure cancels at most once, as an already canceled entry is left as it is.
      const view = await this.waitlist.get(link.entryId).catch(() => null);
      if (view !== null && isActive(view.entry.state))
        await this.waitlist
          .act(link.entryId, 'cancel', {
            cause: 'guest',
            idempotentCancel: true,
          })
          .catch(ignoreMovedOn);
    }
    await this.store.transaction(async (trx) => {
      const inserted = await repo.insertReply(trx, {
        providerSid: text.sid,
        phone: text.from,
        merchantId: link?.merchantId ?? null,
        entryId: link?.entryId ?? null,
        kind,
        minutes,
        body: text.body.slice(0, 2000),
        receivedAt: now,
      });
      if (!inserted) return;
      if (kind === 'opt_out') await repo.optOut(trx, text.from, 'keyword', now);
      if (kind === 'opt_in') await repo.optIn(trx, text.from);
      if (link === null) return;
      if (kind === 'on_my_way') await repo.setOnMyWay(trx, link.entryId, now);
      if (kind === 'extra_time' && minutes !== null) await repo.requestExtraTime(trx, link.entryId, minutes, now);
    });
    return kind;
  }

  /** A provider status callback. */
  async deliveryStatus(update: { sid: string; status: string; errorCode: string | null }): Promise<void> {
    const now = nowSeconds(this.clock);
    // One transaction (on SQLite a share of a group commit): every text sent is called back a few times.
    await this.store.transaction(async (trx) => {
      const known = await repo.applyStatus(trx, update.sid, update.status, update.errorCode, now);
      if (known?.toPhone && update.errorCode === '21610') await repo.optOut(trx, known.toPhone, 'provider:21610', now);
    });
  }

  /** What the status page shows; null for a token that names no entry (the page answers 404 either way). */
  async statusView(token: string): Promise<StatusView | null> {
    const link = await repo.findLinkByToken(this.store.db, token);
    if (link === null) return null;
    const view: EntryView = await this.waitlist.get(link.entryId);
    const merchant = await this.merchants.get(link.merchantId);
    const { entry, estimate } = view;
    return {
      language: link.language,
      token,
      merchantName: merchant.name,
      timeZone: merchant.timeZone,
      firstName: entry.guest.givenName.trim().split(/\s+/)[0] ?? '',
      partySize: entry.partySize,
      state: entry.state,
      active: isActive(entry.state),
      estimate:
        estimate === null || !isActive(entry.state)
          ? null
          : {
              ahead: estimate.partiesAhead,
              start: estimate.range.start,
              end: estimate.range.end,
            },
    };
  }

  /** The guest's cancel from the status page; a second one is a no-op. */
  async cancelByGuest(token: string): Promise<StatusView | null> {
    const link = await repo.findLinkByToken(this.store.db, token);
    if (link === null) return null;
    const view = await this.waitlist.get(link.entryId);
    if (isActive(view.entry.state)) await this.waitlist.act(link.entryId, 'cancel', { cause: 'guest', idempotentCancel: true }).catch(ignoreMovedOn);
    return this.statusView(token);
  }

  async status(): Promise<{
    pending: number;
    dead: number;
    oldestPendingAgeSec: number | null;
  }> {
    const s = await repo.queueStats(this.store.db);
    return {
      pending: s.pending,
      dead: s.dead,
      oldestPendingAgeSec: s.oldestPendingCreatedAt === null ? null : Math.max(0, nowSeconds(this.clock) - s.oldestPendingCreatedAt),
    };
  }

  deadLetters(limit = 200): Promise<repo.DeadMessage[]> {
    return repo.listDead(this.store.db, limit);
  }

  /**
   * Retention: clears guests' numbers and texts (sent and received) older than `cutoff`, in
   * batches of `batchSize` rows per transaction; how many rows. Opt-outs stay (docs/GUEST-MESSAGES.md).
   */
  async anonymiseBefore(cutoff: number, batchSize = 500): Promise<number> {
    let total = 0;
    const steps = [
      (trx: Tx) => repo.anonymiseMessages(trx, cutoff, nowSeconds(this.clock), batchSize),
      (trx: Tx) => repo.anonymiseReplies(trx, cutoff, batchSize),
      (trx: Tx) => repo.anonymiseLinks(trx, cutoff, batchSize),
    ];
    for (const step of steps) {
      for (;;) {
        const n = await this.store.transaction(step);
        if (n === 0) break;
        total += n;
      }
    }
    return total;
  }

  replay(ids?: readonly number[]): Promise<number> {
    const now = nowSeconds(this.clock);
    return this.store.transaction((trx) => queue.replayDead(trx, 'guest_messages', now, ids));
  }
}
