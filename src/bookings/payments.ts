// Payments the partner processes (PROCESSED_BY_PARTNER): a small interface a partner implements
// for its processor, and a test processor that never touches a card network.
import { randomUUID } from 'node:crypto';
import type { BookingFailure } from './model.js';

export interface ChargeRequest {
  readonly bookingId: string;
  readonly amountMicros: number;
  readonly currency: string;
  /** Google Pay token (`unparsed_payment_method_token`); single use. */
  readonly token: string;
}

export type ChargeResult = { readonly ok: true; readonly transactionId: string } | { readonly ok: false; readonly failure: BookingFailure };

export interface PaymentProcessor {
  readonly name: string;
  /** Authorises and captures; must be quick (it runs while the slot is locked). */
  charge(request: ChargeRequest): Promise<ChargeResult>;
  /** Refunds a charge in full; false if the processor refused. */
  refund(transactionId: string): Promise<boolean>;
}

/**
 * Deterministic test processor. The token decides the outcome: `tok_declined`,
 * `tok_card_type_rejected:<VISA|MASTERCARD|AMERICAN_EXPRESS|DISCOVER|JCB>`, `tok_3ds1`,
 * `tok_error`; any other token succeeds.
 */
export class TestPaymentProcessor implements PaymentProcessor {
  readonly name = 'test';
  readonly charges = new Map<string, { amountMicros: number; currency: string; refunded: boolean }>();

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    const token = request.token.trim();
    if (token === 'tok_declined') return { ok: false, failure: { cause: 'PAYMENT_ERROR_CARD_DECLINED', description: 'the card was declined' } };
    if (token === 'tok_error') return { ok: false, failure: { cause: 'PAYMENT_ERROR', description: 'the payment processor failed' } };
    if (token === 'tok_3ds1') {
      return {
        ok: false,
        failure: {
          cause: 'PAYMENT_REQUIRES_3DS1',
          description: '3-D Secure authentication is required',
          threeDs1: { acsUrl: 'https://acs.test.invalid/3ds1', paReq: `pareq-${request.bookingId}`, transactionId: `3ds-${request.bookingId}`, mdMerchantData: request.bookingId },
        },
      };
    }
    const rejected = /^tok_card_type_rejected:(VISA|MASTERCARD|AMERICAN_EXPRESS|DISCOVER|JCB)$/.exec(token);
    if (rejected) {
      return {
        ok: false,
        failure: { cause: 'PAYMENT_ERROR_CARD_TYPE_REJECTED', description: 'this card type is not accepted', rejectedCardType: rejected[1] as 'VISA' },
      };
    }
    const transactionId = `test_${randomUUID()}`;
    this.charges.set(transactionId, { amountMicros: request.amountMicros, currency: request.currency, refunded: false });
    return { ok: true, transactionId };
  }

  async refund(transactionId: string): Promise<boolean> {
    const charge = this.charges.get(transactionId);
    // Charges made before a restart are not in memory; every test_ transaction is ours to refund.
    if (charge === undefined) return transactionId.startsWith('test_');
    if (charge.refunded) return true;
    charge.refunded = true;
    return true;
  }
}
