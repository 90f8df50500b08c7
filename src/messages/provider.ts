// Where texts go. The worker renders a text and hands it to a provider; the provider says whether
// it took it (with its message id), whether to retry later, or why it never will.
import type { Logger } from 'pino';

export interface OutgoingSms {
  readonly to: string;
  readonly body: string;
  /** The same text with the guest's name masked: what may be logged. */
  readonly preview: string;
  /** Where the provider POSTs delivery updates; null when it cannot reach us (console). */
  readonly statusCallback: string | null;
}

export type SendResult =
  | {
      readonly outcome: 'accepted';
      readonly sid: string;
      readonly status: string;
    }
  /** Network errors, 429 and 5xx: try again later. */
  | {
      readonly outcome: 'retry';
      readonly error: string;
      readonly retryAfterSec: number | null;
    }
  /**
   * Refused for good. `optedOut`: the number replied STOP earlier (Twilio 21610); `badNumber`:
   * the number cannot receive texts (21211, 21614). Anything else is a dead letter for an operator.
   */
  | {
      readonly outcome: 'rejected';
      readonly error: string;
      readonly code: string | null;
      readonly optedOut: boolean;
      readonly badNumber: boolean;
    };

export interface SmsProvider {
  readonly name: string;
  send(sms: OutgoingSms): Promise<SendResult>;
}

/**
 * Development provider: logs each text (as a JSON log line, like every other line) instead of
 * sending it. It logs the preview, in which the guest's name is masked, and no number: the logs
 * hold no personal data whatever the provider. The status link is in it, so that a developer can
 * open the page.
 */
export class ConsoleProvider implements SmsProvider {
  readonly name = 'console';
  private n = 0;
  constructor(private readonly log: Logger) {}

  async send(sms: OutgoingSms): Promise<SendResult> {
    this.n += 1;
    this.log.info({ provider: 'console' }, `guest text (console, not sent): ${sms.preview}`);
    return { outcome: 'accepted', sid: `console-${process.pid}-${Date.now()}-${this.n}`, status: 'delivered' };
  }
}
