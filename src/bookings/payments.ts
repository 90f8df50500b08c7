// Payments the partner processes (PROCESSED_BY_PARTNER): a small interface a partner implements
// for its processor, a test processor that never touches a card network, and the payment steps of
// the booking use cases (the charge when a booking is made, the refund when it is cancelled).
import { randomUUID } from 'node:crypto';
import type { Service } from '../merchants/model.js';
import type { Outcome } from '../store/idempotency.js';
import type { BookingFailure, BookingPayment, PrepaymentStatus } from './model.js';

export interface PaymentInput {
  readonly processedBy: 'GOOGLE' | 'PARTNER' | null;
  readonly prepaymentStatus: PrepaymentStatus;
  readonly transactionId: string | null;
  /** Price Google states for the booking, if any (micros, currency). */
  readonly price: { readonly micros: number; readonly currency: string } | null;
  /** Payment token for partner processing. */
  readonly token: string | null;
  /** Payment details as received, echoed back. */
  readonly received: unknown;
}

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
          threeDs1: {
            acsUrl: 'https://acs.test.invalid/3ds1',
            paReq: `pareq-${request.bookingId}`,
            transactionId: `3ds-${request.bookingId}`,
            mdMerchantData: request.bookingId,
          },
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

/**
 * The booking's payment: charged through the partner's processor when the partner processes the
 * payment (its transaction id is added to `charges`, for the caller to refund should the booking
 * not be made), otherwise recorded as Google sent it.
 */
export async function settle(
  payments: PaymentProcessor,
  bookingId: string,
  input: PaymentInput | null,
  service: Service,
  charges: string[],
): Promise<Outcome<BookingPayment, BookingFailure>> {
  if (input === null) return { ok: { prepaymentStatus: 'PREPAYMENT_NOT_PROVIDED', transactionId: null, received: null } };
  if (input.processedBy !== 'PARTNER')
    return { ok: { prepaymentStatus: input.prepaymentStatus, transactionId: input.transactionId, received: input.received } };
  const price = input.price ?? service.booking.price;
  if (price === null) return { failure: { cause: 'PAYMENT_OPTION_NOT_VALID', description: 'this service has no price to charge' } };
  if (input.token === null) return { failure: { cause: 'PAYMENT_ERROR', description: 'payment_processing_parameters carries no payment token' } };
  const charged = await payments.charge({ bookingId, amountMicros: price.micros, currency: price.currency, token: input.token });
  if (!charged.ok) return { failure: charged.failure };
  charges.push(charged.transactionId);
  return { ok: { prepaymentStatus: 'PREPAYMENT_PROVIDED', transactionId: charged.transactionId, received: input.received } };
}

/** Refunds charges made for bookings that were not made; throws if one cannot be refunded. */
export async function refundAll(payments: PaymentProcessor, transactionIds: readonly string[]): Promise<void> {
  for (const id of transactionIds) {
    if (!(await payments.refund(id).catch(() => false))) {
      throw new Error(`payment ${id} was charged for a booking that was not made, and its refund failed`);
    }
  }
}

/** A cancelled booking's payment: a prepayment the partner processed is refunded; PAYMENT_ERROR if the processor refuses. */
export async function refundOnCancel(payments: PaymentProcessor, payment: BookingPayment): Promise<Outcome<BookingPayment, BookingFailure>> {
  if (payment.prepaymentStatus !== 'PREPAYMENT_PROVIDED' || payment.transactionId === null || !isPartnerProcessed(payment.received)) return { ok: payment };
  if (!(await payments.refund(payment.transactionId))) return { failure: { cause: 'PAYMENT_ERROR', description: 'the refund was refused' } };
  return { ok: { ...payment, prepaymentStatus: 'PREPAYMENT_REFUNDED' } };
}

function isPartnerProcessed(received: unknown): boolean {
  return typeof received === 'object' && received !== null && (received as Record<string, unknown>).payment_processed_by === 'PROCESSED_BY_PARTNER';
}
