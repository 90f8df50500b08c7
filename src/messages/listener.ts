// The waitlist's listener for guest texts: on a join it gives the entry its status-page token and
// reads the guest's number; on each change it puts the text the change calls for in the outbox,
// in the change's own transaction (src/waitlist/listener.ts). Nothing is sent here: the worker
// sends after commit, so no Google call waits on a provider.
import { randomFillSync } from 'node:crypto';
import type { Clock } from '../clock.js';
import { nowSeconds } from '../clock.js';
import type { Merchant } from '../merchants/model.js';
import type { Tx } from '../store/database.js';
import type { JoinEvent, TransitionEvent, WaitlistListener } from '../waitlist/listener.js';
import type { WaitlistEntry } from '../waitlist/model.js';
import type { SmsKind } from './catalog.js';
import { clockTime, firstName, resolveLanguage } from './i18n.js';
import { toE164 } from './phone.js';
import * as repo from './repository.js';

/** Random bytes for TOKENS_PER_FILL tokens, drawn at once: a call of randomBytes(18) for each token cost tens of microseconds of every join. */
const TOKEN_BYTES = 18;
const TOKENS_PER_FILL = 256;
const tokenPool = Buffer.alloc(TOKEN_BYTES * TOKENS_PER_FILL);
let tokenOffset = tokenPool.length;

/** 144 random bits (from the CSPRNG, each byte used once), URL-safe: the status page's only key. It carries no data. */
export function newStatusToken(): string {
  if (tokenOffset + TOKEN_BYTES > tokenPool.length) {
    randomFillSync(tokenPool);
    tokenOffset = 0;
  }
  const token = tokenPool.toString('base64url', tokenOffset, tokenOffset + TOKEN_BYTES);
  tokenOffset += TOKEN_BYTES;
  return token;
}

const KIND_OF_ACTION: Partial<Record<TransitionEvent['action'], SmsKind>> = {
  notify: 'ready',
  cancel: 'canceled',
  decline: 'declined',
  no_show: 'no_show',
};

export class GuestMessageListener implements WaitlistListener {
  constructor(
    private readonly clock: Clock,
    /** False with SMS_PROVIDER=off: entries still get a status page, nothing is queued. */
    private readonly smsOn: boolean,
  ) {}

  async joined(trx: Tx, event: JoinEvent): Promise<void> {
    const { entry, merchant } = event;
    const now = nowSeconds(this.clock);
    const language = resolveLanguage(event.languageCode, merchant.guestMessages.language);
    const number = toE164(entry.guest.telephone, merchant.address.country);
    const phone = 'phone' in number ? number.phone : null;
    const sms: repo.SmsState = !this.smsOn ? 'off' : 'phone' in number ? 'on' : number.reason;
    const link = {
      entryId: entry.id,
      merchantId: merchant.id,
      token: newStatusToken(),
      phone,
      sms,
      language,
      joinPosition: event.position,
      createdAt: now,
    };
    await repo.insertLink(trx, link);
    if (sms !== 'on' || phone === null) return;
    const values: Record<string, string | number> = {
      ...this.common(merchant, entry),
      state: entry.state === 'PENDING_MERCHANT_CONFIRMATION' ? 'pending' : 'waiting',
      position: event.position,
      start: event.estimate ? clockTime(language, event.estimate.range.start, merchant.timeZone) : '',
      end: event.estimate ? clockTime(language, event.estimate.range.end, merchant.timeZone) : '',
    };
    await repo.enqueueMessage(
      trx,
      {
        entryId: entry.id,
        merchantId: merchant.id,
        kind: 'joined',
        dedupeKey: 'joined',
        toPhone: phone,
        payload: { language, token: link.token, values },
      },
      now,
    );
  }

  async changed(trx: Tx, event: TransitionEvent): Promise<void> {
    const kind = KIND_OF_ACTION[event.action];
    if (kind !== undefined) {
      const link = await repo.findLink(trx, event.entry.id);
      const values: Record<string, string | number> = {
        ...this.common(event.merchant, event.entry),
        cause: event.cause,
      };
      if (kind === 'ready') {
        const grace = event.merchant.guestMessages.graceMinutes;
        values.hold = grace === null ? 'no' : 'yes';
        values.minutes = grace ?? 0;
      }
      if (link !== null) await this.enqueue(trx, link, kind, kind, values);
    }
    await this.almostTurn(trx, event);
  }

  /** The host's answer to a "+10". */
  async extraTimeAnswered(
    trx: Tx,
    link: repo.GuestLink,
    merchant: Merchant,
    entry: WaitlistEntry,
    accepted: boolean,
    minutes: number,
    requestedAt: number,
  ): Promise<void> {
    const kind = accepted ? 'extra_time_accepted' : 'extra_time_refused';
    await this.enqueue(trx, link, kind, `extra_time:${requestedAt}`, {
      ...this.common(merchant, entry),
      minutes,
    });
  }

  /**
   * "Almost your turn" to parties that have reached the merchant's place in line and had not
   * joined there: once per entry (the dedupe key), whatever moved the queue.
   */
  private async almostTurn(trx: Tx, event: TransitionEvent): Promise<void> {
    const position = event.merchant.guestMessages.almostTurnPosition;
    if (position === null) return;
    const queue = (await event.queue()).slice(0, position);
    const waiting = queue.map((e, index) => ({ e, place: index + 1 })).filter(({ e }) => e.state === 'WAITING');
    const links = new Map(
      (
        await repo.findLinks(
          trx,
          waiting.map(({ e }) => e.id),
        )
      ).map((l) => [l.entryId, l]),
    );
    for (const { e, place } of waiting) {
      const link = links.get(e.id);
      if (link === undefined || link.joinPosition <= position) continue;
      await this.enqueue(trx, link, 'almost_turn', 'almost_turn', {
        ...this.common(event.merchant, e),
        position: place,
      });
    }
  }

  private common(merchant: Merchant, entry: WaitlistEntry): Record<string, string | number> {
    return {
      merchant: merchant.name,
      name: firstName(entry.guest.givenName),
      party: entry.partySize,
    };
  }

  private async enqueue(trx: Tx, link: repo.GuestLink, kind: SmsKind, dedupeKey: string, values: Record<string, string | number>): Promise<void> {
    if (link.sms !== 'on' || link.phone === null) return;
    await repo.enqueueMessage(
      trx,
      {
        entryId: link.entryId,
        merchantId: link.merchantId,
        kind,
        dedupeKey,
        toPhone: link.phone,
        payload: { language: link.language, token: link.token, values },
      },
      nowSeconds(this.clock),
    );
  }
}
