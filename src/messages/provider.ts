// Where texts go. The worker renders a text and hands it to a provider; the provider says whether
// it took it (with its message id), whether to retry later, or why it never will.

export interface OutgoingSms {
  readonly to: string;
  readonly body: string;
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
 * Development provider: writes the text and its link to standard output instead of sending it.
 * The number is masked there too; the body is shown because seeing it is the point.
 */
export class ConsoleProvider implements SmsProvider {
  readonly name = 'console';
  private n = 0;
  constructor(private readonly out: (line: string) => void = (line) => process.stdout.write(`${line}\n`)) {}

  async send(sms: OutgoingSms): Promise<SendResult> {
    this.n += 1;
    this.out(`[sms console] to ${maskPhone(sms.to)}: ${sms.body}`);
    return {
      outcome: 'accepted',
      sid: `console-${process.pid}-${Date.now()}-${this.n}`,
      status: 'delivered',
    };
  }
}

/** +12125550142 -> +1212•••••42: enough for a developer to tell numbers apart. */
export function maskPhone(phone: string): string {
  return phone.length <= 6 ? '•••' : `${phone.slice(0, 5)}${'•'.repeat(phone.length - 7)}${phone.slice(-2)}`;
}
